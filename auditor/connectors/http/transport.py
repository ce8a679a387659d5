"""One session's requests: timeouts, retries with backoff, pacing, bounded bodies, and the
errors a platform's answers become."""

from __future__ import annotations

import logging
import math
import random as _random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from auditor import __version__
from auditor.connectors.http.parsing import _http_date, _origin, _seconds, retry_after_seconds
from auditor.connectors.http.policy import Deadline, HttpPolicy, TokenBucket
from auditor.connectors.http.redaction import Redactor
from auditor.connectors.http.request_log import RequestLog
from auditor.core.errors import (
    SourceAuthError,
    SourceNotFoundError,
    SourceQuotaError,
    SourceResponseError,
    SourceUnavailableError,
)
from auditor.core.userfiles import size_text

log = logging.getLogger("auditor.http")

EXCERPT_CHARS = 200
MAX_REDIRECTS = 5
# One answer's body, decoded: the largest documented page (HubSpot's 100-row search
# pages, Mailchimp's 1,000-row reports) is a few MB; a body past this is refused
# rather than read into memory whole (a hostile or broken platform or proxy).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
_BODY_CHUNK = 256 * 1024
_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class Transport:
    """One session to one platform: retries, pacing, errors, redaction (pagination is
    `HttpClient`'s)."""

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

    def __enter__(self) -> Self:
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
        data: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request with pacing and retries; return the successful response or raise.

        `data` is a form body (an OAuth token request), `json` a JSON one.

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
                response = self._send(method, url, params, json, headers, data)
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
                said = policy.describe(response) if policy.describe else None
                last = said or f"HTTP {response.status_code}"
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
        data: Mapping[str, str] | None = None,
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
                data=data,
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
                method, json, data = "GET", None, None
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

    def wait(self, seconds: float) -> None:
        """Sleep between polls of an asynchronous job (a bulk export), within the deadline:
        one that would pass it fails now, naming `source.deadline`."""
        self._timed_sleep(seconds)

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
