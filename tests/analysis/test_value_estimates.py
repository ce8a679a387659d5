"""What each problem costs (issue 13): every estimate's arithmetic redone by hand from the
demo's own numbers, undefined estimates carry their reason, and the action plan ranks the
recommendations by the estimates without touching the score or the exit code."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.analysis import value
from auditor.config.loader import load_config
from auditor.core.models import Finding, MetricValue, PeriodMetrics
from auditor.core.period import parse_period
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate
from auditor.pipeline.runner import audit


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()


def _items(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["rule"]: i for i in result["analysis"]["estimates"]["items"]}


def test_unsubscribes_above_the_pass_line_cost_the_revenue_of_the_contacts_lost(demo) -> None:
    item = _items(demo)["unsubscribe-rate"]
    # demo 2026-Q3: 454 unsubscribes of 36,187 delivered emails, 27 campaigns,
    # 72,737.08 EUR attributed; pass line 0.3 %
    excess = 454 - 0.003 * 36187  # 345.439 unsubscribers above the pass line
    per_contact = 72737.08 / (36187 / 27)  # 54.2709 EUR per mailed contact
    assert item["value"] == pytest.approx(excess * per_contact)
    assert item["value"] == pytest.approx(18747.29, abs=0.01)
    assert item["inputs"] == {
        "unsubscribes": 454.0,
        "emails_delivered": 36187.0,
        "campaigns_sent": 27.0,
        "revenue_attributed": 72737.08,
        "pass_line": 0.003,
        "quarter_factor": 1.0,
    }
    assert "campañas enviadas" in item["formula"]  # the audit's language (es)
    assert item["assumptions"]


def test_missing_sqls_cost_the_customers_they_would_have_become(demo) -> None:
    item = _items(demo)["mql-to-sql-rate"]
    missing = (0.25 - 23 / 132) * 132  # 10.0 SQLs short of the 25 % pass line
    per_sql = 17 / 23  # customers per SQL in the period
    average = 172551.24 / 24  # average won deal, 7,189.64 EUR
    assert missing == pytest.approx(10.0)
    assert item["value"] == pytest.approx(missing * per_sql * average)
    assert item["value"] == pytest.approx(53140.78, abs=0.01)


def test_models_without_honest_inputs_say_why(demo) -> None:
    items = _items(demo)
    assert items["behavioral-workflows-share"]["value"] is None
    assert "ingresos por email" in items["behavioral-workflows-share"]["reason"]
    assert items["closed-loop-coverage"]["value"] is None
    assert "no una pérdida" in items["closed-loop-coverage"]["reason"]
    assert items["spam-complaint-rate"]["value"] is None
    # a rule no model covers is not estimated at all (it is in the action plan, unvalued)
    assert "romi" not in items


def test_the_action_plan_ranks_by_value_and_leaves_scores_alone(demo) -> None:
    plan = demo["analysis"]["estimates"]["action_plan"]
    assert [p["rule"] for p in plan[:2]] == ["mql-to-sql-rate", "unsubscribe-rate"]
    assert [p["value"] is None for p in plan[2:]] == [True] * (len(plan) - 2)
    assert {(p["owner"], p["effort"]) for p in plan[:2]} == {("sales", "medium"),
                                                             ("marketing", "medium")}  # fmt: skip
    assert all(p["status"] in ("fail", "warn") for p in plan)
    assert demo["scores"]["overall"] == 71.0  # as before estimates existed
    assert demo["exit_code"] == 0


def _metrics(months: str, **values: float | tuple[float, float]) -> PeriodMetrics:
    period = parse_period(months)
    found = {}
    for name, given in values.items():
        now, before = given if isinstance(given, tuple) else (given, None)
        found[name] = MetricValue(name, "value", "count", "base", now, None, before)
    return PeriodMetrics(period, period.previous(), found)


def _finding(rule: str, thresholds: dict[str, Any]) -> Finding:
    return Finding(
        rule, "value", "fail", 0.0, 3, "m", 0.1, "ratio", None, "", "", thresholds=thresholds
    )


def test_close_rate_and_cost_trends_by_hand_and_a_half_year_scaled_to_a_quarter() -> None:
    metrics = _metrics(
        "2026-H1", deals_won=12, deals_lost=48, revenue_won=60000, close_rate=0.2, cac=(1500, 1200),
        customers_new=10,
    )  # fmt: skip
    close = value.estimate(_finding("close-rate", {"warn": {"below": 0.25}}), metrics, "en")
    # (25 % - 20 %) x 60 closed deals x 5,000 average = 15,000 in six months: 7,500 a quarter
    assert close is not None
    assert close.value == pytest.approx(0.05 * 60 * 5000 * 3 / 6)
    cac = value.estimate(_finding("cac-trend", {"warn": {"at_least": 0.25}}), metrics, "en")
    assert cac is not None
    assert cac.value == pytest.approx((1500 - 1200) * 10 * 3 / 6)  # 1,500 a quarter
    assert cac.inputs == {"cac": 1500, "cac (previous)": 1200, "customers_new": 10,
                          "quarter_factor": 0.5}  # fmt: skip


def test_a_missing_input_leaves_the_estimate_undefined_with_the_reason() -> None:
    metrics = _metrics("2026-Q3", deals_won=0, deals_lost=10, revenue_won=0, close_rate=0.0)
    close = value.estimate(_finding("close-rate", {"warn": {"below": 0.2}}), metrics, "en")
    assert close is not None
    assert close.value is None
    assert close.reason == "not estimated: deals_won is 0 in the period"
    clicks = value.estimate(_finding("click-rate", {"fail": {"below": 0.015}}), metrics, "es")
    assert clicks is not None
    assert clicks.reason == "sin estimar: click_rate no tiene datos en el periodo"
