"""One aggregate query per metric, grouped into the audit's months, in any engine's SQL.

Engines truncate to months in their session's time zone (or refuse a zone, BigQuery),
so the months are not the engine's: the auditor knows each month's UTC bounds and the
query buckets rows with `CASE WHEN ts >= <start> AND ts < <end> THEN '<month>' END`,
which every dialect runs the same way. The query returns one row per month with rows in
it: a few numbers leave the warehouse, never a row per contact or event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import sqlglot
from sqlglot import exp

from auditor.connectors.warehouse.layouts import MetricQuery
from auditor.core.period import Month

AUTHORED = "duckdb"
"""The dialect the layouts' snippets are written in."""


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00:00")


def _timestamp(instant: datetime) -> exp.Expression:
    """An instant, zoned: a warehouse's zoned column (BigQuery TIMESTAMP, Snowflake
    TIMESTAMP_TZ, Postgres timestamptz) compares exactly; a naive UTC column compares in
    the session's zone, which the connector sets to UTC."""
    return exp.cast(exp.Literal.string(_utc(instant)), exp.DataType.build("timestamptz"))


def _epoch_ms(instant: datetime) -> exp.Expression:
    return exp.Literal.number(int(instant.timestamp() * 1000))


def _table(name: str, schema: str | None, catalog: str | None, alias: str) -> exp.Expression:
    return exp.Table(
        this=exp.to_identifier(name),
        db=exp.to_identifier(schema) if schema else None,
        catalog=exp.to_identifier(catalog) if catalog and schema else None,
        alias=exp.TableAlias(this=exp.to_identifier(alias)),
    )


def _aggregate(spec: str) -> exp.Expression:
    if spec == "count":
        return exp.Count(this=exp.Star())
    kind, _, column = spec.partition(":")
    target = sqlglot.parse_one(column if "." in column else f"t.{column}", read=AUTHORED)
    if kind == "distinct":
        return exp.Count(this=exp.Distinct(expressions=[target]))
    if kind == "sum":
        return exp.Sum(this=target)
    raise ValueError(f"unknown aggregate {spec!r}")


def monthly_query(
    metric: MetricQuery,
    months: Sequence[Month],
    bounds: Mapping[Month, tuple[datetime, datetime]],
    *,
    schema: str | None = None,
    catalog: str | None = None,
    tables: Mapping[str, str] | None = None,
) -> exp.Select:
    """`SELECT <month bucket> AS month, <aggregate> AS value FROM ... GROUP BY 1` over the
    `months` (consecutive), `bounds` their UTC [start, end); `catalog` qualifies the
    schema (a DuckDB file named like its schema makes `schema.table` ambiguous)."""
    names = dict(tables or {})
    stamp = exp.column(
        metric.timestamp, table="t", quoted=metric.timestamp != metric.timestamp.lower()
    )
    instant = _epoch_ms if metric.epoch_ms else _timestamp
    bucket = exp.Case()
    for month in months:
        start, end = bounds[month]
        inside = exp.and_(stamp >= instant(start), stamp < instant(end))
        bucket = bucket.when(inside, exp.Literal.string(month))
    first, last = bounds[months[0]][0], bounds[months[-1]][1]
    where = exp.and_(stamp >= instant(first), stamp < instant(last))
    if metric.where:
        where = exp.and_(where, sqlglot.parse_one(metric.where, read=AUTHORED))
    query = (
        exp.select(exp.alias_(bucket, "month"), exp.alias_(_aggregate(metric.aggregate), "value"))
        .from_(_table(names.get(metric.table, metric.table), schema, catalog, "t"))
        .where(where)
        .group_by(exp.Literal.number(1))
    )
    if metric.join is not None:
        other, condition = metric.join
        query = query.join(
            _table(names.get(other, other), schema, catalog, "j"),
            on=sqlglot.parse_one(condition, read=AUTHORED),
            join_type="inner",
        )
    return query


def to_sql(query: exp.Select, dialect: str) -> str:
    """The query in `dialect`'s SQL (an unsupported construct raises, never guesses)."""
    return query.sql(dialect=dialect, pretty=True, unsupported_level=sqlglot.ErrorLevel.RAISE)
