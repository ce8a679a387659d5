"""A deliverability check's result, and the organisational domain alignment compares."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

Status = Literal["pass", "warn", "fail", "info", "unknown"]
Applies = Literal["all", "bulk"]
Part = tuple[str, dict[str, str]]
"""One sentence of a check's detail: its key in strings_deliverability.yaml (after
`deliverability.`) and the values of its placeholders."""


@dataclass(frozen=True)
class Check:
    """One check's verdict. Its words live in the string catalog, in both languages:
    the title under `deliverability.title.<id>`, the detail as `parts` joined by "; "."""

    id: str
    status: Status
    parts: tuple[Part, ...]
    sources: tuple[str, ...]
    applies: Applies = "all"

    def title_in(self, language: str) -> str:
        return _say(language, f"title.{self.id}")

    def detail_in(self, language: str) -> str:
        return "; ".join(_say(language, key, **params) for key, params in self.parts)

    def applies_in(self, language: str) -> str:
        return _say(language, f"applies.{self.applies}")

    def to_json(self, language: str) -> dict[str, Any]:
        """The check as the command's JSON and the audit result carry it, worded in
        `language`."""
        from auditor.deliverability.sources import SOURCES

        return {
            "id": self.id,
            "status": self.status,
            "title": self.title_in(language),
            "detail": self.detail_in(language),
            "applies": self.applies,
            "applies_to": _say(language, f"applies_short.{self.applies}"),
            "sources": [
                {"key": k, "title": SOURCES[k][0], "url": SOURCES[k][1]} for k in self.sources
            ],
        }

    @property
    def title(self) -> str:
        return self.title_in("en")

    @property
    def detail(self) -> str:
        return self.detail_in("en")


def check(
    check_id: str,
    status: Status,
    key: str,
    sources: tuple[str, ...] = (),
    applies: Applies = "all",
    **params: object,
) -> Check:
    """A check whose detail is one sentence."""
    return Check(
        check_id, status, ((key, {k: str(v) for k, v in params.items()}),), sources, applies
    )


def _say(language: str, key: str, **params: str) -> str:
    from auditor.core.strings import Translator

    return Translator(language)(f"deliverability.{key}", **params)


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
