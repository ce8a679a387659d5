"""The exit code and its reason, exactly (auditor/gating/gate.py): which statuses count as
judged, which findings trip `--fail-on warn|fail|never`, `--fail-under` at, under and
above the score and when the score is withheld, analysis findings never deciding, and
every reason's words and numbers (docs/testing.md)."""

from __future__ import annotations

import pytest

from auditor.core.models import CategoryScore, Finding, Scores
from auditor.gating.gate import FAIL_ON, Gate, exit_status
from tests.helpers import make_finding


def finding(status: str, rule: str = "r", labels: tuple[str, ...] = ()) -> Finding:
    return make_finding(rule, status, labels=labels)


def scores(overall: float | None, coverage: float = 1.0) -> Scores:
    category = CategoryScore("response", overall, 1.0, coverage, 1.0, 1.0, {})
    return Scores(overall, coverage, {"response": category})


def test_the_levels_are_warn_fail_never():
    assert FAIL_ON == ("warn", "fail", "never")
    assert Gate() == Gate(fail_on="fail", fail_under=None)


@pytest.mark.parametrize("status", ["pass", "warn", "fail"])
def test_each_judged_status_counts_as_judged(status):
    code, _ = exit_status([finding(status)], scores(80.0), Gate(fail_on="never"))
    assert code == 0


@pytest.mark.parametrize("status", ["no_data", "not_applicable", "waived", "error"])
def test_nothing_judged_is_exit_3(status):
    code, reason = exit_status([finding(status)], scores(None, 0.0), Gate())
    assert (code, reason) == (3, "nothing could be evaluated: no rule had the data it needs")


def test_an_analysis_finding_never_decides():
    analysis = finding("fail", "anomaly", labels=("analysis",))
    code, _ = exit_status([analysis], scores(None, 0.0), Gate())
    assert code == 3  # alone, it is not something judged
    code, reason = exit_status([analysis, finding("pass", "ok")], scores(90.0), Gate())
    assert (code, reason) == (0, "healthy: no finding at or above 'fail'")


@pytest.mark.parametrize(
    ("fail_on", "statuses", "code", "reason"),
    [
        ("fail", ["pass", "warn"], 0, "healthy: no finding at or above 'fail'"),
        ("fail", ["warn", "fail"], 1, "1 finding(s) at or above 'fail': b"),
        ("warn", ["pass", "warn", "fail"], 1, "2 finding(s) at or above 'warn': b, c"),
        ("warn", ["pass", "pass"], 0, "healthy: no finding at or above 'warn'"),
        ("never", ["fail", "fail"], 0, "findings never fail this run (--fail-on never)"),
    ],
)
def test_fail_on_levels(fail_on, statuses, code, reason):
    found = [finding(s, rule) for s, rule in zip(statuses, "abc", strict=False)]
    assert exit_status(found, scores(75.0), Gate(fail_on=fail_on)) == (code, reason)


@pytest.mark.parametrize(
    ("overall", "code", "reason"),
    [
        (69.9, 1, "overall score 69.9 is under 70"),
        (70.0, 0, "healthy: no finding at or above 'fail'"),  # at the minimum: passes
        (None, 1, "overall score withheld (coverage too low), required 70"),
    ],
)
def test_fail_under(overall, code, reason):
    result = exit_status([finding("pass")], scores(overall, 0.5), Gate(fail_under=70.0))
    assert result == (code, reason)


def test_both_causes_are_named_in_order():
    result = exit_status(
        [finding("fail", "spam")], scores(40.5), Gate(fail_on="fail", fail_under=62.5)
    )
    assert result == (1, "1 finding(s) at or above 'fail': spam; overall score 40.5 is under 62.5")


def test_a_hollow_audit_does_not_call_itself_healthy():
    found = [finding("pass", "a"), finding("no_data", "b"), finding("no_data", "c")]
    code, reason = exit_status(found, scores(None, 0.337), Gate(fail_on="warn"))
    assert code == 0
    assert reason == (
        "no finding at or above 'warn' in what could be judged (1 of 3 rules, 34% of their "
        "weight): the overall score is withheld"
    )
    _, reason = exit_status(found, scores(None, 0.9), Gate())
    assert "(1 of 3 rules, 90% of their weight)" in reason
