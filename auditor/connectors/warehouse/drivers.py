"""How each warehouse server is reached through its own DB-API driver, imported only here
and only when a config names that engine (each is an optional extra).

Connect arguments as the drivers document them (docs/connectors/warehouse.md quotes
them): psycopg `connect(conninfo, password=, connect_timeout=)`; snowflake-connector-
python `connect(account=, user=, password=, database=, schema=, warehouse=, role=,
timezone=, authenticator="SNOWFLAKE_JWT", private_key_file=, private_key_file_pwd=)`;
google-cloud-bigquery `Client(project=, location=, default_query_job_config=)` and
`dbapi.connect(client=)`; databricks-sql-connector `sql.connect(server_hostname=,
http_path=, access_token=, catalog=, schema=)`; trino `dbapi.connect(host=, port=,
user=, catalog=, schema=, http_scheme=, auth=, timezone=, source=)`.

Every session works in UTC (the queries' month bounds are UTC instants; a naive
timestamp column then compares as the UTC it holds): psycopg and Databricks by a `SET
TIME ZONE` statement, Snowflake and Trino by their `timezone` argument; BigQuery's
TIMESTAMP is an instant with no session zone.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from auditor.connectors.warehouse.servers import ServerUrl
from auditor.core.errors import InputError, Problem


@dataclass(frozen=True)
class Credentials:
    """The secrets a connection takes, each read from the variable its option names."""

    password: str | None = None
    token: str | None = None
    private_key_file: Path | None = None
    private_key_passphrase: str | None = None

    def hide(self, text: str) -> str:
        """`text` with every secret replaced, for a driver's message may echo them."""
        for secret in (self.password, self.token, self.private_key_passphrase):
            if secret:
                text = text.replace(secret, "***")
        return text


@dataclass(frozen=True)
class Driver:
    """One engine's driver: how to connect, what to run first, how to list tables."""

    engine: str
    extra: str
    module: str
    connect: Callable[[ServerUrl, Credentials], Any]
    errors: Callable[[], tuple[type[BaseException], ...]]
    """The driver's exceptions that mean "the server said no" (not a bug of ours)."""
    list_tables: Callable[[str | None], tuple[str, int]]
    """SQL listing a schema's tables (None: the session's schema), and the column of
    the name in its rows."""
    setup: tuple[str, ...] = ()
    rollback_after_error: bool = False
    """A refused statement aborts the transaction (PostgreSQL): roll back to go on."""


def load(module: str, extra: str, engine: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            Problem(
                f"a {engine} warehouse needs its driver ({module}): pip install 'auditor[{extra}]'",
                path="source.url",
            )
        ) from None


def _information_schema(schema: str | None, *, upper: bool = False) -> tuple[str, int]:
    if schema is None:
        where = "table_schema = CURRENT_SCHEMA()"
    elif upper:  # unquoted names are stored upper-case: compare without case
        where = f"UPPER(table_schema) = UPPER('{schema}')"
    else:
        where = f"table_schema = '{schema}'"
    return f"SELECT table_name FROM information_schema.tables WHERE {where}", 0


# --- PostgreSQL ---------------------------------------------------------------------


def _postgres(server: ServerUrl, credentials: Credentials) -> Any:
    psycopg = load("psycopg", "postgres", "PostgreSQL")
    connection = psycopg.connect(
        server.url, password=credentials.password, connect_timeout=10, autocommit=False
    )
    connection.read_only = True  # every statement in a read-only transaction
    return connection


def _postgres_errors() -> tuple[type[BaseException], ...]:
    return (load("psycopg", "postgres", "PostgreSQL").Error,)


# --- Snowflake ----------------------------------------------------------------------


def _snowflake(server: ServerUrl, credentials: Credentials) -> Any:
    connector = load("snowflake.connector", "snowflake", "Snowflake")
    arguments: dict[str, Any] = dict(server.params)
    arguments.update(timezone="UTC", login_timeout=30)
    if server.schema:
        arguments["schema"] = server.schema
    if credentials.private_key_file is not None:
        arguments.update(
            authenticator="SNOWFLAKE_JWT", private_key_file=str(credentials.private_key_file)
        )
        if credentials.private_key_passphrase:
            arguments["private_key_file_pwd"] = credentials.private_key_passphrase
    else:
        arguments["password"] = credentials.password
    return connector.connect(**arguments)


def _snowflake_errors() -> tuple[type[BaseException], ...]:
    return (load("snowflake.connector", "snowflake", "Snowflake").Error,)


# --- BigQuery -----------------------------------------------------------------------


def _bigquery(server: ServerUrl, credentials: Credentials) -> Any:
    bigquery = load("google.cloud.bigquery", "bigquery", "BigQuery")
    dbapi = load("google.cloud.bigquery.dbapi", "bigquery", "BigQuery")
    auth = load("google.auth.exceptions", "bigquery", "BigQuery")
    job = bigquery.QueryJobConfig(labels={"application": "auditor"})
    if "maximum_bytes_billed" in server.params:
        job.maximum_bytes_billed = int(server.params["maximum_bytes_billed"])
    try:
        client = bigquery.Client(
            project=server.params["project"],
            location=server.params.get("location"),
            default_query_job_config=job,
        )
    except auth.DefaultCredentialsError as exc:
        raise InputError(
            Problem(
                "BigQuery found no credentials: set GOOGLE_APPLICATION_CREDENTIALS to a "
                "service account's key file, or sign in with `gcloud auth "
                f"application-default login` ({str(exc).splitlines()[0]})",
                path="source.url",
            )
        ) from None
    return dbapi.connect(client=client)


def _bigquery_errors() -> tuple[type[BaseException], ...]:
    return (
        load("google.cloud.bigquery.dbapi", "bigquery", "BigQuery").Error,
        load("google.api_core.exceptions", "bigquery", "BigQuery").GoogleAPIError,
        load("google.auth.exceptions", "bigquery", "BigQuery").GoogleAuthError,
        importlib.import_module("requests").RequestException,  # its transport's own
    )


def _bigquery_tables(schema: str | None) -> tuple[str, int]:
    # the dataset is required by the options: BigQuery has no session schema
    return f"SELECT table_name FROM `{schema}`.INFORMATION_SCHEMA.TABLES", 0


# --- Databricks ---------------------------------------------------------------------


def _databricks(server: ServerUrl, credentials: Credentials) -> Any:
    sql = load("databricks.sql", "databricks", "Databricks")
    arguments: dict[str, Any] = dict(server.params)
    if server.schema:
        arguments["schema"] = server.schema
    return sql.connect(access_token=credentials.token, **arguments)


def _databricks_errors() -> tuple[type[BaseException], ...]:
    # an unreachable host surfaces as urllib3's MaxRetryError, not a databricks.sql.Error
    # (seen with databricks-sql-connector 4.9 against a closed port)
    urllib3 = importlib.import_module("urllib3.exceptions")
    return (load("databricks.sql", "databricks", "Databricks").Error, urllib3.HTTPError)


def _databricks_tables(schema: str | None) -> tuple[str, int]:
    # rows are (database, tableName, isTemporary), in Unity Catalog and the Hive metastore
    return (f"SHOW TABLES IN {schema}" if schema else "SHOW TABLES"), 1


# --- Trino --------------------------------------------------------------------------


def _trino(server: ServerUrl, credentials: Credentials) -> Any:
    dbapi = load("trino.dbapi", "trino", "Trino")
    auth_module = load("trino.auth", "trino", "Trino")
    params = server.params
    auth = None
    if credentials.password is not None:
        auth = auth_module.BasicAuthentication(params["user"], credentials.password)
    elif credentials.token is not None:
        auth = auth_module.JWTAuthentication(credentials.token)
    return dbapi.connect(
        host=params["host"],
        port=int(params["port"]),
        user=params["user"],
        catalog=params["catalog"],
        schema=server.schema,
        http_scheme=params["http_scheme"],
        auth=auth,
        timezone="UTC",
        source="auditor",
    )


def _trino_errors() -> tuple[type[BaseException], ...]:
    exceptions = load("trino.exceptions", "trino", "Trino")
    requests = importlib.import_module("requests")  # the trino client's own dependency
    return (exceptions.Error, exceptions.HttpError, requests.RequestException)


def _trino_tables(schema: str | None) -> tuple[str, int]:
    if schema is None:
        return "SHOW TABLES", 0
    return _information_schema(schema)


DRIVERS: dict[str, Driver] = {
    "postgres": Driver(
        "PostgreSQL",
        "postgres",
        "psycopg",
        _postgres,
        _postgres_errors,
        _information_schema,
        ("SET TIME ZONE 'UTC'",),
        rollback_after_error=True,
    ),
    "snowflake": Driver(
        "Snowflake",
        "snowflake",
        "snowflake.connector",
        _snowflake,
        _snowflake_errors,
        lambda schema: _information_schema(schema, upper=True),
    ),
    "bigquery": Driver(
        "BigQuery",
        "bigquery",
        "google.cloud.bigquery",
        _bigquery,
        _bigquery_errors,
        _bigquery_tables,
    ),
    "databricks": Driver(
        "Databricks",
        "databricks",
        "databricks.sql",
        _databricks,
        _databricks_errors,
        _databricks_tables,
        ("SET TIME ZONE 'UTC'",),
    ),
    "trino": Driver("Trino", "trino", "trino.dbapi", _trino, _trino_errors, _trino_tables),
}
