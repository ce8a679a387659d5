"""What would make an audit complete: the rules left unjudged for lack of data, and the base
metrics (and where to get them) that would let them be judged.

A hollow audit must not look healthy: a category whose rules mostly had no data has its
score withheld, and this list says what is missing and which source gives it (a platform
connector, a native export layout, or a data-file column of the same name), in the
audit's language.  It reads only the finished result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.core import strings
from auditor.metrics.catalog import BASE_BY_ID, CATEGORIES, KPI_BY_ID

LABELS = strings.table("completeness")  # report_templates/strings_analysis_texts.yaml


@dataclass(frozen=True)
class Gap:
    """One category with rules left unjudged for lack of data."""

    category: str
    coverage: float | None
    rules: tuple[str, ...]
    metrics: tuple[str, ...]  # base metrics missing for them, catalog order
    costs: tuple[str, ...]  # `costs.x` keys missing for them


def _inputs(metric: str, seen: set[str] | None = None) -> set[str]:
    """The base metrics and `costs.x` keys a metric is computed from."""
    seen = set() if seen is None else seen
    if metric in seen:
        return set()
    seen.add(metric)
    if metric in BASE_BY_ID or metric.startswith(("costs.", "finance.")):
        return {metric}
    kpi = KPI_BY_ID.get(metric)
    if kpi is None:
        return set()
    if kpi.method != "formula":  # monthly churn and lead velocity read their named inputs
        names = list(kpi.method.split(":")[1:]) or ["mqls"]
    else:
        names = list(kpi.parsed.names)
    found: set[str] = set()
    for name in names:
        found |= _inputs(name, seen)
    return found


def _measured(result: Mapping[str, Any], metric: str) -> bool:
    entry = (result.get("metrics") or {}).get(metric)
    return isinstance(entry, Mapping) and entry.get("value") is not None


def _cost_given(result: Mapping[str, Any], key: str) -> bool:
    costs = (result.get("config") or {}).get("costs") or {}
    return isinstance(costs, Mapping) and costs.get(key.split(".", 1)[1]) is not None


def gaps(result: Mapping[str, Any]) -> list[Gap]:
    """Per category with no-data rules: those rules and the inputs they lack."""
    out: list[Gap] = []
    categories = result.get("categories") or {}
    for category in CATEGORIES:
        missing_rules: list[str] = []
        metrics: set[str] = set()
        costs: set[str] = set()
        for finding in result.get("findings") or []:
            if finding.get("category") != category or finding.get("status") != "no_data":
                continue
            missing_rules.append(str(finding.get("rule")))
            for name in _inputs(str(finding.get("metric") or "")):
                if name in BASE_BY_ID and not _measured(result, name):
                    metrics.add(name)
                elif name.startswith("costs.") and not _cost_given(result, name):
                    costs.add(name)
        if not missing_rules:
            continue
        info = categories.get(category) if isinstance(categories, Mapping) else None
        coverage = info.get("coverage") if isinstance(info, Mapping) else None
        out.append(
            Gap(
                category=category,
                coverage=float(coverage) if isinstance(coverage, int | float) else None,
                rules=tuple(missing_rules),
                metrics=tuple(m for m in BASE_BY_ID if m in metrics),
                costs=tuple(sorted(costs)),
            )
        )
    return out


def source_text(result: Mapping[str, Any], metric: str, language: str) -> str:
    """Where `metric` can come from, as one phrase in `language` (the result's
    `completeness.sources`, written by the audit from the connectors it knows)."""
    words = LABELS.get(language, LABELS["en"])
    sources = ((result.get("completeness") or {}).get("sources") or {}).get(metric) or {}
    platforms = list(sources.get("connectors") or [])
    layouts = list(sources.get("exports") or [])
    options = []
    if platforms:
        options.append(words["connector"].format(names=words["or"].join(platforms)))
    if layouts:
        options.append(words["export"].format(names=words["or"].join(layouts)))
    options.append(words["column"].format(metric=metric))
    return "; ".join(options)


def view(
    result: Mapping[str, Any], language: str, category_names: Mapping[str, str]
) -> dict[str, Any]:
    """The list as the report shows it: a title and, per category, its line and the
    missing metrics with their sources (the same sentences as `auditor check`)."""
    from auditor.core import formatting

    words = LABELS.get(language, LABELS["en"])
    rows = []
    for gap in gaps(result):
        coverage = formatting.pct(gap.coverage, language, 0) if gap.coverage is not None else "?"
        details = [
            words["from"].format(metric=m, sources=source_text(result, m, language))
            for m in gap.metrics
        ]
        if gap.costs:
            details.append(words["costs"].format(keys=", ".join(gap.costs)))
        rows.append(
            {
                "line": words["category"].format(
                    category=category_names.get(gap.category, gap.category),
                    coverage=coverage,
                    rules=", ".join(gap.rules),
                ),
                "details": details,
            }
        )
    return {"title": words["title"], "rows": rows}
