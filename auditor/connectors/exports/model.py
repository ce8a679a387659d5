"""What a native export layout is: the header row that identifies it and how its columns
become base metrics.

A layout is data, not code paths: the reader (`reader.py`) is the same for every
platform, so a new export is one `Layout` value with the header row the platform
really writes, where that header comes from (its help page or a public parser),
and one `Measure` per base metric it can give.

Exports hold one row per campaign, per day or per contact/deal.  A measure either
sums count columns of each row (a campaign's "Unique Opens") or counts rows (a deal
export's won deals, dated by "Close Date").  Rates and percentages an export also
carries are never read: every KPI is recomputed from counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

Row = Mapping[str, str]
"""One data row: normalised header name -> the cell's raw text."""


def norm(name: str) -> str:
    """Header names compare without case, BOM, surrounding or repeated spaces."""
    return " ".join(name.replace("\ufeff", "").split()).lower()


@dataclass(frozen=True)
class Filter:
    """Only rows whose `column` holds one of `values` (compared normalised) count.

    Data, not a function, so the provenance and the report can say which rows
    were taken (`Deal Stage` in `closedwon`)."""

    column: str
    values: tuple[str, ...]
    exclude: bool = False
    required: bool = False
    """The file must have the column (a filter the user named); else a file without it
    is read whole (an older platform export without e.g. 'Campaign Channel')."""
    """Rows whose column holds none of `values` count instead ('' = an empty cell)."""

    def holds(self, row: Row) -> bool:
        found = norm(row.get(norm(self.column), "")) in {norm(v) for v in self.values}
        return found != self.exclude

    def describe(self) -> str:
        shown = " / ".join(v if v else "(empty)" for v in self.values)
        return f"{self.column} {'not ' if self.exclude else ''}= {shown}"


@dataclass(frozen=True)
class Measure:
    """One base metric from a layout.

    `columns`: count (or money) columns summed per row; empty = each matching row
    counts 1.  `date_column`: the column that dates the row for THIS metric (a
    contacts export dates `mqls` by the MQL date and `leads_new` by the create
    date); None = the layout's `date_column`.  `where`: only rows matching it.
    `money`: the columns hold amounts (currency signs allowed)."""

    metric: str
    columns: tuple[str, ...] = ()
    date_column: str | None = None
    where: Filter | None = None
    also: Filter | None = None
    """A second condition rows must meet (a won deal AND a marketing original source)."""
    money: bool = False
    optional: bool = False
    """The export may lack its columns (a contacts export without 'Became a Customer
    Date'): the metric is then not measured, with the reason, instead of an error."""

    @property
    def counts_rows(self) -> bool:
        return not self.columns

    @property
    def conditions(self) -> tuple[Filter, ...]:
        return tuple(f for f in (self.where, self.also) if f is not None)

    def takes(self, row: Row) -> bool:
        return all(condition.holds(row) for condition in self.conditions)


@dataclass(frozen=True)
class Layout:
    """A platform's export file, recognised by its header row."""

    id: str
    """What users write as `source.format` (e.g. `mailchimp-campaigns`)."""
    platform: str
    title: str
    """The export as the platform's UI names it (the docs and `auditor init` show it)."""
    origin: str
    """Where the header row and cell formats come from (help page, public parser)."""
    signature: tuple[str, ...]
    """Header names that must all be present (others may be too): how it is detected."""
    date_column: str | None
    measures: tuple[Measure, ...]
    date_formats: tuple[str, ...] = ()
    """`strptime` formats of the date column, tried in order (ISO forms always work)."""
    comment_prefix: str | None = None
    """Lines starting with it before the header are skipped (GA4 writes '#' lines)."""
    row_filter: Filter | None = None
    """Rows outside it are skipped whole (e.g. a 'Status' of drafts)."""
    skip_row: Callable[[Row], bool] | None = None
    """Rows such as a trailing 'Total' line that are not data."""
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Other header names the platform writes for a column (a renamed UI label, another
    UI language): `{"Session default channel group": ("Session primary channel group
    (Default Channel Group)",)}`.  The reader sees the canonical name."""
    not_given: Mapping[str, str] = field(default_factory=dict)
    """Base metrics the export seems to hold but cannot give honestly, and why (GA4 users
    per day and channel do not add up to unique visitors)."""
    excludes: tuple[str, ...] = ()
    """Columns whose presence means the file is not this layout (GA4 users per channel
    are not unique visitors: a channel column rules out the monthly-users layout)."""

    def key(self, header_name: str) -> str:
        """The normalised canonical name of a header cell (aliases resolved)."""
        name = norm(header_name)
        return self._alias_keys().get(name, name)

    def keys(self, header: Iterable[str]) -> set[str]:
        return {self.key(h) for h in header}

    def _alias_keys(self) -> dict[str, str]:
        return {norm(alt): norm(canon) for canon, alts in self.aliases.items() for alt in alts}

    def columns(self) -> set[str]:
        """Every header name this layout reads (normalised)."""
        names = set(map(norm, self.signature))
        if self.date_column:
            names.add(norm(self.date_column))
        for m in self.measures:
            names.update(map(norm, m.columns))
            if m.date_column:
                names.add(norm(m.date_column))
            for condition in m.conditions:
                names.add(norm(condition.column))
        if self.row_filter:
            names.add(norm(self.row_filter.column))
        return names
