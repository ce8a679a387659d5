"""`source:` of an audit read from a data warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from auditor.connectors.base import ConnectorOptions, EnvVarName

if TYPE_CHECKING:
    from auditor.connectors.warehouse.servers import ServerUrl

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
    """A warehouse server instead, as its SQLAlchemy URL without the secret:
    postgresql://, bigquery://, snowflake://, databricks:// or trino:// (servers.py)."""
    password_env: EnvVarName | None = None
    """The variable holding the server user's password (PostgreSQL, Snowflake, Trino; for
    PostgreSQL none means no password, or a ~/.pgpass entry)."""
    token_env: EnvVarName | None = None
    """The variable holding an access token (Databricks' personal access token, or a
    Trino JWT)."""
    private_key_path: Path | None = None
    """Snowflake key-pair sign-in: the user's private key file (PEM), relative to the
    config's folder."""
    private_key_passphrase_env: EnvVarName | None = None
    """The variable holding that key's passphrase, if it is encrypted."""
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
    def _server_url(cls, value: str | None) -> str | None:
        if value is not None:
            from auditor.connectors.warehouse.servers import parse_server_url

            parse_server_url(value)
        return value

    def server(self) -> ServerUrl | None:
        from auditor.connectors.warehouse.servers import parse_server_url

        return parse_server_url(self.url) if self.url is not None else None

    def schema_for(self, server: ServerUrl | None) -> str | None:
        """The layout's schema: `schema`, else the one the URL names."""
        return self.schema_name or (server.schema if server else None)

    @model_validator(mode="after")
    def _one_warehouse(self) -> WarehouseOptions:
        if (self.database is None) == (self.url is None):
            raise ValueError(
                "give either database (a DuckDB file) or url (a warehouse server: "
                "postgresql://, bigquery://, snowflake://, databricks:// or trino://)"
            )
        server = self.server()
        dialect = server.dialect if server else "duckdb"
        given = {
            name
            for name in (
                "password_env",
                "token_env",
                "private_key_path",
                "private_key_passphrase_env",
            )
            if getattr(self, name) is not None
        }
        allowed = {
            "duckdb": set(),
            "postgres": {"password_env"},
            "bigquery": set(),
            "snowflake": {"password_env", "private_key_path", "private_key_passphrase_env"},
            "databricks": {"token_env"},
            "trino": {"password_env", "token_env"},
        }[dialect]
        extra = sorted(given - allowed)
        if extra:
            where = "a DuckDB file" if server is None else server.label.split(" warehouse")[0]
            hint = (
                " (BigQuery signs in with Application Default Credentials: "
                "GOOGLE_APPLICATION_CREDENTIALS)"
                if dialect == "bigquery"
                else ""
            )
            raise ValueError(f"{', '.join(extra)} does not apply to {where}{hint}")
        if dialect == "snowflake" and len(given & {"password_env", "private_key_path"}) != 1:
            raise ValueError(
                "give one of password_env and private_key_path: the ways this tool signs in to Snowflake"
            )
        if "private_key_passphrase_env" in given and "private_key_path" not in given:
            raise ValueError("private_key_passphrase_env goes with private_key_path")
        if dialect == "databricks" and "token_env" not in given:
            raise ValueError(
                "token_env is required: Databricks takes an access token (its variable's name here)"
            )
        if dialect == "trino" and len(given) > 1:
            raise ValueError("give password_env or token_env for Trino, not both")
        if dialect == "trino" and given and server and server.params["http_scheme"] != "https":
            raise ValueError(
                "a password or token goes to Trino only over https (http_scheme=https)"
            )
        if dialect == "bigquery" and self.schema_for(server) is None:
            raise ValueError("the dataset is missing: bigquery://project/dataset, or schema")
        return self
