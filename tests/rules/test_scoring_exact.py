"""Scores exactly as a user reads them (RULES.md "Scores"): the weighted means with
weights under 1, coverage at the withholding limit (75 %), the rounding shown (scores to
one decimal, coverage to four), an empty category, a category the weights leave out,
and which statuses carry a score. Each case pins one number the report prints, so a
changed operator or constant in auditor/rules/scoring.py shows (docs/testing.md)."""

from __future__ import annotations

import pytest

from auditor.core.models import Finding
from auditor.rules.scoring import MIN_COVERAGE, category_score, score
from tests.helpers import make_finding


def finding(
    status: str, score_: float | None, weight: float = 1.0, category: str = "response"
) -> Finding:
    return make_finding(f"r-{status}-{score_}-{weight}", status, score_, weight, category)


def test_the_withholding_limit_is_75_percent_and_reached_exactly():
    assert MIN_COVERAGE == 0.75
    # 3 of 4 units of weight evaluated: exactly 75 % coverage gives a score
    at_limit = [finding("pass", 90.0, 3.0), finding("no_data", None, 1.0)]
    assert category_score("response", 1.0, at_limit).score == 90.0
    # a hair under: withheld
    under = [finding("pass", 90.0, 2.99), finding("no_data", None, 1.01)]
    result = category_score("response", 1.0, under)
    assert result.score is None
    assert result.coverage == 0.7475


def test_weights_under_one_still_make_a_mean_and_a_coverage():
    result = category_score("response", 1.0, [finding("warn", 62.0, 0.5)])
    assert result.score == 62.0
    assert result.coverage == 1.0
    assert (result.evaluated_weight, result.enabled_weight) == (0.5, 0.5)
    overall = score([finding("warn", 62.0, 0.5)], {"response": 0.5})
    assert overall.overall == 62.0
    assert overall.overall_coverage == 1.0


def test_scores_are_rounded_to_one_decimal_and_coverage_to_four():
    thirds = [finding("pass", 100.0), finding("warn", 50.0), finding("warn", 50.0)]
    result = category_score("response", 1.0, thirds)
    assert result.score == 66.7  # 66.666...
    two_of_three = [
        finding("pass", 100.0, 2.0),
        finding("pass", 100.0, 1.0),
        finding("no_data", None, 1.0),
        finding("no_data", None, 0.5),
    ]  # 3 of 4.5 evaluated: 0.66666...
    assert category_score("response", 1.0, two_of_three).coverage == 0.6667
    overall = score(
        [finding("pass", 100.0, 1.0, "activity"), finding("warn", 50.0, 1.0, "response")],
        {"activity": 1.0, "response": 2.0},
    )
    assert overall.overall == 66.7  # (100 + 2 x 50) / 3
    partial = score(
        [
            finding("pass", 80.0, 1.0, "activity"),
            finding("pass", 80.0, 1.0, "response"),
            finding("pass", 80.0, 1.0, "efficiency"),
            finding("no_data", None, 1.0, "value"),
        ],
        {"activity": 1.0, "response": 1.0, "efficiency": 1.0, "value": 0.5},
    )
    assert partial.overall_coverage == 0.8571  # 3 of 3.5 weight: 0.857142...
    assert partial.overall == 80.0


def test_only_judged_findings_carry_a_score():
    # a no_data finding that somehow holds a score must not count
    mixed = [finding("pass", 100.0), finding("no_data", 0.0, 0.1)]
    result = category_score("response", 1.0, mixed)
    assert result.score == 100.0
    assert result.evaluated_weight == 1.0
    assert dict(result.counts) == {"pass": 1, "no_data": 1}


def test_an_empty_category_has_no_score_and_no_coverage():
    result = category_score("value", 2.0, [finding("pass", 100.0, 1.0, "activity")])
    assert result.category == "value"
    assert result.score is None
    assert result.coverage == 0.0
    assert (result.evaluated_weight, result.enabled_weight) == (0, 0)
    only_excluded = [finding("not_applicable", None), finding("waived", None)]
    assert category_score("response", 1.0, only_excluded).coverage == 0.0
    nothing = score([], {"response": 1.0})
    assert nothing.overall is None
    assert nothing.overall_coverage == 0.0


def test_a_category_left_out_of_the_weights_weighs_nothing():
    result = score(
        [finding("pass", 100.0, 1.0, "activity"), finding("fail", 0.0, 1.0, "response")],
        {"activity": 1.0},
    )
    assert result.categories["response"].weight == 0.0
    assert result.categories["response"].score == 0.0  # still scored, shown
    assert result.overall == 100.0  # but not in the overall mean


@pytest.mark.parametrize(
    ("present", "missing", "overall"),
    [
        (3.0, 1.0, 70.0),  # 75 % of the category weight scored: an overall
        (2.99, 1.01, None),  # under: withheld
    ],
)
def test_the_overall_is_withheld_under_75_percent_of_the_weight(present, missing, overall):
    result = score(
        [finding("pass", 70.0, 1.0, "activity"), finding("no_data", None, 1.0, "value")],
        {"activity": present, "value": missing},
    )
    assert result.overall == overall
