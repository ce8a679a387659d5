"""The report's Jinja environment: autoescaped, strict, with the number filters."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup

from auditor.core import formatting
from auditor.core.cache import private_folder
from auditor.core.resources import templates_dir
from auditor.outputs import conditions, view
from auditor.outputs.numbers import Formats
from auditor.outputs.report import figures

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"


def _fmt(ctx: Context) -> Formats:
    return ctx["fmt"]  # type: ignore[no-any-return]


@pass_context
def _metric_filter(ctx: Context, value: float | None, unit: str) -> str:
    return _fmt(ctx).metric(value, unit)


@pass_context
def _pct_filter(ctx: Context, value: float | None, digits: int = 1) -> str:
    return _fmt(ctx).pct(value, digits)


@pass_context
def _score_filter(ctx: Context, value: float | None) -> str:
    return _fmt(ctx).score(value)


@pass_context
def _number_filter(ctx: Context, value: float | None, digits: int = 0) -> str:
    return _fmt(ctx).number(value, digits)


@pass_context
def _change_filter(ctx: Context, item: Mapping[str, Any]) -> str:
    """`{{ metric | change }}`: reads value, previous, change and unit."""
    return _fmt(ctx).change(
        item.get("value"), item.get("previous"), item.get("change"), item.get("unit", "")
    )


@pass_context
def _date_filter(ctx: Context, iso: str | None) -> str:
    return _fmt(ctx).long_date(iso)


@pass_context
def _datetime_filter(ctx: Context, iso: str | None) -> str:
    return _fmt(ctx).timestamp(iso)


def _visible(value: Any) -> Any:
    """Every `{{ }}` output: control characters as spaces and bidi controls as [U+202E]
    (`formatting.visible`), so a campaign name cannot reorder the sentence around it.
    Markup (chart SVG, whose text came escaped from the same data) stays Markup."""
    if isinstance(value, Markup):
        return Markup(formatting.visible(str(value)))
    if isinstance(value, str):
        return formatting.visible(value)
    return value


@cache
def environment() -> Environment:
    """One Environment per process: templates compile once, filters read the render's context."""
    folder = private_folder("report-templates")
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        # compiled templates kept between processes (a PDF no longer compiles them)
        bytecode_cache=None if folder is None else FileSystemBytecodeCache(str(folder)),
        autoescape=True,
        finalize=_visible,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        metric=_metric_filter,
        pct=_pct_filter,
        score=_score_filter,
        number=_number_filter,
        change=_change_filter,
        date=_date_filter,
        datetime=_datetime_filter,
    )
    env.globals["cite"] = conditions.citation_text
    env.globals["metric_name"] = view.metric_name
    env.globals["metric_definition"] = view.metric_definition
    env.globals.update(
        forecast_figure=figures.forecast_figure,
        lift_figure=figures.lift_figure,
        roas_figure=figures.roas_figure,
        plan_figure=figures.plan_figure,
        scenario_title=figures.scenario_heading,
    )
    return env


@cache
def _stylesheet() -> Markup:
    """The shipped stylesheet, inlined so the HTML output also reads well on its own."""
    css = (templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    if "</" in css:  # would close the <style> element early
        raise ValueError(f"{STYLESHEET} must not contain '</'")
    return Markup(css)
