"""The audit result as Markdown for a CI job summary or a pull-request comment.

Short and scannable, unlike the Markdown REPORT (`outputs/markdown.py`): a
header with client, period, overall score and exit status; one table of the
category scores (an incomplete category says so, with its coverage); one table
of the failing and warning findings, worst first, with value, threshold and
message; every other finding inside a collapsed `<details>`; and how many
metrics were undefined.  Written for GitHub-flavoured Markdown
(`$GITHUB_STEP_SUMMARY`, PR comments); GitLab renders it the same way.

Every piece of client or rule-pack text goes through `md_escape`: one line,
HTML special characters as entities, Markdown punctuation backslash-escaped,
autolinks and @-mentions broken, so a client called `<b>A|B</b>` prints
literally, cannot split a table cell, open a link, ping someone in a PR, or
inject raw HTML into the job summary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.core import formatting, reasons, strings
from auditor.core.models import ACTIONABLE
from auditor.outputs.text import (
    STATUS_WORDS,
    category_order,
    clean,
    currency_of,
    language_of,
    score_text,
    selection_text,
    threshold_text,
    value_text,
)

_ICONS = {
    "fail": "❌",
    "warn": "⚠️",
    "pass": "✅",
    "error": "⛔",
    "no_data": "❔",
    "not_applicable": "➖",
    "waived": "💤",
}
_EXIT_ICONS = {0: "✅", 1: "❌", 2: "⛔", 3: "⚠️"}

LABELS = strings.table("ci")  # report_templates/strings_terminal.yaml

# Markdown punctuation that can start markup mid-line in GitHub-flavoured
# Markdown: emphasis, code, links/images, headings, tables, strikethrough, math.
_SPECIAL = frozenset("\\`*_{}[]#!|~$")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
# `https://x` and `www.x` become links by themselves: break the pattern.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)")
ZERO_WIDTH_SPACE = "\u200b"


def md_escape(text: Any) -> str:
    """Client or pack text as literal Markdown on one line (safe in a table cell)."""
    flat = clean(text)
    out = []
    for char in flat:
        if char in _HTML:
            out.append(_HTML[char])
        elif char in _SPECIAL:
            out.append("\\" + char)
        elif char == "@":  # no @-mention (GitHub links and notifies them after rendering)
            out.append("@" + ZERO_WIDTH_SPACE)
        else:
            out.append(char)
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), "".join(out))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> list[str]:
    rule = ["---:" if i in numeric else "---" for i in range(len(headers))]
    return [_row(headers), _row(rule), *(_row(r) for r in rows)]


def _category_label(name: str, t: Mapping[str, str]) -> str:
    return t.get("value_cat" if name == "value" else name, name)


def _finding_rows(
    findings: list[Mapping[str, Any]], language: str, currency: str, t: Mapping[str, str]
) -> list[list[str]]:
    rows = []
    for finding in findings:
        status = str(finding.get("status") or "error")
        word = STATUS_WORDS.get(status, clean(status).upper())
        icon = _ICONS.get(status, "")
        title = md_escape(finding.get("title"))
        rule = f"**{md_escape(finding.get('rule'))}**" + (f"<br>{title}" if title else "")
        message = md_escape(finding.get("message")) or md_escape(finding.get("reason"))
        rows.append(
            [
                f"{icon} {md_escape(word)}".strip(),
                rule,
                md_escape(_category_label(str(finding.get("category") or ""), t)),
                md_escape(value_text(finding, language, currency)),
                md_escape(threshold_text(finding, language, currency)),
                message,
            ]
        )
    return rows


def render_ci_markdown(result: Mapping[str, Any]) -> str:
    """The CI job summary / PR comment of one audit result."""
    t = LABELS.get(language_of(result), LABELS["en"])
    lines: list[str] = []
    for section in (_heading, _categories, _findings, _undefined, _footer):
        lines += section(result, t)
    return "\n".join(lines) + "\n"


def _heading(result: Mapping[str, Any], t: Mapping[str, str]) -> list[str]:
    """The exit code, the overall score and the selection."""
    language = language_of(result)
    e = md_escape
    code = result.get("exit_code")
    period = (result.get("period") or {}).get("label")
    icon = _EXIT_ICONS.get(code, "❔") if isinstance(code, int) else "❔"
    lines = [f"## {icon} {e(t['title'])}: {e(result.get('client'))} · {e(period)}", ""]
    scores = result.get("scores") or {}
    overall = scores.get("overall")
    overall_text = f"{score_text(overall, language)} {t['out_of']}" if overall is not None else "—"
    if overall is None:
        coverage = formatting.pct(_number(result.get("overall_coverage")), language, 0)
        overall_text = t["incomplete"].format(coverage=coverage)
    lines.append(
        f"**{e(t['overall'])}:** {e(overall_text)} · "
        f"**{e(t['exit'].format(code=code))}:** "
        f"{e(reasons.localize_all(str(result.get('exit_reason') or ''), language))}"
    )
    selection = selection_text(result)
    if selection:
        lines += ["", f"**{e(t['selection'])}:** {e(selection)}"]
    lines.append("")
    return lines


def _categories(result: Mapping[str, Any], t: Mapping[str, str]) -> list[str]:
    """One row per category with findings: score, coverage and counts."""
    language = language_of(result)
    e = md_escape
    lines: list[str] = []
    scores = result.get("scores") or {}
    categories = result.get("categories") or {}
    rows = []
    for name in category_order(result):
        info = categories.get(name)
        if not isinstance(info, Mapping) or not info.get("counts"):
            continue  # no finding in this category (none enabled, or none selected)
        score = scores.get(name, info.get("score"))
        coverage = formatting.pct(_number(info.get("coverage")), language, 0)
        if info.get("incomplete") or score is None:
            score_cell = f"_{e(t['incomplete'].format(coverage=coverage))}_"
        else:
            score_cell = e(score_text(score, language))
        counts = info.get("counts") or {}
        judged = sum(int(counts.get(s, 0)) for s in ("fail", "warn", "pass"))
        other = sum(int(v) for v in counts.values() if isinstance(v, int)) - judged
        label = _category_label(name, t)
        rows.append(
            [
                e(label),
                score_cell,
                e(coverage),
                str(int(counts.get("fail", 0))),
                str(int(counts.get("warn", 0))),
                str(int(counts.get("pass", 0))),
                str(other),
            ]
        )
    if rows:
        headers = ["category", "score", "coverage", "fail", "warn", "pass", "other"]
        lines += _table([e(t[h]) for h in headers], rows, {1, 2, 3, 4, 5, 6})
        lines.append("")
    return lines


def _findings(result: Mapping[str, Any], t: Mapping[str, str]) -> list[str]:
    """What needs attention, then the rest folded."""
    language, currency = language_of(result), currency_of(result)
    e = md_escape
    lines: list[str] = []
    findings = list(result.get("findings") or [])
    attention = [f for f in findings if f.get("status") in ACTIONABLE]
    rest = [f for f in findings if f.get("status") not in ACTIONABLE]
    headers = [e(t[h]) for h in ("status", "rule", "category", "value", "threshold", "message")]
    lines += [f"### {e(t['attention'].format(n=len(attention)))}", ""]
    if attention:
        lines += _table(headers, _finding_rows(attention, language, currency, t), {3})
    else:
        lines.append(e(t["attention_none"]))
    lines.append("")
    if rest:
        lines += ["<details>", f"<summary>{e(t['rest'].format(n=len(rest)))}</summary>", ""]
        lines += _table(headers, _finding_rows(rest, language, currency, t), {3})
        lines += ["", "</details>", ""]
    return lines


def _undefined(result: Mapping[str, Any], t: Mapping[str, str]) -> list[str]:
    """The undefined metrics and why, folded."""
    e = md_escape
    lines: list[str] = []
    undefined = result.get("undefined") or {}
    if undefined:
        lines += [e(t["undefined"].format(n=len(undefined))), ""]
        lines += [
            "<details>",
            f"<summary>{e(t['undefined_list'].format(n=len(undefined)))}</summary>",
            "",
        ]
        rows = [[e(name), e(undefined[name])] for name in sorted(undefined, key=str)]
        lines += _table([e(t["metric"]), e(t["reason"])], rows, set())
        lines += ["", "</details>", ""]
    else:
        lines += [e(t["undefined_none"]), ""]
    return lines


def _footer(result: Mapping[str, Any], t: Mapping[str, str]) -> list[str]:
    """The tool, the packs and the time."""
    e = md_escape
    lines: list[str] = []
    tool = result.get("tool") or {}
    packs = ", ".join(
        clean(p.get("name")) for p in result.get("rule_packs") or [] if isinstance(p, Mapping)
    )
    footer = t["footer"].format(
        tool=clean(tool.get("name") or "auditor"),
        version=clean(tool.get("version")),
        packs=packs or "—",
        date=clean(result.get("generated_at")) or "—",
    )
    lines.append(f"<sub>{e(footer)}</sub>")
    return lines
