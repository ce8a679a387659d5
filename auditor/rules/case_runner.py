"""One rule-test case made ready and judged: its metrics built from literals, the rule
evaluated, each expected field compared."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from auditor.core.errors import InputError, Problem
from auditor.core.models import STATUSES, MetricValue, PeriodMetrics
from auditor.core.period import Period, PeriodError, parse_period
from auditor.core.validation import did_you_mean
from auditor.core.yamlpos import KeyPath, Located, format_path
from auditor.metrics.calculator import add_derived
from auditor.metrics.catalog import ALL_METRIC_IDS, BASE_BY_ID, KPI_BY_ID
from auditor.rules.case_spec import (
    _BARE,
    _SECTIONS,
    ABS_TOLERANCE,
    CLIENT,
    CONTAINS_FIELDS,
    DEFAULT_PERIOD,
    EXPECT_FIELDS,
    REL_TOLERANCE,
    CaseSpec,
    SuiteSpec,
)
from auditor.rules.engine import evaluate
from auditor.rules.loader import RuleSet, load_rules
from auditor.rules.model import literal_kind, parse_threshold


@dataclass(frozen=True)
class _Ready:
    rule_set: RuleSet
    metrics: PeriodMetrics
    today: date


class _FileRunner:
    """Loads the pack once per (today, overrides) and turns cases into metrics."""

    def __init__(self, path: Path, located: Located, suite: SuiteSpec) -> None:
        self.path = path
        self.located = located
        self.suite = suite
        self.problems: list[Problem] = []
        self._cache: dict[date, RuleSet | None] = {}

    def rule_set(self, index: int, case: CaseSpec, today: date) -> RuleSet | None:
        if not case.overrides and today in self._cache:
            return self._cache[today]
        overrides_at = _overrides_located(self.located, index)
        try:
            rule_set = load_rules(
                self.suite.pack_refs,
                self.path.parent,
                case.overrides,
                overrides_at if case.overrides else None,
                today,
            )
        except InputError as exc:
            self.problems.extend(_renamed(p, self.located.file, index) for p in exc.problems)
            rule_set = None
        if not case.overrides:
            self._cache[today] = rule_set
        return rule_set

    def prepare(self, index: int, case: CaseSpec) -> _Ready | None:
        at: KeyPath = ("cases", index)
        today = case.today or date.today()
        period = self._period(index, case)
        for rule_id, expected in case.expect.items():
            self._check_expect(index, rule_id, expected)
        rule_set = self.rule_set(index, case, today)
        # Without the case's overrides, to report unknown ids even when an override is bad.
        known_set = rule_set or (
            self.rule_set(index, _plain(case), today) if case.overrides else None
        )
        if known_set is None:
            return None
        known = {r.id for r in known_set.rules}
        for rule_id in case.expect:
            if rule_id not in known:
                self.problems.append(
                    self.located.problem(
                        (*at, "expect", rule_id),
                        f"rule '{rule_id}' is not in the pack(s) under test "
                        f"({', '.join(self.suite.pack_refs)}){did_you_mean(rule_id, known)}",
                    )
                )
        metrics = self._metrics(index, case, known_set, period or parse_period(DEFAULT_PERIOD))
        if metrics is None or rule_set is None or period is None:
            return None
        return _Ready(rule_set, metrics, today)

    def _period(self, index: int, case: CaseSpec) -> Period | None:
        try:
            return parse_period(case.period if case.period is not None else DEFAULT_PERIOD)
        except PeriodError as exc:
            self.problems.append(
                self.located.problem(("cases", index, "period"), str(exc), at_value=True)
            )
            return None

    def _check_expect(self, index: int, rule_id: str, expected: Mapping[str, Any]) -> None:
        for key, value in expected.items():
            path: KeyPath = ("cases", index, "expect", rule_id, key)
            if key not in EXPECT_FIELDS:
                hint = did_you_mean(key, EXPECT_FIELDS) or (
                    f" (expected one of: {', '.join(EXPECT_FIELDS)})"
                )
                self.problems.append(self.located.problem(path, f"unknown field{hint}"))
            elif key in ("status", "waived_status") and value not in STATUSES:
                if value is None and key == "waived_status":
                    continue
                self.problems.append(
                    self.located.problem(
                        path,
                        f"unknown status {value!r}{did_you_mean(str(value), STATUSES)}; "
                        f"statuses: {', '.join(STATUSES)}",
                        at_value=True,
                    )
                )
            elif key in CONTAINS_FIELDS and not isinstance(value, str):
                self.problems.append(
                    self.located.problem(path, "expected a text to look for", at_value=True)
                )

    def _metrics(
        self, index: int, case: CaseSpec, rule_set: RuleSet, period: Period
    ) -> PeriodMetrics | None:
        units = {m: _unit(m) for m in ALL_METRIC_IDS} | {
            k: unit for k, (_, unit, _) in rule_set.derived.items()
        }
        parsed: dict[str, dict[str, float | None]] = {}
        ok = True
        for section in _SECTIONS:
            parsed[section] = {}
            for metric_id, raw in getattr(case, section).items():
                path: KeyPath = ("cases", index, section, metric_id)
                if metric_id not in units:
                    self.problems.append(
                        self.located.problem(
                            path, f"unknown metric id{did_you_mean(metric_id, units)}"
                        )
                    )
                    ok = False
                    continue
                value, error = metric_literal(raw, metric_id, units[metric_id])
                if error is not None:
                    self.problems.append(self.located.problem(path, error, at_value=True))
                    ok = False
                    continue
                parsed[section][metric_id] = value
        if not ok:
            return None
        return build_metrics(
            period, parsed["metrics"], parsed["previous"], parsed["last_year"], rule_set
        )


def _plain(case: CaseSpec) -> CaseSpec:
    """The case without its overrides."""
    return case.model_copy(update={"overrides": {}})


def _overrides_located(located: Located, index: int) -> Located:
    """The case's `overrides` seen where the loader expects a config's `rules.overrides`."""
    prefix: KeyPath = ("cases", index, "overrides")

    def remap(positions: Mapping[KeyPath, tuple[int, int]]) -> dict[KeyPath, tuple[int, int]]:
        out = {
            ("rules", "overrides", *path[len(prefix) :]): where
            for path, where in positions.items()
            if path[: len(prefix)] == prefix
        }
        if prefix in positions:
            out[("rules",)] = positions[prefix]
        return out

    return Located(None, located.file, remap(located.positions), remap(located.value_positions))


def _renamed(problem: Problem, file: str, index: int) -> Problem:
    """A loader problem in the test file, with the test file's own key path."""
    if problem.file == file and problem.path and problem.path.startswith("rules.overrides"):
        path = format_path(("cases", index, "overrides")) + problem.path[len("rules.overrides") :]
        return Problem(problem.message, problem.file, problem.line, problem.col, path)
    return problem


def _unit(metric_id: str) -> str:
    return BASE_BY_ID[metric_id].unit if metric_id in BASE_BY_ID else KPI_BY_ID[metric_id].unit


def metric_literal(raw: Any, metric_id: str, unit: str) -> tuple[float | None, str | None]:
    """A metric value as written in a case -> (value, None) or (None, why it is wrong).

    The same unit rules as pack thresholds: `1.2%` only on ratios, a bare number
    of 1 or more on a ratio is a scale mistake, `pp` is for changes, not values.
    """
    if raw is None:
        return None, None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None, f"expected a number or a percentage such as 1.2%, got {raw!r}"
    kind = literal_kind(raw)
    if kind == "points":
        return None, "'pp' is for changes; give the metric's value (e.g. 1.2% or 0.012)"
    if kind == "percent" and unit != "ratio":
        return None, f"{metric_id} is a {unit}, not a ratio: '{raw}' is a percentage"
    try:
        value = parse_threshold(raw)
    except ValueError as exc:
        return None, str(exc)
    if unit == "ratio" and kind == "number" and abs(value) >= 1:
        return None, (
            f"{metric_id} is a ratio (0..1): {raw} would mean {value * 100:g}%; "
            f"did you mean {raw}%?"
        )
    return value, None


def build_metrics(
    period: Period,
    current: Mapping[str, float | None],
    previous: Mapping[str, float | None],
    last_year: Mapping[str, float | None],
    rule_set: RuleSet,
) -> PeriodMetrics:
    """The PeriodMetrics a case describes: values as given, pack metrics computed.

    Every catalog metric is present, as in a real audit (one not given is not
    measured), so message templates that read `metrics.*` render as they would.
    A pack-declared metric given in any section is taken as given, not computed.
    """
    values: dict[str, MetricValue] = {}
    derived = dict(rule_set.derived)
    given = set(current) | set(previous) | set(last_year)
    for metric_id in (*ALL_METRIC_IDS, *(k for k in derived if k in given)):
        if metric_id in derived:
            _, unit, category = derived[metric_id]
            kind, formula = "pack", derived[metric_id][0].text
        elif metric_id in BASE_BY_ID:
            unit, category = BASE_BY_ID[metric_id].unit, BASE_BY_ID[metric_id].category
            kind, formula = "base", None
        else:
            kpi = KPI_BY_ID[metric_id]
            unit, category, kind, formula = kpi.unit, kpi.category, "derived", kpi.formula
        value, before = current.get(metric_id), previous.get(metric_id)
        change = None
        if value is not None and before is not None and before != 0:
            change = (value - before) / abs(before)
        values[metric_id] = MetricValue(
            metric_id,
            category,
            unit,
            kind,
            value,
            None if value is not None else f"not measured in {period.label}",
            before,
            change,
            formula,
        )
    metrics = PeriodMetrics(period, period.previous(), values, dict(last_year))
    return add_derived(metrics, {k: v for k, v in derived.items() if k not in given})


# ---------------------------------------------------------------- judging a case


def _run_case(case: CaseSpec, ready: _Ready) -> list[str]:
    findings = {
        f.rule: f
        for f in evaluate(
            ready.rule_set,
            ready.metrics,
            language=case.language,
            currency=case.currency,
            client=CLIENT,
            today=ready.today,
        )
    }
    differences: list[str] = []
    for rule_id, expected in case.expect.items():
        finding = findings.get(rule_id)
        if finding is None:
            differences.append(
                f"{rule_id}: no finding: the rule is disabled (enabled: false), "
                "so it is not evaluated"
            )
            continue
        actual = finding.to_json()
        for key, wanted in expected.items():
            if key in CONTAINS_FIELDS:
                text = actual[CONTAINS_FIELDS[key]] or ""
                if wanted not in text:
                    differences.append(
                        f"{rule_id}: {CONTAINS_FIELDS[key]}: expected to contain "
                        f"{_quote(wanted)}, got {_quote(text)}"
                    )
            elif not same(wanted, actual[key]):
                differences.append(
                    f"{rule_id}: {key}: expected {show(wanted)}, got {show(actual[key], wanted)}"
                )
    return differences


def same(expected: Any, actual: Any) -> bool:
    """Expected matches actual: numbers within tolerance (`1%` allowed), maps as subsets."""
    if _is_number(actual):
        if isinstance(expected, str):
            try:
                expected = parse_threshold(expected)
            except ValueError:
                return False
        if not _is_number(expected):
            return False
        if not (math.isfinite(expected) and math.isfinite(actual)):
            return bool(expected == actual)
        return bool(abs(actual - expected) <= max(REL_TOLERANCE * abs(expected), ABS_TOLERANCE))
    if isinstance(actual, Mapping):
        return isinstance(expected, Mapping) and all(
            key in actual and same(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(actual, list | tuple):
        return (
            isinstance(expected, list | tuple)
            and len(expected) == len(actual)
            and all(same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(actual, str) and isinstance(expected, date):
        return actual == expected.isoformat()
    return type(expected) is type(actual) and expected == actual


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def show(value: Any, like: Any = None) -> str:
    """A value in a difference line: `fail`, `0.012`, `1.2%`, `null`, `"a message"`.

    A number is shown the way the expectation was written (`1.5%` next to an
    expected `1.4%`, `-0.5pp` next to `-0.3pp`), so the two read alike.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        kind = literal_kind(like)
        if kind != "number" and math.isfinite(value):
            hundred = format((Decimal(repr(float(value))) * 100).normalize(), "f")
            return f"{hundred}{'%' if kind == 'percent' else 'pp'}"
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value if _BARE.match(value) else _quote(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
