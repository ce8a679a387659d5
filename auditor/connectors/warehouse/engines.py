"""The engines a warehouse audit runs its queries in: an embedded DuckDB file, or a
PostgreSQL server. Each opens read-only where it can, sets its session's zone to UTC
(naive UTC columns then compare exactly with the queries' zoned bounds), lists the
tables of a schema and runs one aggregate query. Drivers are imported here only."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from auditor.core.errors import InputError, Problem, SourceResponseError, SourceUnavailableError

DUCKDB_MEMORY = "256MB"
"""DuckDB's memory limit for an audit's aggregates (DuckDB's default is 80 % of RAM)."""


class Engine(Protocol):
    dialect: str
    label: str

    def tables(self, schema: str | None) -> set[str]: ...

    def catalog(self) -> str | None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """A DuckDB file, read-only."""

    dialect = "duckdb"

    def __init__(self, path: Path) -> None:
        import duckdb  # only an audit of a warehouse pays for it

        if not path.is_file():
            raise InputError(
                Problem(f"source.database: no DuckDB file at {path}", path="source.database")
            )
        try:
            self.connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise InputError(
                Problem(f"source.database: {path} is not a DuckDB database ({exc})")
            ) from None
        self.connection.execute("SET TimeZone = 'UTC'")
        # the engine runs in the auditor's process: a bounded memory (DuckDB spills the
        # rest to a temporary folder) keeps the audit's own footprint flat as tables grow
        self._spill = tempfile.TemporaryDirectory(prefix="auditor-duckdb-")
        self.connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        self.connection.execute(f"SET temp_directory = '{self._spill.name}'")
        self.connection.execute("SET enable_progress_bar = false")  # never on our stdout
        self.label = f"DuckDB warehouse {path.name}"
        self._error = duckdb.Error

    def tables(self, schema: str | None) -> set[str]:
        where = "table_schema = ?" if schema else "table_schema = current_schema()"
        found = self.connection.execute(
            f"SELECT table_name FROM information_schema.tables WHERE {where}",
            [schema] if schema else [],
        ).fetchall()
        return {str(row[0]) for row in found}

    def catalog(self) -> str | None:
        """The file's catalog: `catalog.schema.table` is never ambiguous (a file named like
        its schema makes `schema.table` so)."""
        found = self.connection.execute("SELECT current_database()").fetchone()
        return str(found[0]) if found else None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return list(self.connection.execute(sql).fetchall())
        except self._error as exc:
            raise _refused(exc) from None

    def close(self) -> None:
        self.connection.close()
        self._spill.cleanup()


class PostgresEngine:
    """A PostgreSQL server, in a read-only transaction."""

    dialect = "postgres"

    def __init__(self, url: str, password: str | None) -> None:
        try:
            import psycopg
        except ImportError:
            raise InputError(
                Problem(
                    "source.url: a PostgreSQL warehouse needs the psycopg driver: "
                    "pip install 'auditor[postgres]'",
                    path="source.url",
                )
            ) from None
        parts = urlsplit(url)
        self.label = f"PostgreSQL warehouse {parts.hostname}:{parts.port or 5432}{parts.path}"
        try:
            self.connection = psycopg.connect(
                url, password=password, connect_timeout=10, autocommit=False
            )
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if password:
                reason = reason.replace(password, "***")
            raise SourceUnavailableError(
                f"{self.label} did not accept a connection ({reason})", platform="PostgreSQL"
            ) from None
        self.connection.read_only = True
        self.connection.execute("SET TIME ZONE 'UTC'")
        self._error = psycopg.Error

    def tables(self, schema: str | None) -> set[str]:
        where = "table_schema = %s" if schema else "table_schema = current_schema()"
        found = self.connection.execute(
            f"SELECT table_name FROM information_schema.tables WHERE {where}",
            [schema] if schema else [],
        ).fetchall()
        return {str(row[0]) for row in found}

    def catalog(self) -> str | None:
        return None  # a connection sees one database: `schema.table` is unambiguous

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            return list(self.connection.execute(sql).fetchall())
        except self._error as exc:
            self.connection.rollback()
            raise _refused(exc) from None

    def close(self) -> None:
        self.connection.close()


def _refused(exc: Exception) -> SourceResponseError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return SourceResponseError(
        f"the warehouse refused a query ({type(exc).__name__}: {first}); "
        "`auditor connectors test --show-sql` prints it"
    )
