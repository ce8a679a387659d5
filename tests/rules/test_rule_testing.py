"""The rule unit-test runner (auditor.rules.testing): RULES.md "Unit tests for rules"."""

from __future__ import annotations

import shutil
import textwrap
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
import yaml

from auditor.core.period import parse_period
from auditor.rules.case_runner import build_metrics, metric_literal, same, show
from auditor.rules.loader import load_rules
from auditor.rules.testing import run_test_file, run_test_files
from tests.helpers import ROOT

FIXTURES = Path("tests/fixtures/rule_tests")
WRONG = FIXTURES / "failing" / "wrong_expectations.yaml"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in messages are relative to the working directory: run from the repo root."""
    monkeypatch.chdir(ROOT)


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def base_pack_in(folder: Path) -> None:
    """Copy the fixture pack next to a test file written in `folder`."""
    shutil.copy(FIXTURES / "packs" / "base.yaml", folder / "base.yaml")


# ---------------------------------------------------------------- whole files


def test_fixture_tests_all_pass():
    """The Python API a project's own pytest suite can call."""
    report = run_test_files([FIXTURES])
    cases = sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["cases"]) for p in FIXTURES.glob("*.yaml")
    )
    assert report.text() == f"{cases} passed, 0 failed"
    assert (report.passed, report.failed, report.exit_code) == (cases, 0, 0)
    assert [f.file for f in report.files] == [
        "tests/fixtures/rule_tests/agency_test.yaml",
        "tests/fixtures/rule_tests/base_test.yaml",
        "tests/fixtures/rule_tests/default_test.yaml",
    ]


def test_wrong_expectations_report_only_the_differences():
    report = run_test_files([WRONG])
    prefix = "FAIL tests/fixtures/rule_tests/failing/wrong_expectations.yaml"
    assert report.failure_lines() == [
        f'{prefix}: "1.2% unsubscribes fail": unsubscribe-rate: status: expected warn, got fail',
        f'{prefix}: "25% opens": open-rate: status: expected pass, got warn',
        f'{prefix}: "25% opens": open-rate: value: expected 24%, got 25%',
        f'{prefix}: "25% opens": open-rate: message: expected to contain "24%", '
        'got "Open rate is 25%."',
    ]
    assert report.summary() == "1 passed, 2 failed"
    assert report.exit_code == 1
    # matching fields (category: response) are not mentioned
    assert "category" not in report.text()


def test_junit_has_one_suite_per_file_and_one_case_per_case():
    report = run_test_files([WRONG, FIXTURES / "base_test.yaml"])
    root = ET.fromstring(report.junit())
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(WRONG), str(FIXTURES / "base_test.yaml")]
    assert [len(s.findall("testcase")) for s in suites] == [3, 2]
    assert [s.get("failures") for s in suites] == ["2", "0"]
    assert root.get("tests") == "5"
    assert root.get("failures") == "2"
    case = suites[0].find("testcase")
    assert case is not None
    assert case.get("classname") == str(WRONG)
    assert case.get("name") == "1.2% unsubscribes fail"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "unsubscribe-rate: status: expected warn, got fail"


def test_bad_test_files_are_located_and_nothing_runs():
    report = run_test_files([FIXTURES / "bad"])
    assert report.exit_code == 2
    assert (report.passed, report.failed) == (0, 0)
    problems = [str(p) for p in report.problems]
    bad = "tests/fixtures/rule_tests/bad"
    assert problems == [
        f"{bad}/unknown_key.yaml:4:5: cases[0].metricz: unknown key (did you mean 'metrics'?)",
        f"{bad}/unknown_rule.yaml:6:7: cases[0].expect.unsubscribe-rates: rule "
        "'unsubscribe-rates' is not in the pack(s) under test (../packs/base.yaml) "
        "(did you mean 'unsubscribe-rate'?)",
        f"{bad}/unknown_rule.yaml:7:26: cases[0].expect.unsubscribe-rate.stauts: "
        "unknown field (did you mean 'status'?)",
        f"{bad}/unknown_rule.yaml:9:33: cases[1].metrics.unsubscribe_rate: unsubscribe_rate "
        "is a ratio (0..1): 2 would mean 200%; did you mean 2%?",
        f"{bad}/unknown_rule.yaml:9:36: cases[1].metrics.emails_delivred: unknown metric id "
        "(did you mean 'emails_delivered'?)",
        f"{bad}/unknown_rule.yaml:10:56: cases[1].overrides.unsubscribe-rate.thresholds.fail"
        ".abov: unknown key (did you mean 'above'?)",
        f"{bad}/unknown_rule.yaml:12:34: cases[1].expect.unsubscribe-rate.status: unknown "
        "status 'failed' (did you mean 'fail'?); statuses: pass, warn, fail, no_data, "
        "not_applicable, error, waived",
    ]
    root = ET.fromstring(report.junit())
    assert root.get("errors") == "2"
    assert (
        root.findall("testsuite/testcase/error")[0]
        .get("message", "")
        .startswith("bad test file or pack: ")
    )


def test_pack_and_file_shape_errors(tmp_path):
    both = write(tmp_path, "both.yaml", "pack: default\npacks: [default]\ncases: []\n")
    neither = write(
        tmp_path,
        "neither.yaml",
        "cases:\n  - {name: a, expect: {unsubscribe-rate: {status: fail}}}\n",
    )
    empty_expect = write(
        tmp_path, "empty.yaml", "pack: default\ncases:\n  - {name: a, expect: {}}\n"
    )
    duplicate = write(
        tmp_path,
        "duplicate.yaml",
        """\
        pack: default
        cases:
          - {name: same, expect: {unsubscribe-rate: {status: no_data}}}
          - {name: same, expect: {unsubscribe-rate: {status: no_data}}}
        """,
    )
    not_a_map = write(tmp_path, "list.yaml", "- pack: default\n")
    messages = {
        path.name: [p.message for p in run_test_file(path).problems]
        for path in (both, neither, empty_expect, duplicate, not_a_map)
    }
    assert messages == {
        "both.yaml": [
            "list should have at least 1 item after validation, not 0",
        ],
        "neither.yaml": [
            "name the pack under test: 'pack: default' or 'pack: ../rules/my-pack.yaml'"
        ],
        "empty.yaml": ["dictionary should have at least 1 item after validation, not 0"],
        "duplicate.yaml": ["duplicate case name (first at cases[0])"],
        "list.yaml": ["a rule test file is a mapping with 'pack' and 'cases'"],
    }
    both_fixed = write(
        tmp_path,
        "both2.yaml",
        """\
        pack: default
        packs: [default]
        cases:
          - {name: a, expect: {unsubscribe-rate: {status: no_data}}}
        """,
    )
    assert [p.message for p in run_test_file(both_fixed).problems] == [
        "give either 'pack' or 'packs', not both"
    ]


def test_a_broken_pack_is_bad_input_located_in_the_pack(tmp_path):
    shutil.copy(FIXTURES / "validate" / "broken.yaml", tmp_path / "broken.yaml")
    path = write(
        tmp_path,
        "t.yaml",
        """\
        pack: ./broken.yaml
        cases:
          - {name: a, expect: {click-rate: {status: fail}}}
          - {name: b, expect: {click-rate: {status: pass}}}
        """,
    )
    result = run_test_file(path)
    assert result.cases == []
    # reported once, not once per case
    assert [str(p).split(": ", 1)[1] for p in result.problems] == [
        "rules[0].thresholds.warn.belw: unknown key (did you mean 'below'?)"
    ]
    assert result.problems[0].file is not None
    assert result.problems[0].file.endswith("broken.yaml")
    assert (result.problems[0].line, result.problems[0].col) == (12, 14)


def test_missing_file_and_empty_folder(tmp_path):
    report = run_test_files([tmp_path / "nope.yaml", tmp_path])
    assert [str(p) for p in report.problems] == [
        f"{tmp_path}: no test files (*.yaml, *.yml) in this folder",
        f"{tmp_path / 'nope.yaml'}: file not found",
    ]
    assert report.exit_code == 2


def test_a_disabled_rule_has_no_finding(tmp_path):
    base_pack_in(tmp_path)
    path = write(
        tmp_path,
        "t.yaml",
        """\
        packs: [./base.yaml]
        cases:
          - name: switched off
            metrics: {unsubscribe_rate: 2%, emails_delivered: 1000}
            overrides: {unsubscribe-rate: {enabled: false}}
            expect: {unsubscribe-rate: {status: fail}}
        """,
    )
    result = run_test_file(path)
    assert result.cases[0].differences == [
        "unsubscribe-rate: no finding: the rule is disabled (enabled: false), so it is not evaluated"
    ]


def test_period_language_currency_and_today(tmp_path):
    base_pack_in(tmp_path)
    path = write(
        tmp_path,
        "t.yaml",
        """\
        pack: ./base.yaml
        cases:
          - name: period names the missing data
            period: 2025-07
            metrics: {}
            expect:
              unsubscribe-rate: {status: no_data, message: "No data: not measured in 2025-07."}
          - name: waiver in force on the given day
            today: 2026-11-23
            metrics: {closed_loop_coverage: 10%}
            overrides:
              closed-loop-coverage: {waiver: {reason: migration, until: 2026-11-23}}
            expect:
              closed-loop-coverage: {status: waived, waived_status: fail, waiver: {until: 2026-11-23}}
          - name: waiver over the day after
            today: 2026-11-24
            metrics: {closed_loop_coverage: 10%}
            overrides:
              closed-loop-coverage: {waiver: {reason: migration, until: 2026-11-23}}
            expect:
              closed-loop-coverage: {status: fail, waived_status: null}
          - name: Spanish
            language: es
            metrics: {closed_loop_coverage: 10%}
            expect:
              closed-loop-coverage: {message: "El 10\u00a0% de los negocios tiene origen conocido."}
          - name: bad period
            period: 2026-Q9
            expect: {open-rate: {status: no_data}}
        """,
    )
    result = run_test_file(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:28:13: cases[4].period: '2026-Q9' is not a period; expected '2026-Q3', "
        "'2026-H2', '2026-07', '2026' or {start: 2026-07-01, end: 2026-09-30}"
    ]
    path.write_text(path.read_text(encoding="utf-8").split("  - name: bad period")[0])
    result = run_test_file(path)
    assert result.problems == []
    assert [c.differences for c in result.cases] == [[], [], [], []]


def test_kpis_are_taken_as_given_and_pack_metrics_computed():
    rule_set = load_rules([str(FIXTURES / "packs" / "agency.yaml")], ROOT)
    q3 = parse_period("2026-Q3")
    metrics = build_metrics(
        q3,
        {"unsubscribe_rate": 0.001, "unsubscribes": 500, "emails_delivered": 1000, "sqls": 3},
        {"sqls": 2},
        {"leads_new": 100},
        rule_set,
    )
    assert metrics.value("unsubscribe_rate") == 0.001  # not 500 / 1000
    assert metrics.values["unsubscribe_rate"].kind == "derived"
    assert metrics.values["emails_sent"].value is None
    assert metrics.values["emails_sent"].reason == "not measured in 2026-Q3"
    assert metrics.values["sqls"].previous == 2
    assert metrics.values["sqls"].change == 0.5
    assert metrics.last_year == {"leads_new": 100, "sql_per_lead": None}
    # the pack's own metric is computed (leads_new is not given: undefined)
    assert metrics.values["sql_per_lead"].kind == "pack"
    assert metrics.value("sql_per_lead") is None
    given = build_metrics(q3, {"sql_per_lead": 0.2}, {}, {}, rule_set)
    assert given.value("sql_per_lead") == 0.2


# ---------------------------------------------------------------- literals and comparison


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("1.2%", "ratio", (0.012, None)),
        (0.012, "ratio", (0.012, None)),
        (20000, "count", (20000.0, None)),
        (None, "count", (None, None)),
        (
            2,
            "ratio",
            (None, "m is a ratio (0..1): 2 would mean 200%; did you mean 2%?"),
        ),
        ("5%", "count", (None, "m is a count, not a ratio: '5%' is a percentage")),
        (
            "-0.3pp",
            "ratio",
            (None, "'pp' is for changes; give the metric's value (e.g. 1.2% or 0.012)"),
        ),
        (True, "count", (None, "expected a number or a percentage such as 1.2%, got True")),
        (
            "lots",
            "count",
            (None, "expected a number or a percentage such as 1%, got 'lots'"),
        ),
    ],
)
def test_metric_literals(raw, unit, expected):
    assert metric_literal(raw, "m", unit) == expected


def test_numbers_compare_with_a_tolerance_and_percent_literals():
    assert same("1%", 0.01)
    assert same(0.3, 0.1 + 0.2)
    assert same("-0.3pp", 0.025 - 0.028)
    assert not same(0.3001, 0.3)
    assert not same("fail", 0.3)
    assert same(0, 0.0)
    assert not same(True, 1.0)
    assert same(None, None)
    assert not same(0, None)
    assert same({"until": date(2026, 12, 31)}, {"until": "2026-12-31", "reason": "x"})
    assert not same({"until": date(2026, 12, 31)}, None)
    assert same([1, "2%"], [1.0, 0.02])
    assert not same([1], [1.0, 0.02])
    assert same("fail", "fail")
    assert not same("Fail", "fail")


def test_differences_show_values_as_written():
    assert show(0.015, "1.4%") == "1.5%"
    assert show(-0.005, "-0.3pp") == "-0.5pp"
    assert show(0.015, 0.014) == "0.015"
    assert show(None) == "null"
    assert show("fail") == "fail"
    assert show("Open rate is 25%.") == '"Open rate is 25%."'
    assert show({"a": 1}) == '{"a": 1}'
