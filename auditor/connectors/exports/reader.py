"""Reads a platform's export into monthly base metrics, with every cell problem located.

The same for every layout: each row is dated by the column that defines the
metric (a campaign's send date, a deal's close date, a contact's MQL date) and
added into its month.  Money and counts are parsed by `values.py`.

Missing cells (`n/a`, empty) are "not tracked", never 0: a month in which some
row of a metric lacks its value leaves that metric not measured in that month
(a partial sum would understate it), with the reason.  Every metric is 0 in a
month inside the export's span that has no row for it (no campaign sent, no
deal won), because the export lists every row of its span.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditor.connectors.cells import CellError
from auditor.connectors.exports.model import Layout, Measure, norm
from auditor.connectors.exports.values import count_value, is_missing, money_value, month_of_date
from auditor.connectors.filelimits import MAX_DATA_ROWS
from auditor.core import reasons
from auditor.core.errors import ProblemCollector, quote
from auditor.core.period import Month, add_months


@dataclass
class ExportTotals:
    """What an export gave: monthly totals, and what it could not give and why."""

    layout: Layout
    monthly: dict[Month, dict[str, float]] = field(default_factory=dict)
    rows: int = 0
    not_measured: dict[str, str] = field(default_factory=dict)

    def provenance(self) -> dict[str, Any]:
        """Which columns (and which rows) each metric came from."""
        measured = {m for values in self.monthly.values() for m in values}
        sources: dict[str, Any] = {}
        for measure in self.layout.measures:
            if measure.metric not in measured:
                continue
            entry: dict[str, Any] = {"dated_by": measure.date_column or self.layout.date_column}
            if measure.columns:
                entry["columns"] = list(measure.columns)
            else:
                entry["rows"] = "counted"
            if measure.conditions:
                entry["where"] = " and ".join(c.describe() for c in measure.conditions)
            sources[measure.metric] = entry
        return {
            "format": self.layout.id,
            "layout": self.layout.title,
            "layout_origin": self.layout.origin,
            "export_sources": sources,
            "metric_sources": {
                metric: " + ".join(entry.get("columns") or [entry["dated_by"]])
                for metric, entry in sources.items()
            },
        }


def missing_columns(layout: Layout, header: Iterable[str]) -> list[str]:
    """The columns the layout reads that the header lacks, as the layout writes them
    (identifying-only columns such as a campaign's title are not needed to read it)."""
    present = layout.keys(header)
    wanted: dict[str, str] = {}
    for name in (layout.date_column or "",):
        if name:
            wanted.setdefault(norm(name), name)
    if layout.row_filter is not None and layout.row_filter.required:
        wanted.setdefault(norm(layout.row_filter.column), layout.row_filter.column)
    for m in layout.measures:
        if m.optional:
            continue
        for name in (*m.columns, m.date_column or "", *(c.column for c in m.conditions)):
            if name:
                wanted.setdefault(norm(name), name)
    return [shown for key, shown in wanted.items() if key not in present]


class _Reader:
    def __init__(
        self,
        layout: Layout,
        header: list[str],
        decimal: str,
        problems: ProblemCollector,
    ) -> None:
        self.layout = layout
        self.decimal = decimal
        self.problems = problems
        self.totals = ExportTotals(layout)
        wanted = layout.columns()
        # first column of each name the layout reads: its index and its name as written
        self.index: dict[str, tuple[int, str]] = {}
        for col, name in enumerate(header):
            key = layout.key(name)
            if key in wanted and key not in self.index:
                self.index[key] = (col, name.strip())
        self.incomplete: dict[str, set[Month]] = {}
        self.dates: dict[str, Month | None] = {}
        # optional measures whose columns this export lacks: not measured, with the reason
        self.absent: dict[str, list[str]] = {}
        for m in layout.measures:
            names = [*m.columns, m.date_column or layout.date_column or ""]
            names.extend(c.column for c in m.conditions)
            lacking = [n for n in names if n and norm(n) not in self.index]
            if lacking:
                self.absent[m.metric] = lacking
        self.months_seen: set[Month] = set()
        self.reported: set[tuple[int, int]] = set()

    def add(self, line: int, cells: list[str]) -> None:
        if not any(text.strip() for text in cells):
            return
        row = {
            key: (cells[col] if col < len(cells) else "") for key, (col, _) in self.index.items()
        }
        if self.layout.skip_row is not None and self.layout.skip_row(row):
            return
        row_filter = self.layout.row_filter
        # an older export without the filter's column holds only the rows it filters for
        if row_filter is not None and norm(row_filter.column) in row and not row_filter.holds(row):
            return
        self.dates = {}  # this row's months, per date column
        self.totals.rows += 1
        if self.totals.rows > MAX_DATA_ROWS:
            raise self.problems.stop(
                f"more than {MAX_DATA_ROWS:,} data rows; the limit is {MAX_DATA_ROWS:,} "
                "(export a shorter date range)",
                line,
            )
        for measure in self.layout.measures:
            if measure.metric not in self.absent:
                self._measure(measure, row, line)

    def _where(self, key: str) -> tuple[int, str]:
        return self.index[norm(key)]

    def _month(self, measure: Measure, row: dict[str, str], line: int) -> Month | None:
        column = measure.date_column or self.layout.date_column
        assert column is not None
        col, shown = self._where(column)
        text = row[norm(column)]
        if measure.counts_rows and is_missing(text):
            return None  # a contact with no MQL date is not an MQL
        if column in self.dates:  # read once per row, reported once
            return self.dates[column]
        try:
            month: Month | None = month_of_date(text, shown, self.layout.date_formats)
        except CellError as exc:
            self.problems.add(str(exc), line, col + 1)
            month = None
        self.dates[column] = month
        if month is not None:
            self.months_seen.add(month)
        return month

    def _measure(self, measure: Measure, row: dict[str, str], line: int) -> None:
        if not measure.takes(row):
            # the row still dates the export's span (a lost deal shows the month was covered)
            if measure.counts_rows:
                self._month(measure, row, line)
            return
        month = self._month(measure, row, line)
        if month is None:
            return
        if measure.counts_rows:
            self._bump(month, measure.metric, 1.0)
            return
        total = 0.0
        for column in measure.columns:
            col, shown = self._where(column)
            read = money_value if measure.money else count_value
            try:
                value = read(row[norm(column)], shown, self.decimal)
            except CellError as exc:
                if (line, col) not in self.reported:  # one cell may feed two metrics
                    self.reported.add((line, col))
                    self.problems.add(str(exc), line, col + 1)
                return
            if value is None:
                self.incomplete.setdefault(measure.metric, set()).add(month)
                return
            total += value
        self._bump(month, measure.metric, total)

    def _bump(self, month: Month, metric: str, value: float) -> None:
        values = self.totals.monthly.setdefault(month, {})
        values[metric] = values.get(metric, 0.0) + value

    def finish(self) -> ExportTotals:
        totals = self.totals
        if self.months_seen:
            span = [min(self.months_seen)]
            while span[-1] < max(self.months_seen):
                span.append(add_months(span[-1], 1))
            for measure in self.layout.measures:
                if measure.metric not in self.absent:  # the export lists every row of its span
                    for month in span:
                        totals.monthly.setdefault(month, {}).setdefault(measure.metric, 0.0)
        for metric, months in self.incomplete.items():
            for month in months:
                totals.monthly.get(month, {}).pop(metric, None)
            columns = next(m.columns for m in self.layout.measures if m.metric == metric)
            named = " + ".join(quote(c) for c in columns)
            totals.not_measured[metric] = reasons.text(
                "export_blank", columns=named, months=", ".join(sorted(months))
            )
        for metric, lacking in self.absent.items():
            totals.not_measured[metric] = reasons.text(
                "export_no_column", columns=", ".join(quote(c) for c in lacking)
            )
        totals.not_measured.update(self.layout.not_given)
        for measure in self.layout.measures:
            if measure.metric not in totals.not_measured and not any(
                measure.metric in values for values in totals.monthly.values()
            ):
                totals.not_measured[measure.metric] = reasons.text("export_no_value")
        return totals


def read_export(
    layout: Layout,
    header: list[str],
    header_line: int,
    rows: Iterable[tuple[int, list[str]]],
    decimal: str,
    problems: ProblemCollector,
) -> ExportTotals:
    """All rows of the export, added into months (problems collected, then raised)."""
    absent = missing_columns(layout, header)
    if absent and layout.id == "columns":
        near = {c: difflib.get_close_matches(c, header, n=1, cutoff=0.6) for c in absent}
        raise problems.stop(
            "the header row has no column "
            + ", ".join(
                quote(c) + (f" (did you mean {quote(near[c][0])}?)" if near[c] else "")
                for c in absent
            )
            + " named in source.columns; the header row has: "
            + ", ".join(quote(h) for h in header[:40]),
            header_line,
        )
    if absent:
        raise problems.stop(
            f"this {layout.title} lacks the column(s) "
            f"{', '.join(quote(c) for c in absent)} (renamed or removed?); export the file "
            "again from the platform without editing its header row",
            header_line,
        )
    reader = _Reader(layout, header, decimal, problems)
    for line, cells in rows:
        reader.add(line, cells)
    totals = reader.finish()
    if not totals.rows:
        raise problems.stop(f"no data rows below the header (line {header_line})", header_line)
    return totals
