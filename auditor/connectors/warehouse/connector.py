"""The warehouse connector: one aggregate query per base metric, run where the data is.

A DuckDB file or a server (engines.py, drivers.py), tables in one of the layouts'
query packs (layouts.py) or queries written in the config. The queries are built once
(query.py) and compiled for the engine's dialect; the SQL sent is in the provenance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from auditor.connectors.base import Connector, ConnectorOptions
from auditor.connectors.timeutil import month_bounds
from auditor.connectors.warehouse.layouts import LAYOUTS, MetricQuery

if TYPE_CHECKING:
    from auditor.connectors.warehouse.engines import Engine, Rows
from auditor.connectors.warehouse.options import WarehouseOptions
from auditor.core import reasons
from auditor.core.errors import InputError, Problem, SourceResponseError
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.core.reasons import text
from auditor.metrics.catalog import BASE_BY_ID

_PACKED = "no warehouse layout measures it (a query written in the config's source.queries can)"
_PACKED_ES = (
    "ningún formato de almacén lo mide (puede medirlo una consulta escrita en "
    "source.queries de la configuración)"
)
MEASURED = tuple(m for m in BASE_BY_ID if any(m in pack for pack in LAYOUTS.values()))
NOT_MEASURED: Mapping[str, str] = {m: _PACKED for m in BASE_BY_ID if m not in MEASURED}
reasons.register({"packed": _PACKED}, {"packed": _PACKED_ES}, "es")
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "bounces": "BOUNCE events (hard bounces); soft bounces are DEFERRED events, not counted",
    "unique_opens": (
        "sends opened: by the month of the OPEN (fivetran_hubspot; airbyte_hubspot as "
        "distinct recipient and campaign pairs) or of the send (the dbt layouts' was_opened)"
    ),
    "unique_clicks": (
        "sends clicked: by the month of the CLICK (fivetran_hubspot) or of the send "
        "(fivetran_dbt_hubspot's was_clicked)"
    ),
    "revenue_won": (
        "the company-currency amount (amount_in_home_currency), except fivetran_dbt_hubspot "
        "whose models keep only the deal's own-currency amount"
    ),
}


class WarehouseConnector(Connector):
    """Base metrics as aggregate queries over a warehouse's synced platform tables."""

    name: ClassVar[str] = "warehouse"
    description: ClassVar[str] = (
        "a data warehouse (a DuckDB file, or a PostgreSQL, BigQuery, Snowflake, Databricks or "
        "Trino server) holding a platform's synced "
        "tables (Fivetran or Airbyte layouts, or queries written in the config): one "
        "aggregate query per metric"
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

    def _path(self) -> Path | None:
        path = self._options().database
        if path is None:
            return None
        return path if path.is_absolute() else self.config_dir / path

    def input_files(self) -> tuple[Path, ...]:
        path = self._path()
        return (path,) if path is not None else ()

    def _engine(self) -> Engine:
        from auditor.connectors.warehouse.drivers import Credentials
        from auditor.connectors.warehouse.engines import DuckDBEngine, ServerEngine

        options = self._options()
        path = self._path()
        server = options.server()
        if path is not None or server is None:
            return DuckDBEngine(path or Path(str(options.database)))
        key = options.private_key_path
        if key is not None and not key.is_absolute():
            key = self.config_dir / key
        if key is not None and not key.is_file():
            raise InputError(
                Problem(f"no private key file at {key}", path="source.private_key_path")
            )
        credentials = Credentials(
            password=self.secret("password_env") if options.password_env else None,
            token=self.secret("token_env") if options.token_env else None,
            private_key_file=key,
            private_key_passphrase=(
                self.secret("private_key_passphrase_env")
                if options.private_key_passphrase_env
                else None
            ),
        )
        return ServerEngine(server, credentials)

    def _schema(self) -> str | None:
        options = self._options()
        return options.schema_for(options.server())

    def check(self) -> str:
        options = self._options()
        engine = self._engine()
        try:
            found = engine.tables(self._schema())
        finally:
            engine.close()
        missing = sorted(self._wanted_tables() - found)
        state = f"; missing tables: {', '.join(missing)}" if missing else ""
        return f"{engine.label}, layout {options.layout}{state}"

    def planned_sql(self, months: Sequence[Month]) -> dict[str, str]:
        """The SQL each metric's query would send for `months` (`connectors test
        --show-sql`); the warehouse is opened to name its catalog and check its tables."""
        engine = self._engine()
        try:
            return self._queries(engine, sorted(set(months)))
        finally:
            engine.close()

    def fetch(self, months: Sequence[Month]) -> SourceData:
        options = self._options()
        wanted = sorted(set(months))
        monthly: dict[Month, dict[str, float]] = {m: {} for m in wanted}
        engine = self._engine()
        refused: dict[str, str] = {}
        try:
            sent = self._queries(engine, wanted)
            for metric, rows in self._answers(engine, sent).items():
                if isinstance(rows, str):
                    refused[metric] = text("warehouse_refused_query", reason=rows)
                    continue
                for month in wanted:
                    monthly[month][metric] = 0.0
                for month, value in self._checked(rows, metric):
                    if month in monthly:
                        monthly[month][metric] = float(value or 0)
        finally:
            engine.close()
        pack = self._pack()
        absent = {
            metric: text("layout_lacks_metric", layout=options.layout)
            for metric in self.metrics
            if metric not in pack
        }
        absent.update(refused)
        data = self.source_data(
            monthly,
            label=f"{engine.label} ({options.layout})",
            provenance={
                "engine": engine.dialect,
                "layout": options.layout,
                "queries_from_config": sorted(options.queries),
                "sql": sent,
            },
            not_measured=absent,
        )
        # a query the config added measures what the packs do not: not "not measured"
        kept = {m: why for m, why in data.not_measured.items() if m not in pack or m in refused}
        return dataclasses.replace(data, not_measured=kept)

    def _queries(self, engine: Engine, wanted: Sequence[Month]) -> dict[str, str]:
        from auditor.connectors.warehouse.query import monthly_query, to_sql

        options = self._options()
        pack = self._pack()
        self._require_tables(engine)
        catalog = engine.catalog()
        bounds = {m: month_bounds(m, self.timezone) for m in wanted}
        return {
            metric: to_sql(
                monthly_query(
                    spec,
                    wanted,
                    bounds,
                    schema=self._schema(),
                    catalog=catalog,
                    tables=options.tables,
                ),
                engine.dialect,
            )
            for metric, spec in pack.items()
        }

    # --- helpers ---

    def _pack(self) -> dict[str, MetricQuery]:
        """The layout's queries, with the config's own replacing or adding to them."""
        options = self._options()
        pack = dict(LAYOUTS[options.layout])
        for metric, spec in options.queries.items():
            pack[metric] = MetricQuery(
                spec.table,
                spec.timestamp,
                spec.aggregate,
                spec.where,
                (spec.join, spec.join_on) if spec.join else None,
            )
        return pack

    def _name(self, table: str) -> str:
        return self._options().tables.get(table, table)

    def _wanted_tables(self) -> set[str]:
        """Lower-cased, as the engines list them: unquoted names resolve without case."""
        pack = self._pack()
        wanted = {self._name(q.table) for q in pack.values()}
        wanted |= {self._name(q.join[0]) for q in pack.values() if q.join}
        return {name.lower() for name in wanted}

    def _require_tables(self, engine: Engine) -> None:
        options = self._options()
        schema = self._schema()
        missing = sorted(self._wanted_tables() - engine.tables(schema))
        if missing:
            where = f"schema {schema}" if schema else "the default schema"
            raise InputError(
                Problem(
                    f"the {options.layout} layout needs the tables "
                    f"{', '.join(missing)}, not in {where} of the {engine.label} (set "
                    "source.schema, or source.tables for renamed tables)",
                    path="source.layout",
                )
            )

    def _answers(self, engine: Engine, sent: Mapping[str, str]) -> dict[str, Rows | str]:
        """Every metric's rows, or the engine's reason for refusing its query: a layout's
        query the warehouse cannot run (a column this sync lacks) leaves that metric not
        measured and the others measured; a query written in the config that it refuses
        is the config's error, with its place (exit 2); every query refused is the
        warehouse's (exit 3)."""
        from auditor.connectors.warehouse.engines import QueryRefused, Refused

        answers = dict(zip(sent, engine.run_all(list(sent.values())), strict=True))
        written = self._options().queries
        for metric, answer in answers.items():
            if isinstance(answer, Refused) and metric in written:
                raise InputError(
                    Problem(
                        f"the warehouse refused this query ({answer.reason})",
                        path=f"source.queries.{metric}",
                    )
                )
        if answers and all(isinstance(a, Refused) for a in answers.values()):
            first = next(iter(answers.values()))
            assert isinstance(first, Refused)
            raise QueryRefused(first.reason)
        return {m: a.reason if isinstance(a, Refused) else a for m, a in answers.items()}

    @staticmethod
    def _checked(rows: list[tuple[Any, ...]], metric: str) -> list[tuple[str, Any]]:
        if len(rows) > 400:  # a month a row: more would be rows, not aggregates
            raise SourceResponseError(f"the query of {metric} returned {len(rows)} rows")
        return [(str(row[0]), row[1]) for row in rows if row[0] is not None]
