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
Layout = Literal[
    "fivetran_hubspot", "fivetran_dbt_hubspot", "fivetran_dbt_marketo", "airbyte_hubspot"
]
Aggregate = Annotated[
    str,
    Field(pattern=r"^(count|(distinct|sum):[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?)$"),
]


def _condition(text: str, what: str) -> str:
    """A SQL condition in DuckDB's dialect over the table (alias `t`) and a joined one
    (`j`): one expression, never a statement."""
    if not text.strip():
        return text
    import sqlglot  # a warehouse config only
    from sqlglot import exp

    try:
        parsed = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        first = str(exc).splitlines()[0]
        raise ValueError(f"{what} is not a SQL condition ({first})") from None
    if not isinstance(parsed, exp.Condition) or isinstance(parsed, exp.Query):
        raise ValueError(f"{what} must be a condition such as t.type = 'SENT', not a statement")
    return text


class MetricQuerySpec(ConnectorOptions):
    """A metric's query written in the config: it replaces the layout's, or measures one
    the layout does not."""

    table: Identifier
    """The table, as named in the warehouse."""
    timestamp: Identifier
    """The column placing a row in a month (UTC)."""
    aggregate: Aggregate = "count"
    """`count`, `distinct:<column>` or `sum:<column>` (a column of the table, or `j.<column>`
    of the joined one)."""
    where: str = ""
    """A condition in DuckDB's SQL over the table (alias `t`) and the joined one (`j`)."""
    join: Identifier | None = None
    """A table joined as `j` (inner join)."""
    join_on: str = ""
    """The join's condition, e.g. `j.id = t.id`."""

    @field_validator("where")
    @classmethod
    def _where(cls, value: str) -> str:
        return _condition(value, "where")

    @field_validator("join_on")
    @classmethod
    def _join_on(cls, value: str) -> str:
        return _condition(value, "join_on")

    @model_validator(mode="after")
    def _joined(self) -> MetricQuerySpec:
        if (self.join is None) != (not self.join_on.strip()):
            raise ValueError("join and join_on go together")
        return self


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
    `fivetran_dbt_hubspot` (the models of Fivetran's dbt_hubspot package) or
    `fivetran_dbt_marketo` (dbt_marketo's models) or `airbyte_hubspot` (Airbyte's HubSpot
    source)."""
    schema_name: Identifier | None = Field(default=None, alias="schema")
    """The schema holding the layout's tables (default: the database's default schema)."""
    tables: dict[str, Identifier] = Field(default_factory=dict)
    """A layout table's name -> its name in this warehouse, for renamed tables."""
    queries: dict[str, MetricQuerySpec] = Field(default_factory=dict)
    """Base metric id -> its query, replacing the layout's or adding one it lacks."""

    @field_validator("queries")
    @classmethod
    def _known_metrics(cls, value: dict[str, MetricQuerySpec]) -> dict[str, MetricQuerySpec]:
        from auditor.metrics.catalog import BASE_BY_ID

        unknown = sorted(set(value) - set(BASE_BY_ID))
        if unknown:
            raise ValueError(f"not base metric ids: {', '.join(unknown)} (see docs/definitions.md)")
        return value

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
