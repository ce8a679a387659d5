"""Rule messages and recommendations: sandboxed Jinja, strict undefined, checked at load.

A message template is user-supplied text, so it runs in Jinja's sandbox and
may only read the documented variables (RULES.md "Messages"); a typo in a
variable name fails when the pack loads, not in the middle of a client's report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from auditor import formatting
from auditor.metrics.catalog import ALL_METRIC_IDS
from auditor.validation import did_you_mean

VARIABLES = (
    "value",
    "previous",
    "change",
    "thresholds",
    "score",
    "metrics",
    "client",
    "metric",
    "status",
    "reason",
)


def _filters(language: str, currency: str) -> dict[str, Callable[..., str]]:
    return {
        "pct": lambda v, digits=2: formatting.pct(v, language, digits),
        "pp": lambda v, digits=2: formatting.pp(v, language, digits),
        "money": lambda v, digits=0: formatting.money(v, currency, language, digits),
        "int": lambda v: formatting.number(v, language, 0),
        "round": lambda v, digits=1: formatting.number(v, language, digits),
    }


@cache
def environment(language: str, currency: str = "EUR") -> SandboxedEnvironment:
    """One sandboxed environment per (language, currency); messages are plain text."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters.update(_filters(language, currency))
    return env


_FILTERS = ("pct", "pp", "money", "int", "round")


def _threshold_reference_problem(parsed: nodes.Template, thresholds: dict[str, Any]) -> str | None:
    """`thresholds.fail.above` must name a band and comparator this rule really has."""
    have = [f"{level}.{comparator}" for level, band in thresholds.items() for comparator in band]
    for attr in parsed.find_all(nodes.Getattr):
        inner = attr.node
        if isinstance(inner, nodes.Name) and inner.name == "thresholds":
            path, ok = f"thresholds.{attr.attr}", attr.attr in thresholds
        elif (
            isinstance(inner, nodes.Getattr)
            and isinstance(inner.node, nodes.Name)
            and inner.node.name == "thresholds"
        ):
            path = f"thresholds.{inner.attr}.{attr.attr}"
            ok = attr.attr in thresholds.get(inner.attr, {})
        else:
            continue
        if not ok:
            return (
                f"unknown template variable '{path}' "
                f"(this rule's thresholds: {', '.join(have) or 'none'})"
            )
    return None


def sample_context(
    thresholds: dict[str, Any], metric_ids: Iterable[str] = ALL_METRIC_IDS
) -> dict[str, Any]:
    """Values of the right shape to render every template once when the pack loads."""
    return {
        "value": 0.5,
        "previous": 0.4,
        "change": 0.25,
        "thresholds": thresholds,
        "score": 50,
        "metrics": dict.fromkeys(metric_ids, 1.0),
        "client": {"name": "Client"},
        "metric": "metric",
        "status": "warn",
        "reason": "",
    }


def check_template(
    source: str, thresholds: dict[str, Any], metric_ids: Iterable[str] = ALL_METRIC_IDS
) -> str | None:
    """None if the template compiles and renders with the documented variables, else why not."""
    env = environment("en")
    try:
        parsed = env.parse(source)
    except TemplateError as exc:
        return f"template syntax error: {exc.message}"
    for name in parsed.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in VARIABLES:
            return f"unknown template variable '{name.name}' (available: {', '.join(VARIABLES)})"
    for used in parsed.find_all(nodes.Filter):
        if used.name not in env.filters:
            hint = did_you_mean(used.name, _FILTERS) or f" (available: {', '.join(_FILTERS)})"
            return f"unknown template filter '{used.name}'{hint}"
    if problem := _threshold_reference_problem(parsed, thresholds):
        return problem
    try:
        env.from_string(source).render(sample_context(thresholds, metric_ids))
    except TemplateError as exc:
        return f"template error: {exc.message}"
    except (TypeError, ValueError, ArithmeticError) as exc:
        return f"template error: {exc}"
    return None


def render(source: str, context: dict[str, Any], language: str, currency: str) -> str:
    """Render a checked template; a runtime failure yields a visible note, not a crash."""
    try:
        return environment(language, currency).from_string(source).render(context).strip()
    except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        return f"[message could not be rendered: {exc}]"
