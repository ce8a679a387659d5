"""Stand-ins for the warehouse servers' DB-API drivers (snowflake.connector, databricks.sql,
trino.dbapi, google.cloud.bigquery's dbapi), installed in sys.modules by a test.

Each answers from a DuckDB file as the server would: SQL in the engine's dialect is
translated into DuckDB's by sqlglot (a translation the real engine does not need, so a
query that means something else in that dialect shows as a wrong number); the session
zone is the server's default (America/Los_Angeles here) until the client sets UTC the
way that driver lets it (Snowflake's and Trino's `timezone` argument, Databricks' `SET
TIME ZONE`; BigQuery has none: its TIMESTAMP is an instant); the table listings answer
in the server's shape (Snowflake stores unquoted names upper-case; Databricks' `SHOW
TABLES` rows are (database, tableName, isTemporary)); a wrong secret is refused with
the driver's own exception class, its message echoing the secret as some drivers' do.

The connect arguments and exception names are those of the drivers' sources
(snowflake-connector-python 5.2 connection_config.py, databricks-sql-connector 4.9
client.py and exc.py, trino 0.340 dbapi.py, auth.py and exceptions.py,
google-cloud-bigquery 3.47 client.py and dbapi/), quoted in docs/connectors/warehouse.md.
"""

from __future__ import annotations

import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

SERVER_ZONE = "America/Los_Angeles"


def _errors(module: types.ModuleType) -> None:
    """PEP 249's exception tree on `module`."""

    class Error(Exception):
        pass

    class DatabaseError(Error):
        pass

    class OperationalError(DatabaseError):
        pass

    class ProgrammingError(DatabaseError):
        pass

    for cls in (Error, DatabaseError, OperationalError, ProgrammingError):
        cls.__module__ = module.__name__
        setattr(module, cls.__name__, cls)


@dataclass
class FakeServer:
    """One warehouse server of `dialect` over a DuckDB file."""

    dialect: str
    path: Path
    secret: str = "right-secret"
    application_default_credentials: bool = True
    """BigQuery: whether the environment holds credentials (GOOGLE_APPLICATION_CREDENTIALS)."""
    reachable: bool = True
    may_select: bool = True
    """False: a role that may list the schema's tables but not read them."""
    connects: list[dict[str, Any]] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    modules: dict[str, types.ModuleType] = field(default_factory=dict)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        build = {
            "snowflake": self._snowflake,
            "databricks": self._databricks,
            "trino": self._trino,
            "bigquery": self._bigquery,
        }[self.dialect]
        build()
        for name, module in self.modules.items():
            monkeypatch.setitem(sys.modules, name, module)

    def _module(self, name: str) -> types.ModuleType:
        module = types.ModuleType(name)
        self.modules[name] = module
        return module

    # --- the drivers' module shapes ---

    def _snowflake(self) -> None:
        self._module("snowflake")
        connector = self._module("snowflake.connector")
        _errors(connector)

        def connect(**kwargs: Any) -> FakeConnection:
            self.connects.append(kwargs)
            signed_in = kwargs.get("password") == self.secret or (
                kwargs.get("authenticator") == "SNOWFLAKE_JWT"
                and Path(kwargs.get("private_key_file", "")).is_file()
            )
            if not signed_in:
                raise connector.DatabaseError(
                    f"250001: Incorrect username or password was specified ({kwargs.get('password')})"
                )
            return FakeConnection(self, connector, utc=kwargs.get("timezone") == "UTC")

        connector.connect = connect  # type: ignore[attr-defined]

    def _databricks(self) -> None:
        self._module("databricks")
        sql = self._module("databricks.sql")
        _errors(sql)

        def connect(
            server_hostname: str, http_path: str, access_token: str | None = None, **kwargs: Any
        ) -> FakeConnection:
            self.connects.append(
                {"server_hostname": server_hostname, "http_path": http_path, **kwargs}
            )
            if not self.reachable:  # what databricks-sql-connector 4.9 raises for a closed port
                import urllib3

                raise urllib3.exceptions.MaxRetryError(None, http_path, "Connection refused")
            if access_token != self.secret:
                raise sql.RequestError(f"Error during request to server: 403 token {access_token}")
            return FakeConnection(self, sql, utc=False)

        class RequestError(sql.OperationalError):  # type: ignore[name-defined,misc]
            pass

        sql.RequestError = RequestError  # type: ignore[attr-defined]
        sql.connect = connect  # type: ignore[attr-defined]

    def _trino(self) -> None:
        self._module("trino")
        exceptions = self._module("trino.exceptions")
        _errors(exceptions)

        class HttpError(Exception):  # not an Error subclass, as in trino.exceptions
            pass

        exceptions.HttpError = HttpError  # type: ignore[attr-defined]
        auth = self._module("trino.auth")

        @dataclass
        class BasicAuthentication:
            username: str
            password: str

        @dataclass
        class JWTAuthentication:
            token: str

        auth.BasicAuthentication = BasicAuthentication  # type: ignore[attr-defined]
        auth.JWTAuthentication = JWTAuthentication  # type: ignore[attr-defined]
        dbapi = self._module("trino.dbapi")

        def connect(**kwargs: Any) -> FakeConnection:
            self.connects.append(kwargs)
            given = kwargs.get("auth")
            secret = getattr(given, "password", None) or getattr(given, "token", None)
            # the trino client connects lazily: a refusal comes with the first statement
            refused = (
                None
                if secret == self.secret
                else exceptions.OperationalError(f"error 401: Unauthorized ({secret})")
            )
            return FakeConnection(
                self, exceptions, utc=kwargs.get("timezone") == "UTC", refused=refused
            )

        dbapi.connect = connect  # type: ignore[attr-defined]

    def _bigquery(self) -> None:
        for name in ("google", "google.cloud", "google.api_core", "google.auth"):
            self._module(name)
        api = self._module("google.api_core.exceptions")
        auth = self._module("google.auth.exceptions")

        class GoogleAPIError(Exception):
            pass

        class GoogleAuthError(Exception):
            pass

        class DefaultCredentialsError(GoogleAuthError):
            pass

        api.GoogleAPIError = GoogleAPIError  # type: ignore[attr-defined]
        auth.GoogleAuthError = GoogleAuthError  # type: ignore[attr-defined]
        auth.DefaultCredentialsError = DefaultCredentialsError  # type: ignore[attr-defined]
        bigquery = self._module("google.cloud.bigquery")
        dbapi = self._module("google.cloud.bigquery.dbapi")
        _errors(dbapi)
        server = self

        class QueryJobConfig:
            def __init__(self, **kwargs: Any) -> None:
                self.labels = kwargs.get("labels")
                self.maximum_bytes_billed: int | None = None

        class Client:
            def __init__(self, **kwargs: Any) -> None:
                if not server.application_default_credentials:
                    raise DefaultCredentialsError("Your default credentials were not found.")
                server.connects.append(kwargs)
                self.project = kwargs["project"]

        def connect(client: Client) -> FakeConnection:
            return FakeConnection(server, dbapi, utc=True)

        bigquery.QueryJobConfig = QueryJobConfig  # type: ignore[attr-defined]
        bigquery.Client = Client  # type: ignore[attr-defined]
        dbapi.connect = connect  # type: ignore[attr-defined]


class FakeConnection:
    def __init__(
        self,
        server: FakeServer,
        errors: types.ModuleType,
        *,
        utc: bool,
        refused: Exception | None = None,
    ) -> None:
        self.server = server
        self.errors = errors
        self.refused = refused
        self.db = duckdb.connect()
        self.db.execute(f"ATTACH '{server.path}' AS warehouse (READ_ONLY)")
        self.db.execute("USE warehouse")
        self.db.execute(f"SET TimeZone = '{'UTC' if utc else SERVER_ZONE}'")
        self.closed = False

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def close(self) -> None:
        self.closed = True
        self.db.close()


class FakeCursor:
    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection
        self.rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str) -> None:
        connection = self.connection
        connection.server.statements.append(sql)
        if connection.refused is not None:
            raise connection.refused
        try:
            self.rows = self._answer(sql)
        except duckdb.Error as exc:
            raise connection.errors.ProgrammingError(str(exc)) from None

    def _answer(self, sql: str) -> list[tuple[Any, ...]]:
        db = self.connection.db
        dialect = self.connection.server.dialect
        zone = re.fullmatch(r"SET TIME ZONE '([^']+)'", sql)
        if zone and dialect == "databricks":
            db.execute(f"SET TimeZone = '{zone.group(1)}'")
            return []
        listing = "SELECT table_name, table_schema FROM information_schema.tables"
        if dialect == "databricks" and (shown := re.fullmatch(r"SHOW TABLES IN (\w+)", sql)):
            found = db.execute(f"{listing} WHERE table_schema = ?", [shown.group(1)]).fetchall()
            return [(schema, name, False) for name, schema in found]
        if dialect == "bigquery" and (
            shown := re.fullmatch(
                r"SELECT table_name FROM `(\w+)`\.INFORMATION_SCHEMA\.TABLES", sql
            )
        ):
            return [
                (name,)
                for name, _ in db.execute(
                    f"{listing} WHERE table_schema = ?", [shown.group(1)]
                ).fetchall()
            ]
        if dialect == "snowflake" and "information_schema.tables" in sql:
            shown = re.search(r"UPPER\('(\w+)'\)", sql)
            assert shown, sql
            found = db.execute(
                f"{listing} WHERE UPPER(table_schema) = UPPER(?)", [shown.group(1)]
            ).fetchall()
            return [(name.upper(),) for name, _ in found]  # stored upper-case
        if not self.connection.server.may_select and "information_schema" not in sql:
            raise self.connection.errors.ProgrammingError(
                "Access Denied: Cannot select from table hubspot.email_event"
            )
        translated = sqlglot.transpile(sql, read=dialect, write="duckdb")[0]
        return [tuple(row) for row in db.execute(translated).fetchall()]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def close(self) -> None:
        return None
