"""The portfolio of a batch (`auditor batch`) as HTML, CSV, JSON and a terminal summary.

Pure functions of the portfolio dict (`auditor.pipeline.batch.build_portfolio`); none
does I/O.  Client data (names, config paths, error messages, rule titles) is
never trusted:

- HTML: Jinja2 with `autoescape=True` and StrictUndefined; C0/C1 control
  characters (not printable, not valid XML/HTML) are dropped and bidi controls
  shown as `[U+202E]` (`formatting.visible`); the only values that reach an
  attribute are numbers computed here (bar widths) and links to the client's
  own output files, which are named from the slug (letters, digits and `-`) and the period
  label.  The stylesheet
  is inside the template (no client data), so the file is standalone.
- CSV: a text cell that a spreadsheet could read as a formula (starting with
  `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`; numbers are
  written as numbers (`auditor.outputs.spreadsheet.csv_cell`, shared with
  `auditor history export`).
- Terminal: control characters and line breaks are dropped (`text.clean`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any
from urllib.parse import quote

from auditor.core import formatting, strings
from auditor.core.vocabulary import CATEGORIES
from auditor.outputs.json_out import render_json as _render_json
from auditor.outputs.spreadsheet import csv_cell, safe_text
from auditor.outputs.text import cells, clean, truncate

TEMPLATE = "portfolio.html.j2"
TOP_REGRESSIONS = 10
TOP_RULES = 15

LABELS = strings.table("portfolio")  # report_templates/strings_portfolio.yaml


# --------------------------------------------------------------------- pieces
def labels_for(portfolio: Mapping[str, Any]) -> Mapping[str, str]:
    return LABELS.get(str(portfolio.get("language") or "en"), LABELS["en"])


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def score_text(value: Any, language: str) -> str:
    number = _number(value)
    return "—" if number is None else formatting.number(number, language, 1)


def delta_text(value: Any, language: str) -> str:
    number = _number(value)
    if number is None:
        return "—"
    if abs(number) < 0.05:
        return formatting.number(0, language, 1)
    sign = "+" if number > 0 else "-"
    return sign + formatting.number(abs(number), language, 1)


def client_name(row: Mapping[str, Any]) -> str:
    """The client's name, or its config file when the config could not be read."""
    return safe_text(row.get("client") or row.get("config") or "")


def first_line(text: Any) -> str:
    lines = [line for line in safe_text(text).splitlines() if line.strip()]
    if not lines:
        return ""
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return lines[0] + more


def _score_class(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "none"
    return "good" if number >= 75 else "mid" if number >= 50 else "low"


def _file_name(name: str) -> bool:
    """A plain output file name: letters (any script, with their marks), digits, . _ -."""
    return bool(name) and all(
        c.isalnum() or c in "._-" or unicodedata.category(c).startswith("M") for c in name
    )


def _link(row: Mapping[str, Any]) -> str | None:
    """A relative link to the client's HTML (else PDF) report when the batch wrote one
    (percent-encoded: a slug may hold non-Latin letters)."""
    outputs = [str(o) for o in row.get("outputs") or []]
    for suffix in (".html", ".pdf"):
        for name in outputs:
            if name.endswith(suffix) and _file_name(name):
                return "./" + quote(name)
    return None


# ------------------------------------------------------------------------ CSV
CSV_COLUMNS = (
    "rank",
    "client_slug",
    "client",
    "period",
    "overall",
    *CATEGORIES,
    "fail",
    "warn",
    "previous_period",
    "overall_change",
    "exit_code",
    "exit_reason",
    "error",
    "config",
)


def csv_row(row: Mapping[str, Any]) -> list[Any]:
    scores = row.get("scores") or {}
    regression = row.get("regression") or {}
    change = ((regression.get("scores") or {}).get("overall") or {}).get("delta")
    values = [
        row.get("rank"),
        row.get("client_slug"),
        row.get("client"),
        row.get("period"),
        scores.get("overall"),
        *(scores.get(c) for c in CATEGORIES),
        row.get("fail", 0),
        row.get("warn", 0),
        regression.get("previous_period"),
        change,
        row.get("exit_code"),
        row.get("exit_reason"),
        row.get("error"),
        row.get("config"),
    ]
    return [csv_cell(v) for v in values]


def render_csv(portfolio: Mapping[str, Any]) -> str:
    """One row per client, ranked (errored clients last, without rank)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in portfolio.get("clients") or []:
        writer.writerow(csv_row(row))
    return buffer.getvalue()


# ----------------------------------------------------------------------- JSON
def render_json(portfolio: Mapping[str, Any]) -> str:
    return _render_json(dict(portfolio))


# ----------------------------------------------------------------------- HTML
@cache
def environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from auditor.core.resources import templates_dir

    return Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _category_cells(row: Mapping[str, Any], language: str) -> list[dict[str, str]]:
    scores = row.get("scores") or {}
    return [
        {"text": score_text(scores.get(name), language), "cls": _score_class(scores.get(name))}
        for name in CATEGORIES
    ]


def _client_view(row: Mapping[str, Any], language: str, t: Mapping[str, str]) -> dict[str, Any]:
    scores = row.get("scores") or {}
    overall = _number(scores.get("overall"))
    regression = row.get("regression") or {}
    change = ((regression.get("scores") or {}).get("overall") or {}).get("delta")
    coverage = _number(row.get("overall_coverage"))
    overall_text = score_text(overall, language)
    if overall is None and row.get("error") is None and coverage is not None:
        overall_text = f"{t['incomplete']} ({formatting.pct(coverage, language, 0)})"
    return {
        "rank": row.get("rank"),
        "name": client_name(row),
        "href": _link(row),
        "config": safe_text(row.get("config")),
        "period": safe_text(row.get("period") or "—"),
        "overall": overall_text,
        "bar": f"{max(0.0, min(100.0, overall)):.1f}" if overall is not None else None,
        "overall_cls": _score_class(overall),
        "categories": _category_cells(row, language),
        "fail": row.get("fail", 0),
        "warn": row.get("warn", 0),
        "change": delta_text(change, language),
        "change_cls": "none" if change is None else "down" if change < 0 else "up",
        "exit_code": row.get("exit_code"),
        "exit_reason": safe_text(row.get("exit_reason")),
        "error": first_line(row.get("error")),
    }


def _regression_view(row: Mapping[str, Any], language: str, t: Mapping[str, str]) -> dict[str, Any]:
    overall = row.get("overall") or {}
    worst = row.get("worst") or {}
    worst_name = worst.get("score")
    return {
        "name": safe_text(row.get("client") or row.get("config")),
        "periods": f"{safe_text(row.get('previous_period'))} → {safe_text(row.get('period'))}",
        "before_after": f"{score_text(overall.get('before'), language)} → "
        f"{score_text(overall.get('after'), language)}",
        "delta": delta_text(overall.get("delta"), language),
        "worst": (
            f"{t.get(str(worst_name), safe_text(worst_name))} "
            f"{delta_text(worst.get('delta'), language)}"
            if worst_name
            else "—"
        ),
        "new_failures": [safe_text(r) for r in row.get("new_failures") or []],
    }


def _common_view(
    entry: Mapping[str, Any], audited: int, language: str, t: Mapping[str, str]
) -> dict[str, Any]:
    share = (entry["fail"] + entry["warn"]) / audited if audited else None
    return {
        "rule": safe_text(entry.get("rule")),
        "title": safe_text(entry.get("title")),
        "category": t.get(str(entry.get("category")), safe_text(entry.get("category"))),
        "fail": entry.get("fail", 0),
        "warn": entry.get("warn", 0),
        "share": formatting.pct(share, language, 0) if share is not None else "—",
        "bar": f"{100 * share:.1f}" if share is not None else None,
    }


def build_view(portfolio: Mapping[str, Any]) -> dict[str, Any]:
    """What the template prints: every value already formatted and cleaned."""
    language = str(portfolio.get("language") or "en")
    language = language if language in LABELS else "en"
    t = labels_for(portfolio)
    counts = portfolio.get("counts") or {}
    clients = portfolio.get("clients") or []
    audited = int(counts.get("audited", 0))
    any_history = any(c.get("regression") for c in clients)
    options = portfolio.get("options") or {}
    option_parts = []
    for key in ("period", "language", "fail_on", "fail_under", "select", "ignore", "formats"):
        value = options.get(key)
        if value in (None, [], ""):
            continue
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        flag = {"language": "lang", "formats": "format"}.get(key, key.replace("_", "-"))
        option_parts.append(f"--{flag} {safe_text(shown)}")
    if options.get("record"):
        option_parts.append("--record")
    periods = [safe_text(p) for p in portfolio.get("periods") or []]
    return {
        "lang": language,
        "t": t,
        "title": t["title"] + (f" · {', '.join(periods)}" if periods else ""),
        "periods": periods,
        "summary": [
            t["clients_n"].format(n=counts.get("clients", 0)),
            t["audited_n"].format(n=audited),
            t["errored_n"].format(n=counts.get("errored", 0)),
        ],
        "by_exit_code": {str(k): v for k, v in (counts.get("by_exit_code") or {}).items()},
        "generated": t["generated"].format(
            when=safe_text(portfolio.get("generated_at")),
            version=safe_text((portfolio.get("tool") or {}).get("version")),
        ),
        "timing": t["seconds"].format(
            clients=counts.get("clients", 0),
            seconds=formatting.number(_number(portfolio.get("seconds")) or 0.0, language, 1),
            jobs=options.get("jobs", 1),
        ),
        "exit_code": portfolio.get("exit_code"),
        "exit_reason": safe_text(portfolio.get("exit_reason")),
        "categories": [t[c] for c in CATEGORIES],
        "clients": [_client_view(c, language, t) for c in clients],
        "regressions": [
            _regression_view(r, language, t)
            for r in (portfolio.get("regressions") or [])[:TOP_REGRESSIONS]
        ],
        "regressions_more": (
            t["more"].format(n=len(portfolio["regressions"]) - TOP_REGRESSIONS)
            if len(portfolio.get("regressions") or []) > TOP_REGRESSIONS
            else ""
        ),
        "any_history": any_history,
        "common": [
            _common_view(e, audited, language, t)
            for e in (portfolio.get("common_failures") or [])[:TOP_RULES]
        ],
        "errors": [
            {
                "config": safe_text(e.get("config")),
                "client": safe_text(e.get("client") or ""),
                "exit_code": e.get("exit_code"),
                "message": safe_text(e.get("error")),
            }
            for e in portfolio.get("errors") or []
        ],
        "options": " ".join(option_parts),
    }


def render_html(portfolio: Mapping[str, Any]) -> str:
    """The portfolio as one standalone HTML page (inline CSS, no external resource)."""
    return str(environment().get_template(TEMPLATE).render(build_view(portfolio)))


# ------------------------------------------------------------------- terminal
def _table(rows: Sequence[Sequence[str]], right: set[int], width: int | None) -> list[str]:
    widths = [max(cells(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        parts = []
        for i, cell in enumerate(row):
            pad = " " * max(0, widths[i] - cells(cell))
            last = i == len(row) - 1
            parts.append(pad + cell if i in right else cell if last else cell + pad)
        line = "  " + "  ".join(parts)
        lines.append(truncate(line, width) if width else line.rstrip())
    return lines


def render_text(portfolio: Mapping[str, Any], *, width: int | None = None) -> str:
    """The portfolio for a terminal or a CI log: ranking, regressions, rules, errors."""
    t = labels_for(portfolio)
    language = str(portfolio.get("language") or "en")
    counts = portfolio.get("counts") or {}
    periods = ", ".join(clean(p) for p in portfolio.get("periods") or [])
    lines = [
        f"{t['title']}{' · ' + periods if periods else ''}: "
        + " · ".join(
            [
                t["clients_n"].format(n=counts.get("clients", 0)),
                t["audited_n"].format(n=counts.get("audited", 0)),
                t["errored_n"].format(n=counts.get("errored", 0)),
            ]
        ),
        "",
    ]
    rows = [
        [
            t["col_rank"],
            t["col_client"].upper(),
            t["col_period"].upper(),
            t["col_overall"].upper(),
            t["col_fail"].upper(),
            t["col_warn"].upper(),
            t["col_change"].upper(),
            t["col_exit"].upper(),
        ]
    ]
    for row in portfolio.get("clients") or []:
        regression = row.get("regression") or {}
        change = ((regression.get("scores") or {}).get("overall") or {}).get("delta")
        errored = row.get("error") is not None
        rows.append(
            [
                "-" if row.get("rank") is None else str(row["rank"]),
                truncate(clean(client_name(row)), 40),
                clean(row.get("period") or "—"),
                "—" if errored else score_text((row.get("scores") or {}).get("overall"), language),
                "—" if errored else str(row.get("fail", 0)),
                "—" if errored else str(row.get("warn", 0)),
                delta_text(change, language),
                str(row.get("exit_code")),
            ]
        )
    lines += _table(rows, {0, 3, 4, 5, 6, 7}, width)

    lines += _regression_lines(portfolio, t, width)

    lines += _common_lines(portfolio, t, width)

    errors = portfolio.get("errors") or []
    if errors:
        lines += ["", t["errors"]]
        for e in errors:
            message = [clean(m) for m in safe_text(e.get("error")).splitlines() if m.strip()]
            lines.append(f"  {clean(e.get('config'))} (exit {e.get('exit_code')})")
            lines += [f"    {m}" for m in message]

    code = t["exit"].format(code=portfolio.get("exit_code"))
    lines += ["", f"{code}: {clean(portfolio.get('exit_reason'))}"]
    return "\n".join(lines) + "\n"


def _regression_lines(
    portfolio: Mapping[str, Any], t: Mapping[str, str], width: int | None
) -> list[str]:
    """The clients whose score fell since their previous period, worst first."""
    language = str(portfolio.get("language") or "en")
    lines: list[str] = []
    regressions = (portfolio.get("regressions") or [])[:TOP_REGRESSIONS]
    if regressions:
        lines += ["", t["regressions"]]
        for r in regressions:
            overall = r.get("overall") or {}
            worst = r.get("worst") or {}
            new = ", ".join(clean(x) for x in r.get("new_failures") or [])
            line = (
                f"  {clean(r.get('client'))}  {clean(r.get('previous_period'))} -> "
                f"{clean(r.get('period'))}  {t['overall'].lower()} "
                f"{score_text(overall.get('before'), language)} -> "
                f"{score_text(overall.get('after'), language)} "
                f"({delta_text(overall.get('delta'), language)})"
            )
            if worst.get("score") and worst.get("score") != "overall":
                label = t.get(str(worst["score"]), str(worst["score"])).lower()
                line += f"; {clean(label)} {delta_text(worst.get('delta'), language)}"
            if new:
                line += f"; {t['col_new'].lower()}: {new}"
            lines.append(truncate(line, width) if width else line)
    return lines


def _common_lines(
    portfolio: Mapping[str, Any], t: Mapping[str, str], width: int | None
) -> list[str]:
    """The rules failing or warning for most clients."""
    lines: list[str] = []
    common = (portfolio.get("common_failures") or [])[:TOP_RULES]
    if common:
        lines += ["", t["common"]]
        rule_width = max(cells(clean(e["rule"])) for e in common)
        for e in common:
            line = (
                f"  {clean(e['rule'])}{' ' * (rule_width - cells(clean(e['rule'])))}  "
                f"{t['fails_warns'].format(fail=e['fail'], warn=e['warn'], fail_word=t['fail_one' if e['fail'] == 1 else 'fail_many'], warn_word=t['warn_one' if e['warn'] == 1 else 'warn_many'])}"
            )
            lines.append(truncate(line, width) if width else line)
    return lines
