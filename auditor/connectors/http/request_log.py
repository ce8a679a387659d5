"""What a run asked of a platform: requests by endpoint and status, retries, waits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
