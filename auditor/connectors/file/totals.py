"""Rows added up into monthly totals, each repeated or clashing row refused at its line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from auditor.connectors.cells import CellError as _CellError
from auditor.connectors.exports import reader as exports_reader
from auditor.connectors.file.options import _MEMO_SIZE, T
from auditor.connectors.file.values import (
    _campaign_value,
    _channel_value,
    _fmt,
    _metric_id,
    _metric_value,
    _month_value,
    _row_date,
)
from auditor.connectors.filelimits import (
    MAX_CHANNELS,
    MAX_DATA_ROWS,
)
from auditor.core import reasons
from auditor.core.errors import ProblemCollector, quote
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.metrics.catalog import BASE_BY_ID


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
