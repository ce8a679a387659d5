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
Prediction intervals use the classical formula (docs/analysis.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist, median
from typing import Any

import numpy as np

from auditor.core import formatting
from auditor.core.errors import InputError, Problem
from auditor.core.models import SourceData
from auditor.core.period import Month, Period, add_months, parse_month
from auditor.core.reasons import text as reason_text
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

NAMES: dict[str, dict[str, str]] = {
    "es": {
        "leads_new": "leads nuevos",
        "mqls": "MQL",
        "sqls": "SQL",
        "customers_new": "clientes nuevos",
        "revenue_attributed": "ingresos atribuidos a marketing",
        "unsubscribe_rate": "tasa de baja",
    },
    "en": {
        "leads_new": "new leads",
        "mqls": "MQLs",
        "sqls": "SQLs",
        "customers_new": "new customers",
        "revenue_attributed": "revenue attributed to marketing",
        "unsubscribe_rate": "unsubscribe rate",
    },
}


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


# ----------------------------------------------------------------- t quantile
def _t_central(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer df (Abramowitz & Stegun 26.7.3/4)."""
    theta = math.atan(t / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2 == 0:
        term = total = 1.0
        for j in range(1, df // 2):
            term *= c2 * (2 * j - 1) / (2 * j)
            total += term
        return s * total
    if df == 1:
        return 2 * theta / math.pi
    term = total = math.cos(theta)
    for j in range(1, (df - 1) // 2):
        term *= c2 * (2 * j) / (2 * j + 1)
        total += term
    return 2 / math.pi * (theta + s * total)


@cache
def t_quantile(level: float, df: int) -> float:
    """The half-width multiplier of a central `level` interval with `df` degrees of freedom."""
    if df > 400:  # Cornish-Fisher expansion around the normal (A&S 26.7.5): exact to 1e-7 here
        z = NormalDist().inv_cdf(0.5 + level / 2)
        return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
    low, high = 0.0, 1.0
    while _t_central(high, df) < level:
        high *= 2
    for _ in range(80):
        mid = (low + high) / 2
        low, high = (mid, high) if _t_central(mid, df) < level else (low, mid)
    return (low + high) / 2


# ---------------------------------------------------------------------- model
@dataclass(frozen=True)
class NotEnoughData:
    """Too few months for a method: said, never guessed."""

    months: int
    needed: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        """The section entry: status, months measured and needed, and why."""
        return {
            "status": "not_enough_data",
            "months": self.months,
            "needed": self.needed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Interval:
    """A point forecast with its central prediction intervals, by level."""

    value: float
    bounds: Mapping[float, tuple[float, float]]


@dataclass(frozen=True, eq=False)
class Fit:
    """The fitted line (+ month effects), which months it set aside, and its residuals."""

    series: Series
    seasonal: bool
    season_note: str | None
    months: tuple[Month, ...]  # observed months, oldest first
    t: np.ndarray  # month index from the series' first month
    y: np.ndarray
    inlier: np.ndarray  # False = set aside as an anomaly
    ambiguous: np.ndarray  # set aside as the later of two months that disagree (see _pick_of_pair)
    beta: np.ndarray  # [slope, 12 month levels] or [intercept, slope]
    xtx_inv: np.ndarray
    residual_sd: float
    df: int
    robust_sd: float
    z: np.ndarray  # robust z of every observed month (NaN where it cannot be judged)
    threshold: float
    bounded: bool  # forecasts cannot go below 0

    @property
    def slope(self) -> float:
        """Change per month of the trend line."""
        return float(self.beta[0] if self.seasonal else self.beta[1])

    @property
    def mean(self) -> float:
        """Mean of the months kept in the fit."""
        return float(self.y[self.inlier].mean())

    @property
    def fitted(self) -> np.ndarray:
        """The model's value for every observed month (set-aside ones included)."""
        fitted: np.ndarray = _design(self.t, self.months, self.seasonal) @ self.beta
        return fitted

    @property
    def r2(self) -> float | None:
        """Share of the kept months' variance the model explains (None for a flat series)."""
        y = self.y[self.inlier]
        spread = y - y.mean()
        # both sums in the same unit, so that values near 1e300 do not overflow when squared
        unit = _square_unit(spread)
        total = float(((spread / unit) ** 2).sum())
        if total <= 0:
            return None
        rss = float((((y - self.fitted[self.inlier]) / unit) ** 2).sum())
        return 1 - rss / total

    def season(self) -> list[float] | None:
        """Month effects January..December, as deviations that add up to 0."""
        if not self.seasonal:
            return None
        levels = self.beta[1:]
        return [float(v) for v in levels - levels.mean()]

    def slope_interval(self, level: float) -> tuple[float, float]:
        """The slope's central confidence interval at `level`."""
        index = 0 if self.seasonal else 1
        half = (
            t_quantile(level, self.df)
            * self.residual_sd
            * math.sqrt(max(float(self.xtx_inv[index, index]), 0.0))
        )
        return self.slope - half, self.slope + half

    def predict(self, months: Sequence[Month], levels: Sequence[float]) -> list[Interval]:
        """Each month's forecast with prediction intervals (a new month's own noise included)."""
        x = _design(self._index(months), months, self.seasonal)
        return [self._interval(row, 1, levels) for row in x]

    def predict_total(
        self, months: Sequence[Month], aggregation: str, levels: Sequence[float]
    ) -> Interval:
        """The months' sum ("sum"), mean ("mean") or last value ("last") with its intervals."""
        x = _design(self._index(months), months, self.seasonal)
        if aggregation == "last":
            return self._interval(x[-1], 1, levels)
        total = self._interval(x.sum(axis=0), len(months), levels)
        if aggregation == "sum":
            return total
        k = len(months)
        return Interval(
            total.value / k, {lv: (lo / k, hi / k) for lv, (lo, hi) in total.bounds.items()}
        )

    def _index(self, months: Sequence[Month]) -> np.ndarray:
        first = self.series.months[0]
        return np.array([_months_between(first, m) for m in months], dtype=float)

    def _interval(self, row: np.ndarray, noise_terms: int, levels: Sequence[float]) -> Interval:
        mean = float(row @ self.beta)
        sd = self.residual_sd * math.sqrt(noise_terms + max(float(row @ self.xtx_inv @ row), 0.0))
        bounds = {}
        for level in levels:
            half = t_quantile(level, self.df) * sd
            low, high = mean - half, mean + half
            if self.bounded:
                low, high = max(low, 0.0), max(high, 0.0)
            bounds[level] = (low, high)
        return Interval(max(mean, 0.0) if self.bounded else mean, bounds)


def _square_unit(values: np.ndarray) -> float:
    """1, or the largest |value| when squares would overflow (a data file may hold 1e300).

    1 keeps ordinary series' arithmetic exactly as it was.
    """
    largest = float(np.max(np.abs(values))) if values.size else 0.0
    return largest if largest > SQUARE_SAFE else 1.0


def _design(t: np.ndarray, months: Sequence[Month], seasonal: bool) -> np.ndarray:
    if not seasonal:
        return np.column_stack([np.ones(len(t)), t])
    dummies = np.zeros((len(t), 12))
    for row, month in enumerate(months):
        dummies[row, parse_month(month)[1] - 1] = 1.0
    return np.column_stack([t, dummies])


def _solve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares and (X'X)^-1 (a pseudo-inverse: a calendar month may have no inlier)."""
    inverse = np.linalg.pinv(x.T @ x)
    return inverse @ (x.T @ y), inverse


def _pick_of_pair(
    worst: int,
    calendar: np.ndarray,
    inlier: np.ndarray,
    t: np.ndarray,
    y: np.ndarray,
    beta: np.ndarray,
) -> tuple[int, bool]:
    """Which of two same-calendar months to set aside, and whether that choice is uncertain.

    With two observations of a calendar month, least squares puts them at equal and
    opposite distances from the model: the data cannot say which is odd.  The later
    one is judged against the earlier (the past is the baseline, as in monitoring);
    the choice is marked uncertain when the earlier one is the further from the
    trend line without season, which would have pointed at it instead.
    """
    pair = np.flatnonzero(inlier & (calendar == calendar[worst]))
    if len(pair) != 2:
        return worst, False
    earlier, later = int(pair.min()), int(pair.max())
    level = float(beta[1:].mean())
    distance = np.abs(y - (level + beta[0] * t))
    return later, bool(distance[earlier] > distance[later])


def _robust_z(
    x: np.ndarray,
    y: np.ndarray,
    inlier: np.ndarray,
    judgeable: np.ndarray,
    floor: float,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Fit on the inliers; robust z of inliers (in-sample) and set-aside months (out-of-sample).

    `floor` is the least month-to-month noise the metric can have (see `noise_floor`).
    """
    beta, inverse = _solve(x[inlier], y[inlier])
    residual = y - x @ beta
    lever = np.einsum("ij,jk,ik->i", x, inverse, x)
    z = np.full(len(y), np.nan)
    usable = inlier & judgeable & (lever < 0.99)
    scaled = np.abs(residual[usable]) / np.sqrt(1 - lever[usable])
    scale = MAD_TO_SD * median(scaled.tolist()) if scaled.size else 0.0
    # A perfectly fitted history (scale 0) still lets a month far from it stand out.
    scale = max(scale, floor, 1e-9 * max(1.0, float(np.abs(y).mean())))
    z[usable] = residual[usable] / (scale * np.sqrt(1 - lever[usable]))
    out = ~inlier
    z[out] = residual[out] / (scale * np.sqrt(1 + lever[out]))
    return beta, inverse, scale, z


def fit_series(
    series: Series,
    *,
    min_months: int = 6,
    season_months: int = 24,
    trim_months: int = 12,
    threshold: float = ROBUST_Z,
) -> Fit | NotEnoughData:
    """The trend (+ season) model of a series, months far from it set aside first."""
    observed = series.observed
    n = len(observed)
    if n < min_months:
        why = series.reason or f"{n} month(s) measured"
        return NotEnoughData(n, min_months, why)
    months = tuple(m for m, _ in observed)
    y = np.array([v for _, v in observed], dtype=float)
    first = series.months[0]
    t = np.array([_months_between(first, m) for m in months], dtype=float)
    calendar = np.array([parse_month(m)[1] for m in months])
    counts = np.bincount(calendar, minlength=13)[1:]
    seasonal = n >= season_months and bool((counts >= 2).all())
    note = None
    if not seasonal:
        note = (
            f"{n} months measured; a seasonal pattern needs {season_months}"
            if n < season_months
            else "a calendar month is measured fewer than twice"
        )
    x = _design(t, months, seasonal)
    p = x.shape[1]
    inlier = np.ones(n, dtype=bool)
    ambiguous = np.zeros(n, dtype=bool)
    floor = noise_floor(series, y)
    if n >= trim_months:
        for _ in range(max(1, n // 8)):
            if inlier.sum() - 1 - p < MIN_RESIDUAL_DF:
                break
            beta, _, _, z = _robust_z(x, y, inlier, _judgeable(calendar, inlier, seasonal), floor)
            candidates = np.where(inlier & ~np.isnan(z), np.abs(z), -1.0)
            worst = int(np.argmax(candidates))
            if candidates[worst] <= threshold:
                break
            if seasonal:
                worst, ambiguous[worst] = _pick_of_pair(worst, calendar, inlier, t, y, beta)
            inlier[worst] = False
        # A month set aside that the final model no longer finds far is taken back once.
        _, _, _, z = _robust_z(x, y, inlier, _judgeable(calendar, inlier, seasonal), floor)
        inlier |= ~inlier & (np.abs(z) <= threshold)
        ambiguous &= ~inlier
    beta, inverse, scale, z = _robust_z(x, y, inlier, _judgeable(calendar, inlier, seasonal), floor)
    if n < trim_months:
        z = np.full(n, np.nan)  # too short to judge a month against the rest
    df = int(inlier.sum()) - p
    residual = y[inlier] - x[inlier] @ beta
    unit = _square_unit(residual)
    sd = unit * math.sqrt(float((residual / unit) @ (residual / unit)) / df) if df > 0 else 0.0
    return Fit(
        series=series,
        seasonal=seasonal,
        season_note=note,
        months=months,
        t=t,
        y=y,
        inlier=inlier,
        ambiguous=ambiguous,
        beta=beta,
        xtx_inv=inverse,
        residual_sd=sd,
        df=max(df, 1),
        robust_sd=scale,
        z=z,
        threshold=threshold,
        bounded=series.metric not in SIGNED,
    )


def noise_floor(series: Series, y: np.ndarray) -> float:
    """Counts of events (leads, customers...) vary by at least their square root (Poisson):
    9 customers against 5 a year earlier is noise, not an anomaly."""
    if series.metric in BASE_BY_ID and series.unit == "count" and series.aggregation == "sum":
        return math.sqrt(max(median(y.tolist()), 0.0))
    return 0.0


def _judgeable(calendar: np.ndarray, inlier: np.ndarray, seasonal: bool) -> np.ndarray:
    """With month effects, a month is judged only against another inlier of its calendar month."""
    if not seasonal:
        return np.ones(len(calendar), dtype=bool)
    counts = np.bincount(calendar[inlier], minlength=13)
    judgeable: np.ndarray = counts[calendar] >= 2
    return judgeable


# ------------------------------------------------------------ shared fits
@dataclass
class _Fitted:
    data: SourceData  # held, so `is` identifies the very object (its id cannot be reused)
    key: tuple[Any, ...]
    series: dict[str, Series]
    fits: dict[str, Fit | NotEnoughData]


_LAST: list[_Fitted] = []  # trends and anomalies of one audit read the same fits


def fitted(
    context: Any, metric_ids: Sequence[str]
) -> dict[str, tuple[Series, Fit | NotEnoughData]]:
    """Each metric's series and fit for an AnalysisContext, computed once per audit."""
    trends = read_options(context.options, "trends", TREND_DEFAULTS)
    settings = model_settings(context.options)
    key = (
        context.period,
        trends["max_months"],
        context.gross_margin,
        tuple(sorted(settings.items())),
    )
    if not (_LAST and _LAST[0].data is context.data and _LAST[0].key == key):
        _LAST[:] = [_Fitted(context.data, key, {}, {})]
    entry = _LAST[0]
    missing = [m for m in dict.fromkeys(metric_ids) if m not in entry.series]
    if missing:
        found = monthly_series(
            context.data, missing, context.period.last, trends["max_months"], context.gross_margin
        )
        for metric_id, one in found.items():
            entry.series[metric_id] = one
            entry.fits[metric_id] = fit_series(one, **settings)
    return {m: (entry.series[m], entry.fits[m]) for m in dict.fromkeys(metric_ids)}


# ------------------------------------------------------------------ wording
def metric_name(metric_id: str, language: str, capital: bool = False) -> str:
    """The metric's name for a sentence; catalog ids without a name stay ids."""
    names = NAMES.get(language, NAMES["en"])
    if metric_id not in names:
        return metric_id
    name = names[metric_id]
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
