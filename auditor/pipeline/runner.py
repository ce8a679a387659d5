"""The only module that knows the order of the flow (DESIGN.md section 2).

config -> rules (loaded first, so a bad rule file fails before any fetch) ->
connector -> KPI calculator -> rule engine -> scoring -> exit code -> result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.analysis import AnalysisContext, run_analysis
from auditor.analysis import value as value_estimates
from auditor.config.loader import load_config
from auditor.config.settings import AuditConfig
from auditor.connectors import coverage
from auditor.connectors.snapshot import snapshot_to_json
from auditor.core import reasons
from auditor.core.errors import InputError, Problem
from auditor.core.models import AuditResult, PeriodMetrics, SourceData
from auditor.core.period import Period, add_months
from auditor.gating.gate import Gate, exit_status
from auditor.history import configured_store_path, history_baselines
from auditor.metrics.calculator import add_derived, calculate, trend
from auditor.metrics.catalog import BASE_BY_ID
from auditor.metrics.consistency import consistency_warnings
from auditor.pipeline.currency import reconcile_currency
from auditor.pipeline.deliverability import KEY as DELIVERABILITY
from auditor.pipeline.deliverability import check_deliverability
from auditor.pipeline.recorded import fetch_with_recorded
from auditor.rules.engine import evaluate, rank
from auditor.rules.loader import RuleSet, load_rules
from auditor.rules.scoring import score

HISTORY_MONTHS = 13  # the month before the previous period (churn) + last year's period


def months_needed(period: Period) -> list[str]:
    """The audited months plus the history KPIs and comparisons read."""
    first = add_months(period.first, -period.count - HISTORY_MONTHS)
    return [add_months(first, i) for i in range(2 * period.count + HISTORY_MONTHS)]


def _check_coverage(data: SourceData, period: Period) -> None:
    if any(m in data.monthly for m in period.months):
        return
    if data.months:
        covers = f"it covers {data.months[0]} to {data.months[-1]}"
    else:
        covers = "it holds no monthly data at all"
    raise InputError(
        Problem(
            f"no data for the period {period.label} ({period.months[0]} to "
            f"{period.months[-1]}); {covers}",
            data.label,
        )
    )


def load_rule_set(config: AuditConfig) -> RuleSet:
    """The config's effective rules: its packs, then its overrides."""
    return load_rules(config.packs, config.folder, config.overrides, config.located)


def _fetch(config: AuditConfig, refetch: bool) -> SourceData:
    """The connector's data for every month the audit reads (the closed ones an earlier
    recorded run fetched taken from the history, unless `refetch`)."""
    connector = config.connector(config.connector_options, config.folder, config.timezone)
    reuse = config.history_reuse_months and not refetch
    return fetch_with_recorded(
        config, connector, months_needed(config.period), config.period, reuse=reuse
    )


def audit(
    config: AuditConfig,
    gate: Gate | None = None,
    language: str | None = None,
    data: SourceData | None = None,
    *,
    refetch: bool = False,
) -> AuditResult:
    """Run one audit end to end and return the finished result.

    `data` replays a snapshot instead of calling the config's connector; `refetch`
    asks the source for every month, none taken from the history (pipeline/recorded.py).
    """
    gate = gate or Gate()
    language = language or config.language
    rule_set = load_rule_set(config)
    data = _fetch(config, refetch) if data is None else data
    _check_coverage(data, config.period)
    delivery, delivery_findings, data = check_deliverability(config, data, language)
    config, currency_warnings = reconcile_currency(config, data)

    period = config.period
    monthly_costs = config.cost_basis == "month"
    metrics = calculate(
        data,
        period,
        config.costs_for(period.count),
        config.costs_for(period.count) if monthly_costs else None,
        config.gross_margin,
        previous_costs_reason=reasons.text("costs_period_only"),
    )
    metrics = add_derived(metrics, rule_set.derived, data)
    # Baselines the data does not reach back to, from recorded audits (docs/history.md).
    metrics, baselines = history_baselines(metrics, configured_store_path(config), config.identity)
    client = {"name": config.client, "slug": config.slug}
    findings = evaluate(
        rule_set, metrics, language=language, currency=config.currency, client=client
    )
    analysis, analysis_findings = run_analysis(_analysis_context(config, data, metrics, language))
    # what each problem costs and the action plan: analysis, never scored
    analysis[value_estimates.KEY] = value_estimates.estimates(findings, metrics, language)
    analysis.update({DELIVERABILITY: delivery} if delivery is not None else {})
    findings = rank([*findings, *analysis_findings, *delivery_findings])
    scores = score(findings, rule_set.category_weights)
    code, reason = exit_status(findings, scores, gate)
    return AuditResult(
        client=config.client,
        client_slug=config.slug,
        client_id=config.client_id,
        language=language,
        period=period,
        previous_period=period.previous(),
        source=_source_block(data, baselines),
        metrics=metrics,
        findings=tuple(findings),
        scores=scores,
        rule_packs=tuple(p.to_json() for p in rule_set.packs),
        tool_version=__version__,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        exit_code=code,
        exit_reason=reason,
        config=config.to_json(),
        analysis=analysis,
        warnings=(
            *(str(w) for w in rule_set.warnings),
            *currency_warnings,
            *(f"{data.label}: {w}" for w in consistency_warnings(data.monthly)),
        ),
        snapshot=snapshot_to_json(data, config.client, config.slug),
        completeness={
            "sources": coverage.sources(m for m in BASE_BY_ID if metrics.value(m) is None)
        },
        trend=trend(
            data,
            period,
            config.costs_for(period.count),
            config.costs_for(period.count) if monthly_costs else None,
            config.gross_margin,
        ),
    )


def _analysis_context(
    config: AuditConfig, data: SourceData, metrics: PeriodMetrics, language: str
) -> AnalysisContext:
    """What the informative analyses read: the data, the period's metrics, the config's
    targets, costs and options."""
    period = config.period
    return AnalysisContext(
        data=data,
        period=period,
        metrics=metrics,
        targets=config.targets,
        costs=config.costs_for(period.count),
        gross_margin=config.gross_margin,
        language=language,
        currency=config.currency,
        options=config.analysis_options(period.count),
    )


def _source_block(data: SourceData, baselines: Any) -> dict[str, Any]:
    """The result's `source`: where the data came from, what it could not measure, and
    the baselines taken from recorded audits."""
    return {
        "connector": data.connector,
        "label": data.label,
        "fetched_at": data.fetched_at,
        "months": [data.months[0], data.months[-1]] if data.months else [],
        "not_measured": dict(data.not_measured),
        "provenance": dict(data.provenance),
        "baselines": baselines,
        "currency": data.currency,
    }


def audit_file(
    path: Path,
    period: str | None = None,
    gate: Gate | None = None,
    language: str | None = None,
    snapshot: Path | None = None,
) -> AuditResult:
    """Load a config file and audit it (from a data snapshot when one is given)."""
    config = load_config(path, period)
    data = None
    if snapshot is not None:
        from auditor.connectors.snapshot import load_snapshot

        data = load_snapshot(snapshot, (config.client, config.slug))
    return audit(config, gate, language, data)
