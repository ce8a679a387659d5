"""Trends and targets as the JSON and the report show them, pinned number for number and word
for word in both languages (issue 20).

Series: revenue is the seeded `planted` series of test_analysis_trends.py x 100 (a line of
20,000 + 200 a month with a deep August, noise N(0, 200)), so each figure below can be
checked against the planted truth: mean 23,500 over the 36 months, slope 200, August about
-2,200, next quarter about 3 x (20,000 + 200 x 37) = 82,200 plus its months' effects.
The model's own numerics are pinned in test_fit_exact.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from auditor.analysis import trends
from auditor.analysis.fit import fit_series
from auditor.analysis.series import Series
from auditor.core.period import add_months, parse_period
from tests.analysis.test_analysis_trends import context_for, planted
from tests.helpers import source

NBSP = "\xa0"
EURO = f"{NBSP}€"


def revenue() -> dict[str, dict[str, float]]:
    names, values = planted(36, seed=3, first="2023-10")  # .. 2026-09
    return {m: {"revenue_attributed": float(v * 100)} for m, v in zip(names, values, strict=True)}


def leads() -> dict[str, dict[str, float]]:
    """15 months falling 4 a month, 2025-09 not measured, 2025-12 pushed up by 150."""
    names = [add_months("2025-07", i) for i in range(15)]
    values = [300.0 - 4 * t + (3 if t % 2 else -3) for t in range(15)]
    values[5] += 150
    monthly = {m: {"leads_new": v} for m, v in zip(names, values, strict=True)}
    del monthly["2025-09"]
    return monthly


def unsubscribes() -> dict[str, dict[str, float]]:
    """12 months of 10,000 delivered emails with 40 + 2 t (+ 0, 1, 2) unsubscribes."""
    names = [add_months("2025-10", i) for i in range(12)]
    return {
        m: {"emails_sent": 1e4, "emails_delivered": 1e4, "unsubscribes": 40.0 + 2 * t + t % 3}
        for t, m in enumerate(names)
    }


def run(monthly: dict, metrics: list[str], language: str = "en", targets: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
    options = {"trends": {"metrics": metrics}}
    context = context_for(source(monthly), "2026-Q3", targets, language, options)
    return trends.analyse(context)


def without(entry: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in keys}


SEASON = [
    (511.44, 0.0217491),
    (375.506, 0.0159684),
    (822.805, 0.0349899),
    (152.82, 0.00649867),
    (130.973, 0.00556963),
    (-121.554, -0.00516909),
    (-64.5772, -0.00274615),
    (-2173.89, -0.092445),
    (252.57, 0.0107406),
    (609.026, 0.0258989),
    (-78.5017, -0.00333829),
    (-416.616, -0.0177166),
]


def test_a_seasonal_money_series_the_whole_entry() -> None:
    out = run(revenue(), ["revenue_attributed"])
    assert without(out.section, "metrics") == {
        "method": "least squares on a linear trend plus month-of-year effects (from 24 "
        "months) or a linear trend (from 6 months); months with |robust z| > 3.5 left out; "
        "prediction intervals from the residual standard error",
        "fitted_through": "2026-09",
        "forecast_period": {"label": "2026-Q4", "months": ["2026-10", "2026-11", "2026-12"]},
        "levels": [0.8, 0.95],
        "key_metrics": ["revenue_attributed"],
        "targets": {},
    }
    entry = out.section["metrics"]["revenue_attributed"]
    assert without(entry, "history", "explanation") == {
        "status": "ok",
        "metric": "revenue_attributed",
        "unit": "money",
        "category": "value",
        "aggregation": "sum",
        "method": "trend_season",
        "season_note": None,
        "months": 36,
        "first_month": "2023-10",
        "last_month": "2026-09",
        "gaps": [],
        "left_out": [],
        "mean": 23515.5,
        "slope": 203.529,
        "slope_pct_of_mean": 0.0086551,  # 203.529 / 23,515.5
        "slope_interval_95": [196.326, 210.732],
        "direction": "up",
        "season": [
            {"month": i + 1, "effect": effect, "effect_pct": pct}
            for i, (effect, pct) in enumerate(SEASON)
        ],
        "season_clear": True,
        "fit": {"r2": 0.994199, "residual_sd": 204.702, "robust_sd": 156.871, "df": 23},
        "forecast": {
            "months": [
                {
                    "month": "2026-10",
                    "value": 27889.8,
                    "interval_80": [27559.0, 28220.6],
                    "interval_95": [27371.2, 28408.4],
                },
                {
                    "month": "2026-11",
                    "value": 27405.8,
                    "interval_80": [27075.0, 27736.6],
                    "interval_95": [26887.2, 27924.4],
                },
                {
                    "month": "2026-12",
                    "value": 27271.2,
                    "interval_80": [26940.4, 27602.0],
                    "interval_95": [26752.6, 27789.9],
                },
            ],
            "quarter": {
                "label": "2026-Q4",
                "value": 82566.9,
                "interval_80": [81933.4, 83200.3],
                "interval_95": [81573.8, 83560.0],
            },
        },
        "same_quarter_before": [
            {"label": "2024-Q4", "value": 67499.1},
            {"label": "2025-Q4", "value": 75558.6},
        ],
    }


def test_the_seasonal_sentence_in_both_languages() -> None:
    english = run(revenue(), ["revenue_attributed"]).section["metrics"]["revenue_attributed"]
    assert english["explanation"] == (
        "Revenue attributed to marketing: an upward trend of about €204 a month (0.9% of the "
        "monthly average) over the last 36 months, usually highest in March and lowest in "
        "August; forecast for 2026-Q4: €82,567 (80% likely between €81,933 and €83,200)."
    )
    spanish = run(revenue(), ["revenue_attributed"], "es").section["metrics"]
    assert spanish["revenue_attributed"]["explanation"] == (
        f"Ingresos atribuidos a marketing: tendencia al alza de aproximadamente 204{EURO} al mes "
        f"(0,9{NBSP}% de la media mensual) en los últimos 36 meses, con máximo habitual en "
        f"marzo y mínimo en agosto; previsión para 2026-Q4: 82.567{EURO} (con un 80{NBSP}% "
        f"de probabilidad, entre 81.933{EURO} y 83.200{EURO})."
    )


def test_history_is_the_values_and_the_model_with_gaps_empty() -> None:
    monthly = leads()
    entry = run(monthly, ["leads_new"]).section["metrics"]["leads_new"]
    months = [add_months("2025-07", i) for i in range(15)]
    values = [monthly.get(m, {}).get("leads_new") for m in months]
    fit = fit_series(
        Series("leads_new", "count", "efficiency", "sum", tuple(months), tuple(values))
    )
    fitted = iter(fit.fitted.tolist())  # type: ignore[union-attr]
    expected_fitted = [None if v is None else next(fitted) for v in values]
    assert entry["history"]["months"] == months
    assert entry["history"]["values"] == [None if v is None else float(f"{v:.6g}") for v in values]
    assert entry["history"]["fitted"] == [
        None if f is None else float(f"{f:.6g}") for f in expected_fitted
    ]


def test_a_falling_count_with_a_gap_and_a_month_left_out() -> None:
    entry = run(leads(), ["leads_new"]).section["metrics"]["leads_new"]
    assert without(entry, "history", "forecast", "explanation") == {
        "status": "ok",
        "metric": "leads_new",
        "unit": "count",
        "category": "efficiency",
        "aggregation": "sum",
        "method": "trend",
        "season_note": "14 months measured; a seasonal pattern needs 24",
        "months": 14,
        "first_month": "2025-07",
        "last_month": "2026-09",
        "gaps": ["2025-09"],
        "left_out": ["2025-12"],
        "mean": 269.615,
        "slope": -4.02987,
        "slope_pct_of_mean": -0.0149467,
        "slope_interval_95": [-4.48461, -3.57513],
        "direction": "down",
        "season": None,
        "season_clear": False,
        "fit": {"r2": 0.971899, "residual_sd": 3.2486, "robust_sd": 16.4317, "df": 11},
        "same_quarter_before": [{"label": "2025-Q4", "value": 1005.0}],  # 288 + 367 + 350
    }
    assert entry["explanation"] == (
        "New leads: a downward trend of about 4 a month (1.5% of the monthly average) over the "
        "last 14 months (2025-12 left out as unusual); forecast for 2026-Q4: 707 (80% likely "
        "between 695 and 718)."
    )
    spanish = run(leads(), ["leads_new"], "es").section["metrics"]["leads_new"]
    assert spanish["explanation"] == (
        f"Leads nuevos: tendencia a la baja de aproximadamente 4 al mes (1,5{NBSP}% de la media "
        "mensual) en los últimos 14 meses (sin contar 2025-12, atípico); previsión para 2026-Q4: 707 "
        f"(con un 80{NBSP}% de probabilidad, entre 695 y 718)."
    )


def test_a_rate_is_described_in_points_and_forecast_as_a_mean() -> None:
    entry = run(unsubscribes(), ["unsubscribe_rate"]).section["metrics"]["unsubscribe_rate"]
    assert entry["aggregation"] == "mean"
    assert entry["explanation"] == (
        f"Unsubscribe rate: an upward trend of about 0.021{NBSP}pp a month (4% of the monthly "
        "average) over the last 12 months; forecast for 2026-Q4: 0.67% on average (80% likely "
        "between 0.66% and 0.68%)."
    )
    spanish = run(unsubscribes(), ["unsubscribe_rate"], "es").section["metrics"]
    assert spanish["unsubscribe_rate"]["explanation"] == (
        f"Tasa de baja: tendencia al alza de aproximadamente 0,021{NBSP}pp al mes (4{NBSP}% de "
        f"la media mensual) en los últimos 12 meses; previsión para 2026-Q4: 0,67{NBSP}% de media "
        f"(con un 80{NBSP}% de probabilidad, entre 0,66{NBSP}% y 0,68{NBSP}%)."
    )


def test_a_stock_is_forecast_at_the_quarters_end() -> None:
    monthly = {add_months("2025-10", t): {"workflows_active": 10.0 + t} for t in range(12)}
    entry = run(monthly, ["workflows_active"]).section["metrics"]["workflows_active"]
    assert entry["aggregation"] == "last"
    assert entry["same_quarter_before"] == [{"label": "2025-Q4", "value": 12.0}]  # December
    assert entry["forecast"]["quarter"]["value"] == 24.0  # December 2026: 10 + 14
    assert entry["explanation"] == (
        "Active automation workflows: an upward trend of about 1 a month (6.5% of the monthly "
        "average) over the last 12 months; forecast for 2026-Q4: 24 at its end (80% likely "
        "between 24 and 24)."
    )
    spanish = run(monthly, ["workflows_active"], "es").section["metrics"]["workflows_active"]
    assert "previsión para 2026-Q4: 24 al cierre" in spanish["explanation"]


def test_flat_series_say_so_and_a_zero_mean_has_no_relative_figures() -> None:
    monthly = {add_months("2025-10", t): {"leads_new": (-1.0) ** t} for t in range(12)}
    entry = run(monthly, ["leads_new"]).section["metrics"]["leads_new"]
    assert entry["direction"] == "flat"
    assert entry["mean"] == 0.0
    assert entry["slope_pct_of_mean"] is None
    assert entry["explanation"].startswith(
        "New leads: no clear upward or downward trend over the last 12 months;"
    )


def test_too_few_months_and_none_at_all_in_both_languages() -> None:
    monthly = {m: {"mqls": 5.0, "leads_new": 9.0} for m in ("2026-07", "2026-08", "2026-09")}
    english = run(monthly, ["mqls", "sqls"]).section["metrics"]
    named = run(monthly, ["leads_new"]).section["metrics"]["leads_new"]["explanation"]
    assert named == "New leads: only 3 months measured, a trend needs 6."
    assert english == {
        "mqls": {
            "status": "not_enough_data",
            "months": 3,
            "needed": 6,
            "reason": "3 month(s) measured",
            "metric": "mqls",
            "unit": "count",
            "category": "efficiency",
            "explanation": "MQLs: only 3 months measured, a trend needs 6.",
        },
        "sqls": {
            "status": "not_enough_data",
            "months": 0,
            "needed": 6,
            "reason": "not measured in any month up to 2026-09",
            "metric": "sqls",
            "unit": "count",
            "category": "efficiency",
            "explanation": "SQLs: no monthly values (not measured in any month up to 2026-09).",
        },
    }
    spanish = run(monthly, ["mqls", "sqls"], "es").section["metrics"]
    assert spanish["mqls"]["explanation"] == (
        "MQL: solo hay 3 meses medidos y una tendencia necesita 6."
    )
    assert spanish["sqls"]["explanation"] == (
        "SQL: sin valores mensuales (sin datos en ningún mes hasta 2026-09)."
    )


def test_same_quarter_of_earlier_years_needs_every_month_measured() -> None:
    months = tuple(add_months("2023-10", i) for i in range(36))
    values: list[float | None] = [float(i) for i in range(36)]
    values[13] = None  # 2024-11: 2024-Q4 is incomplete
    quarter = parse_period("2026-Q4")
    # 2025-Q4 holds 24, 25, 26
    for aggregation, expected in (("sum", 75.0), ("last", 26.0), ("mean", 25.0)):
        series = Series("x", "count", "value", aggregation, months, tuple(values))
        assert trends._same_quarter(series, quarter) == [{"label": "2025-Q4", "value": expected}]


# --------------------------------------------------------------------- targets
FORECAST = {
    "forecast": 82566.9,
    "interval_80": [81933.4, 83200.3],
    "interval_95": [81573.8, 83560.0],
    "method": "trend_season",
    "period": "2026-Q4",
    "unit": "money",
}


@pytest.mark.parametrize(
    ("target", "status", "verdict"),
    [
        (82566.9, "in_line", "in line with the forecast (inside its 80% interval)"),
        (83300.0, "stretch", "a stretch: inside the 95% interval but above the 80% one"),
        (81800.0, "cautious", "cautious: inside the 95% interval but below the 80% one"),
    ],
)
def test_a_target_inside_the_interval_is_only_described(
    target: float, status: str, verdict: str
) -> None:
    out = run(revenue(), ["revenue_attributed"], targets={"revenue_attributed": target})
    entry = out.section["targets"]["revenue_attributed"]
    assert without(entry, "difference", "required_change") == FORECAST | {
        "target": target,
        "judgement": None,
        "finding": None,
        "status": status,
        "verdict": verdict,
    }
    assert entry["difference"] == pytest.approx(target - 82566.9, abs=0.05)
    assert entry["required_change"] == pytest.approx(target / 82566.9 - 1, abs=1e-6)
    assert out.findings == ()


def test_an_unrealistic_revenue_target_in_english() -> None:
    out = run(revenue(), ["revenue_attributed"], targets={"revenue_attributed": 90_000})
    entry = out.section["targets"]["revenue_attributed"]
    (finding,) = out.findings
    message = (
        "A target of €90,000 for revenue attributed to marketing in 2026-Q4 is not realistic: "
        "the same quarter gave €67,499 in 2024-Q4 and €75,559 in 2025-Q4, and the trend and "
        "season model forecasts €82,567 (95% interval €81,574–€83,560); it needs +9% against "
        "the forecast."
    )
    assert entry == FORECAST | {
        "target": 90_000.0,
        "judgement": "unrealistic",
        "finding": "analysis-target-revenue_attributed",
        "status": "above_interval",
        "difference": 7433.13,
        "required_change": 0.0900256,
        "verdict": message,
    }
    assert finding.rule == "analysis-target-revenue_attributed"
    assert (finding.category, finding.metric, finding.unit) == (
        "value",
        "revenue_attributed",
        "money",
    )
    assert (finding.status, finding.score, finding.weight, finding.value) == (
        "warn",
        None,
        0.0,
        90_000.0,
    )
    assert (finding.confidence, finding.pack, finding.labels) == (
        "normal",
        "analysis",
        ("analysis",),
    )
    assert finding.title == (
        "The revenue attributed to marketing target for 2026-Q4 is far beyond what the data "
        "supports"
    )
    assert finding.message == message
    assert finding.recommendation == (
        "Agree a target within €81,574–€83,560, or name the change (budget, channel, "
        "campaign) expected to deliver the €7,433 between forecast and target."
    )
    assert finding.threshold == "within the 95% forecast interval €81,574–€83,560"
    assert finding.source.startswith("Analysis of the client's own history")


def test_an_unambitious_revenue_target_in_spanish() -> None:
    out = run(revenue(), ["revenue_attributed"], "es", {"revenue_attributed": 70_000})
    (finding,) = out.findings
    assert out.section["targets"]["revenue_attributed"]["judgement"] == "unambitious"
    assert out.section["targets"]["revenue_attributed"]["status"] == "below_interval"
    assert finding.title == (
        "El objetivo de ingresos atribuidos a marketing para 2026-Q4 pide menos de lo que ya "
        "da la tendencia"
    )
    assert finding.message == (
        f"Un objetivo de 70.000{EURO} en ingresos atribuidos a marketing para 2026-Q4 pide "
        f"menos de lo que sostienen los datos: el mismo trimestre dio 67.499{EURO} en 2024-Q4 "
        f"y 75.559{EURO} en 2025-Q4, y el modelo de tendencia y estacionalidad prevé "
        f"82.567{EURO} (intervalo al 95{NBSP}% 81.574{EURO}–83.560{EURO}); supone "
        f"-15{NBSP}% frente a la previsión."
    )
    assert finding.recommendation == (
        f"Fijar el objetivo al menos en la previsión (82.567{EURO}) para que pida una mejora, "
        "o dejar escrito por qué se espera un trimestre peor."
    )
    assert finding.threshold == (
        f"dentro del intervalo de previsión al 95{NBSP}% 81.574{EURO}–83.560{EURO}"
    )
    assert finding.source.startswith("Análisis del histórico del propio cliente")
    assert out.section["targets"]["revenue_attributed"]["verdict"] == finding.message


def test_a_rate_target_below_the_interval_is_unrealistic_when_lower_is_better() -> None:
    out = run(unsubscribes(), ["unsubscribe_rate"], targets={"unsubscribe_rate": 0.002})
    entry = out.section["targets"]["unsubscribe_rate"]
    assert (entry["status"], entry["judgement"], entry["method"]) == (
        "below_interval",
        "unrealistic",
        "trend",
    )
    (finding,) = out.findings
    assert finding.confidence == "low"  # a trend without season
    assert finding.message == (
        "A target of 0.2% for unsubscribe rate in 2026-Q4 is not realistic: the same quarter "
        "gave 0.43% in 2025-Q4, and the trend model forecasts 0.67% (95% interval "
        f"0.66%–0.69%); it needs -0.47{NBSP}pp against the forecast."
    )
    assert finding.recommendation == (
        "Agree a target within 0.66%–0.69%, or name the change (budget, channel, campaign) "
        f"expected to deliver the 0.47{NBSP}pp between forecast and target."
    )
    (spanish,) = run(
        unsubscribes(), ["unsubscribe_rate"], "es", {"unsubscribe_rate": 0.002}
    ).findings
    assert spanish.message.endswith(f"exige -0,47{NBSP}pp frente a la previsión.")
    assert f"el modelo de tendencia prevé 0,67{NBSP}%" in spanish.message


def test_a_target_without_an_earlier_year_says_so() -> None:
    # from 2025-12: October and November 2025 were never measured
    monthly = {add_months("2025-12", t): {"leads_new": 300.0 - 4 * t + t % 2} for t in range(10)}
    out = run(monthly, ["leads_new"], targets={"leads_new": 2000})
    (finding,) = out.findings
    assert ": no earlier year has these months fully measured, and the trend model" in (
        finding.message
    )
    (spanish,) = run(monthly, ["leads_new"], "es", {"leads_new": 2000}).findings
    assert ": ningún año anterior tiene estos meses medidos completos, y el modelo de" in (
        spanish.message
    )


def test_a_target_for_a_metric_without_history() -> None:
    monthly = {m: {"mqls": 5.0} for m in ("2026-07", "2026-08", "2026-09")}
    out = run(monthly, ["leads_new"], targets={"mqls": 30, "sqls": 10})
    targets = out.section["targets"]
    assert targets["mqls"] == {
        "target": 30.0,
        "period": "2026-Q4",
        "unit": "count",
        "judgement": None,
        "finding": None,
        "status": "not_enough_data",
        "months": 3,
        "needed": 6,
        "reason": "3 month(s) measured",
    }
    assert targets["sqls"]["status"] == "no_data"
    assert set(out.section["metrics"]) == {"leads_new", "mqls", "sqls"}  # targets are shown
    assert out.findings == ()


def test_a_forecast_of_zero_has_no_required_change() -> None:
    monthly = {add_months("2025-10", t): {"leads_new": 0.0} for t in range(12)}
    out = run(monthly, ["leads_new"], targets={"leads_new": 50})
    entry = out.section["targets"]["leads_new"]
    assert entry["forecast"] == 0.0
    assert entry["required_change"] is None
    (finding,) = out.findings
    assert "it needs — against the forecast" in finding.message


def test_judgement_follows_which_side_is_better() -> None:
    assert trends._judgement("revenue_attributed", "above_interval") == "unrealistic"
    assert trends._judgement("revenue_attributed", "below_interval") == "unambitious"
    assert trends._judgement("unsubscribe_rate", "below_interval") == "unrealistic"
    assert trends._judgement("unsubscribe_rate", "above_interval") == "unambitious"


def test_a_clear_season_needs_a_range_of_four_residual_deviations() -> None:
    names, values = planted(36, seed=3, first="2023-10", season=np.zeros(12))
    monthly = {m: {"revenue_attributed": float(v)} for m, v in zip(names, values, strict=True)}
    entry = run(monthly, ["revenue_attributed"]).section["metrics"]["revenue_attributed"]
    effects = [s["effect"] for s in entry["season"]]
    assert max(effects) - min(effects) < 4 * entry["fit"]["residual_sd"]
    assert entry["season_clear"] is False
    assert "usually highest" not in entry["explanation"]


def test_a_count_slope_keeps_its_decimal_and_every_month_left_out_is_named() -> None:
    names = [add_months("2025-06", i) for i in range(16)]
    values = [100.0 + 2.5 * t + (0.5 if t % 2 else -0.5) for t in range(16)]
    values[4] += 200  # 2025-10
    values[9] += 400  # 2026-03
    monthly = {m: {"leads_new": v} for m, v in zip(names, values, strict=True)}
    english = run(monthly, ["leads_new"]).section["metrics"]["leads_new"]
    assert english["left_out"] == ["2025-10", "2026-03"]
    assert "an upward trend of about 2.5 a month" in english["explanation"]
    assert "(2025-10, 2026-03 left out as unusual)" in english["explanation"]
    spanish = run(monthly, ["leads_new"], "es").section["metrics"]["leads_new"]
    assert "tendencia al alza de aproximadamente 2,5 al mes" in spanish["explanation"]


def test_a_constant_series_is_flat() -> None:
    monthly = {add_months("2025-10", t): {"leads_new": 100.0} for t in range(12)}
    entry = run(monthly, ["leads_new"]).section["metrics"]["leads_new"]
    assert entry["direction"] == "flat"  # its slope is about 1e-14, within rounding noise
    assert abs(entry["slope"]) < 1e-9
    assert entry["explanation"].startswith("New leads: no clear upward or downward trend")


def test_a_perfect_small_season_is_clear_and_a_zero_mean_has_no_relative_effects() -> None:
    effects = [1.5, -1.0, 0.5, 0.0, 1.0, -1.5, 0.5, -0.5, 1.0, -1.0, 0.0, -0.5]  # sum 0
    monthly = {
        add_months("2024-10", t): {"revenue_attributed": effects[(t + 9) % 12]} for t in range(24)
    }
    entry = run(monthly, ["revenue_attributed"]).section["metrics"]["revenue_attributed"]
    assert entry["method"] == "trend_season"
    assert entry["fit"]["residual_sd"] == pytest.approx(0.0, abs=1e-9)
    assert entry["season_clear"] is True  # a range of 3 against no noise at all
    assert [s["effect_pct"] for s in entry["season"]] == [None] * 12
    assert [s["effect"] for s in entry["season"]] == pytest.approx(effects, abs=1e-9)


@pytest.mark.parametrize(
    ("edge", "status"),
    [("high95", "stretch"), ("low95", "cautious"), ("high80", "in_line"), ("low80", "in_line")],
)
def test_a_target_exactly_on_an_interval_bound_is_inside_it(edge: str, status: str) -> None:
    names, values = planted(36, seed=3, first="2023-10")
    series = Series(
        "revenue_attributed", "money", "value", "sum", tuple(names), tuple(values * 100)
    )
    fit = fit_series(series)
    total = fit.predict_total(["2026-10", "2026-11", "2026-12"], "sum", [0.8, 0.95])  # type: ignore[union-attr]
    bounds = {
        "low80": total.bounds[0.8][0],
        "high80": total.bounds[0.8][1],
        "low95": total.bounds[0.95][0],
        "high95": total.bounds[0.95][1],
    }
    out = run(revenue(), ["revenue_attributed"], targets={"revenue_attributed": bounds[edge]})
    assert out.section["targets"]["revenue_attributed"]["status"] == status


def test_a_rate_targets_change_and_verdicts_in_spanish() -> None:
    out = run(unsubscribes(), ["unsubscribe_rate"], "es", {"unsubscribe_rate": 0.002})
    assert out.section["targets"]["unsubscribe_rate"]["required_change"] == -0.70335
    (finding,) = out.findings
    assert f"que debe aportar los 0,47{NBSP}pp que separan" in finding.recommendation
    in_line = run(revenue(), ["revenue_attributed"], "es", {"revenue_attributed": 82566.9})
    assert in_line.section["targets"]["revenue_attributed"]["verdict"] == (
        f"en línea con la previsión (dentro de su intervalo al 80{NBSP}%)"
    )


def test_the_noise_line_is_a_billionth_of_the_level_and_never_under_a_billionth() -> None:
    # a level of a million growing 0.00001 a month: a relative change of 1e-11, noise
    big = {add_months("2025-10", t): {"revenue_attributed": 1e6 + 1e-5 * t} for t in range(12)}
    assert (
        run(big, ["revenue_attributed"]).section["metrics"]["revenue_attributed"]["direction"]
        == "flat"
    )
    # a level near 1 growing 1.5e-9 a month: above the floor of 1e-9, a (tiny) trend
    small = {add_months("2025-10", t): {"revenue_attributed": 1.0 + 1.5e-9 * t} for t in range(12)}
    assert (
        run(small, ["revenue_attributed"]).section["metrics"]["revenue_attributed"]["direction"]
        == "up"
    )


def test_a_count_forecast_under_one_still_states_the_growth_a_target_needs() -> None:
    monthly = {add_months("2025-10", t): {"leads_new": 0.1 + 0.1 * (t % 2)} for t in range(12)}
    out = run(monthly, ["leads_new"], targets={"leads_new": 50})
    entry = out.section["targets"]["leads_new"]
    assert 0 < entry["forecast"] < 1
    (finding,) = out.findings
    change = 50 / entry["forecast"] - 1
    assert f"it needs +{change:,.0%} against the forecast" in finding.message
