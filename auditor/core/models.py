"""The plain data handed from one stage of the flow to the next (DESIGN.md section 2).

Frozen dataclasses, so no stage can reach back and change what an earlier one
produced.  The audit result's JSON form (`AuditResult.to_json`) is the contract
every renderer reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor.core import reasons
from auditor.core.period import Month, Period

# Ranking has its own module (mutation-tested with the rules, docs/testing.md); these
# names stay importable from here.
from auditor.core.ranking import RANK_ORDER as RANK_ORDER
from auditor.core.ranking import finding_rank_key as finding_rank_key
from auditor.core.ranking import rank_key as rank_key

SCHEMA_VERSION = 1
STATUSES = ("pass", "warn", "fail", "no_data", "not_applicable", "error", "waived")
STATUS_ORDER = ("fail", "warn", "pass", "error", "no_data", "not_applicable", "waived")
"""The statuses in reading order: what needs action, what passed, what could not be judged."""
ACTIONABLE = ("fail", "warn")
"""The statuses a reader must act on (urgent in the report, regressions in a diff)."""
JUDGED = ("pass", "warn", "fail")
"""The statuses of a rule that was judged on its data."""

ANALYSIS_LABEL = "analysis"
"""The label of informative findings (analysis): shown, never counted as failures."""


def is_analysis(finding: Mapping[str, Any]) -> bool:
    return ANALYSIS_LABEL in (finding.get("labels") or ())


@dataclass(frozen=True)
class Lead:
    """One lead of the leads table (issue 7, lead-scoring quality; auditor/connectors/leads.py).

    `mql` and `customer` are None where the table leaves them empty: not known,
    which is not the same as "no".
    """

    lead_id: str
    created: date
    score: float
    mql: bool | None
    customer: bool | None


@dataclass(frozen=True)
class CampaignSend:
    """One campaign's delivery counts, as the platform reports them per send.

    Connectors return monthly totals for the metrics; these rows exist for what a
    total hides: one send whose hard bounces cross the limit at which a platform
    suspends the account (docs/deliverability.md, "Hard bounces per campaign").
    `name` is the client's text: untrusted, escaped in every output.
    """

    campaign_id: str
    name: str
    sent_on: date  # the send date in the account's time zone
    sent: int
    hard_bounces: int

    @property
    def month(self) -> Month:
        return f"{self.sent_on.year:04d}-{self.sent_on.month:02d}"


@dataclass(frozen=True)
class Engagement:
    """How much of the mailed list has stopped engaging, as the platform counts it, at
    the time of the fetch (a count of now, not of the audited months).

    `contacts_unengaged` follows the platform's own definition, named in `definition`
    (HubSpot's graymail rule; docs/deliverability.md, "The unengaged share").
    """

    platform: str
    as_of: date
    contacts_emailed: int
    contacts_unengaged: int
    definition: str


@dataclass(frozen=True)
class SourceData:
    """What a connector delivers: base metrics per month, plus where they came from.

    `monthly[month][metric_id]` holds a value only where the source measured it;
    an absent key means "not measured", which is not the same as 0.
    `by_channel[channel][month][metric_id]` keeps the channel breakdown of long
    files (already added into `monthly`).
    `currency` is the ISO 4217 code its money metrics are in, when the source
    knows it (a HubSpot portal's company currency); None when it delivers no
    money or cannot tell (a file).  The runner checks `costs.currency` against
    it, so costs and revenue are never two currencies read as one.
    """

    connector: str
    label: str
    monthly: Mapping[Month, Mapping[str, float]]
    fetched_at: str
    by_channel: Mapping[str, Mapping[Month, Mapping[str, float]]] = field(default_factory=dict)
    not_measured: Mapping[str, str] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    leads: tuple[Lead, ...] = ()  # lead-level rows, when the source has them (file: `leads:`)
    currency: str | None = None
    campaigns: tuple[CampaignSend, ...] = ()  # per-send rows, when the platform reports them
    engagement: Engagement | None = None  # the unengaged count, when the platform gives it

    @property
    def months(self) -> list[Month]:
        return sorted(self.monthly)


@dataclass(frozen=True)
class MetricValue:
    """One metric for the audited period; `value is None` means undefined, with `reason`."""

    id: str
    category: str
    unit: str
    kind: str  # "base" | "derived"
    value: float | None
    reason: str | None = None
    previous: float | None = None
    change: float | None = None
    formula: str | None = None
    as_of: Month | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "value": self.value,
            "unit": self.unit,
            "category": self.category,
            "kind": self.kind,
            "previous": self.previous,
            "change": self.change,
        }
        if self.formula:
            out["formula"] = self.formula
        if self.as_of:
            out["as_of"] = self.as_of
        return out


@dataclass(frozen=True)
class PeriodMetrics:
    """Every base metric and KPI of one period, as the rule engine reads them."""

    period: Period
    previous_period: Period
    values: Mapping[str, MetricValue]
    # "same_period_last_year" -> metric id -> value (None = undefined there); the
    # previous period's values live in each MetricValue.previous.
    last_year: Mapping[str, float | None] = field(default_factory=dict)

    def value(self, metric_id: str) -> float | None:
        found = self.values.get(metric_id)
        return found.value if found else None

    def baseline(self, to: str, metric_id: str) -> tuple[float | None, Period]:
        """The metric's value in the comparison period `to`, and that period."""
        if to == "same_period_last_year":
            return self.last_year.get(metric_id), self.period.same_period_last_year()
        found = self.values.get(metric_id)
        return (found.previous if found else None), self.previous_period


@dataclass(frozen=True)
class Finding:
    """The result of one rule: status, score and the evidence behind it."""

    rule: str
    category: str
    status: str
    score: float | None
    weight: float
    metric: str
    value: float | None
    unit: str
    threshold: str | None
    message: str
    recommendation: str
    title: str = ""
    previous: float | None = None
    change: float | None = None
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    confidence: str = "normal"
    source: str = ""
    reason: str | None = None
    pack: str = ""
    compare: Mapping[str, Any] | None = None
    waived_status: str | None = None
    waiver: Mapping[str, Any] | None = None
    labels: tuple[str, ...] = ()
    citations: tuple[Mapping[str, Any], ...] = ()
    """The published sources of the thresholds: publisher, title, year, url."""
    owner: str | None = None
    effort: str | None = None

    @property
    def severity(self) -> int:
        """Used to rank by impact (weight x severity): fail 2, warn 1, anything else 0."""
        return {"fail": 2, "warn": 1}.get(self.status, 0)

    @property
    def impact(self) -> float:
        return self.weight * self.severity

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "category": self.category,
            "status": self.status,
            "score": self.score,
            "weight": self.weight,
            "impact": self.impact,
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "previous": self.previous,
            "change": self.change,
            "threshold": self.threshold,
            "thresholds": dict(self.thresholds),
            "confidence": self.confidence,
            "message": self.message,
            "recommendation": self.recommendation,
            "reason": self.reason,
            "source": self.source,
            "pack": self.pack,
            "compare": dict(self.compare) if self.compare else None,
            "waived_status": self.waived_status,
            "waiver": dict(self.waiver) if self.waiver else None,
            "labels": list(self.labels),
            "citations": [dict(c) for c in self.citations],
            "owner": self.owner,
            "effort": self.effort,
        }


@dataclass(frozen=True)
class CategoryScore:
    """A category's weighted score; `score is None` when coverage is too low to trust it."""

    category: str
    score: float | None
    weight: float
    coverage: float
    evaluated_weight: float
    enabled_weight: float
    counts: Mapping[str, int]

    @property
    def incomplete(self) -> bool:
        return self.score is None

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "weight": self.weight,
            "coverage": self.coverage,
            "incomplete": self.incomplete,
            "counts": dict(self.counts),
        }


@dataclass(frozen=True)
class Scores:
    overall: float | None
    overall_coverage: float
    categories: Mapping[str, CategoryScore]


@dataclass(frozen=True)
class AuditResult:
    """The finished audit: the only thing renderers and CI outputs read."""

    client: str
    client_slug: str
    language: str
    period: Period
    previous_period: Period
    source: Mapping[str, Any]
    metrics: PeriodMetrics
    findings: tuple[Finding, ...]
    scores: Scores
    rule_packs: tuple[Mapping[str, Any], ...]
    tool_version: str
    generated_at: str
    exit_code: int
    exit_reason: str
    config: Mapping[str, Any] = field(default_factory=dict)
    analysis: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    trend: Mapping[str, Any] = field(default_factory=dict)
    snapshot: Mapping[str, Any] = field(default_factory=dict)
    completeness: Mapping[str, Any] = field(default_factory=dict)
    """`sources`: for each base metric the period lacks, the connectors and exports that
    give it (the renderers' "what would complete this audit" reads it)."""
    client_id: str | None = None  # the config's `client_id:` (then also the slug)

    def to_json(self) -> dict[str, Any]:
        """The audit result as DESIGN.md section 7 (schema_version 1) plus documented extras."""
        defined = {k: v.to_json() for k, v in self.metrics.values.items() if v.value is not None}
        language = self.language
        undefined = {
            k: reasons.localize(v.reason or "", language) or v.reason
            for k, v in self.metrics.values.items()
            if v.value is None
        }
        scores: dict[str, Any] = {"overall": self.scores.overall}
        scores.update({c: s.score for c, s in self.scores.categories.items()})
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "auditor", "version": self.tool_version},
            "generated_at": self.generated_at,
            "client": self.client,
            "client_slug": self.client_slug,
            "client_id": self.client_id,
            "language": self.language,
            "period": self.period.to_json(),
            "previous_period": self.previous_period.to_json(),
            "source": _localized_source(self.source, language),
            "metrics": defined,
            "undefined": undefined,
            "findings": [f.to_json() for f in self.findings],
            "scores": scores,
            "categories": {c: s.to_json() for c, s in self.scores.categories.items()},
            "overall_coverage": self.scores.overall_coverage,
            "rule_packs": [dict(p) for p in self.rule_packs],
            "config": dict(self.config),
            "analysis": _localized(dict(self.analysis), language),
            "warnings": list(self.warnings),
            "trend": dict(self.trend),
            "snapshot": dict(self.snapshot),
            "completeness": dict(self.completeness),
            "exit_code": self.exit_code,
            "exit_reason": self.exit_reason,
        }


_REASON_KEYS = frozenset({"reason", "coverage_reason"})


def _localized(value: Any, language: str) -> Any:
    """`value` with every reason (`reason`, `coverage_reason` keys) in `language`."""
    if isinstance(value, Mapping):
        return {
            k: reasons.localize(v, language)
            if k in _REASON_KEYS and isinstance(v, str)
            else _localized(v, language)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_localized(v, language) for v in value]
    return value


def _localized_source(source: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The source block with its not-measured reasons in `language` (those a template wrote)."""
    out = dict(source)
    not_measured = out.get("not_measured")
    if isinstance(not_measured, Mapping):
        out["not_measured"] = {
            k: reasons.localize(v, language) if isinstance(v, str) else v
            for k, v in not_measured.items()
        }
    return out
