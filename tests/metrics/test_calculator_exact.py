"""The calculator exactly (auditor/metrics/calculator.py): every way a metric becomes
undefined and the reason a report prints for it, the edges of a share's possible range,
stocks as of their last month, the previous period and the change, last year, the
trend's periods, and metrics a pack derives (docs/testing.md)."""

from __future__ import annotations

import pytest

from auditor.core.models import MetricValue, SourceData
from auditor.core.period import parse_period
from auditor.metrics.calculator import aggregate_base, calculate, trend
from auditor.metrics.catalog import COST_KEYS
from auditor.metrics.expression import Formula, Undefined

Q3 = parse_period("2026-Q3")


def data(monthly: dict, not_measured: dict | None = None) -> SourceData:
    return SourceData(
        connector="file",
        label="test",
        monthly=monthly,
        fetched_at="2026-10-01T00:00:00Z",
        not_measured=not_measured or {},
    )


def months(first: str, *rows: dict) -> dict:
    """Consecutive months from `first`, one row each."""
    year, month = int(first[:4]), int(first[5:])
    out = {}
    for row in rows:
        out[f"{year:04d}-{month:02d}"] = row
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def test_a_flow_must_be_measured_in_every_month():
    values, _ = aggregate_base(
        data(months("2026-07", {"emails_sent": 10}, {}, {"emails_sent": 5})), Q3
    )
    assert values["emails_sent"] == Undefined(
        "not measured in 2026-08 (2 of 3 months of 2026-Q3 measured; a partial total would "
        "understate it)"
    )
    values, _ = aggregate_base(data(months("2026-07", {"emails_sent": 10}, {}, {})), Q3)
    assert values["emails_sent"].reason.startswith("not measured in 2026-08, 2026-09 (1 of 3")
    values, _ = aggregate_base(data(months("2026-07", {}, {}, {})), Q3)
    assert values["emails_sent"] == Undefined("not measured in 2026-Q3")
    values, _ = aggregate_base(data({}, {"emails_sent": "the platform has no such count"}), Q3)
    assert values["emails_sent"] == Undefined("the platform has no such count")


def test_a_stock_is_its_latest_month_and_says_which():
    half = parse_period("2026-H1")
    rows = months("2026-01", *({"mrr": 100.0 + i} for i in range(5)), {})
    values, as_of = aggregate_base(data(rows), half)
    assert values["mrr"] == 104.0
    assert as_of["mrr"] == "2026-05"
    values, as_of = aggregate_base(data(months("2026-07", {"mrr": 1.0}, {}, {"mrr": 3.0})), Q3)
    assert values["mrr"] == 3.0
    assert "mrr" not in as_of


def churn(*rows: dict, not_measured: dict | None = None) -> MetricValue:
    return calculate(data(months("2026-06", *rows), not_measured), Q3, None, None, None).values[
        "customer_churn_rate"
    ]


def test_monthly_churn_is_the_mean_of_each_months_ratio_to_the_month_before():
    found = churn(
        {"accounts_active": 100},
        {"accounts_active": 50, "accounts_churned": 10},  # 10 / 100
        {"accounts_active": 1, "accounts_churned": 10},  # 10 / 50
        {"accounts_churned": 1},  # 1 / 1: a stock of 1 is a stock
    )
    assert found.value == pytest.approx((0.1 + 0.2 + 1.0) / 3)
    assert (found.kind, found.category, found.unit) == ("derived", "value", "ratio")


@pytest.mark.parametrize(
    ("rows", "not_measured", "reason"),
    [
        (
            [{"accounts_active": 100}, {"accounts_churned": 1}, {}, {}],
            None,
            "accounts_churned is not measured in 2026-08",
        ),
        (
            [{"accounts_active": 100}, {"accounts_churned": 1}, {"accounts_churned": 1}, {}],
            None,
            "accounts_active is not measured in 2026-07 (the month before 2026-08)",
        ),
        (
            [{"accounts_active": 0}, {"accounts_churned": 1}],
            None,
            "accounts_active is 0 in 2026-06 (the month before 2026-07)",
        ),
        ([], {"accounts_churned": "no billing data"}, "accounts_churned: no billing data"),
    ],
)
def test_monthly_churn_says_why_it_is_undefined(rows, not_measured, reason):
    found = churn(*rows, not_measured=not_measured)
    assert found.value is None
    assert found.reason == reason


def velocity(q2: list[dict], q3: list[dict]) -> MetricValue:
    rows = {**months("2026-04", *q2), **months("2026-07", *q3)}
    return calculate(data(rows), Q3, None, None, None).values["lead_velocity_rate"]


def test_lead_velocity_and_why_it_is_undefined():
    q3 = [{"mqls": 10}, {"mqls": 10}, {"mqls": 10}]
    assert velocity([{"mqls": 10}, {"mqls": 5}, {"mqls": 5}], q3).value == 0.5
    assert velocity([{"mqls": 0}, {"mqls": 0}, {"mqls": 0}], q3).reason == (
        "mqls is 0 in the previous period 2026-Q2"
    )
    assert velocity([{"mqls": 1}, {}, {"mqls": 1}], q3).reason == (
        "mqls in the previous period 2026-Q2: not measured in 2026-05 (2 of 3 months of "
        "2026-Q2 measured; a partial total would understate it)"
    )
    assert velocity([], q3).reason == "mqls is not measured in the previous period 2026-Q2"
    assert velocity([{"mqls": 1}] * 3, [{"mqls": 1}, {}, {}]).reason.startswith(
        "mqls: not measured in 2026-08, 2026-09"
    )


def share(attributed: float, total: float) -> MetricValue:
    # no consistency constraint ties these two: only the share's bounds can catch them
    row = {"revenue_attributed": attributed, "revenue_total": total}
    return calculate(data(months("2026-07", row, row, row)), Q3, None, None, None).values[
        "marketing_revenue_share"
    ]


def test_a_share_is_defined_up_to_its_bound_and_undefined_past_it():
    assert share(100, 100).value == 1.0  # every sale attributed: possible
    assert share(0, 100).value == 0.0
    past = share(100, 100.0 - 1e-9)
    assert past.value is None
    assert past.reason == (
        "marketing_revenue_share would be 100.0% (revenue_attributed / revenue_total), "
        "outside its possible range 0% to 100%: the data is inconsistent"
    )


def test_each_metric_value_carries_its_kind_unit_formula_previous_and_change():
    rows = months(
        "2026-04",
        *([{"emails_sent": 100, "emails_delivered": 80, "unique_opens": 20}] * 3),
        *([{"emails_sent": 100, "emails_delivered": 80, "unique_opens": 40}] * 3),
    )
    values = calculate(data(rows), Q3, None, None, None).values
    sent = values["emails_sent"]
    assert sent == MetricValue("emails_sent", "activity", "count", "base", 300.0, None, 300.0, 0.0)
    opens = values["open_rate"]
    assert (opens.kind, opens.unit, opens.category) == ("derived", "ratio", "response")
    assert opens.formula == "unique_opens / emails_delivered"
    assert (opens.value, opens.previous, opens.change) == (0.5, 0.25, 1.0)
    only_now = calculate(data(months("2026-07", *rows.values())), Q3, None, None, None)
    assert only_now.values["emails_sent"].change is None  # nothing before: no change
    assert only_now.values["emails_sent"].previous is None


def test_a_change_from_a_negative_previous_is_relative_to_its_size():
    costs_now = costs_before = dict.fromkeys(COST_KEYS, 100.0)
    row_before = {"revenue_attributed": 10.0}
    row_now = {"revenue_attributed": 300.0}
    rows = months("2026-04", *([row_before] * 3), *([row_now] * 3))
    romi = calculate(data(rows), Q3, costs_now, costs_before, 0.5).values["romi"]
    # before: (30 x 0.5 - cost) / cost is negative; the change divides by its size
    assert romi.previous is not None
    assert romi.previous < 0
    assert romi.change == pytest.approx((romi.value - romi.previous) / abs(romi.previous))


def test_the_previous_period_uses_its_own_costs_and_the_gross_margin():
    rows = months("2026-04", *([{"revenue_attributed": 100.0}] * 6))
    now, before = dict.fromkeys(COST_KEYS, 10.0), dict.fromkeys(COST_KEYS, 20.0)
    values = calculate(data(rows), Q3, now, before, 0.5).values
    cost = values["marketing_cost"]  # the marketing share of the costs
    assert cost.previous == 2 * cost.value
    assert values["romi"].value == pytest.approx((300 * 0.5 - cost.value) / cost.value)
    assert values["romi"].previous == pytest.approx((300 * 0.5 - cost.previous) / cost.previous)
    none_before = calculate(data(rows), Q3, now, None, 0.5).values["romi"]
    assert none_before.previous is None


def test_last_year_holds_defined_values_only():
    rows = months("2025-07", *([{"emails_sent": 10}] * 3))
    rows.update(months("2026-07", *([{"emails_sent": 20}] * 3)))
    result = calculate(data(rows), Q3, None, None, None)
    assert result.last_year["emails_sent"] == 30.0
    assert result.last_year["unique_clicks"] is None
    assert calculate(data(months("2026-07", {}, {}, {})), Q3, None, None, None).last_year == {}


def test_the_trend_takes_up_to_eight_periods_ending_with_the_audited_one():
    rows = months("2024-01", *({"emails_sent": float(i)} for i in range(36)))  # to 2026-12
    found = trend(data(rows), Q3, None, None, None)
    assert found["periods"] == [
        "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3",
    ]  # fmt: skip
    assert found["metrics"]["emails_sent"][-1] == 30.0 + 31.0 + 32.0
    three = trend(data(rows), Q3, None, None, None, max_periods=3)
    assert three["periods"] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    sparse = trend(data(months("2026-01", {"emails_sent": 1.0})), Q3, None, None, None)
    assert sparse["periods"] == ["2026-Q1"]  # only periods with data
    assert sparse["metrics"]["emails_sent"] == [None]  # 2026-Q1 partial: None, never 0


def test_the_trend_prices_only_the_audited_period_unless_history_costs_are_given():
    rows = months("2026-04", *([{"revenue_attributed": 100.0}] * 6))
    costs = dict.fromkeys(COST_KEYS, 10.0)
    found = trend(data(rows), Q3, costs, None, 0.5)
    assert found["metrics"]["romi"][0] is None
    cost = found["metrics"]["marketing_cost"][1]
    assert found["metrics"]["marketing_cost"][0] is None
    assert found["metrics"]["romi"][1] == pytest.approx((300 * 0.5 - cost) / cost)
    both = trend(data(rows), Q3, costs, costs, 0.5)
    assert both["metrics"]["romi"][0] == both["metrics"]["romi"][1]


def test_a_pack_metric_has_its_value_previous_change_and_last_year():
    from auditor.metrics.calculator import add_derived

    rows = months("2025-07", *([{"emails_sent": 10, "unique_clicks": 1}] * 3))
    rows.update(months("2026-04", *([{"emails_sent": 10, "unique_clicks": 2}] * 3)))
    rows.update(months("2026-07", *([{"emails_sent": 10, "unique_clicks": 4}] * 3)))
    source = data(rows)
    base = calculate(source, Q3, None, None, None)
    derived = {
        "clicks_per_send": (Formula.parse("unique_clicks / emails_sent"), "ratio", "response")
    }
    found = add_derived(base, derived, source)
    value = found.values["clicks_per_send"]
    assert value == MetricValue(
        "clicks_per_send",
        "response",
        "ratio",
        "pack",
        0.4,
        None,
        0.2,
        1.0,
        "unique_clicks / emails_sent",
    )
    assert found.last_year["clicks_per_send"] == 0.1
    assert found.period == base.period
    assert found.previous_period == base.previous_period
    assert add_derived(base, {}, source) is base


def test_a_pack_metric_is_undefined_with_the_reason_of_what_it_reads():
    from auditor.metrics.calculator import add_derived

    source = data(months("2026-07", *([{"emails_sent": 10}] * 3)))
    base = calculate(source, Q3, None, None, None)
    derived = {
        "clicks_per_send": (Formula.parse("unique_clicks / emails_sent"), "ratio", "response")
    }
    value = add_derived(base, derived, source).values["clicks_per_send"]
    assert value.value is None
    assert value.reason == "unique_clicks: not measured in 2026-Q3"
    assert value.previous is None
    assert add_derived(base, derived, source).last_year["clicks_per_send"] is None


def test_a_pack_metric_reading_contradicting_data_is_undefined():
    from auditor.metrics.calculator import add_derived

    wrong = {
        "emails_sent": 10,
        "emails_delivered": 12,
        "unique_clicks": 1,
    }  # more delivered than sent
    source = data(months("2026-07", wrong, wrong, wrong))
    base = calculate(source, Q3, None, None, None)
    derived = {
        "per_delivered": (Formula.parse("unique_clicks / emails_delivered"), "ratio", "response")
    }
    value = add_derived(base, derived, source).values["per_delivered"]
    assert value.value is None
    assert "emails_delivered" in value.reason
    assert add_derived(base, derived).values["per_delivered"].value == pytest.approx(1 / 12)


def test_an_undefined_metric_keeps_its_identity_and_its_previous_value():
    full = {"emails_sent": 100, "emails_delivered": 80, "unique_opens": 20}
    rows = months("2026-04", full, full, full)
    rows.update(months("2026-07", *([{"emails_sent": 100, "emails_delivered": 80}] * 3)))
    found = calculate(data(rows), Q3, None, None, None).values["open_rate"]
    assert found == MetricValue(
        "open_rate",
        "response",
        "ratio",
        "derived",
        None,
        "unique_opens: not measured in 2026-Q3",
        0.25,
        None,
        "unique_opens / emails_delivered",
    )


def test_a_kpi_reading_contradicting_data_says_which():
    wrong = {"emails_sent": 100, "emails_delivered": 80, "unique_clicks": 90}
    found = calculate(data(months("2026-07", wrong, wrong, wrong)), Q3, None, None, None)
    reason = found.values["click_rate"].reason
    assert found.values["click_rate"].value is None
    assert reason.startswith("unique_clicks exceed emails_delivered in 2026-07 (90 > 80)")


def test_a_pack_metric_is_undefined_in_the_period_whose_data_contradicts():
    from auditor.metrics.calculator import add_derived

    good = {"emails_sent": 10, "emails_delivered": 10, "unique_clicks": 1}
    wrong = {"emails_sent": 10, "emails_delivered": 12, "unique_clicks": 1}
    rows = months("2025-07", wrong, wrong, wrong)  # last year contradicts
    rows.update(months("2026-04", wrong, wrong, wrong))  # the previous period too
    rows.update(months("2026-07", good, good, good))
    source = data(rows)
    derived = {
        "per_delivered": (Formula.parse("unique_clicks / emails_delivered"), "ratio", "response")
    }
    found = add_derived(calculate(source, Q3, None, None, None), derived, source)
    assert found.values["per_delivered"].value == 0.1
    assert found.values["per_delivered"].previous is None
    assert found.last_year["per_delivered"] is None
