"""The audit report as HTML, rendered only from the result dict (DESIGN.md sections 7, 10).

Jinja2 with `autoescape=True` (select_autoescape would miss `.html.j2`) and
StrictUndefined, so every value from the result is escaped and a typo in a
template fails loudly; every output also goes through `formatting.visible`
(bidi controls shown as `[U+202E]`, control characters as spaces).  This module prepares a small view of the result
(ranking, formatted numbers, chart SVG) so the templates stay declarative.
The only result values that reach CSS or a URL are the accent colour, checked
against a hex pattern, and the logo, checked to be an existing image file (the
config loader also keeps it inside the config's folder).

Two flavours of the same document:

- for the PDF (`standalone=False`), fonts and logo are `file:` URLs that the
  PDF renderer's restricted fetcher serves (the full DejaVu fonts, so any
  client name prints);
- the HTML file (`standalone=True`, the default) carries everything inline:
  CSS, SVG charts, a Latin subset of the same fonts as WOFF2 `data:` URIs
  (about 19 KB each) and the logo as a `data:` URI, so it opens anywhere and
  loads nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from auditor.analysis import completeness
from auditor.core.models import STATUS_ORDER, is_analysis
from auditor.core.strings import Translator, resolve_language
from auditor.metrics.catalog import CATEGORIES, KPIS
from auditor.outputs import charts
from auditor.outputs.numbers import Formats, _num
from auditor.outputs.report.citations import cited_works
from auditor.outputs.report.definitions import definition_rows
from auditor.outputs.report.environment import TEMPLATE, _stylesheet, environment
from auditor.outputs.report.sections import (
    _categories,
    _connector_label,
    _metric_rows,
    _provenance,
    _toc,
    _unmeasured,
)
from auditor.outputs.report.settings import (
    _tint,
    accent_colour,
    font_faces,
    logo_uri,
    page_size,
    report_settings,
)
from auditor.outputs.view import (
    KEY_FIGURES,
    _costs,
    _figure,
    action_plan,
    finding_view,
    rank_urgent,
)


def build_view(
    result: Mapping[str, Any], language: str, *, standalone: bool = True
) -> dict[str, Any]:
    """Everything the templates read: the result itself plus ranked, formatted, charted views."""
    t = Translator(language)
    currency = str((result.get("config") or {}).get("currency") or "EUR")
    fmt = Formats(language, currency)
    findings: list[Mapping[str, Any]] = list(result.get("findings") or [])
    views = {id(f): finding_view(f, result, t, fmt) for f in findings}
    urgent = rank_urgent(findings)
    works = cited_works(result, language)
    # rule findings only, as the portfolio and the exit code count them: analysis findings
    # are informative and counted apart
    informative = [f for f in findings if is_analysis(f)]
    counts = Counter(str(f.get("status")) for f in findings if f not in informative)
    categories = _categories(result, t, fmt, views)
    overall = _num((result.get("scores") or {}).get("overall"))
    settings = report_settings(result)
    accent = accent_colour(result)
    period = result["period"]
    agency = settings.get("agency") or None
    trend_periods = [str(p) for p in (result.get("trend") or {}).get("periods") or []]
    return {
        "r": result,
        "t": t,
        "fmt": fmt,
        "lang": language,
        "doc_title": f"{result['client']} — {period['label']}",
        "subject": t("doc.subject", period=period["label"]),
        "keywords": ", ".join([t("doc.keywords"), str(result["client"]), str(period["label"])]),
        "author": agency or t("doc.author_default"),
        "agency": agency,
        "logo_uri": logo_uri(result, standalone=standalone),
        "font_faces": font_faces(standalone),
        "accent": accent,
        "accent_soft": _tint(accent, 0.9),
        "page_size": page_size(result),
        "stylesheet": _stylesheet(),
        "toc": _toc(t, categories, result.get("analysis") or {}, bool(works)),
        "urgent": [views[id(f)] for f in urgent],
        "top": urgent[:3],
        "action_plan": action_plan(result, t, fmt),
        "costs": _costs(result, t, fmt),
        "counts": [
            (s, counts[s]) for s in STATUS_ORDER if counts[s] or s in ("fail", "warn", "pass")
        ],
        "informative_count": len(informative),
        "categories": categories,
        "overall": overall,
        "overall_coverage": _num(result.get("overall_coverage")),
        "ring": charts.score_ring(
            overall,
            text=fmt.score(overall),
            caption=t("summary.out_of"),
            title=t("summary.overall"),
        ),
        "bars": charts.score_bars(
            [charts.Bar(c["name"], c["score"], c["text"]) for c in categories],
            title=t("summary.chart_label"),
        ),
        "any_incomplete": any(c["incomplete"] for c in categories),
        "revenue": _figure("revenue_attributed", result, t, fmt),
        "tco": _figure("automation_tco", result, t, fmt),
        "figures": [_figure(m, result, t, fmt) for m in KEY_FIGURES],
        "other_metrics": next(g["rows"] for g in _metric_rows(result, t) if g["id"] == "other"),
        "unmeasured": _unmeasured(result, t),
        "provenance": _provenance(result, t),
        "connector_label": _connector_label(result, t),
        "cited_works": works,
        "definitions": definition_rows(result, t),
        "completeness": completeness.view(
            result, language, {c: t(f"category.{c}") for c in CATEGORIES}
        ),
        "warnings": [str(w) for w in result.get("warnings") or []],
        "trend_span": (trend_periods[0], trend_periods[-1]) if trend_periods else None,
        "kpis": KPIS,
    }


def render_html(
    result: Mapping[str, Any], *, language: str | None = None, standalone: bool = True
) -> str:
    """The full report as one HTML document, in `language` or the audit's own.

    `standalone=True` (the HTML output) inlines fonts and logo as `data:` URIs;
    the PDF renderer asks for `standalone=False` and serves them from files.
    """
    chosen = resolve_language(result, language)
    view = build_view(result, chosen, standalone=standalone)
    return environment().get_template(TEMPLATE).render(view)
