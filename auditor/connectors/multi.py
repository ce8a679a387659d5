"""Several sources for one client (`sources:` in the config): each delivers the base metrics
it has, and the audit reads them as one.

A consultant's client has an email platform, a CRM export and a finance sheet; each is an
ordinary source block (its own connector and options, validated as `source:` is).  Two
sources delivering the same base metric would make the audit's figure depend on an
accident of order, so it is an error naming both, unless a block's `metrics:` list says
which metrics it delivers (the others it holds are ignored).  Provenance, snapshots and
`connectors test` keep every source apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from auditor.connectors.base import Connector, ConnectorOptions
from auditor.core.errors import InputError, Problem
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.metrics.catalog import BASE_BY_ID


@dataclass(frozen=True)
class SourceSpec:
    """One block of `sources:`: its name, connector, validated options and allow-list."""

    name: str
    connector: type[Connector]
    options: ConnectorOptions
    metrics: tuple[str, ...] | None = None  # None: every metric the source delivers


class MultiOptions(ConnectorOptions):
    """Built by the config from `sources:`; never written by users as such."""

    model_config = ConnectorOptions.model_config | {"arbitrary_types_allowed": True}
    specs: tuple[Any, ...] = ()


class MultiConnector(Connector):
    """The sources of one client, fetched one after the other and merged."""

    name: ClassVar[str] = "multi"
    description: ClassVar[str] = "Several sources of one client, merged (sources: in the config)"
    Options: ClassVar[type[ConnectorOptions]] = MultiOptions
    metrics: ClassVar[tuple[str, ...]] = tuple(BASE_BY_ID)
    not_measured: ClassVar[Mapping[str, str]] = {}

    def _specs(self) -> tuple[SourceSpec, ...]:
        options = self.options
        assert isinstance(options, MultiOptions)
        return tuple(options.specs)

    def parts(self) -> list[tuple[SourceSpec, Connector]]:
        return [
            (spec, spec.connector(spec.options, self.config_dir, self.timezone))
            for spec in self._specs()
        ]

    def local_only(self) -> bool:
        return all(part.local_only() for _, part in self.parts())

    def input_files(self) -> tuple[Path, ...]:
        return tuple(path for _, part in self.parts() for path in part.input_files())

    def check(self) -> str:
        return "; ".join(f"{spec.name}: {part.check()}" for spec, part in self.parts())

    def fetch(self, months: Sequence[Month]) -> SourceData:
        fetched = [(spec, part.fetch(months)) for spec, part in self.parts()]
        return merge([(spec, _only(spec, data)) for spec, data in fetched])


def _only(spec: SourceSpec, data: SourceData) -> SourceData:
    """The source's data restricted to its `metrics:` list (the rest it holds is ignored)."""
    if spec.metrics is None:
        return data
    keep = set(spec.metrics)
    return replace(
        data,
        monthly={m: {k: v for k, v in row.items() if k in keep} for m, row in data.monthly.items()},
        by_channel={
            channel: {m: {k: v for k, v in row.items() if k in keep} for m, row in series.items()}
            for channel, series in data.by_channel.items()
        },
        not_measured={k: v for k, v in data.not_measured.items() if k in keep},
    )


def _measured(data: SourceData) -> set[str]:
    return {metric for row in data.monthly.values() for metric in row}


def _conflicts(fetched: list[tuple[SourceSpec, SourceData]], currencies: set[str]) -> list[Problem]:
    """What stops a merge: one metric from two sources, money in two currencies, leads
    from two sources."""
    owner: dict[str, str] = {}
    problems: list[Problem] = []
    for spec, data in fetched:
        for metric in sorted(_measured(data), key=list(BASE_BY_ID).index):
            if metric in owner:
                problems.append(
                    Problem(
                        f"sources: '{owner[metric]}' and '{spec.name}' both deliver {metric}; "
                        f"say which one does with a `metrics:` list on one of them"
                    )
                )
            else:
                owner[metric] = spec.name
    if len(currencies) > 1:
        problems.append(
            Problem(
                "sources: the money of the sources is in different currencies ("
                + ", ".join(sorted(currencies))
                + "); amounts in two currencies are never added"
            )
        )
    with_leads = [spec.name for spec, data in fetched if data.leads]
    if len(with_leads) > 1:
        problems.append(
            Problem(f"sources: several sources hold leads ({', '.join(with_leads)}); keep one")
        )
    return problems


def merge(fetched: list[tuple[SourceSpec, SourceData]]) -> SourceData:
    """One SourceData from several; two sources delivering one metric is an error."""
    currencies = {data.currency for _, data in fetched if data.currency}
    problems = _conflicts(fetched, currencies)
    if problems:
        raise InputError(problems)

    monthly: dict[Month, dict[str, float]] = {}
    by_channel: dict[str, dict[Month, dict[str, float]]] = {}
    metric_sources: dict[str, str] = {}
    metric_connectors: dict[str, str] = {}
    differences: dict[str, str] = {}
    export_sources: dict[str, Any] = {}
    per_source: dict[str, Any] = {}
    for spec, data in fetched:
        for month, row in data.monthly.items():
            monthly.setdefault(month, {}).update(row)
        for channel, series in data.by_channel.items():
            for month, row in series.items():
                by_channel.setdefault(channel, {}).setdefault(month, {}).update(row)
        prov = dict(data.provenance)
        mine = _measured(data)
        for metric in mine:
            metric_connectors[metric] = data.connector
        for key, target in (
            ("metric_sources", metric_sources),
            ("definition_differences", differences),
            ("export_sources", export_sources),
        ):
            table = prov.get(key)
            if isinstance(table, Mapping):
                target.update({k: v for k, v in table.items() if k in mine})
        per_source[spec.name] = {
            "connector": data.connector,
            "label": data.label,
            "months": [min(data.monthly), max(data.monthly)] if data.monthly else [],
            "metrics": sorted(mine, key=list(BASE_BY_ID).index),
            "provenance": prov,
        }
    measured = set(metric_connectors)
    reasons: dict[str, str] = {}
    for spec, data in fetched:
        for metric, why in data.not_measured.items():
            if metric not in measured and metric not in reasons:
                reasons[metric] = f"{spec.name}: {why}"
    leads = next((data.leads for _, data in fetched if data.leads), ())
    return SourceData(
        connector="+".join(dict.fromkeys(data.connector for _, data in fetched)),
        label=" + ".join(data.label for _, data in fetched),
        monthly={m: monthly[m] for m in sorted(monthly)},
        fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        by_channel=by_channel,
        not_measured=reasons,
        provenance={
            "sources": per_source,
            "metric_sources": metric_sources,
            "metric_connectors": metric_connectors,
            "definition_differences": differences,
            "export_sources": export_sources,
        },
        leads=leads,
        currency=next(iter(currencies), None),
        campaigns=tuple(
            sorted(
                (c for _, data in fetched for c in data.campaigns),
                key=lambda c: (c.sent_on, c.campaign_id),
            )
        ),
        engagement=next((d.engagement for _, d in fetched if d.engagement is not None), None),
    )
