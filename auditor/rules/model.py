"""The rule pack as typed models (RULES.md), strict: an unknown key is an error.

Threshold literals accept `1%` or `0.01` (and `-0.3pp` in change rules); they
are parsed with Decimal so that `1%` is exactly the float a measured 100/10000
produces, and a boundary value lands on the side the rule says (exactly 1%
unsubscribes fails `at_least: 1%`).  Which literal fits which rule (a bare `1`
on a ratio, `pp` outside `change: points`) is checked by the loader, which
still sees the YAML as written.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from auditor.core.validation import NonNegative
from auditor.core.vocabulary import COMPARATORS, Category
from auditor.metrics.catalog import UNITS

RULE_ID = r"^[a-z0-9][a-z0-9-]*$"
STATUS_ON_MISSING = ("no_data", "not_applicable", "warn", "fail")
_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$")
_POINTS = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*pp\s*$")


def parse_threshold(value: Any) -> float:
    """`1%` -> 0.01, `-0.3pp` -> -0.003, `0.01` -> 0.01."""
    if isinstance(value, bool):
        raise ValueError("expected a number or a percentage such as 1%")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        return float(value)
    if isinstance(value, str):
        match = _PERCENT.match(value) or _POINTS.match(value)
        if match:
            return float(Decimal(match.group(1)) / 100)
        try:
            return parse_threshold(float(value.strip()))
        except ValueError:
            pass
    raise ValueError(f"expected a number or a percentage such as 1%, got {value!r}")


def literal_kind(value: Any) -> str:
    """How a threshold was written: 'percent', 'points' or 'number'."""
    if isinstance(value, str):
        if _PERCENT.match(value):
            return "percent"
        if _POINTS.match(value):
            return "points"
    return "number"


_LITERAL_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^\s*[+-]?\d+(\.\d+)?\s*(%|pp)\s*$"},
    ],
    "description": "a number, a percentage such as 1% or 0.3%, or percentage points such as -0.3pp",
}
Threshold = Annotated[float, BeforeValidator(parse_threshold), WithJsonSchema(_LITERAL_SCHEMA)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Strict):
    """A text in both report languages; both are required so no report falls back silently."""

    es: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    def get(self, language: str) -> str:
        return self.es if language == "es" else self.en


class Band(_Strict):
    """One comparator on the metric's value; exactly one key may be set."""

    above: Threshold | None = None
    below: Threshold | None = None
    at_least: Threshold | None = None
    at_most: Threshold | None = None
    between: tuple[Threshold, Threshold] | None = None

    @model_validator(mode="after")
    def _one_comparator(self) -> Band:
        set_keys = [
            k
            for k in ("above", "below", "at_least", "at_most", "between")
            if getattr(self, k) is not None
        ]
        if len(set_keys) != 1:
            raise ValueError(
                "a band needs exactly one of above, below, at_least, at_most, between"
                + (f" (got {', '.join(set_keys)})" if set_keys else "")
            )
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError("between: [low, high] needs low <= high")
        return self

    @property
    def comparator(self) -> str:
        return next(
            k
            for k in ("above", "below", "at_least", "at_most", "between")
            if getattr(self, k) is not None
        )

    @property
    def limit(self) -> Any:
        return getattr(self, self.comparator)

    def matches(self, value: float) -> bool:
        op, limit = self.comparator, self.limit
        if op == "above":
            return bool(value > limit)
        if op == "below":
            return bool(value < limit)
        if op == "at_least":
            return bool(value >= limit)
        if op == "at_most":
            return bool(value <= limit)
        return bool(limit[0] <= value <= limit[1])

    def describe(self) -> str:
        """The band as a condition: `>= 0.01`."""
        if self.comparator == "between":
            return f"between {self.limit[0]:g} and {self.limit[1]:g}"
        return f"{COMPARATORS[self.comparator].ascii} {self.limit:g}"

    def pass_condition(self) -> str:
        """What passing this band means: `< 0.01` for `at_least: 1%`."""
        if self.comparator == "between":
            return f"outside {self.limit[0]:g}..{self.limit[1]:g}"
        return f"{COMPARATORS[self.comparator].negated_ascii} {self.limit:g}"

    def to_json(self) -> dict[str, Any]:
        limit = self.limit
        return {self.comparator: list(limit) if isinstance(limit, tuple) else limit}


def _lenient(warn: Band, fail: Band) -> Band | None:
    """Of nested bands, the one that fires first: not matching it is passing."""
    ops = {warn.comparator, fail.comparator}
    if ops <= {"above", "at_least"}:
        return warn if warn.limit <= fail.limit else fail
    if ops <= {"below", "at_most"}:
        return warn if warn.limit >= fail.limit else fail
    return None


class Thresholds(_Strict):
    """Warn and fail bands; fail is checked first and the most severe band wins."""

    warn: Band | None = None
    fail: Band | None = None

    @model_validator(mode="after")
    def _any_band(self) -> Thresholds:
        if self.warn is None and self.fail is None:
            raise ValueError("thresholds need a warn band, a fail band or both")
        return self

    def to_json(self) -> dict[str, Any]:
        return {k: b.to_json() for k, b in (("warn", self.warn), ("fail", self.fail)) if b}


class CategoryDef(_Strict):
    weight: NonNegative


class Compare(_Strict):
    """A change rule: the bands judge the change against a baseline, not the value."""

    to: Literal["previous_period", "same_period_last_year"]
    change: Literal["relative", "absolute", "points"] = "relative"


class ScoreCurve(_Strict):
    """A graded score: `good` scores 90 and `median` 50 (Lighthouse's log-normal curve)."""

    curve: Literal["log_normal"] = "log_normal"
    direction: Literal["higher_is_better", "lower_is_better"]
    good: Threshold
    median: Threshold

    @model_validator(mode="after")
    def _ordered(self) -> ScoreCurve:
        if self.good <= 0 or self.median <= 0:
            raise ValueError("good and median must be greater than 0 for a log_normal curve")
        better = (
            self.good > self.median
            if self.direction == "higher_is_better"
            else self.good < self.median
        )
        if not better:
            word = "above" if self.direction == "higher_is_better" else "below"
            raise ValueError(f"good must be better than median: {word} it when {self.direction}")
        return self


_URL = Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=500)]


class Citation(_Strict):
    """A published source a threshold rests on, as a report cites it: publisher, title,
    year and a link where one exists (never a file of this project).

    The shipped registry (`rules/registry/citations.yaml`) also holds, for each source,
    the exact sentence the figure comes from and what the figure measures, so that a
    consultant can show a client where a number is written and what it counts."""

    publisher: Annotated[str, Field(min_length=1, max_length=200)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    url: _URL | None = None
    read_at: _URL | None = None
    """Where the quoted words were read when not on `url` (an archive or a republication)."""
    quote: Annotated[str, Field(min_length=1, max_length=1500)] | None = None
    """The source's own words the figure comes from, verbatim (in the source's language)."""
    wording: Literal["verbatim", "summary"] = "verbatim"
    """`summary` when no copy of the source itself could be read and `quote` is a third
    party's account of it, copied verbatim from `read_at`: every output says so, so a
    summary is never shown as the source's own words."""
    measures: LocalizedText | None = None
    """What the figure counts: sent or delivered, landing page or site, before or after
    Apple's Mail Privacy Protection, a target or an observed value."""

    @model_validator(mode="after")
    def _summary_names_its_page(self) -> Citation:
        if self.wording == "summary" and not (self.quote and self.read_at):
            raise ValueError("wording: summary needs the quote and read_at (the summary's page)")
        return self

    def to_json(self) -> dict[str, Any]:
        """As findings and `rules explain` carry it: `wording` only for a summary, so a
        verbatim quote's citation keeps the shape it always had."""
        return self.model_dump(exclude_none=True, exclude_defaults=True)


class CitationRegistry(_Strict):
    """The one file of public sources every shipped pack cites by key."""

    version: Literal[1]
    citations: dict[str, Citation] = Field(max_length=500)


class RuleSource(_Strict):
    """Where a rule's thresholds come from: the reasoning in both report languages and the
    citations (ids of the packs' `citations:`) it rests on; none for a project default."""

    note: LocalizedText
    cites: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list)


class Waiver(_Strict):
    """A known, accepted breach: the rule is still evaluated and shown, as `waived`."""

    reason: Annotated[str, Field(min_length=1)]
    until: date


class Rule(_Strict):
    """One audit rule: what it measures, its bands or curve, its evidence and its advice."""

    id: Annotated[str, Field(json_schema_extra={"pattern": RULE_ID})]
    title: LocalizedText
    category: Category
    metric: str
    weight: NonNegative = 1.0
    thresholds: Thresholds | None = None
    score: ScoreCurve | None = None
    compare: Compare | None = None
    min_sample: dict[str, NonNegative] = Field(default_factory=dict)
    on_missing: Literal["no_data", "not_applicable", "warn", "fail"] = "no_data"
    on_missing_baseline: Literal["no_data", "not_applicable", "warn", "fail"] = "not_applicable"
    confidence: Literal["normal", "low"] = "normal"
    source: Annotated[str, Field(min_length=1)] | RuleSource
    """A `RuleSource` (both languages, citations); a plain string is one language only."""
    message: LocalizedText
    recommendation: LocalizedText
    enabled: bool = True
    labels: list[str] = Field(default_factory=list)
    waiver: Waiver | None = None
    owner: Literal["marketing", "sales", "ops"] | None = None
    """Who acts on the recommendation (the action plan's owner column)."""
    effort: Literal["low", "medium", "high"] | None = None
    """How much work the recommendation is (the action plan's effort column)."""

    @field_validator("id")
    @classmethod
    def _rule_id(cls, value: str) -> str:
        if re.match(RULE_ID, value):
            return value
        suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
        hint = f" (did you mean '{suggestion}'?)" if re.match(RULE_ID, suggestion) else ""
        raise ValueError(
            f"a rule id may use only lowercase letters, digits and '-'{hint}, got {value!r}"
        )

    @model_validator(mode="after")
    def _judged_somehow(self) -> Rule:
        if self.thresholds is None and self.score is None:
            raise ValueError("a rule needs thresholds (warn/fail bands), a score curve, or both")
        if self.score is not None and self.compare is not None:
            raise ValueError(
                "a score curve grades a value, not a change: drop 'score' or 'compare'"
            )
        return self

    def threshold_text(self) -> str | None:
        """The pass condition users see next to the value (`< 0.01`)."""
        if self.thresholds is not None:
            warn, fail = self.thresholds.warn, self.thresholds.fail
            if warn is not None and fail is not None:
                lenient = _lenient(warn, fail)
                if lenient is None:
                    return f"{warn.pass_condition()} and {fail.pass_condition()}"
                return lenient.pass_condition()
            band = fail or warn
            assert band is not None
            return band.pass_condition()
        assert self.score is not None
        op = ">=" if self.score.direction == "higher_is_better" else "<="
        return f"{op} {self.score.good:g} (score 90), median {self.score.median:g} (score 50)"


class DerivedMetric(_Strict):
    """A metric a pack adds: arithmetic on metric ids (RULES.md "Derived metrics")."""

    expr: Annotated[str, Field(min_length=1)]
    unit: Literal[UNITS]  # type: ignore[valid-type]
    category: Category
    description: str | None = None


class PackHeader(_Strict):
    """A pack file's top level; rules are validated one by one after merging."""

    version: Literal[1]
    name: str | None = None
    description: str | None = None
    extends: list[str] = Field(default_factory=list)
    categories: dict[Category, CategoryDef] = Field(default_factory=dict)
    metrics: dict[str, DerivedMetric] = Field(default_factory=dict)
    citations: dict[str, Citation] = Field(default_factory=dict, max_length=500)
    """Published sources the pack's rules cite by id (`source.cites`)."""
    rules: list[dict[str, Any]] = Field(default_factory=list)
