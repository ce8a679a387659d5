"""Turning pydantic validation errors into located, readable problems.

Both the audit config and rule packs are validated by pydantic models over
data loaded with positions (`yamlpos`), so the translation from an error's
`loc` to `file:line:col: path: message (did you mean ...)` lives here once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from auditor.errors import Problem
from auditor.yamlpos import DECIMAL, NOT_NUMBERS, KeyPath, Located


def _plain_number(value: Any) -> Any:
    """`true` must not pass as the number 1, nor text such as `0xE7` or `1_000` as a number.

    The YAML loader leaves those forms as text (yamlpos), and pydantic would
    still read `1_000`; a quoted decimal such as `"12.5"` stays accepted.
    """
    if isinstance(value, bool):
        raise ValueError("expected a number, got a true/false value")
    if isinstance(value, str) and not DECIMAL.fullmatch(value.strip()):
        shown = value if len(value) <= 40 else value[:40] + "..."
        hint = f"; {NOT_NUMBERS}" if any(ch.isdigit() for ch in value) else ""
        raise ValueError(f"expected a number, got '{shown}'{hint}")
    return value


Number = Annotated[float, BeforeValidator(_plain_number), Field(allow_inf_nan=False)]
NonNegative = Annotated[float, BeforeValidator(_plain_number), Field(ge=0, allow_inf_nan=False)]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model class that validates the object found at `loc`."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            current = _unwrap(current)
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = _unwrap(field.annotation)
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Find the model inside Optional[...] / list[...] / dict[str, ...] annotations."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    if get_origin(annotation) is None:
        return annotation
    return None


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problems_from(
    error: ValidationError,
    located: Located,
    model: type[BaseModel],
    prefix: KeyPath = (),
) -> list[Problem]:
    """One Problem per pydantic error, positioned at the offending key."""
    problems = []
    for item in error.errors(include_url=False):
        on_key = "[key]" in item["loc"]  # the error is about a mapping's key, not its value
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and "[" in p))
        path: KeyPath = (*prefix, *loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            allowed = list(owner.model_fields) if owner else []
            key = str(loc[-1])
            hint = did_you_mean(key, allowed)
            if not hint and allowed:
                hint = f" (expected one of: {', '.join(allowed)})"
            message = f"unknown key{hint}"
        elif kind == "missing":
            message = "required key is missing"
        elif kind.startswith(("date_", "datetime_")):
            message = f"expected a date as YYYY-MM-DD, got {_describe(item.get('input'))}"
        else:
            text = item["msg"]
            for prefix_text in ("Value error, ", "Assertion failed, "):
                if text.startswith(prefix_text):
                    text = text[len(prefix_text) :]
            message = text[0].lower() + text[1:] if text else text
            # our own validators write complete messages; pydantic's need the input
            if (
                kind != "value_error"
                and "input" in item
                and not isinstance(item["input"], dict | list)
            ):
                message += f", got {_describe(item['input'])}"
        at_value = kind not in ("extra_forbidden", "missing") and not on_key
        problems.append(located.problem(path, message, at_value=at_value))
    return problems
