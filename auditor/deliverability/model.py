"""A deliverability check's result, and the organisational domain alignment compares."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

Status = Literal["pass", "warn", "fail", "info", "unknown"]
ALL = "all senders"
BULK = "bulk senders (5,000+ messages a day to Gmail or Outlook.com)"


@dataclass(frozen=True)
class Check:
    id: str
    status: Status
    title: str
    detail: str
    sources: tuple[str, ...]
    applies: str = ALL


@dataclass
class DeliverabilityResult:
    domain: str
    checks: list[Check] = field(default_factory=list)
    dns_answers: dict[str, list[str] | None] = field(default_factory=dict)
    message: str | None = None
    """The sample message's file name, when one was checked."""

    @property
    def worst(self) -> Status:
        order: tuple[Status, ...] = ("fail", "unknown", "warn", "info", "pass")
        found = {c.status for c in self.checks}
        return next((s for s in order if s in found), "pass")


def organisational_domain(domain: str) -> str:
    """The registrable domain (DMARC's organisational domain), from the Public Suffix
    List bundled with publicsuffixlist (no download)."""
    found = _suffixes().privatesuffix(domain.lower().rstrip("."))
    return str(found) if found else domain.lower()


@cache
def _suffixes() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()
