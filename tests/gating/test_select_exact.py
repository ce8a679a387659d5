"""`--select`, `--ignore`, `--fail-under`, baselines and how exit codes combine, exactly
(auditor/gating/select.py): every boundary a CI job relies on, every message's words,
and that no function changes the result it is given (docs/testing.md)."""

from __future__ import annotations

import copy

import pytest

from auditor.core.errors import InputError
from auditor.core.models import Finding
from auditor.gating.gate import Gate
from auditor.gating.select import (
    category_weights,
    combine_exit_codes,
    combine_outcomes,
    fail_under,
    finalize,
    finding_from_json,
    matches,
    parse_fail_under,
    select_findings,
    split_selectors,
    with_exit,
)


def finding(rule: str, status: str, category: str = "response", **extra) -> dict:
    score = {"pass": 100.0, "warn": 50.0, "fail": 0.0}.get(status)
    return {
        "rule": rule,
        "category": category,
        "status": status,
        "score": score,
        "weight": 1.0,
        "metric": "m",
        "unit": "ratio",
        "message": "",
        "recommendation": "",
        **extra,
    }


def result(*findings: dict, **extra) -> dict:
    return {
        "findings": list(findings),
        "categories": {c: {"weight": 1.0} for c in ("activity", "response", "efficiency", "value")},
        **extra,
    }


# ---------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    ("codes", "code"),
    [
        ([], 0),
        ([0, 1], 1),
        ([1, 3], 3),
        ([3, 2, 1], 2),
        ([0, 130, 2], 130),  # an interrupted run outranks every audit outcome
    ],
)
def test_exit_codes_combine_by_precedence(codes, code):
    assert combine_exit_codes(codes) == code


def test_outcomes_keep_the_winning_reason_first_and_skip_empty_ones():
    assert combine_outcomes([(1, "score low"), (3, None), (2, "bad --fail-under")]) == (
        2,
        "bad --fail-under; score low",
    )
    assert combine_outcomes([(1, "a"), (3, "")]) == (3, "a")
    assert combine_outcomes([(0, ""), (0, "all good")]) == (0, "all good")
    assert combine_outcomes([(0, ""), (0, None)]) == (0, "healthy")


def test_with_exit_copies_deeply():
    original = result(finding("a", "pass"))
    out = with_exit(original, 1, "why")
    out["findings"][0]["rule"] = "changed"
    assert original["findings"][0]["rule"] == "a"
    assert (out["exit_code"], out["exit_reason"]) == (1, "why")
    assert "exit_code" not in original


# ----------------------------------------------------------------- selecting


def test_selectors_split_on_commas_trim_and_drop_repeats():
    assert split_selectors(["a,b", " c ", "a", ","]) == ["a", "b", "c"]
    assert split_selectors(None) == []


def test_a_selector_matches_rule_category_or_label_case_insensitively():
    f = finding("Click-Rate", "warn", labels=["Engagement"])
    assert matches(f, "click-*")
    assert matches(f, "RESPONSE")
    assert matches(f, "engagement")
    assert not matches(f, "open-*")
    # a finding without a rule or category matches nothing through them
    assert not matches({"status": "warn"}, "*")
    assert not matches({"category": "response"}, "x*")
    assert not matches({"rule": "r"}, "x*")


def test_finding_from_json_fills_what_a_partial_dict_lacks():
    rebuilt = finding_from_json({})
    assert rebuilt == Finding(
        rule="",
        category="",
        status="error",
        score=None,
        weight=0.0,
        metric="",
        value=None,
        unit="",
        threshold=None,
        message="",
        recommendation="",
    )
    assert rebuilt.thresholds == {}
    assert rebuilt.labels == ()
    assert (rebuilt.title, rebuilt.source, rebuilt.pack, rebuilt.confidence) == (
        "",
        "",
        "",
        "normal",
    )
    kept = finding_from_json(
        {
            **finding("r", "warn"),
            "thresholds": {"warn": {"above": 1}},
            "labels": ["x"],
            "confidence": "low",
            "title": "T",
            "impact": 1.0,  # extra keys are ignored
        }
    )
    assert kept.thresholds == {"warn": {"above": 1}}
    assert kept.labels == ("x",)
    assert (kept.confidence, kept.title) == ("low", "T")
    assert finding_from_json({"weight": None}).weight == 0.0


def test_category_weights_read_from_the_result_missing_is_zero():
    assert category_weights({"categories": {"value": {"weight": 2}, "activity": {}, "x": 3}}) == {
        "value": 2.0,
        "activity": 0.0,
    }
    assert category_weights({}) == {}


def test_select_keeps_recomputes_and_never_changes_its_argument():
    original = result(
        finding("a", "fail"),
        finding("b", "pass", "value"),
        warnings=["w1"],
        metrics={"ctr": {"value": 0.1}},
    )
    frozen = copy.deepcopy(original)
    out = select_findings(original, ["value"])
    assert original == frozen
    out["findings"][0]["rule"] = "changed"
    out["metrics"]["ctr"]["value"] = 0.9
    assert original == frozen
    assert [f["rule"] for f in select_findings(original, ["value"])["findings"]] == ["b"]
    assert out["exit_code"] == 0
    assert out["overall_coverage"] == 1.0
    assert out["scores"]["value"] == 100.0
    assert out["selection"] == {"select": ["value"], "ignore": [], "dropped": 1}
    assert out["warnings"] == ["w1"]


def test_a_category_with_no_finding_is_a_valid_selection():
    out = select_findings(result(finding("a", "fail")), ["efficiency"])
    assert out["findings"] == []
    assert out["exit_code"] == 3


def test_a_select_that_matches_nothing_is_bad_input_with_a_hint_only_when_close():
    with pytest.raises(InputError) as caught:
        select_findings(result(finding("click-rate", "warn")), ["clik-rate"])
    assert "--select 'clik-rate' matches no rule id, category or label (did you mean " in str(
        caught.value
    )
    assert "'click-rate'?)" in str(caught.value)
    with pytest.raises(InputError) as far:
        select_findings(result(finding("click-rate", "warn")), ["qqqqzzzz"])
    assert str(far.value).endswith("--select 'qqqqzzzz' matches no rule id, category or label")


def test_an_ignore_that_matches_nothing_is_a_warning():
    out = select_findings(result(finding("a", "warn"), warnings=["w1"]), None, ["qqqqzzzz"])
    assert out["warnings"] == ["w1", "--ignore 'qqqqzzzz' matches no finding"]
    assert out["selection"] == {"select": [], "ignore": ["qqqqzzzz"], "dropped": 0}


def test_known_failures_do_not_trip_the_gate_but_new_ones_do():
    only_known = select_findings(result(finding("a", "fail")), known=["a"])
    assert (only_known["exit_code"], only_known["exit_reason"]) == (
        0,
        "only failures already present in the baseline (a)",
    )
    known_and_pass = select_findings(
        result(finding("a", "fail"), finding("b", "pass")), known=["b", "a"]
    )
    assert (known_and_pass["exit_code"], known_and_pass["exit_reason"]) == (
        0,
        "only failures already present in the baseline (a, b)",
    )
    new = select_findings(result(finding("a", "fail"), finding("c", "fail")), known=["a"])
    assert (new["exit_code"], new["exit_reason"]) == (1, "1 finding(s) at or above 'fail': c")
    healthy = select_findings(result(finding("a", "pass")), known=["a"])
    assert healthy["exit_reason"] == "healthy: no finding at or above 'fail'"


# ---------------------------------------------------------------- fail-under


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["70"], (70.0, {})),
        (["overall=70"], (70.0, {})),
        (["value=60,response=50"], (None, {"value": 60.0, "response": 50.0})),
        (["70", "Value = 60"], (70.0, {"value": 60.0})),
        (["0", "activity=100"], (0.0, {"activity": 100.0})),  # both ends accepted
        (["60", "80"], (80.0, {})),  # a later value replaces an earlier one
        (None, (None, {})),
    ],
)
def test_parse_fail_under(values, expected):
    assert parse_fail_under(values) == expected


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("70x", "--fail-under: '70x' is not a number (0-100)"),
        ("100.1", "--fail-under: 100.1 is outside 0-100"),
        ("-0.1", "--fail-under: -0.1 is outside 0-100"),
        ("overall=abc", "--fail-under overall: 'abc' is not a number (0-100)"),
        ("value=101", "--fail-under value: 101 is outside 0-100"),
        ("value==60", "--fail-under value: '=60' is not a number (0-100)"),
        (
            "valeu=60",
            "--fail-under: unknown category 'valeu' (did you mean 'value'?); use overall or "
            "one of activity, response, efficiency, value",
        ),
        (
            "overal=60",
            "--fail-under: unknown category 'overal' (did you mean 'overall'?); use overall or "
            "one of activity, response, efficiency, value",
        ),
        (
            "qqqq=60",
            "--fail-under: unknown category 'qqqq'; use overall or one of activity, response, "
            "efficiency, value",
        ),
    ],
)
def test_a_bad_fail_under_names_what_is_wrong(value, said):
    with pytest.raises(InputError) as caught:
        parse_fail_under([value])
    assert str(caught.value).endswith(said)


def scored(**categories) -> dict:
    return {
        "scores": {"overall": categories.pop("overall", None), **categories},
        "categories": {c: {"score": s, "counts": {"pass": 1}} for c, s in categories.items()},
    }


def test_fail_under_at_under_and_withheld():
    assert fail_under(scored(overall=70.0), 70.0) == (0, "scores at or above --fail-under")
    assert fail_under(scored(overall=69.9), 70.0) == (1, "overall score 69.9 is under 70")
    assert fail_under(scored(), 70.0) == (
        1,
        "overall score withheld (coverage too low), required 70",
    )
    assert fail_under(scored(overall=10.0), None) == (0, "")
    assert fail_under(scored(overall=90.0, value=40.0), 70.0, {"value": 50.0}) == (
        1,
        "value score 40 is under 50",
    )
    assert fail_under(scored(overall=60.0, value=50.0), 70.0, {"value": 50.0}) == (
        1,
        "overall score 60 is under 70",
    )
    both = fail_under(scored(overall=60.0, value=40.0), 70.0, {"value": 50.0})
    assert both == (1, "overall score 60 is under 70; value score 40 is under 50")


def test_fail_under_per_category_empty_withheld_and_from_the_categories():
    empty = {"scores": {}, "categories": {}}
    assert fail_under(empty, None, {"efficiency": 40.0}) == (
        1,
        "efficiency has no score: no finding in it (none enabled or selected), required 40",
    )
    withheld = {"scores": {"value": None}, "categories": {"value": {"counts": {"no_data": 2}}}}
    assert fail_under(withheld, None, {"value": 40.0}) == (
        1,
        "value score withheld (incomplete), required 40",
    )
    only_category = {"scores": {}, "categories": {"value": {"score": 45.0, "counts": {"pass": 1}}}}
    assert fail_under(only_category, None, {"value": 40.0}) == (
        0,
        "scores at or above --fail-under",
    )
    stale = {"scores": {"value": 30.0}, "categories": {"value": {"score": 90.0, "counts": {}}}}
    assert fail_under(stale, None, {"value": 50.0}) == (1, "value score 30 is under 50")
    custom = {"scores": {"brand": 90.0}, "categories": {"brand": {"score": 90.0}}}
    assert fail_under(custom, None, {"brand": 40.0})[0] == 0  # a pack's own category
    with pytest.raises(InputError) as caught:
        fail_under(empty, None, {"brand": 40.0})
    assert str(caught.value).endswith("--fail-under: unknown category 'brand'")


def test_finalize_applies_selection_then_every_minimum():
    audited = result(finding("a", "pass"), finding("b", "fail", "value"))
    out = finalize(audited, gate=Gate("fail", 80.0), select=["response"])
    assert (out["exit_code"], out["exit_reason"]) == (0, "healthy: no finding at or above 'fail'")
    out = finalize(audited, gate=Gate("fail", 80.0))
    assert out["exit_code"] == 1
    assert out["exit_reason"] == (
        "1 finding(s) at or above 'fail': b; overall score 50 is under 80"
    )
    out = finalize(audited, gate=Gate("never", 80.0), fail_under_values=["40"])
    assert (out["exit_code"], out["exit_reason"]) == (
        0,
        "findings never fail this run (--fail-on never)",
    )
