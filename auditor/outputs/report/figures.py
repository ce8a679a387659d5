"""The analysis charts of the report, from the result's analysis sections: the data each
chart of `outputs/charts.py` draws, with its labels in the report's language.

Registered as Jinja globals (`environment.py`); a template only places the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from auditor.core.strings import Translator
from auditor.outputs import charts
from auditor.outputs.numbers import Formats
from auditor.outputs.view import metric_name

PLAN_ROWS = (("budget", "#c2610c"), ("revenue", "#173f7a"), ("gross_profit", "#4f5b66"))


def _float(value: Any, default: float = 0.0) -> float:
    """Jinja's `float` filter: the number, or `default` for what is not one."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _trend_value(fmt: Formats, value: float | None, unit: str) -> str:
    """A trend figure as the trends section prints it."""
    if value is None:
        return "—"
    if unit == "count":
        return fmt.number(value)
    if unit == "ratio":
        return fmt.pct(value, 2)
    return fmt.metric(value, unit)


@pass_context
def forecast_figure(ctx: Context, metric_id: str, m: Mapping[str, Any], quarter: str) -> Markup:
    """One metric's history, fitted trend and next quarter's forecast."""
    t: Translator = ctx["t"]
    fmt: Formats = ctx["fmt"]
    history = m["history"]
    ahead = [
        charts.ForecastMonth(
            _float(f["value"]),
            (_float(f["interval_80"][0]), _float(f["interval_80"][1])),
            (_float(f["interval_95"][0]), _float(f["interval_95"][1])),
        )
        for f in m["forecast"]["months"]
    ]
    unit = str(m["unit"])
    return charts.forecast_chart(
        [str(month) for month in history["months"]],
        history["values"],
        history["fitted"],
        ahead,
        [str(month) for month in m["left_out"]],
        quarter,
        title=t("trends.chart", metric=metric_name(metric_id, t)),
        value=lambda v: _trend_value(fmt, v, unit),
    )


@pass_context
def lift_figure(ctx: Context, rows: Sequence[Mapping[str, Any]], average: Any) -> Markup:
    """Conversion rate per lead-score decile against the average."""
    t: Translator = ctx["t"]
    fmt: Formats = ctx["fmt"]
    bars = [
        charts.ValueBar(
            t("business.lead.decile", n=row["decile"]),
            _float(row["conversion_rate"]),
            t(
                "business.lead.bar",
                rate=fmt.pct(row["conversion_rate"], 1),
                lift=fmt.number(row["lift"], 1),
            ),
        )
        for row in rows
    ]
    caption = t("business.lead.average", rate=fmt.pct(average, 1))
    return charts.value_bars(
        bars,
        title=t("business.lead.chart"),
        label_width=80,
        x0=90,
        track=420,
        top_pad=4,
        extra_height=22,
        average=(_float(average), caption),
    )


@pass_context
def roas_figure(ctx: Context, rows: Sequence[Mapping[str, Any]]) -> Markup:
    """Each channel's return on ad spend, its ROI beside it."""
    t: Translator = ctx["t"]
    fmt: Formats = ctx["fmt"]
    bars = []
    for row in rows:
        roas = fmt.number(row["roas"], 2)
        text = (
            t("business.channels.bar_roi", roas=roas, roi=fmt.pct(row["roi"], 0))
            if row.get("roi") is not None
            else t("business.channels.bar", roas=roas)
        )
        bars.append(charts.ValueBar(str(row["channel"]), _float(row["roas"]), text))
    return charts.value_bars(
        bars,
        title=t("business.channels.chart"),
        label_width=150,
        x0=160,
        track=360,
        top_pad=3,
        extra_height=6,
    )


def scenario_title(scenario: Mapping[str, Any], t: Translator, fmt: Formats) -> str:
    """A plan scenario in words: its target, or its budget and where that came from."""
    kind = scenario.get("kind")
    if kind == "target_revenue":
        return t("business.plan.target_revenue", amount=fmt.metric(scenario["amount"], "money"))
    if kind == "target_customers":
        return t("business.plan.target_customers", amount=fmt.number(scenario["amount"]))
    if scenario.get("amount") is None:
        return t("business.plan.budget_unknown")
    key = "budget_given" if scenario.get("source") == "given" else "budget_current"
    return t(f"business.plan.{key}", amount=fmt.metric(scenario["amount"], "money"))


@pass_context
def scenario_heading(ctx: Context, scenario: Mapping[str, Any]) -> str:
    """`scenario_title` for a template."""
    return scenario_title(scenario, ctx["t"], ctx["fmt"])


@pass_context
def plan_figure(ctx: Context, scenarios: Sequence[Mapping[str, Any]]) -> Markup:
    """Budget, revenue and gross profit of each plan scenario on one scale."""
    t: Translator = ctx["t"]
    fmt: Formats = ctx["fmt"]
    groups = []
    for scenario in scenarios:
        rows = []
        for key, colour in PLAN_ROWS:
            value = scenario.get(key)
            shown = None if value is None else _float(value)
            text = "" if value is None else fmt.metric(value, "money")
            rows.append((t(f"business.plan.row_{key}"), shown, text, colour))
        groups.append(charts.BarGroup(scenario_title(scenario, t, fmt), tuple(rows)))
    return charts.grouped_bars(groups, title=t("business.plan.chart"))
