"""Rule messages and recommendations: sandboxed Jinja, strict undefined, checked at load.

A message template is user-supplied text, so it runs in Jinja's sandbox and
may only read the documented variables (RULES.md "Messages"); a typo in a
variable name fails when the pack loads, not in the middle of a client's report.

The sandbox stops attribute tricks, not work: a pack could make the load (or a
report) loop for hours or fill the memory.  So every render is bounded, and a
template over a bound is a pack problem at its file:line that states the limit:

- `MAX_LOOP_ITERATIONS` (10,000): `{% for %}` iterations per render, all loops
  together (every loop's iterable is wrapped in a counting filter at compile);
- `MAX_TEXT_CHARS` (10,000): the rendered text, and any string or list an
  expression builds (`*`, `+`, `replace`, `join`), checked before it is built;
  an integer argument larger than this to a call or a filter is refused too;
- `MAX_POWER_BITS` (4,096): the size of an integer that `**` may produce;
- `%` formatting and `str.format` / `format_map` are not available (the
  filters format numbers), nor str methods outside `STR_METHODS`, nor Jinja
  filters outside the five formatting ones and `BUILTIN_FILTERS`; the data a
  template reads cannot be changed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Any

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemBytecodeCache,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    nodes,
)
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from auditor.core import formatting
from auditor.core.cache import private_folder
from auditor.core.validation import did_you_mean
from auditor.metrics.catalog import ALL_METRIC_IDS

MAX_LOOP_ITERATIONS = 10_000
MAX_TEXT_CHARS = 10_000
MAX_POWER_BITS = 4_096
COMPILED_CACHE = 4_096
"""Compiled templates kept per process (a batch renders the same packs for every client)."""

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

STR_METHODS = frozenset(
    {
        "capitalize",
        "count",
        "endswith",
        "find",
        "isdigit",
        "lower",
        "lstrip",
        "replace",
        "rstrip",
        "split",
        "startswith",
        "strip",
        "title",
        "upper",
    }
)
"""The str methods a template may call: none builds a text much longer than its input."""

BUILTIN_FILTERS = (
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "first",
    "float",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "max",
    "min",
    "replace",
    "reverse",
    "sort",
    "string",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "wordcount",
)
"""Jinja's own filters a template may use besides the five formatting ones."""

_FILTERS = ("pct", "pp", "money", "int", "round")
_LOOP_FILTER = "_auditor_bounded_loop"


def _filters(language: str, currency: str) -> dict[str, Callable[..., str]]:
    return {
        "pct": lambda v, digits=2: formatting.pct(v, language, digits),
        "pp": lambda v, digits=2: formatting.pp(v, language, digits),
        "money": lambda v, digits=0: formatting.money(v, currency, language, digits),
        "int": lambda v: formatting.number(v, language, 0),
        "round": lambda v, digits=1: formatting.number(v, language, digits),
    }


# --- the bounds ---------------------------------------------------------------------------


class TemplateLimitError(SecurityError):
    """A template went over one of this module's limits; the message names it."""


class _Budget:
    """Loop iterations left in the render under way."""

    def __init__(self) -> None:
        self.iterations = MAX_LOOP_ITERATIONS


_BUDGET: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _bounded_loop(iterable: Any) -> Iterator[Any]:
    """What every `{% for %}` iterates: the iterable, counted against the render's budget."""
    budget = _BUDGET.get()
    for item in iterable:
        if budget is not None:
            budget.iterations -= 1
            if budget.iterations < 0:
                raise TemplateLimitError(
                    f"the template's loops run more than {MAX_LOOP_ITERATIONS:,} times "
                    f"(limit is {MAX_LOOP_ITERATIONS:,} iterations per message)"
                )
        yield item


def _too_long(size: int) -> None:
    if size > MAX_TEXT_CHARS:
        raise TemplateLimitError(
            f"the template builds a text or list of {size:,} characters or items "
            f"(limit is {MAX_TEXT_CHARS:,})"
        )


def _sized(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict):
        _too_long(len(value))
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_arguments(args: Iterable[Any]) -> None:
    for arg in args:
        if _is_int(arg) and abs(arg) > MAX_TEXT_CHARS:
            raise TemplateLimitError(
                f"the number {arg} is too large for an argument in a template "
                f"(limit is {MAX_TEXT_CHARS:,})"
            )


def _replaced_size(text: str, old: str, new: str) -> int:
    hits = text.count(old) if old else len(text) + 1
    return len(text) + hits * max(0, len(new) - len(old))


def _join_size(items: list[Any], separator: str) -> int:
    return len(separator) * max(0, len(items) - 1) + sum(len(str(item)) for item in items)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, plus bounds on the work and memory one expression may take."""

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # every template this environment compiles counts its loops' iterations
        return _bound_loops(super()._parse(source, name, filename))

    def parse_as_written(self, source: str) -> nodes.Template:
        """The template's tree without the loop bound (to check what its author used)."""
        return super()._parse(source, None, None)

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise TemplateLimitError(
                "'%' formatting is not available in templates: use the filters "
                f"({', '.join(_FILTERS)})"
            )
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and _is_int(times):
                    _too_long(len(seq) * max(0, times))
        if (
            operator == "+"
            and isinstance(left, str | list | tuple)
            and isinstance(right, str | list | tuple)
        ):
            _too_long(len(left) + len(right))
        if operator == "**" and _is_int(left) and _is_int(right):
            bits = abs(right) * math.log2(abs(left)) if abs(left) > 1 else 0
            if bits > MAX_POWER_BITS:
                raise TemplateLimitError(
                    f"{left} ** {right} is too large a number (limit is {MAX_POWER_BITS:,} bits)"
                )
        return _sized(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if super().wrap_str_format(value) is None:
            return None

        def refused(*args: Any, **kwargs: Any) -> str:
            raise TemplateLimitError(
                f"str.{value.__name__} is not available in templates: write the text with "
                f"{{{{ }}}} and the filters ({', '.join(_FILTERS)})"
            )

        return refused

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_arguments([*args, *kwargs.values()])
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name not in STR_METHODS:
                raise TemplateLimitError(
                    f"str.{name}() is not available in templates "
                    f"(available: {', '.join(sorted(STR_METHODS))})"
                )
            if name == "replace" and len(args) >= 2:
                _too_long(_replaced_size(owner, str(args[0]), str(args[1])))
        return _sized(super().call(__context, __obj, *args, **kwargs))


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A builtin filter with its arguments and its result checked against the limits."""
    passes = hasattr(func, "jinja_pass_arg")  # @pass_environment / @pass_eval_context

    def bounded(*args: Any, **kwargs: Any) -> Any:
        lead, (value, *extra) = (args[:1], args[1:]) if passes else ((), args)
        _check_arguments([*extra, *kwargs.values()])
        if name == "join":
            value = list(_bounded_loop(value))
            separator = str(extra[0]) if extra else str(kwargs.get("d", ""))
            _too_long(_join_size(value, separator))
        elif name == "replace" and len(extra) >= 2:
            _too_long(_replaced_size(str(value), str(extra[0]), str(extra[1])))
        return _sized(func(*lead, value, *extra, **kwargs))

    bounded.__name__ = getattr(func, "__name__", name)
    if passes:
        bounded.jinja_pass_arg = func.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


class _SourceLoader(BaseLoader):
    """Templates named by the hash of their own text: Jinja's bytecode cache then keeps
    each compiled template between processes (`rules/cache.py`'s folder)."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool]]:
        if template not in self.sources:
            raise TemplateNotFound(template)
        return self.sources[template], None, lambda: True


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """The compiled templates' folder beside the rule-set cache, when it is usable."""
    folder = private_folder("templates")
    return None if folder is None else FileSystemBytecodeCache(str(folder))


@cache
def environment(language: str, currency: str = "EUR") -> BoundedEnvironment:
    """One bounded sandbox per (language, currency); messages are plain text."""
    env = BoundedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        loader=_SourceLoader(),
        bytecode_cache=_bytecode_cache(),
    )
    allowed = {name: env.filters[name] for name in BUILTIN_FILTERS}
    env.filters.clear()
    env.filters.update({name: _bounded_filter(name, func) for name, func in allowed.items()})
    env.filters.update(_filters(language, currency))
    env.filters[_LOOP_FILTER] = _bounded_loop
    return env


def _bound_loops(parsed: nodes.Template) -> nodes.Template:
    """Make every `{% for %}` iterate through `_bounded_loop` (counted iterations)."""
    for loop in parsed.find_all(nodes.For):
        loop.iter = nodes.Filter(
            loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.iter.lineno
        )
    return parsed


@lru_cache(maxsize=COMPILED_CACHE)
def _compiled(source: str, language: str, currency: str) -> Template:
    env = environment(language, currency)
    name = hashlib.sha256(source.encode("utf-8")).hexdigest()
    loader = env.loader
    assert isinstance(loader, _SourceLoader)
    loader.sources[name] = source
    try:
        return env.get_template(name)
    finally:  # the compiled template is kept (here and in the cache), not its text
        del loader.sources[name]


def _render(template: Template, context: dict[str, Any]) -> str:
    """Render within the limits: a fresh loop budget, and output stopped past the limit."""
    token = _BUDGET.set(_Budget())
    try:
        size, parts = 0, []
        for part in template.generate(context):
            size += len(part)
            _too_long(size)
            parts.append(part)
        return "".join(parts)
    finally:
        _BUDGET.reset(token)


# --- checking at load, rendering at run -----------------------------------------------------


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


def _failure(exc: BaseException) -> str:
    """Why a render failed, in a pack author's words (any exception: it is the template's)."""
    if isinstance(exc, TemplateError):
        return exc.message or str(exc)
    return str(exc) or exc.__class__.__name__


def check_template(
    source: str, thresholds: dict[str, Any], metric_ids: Iterable[str] = ALL_METRIC_IDS
) -> str | None:
    """None if the template compiles and renders with the documented variables, else why not."""
    try:
        return _check(source, thresholds, metric_ids)
    except RecursionError:  # Jinja's parser and compiler recurse once per nesting level
        return "template syntax error: the template nests too deeply"


def _check(source: str, thresholds: dict[str, Any], metric_ids: Iterable[str]) -> str | None:
    env = environment("en")
    try:
        parsed = env.parse_as_written(source)
    except TemplateError as exc:
        return f"template syntax error: {exc.message}"
    for name in parsed.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in VARIABLES:
            return f"unknown template variable '{name.name}' (available: {', '.join(VARIABLES)})"
    for used in parsed.find_all(nodes.Filter):
        if used.name not in env.filters or used.name == _LOOP_FILTER:
            names = [*_FILTERS, *BUILTIN_FILTERS]
            hint = did_you_mean(used.name, names) or f" (available: {', '.join(names)})"
            return f"unknown template filter '{used.name}'{hint}"
    if problem := _threshold_reference_problem(parsed, thresholds):
        return problem
    try:
        _render(_compiled(source, "en", "EUR"), sample_context(thresholds, metric_ids))
    except (Exception, RecursionError) as exc:  # IndexError, MemoryError...: the template's
        return f"template error: {_failure(exc)}"
    return None


def render(source: str, context: dict[str, Any], language: str, currency: str) -> str:
    """Render a checked template; a runtime failure yields a visible note, not a crash."""
    try:
        return _render(_compiled(source, language, currency), context).strip()
    except (Exception, RecursionError) as exc:
        return f"[message could not be rendered: {_failure(exc)}]"
