"""Unit tests for rule packs: `auditor rules test` (RULES.md "Unit tests for rules").

A test file names the pack(s) under test and lists cases: metric values in,
expected findings out.  The values are used exactly as given (a KPI such as
`unsubscribe_rate` is not recomputed from base metrics), so a case pins the
boundary it is about and nothing else; only metrics a pack declares are
computed, because their formula is part of what the pack's author tests.

A failing case reports only the fields that differ, one line each, so a CI log
says what broke.  A test file that cannot be trusted (unknown key, unknown
rule id or metric, broken pack) is bad input, never a silent pass.

    report = run_test_files([Path("tests/rules")])
    assert report.exit_code == 0, report.text()"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from pydantic import ValidationError

from auditor.core.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, InputError, Problem
from auditor.core.validation import problems_from
from auditor.core.yamlpos import Located, load_yaml_file
from auditor.rules.case_runner import _FileRunner, _run_case
from auditor.rules.case_spec import SuiteSpec


@dataclass
class CaseResult:
    """One case's outcome; `differences` are `rule: field: expected X, got Y` lines."""

    __test__ = False

    name: str
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.differences


@dataclass
class FileResult:
    """One test file: its cases, or the problems that kept it from running."""

    __test__ = False

    file: str
    cases: list[CaseResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class TestReport:
    """Every test file's results; what the CLI prints and `--junit` writes."""

    __test__ = False

    files: list[FileResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(c.passed for f in self.files for c in f.cases)

    @property
    def failed(self) -> int:
        return sum(not c.passed for f in self.files for c in f.cases)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def exit_code(self) -> int:
        """2 if any test file or pack is bad, else 1 if any case failed, else 0."""
        if self.problems:
            return EXIT_BAD_INPUT
        return EXIT_FINDINGS if self.failed else EXIT_OK

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    def failure_lines(self) -> list[str]:
        """`FAIL file: "case": rule: field: expected X, got Y`, one per difference."""
        return [
            f'FAIL {f.file}: "{c.name}": {difference}'
            for f in self.files
            for c in f.cases
            for difference in c.differences
        ]

    def pass_lines(self) -> list[str]:
        return [f'PASS {f.file}: "{c.name}"' for f in self.files for c in f.cases if c.passed]

    def text(self) -> str:
        """Failures, problems and the summary, as the CLI prints them."""
        lines = [*self.failure_lines(), *(f"error: {p}" for p in self.problems), self.summary()]
        return "\n".join(lines)

    def junit(self) -> str:
        """JUnit XML: one <testsuite> per test file, one <testcase> per case."""
        root = ET.Element("testsuites", name="auditor rules test")
        totals = {"tests": 0, "failures": 0, "errors": 0}
        for result in self.files:
            failures = sum(not c.passed for c in result.cases)
            errors = 1 if result.problems else 0
            tests = len(result.cases) + errors
            seconds = sum(c.seconds for c in result.cases)
            suite = ET.SubElement(
                root,
                "testsuite",
                name=result.file,
                tests=str(tests),
                failures=str(failures),
                errors=str(errors),
                skipped="0",
                time=f"{seconds:.3f}",
            )
            for case in result.cases:
                element = ET.SubElement(
                    suite,
                    "testcase",
                    classname=result.file,
                    name=case.name,
                    time=f"{case.seconds:.3f}",
                )
                if not case.passed:
                    failure = ET.SubElement(element, "failure", message="; ".join(case.differences))
                    failure.text = "\n".join(case.differences)
            if result.problems:
                element = ET.SubElement(
                    suite, "testcase", classname=result.file, name="(test file)", time="0.000"
                )
                error = ET.SubElement(
                    element,
                    "error",
                    message=f"bad test file or pack: {result.problems[0]}",
                    type="InputError",
                )
                error.text = "\n".join(str(p) for p in result.problems)
            for key, value in (("tests", tests), ("failures", failures), ("errors", errors)):
                totals[key] += value
        for key, value in totals.items():
            root.set(key, str(value))
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# ---------------------------------------------------------------- discovery


def find_test_files(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """Files to run: each file as given, each folder's *.yaml / *.yml (not recursive)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            if not found:
                problems.append(Problem("no test files (*.yaml, *.yml) in this folder", str(path)))
            files.extend(found)
        else:
            files.append(path)
    return list(dict.fromkeys(files)), problems


def run_test_files(paths: list[Path]) -> TestReport:
    """Run every case of every test file (files or folders); never raises for bad input."""
    files, problems = find_test_files(paths)
    report = TestReport()
    if problems:
        report.files.append(FileResult(problems[0].file or "", problems=problems))
    for path in files:
        report.files.append(run_test_file(path))
    return report


def run_test_file(path: Path) -> FileResult:
    """One test file's results; its problems if the file or its pack is bad."""
    result = FileResult(str(path))
    try:
        located = load_yaml_file(path)
        suite = _parse_suite(located)
    except InputError as exc:
        result.problems = list(exc.problems)
        return result
    runner = _FileRunner(path, located, suite)
    prepared = [runner.prepare(index, case) for index, case in enumerate(suite.cases)]
    if runner.problems:
        result.problems = sorted(
            dict.fromkeys(runner.problems),
            key=lambda p: (p.file != result.file, p.file or "", p.line or 0, p.col or 0),
        )
        return result
    for case, ready in zip(suite.cases, prepared, strict=True):
        assert ready is not None
        started = time.perf_counter()
        differences = _run_case(case, ready)
        result.cases.append(CaseResult(case.name, differences, time.perf_counter() - started))
    return result


def _parse_suite(located: Located) -> SuiteSpec:
    if not isinstance(located.data, dict):
        raise InputError(
            located.problem((), "a rule test file is a mapping with 'pack' and 'cases'")
        )
    try:
        suite = SuiteSpec.model_validate(located.data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, located, SuiteSpec)) from None
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, case in enumerate(suite.cases):
        if case.name in seen:
            problems.append(
                located.problem(
                    ("cases", index, "name"),
                    f"duplicate case name (first at cases[{seen[case.name]}])",
                    at_value=True,
                )
            )
        seen.setdefault(case.name, index)
    if problems:
        raise InputError(problems)
    return suite
