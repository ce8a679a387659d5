"""The config file's schema (pydantic, strict): every key, its type and limits."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.core.identity import CLIENT_ID_PATTERN, CLIENT_ID_RULE
from auditor.core.identity import slugify as slugify
from auditor.core.validation import NonNegative, Number, did_you_mean
from auditor.core.vocabulary import Language, channel_key
from auditor.metrics.catalog import ALL_METRIC_IDS

_ENV = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
HIDE_BARE_MIN = 12
"""An expanded value this long is shown as its `${VAR}` even where a message does not quote it."""


Amount = NonNegative


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CostsModel(_Strict):
    currency: str = "EUR"
    per: Literal["period", "month"] = "period"
    platform: Amount | None = None
    staff: Amount | None = None
    services: Amount | None = None
    media: Amount | None = None
    sales: Amount | None = None
    overhead: Amount | None = None
    # Spend per channel (issue 7, channels analysis): a breakdown read by the analysis
    # only; it never enters marketing_cost or any KPI.
    channels: dict[str, Amount] = Field(default_factory=dict)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: dict[str, float]) -> dict[str, float]:
        seen: dict[str, str] = {}
        for name in value:
            key = channel_key(name)
            if not key:
                raise ValueError("a channel name must not be empty")
            if key in seen:
                raise ValueError(f"channels '{seen[key]}' and '{name}' are the same channel")
            seen[key] = name
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not _CURRENCY.match(value):
            raise ValueError("currency must be an ISO 4217 code such as EUR, USD or MXN")
        return value


class FinanceModel(_Strict):
    gross_margin: Annotated[Amount, Field(le=1)] | None = None


class RulesModel(_Strict):
    packs: list[str] = Field(default_factory=lambda: ["default"], min_length=1)
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)


MAX_NAME_CHARS = 1_000
"""The longest `client` and `report.agency`: names on a report's cover, in file names'
slugs and in the history, not documents."""


class ReportModel(_Strict):
    logo: str | None = None
    accent: str | None = None
    agency: str | None = None
    page_size: Literal["A4", "Letter"] = "A4"

    @field_validator("agency")
    @classmethod
    def _agency(cls, value: str | None) -> str | None:
        if value is not None and len(value) > MAX_NAME_CHARS:
            raise ValueError(
                f"the agency name is {len(value):,} characters; the limit is {MAX_NAME_CHARS:,}"
            )
        return value

    @field_validator("accent")
    @classmethod
    def _accent(cls, value: str | None) -> str | None:
        if value is not None and not _HEX_COLOUR.match(value):
            raise ValueError('accent must be a hex colour such as "#0b5fff"')
        return value


class HistoryModel(_Strict):
    """Where recorded audits live (docs/history.md); `record: true` records every run."""

    path: Annotated[str, Field(min_length=1)] | None = None  # default .auditor/history.sqlite
    record: bool = False
    reuse_months: bool = True  # closed months an earlier run fetched are not asked again


class LeadScoringOptions(_Strict):
    """`analysis.lead_scoring`: None keeps the method's documented default."""

    mql_threshold: Number | None = None
    min_leads: Annotated[int, Field(ge=10)] | None = None
    min_customers: Annotated[int, Field(ge=2)] | None = None


class ChannelOptions(_Strict):
    """`analysis.channels`: None keeps the method's documented default."""

    shift_share: Annotated[float, Field(gt=0, le=1)] | None = None


PositiveInt = Annotated[int, Field(ge=1)]


class TrendOptions(_Strict):
    """`analysis.trends`: which metrics get a trend and forecast, and how much history."""

    metrics: list[str] | None = None
    min_months: PositiveInt | None = None
    season_months: PositiveInt | None = None
    max_months: PositiveInt | None = None

    @field_validator("metrics")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        for metric_id in value or []:
            if metric_id not in ALL_METRIC_IDS:
                raise ValueError(
                    f"unknown metric id '{metric_id}'{did_you_mean(metric_id, ALL_METRIC_IDS)}"
                )
        return value


class AnomalyOptions(_Strict):
    """`analysis.anomalies`: the robust-residual threshold, history and the optional forest."""

    min_months: PositiveInt | None = None
    threshold: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    isolation_forest: bool | None = None
    seed: Annotated[int, Field(ge=0)] | None = None


class AnalysisModel(_Strict):
    """The `analysis:` key: options of the analysis methods, one mapping per method."""

    lead_scoring: LeadScoringOptions = Field(default_factory=LeadScoringOptions)
    channels: ChannelOptions = Field(default_factory=ChannelOptions)
    trends: TrendOptions = Field(default_factory=lambda: TrendOptions())
    anomalies: AnomalyOptions = Field(default_factory=lambda: AnomalyOptions())


class DeliverabilityModel(_Strict):
    """The `deliverability:` key: the sending domains to check in every audit
    (docs/deliverability.md)."""

    domains: Annotated[list[str], Field(min_length=1)]
    selectors: list[str] = Field(default_factory=list)
    sample_message: Annotated[str, Field(min_length=1)] | None = None  # relative to the config
    nameserver: str | None = None
    timeout: Annotated[float, Field(ge=0.1, le=60)] = 5.0

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        from auditor.deliverability.names import sending_domain

        return list(dict.fromkeys(sending_domain(d) for d in value))

    @field_validator("selectors")
    @classmethod
    def _selectors(cls, value: list[str]) -> list[str]:
        from auditor.deliverability.names import selector

        return [selector(s) for s in value]

    @field_validator("nameserver")
    @classmethod
    def _nameserver(cls, value: str | None) -> str | None:
        from auditor.deliverability.names import name_server

        if value is not None:
            name_server(value)
        return value


class ConfigModel(_Strict):
    client: Annotated[str, Field(min_length=1)]
    client_id: str | None = None  # the client's identity in file names and the history
    period: Any = None
    language: Language = "en"
    timezone: str = "UTC"
    source: dict[str, Any] | None = None
    sources: list[dict[str, Any]] | None = None  # several sources, merged (connectors/multi.py)
    costs: CostsModel | None = None
    finance: FinanceModel = Field(default_factory=FinanceModel)
    rules: RulesModel = Field(default_factory=RulesModel)
    targets: dict[str, Number] = Field(default_factory=dict)
    report: ReportModel = Field(default_factory=ReportModel)
    history: HistoryModel = Field(default_factory=HistoryModel)
    analysis: AnalysisModel = Field(default_factory=AnalysisModel)
    deliverability: DeliverabilityModel | None = None

    @field_validator("client")
    @classmethod
    def _client(cls, value: str) -> str:
        # NFC: the same name typed on two systems is one client (the history compares names)
        name = unicodedata.normalize("NFC", value.strip())
        if not name:
            raise ValueError("the client name must not be blank")
        if len(name) > MAX_NAME_CHARS:
            raise ValueError(
                f"the client name is {len(name):,} characters; the limit is {MAX_NAME_CHARS:,}"
            )
        return name

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str | None) -> str | None:
        if value is not None and not CLIENT_ID_PATTERN.match(value):
            raise ValueError(f"client_id must be {CLIENT_ID_RULE}")
        return value
