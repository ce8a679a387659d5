"""The warehouse connector: one aggregate query per base metric, run where the data is.

First part (issue 17): DuckDB files in the `fivetran_hubspot` layout. The queries are
built once (query.py) and compiled for the engine; the SQL sent is in the provenance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from auditor.connectors.base import Connector, ConnectorOptions
from auditor.connectors.timeutil import month_bounds
from auditor.connectors.warehouse.layouts import LAYOUTS
from auditor.connectors.warehouse.options import WarehouseOptions
from auditor.core.errors import InputError, Problem, SourceResponseError
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.metrics.catalog import BASE_BY_ID

ENGINE = "duckdb"
_PACKED = "not in the warehouse layouts' query packs yet (the connector's first part)"
MEASURED = tuple(m for m in BASE_BY_ID if any(m in pack for pack in LAYOUTS.values()))
NOT_MEASURED: Mapping[str, str] = {m: _PACKED for m in BASE_BY_ID if m not in MEASURED}
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "bounces": "BOUNCE events (hard bounces); soft bounces are DEFERRED events, not counted",
    "unique_opens": (
        "sends opened: by the month of the OPEN (fivetran_hubspot) or of the send "
        "(fivetran_dbt_hubspot's was_opened)"
    ),
    "unique_clicks": (
        "sends clicked: by the month of the CLICK (fivetran_hubspot) or of the send "
        "(fivetran_dbt_hubspot's was_clicked)"
    ),
}


class WarehouseConnector(Connector):
    """Base metrics as aggregate queries over a warehouse's synced platform tables."""

    name: ClassVar[str] = "warehouse"
    description: ClassVar[str] = (
        "a data warehouse (DuckDB file) holding a platform's synced tables "
        "(layout fivetran_hubspot): one aggregate query per metric"
    )
    Options: ClassVar[type[ConnectorOptions]] = WarehouseOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = NOT_MEASURED
    metric_sources: ClassVar[Mapping[str, str]] = {
        metric: "; ".join(
            f"{layout}: {pack[metric].table} ({pack[metric].aggregate}) by {pack[metric].timestamp}"
            for layout, pack in LAYOUTS.items()
            if metric in pack
        )
        for metric in MEASURED
    }
    definition_differences: ClassVar[Mapping[str, str]] = DEFINITION_DIFFERENCES

    def _options(self) -> WarehouseOptions:
        return self.options_as(WarehouseOptions)

    def _path(self) -> Path:
        path = self._options().database
        return path if path.is_absolute() else self.config_dir / path

    def input_files(self) -> tuple[Path, ...]:
        return (self._path(),)

    def _connect(self) -> Any:
        """A read-only DuckDB connection whose session zone is UTC (naive UTC columns then
        compare exactly with the queries' zoned bounds)."""
        import duckdb  # only an audit of a warehouse pays for it

        path = self._path()
        if not path.is_file():
            raise InputError(
                Problem(
                    f"source.database: no DuckDB file at {path}",
                    path="source.database",
                )
            )
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise InputError(
                Problem(f"source.database: {path} is not a DuckDB database ({exc})")
            ) from None
        connection.execute("SET TimeZone = 'UTC'")
        return connection

    def check(self) -> str:
        options = self._options()
        with self._connect() as connection:
            found = self._tables(connection)
        pack = LAYOUTS[options.layout]
        wanted = {self._name(q.table) for q in pack.values()}
        wanted |= {self._name(q.join[0]) for q in pack.values() if q.join}
        missing = sorted(wanted - found)
        state = f"; missing tables: {', '.join(missing)}" if missing else ""
        return f"DuckDB warehouse {self._path().name}, layout {options.layout}{state}"

    def planned_sql(self, months: Sequence[Month]) -> dict[str, str]:
        """The SQL each metric's query would send for `months` (`connectors test
        --show-sql`); the warehouse is opened to name its catalog and check its tables."""
        with self._connect() as connection:
            return self._queries(connection, sorted(set(months)))

    def fetch(self, months: Sequence[Month]) -> SourceData:
        options = self._options()
        wanted = sorted(set(months))
        monthly: dict[Month, dict[str, float]] = {m: {} for m in wanted}
        with self._connect() as connection:
            sent = self._queries(connection, wanted)
            for metric, sql in sent.items():
                rows = self._run(connection, sql, metric)
                for month in wanted:
                    monthly[month][metric] = 0.0
                for month, value in rows:
                    if month in monthly:
                        monthly[month][metric] = float(value or 0)
        pack = LAYOUTS[options.layout]
        absent = {
            metric: f"the {options.layout} layout's query pack does not measure it yet"
            for metric in self.metrics
            if metric not in pack
        }
        return self.source_data(
            monthly,
            label=f"warehouse {self._path().name} ({options.layout})",
            provenance={"engine": ENGINE, "layout": options.layout, "sql": sent},
            not_measured=absent,
        )

    def _queries(self, connection: Any, wanted: Sequence[Month]) -> dict[str, str]:
        from auditor.connectors.warehouse.query import monthly_query, to_sql

        options = self._options()
        pack = LAYOUTS[options.layout]
        self._require_tables(connection, pack)
        catalog = str(connection.execute("SELECT current_database()").fetchone()[0])
        bounds = {m: month_bounds(m, self.timezone) for m in wanted}
        return {
            metric: to_sql(
                monthly_query(
                    spec,
                    wanted,
                    bounds,
                    schema=options.schema_name,
                    catalog=catalog,
                    tables=options.tables,
                ),
                ENGINE,
            )
            for metric, spec in pack.items()
        }

    # --- helpers ---

    def _name(self, table: str) -> str:
        return self._options().tables.get(table, table)

    def _tables(self, connection: Any) -> set[str]:
        schema = self._options().schema_name
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE "
            + ("table_schema = ?" if schema else "table_schema = current_schema()"),
            [schema] if schema else [],
        ).fetchall()
        return {str(row[0]) for row in rows}

    def _require_tables(self, connection: Any, pack: Mapping[str, Any]) -> None:
        found = self._tables(connection)
        wanted = {self._name(q.table) for q in pack.values()}
        wanted |= {self._name(q.join[0]) for q in pack.values() if q.join}
        missing = sorted(wanted - found)
        if missing:
            where = (
                f"schema {self._options().schema_name}"
                if self._options().schema_name
                else ("the default schema")
            )
            raise InputError(
                Problem(
                    f"source.layout: the {self._options().layout} layout needs the tables "
                    f"{', '.join(missing)}, not in {where} of {self._path().name} (set "
                    "source.schema, or source.tables for renamed tables)",
                    path="source.layout",
                )
            )

    def _run(self, connection: Any, sql: str, metric: str) -> list[tuple[str, Any]]:
        import duckdb

        try:
            rows = connection.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise SourceResponseError(
                f"the warehouse refused the query of {metric} ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0]}); its SQL is in `connectors test` and the "
                "provenance"
            ) from None
        if len(rows) > 400:  # a month a row: more would be rows, not aggregates
            raise SourceResponseError(f"the query of {metric} returned {len(rows)} rows")
        return [(str(month), value) for month, value in rows if month is not None]
