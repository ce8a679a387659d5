"""Properties of the engine and the scoring on odd data (hypothesis).

Every rule of the shipped `default` pack is judged on values drawn from 0,
tiny, huge, negative, NaN, +/-inf, missing and random floats: it never raises,
missing or non-finite data never passes, the score matches the status, and a
threshold rule's status agrees with an independent reading of its bands taken
from the pack file itself (change rules included).  Score curves are monotonic
and set the status from the score.  The scoring never raises, stays within
0..100 and a failing finding never raises a category's score.

Regression tests keep three engine bugs fixed: a NaN/+inf sample size passing
the `min_sample` guard, rounding lifting a curve score clamped under a control
point back onto it, and a tiny positive value crashing a lower_is_better curve.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.core.models import STATUSES, Finding, MetricValue, PeriodMetrics
from auditor.core.period import parse_period
from auditor.core.resources import rules_dir
from auditor.metrics.catalog import CATEGORIES, category_of, unit_of
from auditor.rules.engine import evaluate_rule
from auditor.rules.loader import load_rules
from auditor.rules.model import Rule
from auditor.rules.scoring import score

Q3 = parse_period("2026-Q3")
DEFAULT = load_rules(["default"], Path("."))
RULES = {rule.id: rule for rule in DEFAULT.rules}
RAW = {
    rule["id"]: rule
    for rule in yaml.safe_load((rules_dir() / "default.yaml").read_text(encoding="utf-8"))["rules"]
}
SCORED = ("pass", "warn", "fail")
SPECIAL = [0.0, -0.0, 5e-324, 1e-9, 1e12, -1.0, -1e12, math.nan, math.inf, -math.inf, None]

PROPERTIES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# the per-rule property runs once per rule of the pack: fewer examples each
PER_RULE = settings(PROPERTIES, max_examples=100)
values = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=10**6).map(float),
)


def _unit_and_category(metric_id: str) -> tuple[str, str]:
    if metric_id in DEFAULT.derived:
        _, unit, category = DEFAULT.derived[metric_id]
        return unit, category
    return unit_of(metric_id), category_of(metric_id)


def _metrics(current: dict[str, float | None], previous: dict[str, float | None]) -> PeriodMetrics:
    """The period's values; `previous` is both the previous period and last year."""
    out = {
        key: MetricValue(
            key,
            _unit_and_category(key)[1],
            _unit_and_category(key)[0],
            "base",
            value,
            None if value is not None else "not measured in 2026-Q3",
            previous.get(key),
        )
        for key, value in current.items()
    }
    return PeriodMetrics(Q3, Q3.previous(), out, dict(previous))


def _template_metrics(rule_id: str) -> list[str]:
    """Metric ids a rule's templates read through `metrics.<id>`."""
    text = repr(RAW[rule_id])
    return sorted(set(re.findall(r"metrics\.(\w+)", text)))


def _literal(text: Any) -> float:
    """`1%` -> 0.01, `-0.3pp` -> -0.003, 3 -> 3.0: the test's own reading of a threshold."""
    if isinstance(text, str):
        number, unit = re.fullmatch(r"\s*([+-]?[\d.]+)\s*(%|pp)?\s*", text).groups()
        return float(Decimal(number) / 100) if unit else float(number)
    return float(text)


def _band_matches(band: dict[str, Any], value: float) -> bool:
    ((comparator, limit),) = band.items()
    if comparator == "between":
        low, high = (_literal(x) for x in limit)
        return low <= value <= high
    bound = _literal(limit)
    return {
        "above": value > bound,
        "below": value < bound,
        "at_least": value >= bound,
        "at_most": value <= bound,
    }[comparator]


def _expected_status(rule_id: str, value: float) -> str:
    """Fail band first, then warn, else pass: read from the YAML as written."""
    thresholds = RAW[rule_id]["thresholds"]
    if "fail" in thresholds and _band_matches(thresholds["fail"], value):
        return "fail"
    if "warn" in thresholds and _band_matches(thresholds["warn"], value):
        return "warn"
    return "pass"


def _sample_met(rule: Rule, *periods: dict[str, float | None]) -> bool:
    for period in periods:
        for metric_id, minimum in rule.min_sample.items():
            sample = period.get(metric_id)
            if sample is None or not math.isfinite(sample) or sample < minimum:
                return False
    return True


def _judged_number(rule: Rule, value: float, baseline: float | None) -> float | None:
    """What the bands apply to: the value, or its change against a usable baseline.

    Changes are rounded to 12 decimals (RULES.md: an exact -0.3pp change sits on
    the -0.3pp boundary, not beside it through binary noise).
    """
    if rule.compare is None:
        return value
    if baseline is None or not math.isfinite(baseline):
        return None
    if rule.compare.change == "relative":
        return None if baseline == 0 else round((value - baseline) / abs(baseline), 12)
    return round(value - baseline, 12)


def _judge(rule: Rule, current: dict, previous: dict, language: str = "en") -> Finding:
    return evaluate_rule(
        rule,
        _metrics(current, previous),
        language=language,
        currency="EUR",
        client={"name": "Aceros del Sur"},
    )


def test_default_pack_has_rules_to_check():
    assert len(RULES) >= 15
    assert set(RULES) == set(RAW)


@pytest.mark.parametrize("rule_id", sorted(RULES))
@PER_RULE
@given(data=st.data())
def test_any_value_gives_a_consistent_finding(rule_id: str, data: st.DataObject) -> None:
    rule = RULES[rule_id]
    value = data.draw(values, label="value")
    current = {rule.metric: value}
    previous = {rule.metric: data.draw(values, label="baseline")}
    for metric_id in [*rule.min_sample, *_template_metrics(rule_id)]:
        current.setdefault(metric_id, data.draw(values, label=metric_id))
        previous.setdefault(metric_id, data.draw(values, label=f"{metric_id} (baseline)"))
    language = data.draw(st.sampled_from(["en", "es"]), label="language")

    finding = _judge(rule, current, previous, language)

    assert finding.status in STATUSES
    if value is None or not math.isfinite(value):
        assert finding.status != "pass"
    if finding.status in SCORED:
        assert finding.score is not None
        assert 0 <= finding.score <= 100
    else:
        assert finding.score is None
    assert isinstance(finding.message, str)
    if rule.thresholds is None or value is None or not math.isfinite(value):
        return
    if rule.compare is None and _sample_met(rule, current):
        assert finding.status == _expected_status(rule_id, value)
    elif rule.compare is not None and _sample_met(rule, current, previous):
        judged = _judged_number(rule, value, previous[rule.metric])
        if judged is None:
            assert finding.status == rule.on_missing_baseline
        else:
            assert finding.status == _expected_status(rule_id, judged)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_missing_value_takes_on_missing_and_never_passes(rule_id: str) -> None:
    rule = RULES[rule_id]
    big_sample = {m: 1e9 for m in rule.min_sample if m != rule.metric}
    absent = _judge(rule, big_sample, big_sample)
    undefined = _judge(rule, {**big_sample, rule.metric: None}, big_sample)
    for finding in (absent, undefined):
        assert finding.status == rule.on_missing
        assert finding.status != "pass"
        assert finding.reason


# rules whose sample is another metric than the one judged (leads-new-yoy samples itself)
SAMPLED = sorted(
    rule_id
    for rule_id, rule in RULES.items()
    if rule.min_sample and rule.metric not in rule.min_sample
)


@pytest.mark.parametrize("sample", [None, -math.inf, -1.0, 0.0])
@pytest.mark.parametrize("rule_id", SAMPLED)
def test_missing_or_small_sample_is_not_judged(rule_id: str, sample: float | None) -> None:
    rule = RULES[rule_id]
    enough = dict.fromkeys(rule.min_sample, 1e9)
    small = dict.fromkeys(rule.min_sample, sample)
    now = _judge(rule, {rule.metric: 0.5, **small}, {rule.metric: 0.4, **enough})
    assert now.status == "not_applicable"
    assert now.score is None
    if rule.compare is not None:  # the baseline period needs the sample too
        then = _judge(rule, {rule.metric: 0.5, **enough}, {rule.metric: 0.4, **small})
        assert then.status == "not_applicable"


@pytest.mark.parametrize("sample", [math.nan, math.inf])
@pytest.mark.parametrize("rule_id", [r for r in SAMPLED if RULES[r].compare is None][:1])
def test_non_finite_sample_is_not_judged(rule_id: str, sample: float) -> None:
    rule = RULES[rule_id]
    current = {rule.metric: 0.5, **dict.fromkeys(rule.min_sample, sample)}
    assert _judge(rule, current, {}).status not in SCORED


# ---------------------------------------------------------------- scoring


@st.composite
def findings(draw: st.DrawFn, category: str | None = None) -> Finding:
    status = draw(st.sampled_from(STATUSES))
    if status in SCORED:
        low, high = {"pass": (90, 100), "warn": (50, 90), "fail": (0, 50)}[status]
        value = draw(st.sampled_from([float(low), float(high)]) | st.floats(low, high))
        points: float | None = min(value, 100.0) if status != "fail" else min(value, 49.9)
    else:
        points = None
    return Finding(
        rule=draw(st.sampled_from(["a", "b", "c", "d"])),
        category=category or draw(st.sampled_from(CATEGORIES)),
        status=status,
        score=points,
        weight=draw(st.sampled_from([0.0, 1.0, 3.0]) | st.floats(0, 100)),
        metric="m",
        value=None,
        unit="ratio",
        threshold=None,
        message="",
        recommendation="",
    )


category_weights = st.fixed_dictionaries(
    {c: st.sampled_from([0.0, 20.0, 25.0, 30.0]) | st.floats(0, 1000) for c in CATEGORIES}
)


@PROPERTIES
@given(items=st.lists(findings(), max_size=25), weights=category_weights)
def test_scoring_never_raises_and_stays_in_range(items, weights) -> None:
    scores = score(items, weights)
    for category in CATEGORIES:
        result = scores.categories[category]
        assert result.score is None or 0 <= result.score <= 100
        assert 0 <= result.coverage <= 1
    assert scores.overall is None or 0 <= scores.overall <= 100
    assert 0 <= scores.overall_coverage <= 1


@PROPERTIES
@given(
    items=st.lists(findings(), max_size=25),
    weights=category_weights,
    category=st.sampled_from(CATEGORIES),
    weight=st.sampled_from([0.0, 1.0]) | st.floats(0, 100),
)
def test_a_failing_finding_never_raises_a_category_score(items, weights, category, weight):
    """A band rule's fail scores 0: adding one can only lower the weighted mean."""
    failing = Finding("new", category, "fail", 0.0, weight, "m", 1.0, "ratio", None, "", "failed")
    before = score(items, weights).categories[category].score
    after = score([*items, failing], weights).categories[category].score
    if before is not None and after is not None:
        assert after <= before


# ---------------------------------------------------------------- score curves

_CURVE_BASE = {
    "id": "curve",
    "title": {"es": "t", "en": "t"},
    "category": "response",
    "source": "s",
    "message": {"es": "{{ value }} {{ score }}", "en": "{{ value }} {{ score }}"},
    "recommendation": {"es": "r", "en": "r"},
}
CURVES = {
    "higher": Rule.model_validate(
        {
            **_CURVE_BASE,
            "metric": "open_rate",
            "score": {"direction": "higher_is_better", "good": "30%", "median": "20%"},
        }
    ),
    "lower": Rule.model_validate(
        {
            **_CURVE_BASE,
            "metric": "cac_payback_months",
            "score": {"direction": "lower_is_better", "good": 6, "median": 12},
        }
    ),
}


def _reaches(rule: Rule, value: float, point: float) -> bool:
    assert rule.score is not None
    return value >= point if rule.score.direction == "higher_is_better" else value <= point


@pytest.mark.parametrize("direction", sorted(CURVES))
@PROPERTIES
@given(
    first=st.floats(-1e6, 1e6),
    second=st.floats(-1e6, 1e6),
)
def test_curve_score_is_monotonic_and_sets_the_status(direction, first, second) -> None:
    rule = CURVES[direction]
    assert rule.score is not None
    low, high = sorted((first, second))
    at_low, at_high = (_judge(rule, {rule.metric: v}, {}) for v in (low, high))
    for value, finding in ((low, at_low), (high, at_high)):
        assert 0 <= finding.score <= 100
        expected = "pass" if finding.score >= 90 else "warn" if finding.score >= 50 else "fail"
        assert finding.status == expected
        if _reaches(rule, value, rule.score.good):
            assert finding.status == "pass"
        elif _reaches(rule, value, rule.score.median):
            assert finding.status in ("pass", "warn")
    if rule.score.direction == "higher_is_better":
        assert at_low.score <= at_high.score
    else:
        assert at_low.score >= at_high.score


@pytest.mark.parametrize(
    ("direction", "value", "status"),
    [
        ("higher", 0.29999, "warn"),  # good is 30%
        ("higher", 0.19999, "fail"),  # median is 20%
        ("lower", 6.0001, "warn"),  # good is 6 months
        ("lower", 12.0001, "fail"),  # median is 12 months
    ],
)
def test_curve_value_short_of_a_control_point_does_not_reach_it(direction, value, status):
    rule = CURVES[direction]
    assert _judge(rule, {rule.metric: value}, {}).status == status


def test_tiny_value_on_a_lower_is_better_curve_does_not_raise():
    rule = CURVES["lower"]
    finding = _judge(rule, {rule.metric: 5e-324}, {})
    assert finding.status == "pass"
    assert finding.score == 100
