"""JSON and YAML: a list of records, duplicate keys refused, each record's position kept."""

from __future__ import annotations

import json
import re
from typing import Any

from auditor.connectors.file.options import TOO_DEEP
from auditor.connectors.file.totals import _Cell, _Record, _Totals
from auditor.connectors.file.values import _Columns, _form_of, _norm
from auditor.core.errors import InputError, Problem, ProblemCollector, inert, quote
from auditor.core.yamlpos import KeyPath, Located, load_yaml_text


class _DuplicateKeyError(Exception):
    """json keeps the last of two equal keys silently; we refuse, like the YAML loader."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


_YAML_DUPLICATE = re.compile(r"duplicate key '(.*)'", re.DOTALL)
YAML_MESSAGE_CHARS = 200  # of a YAML loader's message, which may hold the file's text


def _from_yaml_loader(found: Problem) -> Problem:
    """The YAML loader's problem with the file's text in it quoted (its key path dropped)."""
    match = _YAML_DUPLICATE.fullmatch(found.message)
    if match:
        message = f"duplicate key {quote(match.group(1))} in a record"
    else:
        message = inert(found.message, YAML_MESSAGE_CHARS)
    return Problem(message, found.file, found.line, found.col)


def _load_json(text: str, problems: ProblemCollector) -> tuple[Any, Located | None]:
    """Values from json (exact JSON semantics), positions from the YAML loader."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKeyError as exc:
        _positions(text, problems)
        raise problems.stop(f"duplicate key {quote(exc)} in a record") from None
    except json.JSONDecodeError as exc:
        raise problems.stop(f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:
        raise problems.stop(TOO_DEEP) from None
    except ValueError as exc:  # e.g. a number with thousands of digits
        raise problems.stop(f"invalid JSON: {_first_clause(exc)}") from None
    return data, _positions(text, problems)


def _first_clause(exc: Exception) -> str:
    """Library messages can end in advice for programmers (after a ';'): not for users."""
    return str(exc).split(";")[0]


def _positions(json_text: str, problems: ProblemCollector) -> Located | None:
    """Key positions of a JSON text; None where PyYAML (YAML 1.1) cannot read valid JSON.

    Tabs are only whitespace in valid JSON, and PyYAML refuses them, so they become
    spaces (one character each: columns are kept).
    """
    try:
        return load_yaml_text(json_text.replace("\t", " "), problems.file)
    except InputError as exc:
        duplicates = [p for p in exc.problems if p.message.startswith("duplicate key")]
        if duplicates:
            for found in map(_from_yaml_loader, duplicates):
                problems.add(found.message, found.line, found.col)
            raise problems.error() from None
        return None
    except (ValueError, RecursionError):
        return None


def _load_yaml(text: str, problems: ProblemCollector) -> tuple[Any, Located | None]:
    try:
        located = load_yaml_text(text, problems.file)
    except RecursionError:
        raise problems.stop(TOO_DEEP) from None
    except InputError as exc:
        raise InputError([_from_yaml_loader(p) for p in exc.problems]) from None
    return located.data, located


def _where(located: Located | None, path: KeyPath) -> tuple[int | None, int | None]:
    return located.where(path) if located else (None, None)


def _records_totals(
    data: Any, located: Located | None, decimal: str, problems: ProblemCollector
) -> _Totals:
    example = '[{"month": "2026-07", "emails_sent": 1200}]'
    if not isinstance(data, list):
        line, col = _where(located, ())
        raise problems.stop(
            f"expected a list of records at the top level, such as {example}", line, col
        )
    if not data:
        raise problems.stop(
            f"the list of records is empty; expected records such as {example}", 1, 1
        )
    first = data[0]
    if not isinstance(first, dict):
        line, col = _where(located, (0,))
        raise problems.stop(
            "record 1 is not an object with keys such as month and emails_sent", line, col
        )
    form = _form_of(_norm(key) for key in first)
    columns = _Columns(form, problems)
    totals = _Totals(form, decimal, problems, "lines")
    for index, item in enumerate(data):
        record = _object_record(item, index, located, columns, problems)
        if record is not None:
            totals.add(record)
    return totals


def _object_record(
    item: Any, index: int, located: Located | None, columns: _Columns, problems: ProblemCollector
) -> _Record | None:
    line, col = _where(located, (index,))
    if not isinstance(item, dict):
        problems.add(f"record {index + 1} is not an object with keys such as month", line, col)
        return None
    form = _form_of(_norm(key) for key in item)
    if form != columns.form:
        problems.add(
            f"record {index + 1} uses the {form} form but the first record uses the "
            f"{columns.form} form; every record must use the same form",
            line,
            col,
        )
        return None
    cells: dict[str, _Cell] = {}
    for key, value in item.items():
        key_line, key_col = _where(located, (index, key))
        known = columns.classify(key, key_line, key_col) if _norm(key) else None
        if not _norm(key):
            problems.add("empty key in a record", key_line, key_col)
        elif known in cells:
            problems.add(f"key '{known}' appears twice in this record", key_line, key_col)
        elif known:
            cells[known] = _Cell(value, key_line, key_col)
    return _Record(line, col, cells)
