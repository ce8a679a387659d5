"""The leads table: one row per lead, read for the lead-scoring analysis (issue 7).

A CSV with a header line and these columns, in any order (case and spaces in
the names do not matter):

| column | holds |
| --- | --- |
| `lead_id` | the platform's id of the lead, unique in the table |
| `created` | the day the lead was created: `YYYY-MM-DD` (a time after it is ignored) |
| `score` | the platform's lead score (any number, negative scores included) |
| `mql` | whether the lead was flagged MQL: 1/0, true/false, yes/no, si/no; empty = not known |
| `became_customer` | the outcome, same values; empty = not known yet (left out of the analysis) |

Like the file connector, every bad cell is its own located problem
(`file:line:col`), all raised together in one `InputError` (exit 2), and no
other exception escapes.  The delimiter is sniffed from the header (Excel in
Spanish writes `;`), and with `;` the decimal mark is `,` unless told.

The file must be a regular file of at most 100 MiB and 1,000,000 rows
(`auditor/connectors/filelimits.py`), and every piece of it a message shows
goes through `errors.quote`.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import math
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from auditor.connectors.filelimits import MAX_LEADS_FILE_BYTES, MAX_LEADS_ROWS, read_regular_file
from auditor.core.errors import ProblemCollector, quote
from auditor.core.models import Lead

COLUMNS = ("lead_id", "created", "score", "mql", "became_customer")
MAX_PROBLEMS = 50
YES = frozenset({"1", "true", "yes", "y", "si", "sí", "s", "x"})
NO = frozenset({"0", "false", "no", "n"})
FLAG_FORMS = "expected 1/0, true/false, yes/no or si/no (empty = not known)"
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\S*)?")
_NUMBER = {".": re.compile(r"[+-]?\d+(?:\.\d+)?"), ",": re.compile(r"[+-]?\d+(?:,\d+)?")}


class _CellError(Exception):
    """One bad cell; the message is shown as is."""


def _norm(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def read_leads(
    path: Path, written: str, *, not_found: str, decimal: str = "auto"
) -> tuple[tuple[Lead, ...], dict[str, Any]]:
    """Every lead in the CSV at `path` (`written` is how the config names it), and provenance."""
    problems = ProblemCollector(written, MAX_PROBLEMS)
    raw = read_regular_file(
        path,
        MAX_LEADS_FILE_BYTES,
        problems,
        not_found=not_found,
        expected="the leads CSV file",
        too_large_hint="keep the leads of the last two years, or those with a known outcome",
    )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise problems.stop(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02X} on line {line}); save the file as "
            "UTF-8 (in Excel: Save As > 'CSV UTF-8')",
            line,
        ) from None
    leads, delimiter = _parse(text, decimal, problems)
    problems.raise_if_any()
    provenance = {
        "path": written,
        "rows": len(leads),
        "delimiter": delimiter,
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    return tuple(leads), provenance


def _parse(text: str, decimal: str, problems: ProblemCollector) -> tuple[list[Lead], str]:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise problems.stop(
            f"the file is empty; expected a header line such as '{','.join(COLUMNS)}'"
        )
    header_line = lines[start]
    delimiter = _sniff(header_line)
    mark = decimal if decimal != "auto" else ("," if delimiter == ";" else ".")
    rows = _rows(lines[start:], start, delimiter, problems)
    first = next(rows, None)
    columns = _columns(first[1] if first else [], start + 1, problems)
    parsers = _parsers(columns, mark)
    leads: list[Lead] = []
    seen: dict[str, int] = {}
    count = 0
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        count += 1
        if count > MAX_LEADS_ROWS:
            raise problems.stop(
                f"more than {MAX_LEADS_ROWS:,} leads; the limit is {MAX_LEADS_ROWS:,} (keep the "
                "leads of the last two years, or those with a known outcome)",
                line,
            )
        lead = _lead(line, row, parsers, problems)
        if lead is None:
            continue
        if lead.lead_id in seen:
            problems.add(
                f"lead_id {quote(lead.lead_id)} appears twice (lines {seen[lead.lead_id]} and "
                f"{line}); every lead needs its own row",
                line,
                columns["lead_id"] + 1,
            )
            continue
        seen[lead.lead_id] = line
        leads.append(lead)
    if not seen and not problems.items:
        raise problems.stop(f"no data rows below the header (line {start + 1})", start + 1)
    return leads, delimiter


def _sniff(header: str) -> str:
    commas, semicolons, tabs = header.count(","), header.count(";"), header.count("\t")
    if semicolons > commas:
        return ";"
    if tabs and not commas and not semicolons:
        return "\t"
    return ","


def _rows(
    lines: list[str], offset: int, delimiter: str, problems: ProblemCollector
) -> Iterator[tuple[int, list[str]]]:
    """(file line where the row starts, cells); a row may span lines inside quotes."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    end = offset
    while True:
        begin = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise problems.stop(
                f"cannot read this line as CSV: {exc}", reader.line_num + offset
            ) from None
        end = reader.line_num + offset
        yield begin, row


def _columns(header: list[str], line: int, problems: ProblemCollector) -> dict[str, int]:
    """Column name -> index; unknown, repeated and missing columns are problems."""
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _norm(raw)
        if not name:
            continue
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.add(
                f"unknown column {quote(raw.strip())}{hint}; the leads table has the "
                f"columns {', '.join(COLUMNS)}",
                line,
                index + 1,
            )
        elif name in found:
            problems.add(
                f"column '{name}' appears twice (columns {found[name] + 1} and {index + 1}); "
                "keep one",
                line,
                index + 1,
            )
        else:
            found[name] = index
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        raise problems.stop(
            f"the header has no column {', '.join(quote(m) for m in missing)}; the leads table "
            f"needs {', '.join(COLUMNS)}",
            line,
        )
    return found


def _parsers(columns: dict[str, int], decimal: str) -> list[tuple[str, int, Callable[[str], Any]]]:
    """Each column's position and parser, built once per file (not once per row)."""
    parsers: dict[str, Callable[[str], Any]] = {
        "lead_id": _lead_id,
        "created": _created,
        "score": lambda raw: _score(raw, decimal),
        "mql": lambda raw: _flag("mql", raw),
        "became_customer": lambda raw: _flag("became_customer", raw),
    }
    return [(name, columns[name], parse) for name, parse in parsers.items()]


def _lead(
    line: int,
    row: list[str],
    parsers: list[tuple[str, int, Callable[[str], Any]]],
    problems: ProblemCollector,
) -> Lead | None:
    # A cell outside the table's columns is an error; when the columns are the first
    # ones (the usual header), only a longer row can have such a cell.
    width = len(parsers)
    if len(row) > width or any(index >= width for _, index, _ in parsers):
        known = {index for _, index, _ in parsers}
        for index, text in enumerate(row):
            if index not in known and text.strip():
                problems.add(
                    f"value {quote(text)} in column {index + 1}, which is not a leads table column",
                    line,
                    index + 1,
                )
    values: dict[str, Any] = {}
    ok = True
    for name, index, parse in parsers:
        raw = row[index] if index < len(row) else ""
        try:
            values[name] = parse(raw)
        except _CellError as exc:
            problems.add(str(exc), line, index + 1)
            ok = False
    if not ok:
        return None
    return Lead(
        values["lead_id"],
        values["created"],
        values["score"],
        values["mql"],
        values["became_customer"],
    )


def _lead_id(raw: str) -> str:
    if not raw.strip():
        raise _CellError("lead_id is empty; every lead needs its id")
    return raw.strip()


def _created(raw: str) -> date:
    if not raw.strip():
        raise _CellError("created is empty; every lead needs the day it was created (YYYY-MM-DD)")
    match = _DATE_RE.fullmatch(raw.strip())
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise _CellError(f"created: {quote(raw)} is not a date; expected YYYY-MM-DD (e.g. 2026-07-14)")


def _score(raw: str, decimal: str) -> float:
    body = raw.strip()
    if not body:
        raise _CellError("score is empty; every lead needs its score")
    if _NUMBER[decimal].fullmatch(body):
        value = float(body.replace(decimal, "."))
        if math.isfinite(value):
            return value
    other = "," if decimal == "." else "."
    hint = ""
    if _NUMBER[other].fullmatch(body):
        hint = (
            f" with '{decimal}' as the decimal mark (the leads file's mark follows source.decimal)"
        )
    raise _CellError(f"score: {quote(raw)} is not a number{hint}")


def _flag(name: str, raw: str) -> bool | None:
    word = raw.strip().lower()
    if not word:
        return None
    if word in YES:
        return True
    if word in NO:
        return False
    raise _CellError(f"{name}: {quote(raw)} is not a yes/no value; {FLAG_FORMS}")
