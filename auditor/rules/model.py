"""The rule pack as typed models (RULES.md), strict: an unknown key is an error.

Threshold literals accept `1%` or `0.01`; the `%` is parsed with Decimal so that
`1%` is exactly the float a measured 100/10000 produces, and a boundary value
lands on the side the rule says (exactly 1% unsubscribes fails `at_least: 1%`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from auditor.metrics.catalog import CATEGORIES
from auditor.validation import NonNegative

RULE_ID = r"^[a-z0-9][a-z0-9-]*$"
STATUS_ON_MISSING = ("no_data", "not_applicable", "warn", "fail")
_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$")
_POINTS = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*pp\s*$")


def parse_threshold(value: Any) -> float:
    """`1%` -> 0.01, `0.01` -> 0.01; `pp` only belongs to change rules (not in this pack form)."""
    if isinstance(value, bool):
        raise ValueError("expected a number or a percentage such as 1%")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        return float(value)
    if isinstance(value, str):
        if match := _PERCENT.match(value):
            try:
                return float(Decimal(match.group(1)) / 100)
            except InvalidOperation:  # pragma: no cover - the regex admits only decimals
                pass
        if _POINTS.match(value):
            raise ValueError(
                "'pp' (percentage points) is only valid in change rules (compare.change: points)"
            )
        try:
            return parse_threshold(float(value.strip()))
        except ValueError:
            pass
    raise ValueError(f"expected a number or a percentage such as 1%, got {value!r}")


Threshold = Annotated[float, BeforeValidator(parse_threshold)]
_OPERATORS = {"above": ">", "below": "<", "at_least": ">=", "at_most": "<="}
_NEGATION = {"above": "<=", "below": ">=", "at_least": "<", "at_most": ">"}


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
            return value > limit
        if op == "below":
            return value < limit
        if op == "at_least":
            return value >= limit
        if op == "at_most":
            return value <= limit
        return limit[0] <= value <= limit[1]

    def describe(self) -> str:
        """The band as a condition: `>= 0.01`."""
        if self.comparator == "between":
            return f"between {self.limit[0]:g} and {self.limit[1]:g}"
        return f"{_OPERATORS[self.comparator]} {self.limit:g}"

    def pass_condition(self) -> str:
        """What passing this band means: `< 0.01` for `at_least: 1%`."""
        if self.comparator == "between":
            return f"outside {self.limit[0]:g}..{self.limit[1]:g}"
        return f"{_NEGATION[self.comparator]} {self.limit:g}"

    def to_json(self) -> dict[str, Any]:
        limit = self.limit
        return {self.comparator: list(limit) if isinstance(limit, tuple) else limit}


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


class Rule(_Strict):
    """One audit rule: what it measures, its bands, its evidence and its advice."""

    id: Annotated[str, Field(pattern=RULE_ID)]
    title: LocalizedText
    category: Literal["activity", "response", "efficiency", "value"]
    metric: str
    weight: NonNegative = 1.0
    thresholds: Thresholds
    min_sample: dict[str, NonNegative] = Field(default_factory=dict)
    on_missing: Literal["no_data", "not_applicable", "warn", "fail"] = "no_data"
    confidence: Literal["normal", "low"] = "normal"
    source: Annotated[str, Field(min_length=1)]
    message: LocalizedText
    recommendation: LocalizedText
    enabled: bool = True
    labels: list[str] = Field(default_factory=list)

    def threshold_text(self) -> str:
        """The pass condition users see next to the value (`< 0.01`)."""
        band = self.thresholds.fail or self.thresholds.warn
        assert band is not None
        return band.pass_condition()


class PackHeader(_Strict):
    """A pack file's top level; rules are validated one by one after merging."""

    version: Literal[1]
    name: str | None = None
    description: str | None = None
    extends: list[str] = Field(default_factory=list)
    categories: dict[Literal["activity", "response", "efficiency", "value"], CategoryDef] = Field(
        default_factory=dict
    )
    rules: list[dict[str, Any]] = Field(default_factory=list)


assert set(CATEGORIES) == {"activity", "response", "efficiency", "value"}
