"""From monthly base metrics to every metric of a period (DESIGN.md section 3).

Flows (`sum`) add up over the period's months and must be measured in every
one of them: a quarter with a missing month has no quarterly total, and a
partial sum would read as a drop.  Stocks (`last`) take the latest month of
the period that has a value.  KPIs are computed from the period values in
catalog order; anything that cannot be computed is `Undefined` with a reason.

A number that cannot be true is not judged either: a KPI that reads a base
metric contradicting another in one of the period's months (consistency.py),
or a share outside its declared bounds, is `Undefined` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from auditor.core import reasons
from auditor.core.models import MetricValue, PeriodMetrics, SourceData
from auditor.core.period import Month, Period, add_months
from auditor.metrics.catalog import BASE_METRICS, COST_KEYS, KPIS, Kpi
from auditor.metrics.consistency import suspect_metrics, suspicion
from auditor.metrics.expression import Formula, Outcome, Undefined

NOT_SET = reasons.text("not_set")


def aggregate_base(data: SourceData, period: Period) -> tuple[dict[str, Outcome], dict[str, Month]]:
    """Period values of the base metrics, and for stocks the month each value is as of."""
    values: dict[str, Outcome] = {}
    as_of: dict[str, Month] = {}
    months = period.months
    for metric in BASE_METRICS:
        if metric.id in data.not_measured:
            values[metric.id] = Undefined(data.not_measured[metric.id])
            continue
        present = [m for m in months if metric.id in data.monthly.get(m, {})]
        if not present:
            values[metric.id] = Undefined(reasons.text("not_measured_in", period=period.label))
        elif metric.aggregation == "last":
            values[metric.id] = float(data.monthly[present[-1]][metric.id])
            if present[-1] != period.last:
                as_of[metric.id] = present[-1]
        elif len(present) < len(months):
            missing = ", ".join(m for m in months if m not in present)
            values[metric.id] = Undefined(
                reasons.text(
                    "partial_period",
                    missing=missing,
                    present=len(present),
                    total=len(months),
                    period=period.label,
                )
            )
        else:
            values[metric.id] = float(sum(data.monthly[m][metric.id] for m in months))
    return values, as_of


def _monthly_churn(kpi: Kpi, data: SourceData, period: Period) -> Outcome:
    """Mean over the period's months of churned(month) / stock(previous month)."""
    _, churned_id, stock_id = kpi.method.split(":")
    if churned_id in data.not_measured:
        return Undefined(f"{churned_id}: {data.not_measured[churned_id]}")
    ratios = []
    for month in period.months:
        before = add_months(month, -1)
        churned = data.monthly.get(month, {}).get(churned_id)
        stock = data.monthly.get(before, {}).get(stock_id)
        if churned is None:
            return Undefined(
                reasons.text("metric_not_measured_in", metric=churned_id, period=month)
            )
        if stock is None:
            return Undefined(
                reasons.text(
                    "metric_not_measured_before", metric=stock_id, before=before, month=month
                )
            )
        if stock == 0:
            return Undefined(
                reasons.text("metric_zero_before", metric=stock_id, before=before, month=month)
            )
        ratios.append(churned / stock)
    return sum(ratios) / len(ratios)


def _lead_velocity(current: Outcome, previous: Outcome | None, previous_label: str) -> Outcome:
    if isinstance(current, Undefined):
        return Undefined(f"mqls: {current.reason}")
    if previous is None:
        return Undefined(
            reasons.text("metric_not_measured_previous", metric="mqls", period=previous_label)
        )
    if isinstance(previous, Undefined):
        return Undefined(
            reasons.text(
                "metric_in_previous", metric="mqls", period=previous_label, reason=previous.reason
            )
        )
    if previous == 0:
        return Undefined(reasons.text("metric_zero_previous", metric="mqls", period=previous_label))
    return (current - previous) / previous


def compute_period(
    data: SourceData,
    period: Period,
    costs: Mapping[str, float] | None,
    gross_margin: float | None,
    costs_reason: str = NOT_SET,
) -> tuple[dict[str, Outcome], dict[str, Month]]:
    """Every base metric and KPI of one period, undefined ones carrying their reason."""
    values, as_of = aggregate_base(data, period)
    names: dict[str, Outcome] = dict(values)
    for key in COST_KEYS:
        if costs is not None and key in costs:
            names[f"costs.{key}"] = float(costs[key])
        else:
            names[f"costs.{key}"] = Undefined(costs_reason)
    names["finance.gross_margin"] = (
        float(gross_margin) if gross_margin is not None else Undefined(NOT_SET)
    )
    previous_mqls = None
    previous_period = period.previous()
    if any(m in data.monthly for m in previous_period.months):
        previous_mqls = aggregate_base(data, previous_period)[0]["mqls"]
    suspects = suspect_metrics(data.monthly, period.months)
    for kpi in KPIS:
        if kpi.method == "formula":
            outcome = _believable(kpi, kpi.parsed.evaluate(names), suspects)
        elif kpi.method.startswith("monthly_churn"):
            outcome = _monthly_churn(kpi, data, period)
        else:
            outcome = _lead_velocity(names["mqls"], previous_mqls, previous_period.label)
        names[kpi.id] = outcome
        values[kpi.id] = outcome
    return values, as_of


def _believable(kpi: Kpi, outcome: Outcome, suspects: Mapping[str, tuple[str, ...]]) -> Outcome:
    """The KPI, unless it reads contradicting inputs or falls outside what it can be."""
    if (reason := suspicion(kpi.parsed.names, suspects)) is not None:
        return Undefined(reason)
    if kpi.bounds is not None and not isinstance(outcome, Undefined):
        low, high = kpi.bounds
        if not low <= outcome <= high:
            return Undefined(
                reasons.text(
                    "outside_range",
                    metric=kpi.id,
                    value=f"{outcome:.1%}",
                    formula=kpi.formula,
                    low=f"{low:.0%}",
                    high=f"{high:.0%}",
                )
            )
    return outcome


def _change(current: Outcome, previous: Outcome | None) -> float | None:
    if isinstance(current, Undefined) or previous is None or isinstance(previous, Undefined):
        return None
    if previous == 0:
        return None
    return (current - previous) / abs(previous)


def calculate(
    data: SourceData,
    period: Period,
    costs: Mapping[str, float] | None,
    previous_costs: Mapping[str, float] | None,
    gross_margin: float | None,
    previous_costs_reason: str = NOT_SET,
) -> PeriodMetrics:
    """The audited period's metrics, each with its value in the previous period and the change.

    `previous_costs` is None when the config's costs only describe the audited
    period; cost-based KPIs then have no previous value (never a guessed one).
    """
    current, as_of = compute_period(data, period, costs, gross_margin)
    previous_period = period.previous()
    previous: dict[str, Outcome] = {}
    if any(m in data.monthly for m in previous_period.months):
        previous, _ = compute_period(
            data, previous_period, previous_costs, gross_margin, previous_costs_reason
        )
    out: dict[str, MetricValue] = {}
    for metric in BASE_METRICS:
        out[metric.id] = _metric_value(
            metric.id, metric.category, metric.unit, "base", None, current, previous, as_of
        )
    for kpi in KPIS:
        out[kpi.id] = _metric_value(
            kpi.id, kpi.category, kpi.unit, "derived", kpi.formula, current, previous, as_of
        )
    last_year_period = period.same_period_last_year()
    last_year: dict[str, float | None] = {}
    if any(m in data.monthly for m in last_year_period.months):
        # Costs are never known for last year: cost KPIs stay undefined there.
        values, _ = compute_period(
            data, last_year_period, None, gross_margin, "costs of last year are not known"
        )
        last_year = {k: None if isinstance(v, Undefined) else v for k, v in values.items()}
    return PeriodMetrics(period, previous_period, out, last_year)


def add_derived(
    metrics: PeriodMetrics,
    definitions: Mapping[str, tuple[Formula, str, str]],
    data: SourceData | None = None,
) -> PeriodMetrics:
    """Add metrics declared in rule packs (id -> (formula, unit, category)), in order.

    Each is evaluated on the audited period's values, the previous period's and
    last year's, so change rules work on them too.  With the `data` they come
    from, base metrics that contradict each other in a period are undefined
    there, as for the catalog's KPIs.
    """
    if not definitions:
        return metrics
    values = dict(metrics.values)
    last_year = dict(metrics.last_year)
    periods = (metrics.period, metrics.previous_period, metrics.period.same_period_last_year())
    suspect_now, suspect_before, suspect_year = (
        suspect_metrics(data.monthly if data else {}, period.months) for period in periods
    )
    for metric_id, (formula, unit, category) in definitions.items():
        now = _outcomes(values, lambda v: v.value, lambda v: v.reason)
        current = _unless(suspicion(formula.names, suspect_now), formula.evaluate(now))
        then = _outcomes(values, lambda v: v.previous, lambda v: None)
        before = _unless(suspicion(formula.names, suspect_before), formula.evaluate(then))
        year = _unless(
            suspicion(formula.names, suspect_year),
            formula.evaluate({k: v for k, v in last_year.items() if v is not None}),
        )
        last_year[metric_id] = None if isinstance(year, Undefined) else year
        values[metric_id] = _metric_value(
            metric_id,
            category,
            unit,
            "pack",
            formula.text,
            {metric_id: current},
            {metric_id: before},
            {},
        )
    return PeriodMetrics(metrics.period, metrics.previous_period, values, last_year)


def _unless(reason: str | None, outcome: Outcome) -> Outcome:
    return outcome if reason is None else Undefined(reason)


def _outcomes(
    values: Mapping[str, MetricValue],
    pick: Callable[[MetricValue], float | None],
    why: Callable[[MetricValue], str | None],
) -> dict[str, Outcome]:
    out: dict[str, Outcome] = {}
    for key, item in values.items():
        value = pick(item)
        if value is not None:
            out[key] = value
        elif (reason := why(item)) is not None:
            out[key] = Undefined(reason)
    return out


def _metric_value(
    metric_id: str,
    category: str,
    unit: str,
    kind: str,
    formula: str | None,
    current: Mapping[str, Outcome],
    previous: Mapping[str, Outcome],
    as_of: Mapping[str, Month],
) -> MetricValue:
    value = current[metric_id]
    before = previous.get(metric_id)
    defined_before = None if before is None or isinstance(before, Undefined) else before
    if isinstance(value, Undefined):
        return MetricValue(
            metric_id, category, unit, kind, None, value.reason, defined_before, None, formula
        )
    return MetricValue(
        metric_id,
        category,
        unit,
        kind,
        value,
        None,
        defined_before,
        _change(value, before),
        formula,
        as_of.get(metric_id),
    )


def trend(
    data: SourceData,
    period: Period,
    costs: Mapping[str, float] | None,
    history_costs: Mapping[str, float] | None,
    gross_margin: float | None,
    max_periods: int = 8,
) -> dict[str, object]:
    """Every metric over the periods of the same length that end with the audited one.

    Oldest first; only periods with at least one month of data are included,
    and a metric undefined in a period is None there (never 0).  `costs` are
    the audited period's; `history_costs` those of earlier periods (None when
    the config gives costs for the audited period only).
    """
    periods: list[Period] = []
    for back in range(max_periods - 1, -1, -1):
        candidate = period.shifted(-back * period.count)
        if any(m in data.monthly for m in candidate.months):
            periods.append(candidate)
    values: dict[str, list[float | None]] = {}
    for index, candidate in enumerate(periods):
        is_current = candidate == period
        reason = NOT_SET if is_current else "costs of earlier periods are not known"
        outcomes, _ = compute_period(
            data,
            candidate,
            costs if is_current else history_costs,
            gross_margin,
            reason,
        )
        for key, outcome in outcomes.items():
            values.setdefault(key, [None] * len(periods))[index] = (
                None if isinstance(outcome, Undefined) else outcome
            )
    return {"periods": [p.label for p in periods], "metrics": values}
