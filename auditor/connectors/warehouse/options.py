"""`source:` of an audit read from a data warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from auditor.connectors.base import ConnectorOptions, EnvVarName

Identifier = Annotated[
    str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$")
]
Layout = Literal["fivetran_hubspot", "fivetran_dbt_hubspot"]


class WarehouseOptions(ConnectorOptions):
    """`source:` options: the warehouse, the layout its tables follow, and where they are."""

    database: Path | None = None
    """The DuckDB database file (relative to the config's folder), opened read-only."""
    url: str | None = None
    """A PostgreSQL server instead: postgresql://user@host:5432/database (no password in
    it: `password_env` names the variable holding it)."""
    password_env: EnvVarName | None = None
    """The variable holding the server user's password (none: no password, or a
    ~/.pgpass entry)."""
    layout: Layout = "fivetran_hubspot"
    """The tables' layout: `fivetran_hubspot` (Fivetran's HubSpot connector, raw) or
    `fivetran_dbt_hubspot` (the models of Fivetran's dbt_hubspot package)."""
    schema_name: Identifier | None = Field(default=None, alias="schema")
    """The schema holding the layout's tables (default: the database's default schema)."""
    tables: dict[str, Identifier] = Field(default_factory=dict)
    """A layout table's name -> its name in this warehouse, for renamed tables."""

    model_config = ConnectorOptions.model_config | {"populate_by_name": True}

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise ValueError(
                "expected a PostgreSQL URL such as postgresql://auditor@127.0.0.1:5432/crm "
                "(other engines are not supported yet)"
            )
        if parts.password:
            raise ValueError("put no password in the URL: name its variable in password_env")
        return value

    @model_validator(mode="after")
    def _one_warehouse(self) -> WarehouseOptions:
        if (self.database is None) == (self.url is None):
            raise ValueError("give either database (a DuckDB file) or url (a PostgreSQL server)")
        return self
