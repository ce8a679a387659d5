"""The audit result as a Markdown report: summary, scores, ranked findings, what was not measured.

For a merge request, a wiki page or a chat message: the same content as the
PDF's first pages, in the result's language, through the report's string
catalog and number formats.  Every piece of text, whether it comes from the
client's data, a rule pack or the catalog, goes through `md_escape`: a
campaign or client name such as `<script>` or `](http://x)` prints literally
and can neither open a link, an image nor raw HTML; control characters become
spaces and bidi controls are shown as `[U+202E]` (`formatting.visible`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor.core import formatting
from auditor.core.strings import Translator, resolve_language
from auditor.metrics.catalog import BASE_BY_ID, CATEGORIES, KPI_BY_ID
from auditor.outputs.numbers import Formats
from auditor.outputs.report.definitions import definition_rows
from auditor.outputs.view import (
    KEY_FIGURES,
    _figure,
    action_plan,
    finding_view,
    metric_name,
    rank_in_category,
    rank_urgent,
)

# The characters that can start markup in the middle of a line (CommonMark and
# GitHub's extensions): emphasis, code, links and images, raw HTML and entities,
# table cells, strikethrough, and `#` that would close a heading.  Each is
# backslash-escaped; other punctuation stays readable in the raw file.
_SPECIAL = frozenset("\\`*_{}[]<>#!|~&")
# Autolinks (`https://x`, `www.x`) would turn text into a link: break the pattern.
_SPACES = re.compile(r"[ \t\r\n\f\v\u2028\u2029]+")
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<=\bwww)(\.)")


def md_escape(text: Any) -> str:
    """Text as literal Markdown: one line, every markup character backslash-escaped."""
    # one line; no-break spaces stay; control characters and bidi controls as everywhere
    flat = _SPACES.sub(" ", formatting.visible(str(text))).strip()
    escaped = "".join("\\" + c if c in _SPECIAL else c for c in flat)
    return _AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int]) -> list[str]:
    """A GitHub-flavoured table; `numeric` columns are right-aligned. Cells must be escaped."""
    rule = ["---:" if i in numeric else "---" for i in range(len(headers))]
    return [_row(headers), _row(rule), *(_row(r) for r in rows)]


def render_markdown(result: Mapping[str, Any], *, language: str | None = None) -> str:
    """The Markdown report of one audit result, in `language` or the audit's own."""
    lang = resolve_language(result, language)
    t = Translator(lang)
    fmt = Formats(lang, str((result.get("config") or {}).get("currency") or "EUR"))
    lines: list[str] = []
    for section in (_heading, _summary, _plan, _findings, _definitions, _unmeasured, _footer):
        lines += section(result, t, fmt)
    return "\n".join(lines) + "\n"


def _heading(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[str]:
    """The client, the period and who prepared the report."""
    e = md_escape
    period = result["period"]
    lines = [f"# {e(result['client'])} — {e(period['label'])}", ""]
    range_text = t(
        "period.range",
        start=fmt.long_date(period.get("start")),
        end=fmt.long_date(period.get("end")),
    )
    lines.append(f"{e(t('doc.title'))} · {e(range_text)}")
    agency = ((result.get("config") or {}).get("report") or {}).get("agency")
    if agency:
        lines.append("")
        lines.append(f"{e(t('cover.prepared_by'))}: {e(agency)}")
    lines.append("")
    return lines


def _summary(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[str]:
    """The overall and category scores, and the key figures."""
    e = md_escape
    lines: list[str] = []
    scores = result.get("scores") or {}
    overall = scores.get("overall")
    lines += [f"## {e(t('summary.title'))}", ""]
    overall_text = f"{fmt.score(overall)} {t('summary.out_of')}" if overall is not None else "—"
    lines += [f"**{e(t('summary.overall'))}:** {e(overall_text)}", ""]
    info = result.get("categories") or {}
    rows = []
    for category in CATEGORIES:
        data = info.get(category) or {}
        score = scores.get(category, data.get("score"))
        coverage = data.get("coverage")
        score_text = (
            fmt.score(score)
            if score is not None
            else t("summary.incomplete", coverage=fmt.pct(coverage, 0))
        )
        rows.append([e(t(f"category.{category}")), e(score_text), e(fmt.pct(coverage, 0))])
    lines += _table(
        [e(t("findings.col_category")), e(t("category.score")), e(t("md.col_coverage"))],
        rows,
        {1, 2},
    )
    lines += ["", f"### {e(t('summary.key_figures'))}", ""]
    for metric_id in ("revenue_attributed", "automation_tco", *KEY_FIGURES):
        figure = _figure(metric_id, result, t, fmt)
        text = figure["text"] if figure["text"] is not None else figure["missing"]
        lines.append(f"- {e(figure['label'])}: **{e(text)}**")
    lines.append("")
    return lines


def _plan(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[str]:
    """The action plan, when any finding has an estimate or a recommendation."""
    e = md_escape
    lines: list[str] = []
    plan = action_plan(result, t, fmt)
    if plan:
        lines += [f"### {e(t('plan.title'))}", "", e(t("plan.intro")), ""]
        lines += _table(
            [
                e(t("md.col_rank")),
                e(t("plan.col_action")),
                e(t("plan.col_owner")),
                e(t("plan.col_effort")),
                e(t("plan.col_value")),
            ],
            [
                [
                    str(number),
                    f"**{e(item['title'])}**: {e(item['recommendation'])}",
                    e(item["owner"]),
                    e(item["effort"]),
                    e(item["value"]),
                ]
                for number, item in enumerate(plan, 1)
            ],
            {0, 4},
        )
        lines += ["", e(t("plan.note")), ""]
    return lines


def _findings(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[str]:
    """Every finding ranked in one table, then the urgent ones in full."""
    e = md_escape
    lines: list[str] = []
    findings = list(result.get("findings") or [])
    urgent = rank_urgent(findings)
    rest = [f for f in rank_in_category(findings) if f not in urgent]
    ranked = urgent + rest
    lines += [f"## {e(t('findings.title'))}", "", e(t("findings.intro")), ""]
    rows = []
    for number, finding in enumerate(ranked, 1):
        view = finding_view(finding, result, t, fmt)
        status = str(finding.get("status"))
        status_text = t(f"status.{status}") if t.has(f"status.{status}") else status
        category = str(finding.get("category"))
        rows.append(
            [
                str(number),
                e(status_text),
                f"{e(finding.get('title') or finding.get('rule'))} (`{e_code(finding.get('rule'))}`)",
                e(t(f"category.{category}") if t.has(f"category.{category}") else category),
                e(view["measured"] if view["measured"] is not None else "—"),
                e(view["condition_line"]),
                e(fmt.number(finding.get("impact"), 1)),
            ]
        )
    if rows:
        lines += _table(
            [
                e(t("md.col_rank")),
                e(t("findings.col_status")),
                e(t("findings.col_rule")),
                e(t("findings.col_category")),
                e(t("findings.col_value")),
                e(t("findings.col_threshold")),
                e(t("findings.impact")),
            ],
            rows,
            {0, 4, 6},
        )
    else:
        lines.append(e(t("findings.none")))
    for number, finding in enumerate(urgent, 1):
        lines += ["", f"### {number}\\. {e(finding.get('title') or finding.get('rule'))}", ""]
        lines.append(e(finding.get("message") or ""))
        if finding.get("recommendation"):
            lines += ["", f"**{e(t('findings.recommendation'))}:** {e(finding['recommendation'])}"]
    lines.append("")
    return lines


def _definitions(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[str]:
    """The base metrics: what each means and where it came from."""
    e = md_escape
    lines: list[str] = []
    definitions = definition_rows(result, t)
    lines += [f"## {e(t('appendix.definitions'))}", ""]
    if definitions:
        lines += [e(t("appendix.definitions_intro")), ""]
        rows = []
        for row in definitions:
            meaning = e(row["definition"])
            if row["difference"]:
                meaning += f" **{e(t('appendix.differs'))}** {e(row['difference'])}"
            # escaped text, not a code span: connector text is data like any other
            rows.append([e(row["name"]), f"`{e_code(row['id'])}`", meaning, e(row["source"])])
        lines += _table(
            [
                e(t("appendix.col_metric")),
                e(t("md.col_id")),
                e(t("appendix.col_definition")),
                e(t("appendix.col_source")),
            ],
            rows,
            set(),
        )
    else:
        lines.append(e(t("appendix.definitions_none")))
    lines.append("")
    return lines


def _unmeasured(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[str]:
    """What was not measured, and why."""
    e = md_escape
    lines: list[str] = []
    undefined = result.get("undefined") or {}
    lines += [f"## {e(t('appendix.unmeasured'))}", ""]
    if undefined:
        order = {m: i for i, m in enumerate([*BASE_BY_ID, *KPI_BY_ID])}
        rows = [
            [e(metric_name(str(m), t)), f"`{e_code(m)}`", e(undefined[m])]
            for m in sorted(undefined, key=lambda m: (order.get(m, len(order)), str(m)))
        ]
        lines += _table(
            [e(t("appendix.col_metric")), e(t("md.col_id")), e(t("appendix.col_reason"))],
            rows,
            set(),
        )
    else:
        lines.append(e(t("appendix.unmeasured_none")))
    lines.append("")
    return lines


def _footer(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[str]:
    """The tool, its version and the time of the audit."""
    e = md_escape
    lines: list[str] = []
    tool = result.get("tool") or {}
    lines.append(
        "_"
        + e(
            t(
                "appendix.generated_by",
                tool=tool.get("name", "auditor"),
                version=tool.get("version", ""),
                date=fmt.timestamp(result.get("generated_at")),
            )
        )
        + "_"
    )
    return lines


def e_code(text: Any) -> str:
    """Text for inside a code span: backticks and pipes cannot end it or split a table cell."""
    return _SPACES.sub(" ", str(text)).strip().replace("`", "'").replace("|", "/")
