"""Evaluating one rule on a period's metrics -> a Finding (RULES.md "Semantics").

Missing data never passes: an absent or undefined metric takes the rule's
`on_missing` status; a sample below `min_sample` is `not_applicable`, shown and
not scored; a change rule without a usable baseline takes
`on_missing_baseline`.  The fail band is checked before the warn band; a score
curve grades the value and, without bands, sets the status from the score.
A waiver keeps the evaluation and shows it as `waived`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditor.core import reasons
from auditor.core.models import Finding, PeriodMetrics, rank_key
from auditor.rules.loader import RuleSet
from auditor.rules.model import Citation, Rule, RuleSource
from auditor.rules.registry import rule_citations
from auditor.rules.scoring_curves import log_normal_score
from auditor.rules.templates import render

SCORES = {"pass": 100.0, "warn": 50.0, "fail": 0.0}

_STANDARD = {
    "no_data": {"es": "Sin datos: {reason}.", "en": "No data: {reason}."},
    "not_applicable": {"es": "No aplicable: {reason}.", "en": "Not applicable: {reason}."},
    "error": {"es": "No se pudo evaluar: {reason}.", "en": "Could not be evaluated: {reason}."},
}


@dataclass
class _Verdict:
    status: str | None = None
    reason: str | None = None
    judged: float | None = None  # the number the bands and curve apply to
    unit: str = ""
    score: float | None = None
    compare: dict[str, Any] | None = None


def _sample_reason(
    rule: Rule, metrics: PeriodMetrics, baseline_of: str | None = None
) -> str | None:
    for metric_id, minimum in rule.min_sample.items():
        period = ""
        if baseline_of:
            value, baseline_period = metrics.baseline(baseline_of, metric_id)
            period = baseline_period.label
        else:
            value = metrics.value(metric_id)
        suffix = "_baseline" if baseline_of else ""
        if value is None:
            return reasons.text(f"sample_not_measured{suffix}", metric=metric_id, period=period)
        if not math.isfinite(value):
            return reasons.text(f"sample_not_finite{suffix}", metric=metric_id, period=period)
        if value < minimum:
            return reasons.text(
                f"sample_too_small{suffix}",
                metric=metric_id,
                value=f"{value:g}",
                minimum=f"{minimum:g}",
                period=period,
            )
    return None


def _change(rule: Rule, value: float, baseline: float) -> float | None:
    """The change in the rule's mode, rounded to 12 decimals.

    Subtraction leaves binary noise (0.025 - 0.028 = -0.002999...), which would
    put an exact -0.3pp change on the wrong side of a `-0.3pp` boundary.
    """
    assert rule.compare is not None
    if rule.compare.change == "relative":
        return None if baseline == 0 else round((value - baseline) / abs(baseline), 12)
    return round(value - baseline, 12)


def _judge(rule: Rule, metrics: PeriodMetrics) -> _Verdict:
    metric = metrics.values.get(rule.metric)
    value = metric.value if metric else None
    verdict = _Verdict(judged=value, unit=metric.unit if metric else "")
    baseline: float | None = None
    if rule.compare is not None:
        # Described even when the rule cannot be judged, so renderers know what the
        # bands are about; `judged` then stays None (there is no change to show).
        baseline, period = metrics.baseline(rule.compare.to, rule.metric)
        verdict.compare = {
            "to": rule.compare.to,
            "change": rule.compare.change,
            "period": period.label,
            "current": value,
            "baseline": baseline,
        }
        verdict.unit = {"relative": "relative", "points": "points"}.get(
            rule.compare.change, verdict.unit
        )
        verdict.judged = None
    if value is None:
        verdict.reason = (metric.reason if metric else None) or reasons.text(
            "metric_not_available", metric=rule.metric
        )
        verdict.status = rule.on_missing
        if verdict.status in ("warn", "fail"):
            verdict.reason = reasons.text(
                "with_status", reason=verdict.reason, option="on_missing", status=verdict.status
            )
        return verdict
    if not math.isfinite(value):
        verdict.status = "error"
        verdict.reason = reasons.text("not_finite", expression=rule.metric)
        return verdict
    if (small := _sample_reason(rule, metrics)) is not None:
        verdict.status, verdict.reason = "not_applicable", small
        return verdict
    if rule.compare is not None:
        label = verdict.compare["period"] if verdict.compare else ""
        if baseline is None or not math.isfinite(baseline):
            verdict.status = rule.on_missing_baseline
            verdict.reason = reasons.text("no_baseline", metric=rule.metric, period=label)
            if verdict.status in ("warn", "fail"):
                verdict.reason = reasons.text(
                    "with_status",
                    reason=verdict.reason,
                    option="on_missing_baseline",
                    status=verdict.status,
                )
            return verdict
        if (small := _sample_reason(rule, metrics, rule.compare.to)) is not None:
            verdict.status, verdict.reason = "not_applicable", small
            return verdict
        change = _change(rule, value, baseline)
        if change is None:
            verdict.status = rule.on_missing_baseline
            verdict.reason = reasons.text("zero_baseline", metric=rule.metric, period=label)
            return verdict
        verdict.judged = change
    judged = verdict.judged
    assert judged is not None
    if rule.score is not None:
        curve = log_normal_score(
            judged, rule.score.good, rule.score.median, rule.score.direction == "higher_is_better"
        )
        # Floor, not round: a value short of a control point must not reach its score.
        verdict.score = math.floor(curve * 1000) / 10
    if rule.thresholds is not None:
        if rule.thresholds.fail is not None and rule.thresholds.fail.matches(judged):
            verdict.status = "fail"
        elif rule.thresholds.warn is not None and rule.thresholds.warn.matches(judged):
            verdict.status = "warn"
        else:
            verdict.status = "pass"
    else:
        score = verdict.score or 0.0
        verdict.status = "pass" if score >= 90 else "warn" if score >= 50 else "fail"
    return verdict


def evaluate_rule(
    rule: Rule,
    metrics: PeriodMetrics,
    *,
    language: str,
    currency: str,
    client: Mapping[str, Any],
    pack: str = "",
    today: date | None = None,
    citations: Mapping[str, Citation] | None = None,
) -> Finding:
    """Judge one rule; never raises for missing or odd data."""
    verdict = _judge(rule, metrics)
    status = verdict.status or "error"
    score = verdict.score if verdict.score is not None else SCORES.get(status)
    if status not in SCORES:
        score = None
    # the reason in the audit's language, as the message and title are
    reason = reasons.localize(verdict.reason, language) if verdict.reason else verdict.reason
    metric = metrics.values.get(rule.metric)
    current = metric.value if metric else None
    if verdict.compare:
        previous, change = verdict.compare["baseline"], verdict.judged if status in SCORES else None
    else:
        previous, change = (metric.previous, metric.change) if metric else (None, None)
    thresholds = rule.thresholds.to_json() if rule.thresholds else {}
    context = {
        "value": current,
        "previous": previous,
        "change": change,
        "thresholds": thresholds,
        "score": score,
        "metrics": {k: v.value for k, v in metrics.values.items()},
        "client": dict(client),
        "metric": rule.metric,
        "status": status,
        "reason": reason or "",
    }
    title = render(rule.title.get(language), context, language, currency)
    message, recommendation = _texts(rule, context, status, reason, language, currency)

    waived_status = None
    waiver = None
    if rule.waiver is not None and (today or date.today()) <= rule.waiver.until:
        waived_status, status, score = status, "waived", None
        waiver = {"reason": rule.waiver.reason, "until": rule.waiver.until.isoformat()}
    return Finding(
        rule=rule.id,
        category=rule.category,
        status=status,
        score=score,
        weight=rule.weight,
        metric=rule.metric,
        value=verdict.judged,
        unit=verdict.unit,
        threshold=rule.threshold_text(),
        message=message,
        recommendation=recommendation,
        title=title,
        previous=previous,
        change=change,
        thresholds=thresholds,
        confidence=rule.confidence,
        source=source_note(rule, language),
        citations=_citations(rule, citations),
        reason=reason,
        pack=pack,
        compare=verdict.compare,
        waived_status=waived_status,
        waiver=waiver,
        labels=tuple(rule.labels),
        owner=rule.owner,
        effort=rule.effort,
    )


def _texts(
    rule: Rule,
    context: dict[str, Any],
    status: str,
    reason: str | None,
    language: str,
    currency: str,
) -> tuple[str, str]:
    """The finding's message and recommendation: the rule's templates when it was judged,
    the standard sentence with the reason when it was not."""
    if reason is None:
        message = render(rule.message.get(language), context, language, currency)
        recommendation = (
            render(rule.recommendation.get(language), context, language, currency)
            if status in ("warn", "fail")
            else ""
        )
        return message, recommendation
    kind = status if status in _STANDARD else "no_data"
    return _STANDARD[kind][language].format(reason=reason), ""


def _citations(rule: Rule, citations: Mapping[str, Citation] | None) -> tuple[dict[str, Any], ...]:
    """The works the rule's source cites, as the finding carries them."""
    return tuple(c.to_json() for _, c in rule_citations(rule, citations))


def source_note(rule: Rule, language: str) -> str:
    """Why the thresholds are what they are, in the audit's language."""
    if isinstance(rule.source, RuleSource):
        return rule.source.note.get(language)
    return rule.source


def rank(findings: list[Finding]) -> list[Finding]:
    """Worst first (`models.rank_key`): status, then impact, score, weight, rule id."""
    return sorted(findings, key=lambda f: rank_key(f.status, f.impact, f.score, f.weight, f.rule))


def evaluate(
    rule_set: RuleSet,
    metrics: PeriodMetrics,
    *,
    language: str,
    currency: str,
    client: Mapping[str, Any],
    today: date | None = None,
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
            today=today,
            citations=rule_set.citations,
        )
        for rule in rule_set.rules
        if rule.enabled
    ]
    return rank(findings)
