"""The history of audits: where results are recorded and how earlier ones are read back.

- `HistoryStore` (store.py): the SQLite file, its schema migrations and queries.
- `record_result` / `default_store_path`: what `run --record` / `check --record` call
  (after their outputs are written: `auditor.pipeline.session.FinishedAudit.record`).
- `ClientIdentity` (auditor/core/identity.py): whose runs a reader asks for; every
  read of one client's runs selects by it, never by slug alone.
- `apply_history_baselines` / `history_baselines`: the runner's step between the
  KPI calculator and the rule engine (DESIGN.md section 2) that fills the
  previous period's and last year's values the connector's data did not reach,
  from the stored results of those periods.
- `diff_results`, `new_failures`, `regressions` (diff.py): comparing two results.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.core.identity import ClientIdentity
from auditor.core.models import MetricValue, PeriodMetrics
from auditor.history.diff import diff_results, new_failures, regressions, resolved_findings
from auditor.history.records import (
    ClientRef,
    HistoryError,
    RunSummary,
    pack_hash,
    shared_key_message,
    stored_metrics,
)
from auditor.history.store import HistoryStore

if TYPE_CHECKING:
    from auditor.config.settings import AuditConfig

__all__ = [
    "DEFAULT_STORE",
    "ClientIdentity",
    "ClientRef",
    "HistoryError",
    "HistoryStore",
    "RunSummary",
    "apply_history_baselines",
    "configured_store_path",
    "default_store_path",
    "diff_results",
    "history_baselines",
    "new_failures",
    "pack_hash",
    "record_result",
    "regressions",
    "resolved_findings",
    "shared_key_message",
    "stored_metrics",
]

DEFAULT_STORE = Path(".auditor") / "history.sqlite"


def default_store_path(config_folder: Path) -> Path:
    """Where a config's history lives unless `history.path` says otherwise."""
    return Path(config_folder) / DEFAULT_STORE


def configured_store_path(config: AuditConfig) -> Path:
    """The store of an audit config: its `history.path`, else the default next to it."""
    return config.history_path or default_store_path(config.folder)


def record_result(result: dict[str, Any], store_path: Path) -> None:
    """Record one audit result (JSON form) in the store at `store_path`, creating it."""
    HistoryStore(store_path).record(result)


def _relative_change(value: float | None, before: float | None) -> float | None:
    """As the KPI calculator's change: (value - before) / |before|; None at 0 or missing."""
    if value is None or before is None or before == 0:
        return None
    return (value - before) / abs(before)


def _as_store(store: HistoryStore | Path | str | None) -> HistoryStore | None:
    if store is None or isinstance(store, HistoryStore):
        return store
    return HistoryStore(store)


def _origin(from_source: bool, from_history: bool) -> str:
    if from_source and from_history:
        return "source+history"
    return "source" if from_source else "history" if from_history else "none"


def history_baselines(
    metrics: PeriodMetrics, store: HistoryStore | Path | str | None, client: ClientRef
) -> tuple[PeriodMetrics, dict[str, Any]]:
    """Fill the baselines the connector's data lacks from the store, and say where each came from.

    Only values that are None are filled: a `MetricValue.previous` (with its
    `change`) from the latest stored result of the previous period, a
    `last_year` value from the one of the same period last year.  The second
    item is the provenance for `result["source"]["baselines"]`:

        {"previous_period": {"period": "2026-Q2", "from": "history",
                             "run": {"id": 3, "recorded_at": ..., ...},
                             "metrics": ["click_rate", ...]},
         "same_period_last_year": {"period": "2025-Q3", "from": "source"}}

    `from` is `source` (the connector's data), `history` (the store),
    `source+history` (both) or `none`; `run` and `metrics` (the ids filled from
    the store) appear only when the store was used.  Only `client`'s own runs
    are read (its `ClientIdentity`; text is resolved as `HistoryStore.identify`
    does), never another client's under the same slug.  A missing store file is
    simply no history; a corrupt one raises HistoryError.
    """
    store = _as_store(store)
    previous_period = metrics.previous_period
    last_year_period = metrics.period.same_period_last_year()
    stored: dict[str, tuple[Any, dict[str, float | None]] | None] = {}
    for key, period in (
        ("previous_period", previous_period),
        ("same_period_last_year", last_year_period),
    ):
        found = store.latest_run(client, period.label) if store is not None else None
        stored[key] = (found[0], stored_metrics(found[1])) if found else None

    values: dict[str, MetricValue] = dict(metrics.values)
    filled_previous: list[str] = []
    if (previous := stored["previous_period"]) is not None:
        for metric_id, item in metrics.values.items():
            before = previous[1].get(metric_id)
            if item.previous is None and before is not None:
                values[metric_id] = replace(
                    item, previous=before, change=_relative_change(item.value, before)
                )
                filled_previous.append(metric_id)
    last_year = dict(metrics.last_year)
    filled_last_year: list[str] = []
    if (year := stored["same_period_last_year"]) is not None:
        for metric_id in metrics.values:
            before = year[1].get(metric_id)
            if last_year.get(metric_id) is None and before is not None:
                last_year[metric_id] = before
                filled_last_year.append(metric_id)

    provenance: dict[str, Any] = {}
    for key, period, from_source, filled in (
        (
            "previous_period",
            previous_period,
            any(v.previous is not None for v in metrics.values.values()),
            filled_previous,
        ),
        (
            "same_period_last_year",
            last_year_period,
            any(v is not None for v in metrics.last_year.values()),
            filled_last_year,
        ),
    ):
        found = stored[key]
        provenance[key] = _baseline_entry(
            period.label, from_source, filled, found[0] if found and filled else None
        )
    if not filled_previous and not filled_last_year:
        return metrics, provenance
    return replace(metrics, values=values, last_year=last_year), provenance


def _baseline_entry(
    period: str, from_source: bool, filled: list[str], summary: Any
) -> dict[str, Any]:
    """Where one baseline came from; with the stored run and the metrics it filled."""
    entry: dict[str, Any] = {"period": period, "from": _origin(from_source, bool(filled))}
    if summary is not None:
        entry["run"] = {
            "id": summary.id,
            "recorded_at": summary.recorded_at,
            "generated_at": summary.generated_at,
            "tool_version": summary.tool_version,
            "pack_hash": summary.pack_hash,
        }
        entry["metrics"] = sorted(filled)
    return entry


def apply_history_baselines(
    metrics: PeriodMetrics, store: HistoryStore | Path | str | None, client: ClientRef
) -> PeriodMetrics:
    """`history_baselines` without the provenance."""
    return history_baselines(metrics, store, client)[0]
