"""Monthly series of a metric and the trend + season model that trends and anomalies share.

`monthly_series` reads one value per month from the source: base metrics as
delivered, KPIs computed on one-month periods by the same calculator the audit
uses.  An unmeasured month stays a gap (None), never a 0.

`fit_series` fits the model a consultant can state in one sentence: "a straight
line plus a fixed effect for each calendar month".  With at least 24 months
(every calendar month seen twice) it fits the line and the twelve month effects;
with 6 to 23 months only the line; under 6 months nothing (`NotEnoughData`).
From 12 months on, months far from the model (|robust z| > 3.5) are set aside
one at a time and the model is refitted, so one bad campaign neither bends the
forecast nor hides itself.  Least squares is solved with numpy: the same model
as scikit-learn's LinearRegression on trend + one-hot months, without paying
scikit-learn's import (about 0.9 s, twice a whole audit) on every run.
Prediction intervals use the classical formula (docs/analysis.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.core import formatting
from auditor.core.errors import InputError, Problem
from auditor.core.models import SourceData
from auditor.core.period import Month, Period, add_months, parse_month
from auditor.core.reasons import text as reason_text
from auditor.metrics import catalog
from auditor.metrics.calculator import compute_period
from auditor.metrics.catalog import ALL_METRIC_IDS, BASE_BY_ID, KPI_BY_ID, category_of, unit_of
from auditor.metrics.expression import Undefined

# The six monthly metrics of issue 7's "trends and realistic expectations".
KEY_METRICS = (
    "leads_new",
    "mqls",
    "sqls",
    "customers_new",
    "revenue_attributed",
    "unsubscribe_rate",
)
# Can fall below zero, so forecasts and intervals are not clipped at 0.
SIGNED = frozenset({"automation_roi", "romi", "lead_velocity_rate"})
# Iglewicz & Hoaglin (1993), "How to detect and handle outliers": |modified z| > 3.5.
ROBUST_Z = 3.5
MAD_TO_SD = 1.4826  # MAD of a normal sample x 1.4826 estimates its standard deviation
MIN_RESIDUAL_DF = 3  # never set months aside below this many residual degrees of freedom
SQUARE_SAFE = 1e150  # above this, sums of squares are taken in units of the largest value


# Options of the config's `analysis:` key (docs/analysis.md) and their defaults.
TREND_DEFAULTS: dict[str, Any] = {
    "metrics": list(KEY_METRICS),
    "min_months": 6,  # issue 7: no trend under 6 months
    "season_months": 24,  # issue 7: month effects from 24 months (each calendar month twice)
    "max_months": 36,  # older history describes a different business
}
ANOMALY_DEFAULTS: dict[str, Any] = {
    "min_months": 12,  # a month is judged against at least a year of others
    "threshold": ROBUST_Z,
    "isolation_forest": False,  # scikit-learn's import costs about 0.9 s: opt in
    "seed": 0,
}


# ------------------------------------------------------------------- options
def read_options(
    context_options: Mapping[str, Any], section: str, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """`analysis.<section>` of the config over `defaults`; unknown keys are an error."""
    given = context_options.get(section) or {}
    if not isinstance(given, Mapping):
        raise InputError(Problem("expected a mapping", path=f"analysis.{section}"))
    given = {k: v for k, v in given.items() if v is not None}  # None: the documented default
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise InputError(
            Problem(
                f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(defaults))}",
                path=f"analysis.{section}",
            )
        )
    merged = {**defaults, **given}
    problems = [
        Problem(
            f"expected {'a whole number of at least 0' if key == 'seed' else _EXPECTED[type(default)]}"
            f", got {merged[key]!r}",
            path=f"analysis.{section}.{key}",
        )
        for key, default in defaults.items()
        if not _valid(key, merged[key], default)
    ]
    if problems:
        raise InputError(problems)
    return merged


_EXPECTED = {
    bool: "true or false",
    int: "a whole number of at least 1",
    float: "a number above 0",
    list: "a list of metric ids",
}


def _valid(key: str, value: Any, default: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return number and float(value).is_integer() and value >= (0 if key == "seed" else 1)
    if isinstance(default, float):
        return number and math.isfinite(value) and value > 0
    return isinstance(value, list) and all(v in ALL_METRIC_IDS for v in value)


def model_settings(context_options: Mapping[str, Any]) -> dict[str, Any]:
    """The `fit_series` arguments both trends and anomalies use: one model, one set of months."""
    trends = read_options(context_options, "trends", TREND_DEFAULTS)
    anomalies = read_options(context_options, "anomalies", ANOMALY_DEFAULTS)
    return {
        "min_months": int(trends["min_months"]),
        "season_months": int(trends["season_months"]),
        "trim_months": int(anomalies["min_months"]),
        "threshold": float(anomalies["threshold"]),
    }


# -------------------------------------------------------------------- series
@dataclass(frozen=True)
class Series:
    """One value per month (None = not measured), oldest first, ending at the audited period."""

    metric: str
    unit: str
    category: str
    aggregation: str  # how a quarter is formed from months: "sum", "mean" or "last"
    months: tuple[Month, ...]
    values: tuple[float | None, ...]
    reason: str | None = None  # why there is no value at all

    @property
    def observed(self) -> list[tuple[Month, float]]:
        """The measured months and their values."""
        return [(m, v) for m, v in zip(self.months, self.values, strict=True) if v is not None]


def aggregation_of(metric_id: str) -> str:
    """Flows add up over a quarter, stocks take its last month, rates and ratios its mean."""
    if metric_id in BASE_BY_ID:
        return "sum" if BASE_BY_ID[metric_id].aggregation == "sum" else "last"
    return "mean"


def monthly_series(
    data: SourceData,
    metric_ids: Sequence[str],
    through: Month,
    max_months: int,
    gross_margin: float | None = None,
) -> dict[str, Series]:
    """The last `max_months` months up to `through` of each metric (gaps stay gaps).

    Each series starts at its first measured month.  KPIs are computed per month
    with the calculator (costs are not known per month, so cost KPIs have no series).
    """
    span = [m for m in data.months if m <= through]
    if span:
        first = max(span[0], add_months(through, -max_months + 1))
        count = _months_between(first, through) + 1
        span = [add_months(first, i) for i in range(count)]
    kpis: dict[Month, dict[str, Any]] = {}
    if any(m in KPI_BY_ID for m in metric_ids):
        for month in span:
            outcomes, _ = compute_period(
                data, Period(month, month, 1), None, gross_margin, "costs are not known per month"
            )
            kpis[month] = outcomes
    out: dict[str, Series] = {}
    for metric_id in metric_ids:
        values: list[float | None] = []
        reasons: list[str] = []
        for month in span:
            if metric_id in KPI_BY_ID:
                outcome = kpis[month][metric_id]
                if isinstance(outcome, Undefined):
                    reasons.append(outcome.reason)
                    values.append(None)
                else:
                    values.append(float(outcome))
            else:
                raw = data.monthly.get(month, {}).get(metric_id)
                values.append(None if raw is None else float(raw))
        while values and values[0] is None:
            values.pop(0)
        months = tuple(span[len(span) - len(values) :])
        reason = None
        if not values:
            reason = data.not_measured.get(metric_id) or (
                reasons[-1] if reasons else reason_text("never_measured_through", month=through)
            )
        out[metric_id] = Series(
            metric_id,
            unit_of(metric_id),
            category_of(metric_id),
            aggregation_of(metric_id),
            months,
            tuple(values),
            reason,
        )
    return out


def _months_between(first: Month, last: Month) -> int:
    (y1, m1), (y2, m2) = parse_month(first), parse_month(last)
    return (y2 - y1) * 12 + (m2 - m1)


# ------------------------------------------------------------------ wording
def metric_name(metric_id: str, language: str, capital: bool = False) -> str:
    """The metric's name for a sentence; catalog ids without a name stay ids."""
    name = catalog.inline_name(metric_id, language)
    if name is None:
        return metric_id
    return name[:1].upper() + name[1:] if capital else name


MONTHS = {
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


def month_name(number: int, language: str) -> str:
    """'agosto' / 'August' (a table, not Babel: loading its calendar data costs 50 ms)."""
    return MONTHS.get(language, MONTHS["en"])[number - 1]


def show(value: float | None, unit: str, language: str, currency: str) -> str:
    """A value as the report prints it; counts forecast as fractions are rounded."""
    if value is not None and unit == "count":
        return formatting.number(round(value), language)
    if value is not None and unit == "ratio":
        return formatting.pct(value, language, 2)
    return formatting.metric(value, unit, language, currency)


def rounded(value: float | None, digits: int = 6) -> float | None:
    """Six significant digits: stable, readable JSON."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def next_quarter(last: Month) -> Period:
    """The three months after `last`, labelled like a quarter when they are one."""
    first = add_months(last, 1)
    year, month = parse_month(first)
    label = (
        f"{year}-Q{(month - 1) // 3 + 1}"
        if month in (1, 4, 7, 10)
        else (f"{first}_{add_months(first, 2)}")
    )
    return Period(label, first, 3)
