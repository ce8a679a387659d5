"""Every KPI of DESIGN.md section 3 against values computed by hand."""

from __future__ import annotations

import pytest

from auditor.core.period import parse_period
from auditor.metrics.calculator import calculate
from auditor.metrics.catalog import ALL_METRIC_IDS, BASE_METRICS, KPIS
from auditor.metrics.expression import Formula, FormulaError, Undefined
from tests.helpers import COSTS, q3_data, source

Q3 = parse_period("2026-Q3")


@pytest.fixture
def metrics():
    return calculate(source(q3_data()), Q3, COSTS, None, 0.5)


def test_catalog_matches_design_ids():
    assert len(BASE_METRICS) == 31
    assert len(KPIS) == 33
    assert len(set(ALL_METRIC_IDS)) == 64


def test_sum_and_last_aggregation(metrics):
    assert metrics.value("emails_sent") == 6000  # 1000 + 2000 + 3000
    assert metrics.value("bounces") == 60
    assert metrics.value("workflows_active") == 12  # stock: value at period end
    assert metrics.value("workflows_behavioral") == 4
    assert metrics.value("mrr") == 53000
    assert metrics.values["mrr"].as_of is None


@pytest.mark.parametrize(
    ("kpi", "expected"),
    [
        ("open_rate", 900 / 5940),
        ("click_rate", 150 / 5940),
        ("click_to_open_rate", 150 / 900),
        ("unsubscribe_rate", 60 / 5940),
        ("bounce_rate", 60 / 6000),
        ("spam_complaint_rate", 3 / 5940),
        ("behavioral_workflow_share", 4 / 12),
        ("email_traffic_share", 300 / 3000),
        ("visitor_to_lead_rate", 120 / 2400),
        ("mql_rate", 30 / 120),
        ("mql_to_sql_rate", 9 / 30),
        ("lead_to_customer_rate", 6 / 120),
        ("close_rate", 6 / (6 + 18)),
        ("average_deal_size", 30000 / 6),
        ("closed_loop_coverage", 3 / 6),
        ("marketing_cost", 3000 + 6000 + 1000 + 2000),
        ("automation_tco", 3000 + 6000 + 1000),
        ("cost_per_lead", 12000 / 120),
        ("cost_per_mql", 12000 / 30),
        ("cac", (12000 + 4000 + 1000) / 6),
        ("automation_roi", (15000 - 10000) / 10000),
        ("romi", (15000 * 0.5 - 12000) / 12000),
        ("marketing_revenue_share", 15000 / 300000),
        ("arpa", 53000 / 106),
        ("gross_mrr_churn_rate", (500 / 50000 + 1040 / 51000 + 520 / 52000) / 3),
        ("customer_churn_rate", (2 / 100 + 1 / 102 + 3 / 104) / 3),
        ("cac_payback_months", (17000 / 6) / (500 * 0.5)),
        ("cltv", 500 / ((2 / 100 + 1 / 102 + 3 / 104) / 3)),
        ("ltv_to_cac", (500 / ((2 / 100 + 1 / 102 + 3 / 104) / 3)) * 0.5 / (17000 / 6)),
        ("lead_velocity_rate", (30 - 24) / 24),
    ],
)
def test_kpi_formula(metrics, kpi, expected):
    assert metrics.value(kpi) == pytest.approx(expected, rel=1e-12)
    assert metrics.values[kpi].reason is None


def test_previous_period_and_change(metrics):
    mqls = metrics.values["mqls"]
    assert mqls.previous == 24
    assert mqls.change == pytest.approx(0.25)
    sent = metrics.values["emails_sent"]
    assert sent.previous == 2700
    assert sent.change == pytest.approx((6000 - 2700) / 2700)
    # Q2 has no deliveries: no previous value, no change, never 0.
    assert metrics.values["unsubscribe_rate"].previous is None
    assert metrics.values["unsubscribe_rate"].change is None
    # Costs given for the audited period only: no guessed previous for cost KPIs.
    assert metrics.values["marketing_cost"].previous is None


def test_monthly_costs_give_previous_cost_kpis():
    data = q3_data()
    for month in ("2026-04", "2026-05", "2026-06"):
        data[month].update(leads_new=30)
    costs = {k: v * 3 for k, v in COSTS.items()}
    result = calculate(source(data), Q3, costs, costs, 0.5)
    cpl = result.values["cost_per_lead"]
    assert cpl.value == pytest.approx(36000 / 120)
    assert cpl.previous == pytest.approx(36000 / 90)
    assert cpl.change == pytest.approx((300 - 400) / 400)


def test_change_is_none_when_previous_is_zero():
    data = q3_data()
    for month in ("2026-04", "2026-05", "2026-06"):
        data[month]["mqls"] = 0
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.values["mqls"].previous == 0
    assert result.values["mqls"].change is None
    assert result.value("lead_velocity_rate") is None
    assert "mqls is 0 in the previous period 2026-Q2" in result.values["lead_velocity_rate"].reason


# Zero denominators with consistent data (a part of 0 is 0 too: consistency.py).
NO_WON = {"deals_won": 0, "deals_won_with_source": 0}
NO_DELIVERED = {
    "emails_delivered": 0,
    "unique_opens": 0,
    "unique_clicks": 0,
    "unsubscribes": 0,
    "spam_complaints": 0,
}


@pytest.mark.parametrize(
    ("change", "kpi", "reason"),
    [
        (NO_WON, "average_deal_size", "deals_won is 0"),
        (NO_WON, "closed_loop_coverage", "deals_won is 0"),
        ({"customers_new": 0}, "cac", "customers_new is 0"),
        ({"customers_new": 0}, "ltv_to_cac", "cac: customers_new is 0"),
        (NO_DELIVERED, "unsubscribe_rate", "emails_delivered is 0"),
        ({**NO_WON, "deals_lost": 0}, "close_rate", "deals_won + deals_lost is 0"),
        ({"accounts_churned": 0}, "cltv", "customer_churn_rate is 0"),
    ],
)
def test_zero_denominators_are_undefined_with_reason(change, kpi, reason):
    data = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        data[month].update(change)
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.value(kpi) is None
    assert reason in result.values[kpi].reason


def test_close_rate_zero_wins_is_zero_not_undefined():
    data = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        data[month].update(NO_WON)
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.value("close_rate") == 0.0


def test_missing_month_makes_sum_undefined_not_partial():
    data = q3_data()
    del data["2026-08"]["unsubscribes"]
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.value("unsubscribes") is None
    assert "not measured in 2026-08" in result.values["unsubscribes"].reason
    assert "2 of 3 months" in result.values["unsubscribes"].reason
    assert result.value("unsubscribe_rate") is None
    assert result.values["unsubscribe_rate"].reason.startswith("unsubscribes: not measured")


def test_stock_takes_latest_month_in_period_and_says_so():
    data = q3_data()
    del data["2026-09"]["workflows_active"]
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.value("workflows_active") == 11
    assert result.values["workflows_active"].as_of == "2026-08"


def test_missing_costs_and_margin_are_reasons():
    result = calculate(source(q3_data()), Q3, {"platform": 3000}, None, None)
    assert result.value("automation_tco") is None
    assert result.values["automation_tco"].reason == "costs.staff: not set in the audit config"
    assert result.values["romi"].reason == "finance.gross_margin: not set in the audit config"
    assert result.value("cac_payback_months") is None


def test_churn_needs_the_month_before_the_period():
    data = q3_data()
    del data["2026-06"]["accounts_active"]
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.value("customer_churn_rate") is None
    assert (
        "accounts_active is not measured in 2026-06" in result.values["customer_churn_rate"].reason
    )


def test_connector_not_measured_reason_is_kept():
    result = calculate(
        source(q3_data(), not_measured={"mqls": "Mailchimp has no CRM"}), Q3, COSTS, None, 0.5
    )
    assert result.values["mqls"].reason == "Mailchimp has no CRM"
    assert result.values["mql_rate"].reason == "mqls: Mailchimp has no CRM"


def test_formula_parser_refuses_code():
    with pytest.raises(FormulaError):
        Formula.parse("__import__('os').system('x')")
    with pytest.raises(FormulaError):
        Formula.parse("a ** 2")
    formula = Formula.parse("(a - b) / c")
    assert formula.names == ("a", "b", "c")
    assert formula.evaluate({"a": 5, "b": 1, "c": 2}) == 2
    assert formula.evaluate({"a": 5, "b": 1, "c": 0}) == Undefined("c is 0")
    assert formula.evaluate({"a": 5, "c": 2}) == Undefined("b is not measured")


def test_trend_lists_periods_with_data_oldest_first():
    from auditor.metrics.calculator import trend

    result = trend(source(q3_data()), Q3, COSTS, None, 0.5)
    assert result["periods"] == ["2026-Q2", "2026-Q3"]
    assert result["metrics"]["mqls"] == [24, 30]
    assert result["metrics"]["emails_sent"] == [2700, 6000]
    assert result["metrics"]["unsubscribe_rate"] == [None, 60 / 5940]  # Q2 has no deliveries
    assert result["metrics"]["marketing_cost"] == [None, 12000]  # earlier costs unknown
