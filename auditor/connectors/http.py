"""The one HTTP client every platform connector uses (DESIGN.md section 8).

`HttpClient` wraps one `requests.Session` with what platform APIs need and
what an interactive audit can afford:

- connect and read timeouts, and retries with exponential backoff and full
  jitter on connection errors, timeouts, 429 and 5xx, honouring `Retry-After`
  (seconds or HTTP date) and a per-platform hook that reads rate-limit headers;
- a waiting cap: a wait longer than `max_wait` is not slept but fails fast
  with `SourceQuotaError` saying when to try again (daily quotas);
- an overall deadline per connector run (`Deadline`: `source.deadline`,
  default `DEFAULT_DEADLINE` = 300 s): every connect and read timeout is cut
  to the time left, no wait is slept past it, and when it passes the fetch
  stops with `SourceUnavailableError` (exit 3) naming `source.deadline`, so an
  API that accepts connections and never answers cannot hold a run for
  `max_tries` x `read_timeout`;
- one answer's body is read in chunks and refused past `MAX_RESPONSE_BYTES`
  (64 MiB), so a hostile or broken server cannot fill the memory;
- a client-side token bucket per platform (and per named endpoint family);
- pagination helpers (offset/count, cursor, next URL/token) that stop on an
  empty page and raise on a repeated cursor, URL or page and past a page cap;
- errors split by what to do next (auth, not found, malformed, unavailable,
  quota: `auditor.core.errors`), a request log for provenance, and redaction of
  every registered secret from messages, log records and the log.

Sleeping, the clocks and the jitter are injectable, so tests never sleep.
Platform specifics live in an `HttpPolicy` declared by each connector;
`HttpConnector` builds the client from it and the `source:` options.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import json as _json
import logging
import math
import random as _random
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus, urljoin, urlsplit, urlunsplit

import requests

from auditor import __version__
from auditor.connectors.base import DEFAULT_DEADLINE, Connector, ConnectorOptions, HttpOptions
from auditor.core.errors import (
    InputError,
    Problem,
    SourceAuthError,
    SourceNotFoundError,
    SourcePaginationError,
    SourceQuotaError,
    SourceResponseError,
    SourceUnavailableError,
)
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.core.userfiles import size_text

log = logging.getLogger("auditor.http")

REDACTED = "***"
EXCERPT_CHARS = 200
MAX_REDIRECTS = 5
# One answer's body, decoded: the largest documented page (HubSpot's 100-row search
# pages, Mailchimp's 1,000-row reports) is a few MB; a body past this is refused
# rather than read into memory whole (a hostile or broken platform or proxy).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_BODY_CHUNK = 256 * 1024
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-token", "x-api-key", "apikey", "cookie"}
)
_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_MISSING = object()

RateLimitHook = Callable[[requests.Response], float | None]
"""Reads a platform's rate-limit headers: seconds to wait before the next request, or None."""
Extractor = str | Callable[[Any], Any]
"""A dotted path into a JSON page ('paging.next.after') or a function of the page."""


# --- policy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpPolicy:
    """How to talk to one platform; declared once per connector as a class attribute."""

    platform: str
    """Display name for messages: 'HubSpot'."""
    rate: float | None = None
    """Requests per second for the client-side token bucket (None: no pacing)."""
    burst: int = 1
    """Requests that may go back to back before pacing starts."""
    buckets: Mapping[str, tuple[float, int]] = field(default_factory=dict)
    """Extra limits by name, e.g. {'search': (4, 1)}; a request with bucket='search'
    waits for the platform's bucket and this one."""
    max_tries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    max_wait: float = 60.0
    """A single wait longer than this fails fast with SourceQuotaError."""
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retry_statuses: frozenset[int] = frozenset({429})
    """Retried besides every 5xx."""
    rate_limit_wait: RateLimitHook | None = None
    """Called on every response; on a retried one its answer is a wait like
    Retry-After's (the longer wins), on a success it delays the next request."""
    retry_if: Callable[[requests.Response], bool] | None = None
    """Also retry these responses (ActiveCampaign's transient 403, throttling in a 200)."""
    max_pages: int = 1000
    deadline: float = DEFAULT_DEADLINE
    """Seconds a client's fetch may take when no `Deadline` is given; an `HttpConnector`
    shares one per run, from `source.deadline`."""


class Deadline:
    """The time one connector's fetch has left, shared by every client it makes.

    The clock starts at the first request, not when the connector is built.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end: float | None = None

    def remaining(self) -> float:
        """Seconds left (negative once passed); the first call starts the clock."""
        now = self._clock()
        if self._end is None:
            self._end = now + self.seconds
        return self._end - now


# --- redaction ----------------------------------------------------------------------------


class Redactor:
    """Replaces every registered secret (and its URL-encoded forms) with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        for secret in secrets:
            self.add(secret)
        _REDACTORS.add(self)

    def add(self, secret: str | None) -> None:
        """Register a secret; empty values are ignored."""
        if not secret or not secret.strip():
            return
        forms = {secret, secret.strip(), quote(secret, safe=""), quote_plus(secret)}
        self._forms = sorted(set(self._forms) | forms, key=len, reverse=True)

    def add_header(self, name: str, value: str) -> None:
        """Register a credential header's value, its token part and a Basic password."""
        if name.lower() not in SENSITIVE_HEADERS:
            return
        self.add(value)
        scheme, _, credential = value.strip().partition(" ")
        if not credential:
            return
        self.add(credential)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            self.add(decoded)
            self.add(decoded.partition(":")[2])

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text


_REDACTORS: weakref.WeakSet[Redactor] = weakref.WeakSet()


class _RedactingFilter(logging.Filter):
    """Scrubs the secrets of every live client from records of the loggers that see URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        redactors = list(_REDACTORS)
        if not redactors:
            return True
        message = record.getMessage()
        clean = message
        for redactor in redactors:
            clean = redactor(clean)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = _RedactingFilter()
for _name in ("auditor.http", "urllib3.connectionpool"):
    if _FILTER not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_FILTER)


# --- the request log ----------------------------------------------------------------------


@dataclass
class RequestLog:
    """What the client did, for the result's provenance (and a progress display)."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    seconds: float = 0.0
    waited: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)
    by_endpoint: dict[str, int] = field(default_factory=dict)

    def count(self, status: str, endpoint: str, seconds: float) -> None:
        self.requests += 1
        self.seconds += seconds
        self.by_status[status] = self.by_status.get(status, 0) + 1
        self.by_endpoint[endpoint] = self.by_endpoint.get(endpoint, 0) + 1

    def merge(self, other: RequestLog) -> None:
        """Add another client's log into this one."""
        self.requests += other.requests
        self.retries += other.retries
        self.pages += other.pages
        self.seconds += other.seconds
        self.waited += other.waited
        for key, value in other.by_status.items():
            self.by_status[key] = self.by_status.get(key, 0) + value
        for key, value in other.by_endpoint.items():
            self.by_endpoint[key] = self.by_endpoint.get(key, 0) + value

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "waited": round(self.waited, 3),
            "by_status": dict(sorted(self.by_status.items())),
            "by_endpoint": dict(sorted(self.by_endpoint.items())),
        }


# --- rate limiting ------------------------------------------------------------------------


class TokenBucket:
    """`rate` requests per second on average, up to `burst` back to back."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def acquire(self) -> float:
        """Take one token, sleeping until there is one; return the seconds slept."""
        now = self._clock()
        last = now if self._last is None else self._last
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - last) * self.rate)
        self._last = max(now, last)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        wait = (1 - self.tokens) / self.rate
        self._sleep(wait)
        # Count the sleep as done even if the clock did not move (a test's clock).
        self._last += wait
        self.tokens = 0.0
        return wait


# --- helpers ------------------------------------------------------------------------------


def dig(data: Any, path: Extractor, default: Any = None) -> Any:
    """`data['a']['b']` for path 'a.b' (list indexes as digits); `default` when absent."""
    if callable(path):
        return path(data)
    current = data
    for part in path.split(".") if path else ():
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return default
    return current


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A Retry-After header as seconds from `now` (epoch seconds); None if unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    when = _http_date(text)
    return None if when is None else max(0.0, when - now)


def _http_date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def basic_auth(user: str, password: str) -> str:
    """The value of an `Authorization: Basic` header (register it: it is a secret)."""
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _seconds(value: float) -> str:
    if value < 120:
        return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"
    if value < 7200:
        return f"{value / 60:.0f} min"
    return f"{value / 3600:.1f} h"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _fingerprint(rows: list[Any]) -> str:
    text = _json.dumps(rows, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the client ---------------------------------------------------------------------------


class HttpClient:
    """One session to one platform: retries, pacing, pagination, errors, redaction."""

    def __init__(
        self,
        policy: HttpPolicy,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        credential_env: str | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        random: Callable[[], float] = _random.random,
        on_request: Callable[[RequestLog], None] | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.policy = policy
        self.deadline = deadline or Deadline(policy.deadline, clock)
        self._doing = ("", "")  # the request under way and its last failure, for messages
        self.base_url = base_url.rstrip("/")
        self.credential_env = credential_env
        self.redact = Redactor(secrets)
        self.log = RequestLog()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"auditor/{__version__}"
        self.session.headers["Accept"] = "application/json"
        for name, value in (headers or {}).items():
            self.redact.add_header(name, value)
            self.session.headers[name] = value
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._random = random
        self._on_request = on_request
        self._not_before = -math.inf  # a monotonic clock may start anywhere, even below 0
        self._buckets: dict[str | None, TokenBucket] = {}
        if policy.rate:
            self._buckets[None] = TokenBucket(
                policy.rate, policy.burst, clock=clock, sleep=self._timed_sleep
            )
        for name, (rate, burst) in policy.buckets.items():
            self._buckets[name] = TokenBucket(rate, burst, clock=clock, sleep=self._timed_sleep)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session's connections."""
        self.session.close()

    def add_secret(self, value: str) -> None:
        """Redact `value` too (a token sent in a body or a query parameter)."""
        self.redact.add(value)

    # --- URLs ---

    def url(self, path: str) -> str:
        """The absolute URL for `path`, or for a next-page URL the platform returned.

        An absolute URL on another origin than `base_url` (the platform's own
        host while we talk to a proxy or test server) is re-rooted on `base_url`,
        so credentials only ever go where the user pointed the connector.
        """
        if not path.startswith(("http://", "https://")):
            return f"{self.base_url}/{path.lstrip('/')}"
        target, base = urlsplit(path), urlsplit(self.base_url)
        if (target.scheme, target.netloc) == (base.scheme, base.netloc):
            return path
        prefix = base.path.rstrip("/")
        rest = target.path if target.path.startswith(prefix + "/") else prefix + target.path
        return urlunsplit((base.scheme, base.netloc, rest, target.query, ""))

    def _shown(self, method: str, url: str) -> str:
        return self.redact(f"{method.upper()} {urlsplit(url).path or '/'}")

    # --- requests ---

    def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        bucket: str | None = None,
    ) -> Any:
        """GET `path` and return its JSON body (SourceResponseError if it is not JSON)."""
        response = self.request("GET", path, params=params, headers=headers, bucket=bucket)
        return self.parse_json(response)

    def post_json(
        self,
        path: str,
        json: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        bucket: str | None = None,
    ) -> Any:
        """POST a JSON body to `path` (a search, say) and return the JSON answer."""
        response = self.request(
            "POST", path, params=params, json=json, headers=headers, bucket=bucket
        )
        return self.parse_json(response)

    def parse_json(self, response: requests.Response) -> Any:
        """The response's JSON, or a SourceResponseError quoting a short redacted excerpt."""
        try:
            return response.json()
        except ValueError:
            shown = self._shown(response.request.method or "GET", response.url)
            kind = response.headers.get("Content-Type", "no Content-Type")
            raise SourceResponseError(
                f"{self.policy.platform}: {shown} did not answer JSON (HTTP "
                f"{response.status_code}, {kind}): {self._excerpt(response.text)!r}; is "
                "base_url pointing at the API?",
                platform=self.policy.platform,
                status=response.status_code,
            ) from None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        bucket: str | None = None,
    ) -> requests.Response:
        """Send one request with pacing and retries; return the successful response or raise.

        Raises SourceAuthError (401/403), SourceNotFoundError (404),
        SourceResponseError (other 4xx), SourceQuotaError (a wait beyond max_wait)
        or SourceUnavailableError (retries exhausted): all exit 3.
        """
        url = self.url(path)
        shown = self._shown(method, url)
        policy = self.policy
        last, last_status = "", None
        for attempt in range(1, max(1, policy.max_tries) + 1):
            self._doing = (shown, last)
            self._pace(bucket)
            started = self._clock()
            try:
                response = self._send(method, url, params, json, headers)
            except _TRANSIENT as exc:
                timed_out = isinstance(exc, requests.Timeout)
                status = "timeout" if timed_out else "connection_error"
                self._record(status, shown, started)
                last = (
                    "timed out"
                    if timed_out
                    else f"connection failed ({self._excerpt(str(exc), 120)})"
                )
                wait = self._backoff(attempt)
            else:
                self._record(str(response.status_code), shown, started)
                hinted = self._hook(response)
                if not self._retryable(response):
                    if hinted and hinted <= policy.max_wait:
                        self._not_before = self._clock() + hinted
                    return self._checked(response, shown)
                last_status = response.status_code
                last = f"HTTP {response.status_code}"
                server_wait = self._server_wait(response, hinted)
                wait = self._backoff(attempt) if server_wait is None else server_wait
            if wait > policy.max_wait:
                raise self._quota_error(shown, last, wait, last_status)
            if attempt >= policy.max_tries:
                break
            self._doing = (shown, last)
            log.info("%s: %s, retry %d in %.1f s", shown, last, attempt, wait)
            self.log.retries += 1
            self._timed_sleep(wait)
        tries = f"{policy.max_tries} attempt{'s' if policy.max_tries != 1 else ''}"
        raise SourceUnavailableError(
            f"{policy.platform}: {shown} failed after {tries}; last: "
            f"{last}. The platform may be down, overloaded or unreachable from here; "
            "try again later",
            platform=policy.platform,
            last_status=last_status,
        )

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
    ) -> requests.Response:
        """One request, following redirects only on the same origin: `requests` would
        drop `Authorization` on another host but send `Api-Token` and the like."""
        for _ in range(MAX_REDIRECTS + 1):
            left = self._time_left()
            timeout = (min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left))
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            if not response.is_redirect:
                return self._bounded(response, method, url)
            response.close()
            target = urljoin(response.url or url, response.headers["Location"])
            if _origin(target) != _origin(url):
                raise SourceResponseError(
                    f"{self.policy.platform}: {self._shown(method, url)} redirects to "
                    f"{self.redact(_origin(target))}, another host; credentials are not sent "
                    "there: set source.base_url to the right address",
                    platform=self.policy.platform,
                    status=response.status_code,
                )
            if response.status_code == 303 or (
                response.status_code in (301, 302) and method.upper() == "POST"
            ):
                method, json = "GET", None
            url, params = target, None
        raise SourceResponseError(
            f"{self.policy.platform}: {self._shown(method, url)} redirects more than "
            f"{MAX_REDIRECTS} times",
            platform=self.policy.platform,
        )

    def _bounded(self, response: requests.Response, method: str, url: str) -> requests.Response:
        """The response with its body read, refusing one past `MAX_RESPONSE_BYTES`."""
        body = bytearray()
        try:
            for chunk in response.iter_content(_BODY_CHUNK):
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise SourceResponseError(
                        f"{self.policy.platform}: {self._shown(method, url)} answered with a "
                        f"body of more than {size_text(MAX_RESPONSE_BYTES)}, the "
                        "limit for one answer; is source.base_url the platform's API?",
                        platform=self.policy.platform,
                        status=response.status_code,
                    )
        finally:
            response.close()
        response._content = bytes(body)  # what `.content`, `.text` and `.json()` read
        return response

    # --- retry machinery ---

    def _pace(self, bucket: str | None) -> None:
        wait = self._not_before - self._clock()
        if wait > 0:
            self._timed_sleep(wait)
        if None in self._buckets:
            self._buckets[None].acquire()
        if bucket is not None and bucket in self._buckets:
            self._buckets[bucket].acquire()
        self._time_left()

    def _timed_sleep(self, seconds: float) -> None:
        """Sleep `seconds`, unless the deadline passes first: then fail now, not later."""
        if seconds > 0:
            if seconds >= self._time_left():
                raise self._deadline_error()
            self.log.waited += seconds
            self._sleep(seconds)

    def _time_left(self) -> float:
        """Seconds left before the deadline; SourceUnavailableError once it has passed."""
        left = self.deadline.remaining()
        if left <= 0:
            raise self._deadline_error()
        return left

    def _deadline_error(self) -> SourceUnavailableError:
        shown, last = self._doing
        doing = (
            f"; last: {shown}: {last}" if shown and last else f"; during {shown}" if shown else ""
        )
        return SourceUnavailableError(
            f"no answer from {self.policy.platform} within the {self.deadline.seconds:g} s "
            f"deadline (source.deadline){doing}. The platform may be down, overloaded or "
            "unreachable from here: try again later, or raise source.deadline",
            platform=self.policy.platform,
        )

    def _record(self, status: str, shown: str, started: float) -> None:
        elapsed = max(0.0, self._clock() - started)
        self.log.count(status, shown, elapsed)
        log.debug("%s -> %s in %.3f s", shown, status, elapsed)
        if self._on_request is not None:
            self._on_request(self.log)

    def _retryable(self, response: requests.Response) -> bool:
        status = response.status_code
        if status >= 500 or status in self.policy.retry_statuses:
            return True
        return bool(self.policy.retry_if and self.policy.retry_if(response))

    def _hook(self, response: requests.Response) -> float | None:
        if self.policy.rate_limit_wait is None:
            return None
        return self.policy.rate_limit_wait(response)

    def _server_wait(self, response: requests.Response, hinted: float | None) -> float | None:
        now = _http_date(response.headers.get("Date")) or self._wall_clock()
        after = retry_after_seconds(response.headers.get("Retry-After"), now)
        known = [w for w in (after, hinted) if w is not None]
        return max(known) if known else None

    def _backoff(self, attempt: int) -> float:
        ceiling = min(
            self.policy.backoff_cap,
            self.policy.max_wait,
            self.policy.backoff_base * 2 ** (attempt - 1),
        )
        return float(ceiling * self._random())

    def _quota_error(
        self, shown: str, last: str, wait: float, status: int | None
    ) -> SourceQuotaError:
        try:
            retry_at = datetime.fromtimestamp(self._wall_clock() + wait, UTC)
            when = retry_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            when = "much later"
        return SourceQuotaError(
            f"{self.policy.platform} asks to wait {_seconds(wait)} before retrying {shown} "
            f"({last}), longer than this run waits ({_seconds(self.policy.max_wait)}): a "
            f"daily or hourly quota is probably used up; try again after {when}",
            platform=self.policy.platform,
            wait_seconds=wait,
            retry_at=when,
        )

    def _checked(self, response: requests.Response, shown: str) -> requests.Response:
        status = response.status_code
        platform = self.policy.platform
        if status < 400:
            return response
        detail = self._excerpt(response.text)
        said = f"; it said: {detail!r}" if detail else ""
        if status in (401, 403):
            variable = self.credential_env
            held = f"the credential in {variable}" if variable else "the credentials"
            raise SourceAuthError(
                f"{platform} refused {held} (HTTP {status} on {shown}){said}. Check that "
                f"{variable or 'the credential variable'} holds a valid, unexpired token "
                "with read access to this data",
                platform=platform,
                variable=variable,
                status=status,
            )
        path = urlsplit(response.url).path or "/"
        if status == 404:
            raise SourceNotFoundError(
                f"{platform}: {shown} was not found (HTTP 404){said}; check base_url "
                f"({self.redact(self.base_url)}) and the account",
                platform=platform,
                path=self.redact(path),
            )
        raise SourceResponseError(
            f"{platform} rejected {shown} (HTTP {status}){said}",
            platform=platform,
            status=status,
        )

    def _excerpt(self, text: str, limit: int = EXCERPT_CHARS) -> str:
        flat = " ".join(self.redact(text or "").split())
        return flat if len(flat) <= limit else flat[: limit - 3] + "..."

    # --- pagination ---

    def _cap(self, max_pages: int | None) -> int:
        return max_pages if max_pages is not None else self.policy.max_pages

    def _rows(self, page: Any, items: Extractor, shown: str) -> list[Any]:
        found = dig(page, items, _MISSING)
        if found is None:
            return []
        if isinstance(found, list):
            return found
        if isinstance(found, Mapping) and not callable(items):
            return list(found.values())  # id-keyed collections (Mautic)
        what = items if isinstance(items, str) else "the page's items"
        raise SourceResponseError(
            f"{self.policy.platform}: {shown} answered a page without a list at '{what}': "
            f"{self._excerpt(_json.dumps(page, default=str))!r}",
            platform=self.policy.platform,
        )

    def _too_many(self, shown: str, cap: int) -> SourcePaginationError:
        return SourcePaginationError(
            f"{self.policy.platform}: {shown} has more than {cap} pages; stopped rather than "
            "audit part of the data (narrow the date window or raise max_pages)",
            platform=self.policy.platform,
        )

    def _repeated(self, shown: str, what: str) -> SourcePaginationError:
        return SourcePaginationError(
            f"{self.policy.platform}: {shown} paging loops: {self.redact(what)}; stopped "
            "(a connector or platform bug)",
            platform=self.policy.platform,
        )

    def paginate_offset(
        self,
        path: str,
        *,
        items: Extractor,
        params: Mapping[str, Any] | None = None,
        offset_param: str = "offset",
        limit_param: str = "count",
        page_size: int = 100,
        start: int = 0,
        total: Extractor | None = None,
        bucket: str | None = None,
        max_pages: int | None = None,
    ) -> Iterator[Any]:
        """Items of every page of an offset/count list (Mailchimp, ActiveCampaign).

        Stops on an empty page, when `total` (a path to the platform's count) is
        reached, or, when the page has no readable total, on a short page (so keep
        `page_size` within the platform's maximum).  A page identical to the one
        before (a server ignoring `offset_param`) raises SourcePaginationError.
        """
        shown = self._shown("GET", self.url(path))
        offset, previous, cap = start, None, self._cap(max_pages)
        for number in count(1):
            if number > cap:
                raise self._too_many(shown, cap)
            query = {**(params or {}), offset_param: offset, limit_param: page_size}
            page = self.get_json(path, params=query, bucket=bucket)
            self.log.pages += 1
            rows = self._rows(page, items, shown)
            if not rows:
                return
            fingerprint = _fingerprint(rows)
            if fingerprint == previous:
                raise self._repeated(
                    shown, f"the page at {offset_param}={offset} repeats the one before"
                )
            previous = fingerprint
            yield from rows
            offset += len(rows)
            known = _as_count(dig(page, total)) if total is not None else None
            if known is not None:
                if offset >= known:
                    return
            elif len(rows) < page_size:
                return

    def paginate_cursor(
        self,
        path: str,
        *,
        items: Extractor,
        next_cursor: Extractor = "paging.next.after",
        cursor_param: str = "after",
        params: Mapping[str, Any] | None = None,
        method: str = "GET",
        json: Mapping[str, Any] | None = None,
        start: str | None = None,
        bucket: str | None = None,
        max_pages: int | None = None,
        stop_on_empty: bool = True,
    ) -> Iterator[Any]:
        """Items of every page of a cursor list (HubSpot `paging.next.after`).

        With method='POST' the cursor goes into the JSON body (HubSpot search),
        otherwise into the query.  Stops when the page has no next cursor, or on
        an empty page unless `stop_on_empty=False`; a cursor seen before raises.
        """
        shown = self._shown(method, self.url(path))
        cursor, seen, cap = start, {start}, self._cap(max_pages)
        for number in count(1):
            if number > cap:
                raise self._too_many(shown, cap)
            extra = {} if cursor is None else {cursor_param: cursor}
            if method.upper() == "GET":
                page = self.get_json(path, params={**(params or {}), **extra}, bucket=bucket)
            else:
                body = {**(json or {}), **extra}
                response = self.request(method, path, params=params, json=body, bucket=bucket)
                page = self.parse_json(response)
            self.log.pages += 1
            rows = self._rows(page, items, shown)
            yield from rows
            following = dig(page, next_cursor)
            if following in (None, "") or (stop_on_empty and not rows):
                return
            if following in seen:
                raise self._repeated(shown, f"cursor {str(following)[:40]!r} came back")
            seen.add(following)
            cursor = following

    def paginate_next(
        self,
        path: str,
        *,
        items: Extractor,
        next_page: Extractor = "links.next",
        token_param: str | None = None,
        has_more: Extractor | None = None,
        params: Mapping[str, Any] | None = None,
        bucket: str | None = None,
        max_pages: int | None = None,
        stop_on_empty: bool = True,
    ) -> Iterator[Any]:
        """Items of every page of a next-URL list (Klaviyo `links.next`, Pardot
        `nextPageUrl`) or, with `token_param`, a next-token list (Marketo
        `nextPageToken`, sent back with the same `params`).

        Stops when there is no next URL/token, when `has_more` is false, or on an
        empty page unless `stop_on_empty=False`; a URL or token seen before raises.
        """
        shown = self._shown("GET", self.url(path))
        target, query = path, dict(params or {})
        seen: set[str] = {self.url(path)}
        cap = self._cap(max_pages)
        for number in count(1):
            if number > cap:
                raise self._too_many(shown, cap)
            page = self.get_json(target, params=query or None, bucket=bucket)
            self.log.pages += 1
            rows = self._rows(page, items, shown)
            yield from rows
            following = dig(page, next_page)
            if following in (None, "") or (stop_on_empty and not rows):
                return
            if has_more is not None and not dig(page, has_more):
                return
            if token_param is None:
                key = self.url(str(following))
                target, query = key, {}
            else:
                key = str(following)
                query = {**(params or {}), token_param: following}
            if key in seen:
                what = "next URL" if token_param is None else "next token"
                raise self._repeated(shown, f"{what} {key[:80]!r} came back")
            seen.add(key)


def _as_count(value: Any) -> float | None:
    """A platform's total as a number (ActiveCampaign sends '"123"'); None if unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --- the base class for HTTP connectors -----------------------------------------------------


class HttpConnector(Connector):
    """Base for connectors over HTTP: the shared client built from `policy` and options.

    Subclasses set `policy` and `default_base_url` (or override `api_base_url`),
    declare `Options` as an `HttpOptions` subclass with a `*_env` credential
    option, and call `self.http(...)` in `fetch`/`check`.  The request log of
    every client they made goes into `source_data(...)`'s provenance as 'http'.
    Tests inject `session`, `sleep`, `clock`, `wall_clock` and `random`.
    """

    Options: ClassVar[type[ConnectorOptions]] = HttpOptions
    policy: ClassVar[HttpPolicy]
    default_base_url: ClassVar[str | None] = None

    def __init__(
        self,
        options: ConnectorOptions,
        config_dir: Path,
        timezone: str = "UTC",
        **transport: Any,
    ) -> None:
        super().__init__(options, config_dir, timezone)
        allowed = {"session", "sleep", "clock", "wall_clock", "random", "on_request"}
        unknown = set(transport) - allowed
        if unknown:
            raise TypeError(f"unexpected arguments: {', '.join(sorted(unknown))}")
        self.transport = transport
        self.clients: list[HttpClient] = []
        seconds = getattr(options, "deadline", None) or DEFAULT_DEADLINE
        self.deadline = Deadline(seconds, transport.get("clock", time.monotonic))

    def api_base_url(self) -> str:
        """`source.base_url` when given, else the platform's; override to derive it
        (Mailchimp's data centre comes from the key)."""
        chosen = getattr(self.options, "base_url", None) or self.default_base_url
        if not chosen:
            raise InputError(
                Problem(f"the {self.name} connector needs source.base_url (the API's URL)")
            )
        return chosen

    def http(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        credential_env: str | None = None,
        base_url: str | None = None,
        policy: HttpPolicy | None = None,
    ) -> HttpClient:
        """A client for this run; header credentials are redacted automatically."""
        client = HttpClient(
            policy or self.policy,
            base_url or self.api_base_url(),
            headers=headers,
            secrets=secrets,
            credential_env=credential_env,
            deadline=self.deadline,
            **self.transport,
        )
        self.clients.append(client)
        return client

    def request_log(self) -> RequestLog:
        """Every client's log added up."""
        total = RequestLog()
        for client in self.clients:
            total.merge(client.log)
        return total

    def source_data(
        self,
        monthly: Mapping[Month, Mapping[str, float]],
        *,
        label: str,
        provenance: Mapping[str, Any] | None = None,
        by_channel: Mapping[str, Mapping[Month, Mapping[str, float]]] | None = None,
        not_measured: Mapping[str, str] | None = None,
    ) -> SourceData:
        """As `Connector.source_data`, with the request log as provenance['http']."""
        merged = {"http": self.request_log().to_json(), **(provenance or {})}
        return super().source_data(
            monthly,
            label=label,
            provenance=merged,
            by_channel=by_channel,
            not_measured=not_measured,
        )
