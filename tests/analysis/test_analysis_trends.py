"""Trends and realistic targets (issue 7): planted truths are recovered, short series say so."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from auditor.analysis import ANALYSIS_LABEL, AnalysisContext, trends
from auditor.analysis.fit import fit_series, t_quantile
from auditor.analysis.series import Series, monthly_series, next_quarter, read_options
from auditor.core.errors import InputError
from auditor.core.models import SourceData
from auditor.core.period import add_months, parse_period
from auditor.metrics.calculator import calculate
from tests.helpers import source

# A season with a deep August (factory holidays) and a strong spring, in metric units.
SEASON = np.array([6.0, 4.0, 8.0, 3.0, 2.0, -1.0, -4.0, -22.0, 3.0, 5.0, 1.0, -5.0])
SEASON = SEASON - SEASON.mean()


def planted(
    months: int,
    *,
    slope: float = 2.0,
    level: float = 200.0,
    season: np.ndarray | None = SEASON,
    sd: float = 2.0,
    seed: int = 0,
    first: str = "2023-10",
    spike: tuple[int, float] | None = None,
) -> tuple[list[str], np.ndarray]:
    """Months and values of level + slope x t + season + N(0, sd) noise; one spike if asked."""
    rng = np.random.default_rng(seed)
    names = [add_months(first, i) for i in range(months)]
    effects = season if season is not None else np.zeros(12)
    values = (
        level
        + slope * np.arange(months)
        + np.array([effects[int(m[5:]) - 1] for m in names])
        + rng.normal(0.0, sd, months)
    )
    if spike is not None:
        values[spike[0]] += spike[1]
    return names, values


def data_of(metric: str, names: list[str], values: np.ndarray) -> SourceData:
    return source({m: {metric: float(v)} for m, v in zip(names, values, strict=True)})


def context_for(
    data: SourceData,
    period: str,
    targets: dict[str, float] | None = None,
    language: str = "en",
    options: dict | None = None,
) -> AnalysisContext:
    parsed = parse_period(period)
    return AnalysisContext(
        data=data,
        period=parsed,
        metrics=calculate(data, parsed, None, None, None),
        targets=targets or {},
        costs={},
        gross_margin=None,
        language=language,
        currency="EUR",
        options=options or {},
    )


def test_planted_trend_and_season_are_recovered():
    names, values = planted(36)  # 2023-10 .. 2026-09
    section = trends.analyse(context_for(data_of("leads_new", names, values), "2026-Q3")).section
    leads = section["metrics"]["leads_new"]
    assert leads["status"] == "ok"
    assert leads["method"] == "trend_season"
    assert leads["months"] == 36
    assert leads["slope"] == pytest.approx(2.0, abs=0.15)
    assert leads["direction"] == "up"
    effects = np.array([s["effect"] for s in leads["season"]])
    assert np.abs(effects - SEASON).max() < 3.0  # each effect from 3 noisy months
    assert leads["season_clear"]
    assert leads["fit"]["residual_sd"] == pytest.approx(2.0, rel=0.4)
    assert leads["fit"]["r2"] > 0.95
    assert leads["left_out"] == []
    assert "highest in March and lowest in August" in leads["explanation"]
    # the next quarter after 2026-Q3, with intervals that nest
    quarter = leads["forecast"]["quarter"]
    assert quarter["label"] == "2026-Q4"
    assert [m["month"] for m in leads["forecast"]["months"]] == ["2026-10", "2026-11", "2026-12"]
    true_total = sum(200 + 2 * t + SEASON[m - 1] for t, m in ((36, 10), (37, 11), (38, 12)))
    assert quarter["value"] == pytest.approx(true_total, rel=0.02)
    low95, high95 = quarter["interval_95"]
    low80, high80 = quarter["interval_80"]
    assert low95 < low80 < quarter["value"] < high80 < high95


def test_between_6_and_23_months_a_plain_trend():
    names, values = planted(18, slope=-1.5, season=None, first="2025-04")
    section = trends.analyse(context_for(data_of("mqls", names, values), "2026-Q3")).section
    mqls = section["metrics"]["mqls"]
    assert mqls["method"] == "trend"
    assert mqls["season"] is None
    assert "a seasonal pattern needs 24" in mqls["season_note"]
    assert mqls["slope"] == pytest.approx(-1.5, abs=0.25)
    assert mqls["direction"] == "down"
    assert mqls["slope_pct_of_mean"] == pytest.approx(mqls["slope"] / mqls["mean"], rel=1e-4)


def test_short_series_say_not_enough_data_never_a_number():
    names, values = planted(5, season=None, first="2026-05")
    ctx = context_for(data_of("sqls", names, values), "2026-Q3", targets={"sqls": 100})
    output = trends.analyse(ctx)
    sqls = output.section["metrics"]["sqls"]
    assert sqls["status"] == "not_enough_data"
    assert (sqls["months"], sqls["needed"]) == (5, 6)
    assert not {"slope", "forecast", "fit", "season"} & set(sqls)
    assert "only 5 months measured" in sqls["explanation"]
    target = output.section["targets"]["sqls"]
    assert target["status"] == "not_enough_data"
    assert "forecast" not in target
    assert output.findings == ()
    # a key metric the source never measured
    assert output.section["metrics"]["leads_new"]["status"] == "not_enough_data"
    assert output.section["metrics"]["leads_new"]["months"] == 0


def test_gaps_stay_gaps():
    names, values = planted(24, season=None, first="2024-10")
    monthly = {m: {"leads_new": float(v)} for m, v in zip(names, values, strict=True)}
    del monthly["2025-06"]
    data = source(monthly)
    found = monthly_series(data, ["leads_new"], "2026-09", 36)["leads_new"]
    assert found.values[names.index("2025-06")] is None
    assert len(found.observed) == 23
    section = trends.analyse(context_for(data, "2026-Q3")).section["metrics"]["leads_new"]
    assert section["gaps"] == ["2025-06"]
    assert section["months"] == 23
    assert section["method"] == "trend"  # 23 months: no season
    assert section["history"]["values"][names.index("2025-06")] is None


def test_kpi_series_are_computed_per_month():
    data = source(
        {
            "2026-07": {"unsubscribes": 10, "emails_delivered": 1000},
            "2026-08": {"unsubscribes": 30, "emails_delivered": 1000},
            "2026-09": {"emails_delivered": 1000},
        }
    )
    found = monthly_series(data, ["unsubscribe_rate"], "2026-09", 36)["unsubscribe_rate"]
    assert found.values == (0.01, 0.03, None)
    assert found.aggregation == "mean"


def test_forecast_intervals_cover_in_seeded_simulations():
    """80% and 95% intervals of the quarter total cover the realised quarter about that often."""
    runs = 400
    covered = {0.8: 0, 0.95: 0}
    mean_covered = 0
    for seed in range(runs):
        names, values = planted(27, sd=3.0, seed=seed)  # 24 fitted + 3 future months
        series = Series(
            "leads_new", "count", "efficiency", "sum", tuple(names[:24]), tuple(values[:24])
        )
        fit = fit_series(series)
        total = fit.predict_total(names[24:], "sum", (0.8, 0.95))
        realised = float(values[24:].sum())
        true_mean = sum(200 + 2 * t + SEASON[int(names[t][5:]) - 1] for t in range(24, 27))
        for level in covered:
            low, high = total.bounds[level]
            covered[level] += low <= realised <= high
        low, high = total.bounds[0.95]
        mean_covered += low <= true_mean <= high
    assert 0.74 <= covered[0.8] / runs <= 0.86
    assert 0.91 <= covered[0.95] / runs <= 0.99
    assert mean_covered / runs >= 0.95  # the true future mean: narrower than a new quarter


def test_same_model_as_scikit_learn():
    """numpy least squares = LinearRegression on trend + one-hot months (no month left out)."""
    from sklearn.linear_model import LinearRegression

    names, values = planted(30, seed=3)
    series = Series("leads_new", "count", "efficiency", "sum", tuple(names), tuple(values))
    fit = fit_series(series)
    assert fit.inlier.all()
    onehot = np.zeros((30, 12))
    onehot[np.arange(30), [int(m[5:]) - 1 for m in names]] = 1
    x = np.column_stack([np.arange(30), onehot[:, 1:]])
    reference = LinearRegression().fit(x, values)
    assert fit.slope == pytest.approx(reference.coef_[0], rel=1e-9)
    assert np.allclose(fit.fitted, reference.predict(x), rtol=1e-9)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 9, 10, 11, 30, 500])
@pytest.mark.parametrize("level", [0.8, 0.95])
def test_t_quantile_matches_scipy(df, level):
    from scipy import stats

    assert t_quantile(level, df) == pytest.approx(stats.t.ppf(0.5 + level / 2, df), rel=1e-6)


# ----------------------------------------------------------------- targets
def _leads_context(target: float, language: str = "en") -> AnalysisContext:
    names, values = planted(24, slope=0.5, level=100.0, sd=3.0, first="2024-10", seed=1)
    return context_for(
        data_of("leads_new", names, values), "2026-Q3", {"leads_new": target}, language
    )


def test_target_far_above_the_interval_is_a_warn_analysis_finding():
    output = _leads_context(1000)  # the trend gives about 300 a quarter
    result = trends.analyse(output)
    (finding,) = result.findings
    assert finding.rule == "analysis-target-leads_new"
    assert finding.status == "warn"
    assert finding.weight == 0
    assert finding.score is None
    assert finding.category == "efficiency"
    assert finding.labels == (ANALYSIS_LABEL,)
    entry = result.section["targets"]["leads_new"]
    assert entry["status"] == "above_interval"
    assert entry["judgement"] == "unrealistic"
    assert entry["finding"] == finding.rule
    forecast = entry["forecast"]
    assert entry["required_change"] == pytest.approx(1000 / forecast - 1, rel=1e-4)
    assert "A target of 1,000 for new leads in 2026-Q4 is not realistic" in finding.message
    assert "the same quarter gave" in finding.message
    assert "2025-Q4" in finding.message
    assert f"+{round((1000 / forecast - 1) * 100)}%" in finding.message
    assert "95% interval" in finding.message


def test_target_inside_the_interval_is_only_in_the_section():
    probe = trends.analyse(_leads_context(1)).section["targets"]["leads_new"]
    result = trends.analyse(_leads_context(round(probe["forecast"])))
    assert result.findings == ()
    entry = result.section["targets"]["leads_new"]
    assert entry["status"] == "in_line"
    assert entry["finding"] is None
    assert entry["verdict"].startswith("in line with the forecast")


def test_target_far_below_asks_too_little_and_lower_is_better_flips():
    low = trends.analyse(_leads_context(10))
    assert low.section["targets"]["leads_new"]["judgement"] == "unambitious"
    assert "asks for less than the data supports" in low.findings[0].message
    # an unsubscribe-rate target far under its forecast is the unrealistic one
    names, _ = planted(24, first="2024-10", season=None)
    rng = np.random.default_rng(2)
    monthly = {
        m: {"emails_delivered": 10000.0, "unsubscribes": float(30 + rng.integers(-3, 4))}
        for m in names
    }
    result = trends.analyse(
        context_for(source(monthly), "2026-Q3", {"unsubscribe_rate": 0.0005}, "es")
    )
    entry = result.section["targets"]["unsubscribe_rate"]
    assert (entry["status"], entry["judgement"]) == ("below_interval", "unrealistic")
    assert "no es realista" in result.findings[0].message
    assert "\u00a0pp " in result.findings[0].message  # a rate's gap in percentage points


def test_targets_on_metrics_without_monthly_values_say_why():
    names, values = planted(24, first="2024-10")
    result = trends.analyse(
        context_for(data_of("leads_new", names, values), "2026-Q3", {"cac": 300})
    )
    entry = result.section["targets"]["cac"]
    assert entry["status"] == "no_data"
    assert "costs are not known per month" in entry["reason"]
    assert result.findings == ()


def test_spanish_sentence_and_deterministic_json():
    names, values = planted(24, first="2024-10", spike=(22, 150.0))
    ctx = context_for(data_of("leads_new", names, values), "2026-Q3", {"leads_new": 9999}, "es")
    first = trends.analyse(ctx)
    second = trends.analyse(ctx)
    assert json.dumps(first.section, sort_keys=True) == json.dumps(second.section, sort_keys=True)
    assert first.findings == second.findings
    leads = first.section["metrics"]["leads_new"]
    assert leads["left_out"] == ["2026-08"]  # the spike does not bend the forecast
    assert leads["explanation"].startswith("Leads nuevos: tendencia al alza")
    assert "sin contar 2026-08" in leads["explanation"]
    assert "previsión para 2026-Q4" in leads["explanation"]


def test_next_quarter_labels():
    assert next_quarter("2026-09").label == "2026-Q4"
    assert next_quarter("2026-12").label == "2027-Q1"
    assert next_quarter("2026-10").label == "2026-11_2027-01"


def test_options_are_validated():
    with pytest.raises(InputError, match=r"analysis\.trends: unknown key"):
        read_options({"trends": {"min_month": 6}}, "trends", {"min_months": 6})
    with pytest.raises(InputError, match=r"analysis\.trends\.min_months"):
        read_options({"trends": {"min_months": 0}}, "trends", {"min_months": 6})
    names, values = planted(10, season=None, first="2025-12")
    ctx = context_for(data_of("leads_new", names, values), "2026-Q3")
    strict = replace(ctx, options={"trends": {"min_months": 12}})
    assert trends.analyse(strict).section["metrics"]["leads_new"]["needed"] == 12


# ------------------------------------------------------------- report partial


def render(analysis: dict[str, Any], language: str) -> str:
    from auditor.outputs.report import html
    from tests.outputs.test_report import sample

    result = sample()
    result["analysis"] = analysis
    view = html.build_view(result, language)
    template = html.environment().from_string(
        '{% import "partials/analysis_trends.html.j2" as trends with context %}'
        "{{ trends.sections() }}{{ trends.methods() }}"
    )
    return template.render(view)


def _analysis(targets: dict[str, float], language: str) -> dict[str, Any]:
    from auditor.analysis import anomalies

    names, values = planted(24, first="2024-10", spike=(22, 150.0))
    monthly = {m: {"leads_new": float(v)} for m, v in zip(names, values, strict=True)}
    for month in names[-8:]:
        monthly[month]["sqls"] = 10.0
    ctx = context_for(source(monthly), "2026-Q3", targets, language)
    return {out.key: dict(out.section) for out in (trends.analyse(ctx), anomalies.analyse(ctx))}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_partial_renders_every_section(language: str):
    page = render(_analysis({"leads_new": 5000, "customers_new": 10}, language), language)
    for anchor in ("sec-trends", "sec-forecast", "sec-targets", "sec-forecast-charts"):
        assert f'id="{anchor}"' in page
    for anchor in ("sec-season", "sec-anomalies", "sec-trends-methods"):
        assert f'id="{anchor}"' in page
    assert page.count("<svg") == 2  # leads_new (24 months) and sqls (8); not customers_new
    assert page.count('class="mk left-out"') == 1  # 2026-08, left out of the fit
    assert "2026-Q4" in page
    assert "+" in page.split('id="sec-targets"')[1].split("</table>")[0]  # a signed change
    verdict = "no es realista" if language == "es" else "is not realistic"
    assert verdict in page
    assert ("Meses anómalos" if language == "es" else "Anomalous months") in page
    assert "Iglewicz" not in page  # methods are explained in plain words


def test_the_partial_says_when_there_is_nothing_to_show():
    analysis = _analysis({}, "en")
    analysis["anomalies"]["metrics"]["leads_new"]["anomalies"] = []
    page = render(analysis, "en")
    assert "The config sets no targets" in page
    assert "No month is far from its trend and season" in page
    assert "8 months measured; judging a month needs 12" in page  # sqls: a trend, no judging
    assert "not measured in any month up to 2026-09" in page  # customers_new
    assert render({}, "en").strip() == ""
