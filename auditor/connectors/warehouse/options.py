"""`source:` of an audit read from a data warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from auditor.connectors.base import ConnectorOptions

Identifier = Annotated[
    str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$")
]
Layout = Literal["fivetran_hubspot", "fivetran_dbt_hubspot"]


class WarehouseOptions(ConnectorOptions):
    """`source:` options: the warehouse, the layout its tables follow, and where they are."""

    database: Path
    """The DuckDB database file (relative to the config's folder), opened read-only."""
    layout: Layout = "fivetran_hubspot"
    """The tables' layout: `fivetran_hubspot` (Fivetran's HubSpot connector, raw) or
    `fivetran_dbt_hubspot` (the models of Fivetran's dbt_hubspot package)."""
    schema_name: Identifier | None = Field(default=None, alias="schema")
    """The schema holding the layout's tables (default: the database's default schema)."""
    tables: dict[str, Identifier] = Field(default_factory=dict)
    """A layout table's name -> its name in this warehouse, for renamed tables."""

    model_config = ConnectorOptions.model_config | {"populate_by_name": True}
