"""What the metric catalog declares about a metric: the types of its tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from auditor.metrics.expression import Formula

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Text:
    """One text in every report language (`core.vocabulary.LANGUAGES`)."""

    es: str
    en: str

    def __getitem__(self, language: str) -> str:
        return str(getattr(self, language if language in ("es", "en") else "en"))


def inline(name: str) -> str:
    """A name as it reads inside a sentence: 'New leads' -> 'new leads', 'MQLs' stays."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


@dataclass(frozen=True)
class BaseMetric:
    """A metric a connector delivers per month."""

    id: str
    category: str
    unit: str
    aggregation: str  # "sum" for flows, "last" for stocks
    meaning: str
    name: Text
    definition: Text  # what is counted and the inclusion rules (docs/definitions.md)
    short: Text | None = None  # a chart legend's name, where the name is too long
    better: Better = "higher"


@dataclass(frozen=True)
class Kpi:
    """A metric derived for the audited period from base metrics and the config's costs."""

    id: str
    category: str
    unit: str
    formula: str
    name: Text
    definition: Text  # the formula in words, for the report's appendix
    method: str = "formula"  # or "monthly_churn" / "lead_velocity"
    bounds: tuple[float, float] | None = None  # the only values the KPI can truly take
    short: Text | None = None
    better: Better = "higher"

    @property
    def parsed(self) -> Formula:
        return _parsed(self.formula)


@cache
def _parsed(formula: str) -> Formula:
    """A formula parsed once per process (the calculator asks for it every month)."""
    return Formula.parse(formula)
