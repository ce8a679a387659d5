"""The `file` connector: monthly base metrics from a CSV, JSON or YAML file (DESIGN.md section 5).

It is the embedded default, for when a client sends spreadsheets.  Client files
are hand-made, so every bad cell becomes its own located `Problem` and all of
them are raised together in one `InputError`: one run shows everything to fix,
and nothing else (ValueError, csv.Error, UnicodeDecodeError...) ever escapes.

The file is read once, whole but bounded (`filelimits.py`: a regular file, at
most 100 MiB of CSV or 2 MiB of JSON/YAML, 1,000,000 rows, 200 channels), so
its hash describes exactly the bytes parsed.  Every piece of the file that a
message shows goes through `errors.quote` (truncated, control and bidi
characters escaped).

In the wide form a month takes one row, unless a `channel` or `campaign`
column tells its rows apart: a month pasted twice would otherwise add up into
figures twice as large, silently.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TextIO, TypeVar, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from auditor.connectors import exports
from auditor.connectors.base import Connector, ConnectorOptions
from auditor.connectors.cells import CellError as _CellError
from auditor.connectors.cells import parse_number as _parse_number
from auditor.connectors.exports import reader as exports_reader
from auditor.connectors.exports.layouts import hubspot as hubspot_exports
from auditor.connectors.exports.mapped import ColumnMapping
from auditor.connectors.filelimits import (
    MAX_CHANNEL_NAME_CHARS,
    MAX_CHANNELS,
    MAX_DATA_FILE_BYTES,
    MAX_DATA_ROWS,
    MAX_RECORDS_FILE_BYTES,
    read_regular_file,
)
from auditor.connectors.leads import read_leads
from auditor.core import reasons
from auditor.core.errors import InputError, Problem, ProblemCollector, inert, quote
from auditor.core.models import Lead, SourceData
from auditor.core.period import Month
from auditor.core.yamlpos import KeyPath, Located, load_yaml_text
from auditor.metrics.catalog import BASE_BY_ID, KPI_BY_ID

MAX_PROBLEMS = 50
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
SPREADSHEET_EXTENSIONS = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")
WIDE_COLUMNS = ("month", "channel", "campaign", *BASE_BY_ID)
LONG_COLUMNS = ("month", "metric", "value", "channel")
MONTH_FORMS = "expected YYYY-MM (e.g. 2026-07) or a date YYYY-MM-DD"
SAVE_AS_UTF8 = "save the file as UTF-8 (in Excel: Save As > 'CSV UTF-8')"
TOO_DEEP = "the file is nested too deeply to be a list of records"

T = TypeVar("T")

_MEMO_SIZE = 10_000  # distinct month/metric/channel texts remembered (memory bound, not a limit)

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


FILE_TYPES = ("auto", "csv", "json", "yaml")
MAPPED = "columns"
"""`format: columns`: an export read by the columns the config names (`source.columns`)."""


def _format_name(value: str) -> str:
    if value in FILE_TYPES or value in exports.BY_ID or value == MAPPED:
        return value
    raise ValueError(
        f"unknown format {quote(value)}{exports.suggestion(value)}; expected auto, csv, json, "
        f"yaml, columns (with source.columns) or an export layout: {exports.known_list()}"
    )


StageLabel = Annotated[str, Field(min_length=1, max_length=200)]


class DealStages(BaseModel):
    """`source.deal_stages`: the labels of the stages that close a deal as won or lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    won: Annotated[tuple[StageLabel, ...], Field(min_length=1, max_length=50)]
    lost: Annotated[tuple[StageLabel, ...], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _apart(self) -> DealStages:
        both = {s.casefold() for s in self.won} & {s.casefold() for s in self.lost}
        if both:
            raise ValueError(f"a stage cannot be both won and lost: {', '.join(sorted(both))}")
        return self


class FileOptions(ConnectorOptions):
    """The `source:` options of the file connector (validated like every config key)."""

    path: str
    format: Annotated[str, AfterValidator(_format_name)] = "auto"
    """auto, csv, json, yaml, or a platform export layout (`exports.LAYOUTS`)."""
    delimiter: Literal["auto", ",", ";", "\t"] = "auto"
    decimal: Literal["auto", ".", ","] = "auto"
    leads: str | None = None
    """A second CSV, one row per lead, for the lead-scoring analysis (auditor/connectors/leads.py)."""
    columns: ColumnMapping | None = None
    """With `format: columns`: which export column gives each base metric."""
    deal_stages: DealStages | None = None
    """A HubSpot deals export's won and lost stage labels, when the pipeline has its own."""

    @model_validator(mode="after")
    def _columns_with_their_format(self) -> FileOptions:
        if self.format == MAPPED and self.columns is None:
            raise ValueError("format: columns needs source.columns (the date column and metrics)")
        if self.columns is not None and self.format != MAPPED:
            raise ValueError("source.columns is read only with format: columns")
        return self


class FileConnector(Connector):
    """Reads every month in one data file; the audit picks the months it needs."""

    name: ClassVar[str] = "file"
    description: ClassVar[str] = "Monthly base metrics from a CSV, JSON or YAML file (wide or long)"
    Options: ClassVar[type[ConnectorOptions]] = FileOptions
    metrics: ClassVar[tuple[str, ...]] = tuple(BASE_BY_ID)
    not_measured: ClassVar[Mapping[str, str]] = {}

    def check(self) -> str:
        """The file parses: say what it holds (an empty cell is still 'not measured')."""
        data = self.fetch([])
        months = data.months
        span = f"{months[0]} to {months[-1]}" if months else "no months"
        measured = {m for values in data.monthly.values() for m in values}
        prov = data.provenance
        leads = f"; {len(data.leads)} leads in {prov['leads']['path']}" if "leads" in prov else ""
        form = prov.get("layout") or f"{prov.get('format')} form"
        return (
            f"{data.label}: {prov.get('file_type', '?').upper()} ({form}), "
            f"{len(months)} months ({span}), {len(measured)} of {len(BASE_BY_ID)} base "
            f"metrics present{leads}"
        )

    def input_files(self) -> tuple[Path, ...]:
        """The data file and, when given, the leads file (as resolved for reading)."""
        opts = self._file_options()
        files = [self._resolve(opts.path)]
        if opts.leads is not None:
            files.append(self._resolve(opts.leads))
        return tuple(files)

    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Return everything in the file: `months` is ignored, as more history helps trends.

        With a `leads:` file, the problems of both files are reported together.
        """
        opts = self._file_options()
        errors: list[InputError] = []
        try:
            data = self._fetch_metrics(opts)
        except InputError as exc:
            errors.append(exc)
        leads: tuple[Lead, ...] = ()
        leads_provenance: dict[str, Any] | None = None
        if opts.leads is not None:
            try:
                leads, leads_provenance = read_leads(
                    self._resolve(opts.leads),
                    opts.leads,
                    not_found=self._not_found(opts.leads, self._resolve(opts.leads)),
                    decimal=opts.decimal,
                )
            except InputError as exc:
                errors.append(exc)
        if errors:
            raise InputError([p for error in errors for p in error.problems])
        if leads_provenance is None:
            return data
        return replace(data, leads=leads, provenance={**data.provenance, "leads": leads_provenance})

    def _fetch_metrics(self, opts: FileOptions) -> SourceData:
        problems = ProblemCollector(opts.path, MAX_PROBLEMS)
        file_type = _file_type(opts, problems)
        path = self._resolve(opts.path)
        csv_file = file_type == "csv"
        raw = read_regular_file(
            path,
            MAX_DATA_FILE_BYTES if csv_file else MAX_RECORDS_FILE_BYTES,
            problems,
            not_found=self._not_found(opts.path, path),
            expected="a CSV data file" if csv_file else "a JSON or YAML data file",
            too_large_hint="monthly figures rarely need more: add rows up by month, or "
            + ("keep fewer months" if csv_file else "save the data as CSV, which may be larger"),
        )
        digest = hashlib.sha256(raw).hexdigest()
        if csv_file:
            parsed = _read_csv(raw, opts, problems)
        else:
            parsed = _read_records(raw, file_type, opts, problems)
        problems.raise_if_any()
        return _source_data(opts.path, file_type, digest, parsed)

    def _file_options(self) -> FileOptions:
        if isinstance(self.options, FileOptions):
            return self.options
        return FileOptions.model_validate(self.options.model_dump())

    def _resolve(self, written: str) -> Path:
        path = Path(written).expanduser()
        return path if path.is_absolute() else self.config_dir / path

    def _not_found(self, written: str, resolved: Path) -> str:
        if Path(written).expanduser().is_absolute():
            return f"file not found: {written}"
        return (
            f"file not found: {written} (relative paths are resolved against the config's "
            f"folder {self.config_dir}, so it looked for {resolved})"
        )


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


# --- reading the file ---------------------------------------------------------------------


def _file_type(opts: FileOptions, problems: ProblemCollector) -> str:
    if opts.format in exports.BY_ID or opts.format == MAPPED:
        return "csv"  # platform exports are CSV files
    if opts.format != "auto":
        return opts.format
    suffix = Path(opts.path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    accepted = ", ".join(EXTENSIONS)
    hint = "; export the sheet as 'CSV UTF-8'" if suffix in SPREADSHEET_EXTENSIONS else ""
    raise problems.stop(
        f"cannot tell the file type from the extension {quote(suffix)}; accepted extensions: "
        f"{accepted} (or set source.format: csv, json or yaml){hint}"
    )


def _bad_utf8(lines: Iterable[bytes]) -> tuple[int, int, int] | None:
    """(line, column, byte) of the first byte that is not UTF-8, for the error message."""
    for number, raw in enumerate(lines, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            col = len(raw[: exc.start].decode("utf-8").lstrip("\ufeff")) + 1
            return number, col, raw[exc.start]
    return None


def _utf8_error(lines: Iterable[bytes], problems: ProblemCollector) -> InputError:
    found = _bad_utf8(lines)
    if found is None:
        return problems.stop(f"not UTF-8 text; {SAVE_AS_UTF8}")
    line, col, byte = found
    return problems.stop(
        f"not UTF-8 text (byte 0x{byte:02X} on line {line}); {SAVE_AS_UTF8}", line, col
    )


def _norm(name: str) -> str:
    """Header names and keys: whitespace, case and a stray BOM do not matter."""
    return name.replace("\ufeff", "").strip().lower()


def _form_of(names: Iterable[str]) -> str:
    return "long" if {"metric", "value"} <= set(names) else "wide"


class _Columns:
    """Decides what each header name (or record key) means, reporting each bad name once."""

    def __init__(self, form: str, problems: ProblemCollector) -> None:
        self.form = form
        self.known = LONG_COLUMNS if form == "long" else WIDE_COLUMNS
        self.problems = problems
        self._seen: dict[str, str | None] = {}

    def classify(self, raw: str, line: int | None, col: int | None) -> str | None:
        """The canonical column name, or None for a bad one (reported at its first use)."""
        name = _norm(raw)
        if name not in self._seen:
            known = name if name in self.known else None
            if known is None:
                self.problems.add(self._unknown(raw.strip(), name), line, col)
            self._seen[name] = known
        return self._seen[name]

    def _unknown(self, shown: str, name: str) -> str:
        if name in KPI_BY_ID:
            return _kpi_message("column", shown, name)
        if self.form == "wide" and name in ("metric", "value"):
            return (
                f"column {quote(shown)} belongs to the long form, which needs both 'metric' and "
                "'value' columns (month, metric, value, optionally channel)"
            )
        what = "wide file columns are 'month', 'channel', 'campaign' and base metric ids"
        if self.form == "long":
            what = "long file columns are month, metric, value and optionally channel"
        return f"unknown column {quote(shown)}{_did_you_mean(name, self.known)}; {what}"


def _kpi_message(what: str, shown: str, name: str) -> str:
    return (
        f"{what} {quote(shown)} is a KPI computed by the auditor from base metrics "
        f"({KPI_BY_ID[name].formula}), not read from data; give its inputs instead"
    )


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- cell values --------------------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _metric_value(metric: str, raw: Any, decimal: str) -> float | None:
    """The cell as a float; None when empty (not measured, which is not 0)."""
    if _blank(raw):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _CellError(f"{metric}: {quote(raw)} is not a number")
    try:
        value = _parse_number(raw, decimal) if isinstance(raw, str) else float(raw)
    except _CellError as exc:
        raise _CellError(f"{metric}: {quote(raw)} {exc}") from None
    except OverflowError:
        value = math.inf
    _check_range(metric, value, raw)
    return value


def _check_range(metric: str, value: float, raw: Any) -> None:
    unit = BASE_BY_ID[metric].unit
    if math.isfinite(value) and value >= 0 and (unit != "count" or value.is_integer()):
        return
    shown = quote(raw)
    if not math.isfinite(value):
        raise _CellError(f"{metric}: {shown} is not a finite number")
    if value < 0:
        what = "counts" if unit == "count" else "amounts"
        raise _CellError(f"{metric}: {shown} is negative; negative {what} are not possible")
    if unit == "count" and not value.is_integer():
        raise _CellError(f"{metric}: {shown} is not a whole number ({metric} is a count)")


def _month_value(raw: Any) -> Month:
    """'YYYY-MM', or the month of a 'YYYY-MM-DD' date (YAML may hand us a date object)."""
    if isinstance(raw, date):
        return f"{raw.year:04d}-{raw.month:02d}"
    if _blank(raw):
        raise _CellError("month is empty; every row needs its month (YYYY-MM)")
    match = _MONTH_RE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match and _real_month(match):
        return f"{match.group(1)}-{match.group(2)}"
    raise _CellError(f"month: {quote(raw)} is not a month; {MONTH_FORMS}")


def _row_date(raw: Any, month: Month) -> str:
    """The month, or the day when the cell gives one: what tells a wide file's rows apart."""
    if isinstance(raw, date):
        return raw.strftime("%Y-%m-%d")
    match = _MONTH_RE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    return f"{month}-{match.group(3)}" if match and match.group(3) else month


def _real_month(match: re.Match[str]) -> bool:
    year, month, day = match.groups()
    try:
        date(int(year), int(month), int(day or 1))
    except ValueError:
        return False
    return True


def _metric_id(raw: Any) -> str:
    if _blank(raw):
        raise _CellError("metric is empty; every row of a long file needs its metric id")
    if not isinstance(raw, str):
        raise _CellError(f"metric: {quote(raw)} is not a metric id")
    name = _norm(raw)
    if name in BASE_BY_ID:
        return name
    if name in KPI_BY_ID:
        raise _CellError(_kpi_message("metric", raw.strip(), name))
    raise _CellError(
        f"unknown metric {quote(raw.strip())}{_did_you_mean(name, tuple(BASE_BY_ID))}; "
        "metrics are base metric ids such as emails_sent or leads_new"
    )


def _channel_value(raw: Any) -> str | None:
    if _blank(raw):
        return None
    if isinstance(raw, str):
        name = raw.strip()
        if len(name) > MAX_CHANNEL_NAME_CHARS:
            raise _CellError(
                f"channel name {quote(name, 40)} is {len(name):,} characters; the limit is "
                f"{MAX_CHANNEL_NAME_CHARS} (it labels a report row)"
            )
        return name
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise _CellError(f"channel: {quote(raw)} is not a channel name")


def _campaign_value(raw: Any) -> str | None:
    """Only tells a wide file's rows of one month apart; never stored or summed by."""
    if _blank(raw):
        return None
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise _CellError(f"campaign: {quote(raw)} is not a campaign name")


# --- adding records up --------------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    value: Any
    line: int | None
    col: int | None


@dataclass(frozen=True)
class _Record:
    """One data row (CSV) or object (JSON/YAML) with canonical column names."""

    line: int | None
    col: int | None
    cells: dict[str, _Cell]

    def cell(self, name: str) -> _Cell:
        return self.cells.get(name) or _Cell(None, self.line, self.col)


@dataclass
class _Totals:
    """Validates records and adds them into monthly and per-channel totals."""

    form: str
    decimal: str
    problems: ProblemCollector
    row_word: str  # "rows" in a spreadsheet, "lines" in JSON/YAML
    monthly: dict[Month, dict[str, float]] = field(default_factory=dict)
    by_channel: dict[str, dict[Month, dict[str, float]]] = field(default_factory=dict)
    rows: int = 0
    _stocks: dict[tuple[Month, str, str | None], tuple[float, int | None]] = field(
        default_factory=dict
    )
    _wide_rows: dict[tuple[Month, str | None, str | None], str] = field(default_factory=dict)
    _channels: set[str] = field(default_factory=set)
    # Months, metric ids and channels repeat on every row: each distinct text is parsed once.
    _parsed: dict[tuple[Callable[[Any], Any], str], Any] = field(default_factory=dict)

    def add(self, record: _Record) -> None:
        self.rows += 1
        if self.rows > MAX_DATA_ROWS:
            what = "data rows" if self.row_word == "rows" else "records"
            raise self.problems.stop(
                f"more than {MAX_DATA_ROWS:,} {what}; the limit is {MAX_DATA_ROWS:,} (monthly "
                "figures rarely need more: add rows up by month, or keep fewer months)",
                record.line,
            )
        if self.form == "long":
            self._add_long(record)
        else:
            self._add_wide(record)

    def _add_wide(self, record: _Record) -> None:
        month = self._read_label(record.cell("month"), _month_value)
        channel = self._channel(record)
        campaign = self._read_label(record.cell("campaign"), _campaign_value)
        values = [
            (name, value, cell)
            for name, cell in record.cells.items()
            if name in BASE_BY_ID and (value := self._value(name, cell)) is not None
        ]
        if month is None:
            return
        self._check_unique_row(
            record, _row_date(record.cell("month").value, month), channel, campaign
        )
        self.monthly.setdefault(month, {})
        for name, value, cell in values:
            self._put(month, name, value, channel, cell)

    def _channel(self, record: _Record) -> str | None:
        """The record's channel; past MAX_CHANNELS distinct ones, reading stops."""
        cell = record.cell("channel")
        channel = self._read_label(cell, _channel_value)
        if channel is not None and channel not in self._channels:
            if len(self._channels) >= MAX_CHANNELS:
                raise self.problems.stop(
                    f"channel {quote(channel)} is channel {MAX_CHANNELS + 1}; the limit is "
                    f"{MAX_CHANNELS:,} channels (the report has a row for each): group the "
                    "small ones, e.g. as 'other'",
                    cell.line,
                    cell.col,
                )
            self._channels.add(channel)
        return channel

    def _check_unique_row(
        self, record: _Record, when: str, channel: str | None, campaign: str | None
    ) -> None:
        """A wide month (or day) takes one row per channel and campaign: a repeat is a paste twice.

        Rows of different days of a month (a daily export) are told apart by their dates.
        """
        key = (when, channel, campaign)
        cell = record.cell("month")
        record_no = f"record {self.rows}"
        here = f"on line {cell.line}" if cell.line is not None else f"in {record_no}"
        first = self._wide_rows.get(key)
        if first is None:
            self._wide_rows[key] = here
            return
        given = " and ".join(
            f"{name} {quote(value)}"
            for name, value in (("channel", channel), ("campaign", campaign))
            if value is not None
        )
        prefix = "" if cell.line is not None else f"{record_no}: "
        self.problems.add(
            f"{prefix}{'month' if len(when) == 7 else 'date'} {when}"
            f"{' for ' + given if given else ''} is already given {first}: its figures would "
            "add up twice; delete the repeated row, or tell the rows apart with a 'channel' or "
            "'campaign' column (the wide form has one row per month, channel and campaign)",
            cell.line,
            cell.col,
        )

    def _add_long(self, record: _Record) -> None:
        month = self._read_label(record.cell("month"), _month_value)
        metric = self._read_label(record.cell("metric"), _metric_id)
        channel = self._channel(record)
        value_cell = record.cell("value")
        value = self._value(metric, value_cell) if metric else None
        if month is None:
            return
        self.monthly.setdefault(month, {})
        if metric and value is not None:
            self._put(month, metric, value, channel, value_cell)

    def _read(self, cell: _Cell, parse: Callable[[Any], T]) -> T | None:
        try:
            return parse(cell.value)
        except _CellError as exc:
            self._report(cell, exc)
            return None

    def _read_label(self, cell: _Cell, parse: Callable[[Any], T]) -> T | None:
        """`_read` for the few distinct texts of a column (month, metric, channel), memoised."""
        if not isinstance(cell.value, str):
            return self._read(cell, parse)
        key = (parse, cell.value)
        if key in self._parsed:
            return cast("T | None", self._parsed[key])
        try:
            found = self._parsed[key] = parse(cell.value)
        except _CellError as exc:
            self._report(cell, exc)  # not memoised: every bad cell is reported where it is
            return None
        if len(self._parsed) > _MEMO_SIZE:
            self._parsed.clear()
        return found

    def _report(self, cell: _Cell, exc: _CellError) -> None:
        hint = ""
        if isinstance(cell.value, str) and "\n" in cell.value:
            hint = " (the cell spans several lines: is a quote left open?)"
        self.problems.add(f"{exc}{hint}", cell.line, cell.col)

    def _value(self, metric: str, cell: _Cell) -> float | None:
        return self._read(cell, lambda raw: _metric_value(metric, raw, self.decimal))

    def _put(
        self, month: Month, metric: str, value: float, channel: str | None, cell: _Cell
    ) -> None:
        """Flows add up; a stock adds up across channels but repeats must agree."""
        if BASE_BY_ID[metric].aggregation == "last":
            key = (month, metric, channel)
            if key in self._stocks:
                self._check_repeat(key, value, cell)
                return
            self._stocks[key] = (value, cell.line)
        _bump(self.monthly.setdefault(month, {}), metric, value)
        if channel is not None:
            _bump(self.by_channel.setdefault(channel, {}).setdefault(month, {}), metric, value)

    def _check_repeat(self, key: tuple[Month, str, str | None], value: float, cell: _Cell) -> None:
        month, metric, channel = key
        first, first_line = self._stocks[key]
        if first == value:
            return
        where = f" (channel {quote(channel)})" if channel is not None else ""
        self.problems.add(
            f"{metric} is a stock (value at month end); {self.row_word} {first_line} and "
            f"{cell.line} give different values for {month}{where}: {_fmt(first)} and "
            f"{_fmt(value)}",
            cell.line,
            cell.col,
        )


def _by_month(series: dict[Month, dict[str, float]]) -> dict[Month, dict[str, float]]:
    return {month: series[month] for month in sorted(series)}


def _bump(totals: dict[str, float], metric: str, value: float) -> None:
    totals[metric] = totals.get(metric, 0.0) + value


@dataclass(frozen=True)
class _Parsed:
    totals: _Totals | None
    delimiter: str | None
    export: exports_reader.ExportTotals | None = None


def _export_source_data(
    written: str, digest: str, delimiter: str | None, read: exports_reader.ExportTotals
) -> SourceData:
    months = sorted(read.monthly)
    provenance: dict[str, Any] = {
        "path": written,
        **read.provenance(),
        "file_type": "csv",
        "delimiter": delimiter,
        "rows": read.rows,
        "first_month": months[0] if months else None,
        "last_month": months[-1] if months else None,
        "sha256": digest,
    }
    return SourceData(
        connector="file",
        label=written,
        monthly={month: read.monthly[month] for month in months},
        fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        provenance=provenance,
        # a metric missing in some months keeps its reason (the months it lacks)
        not_measured={
            m: read.not_measured.get(m)
            or reasons.text("export_no_figure", layout=read.layout.title)
            for m in BASE_BY_ID
            if m in read.not_measured or not any(m in values for values in read.monthly.values())
        },
    )


def _source_data(written: str, file_type: str, digest: str, parsed: _Parsed) -> SourceData:
    if parsed.export is not None:
        return _export_source_data(written, digest, parsed.delimiter, parsed.export)
    totals = parsed.totals
    assert totals is not None
    months = sorted(totals.monthly)
    provenance = {
        "path": written,
        "format": totals.form,
        "file_type": file_type,
        "delimiter": parsed.delimiter,
        "decimal": totals.decimal,
        "rows": totals.rows,
        "first_month": months[0] if months else None,
        "last_month": months[-1] if months else None,
        "sha256": digest,
        # the column (wide) or `metric` value (long) each base metric was read from: the
        # report's appendix names it next to the metric's definition
        "metric_sources": {
            metric: metric
            for metric in BASE_BY_ID
            if any(metric in values for values in totals.monthly.values())
        },
    }
    return SourceData(
        connector="file",
        label=written,
        monthly={month: totals.monthly[month] for month in months},
        by_channel={name: _by_month(totals.by_channel[name]) for name in sorted(totals.by_channel)},
        fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        provenance=provenance,
        not_measured={},
    )


# --- CSV ----------------------------------------------------------------------------------


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
