"""Profit planning: marketing as a profit centre, from the period's own rates.

In one sentence: at this period's conversion rates, deal size and cost per lead,
this is what a target takes (visitors, leads, budget) and what it returns
(revenue, gross profit, ROI); and this is what a budget buys.

The model is the funnel, read backwards for a target and forwards for a budget:

    customers = target revenue / average deal size     (or the customer target)
    leads     = customers / lead-to-customer rate
    visitors  = leads / visitor-to-lead rate
    budget    = leads x cost per lead
    revenue   = customers x average deal size
    gross profit = revenue x gross margin;  net = gross profit - budget;  ROI = net / budget

A target plan rounds customers, leads and visitors UP to whole units (half a
customer does not reach a target); a budget's yield is an expected value, not
rounded.  Costs scale with leads (linear), so the ROI is the same at any
budget: the plan shows scale, not efficiency.  An input that is undefined
leaves every figure that needs it empty, and the plan names it: never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.analysis import AnalysisContext, AnalysisOutput
from auditor.core.models import PeriodMetrics
from auditor.core.reasons import text as reason_text

KEY = "plan"
RATES = ("visitor_to_lead_rate", "lead_to_customer_rate", "average_deal_size", "cost_per_lead")
INPUTS = (*RATES, "gross_margin", "marketing_cost")
TARGETS = {"revenue_attributed": "target_revenue", "customers_new": "target_customers"}
ASSUMPTIONS = ("rates_hold", "linear_cost", "deal_size")
_ZERO = {
    "visitor_to_lead_rate": "is 0: no visitor became a lead in {period}",
    "lead_to_customer_rate": "is 0: no lead became a customer in {period}",
    "average_deal_size": "is 0: the deals won in {period} have no amount",
    "cost_per_lead": "is 0: marketing_cost is 0, so what a lead costs is not known",
}


@dataclass(frozen=True)
class PlanInputs:
    """The plan's inputs: each value, or None with the reason it cannot be used."""

    values: Mapping[str, float | None]
    reasons: Mapping[str, str]
    period: str

    def get(self, name: str) -> float | None:
        return self.values.get(name)


def plan_inputs(metrics: PeriodMetrics, gross_margin: float | None) -> PlanInputs:
    """The period's rates, deal size, cost per lead, margin and budget, usable or explained."""
    label = metrics.period.label
    values: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for name in (*RATES, "marketing_cost"):
        found = metrics.values.get(name)
        value = found.value if found else None
        if value is None:
            reasons[name] = (found.reason if found else None) or reason_text(
                "not_measured_in", period=label
            )
        elif value <= 0 and name in _ZERO:
            reasons[name] = _ZERO[name].format(period=label)
            value = None
        values[name] = value
    values["gross_margin"] = gross_margin
    if gross_margin is None:
        reasons["gross_margin"] = "finance.gross_margin is not set in the audit config"
    return PlanInputs(values, reasons, label)


def _up(value: float) -> int | float:
    """Whole units needed: 12.0000000001 (float noise) is 12, 12.1 is 13.

    Past the largest float (1e307 customers at a 1% rate) the value stays inf, and
    the scenario names the figure in `overflow` instead of stating it.
    """
    return math.ceil(value - 1e-9) if math.isfinite(value) else value


def _scenario(
    kind: str, amount: float, inputs: PlanInputs, source: str | None = None
) -> dict[str, Any]:
    v = inputs.get
    deal, l2c, v2l, cpl, margin = (
        v("average_deal_size"),
        v("lead_to_customer_rate"),
        v("visitor_to_lead_rate"),
        v("cost_per_lead"),
        v("gross_margin"),
    )
    used: list[str] = []
    out: dict[str, Any] = {"kind": kind, "amount": amount}
    if source:
        out["source"] = source
    if kind == "budget":
        used += ["cost_per_lead", "lead_to_customer_rate", "visitor_to_lead_rate"]
        budget: float | None = amount
        leads = amount / cpl if cpl else None
        customers = leads * l2c if leads is not None and l2c else None
        visitors = leads / v2l if leads is not None and v2l else None
    else:
        if kind == "target_revenue":
            used.append("average_deal_size")
            customers = _up(amount / deal) if deal else None
        else:
            customers = _up(amount)
        used += ["lead_to_customer_rate", "visitor_to_lead_rate", "cost_per_lead"]
        leads = _up(customers / l2c) if customers is not None and l2c else None
        visitors = _up(leads / v2l) if leads is not None and v2l else None
        budget = leads * cpl if leads is not None and cpl else None
    used += ["average_deal_size", "gross_margin"]
    revenue = customers * deal if customers is not None and deal else None
    gross = revenue * margin if revenue is not None and margin is not None else None
    net = gross - budget if gross is not None and budget is not None else None
    roi = net / budget if net is not None and budget else None
    figures = {
        "visitors": visitors,
        "leads": leads,
        "customers": customers,
        "revenue": revenue,
        "budget": budget,
        "gross_profit": gross,
        "net_profit": net,
        "roi": roi,
    }
    out.update({k: _tidy(v) for k, v in figures.items()})
    overflow = [k for k, v in figures.items() if isinstance(v, float) and math.isinf(v)]
    if overflow:
        out["overflow"] = overflow
    out["missing"] = [name for name in dict.fromkeys(used) if inputs.get(name) is None]
    return out


def _tidy(value: float | None) -> float | None:
    """Six decimals: 122223.79499999998 is 122223.795 (float noise, not information).

    Not finite (an overflow, or inf - inf): None, the figure cannot be stated."""
    if value is None or isinstance(value, int):
        return value
    return round(value, 6) if math.isfinite(value) else None


def plan(
    inputs: PlanInputs,
    *,
    target_revenue: float | None = None,
    target_customers: float | None = None,
    budget: float | None = None,
) -> dict[str, Any]:
    """The plan section: one scenario per target given, then what `budget` yields.

    `budget` None means the period's marketing_cost (the current budget).
    """
    scenarios = []
    if target_revenue is not None:
        scenarios.append(_scenario("target_revenue", target_revenue, inputs))
    if target_customers is not None:
        scenarios.append(_scenario("target_customers", target_customers, inputs))
    current = inputs.get("marketing_cost")
    if budget is not None:
        scenarios.append(_scenario("budget", budget, inputs, "given"))
    elif current is not None:
        scenarios.append(_scenario("budget", current, inputs, "current"))
    else:
        scenarios.append(
            {
                "kind": "budget",
                "amount": None,
                "source": "current",
                "missing": ["marketing_cost"],
            }
        )
    missing = [
        {"input": name, "reason": inputs.reasons[name]}
        for name in INPUTS
        if name in inputs.reasons and any(name in s["missing"] for s in scenarios)
    ]
    return {
        "status": "incomplete" if missing else "ok",
        "period": inputs.period,
        "inputs": {name: inputs.get(name) for name in INPUTS},
        "missing": missing,
        "scenarios": scenarios,
        "assumptions": list(ASSUMPTIONS),
    }


def analyse(context: AnalysisContext) -> AnalysisOutput:
    """The audit's plan: for `targets.revenue_attributed` / `targets.customers_new` if set,
    and always what the current budget yields."""
    inputs = plan_inputs(context.metrics, context.gross_margin)
    targets = {TARGETS[k]: float(v) for k, v in context.targets.items() if k in TARGETS and v > 0}
    return AnalysisOutput(KEY, plan(inputs, **targets))
