"""The shared trend model pinned on independent references (issue 20).

Student's t comes from SciPy (installed with scikit-learn), least squares and
leverage from a QR decomposition, never from the module under test, so a
changed constant or operator in `auditor.analysis.fit` changes a number here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from auditor.analysis import AnalysisContext
from auditor.analysis import fit as model
from auditor.analysis.fit import Fit, NotEnoughData, fit_series, fitted, noise_floor
from auditor.analysis.series import MAD_TO_SD, SQUARE_SAFE, Series
from auditor.core.period import add_months, parse_period
from auditor.metrics.calculator import calculate
from tests.helpers import source


def series(
    values: list[float | None], *, metric: str = "leads_new", first: str = "2024-01"
) -> Series:
    months = tuple(add_months(first, i) for i in range(len(values)))
    unit = {"leads_new": "count", "automation_roi": "ratio"}.get(metric, "money")
    return Series(metric, unit, "efficiency", "sum", months, tuple(values))


def line(n: int, *, noise: tuple[float, ...] = (1.5, -2.0, 0.5, 1.0, -1.0, 0.0)) -> list[float]:
    """100 + 3 t with a fixed, repeating wobble: a line that is not fitted exactly."""
    return [100.0 + 3.0 * t + noise[t % len(noise)] for t in range(n)]


def fitted_line(values: list[float], **kwargs: object) -> Fit:
    result = fit_series(series(list(values)), **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, Fit)
    return result


def ols(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int]:
    """[intercept, slope], (X'X)^-1 through QR, residual sd and df: the textbook route."""
    x = np.column_stack([np.ones(len(t)), t])
    q, r = np.linalg.qr(x)
    beta = np.linalg.solve(r, q.T @ y)
    r_inv = np.linalg.inv(r)
    residual = y - x @ beta
    df = len(y) - 2
    return beta, r_inv @ r_inv.T, math.sqrt(float(residual @ residual) / df), df


# ------------------------------------------------------------------ Student t
@pytest.mark.parametrize("df", range(1, 13))
@pytest.mark.parametrize("t", [0.3, 1.0, 2.5, 7.0])
def test_central_probability_is_students(t: float, df: int) -> None:
    assert model._t_central(t, df) == pytest.approx(2 * stats.t.cdf(t, df) - 1, abs=1e-12)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 30, 120, 400, 401, 1000])
@pytest.mark.parametrize("level", [0.8, 0.95])
def test_interval_multiplier_is_students_quantile(level: float, df: int) -> None:
    # __wrapped__: the function itself, not the values another test left in its cache
    # above 400 df a Cornish-Fisher expansion: within 1e-7, as its comment says
    expected = stats.t.ppf(0.5 + level / 2, df)
    tolerance = 1e-7 if df > 400 else 1e-10
    assert model.t_quantile.__wrapped__(level, df) == pytest.approx(expected, rel=tolerance)


# ---------------------------------------------------------------- short series
def test_under_the_minimum_no_model_is_fitted_and_the_reason_says_how_many() -> None:
    short = fit_series(series(line(5)))
    assert short == NotEnoughData(5, 6, "5 month(s) measured")
    assert short.to_json() == {
        "status": "not_enough_data",
        "months": 5,
        "needed": 6,
        "reason": "5 month(s) measured",
    }
    assert isinstance(fit_series(series(line(6))), Fit)


def test_the_series_reason_is_kept_when_there_is_one() -> None:
    empty = Series("mqls", "count", "efficiency", "sum", (), (), reason="not reported")
    assert fit_series(empty) == NotEnoughData(0, 6, "not reported")


# -------------------------------------------------------------- the line
def test_line_slope_interval_and_prediction_match_the_textbook() -> None:
    values = line(8)
    fit = fitted_line(values)
    t, y = np.arange(8.0), np.array(values)
    beta, inverse, sd, df = ols(t, y)
    assert not fit.seasonal
    assert fit.season_note == "8 months measured; a seasonal pattern needs 24"
    assert fit.season() is None
    assert fit.df == df == 6
    assert fit.residual_sd == pytest.approx(sd, rel=1e-12)
    assert fit.slope == pytest.approx(beta[1], rel=1e-12)
    assert fit.r2 == pytest.approx(stats.linregress(t, y).rvalue ** 2, rel=1e-12)
    assert np.isnan(fit.z).all()  # under 12 months no month is judged

    multiplier = stats.t.ppf(0.975, df)
    half = multiplier * sd * math.sqrt(inverse[1, 1])
    low, high = fit.slope_interval(0.95)
    assert (low, high) == (pytest.approx(beta[1] - half), pytest.approx(beta[1] + half))

    (month,) = fit.predict(["2024-10"], [0.95])  # t = 9
    row = np.array([1.0, 9.0])
    mean = float(row @ beta)
    spread = multiplier * sd * math.sqrt(1 + row @ inverse @ row)
    assert month.value == pytest.approx(mean)
    assert month.bounds[0.95] == (pytest.approx(mean - spread), pytest.approx(mean + spread))


def test_quarter_totals_sum_mean_and_last() -> None:
    values = line(8)
    fit = fitted_line(values)
    beta, inverse, sd, df = ols(np.arange(8.0), np.array(values))
    quarter = ["2024-10", "2024-11", "2024-12"]  # t = 9, 10, 11
    rows = np.array([[1.0, 9.0], [1.0, 10.0], [1.0, 11.0]])
    multiplier = stats.t.ppf(0.9, df)

    total = fit.predict_total(quarter, "sum", [0.8])
    summed = rows.sum(axis=0)
    spread = multiplier * sd * math.sqrt(3 + summed @ inverse @ summed)
    assert total.value == pytest.approx(float(summed @ beta))
    assert total.bounds[0.8] == (
        pytest.approx(summed @ beta - spread),
        pytest.approx(summed @ beta + spread),
    )
    mean = fit.predict_total(quarter, "mean", [0.8])
    assert mean.value == pytest.approx(total.value / 3)
    assert mean.bounds[0.8] == (
        pytest.approx(total.bounds[0.8][0] / 3),
        pytest.approx(total.bounds[0.8][1] / 3),
    )
    last = fit.predict_total(quarter, "last", [0.8])
    (alone,) = fit.predict(["2024-12"], [0.8])
    assert last == alone
    assert last.value == pytest.approx(float(rows[-1] @ beta))


def test_counts_are_not_forecast_below_zero_but_signed_metrics_are() -> None:
    falling = [50.0 - 10.0 * t + (1.0 if t % 2 else -1.0) for t in range(8)]
    counts = fit_series(series(falling))
    assert isinstance(counts, Fit)
    assert counts.bounded
    (month,) = counts.predict(["2024-12"], [0.8])  # t = 11: the line is near -60
    assert month.value == 0.0
    assert month.bounds[0.8] == (0.0, 0.0)
    (edge,) = counts.predict(["2024-06"], [0.8])  # t = 5: 0 lies inside the interval
    assert edge.bounds[0.8][0] == 0.0
    assert edge.bounds[0.8][1] > 0.0

    signed = fit_series(series(falling, metric="automation_roi"))
    assert isinstance(signed, Fit)
    assert not signed.bounded
    (below,) = signed.predict(["2024-12"], [0.8])
    assert below.value == pytest.approx(counts.beta @ np.array([1.0, 11.0]))
    assert below.value < below.bounds[0.8][1] < 0.0


def test_two_months_fit_a_line_with_no_residual_spread() -> None:
    fit = fitted_line([10.0, 14.0], min_months=2)
    assert fit.residual_sd == 0.0
    assert fit.df == 1  # reported as 1 so that intervals stay defined
    assert fit.slope == pytest.approx(4.0)


def test_three_months_have_one_residual_degree_of_freedom() -> None:
    fit = fitted_line([10.0, 14.0, 15.0], min_months=3)
    _, _, sd, df = ols(np.arange(3.0), np.array([10.0, 14.0, 15.0]))
    assert fit.df == df == 1
    assert fit.residual_sd == pytest.approx(sd)  # sqrt(1.5): residuals -0.5, 1, -0.5


def test_values_near_the_float_limit_keep_a_finite_spread() -> None:
    scale = 1e200
    values = [v * scale for v in line(8)]
    fit = fitted_line(values)
    _, _, sd, _ = ols(np.arange(8.0), np.array(line(8)))
    assert fit.residual_sd == pytest.approx(sd * scale, rel=1e-9)
    assert fit.r2 == pytest.approx(fitted_line(line(8)).r2, rel=1e-9)


# ------------------------------------------------------------- square unit
def test_square_unit_is_one_unless_squares_would_overflow() -> None:
    assert model._square_unit(np.array([])) == 1.0
    assert model._square_unit(np.array([1.0, -3.0])) == 1.0
    assert model._square_unit(np.array([SQUARE_SAFE, 1.0])) == 1.0
    assert model._square_unit(np.array([1.0, -2e150])) == 2e150


# ------------------------------------------------------------- robust z
def test_robust_z_in_sample_and_set_aside_months() -> None:
    t = np.arange(8.0)
    x = np.column_stack([np.ones(8), t])
    y = np.array(line(8))
    y[5] += 40.0
    inlier = np.ones(8, dtype=bool)
    inlier[5] = False
    beta, inverse, scale, z = model._robust_z(x, y, inlier, np.ones(8, dtype=bool), 0.0)

    kept = np.flatnonzero(inlier)
    ref_beta, ref_inverse, _, _ = ols(t[kept], y[kept])
    assert beta == pytest.approx(ref_beta)
    assert inverse == pytest.approx(ref_inverse)
    q, _ = np.linalg.qr(x[kept])
    lever_kept = (q**2).sum(axis=1)  # diagonal of the hat matrix
    residual = y - x @ ref_beta
    scaled = np.abs(residual[kept]) / np.sqrt(1 - lever_kept)
    assert scale == pytest.approx(MAD_TO_SD * np.median(scaled))
    assert z[kept] == pytest.approx(residual[kept] / (scale * np.sqrt(1 - lever_kept)))
    lever_out = float(x[5] @ ref_inverse @ x[5])
    assert z[5] == pytest.approx(residual[5] / (scale * math.sqrt(1 + lever_out)))


def test_robust_z_skips_months_that_cannot_be_judged() -> None:
    x = np.column_stack([np.ones(8), np.arange(8.0)])
    y = np.array(line(8))
    judgeable = np.ones(8, dtype=bool)
    judgeable[[0, 7]] = False
    _, _, scale, z = model._robust_z(x, y, np.ones(8, dtype=bool), judgeable, 0.0)
    assert np.isnan(z[[0, 7]]).all()
    assert not np.isnan(z[1:7]).any()
    _, _, all_scale, _ = model._robust_z(x, y, np.ones(8, dtype=bool), ~judgeable | True, 0.0)
    assert scale != pytest.approx(all_scale)


def test_robust_z_leaves_out_a_month_the_model_fits_by_construction() -> None:
    # A calendar month seen once has its own effect: leverage 1, no residual to judge.
    x = np.zeros((5, 3))
    x[:, 0] = np.arange(5.0)
    x[[0, 1, 2, 3], 1] = 1.0
    x[4, 2] = 1.0
    y = np.array([10.0, 11.5, 11.0, 13.5, 50.0])
    _, _, scale, z = model._robust_z(x, y, np.ones(5, dtype=bool), np.ones(5, dtype=bool), 0.0)
    assert np.isnan(z[4])
    assert math.isfinite(scale)
    assert scale > 0


def test_robust_z_scale_floors() -> None:
    x = np.column_stack([np.ones(6), np.arange(6.0)])
    nobody = np.zeros(6, dtype=bool)
    everyone = np.ones(6, dtype=bool)
    noisy = np.array(line(6))
    # no month judgeable: the scale is the metric's noise floor
    assert model._robust_z(x, noisy, everyone, nobody, 0.5)[2] == 0.5
    # a perfect line: a billionth of the mean level, so a month far off still stands out
    exact = 200.0 + 4.0 * np.arange(6.0)
    assert model._robust_z(x, exact, everyone, everyone, 0.0)[2] == pytest.approx(
        1e-9 * exact.mean()
    )
    small = 0.1 + 0.01 * np.arange(6.0)
    assert model._robust_z(x, small, everyone, everyone, 0.0)[2] == pytest.approx(1e-9)


def test_noise_floor_of_counts_is_the_square_root_of_the_median() -> None:
    assert noise_floor(series([9.0] * 6), np.array([4.0, 9.0, 16.0])) == 3.0
    assert noise_floor(series([0.0] * 6), np.zeros(6)) == 0.0
    assert noise_floor(series([9.0] * 6, metric="revenue_attributed"), np.full(6, 9.0)) == 0.0


def test_judgeable_months_need_a_second_inlier_of_their_calendar_month() -> None:
    calendar = np.array(list(range(1, 13)) * 2)
    inlier = np.ones(24, dtype=bool)
    inlier[[11, 23]] = False  # both Decembers set aside
    inlier[0] = False  # one January
    judgeable = model._judgeable(calendar, inlier, True)
    expected = np.ones(24, dtype=bool)
    expected[[0, 12, 11, 23]] = False
    assert (judgeable == expected).all()
    assert model._judgeable(calendar, inlier, False).all()


def test_pick_of_pair_sets_the_later_month_aside_and_flags_a_doubt() -> None:
    calendar = np.array([1, 2, 3, 1])
    inlier = np.ones(4, dtype=bool)
    t = np.arange(4.0)
    levels = np.zeros(12)
    levels[:3] = [30.0, 0.0, 0.0]  # month levels average 2.5; without beta[1] they average 0
    beta = np.concatenate([[1.0], levels])
    # the trend line without season is 2.5 + t: January 2.5 at t=0, 5.5 at t=3
    y_later_far = np.array([2.5, 0.0, 0.0, 12.0])
    assert model._pick_of_pair(0, calendar, inlier, t, y_later_far, beta) == (3, False)
    y_earlier_far = np.array([9.5, 0.0, 0.0, 6.5])
    assert model._pick_of_pair(3, calendar, inlier, t, y_earlier_far, beta) == (3, True)
    y_tie = np.array([4.5, 0.0, 0.0, 7.5])  # both 2 away: no doubt
    assert model._pick_of_pair(0, calendar, inlier, t, y_tie, beta) == (3, False)
    # the baseline is the mean month level (2.5), not the level of the later months
    y_near_baseline = np.array([0.0, 0.0, 0.0, 5.5])  # 2.5 and 0 away: earlier further
    assert model._pick_of_pair(3, calendar, inlier, t, y_near_baseline, beta) == (3, True)
    lonely = np.array([True, True, True, False])
    assert model._pick_of_pair(0, calendar, lonely, t, y_tie, beta) == (0, False)


# ------------------------------------------------------------- setting aside
def spiked(n: int, *at: int) -> list[float]:
    """The line with months pushed up by 300, 600, ...: each far, the later ones further."""
    values = line(n)
    for rank, index in enumerate(at, start=1):
        values[index] += 300.0 * rank
    return values


def test_from_twelve_months_a_far_month_is_set_aside_and_judged() -> None:
    fit = fitted_line(spiked(12, 6))
    assert list(np.flatnonzero(~fit.inlier)) == [6]
    assert not np.isnan(fit.z).any()
    assert fit.z[6] > fit.threshold
    assert fit.robust_sd > 0
    eleven = fitted_line(spiked(11, 6))
    assert eleven.inlier.all()
    assert np.isnan(eleven.z).all()


def test_one_month_in_eight_may_be_set_aside() -> None:
    twelve = fitted_line(spiked(12, 3, 8))  # 12 // 8 = 1 round
    assert list(np.flatnonzero(~twelve.inlier)) == [8]
    sixteen = fitted_line(spiked(16, 3, 10))  # 16 // 8 = 2 rounds
    assert list(np.flatnonzero(~sixteen.inlier)) == [3, 10]


def test_months_are_set_aside_only_while_three_residual_degrees_of_freedom_remain() -> None:
    # 6 months - 1 set aside - 2 coefficients = 3 degrees of freedom left: allowed
    six = fitted_line(spiked(6, 2), min_months=6, trim_months=6, threshold=1.5)
    assert list(np.flatnonzero(~six.inlier)) == [2]
    # 5 - 1 - 2 = 2: not allowed, though the month is as far (|z| 1.95 > 1.5)
    five = fitted_line(spiked(5, 2), min_months=5, trim_months=5, threshold=1.5)
    assert five.inlier.all()
    assert abs(five.z[2]) > 1.5


def test_a_month_exactly_at_the_threshold_is_kept() -> None:
    values = spiked(12, 6)
    first_round = fitted_line(values, threshold=1e9)
    worst = float(np.nanmax(np.abs(first_round.z)))
    at_limit = fitted_line(values, threshold=worst)
    assert at_limit.inlier.all()


# ------------------------------------------------------------- month effects
def seasonal_values(n: int, first: str = "2022-01") -> list[float]:
    effects = [5.0, -3.0, 2.0, 0.0, 1.0, -4.0, 6.0, -2.0, 3.0, -1.0, 0.5, -7.5]
    out = []
    for i in range(n):
        month = int(add_months(first, i)[5:])
        out.append(100.0 + 2.0 * i + effects[month - 1] + (0.5 if i % 3 else -0.25))
    return out


def test_twenty_four_months_fit_month_effects() -> None:
    fit = fitted_line(seasonal_values(24))
    assert fit.seasonal
    assert fit.season_note is None
    season = fit.season()
    assert season is not None
    assert sum(season) == pytest.approx(0.0, abs=1e-9)
    low, high = fit.slope_interval(0.95)
    assert low < fit.slope < high
    assert fit.slope == pytest.approx(2.0, abs=0.1)
    short = fit_series(series(seasonal_values(23)))
    assert isinstance(short, Fit)
    assert not short.seasonal
    assert short.season_note == "23 months measured; a seasonal pattern needs 24"


def test_a_calendar_month_seen_once_means_no_month_effects() -> None:
    # 2022-02 .. 2024-02 with January 2023 missing: 24 months, January seen once
    values: list[float | None] = list(seasonal_values(25, "2022-02"))
    values[11] = None
    fit = fit_series(series(values, first="2022-02"))
    assert isinstance(fit, Fit)
    assert not fit.seasonal
    assert len(fit.months) == 24
    assert fit.season_note == "a calendar month is measured fewer than twice"


def test_no_december_at_all_means_no_month_effects() -> None:
    values: list[float | None] = list(seasonal_values(36))
    for december in (11, 23, 35):
        values[december] = None
    fit = fit_series(series(values))
    assert isinstance(fit, Fit)
    assert not fit.seasonal
    assert fit.season_note == "a calendar month is measured fewer than twice"


# ------------------------------------------------------------- one fit per audit
def context(data, options: dict) -> AnalysisContext:  # type: ignore[no-untyped-def]
    period = parse_period("2026-Q4")
    return AnalysisContext(
        data=data,
        period=period,
        metrics=calculate(data, period, None, None, None),
        targets={},
        costs={},
        gross_margin=None,
        language="en",
        currency="EUR",
        options=options,
    )


def test_fits_are_shared_within_an_audit_and_follow_its_options() -> None:
    names = [add_months("2024-01", i) for i in range(36)]
    data = source({m: {"leads_new": v} for m, v in zip(names, line(36), strict=True)})
    first = fitted(context(data, {}), ["leads_new"])["leads_new"]
    again = fitted(context(data, {}), ["leads_new"])["leads_new"]
    assert again[1] is first[1]  # the same fit, not a second computation
    assert len(first[0].months) == 36

    shorter = fitted(context(data, {"trends": {"max_months": 12}}), ["leads_new"])["leads_new"]
    assert len(shorter[0].months) == 12
    assert shorter[0].months[-1] == "2026-12"
