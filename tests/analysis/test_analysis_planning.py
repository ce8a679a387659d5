"""The profit plan, every number worked out by hand from the 2026-Q3 test data.

The period (tests/helpers.py): 3 months of 800 visitors, 40 leads, 2 customers,
2 deals won worth 10,000; costs platform 3,000 + staff 6,000 + services 1,000 +
media 2,000 = marketing_cost 12,000; gross margin 0.5.  So:

    visitor_to_lead_rate  = 120 / 2,400    = 0.05
    lead_to_customer_rate = 6 / 120        = 0.05
    average_deal_size     = 30,000 / 6     = 5,000
    cost_per_lead         = 12,000 / 120   = 100
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.analysis import AnalysisContext
from auditor.analysis.planning import analyse, plan, plan_inputs
from auditor.core.period import parse_period
from auditor.metrics.calculator import calculate
from tests.helpers import COSTS, q3_data, source

Q3 = parse_period("2026-Q3")


def inputs(monthly: dict[str, dict[str, float]] | None = None, margin: float | None = 0.5):
    data = source(monthly or q3_data())
    return plan_inputs(calculate(data, Q3, COSTS, None, margin), margin)


def scenario(result: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [s for s in result["scenarios"] if s["kind"] == kind]
    return found


def test_inputs_are_the_periods_rates():
    got = inputs()
    assert got.values == {
        "visitor_to_lead_rate": 0.05,
        "lead_to_customer_rate": 0.05,
        "average_deal_size": 5000.0,
        "cost_per_lead": 100.0,
        "marketing_cost": 12000.0,
        "gross_margin": 0.5,
    }


def test_revenue_target_by_hand():
    s = scenario(plan(inputs(), target_revenue=100_000), "target_revenue")
    assert s["customers"] == 20  # 100,000 / 5,000
    assert s["leads"] == 400  # 20 / 0.05
    assert s["visitors"] == 8000  # 400 / 0.05
    assert s["budget"] == 40_000  # 400 x 100
    assert s["revenue"] == 100_000  # 20 x 5,000
    assert s["gross_profit"] == 50_000  # 100,000 x 0.5
    assert s["net_profit"] == 10_000  # 50,000 - 40,000
    assert s["roi"] == pytest.approx(0.25)  # 10,000 / 40,000
    assert s["missing"] == []


def test_a_target_between_whole_customers_rounds_up():
    s = scenario(plan(inputs(), target_revenue=102_000), "target_revenue")
    assert s["customers"] == 21  # 20.4 customers: 21 reach the target, 20 do not
    assert s["leads"] == 420  # 21 / 0.05
    assert s["visitors"] == 8400
    assert s["budget"] == 42_000
    assert s["revenue"] == 105_000  # 21 x 5,000: at least the target


def test_customer_target_by_hand():
    s = scenario(plan(inputs(), target_customers=7), "target_customers")
    assert (s["customers"], s["leads"], s["visitors"]) == (7, 140, 2800)
    assert s["budget"] == 14_000  # 140 x 100
    assert s["revenue"] == 35_000  # 7 x 5,000
    assert s["gross_profit"] == 17_500
    assert s["net_profit"] == 3_500  # 17,500 - 14,000
    assert s["roi"] == pytest.approx(0.25)


def test_the_current_budget_yields_the_current_period():
    s = scenario(plan(inputs()), "budget")
    assert s["source"] == "current"
    assert s["amount"] == 12_000
    assert s["leads"] == pytest.approx(120)  # 12,000 / 100
    assert s["customers"] == pytest.approx(6)  # 120 x 0.05
    assert s["visitors"] == pytest.approx(2400)  # 120 / 0.05
    assert s["revenue"] == pytest.approx(30_000)  # 6 x 5,000
    assert s["net_profit"] == pytest.approx(3_000)  # 15,000 - 12,000


def test_a_given_budget_yields_expected_values_not_rounded():
    s = scenario(plan(inputs(), budget=12_345), "budget")
    assert s["source"] == "given"
    assert s["leads"] == pytest.approx(123.45)
    assert s["customers"] == pytest.approx(6.1725)
    assert s["revenue"] == pytest.approx(30_862.5)


def test_missing_margin_leaves_profit_empty_and_says_why():
    result = plan(inputs(margin=None), target_revenue=100_000)
    s = scenario(result, "target_revenue")
    assert s["budget"] == 40_000
    assert (s["gross_profit"], s["net_profit"], s["roi"]) == (None, None, None)
    assert s["missing"] == ["gross_margin"]
    assert result["status"] == "incomplete"
    assert result["missing"] == [
        {"input": "gross_margin", "reason": "finance.gross_margin is not set in the audit config"}
    ]


def test_unmeasured_visitors_leave_only_visitors_empty():
    monthly = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        del monthly[month]["website_visitors"]
    s = scenario(plan(inputs(monthly), target_customers=7), "target_customers")
    assert s["visitors"] is None
    assert s["leads"] == 140
    assert s["missing"] == ["visitor_to_lead_rate"]


def test_no_customers_means_no_plan_not_a_guess():
    monthly = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        monthly[month]["customers_new"] = 0
    result = plan(inputs(monthly), target_customers=7)
    s = scenario(result, "target_customers")
    assert (s["leads"], s["visitors"], s["budget"]) == (None, None, None)
    assert {
        "input": "lead_to_customer_rate",
        "reason": "is 0: no lead became a customer in 2026-Q3",
    } in result["missing"]


def test_audit_plans_for_the_configs_targets_and_the_current_budget():
    data = source(q3_data())
    context = AnalysisContext(
        data=data,
        period=Q3,
        metrics=calculate(data, Q3, COSTS, None, 0.5),
        targets={"revenue_attributed": 100_000, "customers_new": 7, "leads_new": 500},
        costs=COSTS,
        gross_margin=0.5,
        language="en",
        currency="EUR",
    )
    out = analyse(context)
    assert out.key == "plan"
    assert [s["kind"] for s in out.section["scenarios"]] == [
        "target_revenue",
        "target_customers",
        "budget",
    ]
    assert out.section["status"] == "ok"
    assert out.findings == ()


def test_no_costs_means_no_current_budget():
    data = source(q3_data())
    context = AnalysisContext(
        data=data,
        period=Q3,
        metrics=calculate(data, Q3, None, None, 0.5),
        targets={},
        costs={},
        gross_margin=0.5,
        language="en",
        currency="EUR",
    )
    section = analyse(context).section
    assert section["scenarios"] == [
        {"kind": "budget", "amount": None, "source": "current", "missing": ["marketing_cost"]}
    ]
    assert {m["input"] for m in section["missing"]} == {"marketing_cost"}
