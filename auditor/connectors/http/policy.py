"""What a platform allows: its retry and pacing policy, the run's deadline, token buckets."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from auditor.connectors.base import DEFAULT_DEADLINE

RateLimitHook = Callable[[requests.Response], float | None]
"""Reads a platform's rate-limit headers: seconds to wait before the next request, or None."""
Extractor = str | Callable[[Any], Any]
"""A dotted path into a JSON page ('paging.next.after') or a function of the page."""


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
    describe: Callable[[requests.Response], str | None] | None = None
    """Names a retried answer in messages when its status says too little (an error
    code in an HTTP 200 body): "HTTP 200" would mislead."""
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
