"""Evaluating one rule on a period's metrics -> a Finding (RULES.md "Semantics").

Missing data never passes: an absent or undefined metric takes the rule's
`on_missing` status; a sample below `min_sample` is `not_applicable`, shown and
not scored.  The fail band is checked before the warn band.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.models import Finding, PeriodMetrics
from auditor.rules.loader import RuleSet
from auditor.rules.model import Rule
from auditor.rules.templates import render

SCORES = {"pass": 100.0, "warn": 50.0, "fail": 0.0}

_STANDARD = {
    "no_data": {"es": "Sin datos: {reason}.", "en": "No data: {reason}."},
    "not_applicable": {"es": "No aplicable: {reason}.", "en": "Not applicable: {reason}."},
}


def _sample_reason(rule: Rule, metrics: PeriodMetrics) -> str | None:
    for metric_id, minimum in rule.min_sample.items():
        value = metrics.value(metric_id)
        if value is None:
            return f"sample size {metric_id} is not measured"
        if value < minimum:
            return f"sample too small to judge: {metric_id} is {value:g}, below the minimum of {minimum:g}"
    return None


def evaluate_rule(
    rule: Rule,
    metrics: PeriodMetrics,
    *,
    language: str,
    currency: str,
    client: Mapping[str, Any],
    pack: str = "",
) -> Finding:
    """Judge one rule; never raises for missing or odd data."""
    metric = metrics.values.get(rule.metric)
    value = metric.value if metric else None
    status: str
    reason: str | None = None
    if value is None:
        reason = (metric.reason if metric else None) or f"{rule.metric} is not available"
        status = rule.on_missing
        if status in ("warn", "fail"):
            reason = f"{reason} (on_missing: {status})"
    elif (small := _sample_reason(rule, metrics)) is not None:
        status, reason = "not_applicable", small
    elif rule.thresholds.fail is not None and rule.thresholds.fail.matches(value):
        status = "fail"
    elif rule.thresholds.warn is not None and rule.thresholds.warn.matches(value):
        status = "warn"
    else:
        status = "pass"

    score = SCORES.get(status) if value is not None or status in ("warn", "fail") else None
    if status not in SCORES:
        score = None
    context = {
        "value": value,
        "previous": metric.previous if metric else None,
        "change": metric.change if metric else None,
        "thresholds": rule.thresholds.to_json(),
        "score": score,
        "metrics": {k: v.value for k, v in metrics.values.items()},
        "client": dict(client),
        "metric": rule.metric,
        "status": status,
        "reason": reason or "",
    }
    if value is None or status == "not_applicable":
        message = _STANDARD.get(status, _STANDARD["no_data"])[language].format(reason=reason)
        recommendation = ""
        if status in ("warn", "fail"):
            message = f"{render(rule.title.get(language), context, language, currency)}: {message}"
    else:
        message = render(rule.message.get(language), context, language, currency)
        recommendation = (
            render(rule.recommendation.get(language), context, language, currency)
            if status in ("warn", "fail")
            else ""
        )
    return Finding(
        rule=rule.id,
        category=rule.category,
        status=status,
        score=score,
        weight=rule.weight,
        metric=rule.metric,
        value=value,
        unit=metric.unit if metric else "",
        threshold=rule.threshold_text(),
        message=message,
        recommendation=recommendation,
        title=render(rule.title.get(language), context, language, currency),
        previous=metric.previous if metric else None,
        change=metric.change if metric else None,
        thresholds=rule.thresholds.to_json(),
        confidence=rule.confidence,
        source=rule.source,
        reason=reason,
        pack=pack,
    )


_ORDER = {
    "fail": 0,
    "warn": 1,
    "error": 2,
    "no_data": 3,
    "not_applicable": 4,
    "waived": 5,
    "pass": 6,
}


def rank(findings: list[Finding]) -> list[Finding]:
    """Worst first: impact (weight x severity), then status, then lower score, then id."""
    return sorted(
        findings,
        key=lambda f: (
            -f.impact,
            _ORDER.get(f.status, 9),
            f.score if f.score is not None else 101,
            -f.weight,
            f.rule,
        ),
    )


def evaluate(
    rule_set: RuleSet,
    metrics: PeriodMetrics,
    *,
    language: str,
    currency: str,
    client: Mapping[str, Any],
) -> list[Finding]:
    """Every enabled rule's finding, ranked worst first."""
    findings = [
        evaluate_rule(
            rule,
            metrics,
            language=language,
            currency=currency,
            client=client,
            pack=rule_set.rule_pack.get(rule.id, ""),
        )
        for rule in rule_set.rules
        if rule.enabled
    ]
    return rank(findings)
