"""The model trends and anomalies share: a robust linear fit with optional month effects,
its intervals (Student t), the months set aside, and one fit per series per audit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist, median
from typing import Any

import numpy as np

from auditor.analysis.series import (
    MAD_TO_SD,
    MIN_RESIDUAL_DF,
    ROBUST_Z,
    SIGNED,
    SQUARE_SAFE,
    TREND_DEFAULTS,
    Series,
    _months_between,
    model_settings,
    monthly_series,
    read_options,
)
from auditor.core.models import SourceData
from auditor.core.period import Month, parse_month
from auditor.metrics.catalog import BASE_BY_ID


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
    season_note: str | None  # why there are no month effects, in English (the JSON's words)
    season_months: int  # the months month effects need (a finding says why in its language)
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
        season_months=season_months,
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
