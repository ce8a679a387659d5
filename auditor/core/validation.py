"""Turning pydantic validation errors into located, readable problems.

Both the audit config and rule packs are validated by pydantic models over
data loaded with positions (`yamlpos`), so the translation from an error's
`loc` to `file:line:col: path: message (did you mean ...)` lives here once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from auditor.core.errors import MAX_SHOWN_PROBLEMS, Problem
from auditor.core.redaction import is_credential_name, looks_like_credential
from auditor.core.yamlpos import DECIMAL, NOT_NUMBERS, KeyPath, Located


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


def _has(container: Any, part: str | int) -> bool:
    """Whether `container[part]` is a real key or index of the loaded data."""
    if isinstance(container, Mapping):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _data_at(data: Any, path: KeyPath) -> Any:
    for part in path:
        if not _has(data, part):
            return None
        data = data[part]
    return data


def _key_path(loc: Sequence[str | int], data: Any, kind: str) -> tuple[KeyPath, bool]:
    """The key path `loc` names in `data`, and whether the error is about a mapping's key.

    Pydantic's `loc` mixes real keys with its own tags (`[key]`, a union member
    such as `str` or `function-after[...]`), and a real key may contain `[`
    (`foo[0]: 1`), so each part is checked against the data it indexes: parts
    the data does not have are tags, except the last one of a `missing` error.
    """
    path: list[str | int] = []
    on_key = False
    current = data
    for index, part in enumerate(loc):
        if _has(current, part):
            path.append(part)
            current = current[part]
        elif part == "[key]":
            on_key = True
        elif kind == "missing" and index == len(loc) - 1:
            path.append(part)
        # else: a pydantic tag, or a part of a value a validator reshaped
    return tuple(path), on_key


def located_problems(
    error: ValidationError,
    located: Located,
    model: type[BaseModel],
    prefix: KeyPath = (),
    shown_as: Mapping[KeyPath, str] | None = None,
) -> list[tuple[KeyPath, Problem]]:
    """One `(key path, Problem)` per pydantic error, positioned at the offending key.

    An invalid value is quoted back (`got 'x'`) unless its key names a credential
    or the value looks like one (`redaction`); a value from `${VAR}` expansion is
    quoted as written (`shown_as`: key path -> text in the file).
    """
    data = _data_at(located.data, prefix)
    out = []
    for index, item in enumerate(error.errors(include_url=False)):
        kind = item["type"]
        loc, on_key = _key_path(item["loc"], data, kind)
        path: KeyPath = (*prefix, *loc)
        if kind == "extra_forbidden" and index >= MAX_SHOWN_PROBLEMS:
            # past what a message shows: no "did you mean" search over a huge key set
            message = "unknown key"
        elif kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            allowed = list(owner.model_fields) if owner else []
            key = str(loc[-1]) if loc else ""
            hint = did_you_mean(key, allowed)
            if not hint and allowed:
                hint = f" (expected one of: {', '.join(allowed)})"
            message = f"unknown key{hint}"
        elif kind == "missing":
            message = "required key is missing"
        elif kind.startswith(("date_", "datetime_")):
            message = f"expected a date as YYYY-MM-DD{_echo(path, item, shown_as)}"
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
                message += _echo(path, item, shown_as)
        at_value = kind not in ("extra_forbidden", "missing") and not on_key
        out.append((path, located.problem(path, message, at_value=at_value)))
    return out


def _echo(path: KeyPath, item: Mapping[str, Any], shown_as: Mapping[KeyPath, str] | None) -> str:
    """`, got <the input>`, or nothing when the input may be a credential."""
    if shown_as and path in shown_as:
        return f", got {shown_as[path]}"
    value = item.get("input")
    names = [part for part in path if isinstance(part, str)]
    if (names and is_credential_name(names[-1])) or looks_like_credential(str(value)):
        return ""
    return f", got {_describe(value)}"


def problems_from(
    error: ValidationError,
    located: Located,
    model: type[BaseModel],
    prefix: KeyPath = (),
    shown_as: Mapping[KeyPath, str] | None = None,
) -> list[Problem]:
    """One Problem per pydantic error, positioned at the offending key."""
    return [problem for _, problem in located_problems(error, located, model, prefix, shown_as)]
