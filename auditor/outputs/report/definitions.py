"""The appendix table "Base metrics: definition and source".

A consultant compares clients on different platforms; the figures are comparable
only if each base metric means the same everywhere.  This view puts, next to every
base metric the audit measured, the catalog's one definition (in the report's
language), the field of this client's source it was read from (the connector's
`metric_sources`, stamped into the provenance) and, where the platform cannot follow
the definition, how the figure differs (the connector's `definition_differences`).

It reads only the finished result, so a replayed snapshot or a stored result shows
what the original run fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.core.shapes import mapping_or_empty
from auditor.core.strings import Translator
from auditor.metrics.catalog import BASE_METRICS

MAX_SOURCE_CHARS = 300
"""A connector's source note is connector text: bounded so it cannot fill a page."""


def _table(provenance: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    table = provenance.get(key)
    return table if isinstance(table, Mapping) else {}


def _export_text(entry: Mapping[str, Any], t: Translator) -> str:
    """A native export's columns, or its rows and the column dating them (a deal export's won
    deals by Close Date), with the rows taken."""
    dated_by = str(entry.get("dated_by") or "")[:MAX_SOURCE_CHARS]
    columns = entry.get("columns")
    if isinstance(columns, list) and columns:
        names = " + ".join(t("appendix.quoted", name=str(c)[:MAX_SOURCE_CHARS]) for c in columns)
        text = t("appendix.export_columns", names=names, dated_by=dated_by)
    else:
        text = t("appendix.export_rows", dated_by=dated_by)
    where = entry.get("where")
    if where:
        text += " " + t("appendix.export_where", rows=str(where)[:MAX_SOURCE_CHARS])
    return text


def _source_text(
    where: Any, connector: str, layout: str, t: Translator, export: Any = None
) -> tuple[str, bool]:
    """The source cell and whether it is a platform's field reference (set as code)."""
    if isinstance(export, Mapping):
        return _export_text(export, t), False
    if where is None or not str(where).strip():
        return t("appendix.source_unnamed"), False
    text = str(where)[:MAX_SOURCE_CHARS]
    if connector == "file":
        form = "long" if layout == "long" else "wide"
        return t(f"appendix.file_source_{form}", name=text), False
    return text, True


def _difference(metric_id: str, connector: str, note: Any, t: Translator) -> str | None:
    if note is None or not str(note).strip():
        return None
    key = f"difference.{connector}.{metric_id}"
    # A plugin's own note has no translation: it is shown as the plugin wrote it.
    return t(key) if t.has(key) else str(note)[:MAX_SOURCE_CHARS]


def _sentence(text: str) -> str:
    """A catalog definition as a sentence: capital first, full stop last."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def definition_rows(result: Mapping[str, Any], t: Translator) -> list[dict[str, Any]]:
    """One row per base metric with a value in the audited period, in catalog order."""
    source = mapping_or_empty(result.get("source"))
    provenance = mapping_or_empty(source.get("provenance"))
    connector = str(source.get("connector") or "")
    layout = str(provenance.get("format") or "")
    sources = _table(provenance, "metric_sources")
    differences = _table(provenance, "definition_differences")
    export_sources = _table(provenance, "export_sources")
    metrics = mapping_or_empty(result.get("metrics"))
    # several sources (connectors/multi.py): each metric names its own connector and layout
    connectors = _table(provenance, "metric_connectors")
    layouts = {
        m: str((part.get("provenance") or {}).get("format") or "")
        for part in _table(provenance, "sources").values()
        if isinstance(part, Mapping)
        for m in part.get("metrics") or []
    }
    rows: list[dict[str, Any]] = []
    for metric in BASE_METRICS:
        entry = metrics.get(metric.id)
        if not isinstance(entry, Mapping) or entry.get("value") is None:
            continue
        own = str(connectors.get(metric.id) or connector)
        text, is_field = _source_text(
            sources.get(metric.id),
            own,
            layouts.get(metric.id, layout),
            t,
            export_sources.get(metric.id),
        )
        rows.append(
            {
                "id": metric.id,
                "name": metric.name[t.language],
                "definition": _sentence(metric.definition[t.language]),
                "source": text,
                "source_is_field": is_field,
                "difference": _difference(metric.id, own, differences.get(metric.id), t),
            }
        )
    return rows
