"""Semantic checks on a rule that a schema cannot express (RULES.md "Validation").

Unknown metric ids, literals that do not fit the unit being judged (a bare `1`
on a ratio, `%` on a count, `pp` outside a change in points), change modes that
do not fit the metric, bands that can never trigger or point both ways, and
expired waivers (a warning: the rule is simply judged again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any

from auditor.core.validation import did_you_mean
from auditor.core.yamlpos import KeyPath
from auditor.rules.model import Rule, literal_kind

Report = Callable[[KeyPath, str], None]
UNIT_NOUNS = {
    "count": "a count",
    "money": "an amount of money",
    "months": "a number of months",
    "multiple": "a multiple (x:1)",
    "ratio": "a ratio",
    "points": "a change in points",
}


def _literals(raw: Mapping[str, Any]) -> Iterator[tuple[KeyPath, Any]]:
    thresholds = raw.get("thresholds")
    if isinstance(thresholds, Mapping):
        for level, band in thresholds.items():
            if isinstance(band, Mapping):
                for comparator, literal in band.items():
                    for item in literal if isinstance(literal, list) else [literal]:
                        yield ("thresholds", level, comparator), item
    score = raw.get("score")
    if isinstance(score, Mapping):
        for key in ("good", "median"):
            if key in score:
                yield ("score", key), score[key]


def _literal_problem(literal: Any, judged_unit: str, subject: str) -> str | None:
    kind = literal_kind(literal)
    is_number = isinstance(literal, int | float) and not isinstance(literal, bool)
    if kind == "points" and judged_unit != "points":
        return "'pp' (percentage points) is only valid with compare.change: points"
    if judged_unit == "points":
        if kind == "percent":
            return f"a change in points is written in pp (e.g. {literal.strip()[:-1].strip()}pp), not %"
        if is_number and abs(literal) >= 1:
            return (
                f"{subject} is a difference of ratios: {literal} would mean {literal * 100:g} "
                f"points; did you mean {literal}pp?"
            )
        return None
    if kind == "percent" and judged_unit != "ratio":
        noun = UNIT_NOUNS.get(judged_unit, judged_unit)
        return f"{subject} is {noun}, not a ratio: '{literal}' is a percentage"
    if judged_unit == "ratio" and is_number and abs(literal) >= 1:
        return f"{subject} is a ratio (0..1): {literal} would mean {literal * 100:g}%; did you mean {literal}%?"
    return None


def _bands(rule: Rule, at: Report) -> None:
    if rule.thresholds is None:
        return
    warn, fail = rule.thresholds.warn, rule.thresholds.fail
    if warn is None or fail is None or "between" in (warn.comparator, fail.comparator):
        return
    up = {"above", "at_least"}
    if (warn.comparator in up) != (fail.comparator in up):
        at(
            ("thresholds", "warn"),
            "warn and fail bands point in opposite directions "
            "(one is above/at_least, the other below/at_most)",
        )
        return
    higher_is_bad = warn.comparator in up
    reachable = warn.limit < fail.limit if higher_is_bad else warn.limit > fail.limit
    if warn.limit == fail.limit and warn.comparator != fail.comparator:
        reachable = (warn.comparator, fail.comparator) in {
            ("at_least", "above"),
            ("at_most", "below"),
        }
    if not reachable:
        at(
            ("thresholds", "warn"),
            "warn band can never trigger: fail is checked first and covers every value warn would match",
        )


def check_rule(
    rule: Rule,
    raw: Mapping[str, Any],
    units: Mapping[str, str],
    at: Report,
    warn: Report,
    today: date,
) -> None:
    """Report every semantic problem of one validated rule through `at` (errors) and `warn`."""
    known = list(units)
    if rule.metric not in units:
        at(("metric",), f"unknown metric id '{rule.metric}'{did_you_mean(rule.metric, known)}")
    for sample_metric in rule.min_sample:
        if sample_metric not in units:
            at(
                ("min_sample", sample_metric),
                f"unknown metric id{did_you_mean(sample_metric, known)}",
            )
    unit = units.get(rule.metric)
    if unit is not None:
        judged_unit, subject = unit, rule.metric
        if rule.compare is not None:
            mode = rule.compare.change
            if mode == "points" and unit != "ratio":
                at(
                    ("compare", "change"),
                    f"change: points needs a ratio metric; {rule.metric} is a {unit}",
                )
            elif mode == "absolute" and unit == "ratio":
                at(
                    ("compare", "change"),
                    f"{rule.metric} is a ratio: compare it with change: points (or relative)",
                )
            judged_unit = {"relative": "ratio", "points": "points"}.get(mode, unit)
            subject = f"a {mode} change of {rule.metric}"
        for path, literal in _literals(raw):
            if message := _literal_problem(literal, judged_unit, subject):
                at(path, message)
    _bands(rule, at)
    if rule.waiver is not None and rule.waiver.until < today:
        warn(
            ("waiver", "until"),
            f"waiver expired on {rule.waiver.until.isoformat()}: the rule is judged normally again "
            f"(waived because: {rule.waiver.reason})",
        )
