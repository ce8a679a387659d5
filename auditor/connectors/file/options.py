"""`source:` of a file audit: the path, its type or export layout, the deal-stage labels."""

from __future__ import annotations

import re
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from auditor.connectors import exports
from auditor.connectors.base import ConnectorOptions
from auditor.connectors.exports.mapped import ColumnMapping
from auditor.core.errors import quote
from auditor.metrics.catalog import BASE_BY_ID

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
