"""The report's own sections: metric tables, trend charts, the funnel, categories, what
was not measured, provenance and the table of contents."""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Mapping
from typing import Any

from auditor.core.models import STATUS_ORDER
from auditor.core.strings import Translator
from auditor.metrics.catalog import BASE_BY_ID, BASE_METRICS, CATEGORIES, KPI_BY_ID, KPIS
from auditor.outputs import charts
from auditor.outputs.numbers import Formats, _num
from auditor.outputs.view import (
    metric_name,
    metric_unit,
    rank_in_category,
    short_name,
    trend_values,
)

FUNNEL = ("website_visitors", "leads_new", "mqls", "sqls", "customers_new")
# Trend charts per category section: (catalog key, metrics drawn on one axis, same unit).
TREND_CHARTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "activity": (
        ("emails", ("emails_sent",)),
        ("workflows", ("workflows_active", "workflows_behavioral")),
    ),
    "response": (
        ("list_health", ("unsubscribe_rate", "bounce_rate", "spam_complaint_rate")),
        ("clicks", ("click_rate",)),
    ),
    "efficiency": (
        ("pipeline", ("leads_new", "mqls", "customers_new")),
        ("conversion", ("mql_to_sql_rate", "lead_to_customer_rate")),
    ),
    "value": (
        ("return", ("revenue_attributed", "automation_tco")),
        ("cac", ("cac",)),
    ),
}


def _metric_rows(result: Mapping[str, Any], t: Translator) -> list[dict[str, Any]]:
    """Per category, every metric of the catalog (then any extra ones) with value or reason."""
    metrics: Mapping[str, Any] = result.get("metrics") or {}
    undefined: Mapping[str, Any] = result.get("undefined") or {}
    catalog = [(m.id, m.category, m.unit) for m in BASE_METRICS] + [
        (k.id, k.category, k.unit) for k in KPIS
    ]
    known = {metric_id for metric_id, _, _ in catalog}
    extra = sorted((set(metrics) | set(undefined)) - known)
    for metric_id in extra:
        info = metrics.get(metric_id) or {}
        catalog.append((metric_id, str(info.get("category", "")), str(info.get("unit", "count"))))
    groups: list[dict[str, Any]] = []
    for category in (*CATEGORIES, ""):
        rows = []
        for metric_id, cat, unit in catalog:
            if (cat if cat in CATEGORIES else "") != category:
                continue
            if metric_id in metrics:
                info = dict(metrics[metric_id])
                info.setdefault("unit", unit)
                rows.append(
                    {"id": metric_id, "name": metric_name(metric_id, t), "m": info, "reason": None}
                )
            elif metric_id in undefined:
                rows.append(
                    {
                        "id": metric_id,
                        "name": metric_name(metric_id, t),
                        "m": None,
                        "reason": str(undefined[metric_id]),
                    }
                )
        groups.append({"id": category or "other", "rows": rows})
    return groups


def trend_charts(
    category: str, result: Mapping[str, Any], t: Translator, fmt: Formats
) -> list[dict[str, Any]]:
    """The category's trend charts from `result["trend"]`.

    A chart is drawn when one of its series has values in at least two periods;
    a series with no value at all is left out and named in the chart's note.
    """
    periods = [str(p) for p in (result.get("trend") or {}).get("periods") or []]
    out = []
    for key, metric_ids in TREND_CHARTS.get(category, ()):
        unit = metric_unit(metric_ids[0], result)
        series, absent = [], []
        for metric_id in metric_ids:
            values = trend_values(result, metric_id)
            if values is None or all(v is None for v in values):
                absent.append(metric_name(metric_id, t))
            else:
                series.append(charts.Series(short_name(metric_id, t), values))
        drawable = any(sum(v is not None for v in s.values) >= 2 for s in series)
        title = t(f"chart.{key}")
        svg = None
        if drawable:
            y_title = (
                t("axis.money", currency=fmt.currency_symbol())
                if unit == "money"
                else t(f"axis.{unit}")
                if t.has(f"axis.{unit}")
                else ""
            )
            svg = charts.line_chart(
                periods,
                series,
                title=title,
                y_title=y_title,
                x_title=t("axis.period"),
                tick=fmt.tick(unit),
                value=functools.partial(fmt.metric, unit=unit),
            )
        notes = []
        if not drawable:
            notes.append(t("chart.not_enough"))
        if absent and drawable:
            notes.append(t("chart.absent", metrics=", ".join(absent)))
        out.append({"key": key, "title": title, "svg": svg, "notes": notes})
    return out


def funnel_view(result: Mapping[str, Any], t: Translator, fmt: Formats) -> dict[str, Any]:
    """The funnel: each stage's count (None = not measured) and the rate between stages."""
    metrics: Mapping[str, Any] = result.get("metrics") or {}
    undefined: Mapping[str, Any] = result.get("undefined") or {}
    stages: list[dict[str, Any]] = []
    steps: list[charts.Step] = []
    rates = []
    previous_label = result["previous_period"]["label"]
    for metric_id in FUNNEL:
        info = metrics.get(metric_id) or {}
        value = _num(info.get("value"))
        stages.append(
            {
                "id": metric_id,
                "name": metric_name(metric_id, t),
                "value": value,
                "previous": _num(info.get("previous")),
                "text": fmt.number(value) if value is not None else None,
                "reason": None if value is not None else str(undefined.get(metric_id) or "—"),
            }
        )
    for upper, lower in itertools.pairwise(stages):
        rate = _ratio(lower["value"], upper["value"])
        before = _ratio(lower["previous"], upper["previous"])
        rates.append(rate)
        steps.append(
            charts.Step(
                fmt.pct(rate, 1) if rate is not None else "—",
                t("funnel.previous", period=previous_label, rate=fmt.pct(before, 1))
                if before is not None
                else "",
            )
        )
    overall = _ratio(stages[-1]["value"], stages[0]["value"])
    svg = charts.funnel_chart(
        [charts.Stage(s["name"], s["value"], s["text"] or "") for s in stages],
        steps,
        title=t("funnel.title"),
        missing=t("funnel.not_measured"),
    )
    return {
        "stages": stages,
        "rates": rates,
        "svg": svg,
        "overall": fmt.pct(overall, 2) if overall is not None else None,
        "missing": [s for s in stages if s["value"] is None],
    }


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _categories(
    result: Mapping[str, Any],
    t: Translator,
    fmt: Formats,
    views: Mapping[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    info: Mapping[str, Any] = result.get("categories") or {}
    scores: Mapping[str, Any] = result.get("scores") or {}
    findings: list[Mapping[str, Any]] = list(result.get("findings") or [])
    groups = {g["id"]: g["rows"] for g in _metric_rows(result, t)}
    out = []
    for category in CATEGORIES:
        data = info.get(category) or {}
        score = _num(scores.get(category, data.get("score")))
        coverage = _num(data.get("coverage"))
        incomplete = score is None
        text = (
            t("summary.incomplete", coverage=fmt.pct(coverage, 0))
            if incomplete
            else fmt.score(score)
        )
        own = rank_in_category([f for f in findings if f.get("category") == category])
        counts = Counter(str(f.get("status")) for f in own)
        out.append(
            {
                "id": category,
                "name": t(f"category.{category}"),
                "question": t(f"category.{category}.question"),
                "score": score,
                "coverage": coverage,
                "incomplete": incomplete,
                "text": text,
                "weight": _num(data.get("weight")),
                "counts": [(s, counts[s]) for s in STATUS_ORDER if counts[s]],
                "ring": charts.score_ring(
                    score,
                    text=fmt.score(score) if score is not None else "—",
                    caption=t("summary.out_of"),
                    title=t("category.score_label", category=t(f"category.{category}")),
                    size=84,
                ),
                "findings": [views[id(f)] for f in own],
                "rows": groups.get(category, []),
                "charts": trend_charts(category, result, t, fmt),
                "funnel": funnel_view(result, t, fmt) if category == "efficiency" else None,
            }
        )
    return out


def _unmeasured(result: Mapping[str, Any], t: Translator) -> list[dict[str, str]]:
    """What could not be measured and why: the source's own list, then undefined metrics."""
    source = result.get("source") or {}
    rows = [
        {"name": metric_name(str(k), t), "id": str(k), "reason": str(v), "origin": "source"}
        for k, v in (source.get("not_measured") or {}).items()
    ]
    order = {m: i for i, m in enumerate([*BASE_BY_ID, *KPI_BY_ID])}
    undefined = result.get("undefined") or {}
    for metric_id in sorted(undefined, key=lambda m: (order.get(m, len(order)), m)):
        rows.append(
            {
                "name": metric_name(str(metric_id), t),
                "id": str(metric_id),
                "reason": str(undefined[metric_id]),
                "origin": "audit",
            }
        )
    return rows


SHOWN_WITH_DEFINITIONS = frozenset({"metric_sources", "definition_differences"})
SHOWN_ELSEWHERE = SHOWN_WITH_DEFINITIONS | {"deliverability_dns"}
"""Provenance keys with a section of their own: the definitions table, and the DNS
answers the deliverability section was built from (kept for replay, not for reading)."""


def _connector_label(result: Mapping[str, Any], t: Translator) -> str:
    """The data source in the report's words: `file` is the config's id, not the client's."""
    connector = str((result.get("source") or {}).get("connector") or "")
    return t(f"connector.{connector}") if t.has(f"connector.{connector}") else connector


def _provenance_label(key: str, t: Translator) -> str:
    """A provenance key in words: the catalog's label, a metric's name, else the key's words."""
    if t.has(f"prov.{key}"):
        return t(f"prov.{key}")
    name = metric_name(key, t)
    return name if name != key else key.replace("_", " ").capitalize()


def _provenance_value(value: Any, t: Translator, depth: int = 0) -> str:
    """A provenance value in words: nested maps as `label: value` pairs, never a dict."""
    if isinstance(value, Mapping):
        if depth >= 2:
            return "…"
        parts = [
            f"{_provenance_label(str(k), t)}: {_provenance_value(v, t, depth + 1)}"
            for k, v in value.items()
        ]
        return "; ".join(parts) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_provenance_value(v, t, depth + 1) for v in value) or "—"
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and t.has(f"provval.{value}"):
        return t(f"provval.{value}")
    return str(value)


def _provenance(result: Mapping[str, Any], t: Translator) -> list[tuple[str, str]]:
    """The connector's provenance as readable label/value rows (it is connector-specific)."""
    provenance = (result.get("source") or {}).get("provenance") or {}
    if not isinstance(provenance, Mapping):
        return []
    # metric_sources and definition_differences have their own table (definitions.py)
    shown = {k: v for k, v in provenance.items() if k not in SHOWN_ELSEWHERE}
    rows = []
    for key, value in shown.items():
        text = _provenance_value(value, t)
        rows.append((_provenance_label(str(key), t), text[:600] + ("…" if len(text) > 600 else "")))
    return rows


def _toc(
    t: Translator,
    categories: list[dict[str, Any]],
    analysis: Mapping[str, Any],
    cited: bool = False,
) -> list[dict[str, Any]]:
    entries = [
        {"href": "#sec-summary", "label": t("summary.title"), "level": 1},
        {"href": "#sec-findings", "label": t("findings.title"), "level": 1},
    ]
    for c in categories:
        entries.append({"href": f"#sec-{c['id']}", "label": c["name"], "level": 1})
        if c["funnel"]:
            entries.append({"href": "#sec-funnel", "label": t("funnel.title"), "level": 2})
    if "trends" in analysis or "anomalies" in analysis:
        entries.append({"href": "#sec-trends", "label": t("trends.title"), "level": 1})
        if "anomalies" in analysis:
            entries.append({"href": "#sec-anomalies", "label": t("anomalies.title"), "level": 2})
    business = [
        (key, anchor, label)
        for key, anchor, label in (
            ("lead_scoring", "#sec-lead-scoring", "business.lead.title"),
            ("plan", "#sec-plan", "business.plan.title"),
            ("channels", "#sec-channels", "business.channels.title"),
        )
        if key in analysis
    ]
    if business:
        entries.append({"href": "#sec-business", "label": t("business.title"), "level": 1})
        for _, anchor, label in business:
            entries.append({"href": anchor, "label": t(label), "level": 2})
    if "deliverability" in analysis:
        entries.append(
            {"href": "#sec-deliverability", "label": t("deliverability.section.title"), "level": 1}
        )
    entries.append({"href": "#sec-appendix", "label": t("appendix.title"), "level": 1})
    keys = ("kpis", "definitions", "sources", "unmeasured", "packs")
    for key in (*keys, *(("citations",) if cited else ()), "caveats"):
        entries.append({"href": f"#sec-{key}", "label": t(f"appendix.{key}"), "level": 2})
    return entries
