"""`auditor plan CONFIG --target-revenue X`: what a target takes at the period's rates.

The plan is the audit's `plan` analysis (auditor/analysis/planning.py) for
targets given on the command line: it reads the config's data and costs,
computes the audited period's metrics (no rules are run) and prints the plan
table in the config's language, or the same plan as JSON.

Exit codes: 0 the plan is computed (missing inputs, such as an unset gross
margin, leave some figures empty and are named); 2 bad input (config, data
file, options); 3 the data source is unreachable, or a target's budget cannot
be computed (an input it needs is undefined: the plan says which).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from auditor.cli.common import DEBUG_OPTION, echo_warning, guarded
from auditor.core import formatting, strings
from auditor.core.errors import EXIT_OK, EXIT_SOURCE, InputError, Problem

LABELS = strings.table("plan_cli")  # report_templates/strings_terminal.yaml
ROWS = ("customers", "leads", "visitors", "budget", "revenue", "gross_profit", "net_profit", "roi")
MONEY = (
    "budget",
    "revenue",
    "gross_profit",
    "net_profit",
    "average_deal_size",
    "cost_per_lead",
    "marketing_cost",
)
RATIOS = ("roi", "visitor_to_lead_rate", "lead_to_customer_rate", "gross_margin")


def _finite(
    ctx: click.Context, param: click.Parameter, value: float | int | None
) -> float | int | None:
    try:
        finite = value is None or math.isfinite(value)  # an int past 1.8e308 overflows
    except OverflowError:
        finite = False
    if not finite:
        raise click.BadParameter("must be a finite number (at most about 1.8e308)")
    return value


def build_plan(
    config_path: Path,
    period: str | None,
    target_revenue: float | None,
    target_customers: int | None,
    budget: float | None,
) -> dict[str, Any]:
    """Load the config, fetch its data, compute the period's metrics and plan on them."""
    from auditor.analysis.planning import plan, plan_inputs
    from auditor.config.loader import load_config
    from auditor.metrics.calculator import calculate
    from auditor.pipeline.currency import reconcile_currency
    from auditor.pipeline.runner import months_needed

    config = load_config(config_path, period)
    connector = config.connector(config.connector_options, config.folder, config.timezone)
    data = connector.fetch(months_needed(config.period))
    if not any(m in data.monthly for m in config.period.months):
        raise InputError(Problem(f"no data for the period {config.period.label}", data.label))
    config, warnings = reconcile_currency(config, data)
    for warning in warnings:
        echo_warning(warning)
    costs = config.costs_for(config.period.count)
    metrics = calculate(data, config.period, costs, None, config.gross_margin)
    result = plan(
        plan_inputs(metrics, config.gross_margin),
        target_revenue=target_revenue,
        target_customers=target_customers,
        budget=budget,
    )
    head = {"client": config.client, "language": config.language, "currency": config.currency}
    return {**head, **result}


def _value(name: str, value: float | None, language: str, currency: str) -> str:
    if value is None:
        return "—"
    if name in MONEY:
        return formatting.money(value, currency, language)
    if name in RATIOS:
        return formatting.pct(value, language, 1)
    if name in ("visitors", "leads"):  # people: an expected 19,192.2 visitors reads as noise
        return formatting.number(round(value), language, 0)
    return formatting.number(value, language, 0 if float(value).is_integer() else 1)


def _heading(scenario: dict[str, Any], labels: Mapping[str, str], currency: str, lang: str) -> str:
    kind = scenario["kind"]
    if kind == "budget":
        key = f"budget.{scenario.get('source', 'current')}"
        return labels[key].format(amount=_value("budget", scenario["amount"], lang, currency))
    amount = _value(
        "revenue" if kind == "target_revenue" else "customers", scenario["amount"], lang, currency
    )
    return labels[kind].format(amount=amount)


def render_plan_text(result: dict[str, Any]) -> str:
    """The plan table in the config's language; '—' where an input is missing."""
    lang, currency = result["language"], result["currency"]
    labels = LABELS.get(lang, LABELS["en"])
    lines = [labels["title"].format(client=result["client"], period=result["period"]), ""]
    rates = ", ".join(
        f"{labels[name]} {_value(name, value, lang, currency)}"
        for name, value in result["inputs"].items()
    )
    lines += [f"{labels['rates']}: {rates}", ""]
    scenarios = result["scenarios"]
    table = [["", *(_heading(s, labels, currency, lang) for s in scenarios)]]
    for row in ROWS:
        table.append([labels[row], *(_value(row, s.get(row), lang, currency) for s in scenarios)])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for cells in table:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        lines.append("  ".join([first, *rest]).rstrip())
    lines.append("")
    for item in result["missing"]:
        lines.append(f"{labels['missing']}: {item['input']}: {item['reason']}")
    lines.append(labels["assumptions"])
    return "\n".join(lines) + "\n"


def plan_exit_code(result: dict[str, Any]) -> int:
    """3 when a target's budget cannot be computed; else 0."""
    targets = [s for s in result["scenarios"] if s["kind"] != "budget"]
    return EXIT_SOURCE if any(s.get("budget") is None for s in targets) else EXIT_OK


@click.command()
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--target-revenue",
    type=click.FloatRange(min=0, min_open=True),
    callback=_finite,
    metavar="X",
    help="Plan for this revenue in a period like the audited one (in the config's currency).",
)
@click.option(
    "--target-customers",
    type=click.IntRange(min=1),
    callback=_finite,
    metavar="N",
    help="Plan for this many new customers in a period like the audited one.",
)
@click.option(
    "--budget",
    type=click.FloatRange(min=0),
    callback=_finite,
    metavar="B",
    help="Show what this budget yields (default: the period's marketing cost).",
)
@click.option(
    "--period",
    "-p",
    help="Period whose rates the plan uses: 2026-Q3, 2026-07... (overrides the config).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@DEBUG_OPTION
@guarded
def plan(
    config: Path,
    target_revenue: float | None,
    target_customers: int | None,
    budget: float | None,
    period: str | None,
    fmt: str,
) -> None:
    """What a revenue or customer target takes at the audited period's rates.

    Prints the visitors, leads and budget a target needs, its revenue, gross
    profit and ROI, and what the budget (--budget, else the current one) yields.

    Example: auditor plan client.yaml --target-revenue 250000 --budget 30000
    """
    if target_revenue is None and target_customers is None:
        raise InputError(Problem("give a target: --target-revenue X or --target-customers N"))
    result = build_plan(config, period, target_revenue, target_customers, budget)
    too_large = [name for s in result["scenarios"] for name in s.get("overflow", ())]
    if too_large:
        raise InputError(
            Problem(
                f"the plan's {', '.join(dict.fromkeys(too_large))} would exceed the largest "
                "number the auditor computes with (about 1.8e308); give a smaller target or "
                "budget"
            )
        )
    if fmt == "json":
        from auditor.outputs.json_out import render_json

        click.echo(render_json(result), nl=False)
    else:
        click.echo(render_plan_text(result), nl=False)
    sys.exit(plan_exit_code(result))
