"""The validated config as the flow uses it: `AuditConfig` and the report's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.connectors.base import Connector, ConnectorOptions
from auditor.core.identity import ClientIdentity
from auditor.core.identity import slugify as slugify
from auditor.core.period import Period
from auditor.core.yamlpos import Located


@dataclass(frozen=True)
class ReportSettings:
    logo: Path | None
    accent: str | None
    agency: str | None
    page_size: str


@dataclass(frozen=True)
class DeliverabilitySettings:
    """`deliverability:`: the sending domains checked in every audit, the message resolved
    against the config's folder."""

    domains: tuple[str, ...]
    selectors: tuple[str, ...] = ()
    sample_message: Path | None = None
    nameserver: str | None = None
    timeout: float = 5.0


@dataclass
class AuditConfig:
    """A validated audit config, with paths resolved against the config's folder."""

    path: Path
    located: Located
    client: str
    slug: str
    period: Period
    language: str
    timezone: str
    connector: type[Connector]
    connector_options: ConnectorOptions
    currency: str
    cost_basis: str
    costs: dict[str, float]
    gross_margin: float | None
    packs: tuple[str, ...]
    overrides: dict[str, dict[str, Any]]
    targets: dict[str, float]
    report: ReportSettings
    extra: dict[str, Any] = field(default_factory=dict)
    history_path: Path | None = None  # None: .auditor/history.sqlite in the config's folder
    history_record: bool = False
    history_reuse_months: bool = True  # history.reuse_months (auditor/pipeline/recorded.py)
    channel_costs: dict[str, float] = field(default_factory=dict)  # costs.channels
    analysis: dict[str, Any] = field(default_factory=dict)  # the `analysis:` key, set options only
    deliverability: DeliverabilitySettings | None = None  # the `deliverability:` key
    client_id: str | None = None  # `client_id:`; then also the slug
    currency_set: bool = False  # costs.currency written in the YAML (not the EUR default)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def identity(self) -> ClientIdentity:
        """Whose audits the history holds for this config (docs/history.md)."""
        return ClientIdentity(self.client, self.client_id)

    def costs_for(self, months: int) -> dict[str, float]:
        """Cost items for a period of `months` months (scaled when costs are monthly)."""
        factor = months if self.cost_basis == "month" else 1
        return {k: v * factor for k, v in self.costs.items()}

    def analysis_options(self, months: int) -> dict[str, Any]:
        """`AnalysisContext.options`: the `analysis:` key plus `channel_costs` for `months`."""
        factor = months if self.cost_basis == "month" else 1
        costs = {k: v * factor for k, v in self.channel_costs.items()}
        return {**self.analysis, "channel_costs": costs}

    def to_json(self) -> dict[str, Any]:
        """The parts of the config a report needs, for the result JSON."""
        return {
            "currency": self.currency,
            "timezone": self.timezone,
            "costs": dict(self.costs),
            "cost_basis": self.cost_basis,
            "finance": {"gross_margin": self.gross_margin},
            "targets": dict(self.targets),
            "report": {
                "logo": str(self.report.logo) if self.report.logo else None,
                "accent": self.report.accent,
                "agency": self.report.agency,
                "page_size": self.report.page_size,
            },
        }
