"""Months an earlier recorded audit already fetched from the same source, reused.

A quarterly audit reads 19 months (the quarter, the previous one, the month
before it and last year's quarter, plus the trends' history); 16 of them were
fetched, closed, by the previous quarter's audit.  For a platform asked month by
month (HubSpot: nine requests a month) asking them again is most of the run's
requests and of its rate-limit budget.  So when the config's history store holds
this client's earlier runs, the months they fetched are taken from there, under
rules that keep the numbers the same as a full fetch would give (docs/history.md,
"Months reused from the history"):

- only for connectors that declare `reuses_recorded_months` (the HTTP ones: a
  file is cheap to read again and is itself the record);
- only from a run of the same tool version, the same connector with the same
  options and time zone (`source_key`), whose snapshot holds the month;
- only a month that had ended when that run fetched it, and never a month of
  the audited period (always asked afresh);
- without the stocks the connector reports as the account's state when it fetched
  (`state_at_fetch`: HubSpot's and ActiveCampaign's enabled workflows, set only for
  the latest month);
- only the oldest months, up to the first month not recorded: the connector is
  still asked one unbroken run of months, as before;
- if the fresh fetch says a metric is not measured that the reused months hold
  (a section refused, or HubSpot's "nothing sent in these months, undefined"),
  every month is asked again, so the result is what a full fetch would give.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.connectors.timeutil import month_bounds
from auditor.core.models import SourceData
from auditor.core.period import Month, Period
from auditor.history import HistoryStore

if TYPE_CHECKING:
    from auditor.config.settings import AuditConfig
    from auditor.connectors.base import Connector

PROVENANCE_KEY = "recorded_months"
SOURCE_KEY = "source_key"


def source_key(config: AuditConfig) -> str:
    """What makes two fetches the same source: connector, its options, the time zone."""
    options = config.connector_options.model_dump(mode="json")
    text = json.dumps(
        {"connector": config.connector.name, "options": options, "timezone": config.timezone},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RecordedMonths:
    """Months taken from the store: their values, and which run each came from."""

    monthly: Mapping[Month, Mapping[str, float]]
    runs: Mapping[Month, int]

    def provenance(self) -> dict[str, Any]:
        by_run: dict[str, list[Month]] = {}
        for month, run_id in sorted(self.runs.items()):
            by_run.setdefault(str(run_id), []).append(month)
        return {"months": sorted(self.monthly), "runs": by_run}


def _ended_before(month: Month, timezone: str, fetched_at: Any) -> bool:
    try:
        fetched = datetime.fromisoformat(str(fetched_at).replace("Z", "+00:00"))
    except ValueError:
        return False
    if fetched.tzinfo is None:
        return False
    return month_bounds(month, timezone)[1] <= fetched


def _usable_snapshot(result: Mapping[str, Any], connector: str, key: str) -> Mapping[str, Any]:
    """The run's snapshot if it is of this source and tool version, else an empty one."""
    snapshot, tool = result.get("snapshot"), result.get("tool")
    version = tool.get("version") if isinstance(tool, dict) else None
    if version != __version__ or not isinstance(snapshot, dict):
        return {}
    provenance = snapshot.get("provenance")
    if snapshot.get("connector") != connector or not isinstance(provenance, dict):
        return {}
    if provenance.get(SOURCE_KEY) != key or snapshot.get("by_channel"):
        return {}
    monthly = snapshot.get("monthly")
    return snapshot if isinstance(monthly, dict) else {}


def _row(values: Any, state_at_fetch: frozenset[str]) -> dict[str, float] | None:
    """A stored month's metrics but the connector's state at that fetch, if every value is
    a finite number (else the month is not reused)."""
    if not isinstance(values, dict):
        return None
    row: dict[str, float] = {}
    for metric, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value):
            return None
        if metric not in state_at_fetch:
            row[str(metric)] = float(value)
    return row


def recorded_months(
    config: AuditConfig, months: Sequence[Month], period: Period
) -> RecordedMonths | None:
    """The oldest of `months` found in this client's recorded runs; None when none is."""
    if not config.connector.reuses_recorded_months:
        return None
    from auditor.history import configured_store_path

    path = configured_store_path(config)
    if not path.is_file():
        return None
    key, name = source_key(config), config.connector.name
    state_at_fetch = config.connector.state_at_fetch
    found: dict[Month, tuple[str, int, dict[str, float]]] = {}  # month -> (fetched, run, row)
    for summary, result in HistoryStore(path).results(config.identity):
        snapshot = _usable_snapshot(result, name, key)
        fetched_at = str(snapshot.get("fetched_at", ""))
        for month, values in (snapshot.get("monthly") or {}).items():
            row = _row(values, state_at_fetch)
            if row is None or month not in months or month in period.months:
                continue
            if not _ended_before(month, config.timezone, fetched_at):
                continue
            if month not in found or found[month][0] < fetched_at:  # the latest fetch wins
                found[month] = (fetched_at, summary.id, row)
    prefix: list[Month] = []
    for month in sorted(months):
        if month not in found:
            break
        prefix.append(month)
    if not prefix:
        return None
    return RecordedMonths(
        monthly={m: found[m][2] for m in prefix}, runs={m: found[m][1] for m in prefix}
    )


def fetch_with_recorded(
    config: AuditConfig,
    connector: Connector,
    months: Sequence[Month],
    period: Period,
    *,
    reuse: bool = True,
) -> SourceData:
    """The connector's data for `months`, the recorded ones taken from the store."""
    stamp: Callable[[SourceData], SourceData] = _stamp(config)
    recorded = recorded_months(config, months, period) if reuse else None
    if recorded is None:
        return stamp(connector.fetch(months))
    fresh = connector.fetch([m for m in months if m not in recorded.monthly])
    lost = {
        metric
        for metric in fresh.not_measured
        if any(metric in row for row in recorded.monthly.values())
    }
    if lost:  # what a full fetch decides over all months: ask them all again
        return stamp(connector.fetch(months))
    monthly = {**recorded.monthly, **fresh.monthly}
    provenance = {**fresh.provenance, PROVENANCE_KEY: recorded.provenance()}
    return stamp(replace(fresh, monthly=monthly, provenance=provenance))


def _stamp(config: AuditConfig) -> Callable[[SourceData], SourceData]:
    """Mark data of a reusing connector with its source key, so a later run can reuse it."""

    def stamp(data: SourceData) -> SourceData:
        if not config.connector.reuses_recorded_months:
            return data
        return replace(data, provenance={**data.provenance, SOURCE_KEY: source_key(config)})

    return stamp
