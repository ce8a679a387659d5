"""Comparing two audits exactly (auditor/history/diff.py): which findings are new or
resolved, score deltas and their rounding, metrics that changed (relative to the size of
a negative value, defined and undefined both ways), statuses that changed, and the
terminal table, line by line (docs/testing.md)."""

from __future__ import annotations

from auditor.history.diff import (
    diff_results,
    new_failures,
    regressions,
    render_diff_text,
    resolved_findings,
)


def finding(rule: str, status: str, **extra) -> dict:
    return {"rule": rule, "status": status, "category": "response", **extra}


def audit(*findings: dict, **extra) -> dict:
    return {"findings": list(findings), **extra}


def test_new_failures_are_fail_or_warn_now_and_not_then():
    before = audit(finding("a", "pass"), finding("b", "warn"), finding("c", "fail"))
    after = audit(
        finding("a", "warn"),
        finding("b", "fail"),  # warn then: not new
        finding("c", "fail"),
        finding("d", "fail"),  # absent then: new
        finding("e", "no_data"),
        finding("x", "fail", labels=["analysis"]),  # analysis: never counted
    )
    assert new_failures(after, before) == ["a", "d"]
    assert new_failures(audit(), before) == []


def test_resolved_are_fail_or_warn_then_and_pass_now():
    before = audit(
        finding("a", "fail"),
        finding("b", "warn"),
        finding("c", "fail"),
        finding("d", "pass"),
        finding("x", "fail", labels=["analysis"]),
    )
    after = audit(
        finding("a", "pass"),
        finding("b", "pass"),
        finding("c", "no_data"),  # not judged now: not resolved
        finding("d", "pass"),
        finding("x", "pass", labels=["analysis"]),
    )
    assert resolved_findings(after, before) == ["a", "b"]


def test_score_deltas_overall_first_rounded_and_none_when_withheld():
    found = regressions(
        {"scores": {"response": 70.0, "overall": 69.5, "value": None, "activity": 50.0}},
        {"scores": {"overall": 86.2, "response": 80.1234567, "efficiency": 40.0}},
    )
    assert list(found) == ["overall", "response", "efficiency", "value", "activity"]
    assert found["overall"] == {"before": 86.2, "after": 69.5, "delta": -16.7}
    assert found["response"]["delta"] == -10.123457
    assert found["efficiency"] == {"before": 40.0, "after": None, "delta": None}
    assert found["value"]["delta"] is None
    assert found["activity"] == {"before": None, "after": 50.0, "delta": None}
    assert regressions({}, {}) == {"overall": {"before": None, "after": None, "delta": None}}


def test_metrics_that_changed_with_delta_and_relative_change():
    before = audit(
        metrics={
            "roi": {"value": -2.0, "unit": "ratio"},
            "sent": {"value": 100.0, "unit": "count"},
            "same": {"value": 0.1 + 0.2, "unit": "ratio"},
            "zero": {"value": 0.0, "unit": "count"},
            "gone": {"value": 5.0, "unit": "money"},
        },
        undefined={"late": "not measured"},
    )
    after = audit(
        metrics={
            "late": {"value": 3.0, "unit": "count"},
            "roi": {"value": 1.0, "unit": "ratio"},
            "sent": {"value": 100.0, "unit": "count"},
            "same": {"value": 0.3, "unit": "ratio"},  # equal within rounding: unchanged
            "zero": {"value": 4.0, "unit": "count"},
        },
        undefined={"gone": "not measured"},
    )
    rows = {m["metric"]: m for m in diff_results(before, after)["metrics"]}
    # the later result's order first (its undefined metrics, then its values), then the rest
    assert list(rows) == ["gone", "late", "roi", "zero"]
    assert rows["roi"] == {
        "metric": "roi",
        "unit": "ratio",
        "before": -2.0,
        "after": 1.0,
        "delta": 3.0,
        "change": 1.5,  # relative to the size of -2
    }
    assert rows["zero"]["change"] is None  # from 0: no relative change
    assert rows["zero"]["delta"] == 4.0
    assert rows["late"] == {
        "metric": "late",
        "unit": "count",
        "before": None,
        "after": 3.0,
        "delta": None,
        "change": None,
    }
    assert rows["gone"]["unit"] == "money"  # the earlier unit when the later has none
    assert rows["gone"]["after"] is None


def test_a_tiny_difference_is_a_change_and_rounding_noise_is_not():
    before = audit(metrics={"a": {"value": 1.0, "unit": "ratio"}, "b": {"value": 0.0}})
    after = audit(metrics={"a": {"value": 1.000001, "unit": "ratio"}, "b": {"value": 1e-16}})
    assert [m["metric"] for m in diff_results(before, after)["metrics"]] == ["a"]


def test_findings_whose_status_changed_and_the_new_and_resolved_briefs():
    before = audit(
        finding("a", "fail", value=0.02, unit="ratio", category="value"),
        finding("b", "pass", value=1.0, unit="ratio"),
        finding("gone", "warn", unit="count"),
        client="Ebro",
        client_slug="ebro",
        period={"label": "2026-Q2"},
    )
    after = audit(
        finding("a", "pass", value=0.005, unit="ratio"),
        finding("b", "warn", value=0.5, unit="ratio", message="fell"),
        finding("c", "fail", value=9.0, unit="count", message="new one"),
        period={"label": "2026-Q3"},
    )
    diff = diff_results(before, after)
    assert (diff["client"], diff["client_slug"]) == ("Ebro", "ebro")
    assert (diff["before"], diff["after"]) == ("2026-Q2", "2026-Q3")
    changed = {f["rule"]: f for f in diff["findings"]}
    assert list(changed) == ["a", "b", "c", "gone"]
    assert changed["a"] == {
        "rule": "a",
        "category": "response",
        "before": "fail",
        "after": "pass",
        "value_before": 0.02,
        "value_after": 0.005,
        "unit": "ratio",
    }
    assert changed["gone"] == {
        "rule": "gone",
        "category": "response",
        "before": "warn",
        "after": None,
        "value_before": None,
        "value_after": None,
        "unit": "count",
    }
    assert diff["new"] == [
        {
            "rule": "b",
            "category": "response",
            "status": "warn",
            "was": "pass",
            "value": 0.5,
            "unit": "ratio",
            "message": "fell",
        },
        {
            "rule": "c",
            "category": "response",
            "status": "fail",
            "was": None,
            "value": 9.0,
            "unit": "count",
            "message": "new one",
        },
    ]
    assert diff["resolved"] == [
        {
            "rule": "a",
            "category": "response",
            "status": "pass",
            "was": "fail",
            "value": 0.005,
            "unit": "ratio",
            "message": "",
        }
    ]
    assert diff_results(before, audit(client="Other"))["client"] == "Other"


def test_the_terminal_table_line_by_line():
    before = audit(
        finding("spam-rate", "fail", value=0.004, unit="ratio"),
        finding("ctr", "pass", value=0.03, unit="ratio"),
        client="Ebro",
        client_slug="ebro",
        period={"label": "2026-Q2"},
        scores={"overall": 60.0, "response": 55.55},
        metrics={"sent": {"value": 1000.0, "unit": "count"}},
    )
    after = audit(
        finding("spam-rate", "pass", value=0.001, unit="ratio"),
        finding("ctr", "warn", value=0.02, unit="ratio", message="click rate fell"),
        period={"label": "2026-Q3"},
        scores={"overall": 65.25, "response": None},
        metrics={"sent": {"value": 1500.0, "unit": "count"}},
    )
    text = render_diff_text(diff_results(before, after))
    assert text == (
        "Ebro (ebro): 2026-Q2 -> 2026-Q3\n"
        "\n"
        "score        2026-Q2 2026-Q3   delta\n"
        "overall         60.0    65.2    +5.2\n"
        "response        55.5       —       —\n"
        "\n"
        "New findings: fail or warn now, not then (1)\n"
        "  WARN  ctr        click rate fell\n"
        "\n"
        "Resolved findings: fail or warn then, pass now (1)\n"
        "  FAIL  spam-rate  -> pass\n"
        "\n"
        "Findings whose status changed (2)\n"
        "  spam-rate            fail -> pass                 0.4% -> 0.1%\n"
        "  ctr                  pass -> warn                   3% -> 2%\n"
        "\n"
        "Metrics that changed (1)\n"
        "  sent           1,000 ->          1,500      +50%\n"
    )
    empty = render_diff_text(
        diff_results(audit(period={"label": "A"}), audit(period={"label": "B"}))
    )
    assert "New findings: fail or warn now, not then (none)" in empty
    assert "score              A       B   delta\noverall            —       —       —\n" in empty
    assert "Metrics that changed (none)" in empty


def test_missing_keys_units_and_a_metric_on_one_side_only():
    assert new_failures({}, {}) == []
    assert resolved_findings({}, {}) == []
    before = audit(
        finding("a", "fail", unit="ratio"),
        finding("b", "pass"),
        metrics={"old": {"value": 2.0, "unit": "money"}, "plain": {"value": 1.0}},
        client="Ebro",
        client_slug="ebro-old",
    )
    after = audit(
        finding("a", "warn"),  # no unit now: the earlier one is kept
        finding("b", "fail"),  # no unit on either side
        metrics={"fresh": {"value": 3.0, "unit": "count"}, "plain": {"value": 1.0000000001}},
        client_slug="ebro",
    )
    diff = diff_results(before, after)
    assert diff["client_slug"] == "ebro"
    rows = {m["metric"]: m for m in diff["metrics"]}
    assert rows["fresh"]["unit"] == "count"
    assert rows["old"] == {
        "metric": "old",
        "unit": "money",
        "before": 2.0,
        "after": None,
        "delta": None,
        "change": None,
    }
    assert rows["plain"]["unit"] == ""  # a relative change of 1e-10 is still a change
    changed = {f["rule"]: f for f in diff["findings"]}
    assert changed["a"]["unit"] == "ratio"
    assert changed["b"]["unit"] == ""
    assert diff["new"][0]["unit"] == ""


def test_the_table_in_spanish_with_the_clients_currency_and_long_labels():
    before = audit(
        period={"label": "2025-07 a 2026-06"},
        metrics={"revenue": {"value": 1500.0, "unit": "money"}},
        client="Ebro",
        client_slug="ebro",
    )
    after = audit(
        finding("new-rule", "fail", message="nuevo"),
        period={"label": "2026-07 a 2027-06"},
        metrics={"revenue": {"value": 0.0, "unit": "money"}},
        undefined={"leads": "sin datos"},
    )
    before["metrics"]["leads"] = {"value": 10.0, "unit": "count"}
    text = render_diff_text(diff_results(before, after), language="es", currency="USD")
    lines = text.splitlines()
    assert lines[2] == "score        2025-07 a 2026-06 2026-07 a 2027-06   delta"
    assert "  new-rule        (absent) -> fail                    — -> —" in lines
    assert "  leads                10 ->              —         —" in lines
    assert "  revenue       1.500\u00a0US$ ->       0,00\u00a0US$    -100\u00a0%" in lines
