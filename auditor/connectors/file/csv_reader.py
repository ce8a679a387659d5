"""CSV: the delimiter, the header (the project's layouts, a platform export, or a
`format: columns` mapping), and the rows."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from auditor.connectors import exports
from auditor.connectors.exports import reader as exports_reader
from auditor.connectors.exports.layouts import hubspot as hubspot_exports
from auditor.connectors.file.options import MAPPED, FileOptions
from auditor.connectors.file.structured import _load_json, _load_yaml, _records_totals
from auditor.connectors.file.totals import _Cell, _Parsed, _Record, _Totals
from auditor.connectors.file.values import _Columns, _form_of, _norm, _utf8_error
from auditor.core.errors import ProblemCollector, quote


def _read_csv(raw: bytes, opts: FileOptions, problems: ProblemCollector) -> _Parsed:
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
    try:
        commented = raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"#")
        return _parse_csv(stream, opts, problems, commented)
    except UnicodeDecodeError:
        raise _utf8_error(io.BytesIO(raw), problems) from None


def _parse_csv(
    stream: TextIO, opts: FileOptions, problems: ProblemCollector, commented: bool = False
) -> _Parsed:
    lines: Iterator[str] = iter(stream)
    first, first_no = _first_line(lines)
    if commented:
        # a GA4 download: '#' lines describe the report, and several tables (the chart's
        # series, then the report's table) follow each other, separated by blank or '#'
        # lines; the table read is the first whose header is an export layout
        first, first_no, lines = _report_table(first, first_no, lines, opts, problems)
    if not first_no:
        raise problems.stop("the file is empty; expected a header line such as 'month,emails_sent'")
    delimiter = _sniff_delimiter(first) if opts.delimiter == "auto" else opts.delimiter
    decimal = opts.decimal if opts.decimal != "auto" else ("," if delimiter == ";" else ".")
    reader = _CsvReader(itertools.chain([first], lines), first_no, delimiter, problems)
    header = reader.next_row()
    names = header[1] if header else []
    layout = _export_layout(opts, names, first_no, problems)
    if layout is not None:
        read = exports_reader.read_export(layout, names, first_no, reader, decimal, problems)
        return _Parsed(None, delimiter, read)
    columns, form = _csv_layout(names, first_no, problems)
    totals = _Totals(form, decimal, problems, "rows")
    for record in _csv_records(reader, columns, problems):
        totals.add(record)
    if not totals.rows:
        raise problems.stop(f"no data rows below the header (line {first_no})", first_no)
    return _Parsed(totals, delimiter)


def _is_comment(line: str) -> bool:
    return line.lstrip("\ufeff").startswith("#")


def _report_table(
    first: str,
    first_no: int,
    lines: Iterator[str],
    opts: FileOptions,
    problems: ProblemCollector,
) -> tuple[str, int, Iterator[str]]:
    """The header line, its number and the data lines of the table to read in a report
    download made of '#' comments and several tables (GA4)."""
    tables: list[tuple[int, list[str]]] = []
    current: list[str] = [first]
    start = first_no
    for number, line in enumerate(lines, first_no + 1):
        if not _norm(line) or _is_comment(line):
            if current:
                tables.append((start, current))
                current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        tables.append((start, current))
    for start, table in tables:
        header = next(csv.reader([table[0]], delimiter=_sniff_delimiter(table[0])), [])
        if opts.format in (*exports.BY_ID, MAPPED) or any(_norm(h) == "month" for h in header):
            return table[0], start, iter(table[1:])
        if exports.matching(header):
            return table[0], start, iter(table[1:])
    start, table = tables[0]
    return table[0], start, iter(table[1:])


def _first_line(lines: Iterator[str]) -> tuple[str, int]:
    """The header line and its number, skipping blank lines and the '#' comment lines some
    exports (GA4) write above their header; ('', 0) for an empty file."""
    for number, line in enumerate(lines, 1):
        if _norm(line) and not line.lstrip("\ufeff").startswith("#"):
            return line, number
    return "", 0


def _export_layout(
    opts: FileOptions, header: list[str], line: int, problems: ProblemCollector
) -> exports.Layout | None:
    """The platform export the file is: the one `format` names, or the one its header is."""
    if opts.columns is not None:
        return opts.columns.layout(Path(opts.path).name)
    if opts.format in exports.BY_ID:
        layout: exports.Layout | None = exports.by_name(opts.format)
    elif any(_norm(name) == "month" for name in header):
        layout = None  # the project's own wide or long layout
    else:
        layout = exports.detect(header, line, problems)
    if opts.deal_stages is None:
        return layout
    if layout is None or layout.id != hubspot_exports.DEALS.id:
        raise problems.stop(
            "source.deal_stages applies to a HubSpot deals export; this file is "
            + (layout.title if layout else "the project's own layout"),
            line,
        )
    return hubspot_exports.deals_layout(opts.deal_stages.won, opts.deal_stages.lost)


def _sniff_delimiter(header: str) -> str:
    """Excel in Spanish (and other) locales writes ';', so the header line decides."""
    commas, semicolons, tabs = header.count(","), header.count(";"), header.count("\t")
    if semicolons > commas:
        return ";"
    if tabs and not commas and not semicolons:
        return "\t"
    return ","


class _CsvReader:
    """csv.reader that knows the file line each row starts on."""

    def __init__(
        self, lines: Iterator[str], first_no: int, delimiter: str, problems: ProblemCollector
    ):
        self._reader = csv.reader(lines, delimiter=delimiter)
        self._offset = first_no - 1
        self._end = self._offset
        self._problems = problems

    def next_row(self) -> tuple[int, list[str]] | None:
        start = self._end + 1
        try:
            row = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            line = self._reader.line_num + self._offset
            raise self._problems.stop(f"cannot read this line as CSV: {exc}", line) from None
        self._end = self._reader.line_num + self._offset
        return start, row

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while (row := self.next_row()) is not None:
            yield row


def _csv_layout(header: list[str], line: int, problems: ProblemCollector) -> tuple[list[str], str]:
    """Canonical name per column index: '' for no header, '?' for a reported bad column."""
    form = _form_of(_norm(name) for name in header)
    if not any(_norm(name) == "month" for name in header):
        # neither the project's layout nor a known export: one message, not one per column
        raise problems.stop(_no_month_message(form) + exports.unknown_layout_hint(header), line)
    columns = _Columns(form, problems)
    first_col: dict[str, int] = {}
    out: list[str] = []
    for col, raw in enumerate(header, 1):
        known = columns.classify(raw, line, col) if _norm(raw) else ""
        if known and known in first_col:
            problems.add(
                f"column '{known}' appears twice (columns {first_col[known]} and {col}); keep one",
                line,
                col,
            )
            known = None
        elif known:
            first_col[known] = col
        out.append("?" if known is None else known)
    if "month" not in first_col:
        raise problems.stop(_no_month_message(form) + exports.unknown_layout_hint(header), line)
    return out, form


def _no_month_message(form: str) -> str:
    if form == "long":
        return "no 'month' column in the header; a long file needs month, metric, value"
    return (
        "no 'month' column in the header; expected a wide file (month, then one column "
        "per base metric id) or a long file (month, metric, value, optionally channel)"
    )


def _csv_records(
    reader: _CsvReader, columns: list[str], problems: ProblemCollector
) -> Iterator[_Record]:
    for line, row in reader:
        if not any(_norm(text) for text in row):
            continue  # blank lines, and the ';;;;' lines spreadsheets leave behind
        cells: dict[str, _Cell] = {}
        for index, text in enumerate(row):
            name = columns[index] if index < len(columns) else ""
            if name == "?":
                continue
            if name:
                cells[name] = _Cell(text, line, index + 1)
            elif text.strip():
                problems.add(
                    f"value {quote(text)} in column {index + 1}, which has no header name",
                    line,
                    index + 1,
                )
        yield _Record(line, 1, cells)


# --- JSON and YAML records ----------------------------------------------------------------


def _read_records(
    raw: bytes, file_type: str, opts: FileOptions, problems: ProblemCollector
) -> _Parsed:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _utf8_error(io.BytesIO(raw), problems) from None
    if not text.strip():
        raise problems.stop(
            "the file is empty; expected a list of records such as "
            '[{"month": "2026-07", "emails_sent": 1200}]'
        )
    loader = _load_json if file_type == "json" else _load_yaml
    data, located = loader(text, problems)
    decimal = "." if opts.decimal == "auto" else opts.decimal
    return _Parsed(_records_totals(data, located, decimal, problems), None)
