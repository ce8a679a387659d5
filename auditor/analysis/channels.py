"""Channels and closed loop: which channels bring customers for their money?

In one sentence per figure:

- per channel, the audited period's leads, customers and revenue (from the long
  file's `channel` column) against its spend (`costs.channels` in the config):
  cost per lead, CAC (spend / customers: media spend only, not sales costs),
  ROAS (revenue / spend) and ROI ((revenue x gross margin - spend) / spend, the
  `romi` formula per channel);
- channels ranked by ROAS, which orders them as ROI does (ROI = margin x ROAS - 1);
- a budget shift from the lowest-return channel with spend to the highest,
  with its effect at today's rates: a hypothesis to test, since returns
  usually fall as a channel's spend grows;
- the closed loop: the share of won deals with a known source, and the share
  of revenue whose channel is unknown, which no channel's ROI can count.

A channel's metric must be measured in every month of the period, as in the
KPI calculator: a partial total would understate it.  Rows without a channel,
and channels named like "unknown" (UNKNOWN_SOURCE), are revenue of unknown source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.analysis import ANALYSIS_LABEL, AnalysisContext, AnalysisOutput, source_note
from auditor.core import formatting, reasons, strings
from auditor.core.models import Finding
from auditor.core.period import Month, Period
from auditor.core.vocabulary import channel_key

KEY = "channels"
# A fifth of the weakest channel's spend: enough to measure in a quarter, small
# enough to undo (project default; analysis.channels.shift_share).
SHIFT_SHARE = 0.2
UNKNOWN_SOURCE = frozenset(
    {"unknown", "none", "(none)", "not_set", "(not_set)", "n/a", "desconocido", "sin_origen"}
)
CATEGORY = "value"

TEXT = strings.entries("channel_finding")  # report_templates/strings_analysis_texts.yaml


def _text(key: str, language: str, **values: Any) -> str:
    entry = TEXT[key]
    return entry.get(language, entry["en"]).format(**values)


def _total(
    months: Mapping[Month, Mapping[str, float]], period: Period, metric: str
) -> tuple[float | None, str | None]:
    present = [m for m in period.months if metric in months.get(m, {})]
    if not present:
        return None, reasons.text("channel_not_measured_in", metric=metric, period=period.label)
    if len(present) < period.count:
        missing = ", ".join(m for m in period.months if m not in present)
        return None, reasons.text("channel_partial", metric=metric, missing=missing)
    return float(sum(months[m][metric] for m in period.months)), None


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def channel_rows(
    by_channel: Mapping[str, Mapping[Month, Mapping[str, float]]],
    period: Period,
    spend: Mapping[str, float],
    gross_margin: float | None,
    revenue_metric: str,
) -> list[dict[str, Any]]:
    """One row per channel with data in the period, ranked by ROAS (1 = best)."""
    costs = {channel_key(name): float(amount) for name, amount in spend.items()}
    rows = []
    for name in sorted(by_channel):
        months = by_channel[name]
        if not any(m in months for m in period.months):
            continue
        key = channel_key(name)
        row: dict[str, Any] = {"channel": name, "known_source": key not in UNKNOWN_SOURCE}
        missing: dict[str, str] = {}
        for field, metric in (
            ("leads", "leads_new"),
            ("customers", "customers_new"),
            ("revenue", revenue_metric),
        ):
            row[field], reason = _total(months, period, metric)
            if reason:
                missing[field] = reason
        row["spend"] = costs.get(key)
        if row["spend"] is None and row["known_source"]:
            missing["spend"] = "no spend for this channel in costs.channels"
        spent = row["spend"]
        row["cost_per_lead"] = _div(spent, row["leads"])
        row["cac"] = _div(spent, row["customers"])
        row["lead_to_customer_rate"] = _div(row["customers"], row["leads"])
        row["roas"] = _div(row["revenue"], spent)
        row["roi"] = None
        if row["roas"] is not None and gross_margin is not None:
            row["roi"] = gross_margin * row["roas"] - 1
        if spent == 0:
            missing["roi"] = "spend is 0: a return on spend is not defined"
        elif row["roas"] is not None and gross_margin is None:
            missing["roi"] = "finance.gross_margin is not set in the audit config"
        row["missing"] = missing
        row["rank"] = None
        rows.append(row)
    ranked = sorted(
        (r for r in rows if r["known_source"] and r["roas"] is not None),
        key=lambda r: (-r["roas"], r["channel"]),
    )
    for position, row in enumerate(ranked, 1):
        row["rank"] = position
    return rows


def shift(
    rows: list[dict[str, Any]], share: float, gross_margin: float | None
) -> dict[str, Any] | None:
    """Move `share` of the lowest-ROAS channel's spend to the highest, at today's rates."""
    ranked = sorted((r for r in rows if r["rank"] is not None), key=lambda r: r["rank"])
    if len(ranked) < 2 or ranked[0]["roas"] <= ranked[-1]["roas"]:
        return None
    best, worst = ranked[0], ranked[-1]
    amount = worst["spend"] * share

    def change(field: str) -> float | None:
        per_best = _div(best[field], best["spend"])
        per_worst = _div(worst[field], worst["spend"])
        if per_best is None or per_worst is None:
            return None
        return float(amount * (per_best - per_worst))

    revenue = change("revenue")
    return {
        "from": worst["channel"],
        "to": best["channel"],
        "amount": amount,
        "share_of_source_spend": share,
        "expected": {
            "leads": change("leads"),
            "customers": change("customers"),
            "revenue": revenue,
            "gross_profit": revenue * gross_margin
            if revenue is not None and gross_margin is not None
            else None,
        },
        "hypothesis": True,
    }


def closed_loop(
    context: AnalysisContext, rows: list[dict[str, Any]], revenue_metric: str | None
) -> dict[str, Any]:
    """Coverage of won deals by source, and the share of revenue whose channel is unknown."""
    metrics = context.metrics
    won, sourced = metrics.value("deals_won"), metrics.value("deals_won_with_source")
    found = metrics.values.get("closed_loop_coverage")
    out: dict[str, Any] = {
        "coverage": found.value if found else None,
        "coverage_reason": found.reason if found and found.value is None else None,
        "deals_won": won,
        "deals_won_with_source": sourced,
        "deals_unknown_source": (
            won - sourced if won is not None and sourced is not None and sourced <= won else None
        ),
        "revenue_unknown_share": None,
        "revenue_unknown": None,
        "method": None,
    }
    total = metrics.value(revenue_metric) if revenue_metric else None
    known = [r for r in rows if r["known_source"]]
    if total and known and all(r["revenue"] is not None for r in known):
        unknown = max(0.0, total - sum(r["revenue"] for r in known))
        out.update(
            revenue_unknown=unknown,
            revenue_unknown_share=unknown / total,
            revenue_metric=revenue_metric,
            method="channels",
        )
    elif out["coverage"] is not None and (revenue := metrics.value("revenue_won")) is not None:
        # Without revenue per channel: the unsourced deals' share, if they are of average size.
        out.update(
            revenue_unknown=revenue * (1 - out["coverage"]),
            revenue_unknown_share=1 - out["coverage"],
            revenue_metric="revenue_won",
            method="deal_share",
        )
    return out


def _revenue_metric(context: AnalysisContext) -> str | None:
    for metric in ("revenue_attributed", "revenue_won"):
        for months in context.data.by_channel.values():
            if any(metric in months.get(m, {}) for m in context.period.months):
                return metric
    return None


def analyse(context: AnalysisContext) -> AnalysisOutput:
    """The channels section (or why there is none), the closed loop, and loss findings."""
    options = context.options or {}
    spend = options.get("channel_costs") or {}
    share = float((options.get("channels") or {}).get("shift_share") or SHIFT_SHARE)
    revenue_metric = _revenue_metric(context)
    rows = channel_rows(
        context.data.by_channel,
        context.period,
        spend,
        context.gross_margin,
        revenue_metric or "revenue_attributed",
    )
    section: dict[str, Any] = {
        "status": "ok" if rows else "no_data",
        "revenue_metric": revenue_metric,
        "gross_margin": context.gross_margin,
        "channels": sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["channel"])),
        "spend_total": sum(float(v) for v in spend.values()) if spend else None,
        "marketing_cost": context.metrics.value("marketing_cost"),
        "unmatched_costs": sorted(
            name
            for name in spend
            if channel_key(name) not in {channel_key(r["channel"]) for r in rows}
        ),
        "recommendation": shift(rows, share, context.gross_margin),
        "closed_loop": closed_loop(context, rows, revenue_metric),
    }
    if not rows:
        section["reason"] = reasons.text("no_channel_data", period=context.period.label)
    return AnalysisOutput(KEY, section, tuple(_findings(section, context)))


def _findings(section: Mapping[str, Any], context: AnalysisContext) -> list[Finding]:
    losing = [r for r in section["channels"] if r["roi"] is not None and r["roi"] < 0]
    if not losing:
        return []
    language, currency = context.language, context.currency
    worst = min(losing, key=lambda r: r["roi"])

    def money(value: float | None) -> str:
        return formatting.money(value, currency, language)

    message = _text(
        "loss.message",
        language,
        period=context.period.label,
        channels=", ".join(r["channel"] for r in losing),
        channel=worst["channel"],
        roi=formatting.pct(worst["roi"], language, 0),
        revenue=money(worst["revenue"]),
        spend=money(worst["spend"]),
    )
    move = section["recommendation"]
    if move and move["expected"]["revenue"] is not None:
        advice = _text(
            "loss.shift",
            language,
            amount=money(move["amount"]),
            source=move["from"],
            target=move["to"],
            revenue=money(move["expected"]["revenue"]),
            customers=formatting.number(move["expected"]["customers"], language, 1),
        )
    else:
        advice = _text("loss.review", language)
    return [
        Finding(
            rule="analysis-channel-loss",
            category=CATEGORY,
            status="warn",
            score=None,
            weight=0.0,
            metric="channel_roi",
            value=worst["roi"],
            unit="ratio",
            threshold=_text("loss.threshold", language),
            message=message,
            recommendation=advice,
            title=_text("loss.title", language),
            source=source_note("channels", language),
            labels=(ANALYSIS_LABEL,),
        )
    ]
