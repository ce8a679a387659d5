"""Trends and realistic expectations (issue 7): where each key metric is heading, and
whether the client's own targets fit what the data supports.

Per metric: the model of `series.fit_series` (a line, plus month effects from 24
months on), its slope, season and fit, and a forecast of the quarter after the
audited period with 80% and 95% prediction intervals.  Targets (`targets:` in
the config) are goals for that quarter: a total for counts and money, a mean
for rates, the last month for stocks.  A target outside the 95% interval is a
`warn` finding (label "analysis", weight 0: it never moves a score or an exit
code); inside it, the section alone says how it compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.analysis import ANALYSIS_LABEL, AnalysisContext, AnalysisOutput, source_note
from auditor.analysis.fit import Fit, Interval, NotEnoughData, fitted
from auditor.analysis.series import (
    TREND_DEFAULTS,
    Series,
    metric_name,
    model_settings,
    month_name,
    next_quarter,
    read_options,
    rounded,
    show,
)
from auditor.core import formatting, reasons, strings
from auditor.core.models import Finding
from auditor.core.period import Period
from auditor.metrics import catalog
from auditor.metrics.catalog import category_of, unit_of

KEY = "trends"
LEVELS = (0.8, 0.95)  # the forecast's intervals; a target is judged against the wider one
# A season is called "clear" when its peak-to-trough range exceeds this many residual SDs:
# with two years, noise alone gives twelve month effects spanning about 2.3 SDs.
CLEAR_SEASON_SDS = 4.0
SLOPE_NOISE = 1e-9  # of the series' level: a slope this small is arithmetic, not a trend

TEXT = strings.table("trend_text")  # report_templates/strings_analysis_texts.yaml


def analyse(context: AnalysisContext) -> AnalysisOutput:
    """Trend, season and next-quarter forecast per key metric; targets judged against it."""
    options = read_options(context.options, KEY, TREND_DEFAULTS)
    settings = model_settings(context.options)
    quarter = next_quarter(context.period.last)
    wanted = list(dict.fromkeys([*options["metrics"], *context.targets]))
    both = fitted(context, wanted)
    series = {m: pair[0] for m, pair in both.items()}
    fits = {m: pair[1] for m, pair in both.items()}
    metrics = {m: metric_section(fits[m], series[m], quarter, context) for m in wanted}
    targets: dict[str, Any] = {}
    findings: list[Finding] = []
    for metric_id, target in context.targets.items():
        entry, finding = judge_target(
            metric_id, float(target), fits[metric_id], series[metric_id], quarter, context
        )
        targets[metric_id] = entry
        if finding is not None:
            findings.append(finding)
    section = {
        "method": "least squares on a linear trend plus month-of-year effects (from "
        f"{settings['season_months']} months) or a linear trend (from {settings['min_months']} "
        "months); months with |robust z| > "
        f"{settings['threshold']:g} left out; prediction intervals from the residual "
        "standard error",
        "fitted_through": context.period.last,
        "forecast_period": {"label": quarter.label, "months": list(quarter.months)},
        "levels": list(LEVELS),
        "key_metrics": list(options["metrics"]),
        "metrics": metrics,
        "targets": targets,
    }
    return AnalysisOutput(KEY, section, tuple(findings))


# -------------------------------------------------------------------- metrics
def metric_section(
    fit: Fit | NotEnoughData, series: Series, quarter: Period, context: AnalysisContext
) -> dict[str, Any]:
    """One metric's trend, season, fit quality, forecast and plain-language sentence."""
    if isinstance(fit, NotEnoughData):
        return _short_section(fit, series, context)
    monthly = fit.predict(quarter.months, LEVELS)
    total = fit.predict_total(quarter.months, series.aggregation, LEVELS)
    low, high = fit.slope_interval(0.95)
    # A constant series fits a slope of about 1e-14 with an interval as narrow: rounding
    # noise, not a trend.  A billionth of the level a month is the least that counts.
    noise = SLOPE_NOISE * max(1.0, float(abs(fit.y).mean()))
    direction = "up" if low > noise else "down" if high < -noise else "flat"
    season = fit.season()
    clear = season is not None and max(season) - min(season) > CLEAR_SEASON_SDS * max(
        fit.residual_sd, 1e-12
    )
    mean = fit.mean
    fitted = fit.fitted
    observed = dict(zip(fit.months, fit.y.tolist(), strict=True))
    fitted_by_month = dict(zip(fit.months, fitted.tolist(), strict=True))
    out: dict[str, Any] = {
        "status": "ok",
        "metric": series.metric,
        "unit": series.unit,
        "category": series.category,
        "aggregation": series.aggregation,
        "method": "trend_season" if fit.seasonal else "trend",
        "season_note": fit.season_note,
        "months": len(fit.months),
        "first_month": series.months[0],
        "last_month": series.months[-1],
        "gaps": [m for m, v in zip(series.months, series.values, strict=True) if v is None],
        "left_out": [m for m, keep in zip(fit.months, fit.inlier, strict=True) if not keep],
        "mean": rounded(mean),
        "slope": rounded(fit.slope),
        "slope_pct_of_mean": rounded(fit.slope / mean) if mean else None,
        "slope_interval_95": [rounded(low), rounded(high)],
        "direction": direction,
        "season": _season_json(season, mean),
        "season_clear": bool(clear),
        "fit": {
            "r2": rounded(fit.r2),
            "residual_sd": rounded(fit.residual_sd),
            "robust_sd": rounded(fit.robust_sd),
            "df": fit.df,
        },
        "forecast": {
            "months": [
                {"month": m, **_interval_json(i)}
                for m, i in zip(quarter.months, monthly, strict=True)
            ],
            "quarter": {"label": quarter.label, **_interval_json(total)},
        },
        "history": {
            "months": list(series.months),
            "values": [rounded(observed.get(m)) for m in series.months],
            "fitted": [rounded(fitted_by_month.get(m)) for m in series.months],
        },
        "same_quarter_before": _same_quarter(series, quarter),
    }
    out["explanation"] = _sentence(out, series, quarter, total, context)
    return out


def _short_section(fit: NotEnoughData, series: Series, context: AnalysisContext) -> dict[str, Any]:
    """A metric with too few months for a trend: how many it has, and why that is short."""
    text = TEXT.get(context.language, TEXT["en"])
    out = fit.to_json()
    out.update(metric=series.metric, unit=series.unit, category=series.category)
    out["explanation"] = text["short" if fit.months else "none"].format(
        name=metric_name(series.metric, context.language, capital=True),
        months=fit.months,
        needed=fit.needed,
        reason=reasons.localize(fit.reason or "", context.language),
    )
    return out


def _season_json(season: Any, mean: float) -> list[dict[str, Any]] | None:
    """Each calendar month's effect, absolute and relative to the mean."""
    if season is None:
        return None
    return [
        {"month": i + 1, "effect": rounded(e), "effect_pct": rounded(e / mean) if mean else None}
        for i, e in enumerate(season)
    ]


def _interval_json(interval: Interval) -> dict[str, Any]:
    out: dict[str, Any] = {"value": rounded(interval.value)}
    for level in LEVELS:
        low, high = interval.bounds[level]
        out[f"interval_{round(level * 100)}"] = [rounded(low), rounded(high)]
    return out


def _same_quarter(series: Series, quarter: Period) -> list[dict[str, Any]]:
    """The forecast quarter's calendar months in earlier years, where fully measured."""
    values = dict(zip(series.months, series.values, strict=True))
    out = []
    for back in (24, 12):
        earlier = quarter.shifted(-back)
        found = [values.get(m) for m in earlier.months]
        if any(v is None for v in found):
            continue
        numbers = [float(v) for v in found if v is not None]
        if series.aggregation == "sum":
            value = sum(numbers)
        elif series.aggregation == "last":
            value = numbers[-1]
        else:
            value = sum(numbers) / len(numbers)
        out.append({"label": earlier.label, "value": rounded(value)})
    return out


def _sentence(
    out: Mapping[str, Any],
    series: Series,
    quarter: Period,
    total: Interval,
    context: AnalysisContext,
) -> str:
    language, currency = context.language, context.currency
    text = TEXT.get(language, TEXT["en"])
    unit = series.unit
    slope = abs(float(out["slope"]))
    if unit == "ratio":
        slope_text = formatting.pp(slope, language, 3).lstrip("+")  # "upward" says the sign
    elif unit == "money":
        slope_text = formatting.money(slope, currency, language)
    else:
        slope_text = formatting.number(slope, language, 1)
    pct = out["slope_pct_of_mean"]
    trend = text[out["direction"]].format(
        slope=slope_text, pct=formatting.pct(abs(pct) if pct is not None else None, language, 1)
    )
    season = ""
    if out["season_clear"]:
        effects = [s["effect"] for s in out["season"]]
        season = text["season"].format(
            peak=month_name(effects.index(max(effects)) + 1, language),
            trough=month_name(effects.index(min(effects)) + 1, language),
        )
    left_out = text["left_out"].format(months=", ".join(out["left_out"])) if out["left_out"] else ""
    low, high = total.bounds[0.8]
    return text["sentence"].format(
        name=metric_name(series.metric, language, capital=True),
        trend=trend,
        months=out["months"],
        left_out=left_out,
        season=season,
        quarter=quarter.label,
        forecast=text[series.aggregation].format(value=show(total.value, unit, language, currency)),
        low=show(low, unit, language, currency),
        high=show(high, unit, language, currency),
    )


# -------------------------------------------------------------------- targets
def judge_target(
    metric_id: str,
    target: float,
    fit: Fit | NotEnoughData,
    series: Series,
    quarter: Period,
    context: AnalysisContext,
) -> tuple[dict[str, Any], Finding | None]:
    """Where the target sits against the forecast; a finding when outside the 95% interval."""
    entry: dict[str, Any] = {
        "target": target,
        "period": quarter.label,
        "unit": unit_of(metric_id),
        "judgement": None,  # "unrealistic" | "unambitious" when outside the 95% interval
        "finding": None,
    }
    if isinstance(fit, NotEnoughData):
        status = "not_enough_data" if fit.months else "no_data"
        entry.update(status=status, months=fit.months, needed=fit.needed, reason=fit.reason)
        return entry, None
    total = fit.predict_total(quarter.months, series.aggregation, LEVELS)
    low80, high80 = total.bounds[0.8]
    low95, high95 = total.bounds[0.95]
    if target > high95:
        status = "above_interval"
    elif target < low95:
        status = "below_interval"
    elif target > high80:
        status = "stretch"
    elif target < low80:
        status = "cautious"
    else:
        status = "in_line"
    change = target / total.value - 1 if total.value > 0 else None
    entry.update(
        status=status,
        forecast=rounded(total.value),
        interval_80=[rounded(low80), rounded(high80)],
        interval_95=[rounded(low95), rounded(high95)],
        difference=rounded(target - total.value),
        required_change=rounded(change),
        method="trend_season" if fit.seasonal else "trend",
    )
    text = TEXT.get(context.language, TEXT["en"])
    if status in ("in_line", "stretch", "cautious"):
        entry["verdict"] = text[status]
        return entry, None
    finding = _target_finding(metric_id, target, status, fit, series, quarter, total, context)
    entry["judgement"] = _judgement(metric_id, status)
    entry["verdict"] = finding.message
    entry["finding"] = finding.rule
    return entry, finding


def _judgement(metric_id: str, status: str) -> str:
    """Outside the interval on the better side is unrealistic; on the worse, unambitious."""
    better_side = "below_interval" if catalog.lower_is_better(metric_id) else "above_interval"
    return "unrealistic" if status == better_side else "unambitious"


def _target_finding(
    metric_id: str,
    target: float,
    status: str,
    fit: Fit,
    series: Series,
    quarter: Period,
    total: Interval,
    context: AnalysisContext,
) -> Finding:
    language, currency = context.language, context.currency
    text = TEXT.get(language, TEXT["en"])
    unit = series.unit

    def fmt(value: float) -> str:
        return show(value, unit, language, currency)

    low, high = total.bounds[0.95]
    earlier = _same_quarter(series, quarter)
    if earlier:
        joined = text["and"].join(
            text["in"].format(value=fmt(e["value"]), label=e["label"]) for e in earlier
        )
        history = text["history"].format(values=joined)
    else:
        history = text["no_history"]
    change = target / total.value - 1 if total.value > 0 else None
    if unit == "ratio":
        growth = formatting.pp(target - total.value, language, 2)
        gap = formatting.pp(abs(target - total.value), language, 2).lstrip("+")
    else:
        gap = fmt(abs(target - total.value))
        growth = formatting.signed_pct(change, language, 0) if change is not None else "—"
    values = {
        "name": metric_name(metric_id, language),
        "quarter": quarter.label,
        "target": fmt(target),
        "history": history,
        "model": text["model_season"] if fit.seasonal else text["model_trend"],
        "forecast": fmt(total.value),
        "low": fmt(low),
        "high": fmt(high),
        "growth": growth,
        "gap": gap,
    }
    kind = _judgement(metric_id, status)
    return Finding(
        rule=f"analysis-target-{metric_id}",
        category=category_of(metric_id),
        status="warn",
        score=None,
        weight=0.0,
        metric=metric_id,
        value=target,
        unit=unit,
        threshold=text["threshold"].format(low=fmt(low), high=fmt(high)),
        message=text[kind].format(**values),
        recommendation=text[f"{kind}_advice"].format(**values),
        title=text[f"{kind}_title"].format(**values),
        confidence="normal" if fit.seasonal else "low",
        source=source_note("trends", context.language),
        pack="analysis",
        labels=(ANALYSIS_LABEL,),
    )
