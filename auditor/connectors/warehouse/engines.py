"""The engines a warehouse audit runs its queries in: an embedded DuckDB file, or a
PostgreSQL server. Each opens read-only where it can, sets its session's zone to UTC
(naive UTC columns then compare exactly with the queries' zoned bounds), lists the
tables of a schema and runs one aggregate query. Drivers are imported here only."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from auditor.core.errors import InputError, Problem, SourceResponseError, SourceUnavailableError


class Engine(Protocol):
    dialect: str
    label: str

    def tables(self, schema: str | None) -> set[str]: ...

    def catalog(self) -> str | None: ...

    def run_all(self, queries: Sequence[str]) -> list[list[tuple[Any, ...]]]: ...

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
        if isinstance(answer, dict) and "error" in answer:
            if answer["index"] == -1:
                raise InputError(
                    Problem(
                        f"{self.path} is not a DuckDB database ({answer['error']})",
                        path="source.database",
                    )
                )
            raise QueryRefused(str(answer["error"]), int(answer["index"]))
        return answer

    def tables(self, schema: str | None) -> set[str]:
        answer = self._ask({"tables": schema})
        self._catalog = answer["catalog"]
        return {str(name) for name in answer["tables"]}

    def catalog(self) -> str | None:
        """The file's catalog: `catalog.schema.table` is never ambiguous (a file named like
        its schema makes `schema.table` so)."""
        if self._catalog is None:
            self.tables(None)
        return self._catalog

    def run_all(self, queries: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        answer = self._ask({"queries": list(queries)})
        return [[tuple(row) for row in rows] for rows in answer]

    def close(self) -> None:
        return None


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

    def run_all(self, queries: Sequence[str]) -> list[list[tuple[Any, ...]]]:
        out = []
        for index, sql in enumerate(queries):
            try:
                out.append(list(self.connection.execute(sql).fetchall()))
            except self._error as exc:
                self.connection.rollback()
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise QueryRefused(f"{type(exc).__name__}: {first}", index) from None
        return out

    def close(self) -> None:
        self.connection.close()


class QueryRefused(SourceResponseError):
    """The engine refused the `index`-th query of a run (exit 3; the connector makes it a
    config error when the query was written in the config)."""

    def __init__(self, reason: str, index: int) -> None:
        super().__init__(
            f"the warehouse refused a query ({reason}); `auditor connectors test "
            "--show-sql` prints it"
        )
        self.reason = reason
        self.index = index
