"""Threshold bands and literals, both sides of every edge (issue 20): a rule's `at_least: 1%`
must fail exactly 1 %, and the pass condition a report prints must be its exact negation."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from pydantic import ValidationError

from auditor.rules.model import (
    Band,
    LocalizedText,
    Rule,
    ScoreCurve,
    Thresholds,
    _lenient,
    literal_kind,
    parse_threshold,
)

TEXT = {"es": "x", "en": "x"}


@pytest.mark.parametrize(
    ("band", "value", "matches"),
    [
        ({"above": 0.01}, 0.01, False),
        ({"above": 0.01}, 0.0100001, True),
        ({"below": 0.01}, 0.01, False),
        ({"below": 0.01}, 0.0099999, True),
        ({"at_least": 0.01}, 0.01, True),
        ({"at_least": 0.01}, 0.0099999, False),
        ({"at_most": 0.01}, 0.01, True),
        ({"at_most": 0.01}, 0.0100001, False),
        ({"between": [0.01, 0.02]}, 0.01, True),
        ({"between": [0.01, 0.02]}, 0.02, True),
        ({"between": [0.01, 0.02]}, 0.0099999, False),
        ({"between": [0.01, 0.02]}, 0.0200001, False),
    ],
)
def test_each_comparator_on_both_sides_of_its_limit(
    band: dict[str, Any], value: float, matches: bool
) -> None:
    assert Band(**band).matches(value) is matches


def test_a_measured_one_percent_lands_on_the_limit_written_as_one_percent() -> None:
    assert Band(at_least="1%").matches(100 / 10000)
    assert not Band(above="1%").matches(100 / 10000)
    assert Band(at_most="0.3%").matches(3 / 1000)


@pytest.mark.parametrize(
    ("band", "describe", "passing", "as_json"),
    [
        ({"above": 0.5}, "> 0.5", "<= 0.5", {"above": 0.5}),
        ({"below": "1%"}, "< 0.01", ">= 0.01", {"below": 0.01}),
        ({"at_least": 2}, ">= 2", "< 2", {"at_least": 2.0}),
        ({"at_most": "-0.3pp"}, "<= -0.003", "> -0.003", {"at_most": -0.003}),
        (
            {"between": ["1%", "2%"]},
            "between 0.01 and 0.02",
            "outside 0.01..0.02",
            {"between": [0.01, 0.02]},
        ),
    ],
)
def test_a_band_is_described_and_negated_exactly(
    band: dict[str, Any], describe: str, passing: str, as_json: dict[str, Any]
) -> None:
    parsed = Band(**band)
    assert parsed.describe() == describe
    assert parsed.pass_condition() == passing
    assert parsed.to_json() == as_json


@pytest.mark.parametrize(
    ("band", "error"),
    [
        ({}, "a band needs exactly one of above, below, at_least, at_most, between"),
        ({"above": 1, "below": 2}, "(got above, below)"),
        ({"between": [2, 1]}, "between: [low, high] needs low <= high"),
    ],
)
def test_a_band_with_no_or_two_comparators_or_reversed_limits_is_refused(
    band: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        Band(**band)
    assert error in str(raised.value)


def test_a_band_between_equal_limits_is_accepted() -> None:
    assert Band(between=[1, 1]).matches(1.0)


@pytest.mark.parametrize(
    ("warn", "fail", "lenient"),
    [
        ({"above": 1}, {"above": 2}, "warn"),
        ({"above": 2}, {"above": 1}, "fail"),
        ({"at_least": 1}, {"above": 1}, "warn"),  # equal limits: warn
        ({"below": 2}, {"below": 1}, "warn"),
        ({"below": 1}, {"at_most": 2}, "fail"),
        ({"at_most": 1}, {"at_most": 1}, "warn"),
        ({"above": 1}, {"below": 0}, None),  # two directions: no single pass condition
        ({"between": [1, 2]}, {"above": 3}, None),
    ],
)
def test_the_lenient_band_of_a_pair(
    warn: dict[str, Any], fail: dict[str, Any], lenient: str | None
) -> None:
    bands = {"warn": Band(**warn), "fail": Band(**fail)}
    found = _lenient(bands["warn"], bands["fail"])
    assert found is (bands[lenient] if lenient else None)


def rule(**fields: Any) -> Rule:
    base: dict[str, Any] = {
        "id": "r",
        "title": TEXT,
        "category": "response",
        "metric": "unsubscribe_rate",
        "source": "s",
        "message": TEXT,
        "recommendation": TEXT,
    }
    return Rule(**(base | fields))


@pytest.mark.parametrize(
    ("thresholds", "text"),
    [
        ({"warn": {"at_least": "0.5%"}, "fail": {"at_least": "1%"}}, "< 0.005"),
        ({"fail": {"at_least": "1%"}}, "< 0.01"),
        ({"warn": {"below": "2%"}}, ">= 0.02"),
        ({"warn": {"above": 1}, "fail": {"below": 0}}, "<= 1 and >= 0"),
    ],
)
def test_the_pass_condition_shown_next_to_the_value(thresholds: dict, text: str) -> None:  # type: ignore[type-arg]
    assert rule(thresholds=thresholds).threshold_text() == text


def test_a_score_curves_pass_condition() -> None:
    higher = {"direction": "higher_is_better", "good": 0.3, "median": 0.2}
    lower = {"direction": "lower_is_better", "good": "0.1%", "median": "0.3%"}
    assert rule(score=higher).threshold_text() == ">= 0.3 (score 90), median 0.2 (score 50)"
    assert rule(score=lower).threshold_text() == "<= 0.001 (score 90), median 0.003 (score 50)"


@pytest.mark.parametrize(
    ("curve", "error"),
    [
        ({"direction": "higher_is_better", "good": 0, "median": 0.2}, "greater than 0"),
        ({"direction": "higher_is_better", "good": 0.3, "median": 0}, "greater than 0"),
        (
            {"direction": "higher_is_better", "good": 0.2, "median": 0.2},
            "good must be better than median: above it when higher_is_better",
        ),
        (
            {"direction": "lower_is_better", "good": 0.2, "median": 0.2},
            "good must be better than median: below it when lower_is_better",
        ),
    ],
)
def test_a_score_curve_needs_good_strictly_better_than_median(curve: dict, error: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as raised:
        ScoreCurve(**curve)
    assert error in str(raised.value)


def test_thresholds_need_a_band_and_a_rule_needs_a_judgement() -> None:
    with pytest.raises(ValidationError, match="thresholds need a warn band, a fail band or both"):
        Thresholds()
    assert Thresholds(warn={"above": 1}).to_json() == {"warn": {"above": 1.0}}
    with pytest.raises(ValidationError, match="a rule needs thresholds"):
        rule()
    curve = {"direction": "higher_is_better", "good": 0.3, "median": 0.2}
    with pytest.raises(ValidationError, match="a score curve grades a value, not a change"):
        rule(score=curve, compare={"to": "previous_period"})


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1%", 0.01),
        (" 0.3 % ", 0.003),
        ("+2.5%", 0.025),
        ("-0.3pp", -0.003),
        ("0.5 pp", 0.005),
        (0.01, 0.01),
        (3, 3.0),
        (" 0.25 ", 0.25),
    ],
)
def test_threshold_literals(written: Any, value: float) -> None:
    parsed = parse_threshold(written)
    assert parsed == value
    assert isinstance(parsed, float)


@pytest.mark.parametrize(
    ("written", "error"),
    [
        (True, "expected a number or a percentage such as 1%"),
        (math.inf, "expected a finite number"),
        (math.nan, "expected a finite number"),
        ("lots", "expected a number or a percentage such as 1%, got 'lots'"),
        ("1%%", "got '1%%'"),
        (None, "got None"),
        ("inf", "expected a number or a percentage such as 1%, got 'inf'"),
    ],
)
def test_threshold_literals_refused(written: Any, error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        parse_threshold(written)


@pytest.mark.parametrize(
    ("written", "kind"),
    [("1%", "percent"), ("-0.3pp", "points"), ("0.3", "number"), (0.3, "number")],
)
def test_how_a_literal_was_written(written: Any, kind: str) -> None:
    assert literal_kind(written) == kind


def test_a_rule_id_gets_a_suggestion_when_one_exists() -> None:
    with pytest.raises(ValidationError) as raised:
        rule(id="Unsub Rate", thresholds={"fail": {"above": 1}})
    assert "did you mean 'unsub-rate'?" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        rule(id="---", thresholds={"fail": {"above": 1}})
    assert "did you mean" not in str(raised.value)
    assert "a rule id may use only lowercase letters, digits and '-', got '---'" in str(
        raised.value
    )


def test_localized_text_picks_the_language() -> None:
    text = LocalizedText(es="hola", en="hello")
    assert (text.get("es"), text.get("en")) == ("hola", "hello")
