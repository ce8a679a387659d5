"""Change rules, score curves, waivers and pack-declared metrics (RULES.md "Semantics")."""

from __future__ import annotations

import math
from datetime import date

import pytest

from auditor.core.errors import InputError
from auditor.core.models import MetricValue, PeriodMetrics
from auditor.core.period import parse_period
from auditor.metrics.calculator import add_derived, calculate
from auditor.metrics.catalog import category_of, unit_of
from auditor.rules.engine import evaluate, evaluate_rule
from auditor.rules.loader import load_rules
from auditor.rules.model import Rule
from auditor.rules.scoring import score
from auditor.rules.scoring_curves import log_normal_score
from tests.helpers import COSTS, q3_data, source

Q3 = parse_period("2026-Q3")
BASE = {
    "id": "r",
    "title": {"es": "t", "en": "t"},
    "category": "response",
    "source": "s",
    "message": {"es": "m", "en": "m {{ change | pp }}"},
    "recommendation": {"es": "r", "en": "r"},
}


def metrics(
    values: dict, previous: dict | None = None, last_year: dict | None = None
) -> PeriodMetrics:
    previous = previous or {}
    out = {}
    for key, value in values.items():
        out[key] = MetricValue(
            key,
            category_of(key),
            unit_of(key),
            "base",
            value,
            None if value is not None else "missing",
            previous.get(key),
        )
    return PeriodMetrics(Q3, Q3.previous(), out, last_year or {})


def judge(rule: dict, m: PeriodMetrics, today: date = date(2026, 11, 23)):
    return evaluate_rule(
        Rule.model_validate({**BASE, **rule}),
        m,
        language="en",
        currency="EUR",
        client={},
        today=today,
    )


# ---------------------------------------------------------------- compare

CLICK_TREND = {
    "metric": "click_rate",
    "compare": {"to": "previous_period", "change": "points"},
    "thresholds": {"warn": {"below": "-0.3pp"}, "fail": {"below": "-1pp"}},
}


@pytest.mark.parametrize(
    ("current", "baseline", "status"),
    [
        (0.025, 0.026, "pass"),
        (0.025, 0.028, "pass"),  # exactly -0.3pp is not below -0.3pp
        (0.025, 0.0281, "warn"),
        (0.025, 0.035, "warn"),  # exactly -1pp: warn band, not fail
        (0.025, 0.0351, "fail"),
        (0.03, 0.02, "pass"),
    ],
)
def test_points_change_against_previous_period(current, baseline, status):
    finding = judge(CLICK_TREND, metrics({"click_rate": current}, {"click_rate": baseline}))
    assert finding.status == status
    assert finding.value == pytest.approx(current - baseline)
    assert finding.unit == "points"
    assert finding.compare["baseline"] == baseline
    assert finding.compare["period"] == "2026-Q2"


def test_relative_change_and_zero_baseline():
    rule = {
        "metric": "leads_new",
        "compare": {"to": "previous_period"},
        "thresholds": {"warn": {"below": "-20%"}},
    }
    assert judge(rule, metrics({"leads_new": 79}, {"leads_new": 100})).status == "warn"
    assert judge(rule, metrics({"leads_new": 80}, {"leads_new": 100})).status == "pass"
    zero = judge(rule, metrics({"leads_new": 80}, {"leads_new": 0}))
    assert zero.status == "not_applicable"
    assert "is 0 in 2026-Q2" in zero.reason
    absent = judge(rule, metrics({"leads_new": 80}))
    assert absent.status == "not_applicable"
    assert "no baseline" in absent.reason


def test_missing_baseline_can_be_made_to_fail():
    rule = {**CLICK_TREND, "on_missing_baseline": "fail"}
    finding = judge(rule, metrics({"click_rate": 0.02}))
    assert finding.status == "fail"
    assert finding.score == 0


def test_same_period_last_year():
    rule = {
        "metric": "leads_new",
        "compare": {"to": "same_period_last_year"},
        "thresholds": {"fail": {"below": "-10%"}},
    }
    finding = judge(rule, metrics({"leads_new": 80}, {"leads_new": 80}, {"leads_new": 100}))
    assert finding.status == "fail"
    assert finding.compare["period"] == "2025-Q3"


def test_min_sample_applies_to_the_baseline_too():
    rule = {**CLICK_TREND, "min_sample": {"emails_delivered": 5000}}
    m = metrics(
        {"click_rate": 0.02, "emails_delivered": 6000},
        {"click_rate": 0.04, "emails_delivered": 800},
    )
    finding = judge(rule, m)
    assert finding.status == "not_applicable"
    assert "baseline period 2026-Q2" in finding.reason


def test_last_year_values_come_from_the_data():
    data = q3_data()
    data["2025-08"] = {"leads_new": 33}
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.last_year["leads_new"] is None  # only one of three months measured
    for month in ("2025-07", "2025-09"):
        data[month] = {"leads_new": 33}
    result = calculate(source(data), Q3, COSTS, None, 0.5)
    assert result.last_year["leads_new"] == 99
    assert result.baseline("same_period_last_year", "leads_new") == (99, parse_period("2025-Q3"))


# ---------------------------------------------------------------- curves


def test_log_normal_control_points():
    assert log_normal_score(0.30, 0.30, 0.20, True) == pytest.approx(0.9)
    assert log_normal_score(0.20, 0.30, 0.20, True) == pytest.approx(0.5)
    assert log_normal_score(0.40, 0.30, 0.20, True) > 0.9
    assert 0.5 < log_normal_score(0.25, 0.30, 0.20, True) < 0.9
    assert log_normal_score(0.10, 0.30, 0.20, True) < 0.5
    assert log_normal_score(0.0, 0.30, 0.20, True) == 0.0
    # lower is better: 6 months good, 12 median
    assert log_normal_score(6, 6, 12, False) == pytest.approx(0.9)
    assert log_normal_score(12, 6, 12, False) == pytest.approx(0.5)
    assert log_normal_score(24, 6, 12, False) < 0.5


def test_curve_sets_score_and_status():
    rule = {
        "metric": "open_rate",
        "score": {
            "curve": "log_normal",
            "direction": "higher_is_better",
            "good": "30%",
            "median": "20%",
        },
    }
    assert judge(rule, metrics({"open_rate": 0.30})).status == "pass"
    good = judge(rule, metrics({"open_rate": 0.30}))
    assert good.score == 90.0
    middle = judge(rule, metrics({"open_rate": 0.25}))
    assert middle.status == "warn"
    assert 50 <= middle.score < 90
    assert judge(rule, metrics({"open_rate": 0.10})).status == "fail"


def test_curve_with_thresholds_keeps_band_status():
    rule = {
        "metric": "open_rate",
        "score": {"direction": "higher_is_better", "good": "30%", "median": "20%"},
        "thresholds": {"fail": {"below": "5%"}},
    }
    finding = judge(rule, metrics({"open_rate": 0.10}))
    assert finding.status == "pass"  # bands decide the status
    assert finding.score < 50  # the curve still grades it


# ---------------------------------------------------------------- waivers


def test_waiver_keeps_evaluation_and_is_not_scored():
    rule = {
        "metric": "unsubscribe_rate",
        "thresholds": {"fail": {"at_least": "1%"}},
        "waiver": {"reason": "list migration in August", "until": "2026-12-31"},
    }
    finding = judge(rule, metrics({"unsubscribe_rate": 0.02}))
    assert finding.status == "waived"
    assert finding.waived_status == "fail"
    assert finding.score is None
    assert finding.waiver == {"reason": "list migration in August", "until": "2026-12-31"}
    expired = judge(rule, metrics({"unsubscribe_rate": 0.02}), today=date(2027, 1, 1))
    assert expired.status == "fail"
    scores = score([finding], {"response": 30})
    assert scores.categories["response"].score is None
    assert scores.categories["response"].counts == {"waived": 1}


def test_expired_waiver_is_a_warning(tmp_path):
    path = tmp_path / "client.yaml"
    path.write_text(
        "version: 1\nextends: [default]\nrules:\n  - id: unsubscribe-rate\n"
        "    waiver: {reason: migration, until: 2026-01-31}\n"
    )
    rule_set = load_rules([str(path)], tmp_path, today=date(2026, 11, 23))
    assert len(rule_set.warnings) == 1
    assert "client.yaml:5:33: rules[0].waiver.until: waiver expired on 2026-01-31" in str(
        rule_set.warnings[0]
    )


# ---------------------------------------------------------------- derived metrics in packs


def test_pack_metric_is_computed_and_judged(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(
        """\
version: 1
extends: [default]
metrics:
  sql_to_customer_rate: {expr: "customers_new / sqls", unit: ratio, category: efficiency}
rules:
  - id: sql-to-customer
    title: {es: t, en: t}
    category: efficiency
    metric: sql_to_customer_rate
    thresholds: {warn: {below: 50%}, fail: {below: 20%}}
    source: test
    message: {es: "{{ value | pct }}", en: "{{ value | pct }}"}
    recommendation: {es: r, en: r}
"""
    )
    rule_set = load_rules([str(path)], tmp_path)
    base = calculate(source(q3_data()), Q3, COSTS, None, 0.5)
    m = add_derived(base, rule_set.derived)
    assert m.value("sql_to_customer_rate") == pytest.approx(6 / 9)
    assert m.values["sql_to_customer_rate"].kind == "pack"
    finding = next(
        f
        for f in evaluate(rule_set, m, language="en", currency="EUR", client={})
        if f.rule == "sql-to-customer"
    )
    assert finding.status == "pass"
    assert finding.message == "66.67%"


def test_pack_metric_with_zero_denominator_is_undefined(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(
        'version: 1\nmetrics:\n  x: {expr: "customers_new / deals_lost", unit: ratio, category: value}\n'
    )
    rule_set = load_rules([str(path)], tmp_path)
    data = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        data[month]["deals_lost"] = 0
    m = add_derived(calculate(source(data), Q3, COSTS, None, 0.5), rule_set.derived)
    assert m.value("x") is None
    assert m.values["x"].reason == "deals_lost is 0"


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("customers_new / sqlz", "unknown metric id 'sqlz' in formula (did you mean 'sqls'?)"),
        ("__import__('os')", "may use only metric ids, numbers"),
        ("customers_new **", "cannot parse formula"),
    ],
)
def test_bad_pack_metric(tmp_path, expr, message):
    path = tmp_path / "pack.yaml"
    path.write_text(
        f'version: 1\nmetrics:\n  x: {{expr: "{expr}", unit: ratio, category: value}}\n'
    )
    with pytest.raises(InputError) as info:
        load_rules([str(path)], tmp_path)
    assert message in str(info.value)
    assert "pack.yaml:3:" in str(info.value)


# ---------------------------------------------------------------- odd values


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_value_is_an_error_never_a_pass(value):
    finding = judge(
        {"metric": "unsubscribe_rate", "thresholds": {"fail": {"at_least": "1%"}}},
        metrics({"unsubscribe_rate": value}),
    )
    assert finding.status == "error"
    assert finding.score is None
