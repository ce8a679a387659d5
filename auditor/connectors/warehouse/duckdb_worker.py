"""Runs a warehouse audit's aggregate queries on a DuckDB file in a child process.

DuckDB is an engine embedded in whatever process opens it: its scans and hash tables
would count in the auditor's own memory and grow with the tables. Here they live in a
child that exits when the queries are done, so the audit's process stays flat whatever
the warehouse's size (bench/bench_warehouse.py). Input on stdin: a JSON object,
`{"queries": [sql, ...]}` (answered with a list holding, for each query, its rows or
`{"refused": reason}`) or `{"tables": schema or null}` (answered with `{"catalog": name,
"tables": [...]}`); `{"error": reason}` when the file is not a DuckDB database.
"""

from __future__ import annotations

import json
import sys
import tempfile

MEMORY = "512MB"
"""DuckDB's memory limit in the child (its default is 80 % of the machine's memory)."""


def main(path: str) -> int:
    import duckdb

    request = json.loads(sys.stdin.read())
    with tempfile.TemporaryDirectory(prefix="auditor-duckdb-") as spill:
        try:
            connection = duckdb.connect(path, read_only=True)
        except duckdb.Error as exc:
            json.dump({"error": f"{type(exc).__name__}: {exc}"}, sys.stdout)
            return 0
        if "tables" in request:
            schema = request["tables"]
            where = "table_schema = ?" if schema else "table_schema = current_schema()"
            found = connection.execute(
                f"SELECT table_name FROM information_schema.tables WHERE {where}",
                [schema] if schema else [],
            ).fetchall()
            catalog = connection.execute("SELECT current_database()").fetchone()
            json.dump(
                {"catalog": catalog[0] if catalog else None, "tables": [r[0] for r in found]},
                sys.stdout,
            )
            return 0
        queries = request["queries"]
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(f"SET memory_limit = '{MEMORY}'")
        connection.execute(f"SET temp_directory = '{spill}'")
        connection.execute("SET enable_progress_bar = false")
        results: list[object] = []
        for sql in queries:
            try:
                rows = connection.execute(sql).fetchall()
            except duckdb.Error as exc:  # this query's refusal; the others still run
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                results.append({"refused": f"{type(exc).__name__}: {first}"})
                continue
            results.append([[row[0], None if row[1] is None else float(row[1])] for row in rows])
        connection.close()
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
