"""The profit plan's whole section, worked by hand from inputs given directly (issue 20).

Inputs: 4 % of visitors become leads, 10 % of leads customers, a deal is worth 2,500,
a lead costs 30, the gross margin is 40 %, the period's budget 9,000.
"""

from __future__ import annotations

import math

import pytest

from auditor.analysis import AnalysisContext, planning
from auditor.analysis.planning import PlanInputs, analyse, plan, plan_inputs
from auditor.core.models import MetricValue, PeriodMetrics
from auditor.core.period import parse_period

Q3 = parse_period("2026-Q3")
GIVEN = {
    "visitor_to_lead_rate": 0.04,
    "lead_to_customer_rate": 0.1,
    "average_deal_size": 2500.0,
    "cost_per_lead": 30.0,
    "marketing_cost": 9000.0,
    "gross_margin": 0.4,
}
NOTHING = dict.fromkeys(GIVEN)
ALL_MISSING = {name: f"{name} is not known" for name in GIVEN}


def test_the_whole_section_by_hand() -> None:
    section = plan(PlanInputs(GIVEN, {}, "2026-Q3"), target_revenue=50_000)
    assert section == {
        "status": "ok",
        "period": "2026-Q3",
        "inputs": GIVEN,
        "missing": [],
        "scenarios": [
            {
                "kind": "target_revenue",
                "amount": 50_000,
                "customers": 20,  # 50,000 / 2,500
                "leads": 200,  # 20 / 0.1
                "visitors": 5000,  # 200 / 0.04
                "budget": 6000,  # 200 x 30
                "revenue": 50_000,  # 20 x 2,500
                "gross_profit": 20_000.0,  # 50,000 x 0.4
                "net_profit": 14_000.0,  # 20,000 - 6,000
                "roi": pytest.approx(14_000 / 6_000),
                "missing": [],
            },
            {
                "kind": "budget",
                "amount": 9000.0,
                "source": "current",
                "leads": 300.0,  # 9,000 / 30
                "customers": 30.0,  # 300 x 0.1
                "visitors": 7500.0,  # 300 / 0.04
                "budget": 9000.0,
                "revenue": 75_000.0,
                "gross_profit": 30_000.0,
                "net_profit": 21_000.0,
                "roi": pytest.approx(21_000 / 9_000),
                "missing": [],
            },
        ],
        "assumptions": ["rates_hold", "linear_cost", "deal_size"],
    }


def test_missing_inputs_are_named_in_the_order_each_scenario_uses_them() -> None:
    section = plan(
        PlanInputs(NOTHING, ALL_MISSING, "2026-Q3"),
        target_revenue=1000,
        target_customers=4,
        budget=500,
    )
    revenue, customers, budget = section["scenarios"]
    assert revenue["missing"] == [
        "average_deal_size",
        "lead_to_customer_rate",
        "visitor_to_lead_rate",
        "cost_per_lead",
        "gross_margin",
    ]
    assert customers["customers"] == 4
    assert customers["missing"] == [
        "lead_to_customer_rate",
        "visitor_to_lead_rate",
        "cost_per_lead",
        "average_deal_size",
        "gross_margin",
    ]
    assert budget["source"] == "given"
    assert budget["missing"] == [
        "cost_per_lead",
        "lead_to_customer_rate",
        "visitor_to_lead_rate",
        "average_deal_size",
        "gross_margin",
    ]
    for scenario in (revenue, budget):
        stated = ("kind", "amount", "missing", "source", "budget")
        figures = {k: v for k, v in scenario.items() if k not in stated}
        assert set(figures.values()) == {None}, scenario
    assert section["status"] == "incomplete"
    assert section["missing"] == [
        {"input": name, "reason": f"{name} is not known"}
        for name in (
            "visitor_to_lead_rate",
            "lead_to_customer_rate",
            "average_deal_size",
            "cost_per_lead",
            "gross_margin",
        )
    ]


def test_no_budget_known_says_so() -> None:
    section = plan(PlanInputs(NOTHING, ALL_MISSING, "2026-Q3"))
    assert section["scenarios"] == [
        {"kind": "budget", "amount": None, "source": "current", "missing": ["marketing_cost"]}
    ]
    assert section["missing"] == [
        {"input": "marketing_cost", "reason": "marketing_cost is not known"}
    ]


def test_figures_past_the_largest_float_are_named_not_stated() -> None:
    rates = {**GIVEN, "lead_to_customer_rate": 1e-10}
    section = plan(PlanInputs(rates, {}, "2026-Q3"), target_customers=1e300)
    scenario = section["scenarios"][0]
    # leads = 1e300 / 1e-10 is past the largest float; revenue 2.5e303 is not
    assert scenario["overflow"] == ["visitors", "leads", "budget", "net_profit"]
    for name in scenario["overflow"]:
        assert scenario[name] is None
    assert scenario["revenue"] == pytest.approx(2.5e303)
    assert scenario["roi"] is None  # -inf / inf: not a number
    assert "overflow" not in section["scenarios"][1]


def test_whole_units_are_rounded_up_past_float_noise() -> None:
    assert planning._up(12.0000000001) == 12
    assert planning._up(12.1) == 13
    assert planning._up(math.inf) == math.inf


def test_figures_keep_six_decimals() -> None:
    rates = {**GIVEN, "cost_per_lead": 3.0}
    budget = plan(PlanInputs(rates, {}, "2026-Q3"), budget=100)["scenarios"][0]
    assert budget["leads"] == 33.333333  # 100 / 3
    assert planning._tidy(math.inf) is None
    assert planning._tidy(7) == 7


def metric(name: str, value: float | None, reason: str | None = None) -> MetricValue:
    return MetricValue(name, "value", "ratio", "derived", value, reason)


def test_inputs_read_from_the_period_with_reasons() -> None:
    metrics = PeriodMetrics(
        Q3,
        parse_period("2026-Q2"),
        {
            "visitor_to_lead_rate": metric("visitor_to_lead_rate", 0.0),
            "lead_to_customer_rate": metric("lead_to_customer_rate", None, "no leads"),
            "average_deal_size": metric("average_deal_size", 1200.0),
            "marketing_cost": metric("marketing_cost", None),
        },
    )
    got = plan_inputs(metrics, None)
    assert got.period == "2026-Q3"
    assert got.values == {
        "visitor_to_lead_rate": None,
        "lead_to_customer_rate": None,
        "average_deal_size": 1200.0,
        "cost_per_lead": None,
        "marketing_cost": None,
        "gross_margin": None,
    }
    assert got.reasons == {
        "visitor_to_lead_rate": "is 0: no visitor became a lead in 2026-Q3",
        "lead_to_customer_rate": "no leads",
        "cost_per_lead": "not measured in 2026-Q3",  # absent from the period altogether
        "marketing_cost": "not measured in 2026-Q3",  # present, undefined, no reason given
        "gross_margin": "finance.gross_margin is not set in the audit config",
    }


def context(targets: dict[str, float]) -> AnalysisContext:
    metrics = PeriodMetrics(
        Q3, parse_period("2026-Q2"), {n: metric(n, v) for n, v in GIVEN.items()}
    )
    return AnalysisContext(
        data=None,  # type: ignore[arg-type]
        period=Q3,
        metrics=metrics,
        targets=targets,
        costs={},
        gross_margin=0.4,
        language="en",
        currency="EUR",
    )


def test_only_positive_targets_are_planned() -> None:
    kinds = lambda targets: [  # noqa: E731
        s["kind"] for s in analyse(context(targets)).section["scenarios"]
    ]
    assert kinds({"revenue_attributed": 0, "customers_new": 0.5}) == [
        "target_customers",
        "budget",
    ]
    assert kinds({"revenue_attributed": 1.0, "leads_new": 50}) == ["target_revenue", "budget"]
