"""An export whose columns the config names (`source.format: columns`).

For the exports the project has no layout for yet, or a platform's export in another UI
language: the consultant writes which column dates a row and which column(s) give each
base metric, and the file is read by the same reader as the built-in layouts, with the
same cell rules (quoted thousands, money signs, `n/a`, percentages refused where a count
is expected) and the same `file:line:col` messages naming the export's columns.
"""

from __future__ import annotations

import difflib
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from auditor.connectors.exports.model import Filter, Layout, Measure
from auditor.core.errors import quote
from auditor.metrics.catalog import BASE_BY_ID

ColumnName = Annotated[str, Field(min_length=1, max_length=200)]


class RowFilter(BaseModel):
    """Only rows whose `column` holds one of `values` are read (e.g. Type = Email)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: ColumnName
    values: Annotated[tuple[ColumnName, ...], Field(min_length=1, max_length=50)]


class ColumnMapping(BaseModel):
    """`source.columns`: how the rows of an export become base metrics."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: ColumnName
    """The column that dates each row (a campaign's send date)."""
    date_formats: Annotated[tuple[str, ...], Field(max_length=10)] = ()
    """`strptime` formats tried in order, besides the ISO forms (`%d/%m/%Y %H:%M`)."""
    rows: str | None = None
    """A base metric that counts rows (each campaign row is one `campaigns_sent`)."""
    only: RowFilter | None = None
    metrics: Annotated[
        dict[str, ColumnName | Annotated[tuple[ColumnName, ...], Field(min_length=1)]],
        Field(max_length=len(BASE_BY_ID)),
    ] = Field(default_factory=dict)
    """Base metric id -> its column, or the columns summed for it."""

    @field_validator("date_formats")
    @classmethod
    def _formats_have_directives(cls, formats: tuple[str, ...]) -> tuple[str, ...]:
        for form in formats:
            if "%" not in form:
                raise ValueError(f"{quote(form)} is not a strptime format (e.g. '%d/%m/%Y')")
        return formats

    @field_validator("rows")
    @classmethod
    def _rows_metric(cls, metric: str | None) -> str | None:
        if metric is not None:
            _check_metric(metric)
        return metric

    @field_validator("metrics")
    @classmethod
    def _metric_ids(cls, metrics: dict[str, object]) -> dict[str, object]:
        for metric in metrics:
            _check_metric(metric)
        return metrics

    @model_validator(mode="after")
    def _something_to_read(self) -> ColumnMapping:
        if not self.metrics and self.rows is None:
            raise ValueError("name at least one base metric under `metrics:` (or `rows:`)")
        if self.rows is not None and self.rows in self.metrics:
            raise ValueError(f"{self.rows} is both counted as rows and read from a column")
        return self

    def layout(self, path: str) -> Layout:
        """The layout these columns describe (read by the export reader)."""
        measures = [
            Measure(
                metric,
                (columns,) if isinstance(columns, str) else tuple(columns),
                money=BASE_BY_ID[metric].unit == "money",
            )
            for metric, columns in self.metrics.items()
        ]
        if self.rows is not None:
            measures.append(Measure(self.rows))
        return Layout(
            id="columns",
            platform="",
            title=f"export {path} (columns named in the config)",
            origin="source.columns in the audit config",
            signature=(self.date,),
            date_column=self.date,
            date_formats=self.date_formats,
            row_filter=(
                Filter(self.only.column, self.only.values, required=True) if self.only else None
            ),
            measures=tuple(measures),
        )


def _check_metric(metric: str) -> None:
    base = BASE_BY_ID.get(metric)
    if base is None:
        close = difflib.get_close_matches(metric, list(BASE_BY_ID), n=1, cutoff=0.6)
        hint = f" (did you mean {quote(close[0])}?)" if close else ""
        raise ValueError(f"{quote(metric)} is not a base metric{hint}")
    if base.aggregation != "sum":
        raise ValueError(
            f"{metric} is a month-end figure, not a sum of rows; give it in a data file with "
            "a month column"
        )
