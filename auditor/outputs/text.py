"""The terminal summary: scores, then a ranked table of findings, worst first.

Colour only when the caller asks (the CLI asks on a terminal, never with
NO_COLOR, see `use_colour`); the text itself carries every status, so nothing
depends on colour.  The table's message column is cut to `width` terminal
cells when a width is given (the CLI passes the terminal's), and left whole
otherwise, so a CI log keeps every word.

This module also holds the small pieces every CI view shares (`value_text`,
`threshold_text`, `bands_text`, `clean`, the status words and labels): the
text, JUnit, GitHub and CI Markdown outputs format one finding the same way.
All of them read only the result dict (`AuditResult.to_json()`).
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Mapping
from typing import Any

from auditor.core import formatting, reasons, strings
from auditor.core.models import JUDGED
from auditor.core.vocabulary import CATEGORIES
from auditor.outputs import conditions

CATEGORY_ORDER = CATEGORIES

# The status as printed in every CI view: fixed English words (they are the
# contract's status values, so they are the same in a Spanish audit and grep-able).
STATUS_WORDS = {
    "fail": "FAIL",
    "warn": "WARN",
    "pass": "PASS",
    "error": "ERROR",
    "no_data": "NO DATA",
    "not_applicable": "N/A",
    "waived": "WAIVED",
}

_COLOURS = {
    "fail": "31",
    "warn": "33",
    "pass": "32",
    "error": "35",
    "no_data": "35",
    "not_applicable": "2",
    "waived": "2",
}

LABELS = strings.table("terminal")  # report_templates/strings_terminal.yaml

# Comparator -> (operator when the band triggers, operator of the pass condition).

# Line breaks and spaces that end or pad a line; a no-break space stays (it keeps
# "1,25 %" together in Spanish numbers).
_SPACES = re.compile(r"[ \t\n\r\f\v\u2028\u2029]+")


# ------------------------------------------------------------------ shared pieces
def labels_for(result: Mapping[str, Any]) -> Mapping[str, str]:
    """The label set of the result's language (English for any other)."""
    return LABELS.get(str(result.get("language") or "en"), LABELS["en"])


def language_of(result: Mapping[str, Any]) -> str:
    language = str(result.get("language") or "en")
    return language if language in LABELS else "en"


def currency_of(result: Mapping[str, Any]) -> str:
    return str((result.get("config") or {}).get("currency") or "EUR")


def clean(text: Any) -> str:
    """Text on one line: control characters (which could move the cursor, recolour or
    clear a terminal) and line breaks become single spaces, and bidi controls are shown
    as [U+202E] (`formatting.visible`)."""
    if text is None:
        return ""
    return _SPACES.sub(" ", formatting.visible(str(text))).strip(" ")


def category_order(result: Mapping[str, Any]) -> list[str]:
    """The four categories in contract order, then any other a finding names."""
    names = list(CATEGORY_ORDER)
    for finding in result.get("findings") or []:
        category = str(finding.get("category") or "")
        if category and category not in names:
            names.append(category)
    return names


def effective_status(finding: Mapping[str, Any]) -> str:
    """The status a waived finding was evaluated as; the status itself otherwise."""
    status = str(finding.get("status") or "error")
    if status == "waived" and finding.get("waived_status"):
        return str(finding["waived_status"])
    return status


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def value_text(finding: Mapping[str, Any], language: str, currency: str) -> str:
    """The judged value in its unit, or "—" when the rule judged nothing.

    An unjudged rule's `value` may be the raw metric while its bands compare a
    change: printing it beside the threshold would contradict, so it is left out
    (the message and reason say why the rule was not judged).
    """
    value = _number(finding.get("value"))
    if value is None or effective_status(finding) not in JUDGED:
        return "—"
    try:
        return formatting.metric(value, str(finding.get("unit") or "count"), language, currency)
    except (TypeError, ValueError, KeyError):  # an unknown currency code
        return formatting.number(value, language, 2)


def threshold_text(finding: Mapping[str, Any], language: str, currency: str) -> str:
    """The band that fired and the pass condition, as every output writes them
    (`conditions.condition_line`)."""
    return clean(conditions.condition_line(finding, language, currency))


def bands_text(
    finding: Mapping[str, Any], labels: Mapping[str, str], language: str, currency: str
) -> str:
    """Both bands as they trigger, then the pass condition:
    `fail if > 1 %; warn if > 0,3 %; pass if ≤ 0,3 %`."""
    raw = clean(finding.get("threshold")) or "—"
    if effective_status(finding) not in JUDGED:
        return raw
    described = conditions.describe(finding, language, currency)
    if described.passing is None:
        return raw
    parts = [f"{labels[level + '_if']} {text}" for level, text in described.bands]
    parts.append(f"{labels['pass_if']} {described.passing}")
    return clean("; ".join(parts))


def score_text(value: Any, language: str) -> str:
    number = _number(value)
    return formatting.number(number, language, 1) if number is not None else "—"


def details(
    finding: Mapping[str, Any], result: Mapping[str, Any], *, message: bool = True
) -> list[str]:
    """What and why, one fact a line: for a JUnit failure body or an annotation.

    Every line is already `clean`; the caller escapes for its format.  `message`
    False leaves the message line out (for a caller that already printed it).
    """
    labels = labels_for(result)
    language, currency = language_of(result), currency_of(result)
    status = str(finding.get("status") or "error")
    word = STATUS_WORDS.get(status, status.upper())
    title = clean(finding.get("title"))
    head = f"{word} {clean(finding.get('rule'))} ({clean(finding.get('category'))})"
    lines = [f"{head}: {title}" if title else head]
    if status == "waived":
        waived = effective_status(finding)
        lines[0] += " — " + labels["waived_was"].format(
            status=STATUS_WORDS.get(waived, waived.upper())
        )
    unit = str(finding.get("unit") or "")
    lines.append(f"{labels['measured']}: {value_text(finding, language, currency)}")
    lines.append(f"{labels['threshold']}: {bands_text(finding, labels, language, currency)}")
    compare = finding.get("compare")
    if isinstance(compare, Mapping) and compare:
        metric = (result.get("metrics") or {}).get(str(finding.get("metric") or "")) or {}
        fallback = unit if unit not in ("points", "relative") else "count"
        base_unit = str(metric.get("unit") or fallback)
        current, baseline = _number(compare.get("current")), _number(compare.get("baseline"))
        if current is not None:
            lines.append(
                f"{labels['current']}: {formatting.metric(current, base_unit, language, currency)}"
            )
        if baseline is not None:
            period = clean(compare.get("period")) or "—"
            text = formatting.metric(baseline, base_unit, language, currency)
            lines.append(f"{labels['baseline'].format(period=period)}: {text}")
    elif _number(finding.get("previous")) is not None and effective_status(finding) in JUDGED:
        period = clean((result.get("previous_period") or {}).get("label")) or "—"
        previous = formatting.metric(_number(finding["previous"]), unit, language, currency)
        lines.append(f"{labels['previous'].format(period=period)}: {previous}")
    for key in ("message", "recommendation", "reason", "source"):
        if key == "message" and not message:
            continue
        text = clean(conditions.source_text(finding) if key == "source" else finding.get(key))
        if text:
            lines.append(f"{labels[key]}: {text}")
    waiver = finding.get("waiver")
    if isinstance(waiver, Mapping) and waiver:
        text = clean(waiver.get("reason"))
        if waiver.get("until"):
            text += " (" + labels["until"].format(date=clean(waiver.get("until"))) + ")"
        lines.append(f"{labels['waiver']}: {text.strip()}")
    facts = []
    if finding.get("pack"):
        facts.append(labels["pack"].format(pack=clean(finding.get("pack"))))
    weight = _number(finding.get("weight"))
    if weight is not None:
        facts.append(labels["weight"].format(weight=formatting.number(weight, language, 2)))
    if _number(finding.get("score")) is not None:
        facts.append(labels["score"].format(score=score_text(finding.get("score"), language)))
    if finding.get("confidence") and finding.get("confidence") != "normal":
        facts.append(labels["confidence"].format(confidence=clean(finding.get("confidence"))))
    if facts:
        lines.append(f"{labels['rule']}: " + " · ".join(facts))
    return lines


def headline(finding: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """One line: the value against the threshold, then the message.

    For a rule that judged nothing (no value) the message alone, with the
    reason when the message does not already say it.
    """
    language, currency = language_of(result), currency_of(result)
    labels = labels_for(result)
    message = clean(finding.get("message"))
    reason = clean(finding.get("reason"))
    value = value_text(finding, language, currency)
    if value == "—":
        if reason and reason not in message:
            return f"{message} ({reason})" if message else reason
        return message or reason
    threshold = threshold_text(finding, language, currency)
    return f"{value} ({labels['threshold'].lower()} {threshold}): {message or reason}"


def selection_text(result: Mapping[str, Any]) -> str | None:
    """`--select/--ignore` as recorded by `select_findings`, or None."""
    selection = result.get("selection")
    if not isinstance(selection, Mapping):
        return None
    parts = []
    if selection.get("select"):
        parts.append("select " + ", ".join(clean(s) for s in selection["select"]))
    if selection.get("ignore"):
        parts.append("ignore " + ", ".join(clean(s) for s in selection["ignore"]))
    dropped = selection.get("dropped")
    if dropped:
        parts.append(f"{dropped} finding(s) left out")
    return "; ".join(parts) or None


# --------------------------------------------------------------- terminal cells
def cells(text: str) -> int:
    """Terminal columns `text` takes: wide (CJK) characters 2, combining marks 0."""
    total = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` cells, with "…" where it was cut."""
    if width <= 0:
        return ""
    if cells(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = 0 if unicodedata.combining(char) else cells(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + "…"


def _ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def _rjust(text: str, width: int) -> str:
    return " " * max(0, width - cells(text)) + text


# ----------------------------------------------------------------------- output
def use_colour(stream: Any) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (to anything)."""
    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


def terminal_width(stream: Any) -> int | None:
    """The terminal's width in columns when `stream` is a terminal, else None (no cut)."""
    if not bool(getattr(stream, "isatty", lambda: False)()):
        return None
    return shutil.get_terminal_size((100, 24)).columns


def _paint(text: str, status: str, colour: bool) -> str:
    code = _COLOURS.get(status)
    return f"\033[{code}m{text}\033[0m" if colour and code else text


MIN_MESSAGE = 20
MAX_RULE = 40


def completeness_lines(
    result: Mapping[str, Any], language: str, labels: Mapping[str, str]
) -> list[str]:
    """'What would complete this audit': the unjudged rules per category and where the
    missing base metrics can come from (auditor/analysis/completeness.py)."""
    from auditor.analysis import completeness

    found = completeness.gaps(result)
    if not found:
        return []
    words = completeness.LABELS.get(language, completeness.LABELS["en"])
    lines = ["", words["title"]]
    for gap in found:
        coverage = formatting.pct(gap.coverage, language, 0) if gap.coverage is not None else "?"
        lines.append(
            "  "
            + words["category"].format(
                category=labels.get(gap.category, gap.category),
                coverage=coverage,
                rules=", ".join(clean(r) for r in gap.rules),
            )
        )
        for metric in gap.metrics:
            source = completeness.source_text(result, metric, language)
            lines.append("    " + words["from"].format(metric=metric, sources=source))
        if gap.costs:
            lines.append("    " + words["costs"].format(keys=", ".join(gap.costs)))
    return lines


def render_text(
    result: Mapping[str, Any], colour: bool = False, *, width: int | None = None
) -> str:
    """A ranked table of one audit result, worst first, in the result's language.

    `colour` adds ANSI colours to the status column; `width` (terminal columns)
    cuts each message so a row fits on one line; None leaves messages whole.
    """
    language = language_of(result)
    labels = labels_for(result)
    lines = _score_lines(result, labels)
    lines.append("")
    lines.append(labels["findings"])

    lines += _finding_table(result, labels, colour, width)

    undefined = result.get("undefined") or {}
    if undefined:
        names = ", ".join(clean(name) for name in sorted(undefined, key=str))
        text = labels["undefined"].format(n=len(undefined), names=names)
        lines += ["", text if width is None else truncate(text, max(MIN_MESSAGE, width))]
    lines += completeness_lines(result, language, labels)
    lines.append("")
    code = result.get("exit_code")
    reason = reasons.localize_all(str(result.get("exit_reason") or ""), language)
    lines.append(f"{labels['exit']} {code}: {clean(reason)}")
    return "\n".join(lines) + "\n"


def _score_lines(result: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """The client and period, the overall score and each category's, and the selection."""
    language = language_of(result)
    period = clean((result.get("period") or {}).get("label"))
    lines = [f"{clean(result.get('client'))} · {period}"]
    scores = result.get("scores") or {}
    overall = score_text(scores.get("overall"), language)
    if scores.get("overall") is None:
        coverage = formatting.pct(_number(result.get("overall_coverage")), language, 0)
        overall += f" ({labels['incomplete']}, {coverage})"
    lines.append(f"{labels['overall']}: {overall}")
    parts = []
    categories = result.get("categories") or {}
    for name in category_order(result):
        info = categories.get(name)
        if not isinstance(info, Mapping) or not info.get("counts"):
            continue  # no finding in this category (none enabled, or none selected)
        label = labels.get(name, clean(name))
        if info.get("incomplete") or info.get("score") is None:
            coverage = formatting.pct(_number(info.get("coverage")), language, 0)
            parts.append(f"{label} {labels['incomplete']} ({coverage})")
        else:
            parts.append(f"{label} {score_text(info.get('score'), language)}")
    if parts:
        lines.append("  " + " · ".join(parts))
    selection = selection_text(result)
    if selection:
        lines.append(labels["selection"].format(text=selection))
    return lines


def _finding_table(
    result: Mapping[str, Any], labels: Mapping[str, str], colour: bool, width: int | None
) -> list[str]:
    """One row per finding, columns fitted to the terminal's `width` (None: whole)."""
    language, currency = language_of(result), currency_of(result)
    lines: list[str] = []
    findings = list(result.get("findings") or [])
    rows = []
    for finding in findings:
        status = str(finding.get("status") or "error")
        rows.append(
            (
                status,
                STATUS_WORDS.get(status, clean(status).upper()),
                truncate(clean(finding.get("rule")), MAX_RULE),
                value_text(finding, language, currency),
                threshold_text(finding, language, currency),
                clean(finding.get("message")) or clean(finding.get("reason")),
            )
        )
    if not rows:
        lines.append("  " + labels["no_findings"])
    else:
        header = (
            "",
            labels["col_status"],
            labels["col_rule"],
            labels["col_value"],
            labels["col_threshold"],
            labels["col_message"],
        )
        widths = [max(cells(row[i]) for row in [header, *rows]) for i in range(1, 5)]
        if width is not None:  # on a narrow terminal, long rule ids and thresholds give way
            widths[1] = min(widths[1], max(26, width // 3))
            widths[3] = min(widths[3], max(10, width // 6))
        indent = "  "
        used = len(indent) + sum(widths) + 2 * 4
        room = None if width is None else max(MIN_MESSAGE, width - used)
        for index, row in enumerate([header, *rows]):
            status_cell = _ljust(row[1], widths[0])
            if index:
                status_cell = _paint(status_cell, row[0], colour)
            message = row[5] if room is None else truncate(row[5], room)
            cells_ = [
                status_cell,
                _ljust(truncate(row[2], widths[1]), widths[1]),
                _rjust(row[3], widths[2]),
                _ljust(truncate(row[4], widths[3]), widths[3]),
                message,
            ]
            lines.append((indent + "  ".join(cells_)).rstrip())

    return lines
