"""What every fake platform shares: replies and API errors, requests seen, 429 storms,
sliding-window rate limits, and the `FakePlatform` dispatcher."""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.account import AccountSpec, NotSimulated

# --- HTTP plumbing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(f"HTTP {reply.status}")
        self.reply = reply


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    platform: str
    method: str
    path: str
    query: Mapping[str, list[str]]
    body: Any
    status: int
    at: float

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Storm:
    left: int
    retry_after: int
    path: str | None


class SlidingWindow:
    """At most `limit` accepted requests in any `seconds`; `hit` says how long to wait."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.times: deque[float] = deque()

    def hit(self, now: float) -> float | None:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return self.times[0] + self.seconds - now
        self.times.append(now)
        return None

    def remaining(self, now: float) -> int:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        return max(0, self.limit - len(self.times))


Route = tuple[str, re.Pattern[str], Callable[..., Any]]


class FakePlatform:
    """What every fake platform shares: auth, limits, storms, latency, request log."""

    name = ""
    prefix = ""
    api_root = ""
    public_paths: frozenset[str] = frozenset()
    """Paths answered without credentials (an OAuth token endpoint)."""

    def __init__(
        self,
        spec: AccountSpec,
        token: str,
        latency: tuple[float, float] = (0.0, 0.0),
        rate_limits: bool = False,
    ) -> None:
        self.spec = spec
        self.token = token
        self.latency = latency
        self.rate_limits = rate_limits
        self.lock = threading.RLock()
        self.seen: list[Seen] = []
        self.storms: list[Storm] = []
        self.in_flight = 0
        self._jitter = random.Random(f"{spec.seed}:{self.name}:latency")
        self._ids = 0
        self.routes: list[Route] = []
        self.request_headers: Mapping[str, str] = {}
        """The headers of the request being answered (a handler reading `Range`)."""

    # --- overridden per platform ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        raise NotImplementedError

    def unauthorized(self) -> Reply:
        raise NotImplementedError

    def throttled(self, retry_after: int, policy: str) -> Reply:
        raise NotImplementedError

    def not_found(self, path: str) -> Reply:
        raise NotImplementedError

    def bad_request(self, message: str) -> Reply:
        raise NotImplementedError

    def limit(self, path: str, now: float) -> Reply | None:
        return None

    def success_headers(self, path: str, now: float) -> dict[str, str]:
        return {}

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        raise NotImplementedError

    stock_metrics: frozenset[str] = frozenset()

    # --- machinery ---

    def route(self, method: str, pattern: str, handler: Callable[..., Any]) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def correlation(self) -> str:
        with self.lock:
            self._ids += 1
            n = self._ids
        return f"00000000-0000-4000-8000-{n:012d}"

    def storm(self, count: int, retry_after: int = 1, path: str | None = None) -> None:
        """Answer the next `count` requests (to `path`, if given) 429 with Retry-After."""
        with self.lock:
            self.storms.append(Storm(count, retry_after, path))

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> Reply:
        arrived = time.monotonic()  # limits count arrivals, as a platform's gateway does
        with self.lock:
            self.in_flight += 1
            delay = self._jitter.uniform(*self.latency) if self.latency[1] > 0 else 0.0
        try:
            reply = self._answer(method, path, query, headers, body, arrived)
            if delay:
                time.sleep(delay)
        finally:
            with self.lock:
                self.in_flight -= 1
        with self.lock:
            self.seen.append(Seen(self.name, method, path, query, body, reply.status, arrived))
        return reply

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
        now: float,
    ) -> Reply:
        if path not in self.public_paths and not self.authorized(headers):
            return self.unauthorized()
        with self.lock:
            for storm in self.storms:
                if storm.left > 0 and (storm.path is None or storm.path == path):
                    storm.left -= 1
                    return self.throttled(storm.retry_after, "STORM")
        if self.rate_limits:
            with self.lock:
                refused = self.limit(path, now)
            if refused is not None:
                return refused
        for verb, pattern, handler in self.routes:
            found = pattern.match(path)
            if found and verb == method:
                self.request_headers = headers
                try:
                    result = handler(query, body, *found.groups())
                except ApiError as exc:
                    return exc.reply
                except NotSimulated as exc:
                    return self.bad_request(f"[fake platform] not simulated: {exc}")
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    return self.bad_request(f"[fake platform] could not read the request: {exc!r}")
                reply = result if isinstance(result, Reply) else Reply(200, result)
                with self.lock:
                    extra = self.success_headers(path, now)
                return Reply(reply.status, reply.body, {**extra, **reply.headers})
        return self.not_found(path)

    # --- views for tests and the benchmark ---

    def endpoints(self) -> Counter[str]:
        with self.lock:
            return Counter(s.endpoint for s in self.seen)

    def statuses(self) -> Counter[int]:
        with self.lock:
            return Counter(s.status for s in self.seen)

    def requests(self) -> list[Seen]:
        with self.lock:
            return list(self.seen)


def _one(query: Mapping[str, list[str]], name: str, default: str | None = None) -> str | None:
    values = query.get(name)
    return values[-1] if values else default


def _retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))
