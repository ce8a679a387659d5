"""The engines a warehouse audit runs its queries in: an embedded DuckDB file, or a
server reached through its driver (drivers.py). Each opens read-only where it can,
works in UTC (naive UTC columns then compare exactly with the queries' zoned bounds),
lists the tables of a schema and runs the aggregate queries."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from auditor.connectors.warehouse.drivers import Credentials
from auditor.connectors.warehouse.servers import ServerUrl
from auditor.core.errors import InputError, Problem, SourceResponseError, SourceUnavailableError

Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Refused:
    """The engine refused one query (a column or table the layout expects is missing,
    a type it cannot compare): the engine's own words."""

    reason: str


class Engine(Protocol):
    dialect: str
    label: str

    def tables(self, schema: str | None) -> set[str]: ...

    def catalog(self) -> str | None: ...

    def run_all(self, queries: Sequence[str]) -> list[Rows | Refused]:
        """Each query's rows, or why the engine refused it (the others still run)."""
        ...

    def close(self) -> None: ...


class DuckDBEngine:
    """A DuckDB file, read-only, opened only in a child process (duckdb_worker.py): the
    engine's memory (its scans, hash tables, even the metadata of a large file) is never
    the audit's."""

    dialect = "duckdb"

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise InputError(Problem(f"no DuckDB file at {path}", path="source.database"))
        self.path = path
        self.label = f"DuckDB warehouse {path.name}"
        self._catalog: str | None = None

    def _ask(self, request: dict[str, Any]) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "auditor.connectors.warehouse.duckdb_worker", str(self.path)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise SourceResponseError(f"the DuckDB query process failed ({last})")
        answer = json.loads(done.stdout)
        if isinstance(answer, dict) and "error" in answer:  # the file did not open
            raise InputError(
                Problem(
                    f"{self.path} is not a DuckDB database ({answer['error']})",
                    path="source.database",
                )
            )
        return answer

    def tables(self, schema: str | None) -> set[str]:
        answer = self._ask({"tables": schema})
        self._catalog = answer["catalog"]
        return {str(name).lower() for name in answer["tables"]}

    def catalog(self) -> str | None:
        """The file's catalog: `catalog.schema.table` is never ambiguous (a file named like
        its schema makes `schema.table` so)."""
        if self._catalog is None:
            self.tables(None)
        return self._catalog

    def run_all(self, queries: Sequence[str]) -> list[Rows | Refused]:
        answer = self._ask({"queries": list(queries)})
        return [
            Refused(str(rows["refused"]))
            if isinstance(rows, dict)
            else [tuple(row) for row in rows]
            for rows in answer
        ]

    def close(self) -> None:
        return None


class ServerEngine:
    """A warehouse server (PostgreSQL, Snowflake, BigQuery, Databricks, Trino) through its
    DB-API driver (drivers.py). The login and the first listing are where a server says
    no to who we are: that is exit 3 with the secrets hidden; a refused query is that
    query's Refused, the others still run."""

    def __init__(self, server: ServerUrl, credentials: Credentials) -> None:
        from auditor.connectors.warehouse.drivers import DRIVERS

        self.dialect = server.dialect
        self.label = server.label
        self._driver = DRIVERS[server.dialect]
        self._hide = credentials.hide
        self._errors = self._driver.errors()
        try:
            self.connection = self._driver.connect(server, credentials)
            for statement in self._driver.setup:
                self._execute(statement, fetch=False)
            if self._driver.rollback_after_error:  # keep the settings past a rollback
                self.connection.commit()
        except self._errors as exc:
            raise SourceUnavailableError(
                f"{self.label} did not accept a connection ({self._reason(exc)})",
                platform=self._driver.engine,
            ) from None

    def _reason(self, exc: BaseException) -> str:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else ""
        return self._hide(f"{type(exc).__name__}: {first}" if first else type(exc).__name__)

    def _execute(self, sql: str, *, fetch: bool = True) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()] if fetch else []
        finally:
            cursor.close()

    def tables(self, schema: str | None) -> set[str]:
        """The schema's table names, lower-cased: the queries name tables unquoted, which
        every engine resolves without case (Snowflake stores them upper-case)."""
        sql, column = self._driver.list_tables(schema)
        try:
            rows = self._execute(sql)
        except self._errors as exc:
            raise SourceUnavailableError(
                f"{self.label} did not list the tables of schema {schema or '(default)'} "
                f"({self._reason(exc)})",
                platform=self._driver.engine,
            ) from None
        return {str(row[column]).lower() for row in rows}

    def catalog(self) -> str | None:
        return None  # the connection names its database or catalog: `schema.table` is enough

    def run_all(self, queries: Sequence[str]) -> list[Rows | Refused]:
        out: list[Rows | Refused] = []
        for sql in queries:
            try:
                out.append(self._execute(sql))
            except self._errors as exc:
                out.append(Refused(self._reason(exc)))
                if self._driver.rollback_after_error:  # the transaction is aborted
                    self.connection.rollback()
        return out

    def close(self) -> None:
        with contextlib.suppress(*self._errors):  # a session the server already dropped
            self.connection.close()


class QueryRefused(SourceResponseError):
    """The engine refused every query of a run (exit 3): not a column missing here or
    there, but a warehouse that is not in the layout, or not ours to read."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"the warehouse refused every query (the first: {reason}); `auditor connectors "
            "test --show-sql` prints them"
        )
        self.reason = reason
