"""Anomalies as the report and the JSON show them, pinned number for number and word for word
(issue 20).

The series are the seeded ones of tests/analysis/test_analysis_trends.py (`planted`): a
line of 200 + 2 a month with a season and N(0, 2) noise, months pushed by hand.  The
model's own numerics are pinned in test_fit_exact.py; here each printed figure is checked
to be the model's, rounded as documented (six significant digits, z to three).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from auditor.analysis import anomalies
from auditor.analysis.fit import Fit, fit_series
from auditor.analysis.series import Series
from auditor.core.period import add_months
from tests.analysis.test_analysis_trends import SEASON, context_for, data_of, planted

NBSP = "\xa0"


def history(months: int, pushed: dict[int, float], *, season: bool = True):  # type: ignore[no-untyped-def]
    """Months ending 2026-09 (the audited 2026-Q3) and their values, some pushed."""
    first = add_months("2026-09", -months + 1)
    names, values = planted(months, seed=11, first=first, season=SEASON if season else None)
    for index, by in pushed.items():
        values[index] += by
    return names, values


def analysed(months: int, pushed: dict[int, float], *, season: bool = True, **kwargs: Any):  # type: ignore[no-untyped-def]
    names, values = history(months, pushed, season=season)
    return anomalies.analyse(
        context_for(data_of("revenue_attributed", names, values), "2026-Q3", **kwargs)
    )


def test_two_months_in_the_period_the_whole_entry() -> None:
    out = analysed(36, {33: 25.0, 34: 40.0})  # 2026-07 and 2026-08
    assert {k: v for k, v in out.section.items() if k != "metrics"} == {
        "method": "robust residuals (median absolute deviation) of the trend + season model",
        "threshold": 3.5,
        "min_months": 12,
        "window": {"findings": ["2026-07", "2026-08", "2026-09"], "label": "2026-Q3"},
        "multivariate": {"status": "off"},
    }
    assert out.section["metrics"]["revenue_attributed"] == {
        "status": "ok",
        "metric": "revenue_attributed",
        "unit": "money",
        "category": "value",
        "method": "trend_season",
        "months": 36,
        "robust_sd": 1.89582,
        "anomalies": [
            {
                "month": "2026-07",
                "value": 287.77,
                "expected": 257.339,
                "interval_95": [253.382, 261.296],
                "deviation": 30.4313,  # 287.770 - 257.339
                "deviation_pct": 0.118254,  # 30.4313 / 257.339
                "robust_z": 12.7,
                "direction": "above",
                "in_period": True,
                "compared_with": ["2024-07", "2025-07"],
                "ambiguous": False,
                "confidence": "normal",
            },
            {
                "month": "2026-08",
                "value": 287.434,
                "expected": 246.662,
                "interval_95": [242.705, 250.619],
                "deviation": 40.7725,
                "deviation_pct": 0.165297,
                "robust_z": 17.0,
                "direction": "above",
                "in_period": True,
                "compared_with": ["2024-08", "2025-08"],
                "ambiguous": False,
                "confidence": "normal",
            },
        ],
        "finding": "analysis-anomaly-revenue_attributed",
    }


def test_the_entry_is_the_models_prediction_rounded() -> None:
    names, values = history(36, {33: 25.0, 34: 40.0})
    fit = fit_series(
        Series("revenue_attributed", "money", "value", "sum", tuple(names), tuple(values))
    )
    assert isinstance(fit, Fit)
    out = analysed(36, {33: 25.0, 34: 40.0})
    for entry in out.section["metrics"]["revenue_attributed"]["anomalies"]:
        index = names.index(entry["month"])
        (predicted,) = fit.predict([entry["month"]], [0.95])
        value = float(values[index])
        assert entry["expected"] == float(f"{predicted.value:.6g}")
        assert entry["deviation"] == float(f"{value - predicted.value:.6g}")
        assert entry["deviation_pct"] == float(f"{value / predicted.value - 1:.6g}")
        assert entry["robust_z"] == float(f"{fit.z[index]:.3g}")


def test_the_finding_in_english() -> None:
    (finding,) = analysed(36, {33: 25.0, 34: 40.0}).findings
    assert finding.rule == "analysis-anomaly-revenue_attributed"
    assert (finding.metric, finding.unit, finding.category) == (
        "revenue_attributed",
        "money",
        "value",
    )
    assert (finding.status, finding.score, finding.weight) == ("warn", None, 0.0)
    assert finding.value == 287.434  # the month furthest from the model (z 17 against 12.7)
    assert finding.confidence == "normal"
    assert (finding.pack, finding.labels) == ("analysis", ("analysis",))
    assert finding.threshold == "|robust z| ≤ 3.5 against the model"
    assert finding.title == (
        "Revenue attributed to marketing in 2026-07 and 2026-08 is far from its trend and season"
    )
    assert finding.message == (
        "Revenue attributed to marketing in 2026-07: €288, against €257 expected from the "
        "trend and season of the last 36 months (95% interval €253–€261), 13 robust standard "
        "deviations above. Revenue attributed to marketing in 2026-08: €287, against €247 "
        "expected from the trend and season of the last 36 months (95% interval €243–€251), "
        "17 robust standard deviations above."
    )
    assert finding.recommendation == (
        "Find what happened that month (a send to a new or bought list, an import, a tracking "
        "or definition change) and, if it was a one-off, keep it out of targets and "
        "year-on-year comparisons."
    )
    assert finding.source == (
        "Analysis of the client's own history: months the trend and seasonal model does not "
        "explain (robust residuals)"
    )


def test_the_finding_in_spanish() -> None:
    (finding,) = analysed(36, {33: 25.0, 34: 40.0}, language="es").findings
    assert finding.threshold == "|z robusto| ≤ 3,5 frente al modelo"
    assert finding.title == (
        "Ingresos atribuidos a marketing en 2026-07 y 2026-08: muy lejos de su tendencia y "
        "estacionalidad"
    )
    euro = f"{NBSP}€"
    assert finding.message == (
        f"Ingresos atribuidos a marketing en 2026-07: 288{euro}, frente a 257{euro} esperado "
        "según la tendencia y la estacionalidad de los últimos 36 meses (intervalo al "
        f"95{NBSP}% 253{euro}–261{euro}), 13 desviaciones típicas robustas por encima. "
        f"Ingresos atribuidos a marketing en 2026-08: 287{euro}, frente a 247{euro} esperado "
        "según la tendencia y la estacionalidad de los últimos 36 meses (intervalo al "
        f"95{NBSP}% 243{euro}–251{euro}), 17 desviaciones típicas robustas por encima."
    )
    assert finding.recommendation.startswith("Averiguar qué pasó ese mes")
    assert finding.source.startswith("Análisis del histórico del propio cliente")


def test_a_month_below_a_trend_without_season_in_both_languages() -> None:
    english = analysed(15, {13: -40.0}, season=False)
    entry = english.section["metrics"]["revenue_attributed"]
    assert (entry["method"], entry["months"], entry["robust_sd"]) == ("trend", 15, 2.08108)
    assert entry["anomalies"] == [
        {
            "month": "2026-08",
            "value": 185.727,
            "expected": 225.93,
            "interval_95": [221.354, 230.506],
            "deviation": -40.2034,
            "deviation_pct": -0.177946,
            "robust_z": -17.3,
            "direction": "below",
            "in_period": True,
            "compared_with": [],
            "ambiguous": False,
            "confidence": "low",
        }
    ]
    (finding,) = english.findings
    assert finding.confidence == "low"
    assert finding.title == "Revenue attributed to marketing in 2026-08 is far from its trend"
    assert finding.message == (
        "Revenue attributed to marketing in 2026-08: €186, against €226 expected from the "
        "trend of the last 15 months (no seasonal pattern: 15 months measured; a seasonal "
        "pattern needs 24) (95% interval €221–€231), 17 robust standard deviations below."
    )
    (spanish,) = analysed(15, {13: -40.0}, season=False, language="es").findings
    assert spanish.title == "Ingresos atribuidos a marketing en 2026-08: muy lejos de su tendencia"
    assert spanish.message == (
        f"Ingresos atribuidos a marketing en 2026-08: 186{NBSP}€, frente a 226{NBSP}€ esperado "
        "según la tendencia de los últimos 15 meses (sin estacionalidad: 15 meses medidos; la "
        f"estacionalidad necesita 24) (intervalo al 95{NBSP}% 221{NBSP}€–231{NBSP}€), 17 "
        "desviaciones típicas robustas por debajo."
    )


def test_without_month_effects_for_a_missing_calendar_month_the_reason_is_translated() -> None:
    # 2024-09 .. 2026-09 without 2025-10: exactly 24 months, October seen once
    names, values = history(25, {23: 40.0}, season=False)
    data = {m: {"revenue_attributed": float(v)} for m, v in zip(names, values, strict=True)}
    del data["2025-10"]
    from tests.helpers import source

    english = anomalies.analyse(context_for(source(data), "2026-Q3"))
    spanish = anomalies.analyse(context_for(source(data), "2026-Q3", language="es"))
    assert "(no seasonal pattern: a calendar month is measured fewer than twice)" in (
        english.findings[0].message
    )
    assert "(sin estacionalidad: un mes del calendario tiene menos de dos mediciones)" in (
        spanish.findings[0].message
    )


def test_the_ambiguous_month_says_which_it_is_judged_against() -> None:
    out = analysed(24, {22: 40.0})  # two Augusts only
    (finding,) = out.findings
    assert finding.confidence == "low"
    assert finding.message.endswith(
        "With only two years, 2026-08 and 2025-08 disagree and either could be the odd one: "
        "2026-08 is judged against 2025-08."
    )


def test_a_spanish_z_under_10_keeps_its_decimal_comma() -> None:
    (finding,) = analysed(36, {34: 15.0}, language="es").findings
    assert "desviaciones típicas robustas por encima" in finding.message
    z = analysed(36, {34: 15.0}).section["metrics"]["revenue_attributed"]["anomalies"][0]
    assert z["robust_z"] == 6.42
    assert "6,4 desviaciones típicas robustas por encima" in finding.message


def test_a_count_expected_at_zero_has_no_percentage_deviation() -> None:
    # a count falling 8 a month goes below 0 on paper; the model's forecast stops at 0
    names = [add_months("2025-04", i) for i in range(18)]  # .. 2026-09
    values = np.array([100.0 - 8.0 * t + (1.0 if t % 2 else -1.0) for t in range(18)])
    values[16] += 40.0  # 2026-08: about 12 where the line says -28
    out = anomalies.analyse(context_for(data_of("leads_new", names, values), "2026-Q3"))
    (entry,) = out.section["metrics"]["leads_new"]["anomalies"]
    assert entry["month"] == "2026-08"
    assert entry["expected"] == 0.0
    assert entry["deviation_pct"] is None
    assert entry["deviation"] == entry["value"]


def test_a_rate_expected_under_1_has_its_percentage_deviation() -> None:
    from tests.helpers import source

    names = [add_months("2025-04", i) for i in range(18)]
    unsubscribes = [40.0 + t + (1.0 if t % 2 else -1.0) for t in range(18)]
    unsubscribes[16] = 200.0  # 2026-08: an unsubscribe spike, 2 % of 10,000
    monthly = {
        m: {"emails_sent": 10_000.0, "emails_delivered": 10_000.0, "unsubscribes": u}
        for m, u in zip(names, unsubscribes, strict=True)
    }
    out = anomalies.analyse(context_for(source(monthly), "2026-Q3"))
    (entry,) = out.section["metrics"]["unsubscribe_rate"]["anomalies"]
    assert entry["month"] == "2026-08"
    assert 0 < entry["expected"] < 1
    assert entry["deviation_pct"] == pytest.approx(0.02 / entry["expected"] - 1, rel=1e-4)


def test_too_few_months_are_said_in_spanish() -> None:
    short = analysed(11, {9: 40.0}, season=False, language="es")
    assert short.section["metrics"]["revenue_attributed"]["reason"] == (
        "11 meses medidos; juzgar un mes necesita 12."
    )


# ------------------------------------------------------------------ boundaries
def test_exactly_the_minimum_of_months_is_judged() -> None:
    out = analysed(12, {10: 40.0}, season=False)
    assert out.section["metrics"]["revenue_attributed"]["status"] == "ok"
    # one month fewer: test_analysis_anomalies.py pins the whole not-enough-data entry
    short = analysed(11, {9: 40.0}, season=False)
    assert short.section["metrics"]["revenue_attributed"]["status"] == "not_enough_data"


def test_the_metrics_judged_follow_the_trends_option() -> None:
    names, values = history(24, {})
    monthly = {
        m: {"revenue_attributed": float(v), "leads_new": 100.0 + i}
        for i, (m, v) in enumerate(zip(names, values, strict=True))
    }
    from tests.helpers import source

    context = context_for(source(monthly), "2026-Q3")
    every = anomalies.analyse(context).section["metrics"]
    assert {"revenue_attributed", "leads_new", "mqls"} <= set(every)
    chosen = replace(context, options={"trends": {"metrics": ["leads_new"]}})
    assert list(anomalies.analyse(chosen).section["metrics"]) == ["leads_new"]


@pytest.mark.parametrize(
    ("z", "language", "shown"),
    [
        (9.94, "en", "9.9"),
        (-9.96, "en", "10"),  # under 10 before rounding: one decimal, and 10.0 shows as 10
        (10.0, "en", "10"),
        (10.4, "en", "10"),  # from 10 on, no decimal
        (12.6, "es", "13"),
        (-3.26, "es", "3,3"),
    ],
)
def test_z_is_shown_as_a_size_with_one_decimal_under_10(z: float, language: str, shown: str):
    assert anomalies._z_text(z, language) == shown


# ------------------------------------------------------------------ isolation forest
def fits_of(metrics: dict[str, list[float]], first: str = "2024-01") -> dict[str, Fit]:
    out = {}
    for metric, values in metrics.items():
        months = tuple(add_months(first, i) for i in range(len(values)))
        fit = fit_series(Series(metric, "money", "value", "sum", months, tuple(values)))
        assert isinstance(fit, Fit)
        out[metric] = fit
    return out


def noisy(n: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    return [100.0 + i + float(e) for i, e in enumerate(rng.normal(0, 3, n))]


def test_the_forest_needs_two_metrics_and_twelve_shared_months() -> None:
    context = context_for(data_of("leads_new", ["2026-07"], np.array([1.0])), "2026-Q3")
    one = fits_of({"mqls": noisy(14, 1)})
    assert anomalies.isolation_forest(one, context, 0) == {
        "status": "not_enough_data",
        "metrics": ["mqls"],
        "reason": "needs 2 metrics",
    }
    eleven = {**fits_of({"mqls": noisy(12, 1)}), **fits_of({"sqls": noisy(12, 2)}, "2024-02")}
    assert anomalies.isolation_forest(eleven, context, 0) == {
        "status": "not_enough_data",
        "months": 11,
        "needed": 12,
    }
    twelve = fits_of({"mqls": noisy(12, 1), "sqls": noisy(12, 2)})
    assert anomalies.isolation_forest(twelve, context, 0)["status"] == "ok"


def test_the_forest_is_scikit_learns_with_200_trees_and_5_percent() -> None:
    from sklearn.ensemble import IsolationForest

    fits = fits_of({"mqls": noisy(30, 1), "sqls": noisy(30, 2), "leads_new": noisy(30, 3)})
    context = context_for(data_of("leads_new", ["2026-07"], np.array([1.0])), "2026-Q3")
    forest = anomalies.isolation_forest(fits, context, 5)
    names = ["leads_new", "mqls", "sqls"]
    months = list(fits["mqls"].months)
    x = np.array([[fits[k].z[i] for k in names] for i in range(len(months))])
    model = IsolationForest(n_estimators=200, contamination=0.05, random_state=5).fit(x)
    scores = -model.score_samples(x)
    flagged = model.predict(x) == -1
    top = np.argsort(-scores, kind="stable")[:5]
    assert forest == {
        "status": "ok",
        "method": "isolation forest (scikit-learn, 200 trees) on the metrics' robust z; "
        "the 5% most isolated months are flagged",
        "seed": 5,
        "metrics": names,
        "months": [
            {
                "month": months[i],
                "score": float(f"{scores[i]:.4g}"),
                "flagged": bool(flagged[i]),
                "in_period": False,
            }
            for i in top
        ],
    }
    assert sum(m["flagged"] for m in forest["months"]) == int(flagged.sum())
