"""The warehouse connector on DuckDB files in Fivetran's HubSpot layout, generated here
with the layout's real table and column names (fivetran/dbt_hubspot src_hubspot.yml,
its integration seeds' headers), compared with the same numbers computed from the rows
by hand."""

from __future__ import annotations

import math
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from auditor.connectors.timeutil import month_of
from auditor.connectors.warehouse import WarehouseConnector, WarehouseOptions
from auditor.connectors.warehouse.layouts import FIVETRAN_HUBSPOT, LAYOUTS
from auditor.core.errors import InputError
from auditor.core.period import parse_period
from auditor.metrics.catalog import BASE_BY_ID
from auditor.pipeline.runner import months_needed
from tests.helpers import ROOT
from tests.helpers.golden import WAREHOUSE_DIALECTS, warehouse_sql

Q3 = months_needed(parse_period("2026-Q3"))  # 2025-03 .. 2026-09
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_S = int((datetime(2026, 11, 1, tzinfo=UTC) - START).total_seconds())


def _edges() -> list[datetime]:
    """Instants on month boundaries in UTC and in the zones tested (and a second off)."""
    out = []
    for zone in ("UTC", "Europe/Madrid", "America/Los_Angeles"):
        for month in range(1, 13):
            local = datetime(2026, month, 1, tzinfo=ZoneInfo(zone))
            for delta in (-1, 0):
                out.append((local + timedelta(seconds=delta)).astimezone(UTC))
    return out


def build(path: Path, seed: int = 7) -> dict[str, list[tuple]]:
    """A DuckDB file with hubspot.email_event, email_event_status_change and contact."""
    rng = random.Random(seed)
    events: list[tuple] = []
    changes: list[tuple] = []
    contacts: list[tuple] = []
    moments = [START + timedelta(seconds=rng.randrange(SPAN_S)) for _ in range(3000)]
    moments += _edges()
    for n, when in enumerate(moments):
        send = f"send-{n}"
        filtered = n % 41 == 0
        events.append((f"e{n}s", "SENT", when, send, filtered, 7))
        fate = rng.random()
        if fate < 0.04:
            events.append((f"e{n}b", "BOUNCE", when + timedelta(minutes=1), send, False, 7))
            continue
        events.append((f"e{n}d", "DELIVERED", when + timedelta(minutes=1), send, False, 7))
        if rng.random() < 0.35:
            opened = when + timedelta(hours=rng.randint(1, 300))
            events.append((f"e{n}o1", "OPEN", opened, send, False, 7))
            events.append((f"e{n}o2", "OPEN", opened + timedelta(hours=1), send, False, 7))
            if rng.random() < 0.3:
                events.append((f"e{n}c", "CLICK", opened + timedelta(minutes=2), send, False, 7))
        if rng.random() < 0.02:
            events.append((f"e{n}x", "SPAMREPORT", when + timedelta(hours=3), send, False, 7))
        if rng.random() < 0.03:
            status = "UNSUBSCRIBED" if rng.random() < 0.8 else "SUBSCRIBED"
            events.append((f"e{n}u", "STATUSCHANGE", when + timedelta(hours=2), send, False, 7))
            changes.append((f"e{n}u", status))
        if rng.random() < 0.01:  # a change of status by the contact, not caused by a send
            events.append((f"e{n}v", "STATUSCHANGE", when, None, False, 7))
            changes.append((f"e{n}v", "UNSUBSCRIBED"))
    history: list[tuple] = []
    for n in range(1500):
        created = START + timedelta(seconds=rng.randrange(SPAN_S))
        contacts.append((n + 1, created, n % 17 == 0))
        history.append((n + 1, created, "lifecyclestage", "lead"))
        history.append((n + 1, created, "firstname", "marketingqualifiedlead"))  # not a stage
        moved = created
        for stage in ("marketingqualifiedlead", "salesqualifiedlead", "customer"):
            if rng.random() < 0.5:
                break
            moved += timedelta(days=rng.randint(0, 40))
            history.append((n + 1, moved, "lifecyclestage", stage))
            if rng.random() < 0.1:  # set again an hour later: one contact
                history.append((n + 1, moved + timedelta(hours=1), "lifecyclestage", stage))
    stages = [("won", True, True), ("lost", False, True), ("open", False, False)]
    deals: list[tuple] = []
    for n in range(600):
        closed = START + timedelta(seconds=rng.randrange(SPAN_S))
        stage = rng.choice(stages)[0]
        amount = round(rng.uniform(100, 9000), 2) if n % 13 else None
        deals.append((n + 1, stage, closed if n % 19 else None, amount, n % 23 == 0))
    with duckdb.connect(str(path)) as db:
        catalog = db.execute("SELECT current_database()").fetchone()[0]
        db.execute(f"CREATE SCHEMA {catalog}.hubspot")
        db.execute(f"USE {catalog}.hubspot")
        db.execute(
            "CREATE TABLE email_event (id VARCHAR, type VARCHAR, created TIMESTAMP, "
            "sent_by_id VARCHAR, filtered_event BOOLEAN, email_campaign_id BIGINT, "
            "recipient VARCHAR, _fivetran_synced TIMESTAMP)"
        )
        db.executemany(
            "INSERT INTO email_event VALUES (?, ?, ?, ?, ?, ?, 'r@x', now())",
            [(i, t, w.replace(tzinfo=None), s, f, c) for i, t, w, s, f, c in events],
        )
        db.execute(
            "CREATE TABLE email_event_status_change (id VARCHAR, "
            "portal_subscription_status VARCHAR, subscriptions VARCHAR, bounced BOOLEAN)"
        )
        db.executemany("INSERT INTO email_event_status_change VALUES (?, ?, '[]', NULL)", changes)
        db.execute(
            "CREATE TABLE contact (id BIGINT, property_createdate TIMESTAMP, "
            "_fivetran_deleted BOOLEAN, property_email VARCHAR)"
        )
        db.executemany(
            "INSERT INTO contact VALUES (?, ?, ?, 'a@b')",
            [(i, w.replace(tzinfo=None), d) for i, w, d in contacts],
        )
        db.execute(
            "CREATE TABLE contact_property_history (contact_id BIGINT, timestamp TIMESTAMP, "
            "name VARCHAR, value VARCHAR, source VARCHAR, source_id VARCHAR)"
        )
        db.executemany(
            "INSERT INTO contact_property_history VALUES (?, ?, ?, ?, 'CRM_UI', NULL)",
            [(i, w.replace(tzinfo=None), k, v) for i, w, k, v in history],
        )
        db.execute(
            "CREATE TABLE deal_pipeline_stage (stage_id VARCHAR, pipeline_id VARCHAR, "
            "label VARCHAR, closed_won BOOLEAN, is_closed BOOLEAN, probability DOUBLE, "
            "_fivetran_deleted BOOLEAN)"
        )
        db.executemany(
            "INSERT INTO deal_pipeline_stage VALUES (?, 'default', ?, ?, ?, ?, FALSE)",
            [(name, name.title(), won, closed, PROBABILITY[name]) for name, won, closed in stages],
        )
        db.execute(
            "CREATE TABLE deal (deal_id BIGINT, deal_pipeline_stage_id VARCHAR, "
            "property_closedate TIMESTAMP, property_amount DOUBLE, is_deleted BOOLEAN, "
            "_fivetran_deleted BOOLEAN, property_amount_in_home_currency DOUBLE, "
            "property_hs_analytics_source VARCHAR, property_createdate TIMESTAMP)"
        )
        db.executemany(
            "INSERT INTO deal VALUES (?, ?, ?, ?, ?, FALSE, ?, ?, NULL)",
            [
                (i, s, w.replace(tzinfo=None) if w else None, a, d, home_amount(a), SOURCES[i % 6])
                for i, s, w, a, d in deals
            ],
        )
        db.execute(
            "CREATE TABLE deal_stage (deal_id BIGINT, value VARCHAR, date_entered TIMESTAMP, "
            "_fivetran_start TIMESTAMP, _fivetran_end TIMESTAMP, _fivetran_active BOOLEAN)"
        )
        db.executemany("INSERT INTO deal_stage VALUES (?, ?, ?, ?, ?, ?)", deal_stages(deals))
    return {
        "events": events,
        "changes": changes,
        "contacts": contacts,
        "history": history,
        "deals": deals,
    }


PROBABILITY = {"won": 1.0, "lost": 0.0, "open": 0.5}  # HubSpot: 1.0 won, 0.0 lost
SOURCES = ("ORGANIC_SEARCH", "OFFLINE", None, "EMAIL_MARKETING", "offline", "")
"""Deals' original source (hs_analytics_source) by id: OFFLINE (any case), empty and
none are not marketing's."""


def home_amount(amount: float | None) -> float | None:
    """The company-currency amount HubSpot computes (amount_in_home_currency): not the
    deal's own `amount`, so a query summing the wrong one gives another number."""
    return None if amount is None else round(amount * 0.85, 2)


def deal_stages(deals: list[tuple]) -> list[tuple]:
    """Fivetran's deal_stage history: each deal entered "open" first, then its current
    stage (the active row); a deal still open has one row."""
    out = []
    for deal_id, stage, closed, _, _ in deals:
        began = (closed or START).replace(tzinfo=None) - timedelta(days=30)
        end = datetime(9999, 12, 31)
        if stage == "open":
            out.append((deal_id, "open", began, began, end, True))
            continue
        moved = began + timedelta(days=29)
        out.append((deal_id, "open", began, began, moved, False))
        out.append((deal_id, stage, moved, moved, end, True))
    return out


def truth(rows: dict[str, list[tuple]], tz: str) -> dict[str, dict[str, float]]:
    """The metrics computed from the generated rows by hand."""
    out = {m: dict.fromkeys(FIVETRAN_HUBSPOT, 0.0) for m in Q3}
    opened: dict[tuple[str, str], set[str]] = {}
    unsubscribed = {i for i, status in rows["changes"] if status == "UNSUBSCRIBED"}
    kinds = {
        "SENT": "emails_sent",
        "DELIVERED": "emails_delivered",
        "BOUNCE": "bounces",
        "SPAMREPORT": "spam_complaints",
    }
    for event_id, kind, when, send, filtered, _ in rows["events"]:
        month = month_of(when.isoformat(), tz)
        if month not in out or filtered:
            continue
        if kind in kinds:
            out[month][kinds[kind]] += 1
        if kind in ("OPEN", "CLICK"):
            opened.setdefault((month, kind), set()).add(send)
        if kind == "STATUSCHANGE" and send is not None and event_id in unsubscribed:
            out[month]["unsubscribes"] += 1
    for (month, kind), sends in opened.items():
        out[month]["unique_opens" if kind == "OPEN" else "unique_clicks"] = float(len(sends))
    for _, created, deleted in rows["contacts"]:
        month = month_of(created.isoformat(), tz)
        if month in out and not deleted:
            out[month]["leads_new"] += 1
    moved: dict[tuple[str, str], set[int]] = {}
    for contact, when, name, value in rows["history"]:
        month = month_of(when.isoformat(), tz)
        if month in out and name == "lifecyclestage":
            moved.setdefault((month, value), set()).add(contact)
    for (month, value), found in moved.items():
        metric = {
            "marketingqualifiedlead": "mqls",
            "salesqualifiedlead": "sqls",
            "customer": "customers_new",
        }.get(value)
        if metric:
            out[month][metric] = float(len(found))
    for deal_id, stage, closed, amount, deleted in rows["deals"]:
        if closed is None or deleted or stage == "open":
            continue
        month = month_of(closed.isoformat(), tz)
        if month not in out:
            continue
        if stage == "won":
            out[month]["deals_won"] += 1
            out[month]["revenue_won"] += home_amount(amount) or 0.0
            if (SOURCES[deal_id % 6] or "").upper() not in ("", "OFFLINE"):
                out[month]["deals_won_with_source"] += 1
                out[month]["revenue_attributed"] += home_amount(amount) or 0.0
        else:
            out[month]["deals_lost"] += 1
    return out


def dbt_model_sql() -> list[str]:
    """The fivetran_dbt_hubspot models built from the raw tables (schema hubspot, the
    current one), as dbt_hubspot does: one hubspot__email_sends row per send with its
    was_* flags, hubspot__contacts, hubspot__contact_history. Runs on DuckDB and
    PostgreSQL alike."""
    flags = {
        "was_delivered": "'DELIVERED'",
        "was_opened": "'OPEN'",
        "was_clicked": "'CLICK'",
        "was_bounced": "'BOUNCE'",
        "was_spam_reported": "'SPAMREPORT'",
    }
    columns = ", ".join(
        f"EXISTS (SELECT 1 FROM email_event e WHERE e.sent_by_id = s.sent_by_id "
        f"AND e.type = {kind}) AS {flag}"
        for flag, kind in flags.items()
    )
    return [
        (
            "CREATE TABLE hubspot_hubspot.hubspot__email_sends AS SELECT s.sent_by_id AS "
            "email_send_id, s.created AS email_send_timestamp, s.email_campaign_id, "
            f"FALSE AS is_contact_deleted, {columns}, EXISTS (SELECT 1 FROM email_event e "
            "JOIN email_event_status_change c ON c.id = e.id WHERE e.sent_by_id = s.sent_by_id "
            "AND c.portal_subscription_status = 'UNSUBSCRIBED') AS was_unsubscribed "
            "FROM email_event s WHERE s.type = 'SENT'"
        ),
        (
            "CREATE TABLE hubspot_hubspot.hubspot__contacts AS SELECT id AS contact_id, "
            "property_createdate AS created_date, _fivetran_deleted AS is_contact_deleted "
            "FROM contact"
        ),
        (
            "CREATE TABLE hubspot_hubspot.hubspot__contact_history AS SELECT contact_id, "
            "name AS field_name, value AS new_value, timestamp AS valid_from "
            "FROM contact_property_history"
        ),
        (
            "CREATE TABLE hubspot_hubspot.hubspot__deals AS SELECT d.deal_id, "
            "d.property_amount AS amount, d.property_closedate AS closed_date, "
            "COALESCE(d.is_deleted, d._fivetran_deleted) AS is_deal_deleted, "
            "d.deal_pipeline_stage_id, p.label AS pipeline_stage_label "
            "FROM deal d LEFT JOIN deal_pipeline_stage p ON p.stage_id = d.deal_pipeline_stage_id"
        ),
        (
            "CREATE TABLE hubspot_hubspot.hubspot__deal_stages AS SELECT s.deal_id, "
            "s._fivetran_start AS date_stage_entered, s._fivetran_end AS date_stage_exited, "
            "s._fivetran_active AS is_stage_active, s.value AS pipeline_stage_id, "
            "COALESCE(p.is_closed, p.closed_won) AS is_pipeline_stage_closed, "
            "p.probability AS pipeline_stage_probability, p.label AS pipeline_stage_label "
            "FROM deal_stage s LEFT JOIN deal_pipeline_stage p ON p.stage_id = s.value"
        ),
    ]


def add_dbt_models(path: Path) -> None:
    with duckdb.connect(str(path)) as db:
        catalog = db.execute("SELECT current_database()").fetchone()[0]
        db.execute(f"CREATE SCHEMA {catalog}.hubspot_hubspot")
        db.execute(f"USE {catalog}.hubspot")
        for sql in dbt_model_sql():
            db.execute(sql)


def dbt_truth(path: Path, tz: str) -> dict[str, dict[str, float]]:
    """The dbt layout's metrics counted in Python from the model rows."""
    out = {m: {} for m in Q3}
    with duckdb.connect(str(path), read_only=True) as db:
        db.execute("SET TimeZone = 'UTC'")
        sends = db.execute(
            "SELECT email_send_timestamp, was_delivered, was_opened, was_clicked, was_bounced, "
            "was_spam_reported, was_unsubscribed FROM hubspot_hubspot.hubspot__email_sends"
        ).fetchall()
    names = (
        "emails_delivered",
        "unique_opens",
        "unique_clicks",
        "bounces",
        "spam_complaints",
        "unsubscribes",
    )
    for month in Q3:
        out[month] = dict.fromkeys(("emails_sent", *names), 0.0)
    for when, *flags in sends:
        month = month_of(when.isoformat() + "Z", tz)
        if month in out:
            out[month]["emails_sent"] += 1
            for name, flag in zip(names, flags, strict=True):
                out[month][name] += bool(flag)
    return out


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[tuple]]]:
    path = tmp_path_factory.mktemp("wh") / "hubspot.duckdb"  # named like its schema
    rows = build(path)
    add_dbt_models(path)
    return path, rows


def connector(path: Path, tz: str, **options: object) -> WarehouseConnector:
    return WarehouseConnector(
        WarehouseOptions(database=path, schema="hubspot", **options), path.parent, tz
    )


@pytest.mark.parametrize("tz", ["UTC", "Europe/Madrid", "America/Los_Angeles"])
def test_every_metric_equals_the_rows_counted_by_hand(warehouse, tz):
    path, rows = warehouse
    data = connector(path, tz).fetch(Q3)
    expected = truth(rows, tz)
    assert sum(v["emails_sent"] for v in expected.values()) > 1000
    assert sum(v["unsubscribes"] for v in expected.values()) > 10
    for month in Q3:
        for metric, value in expected[month].items():
            assert math.isclose(data.monthly[month][metric], value), (month, metric)
    assert set(data.provenance["sql"]) == set(FIVETRAN_HUBSPOT)


@pytest.mark.parametrize("tz", ["Europe/Madrid", "America/Los_Angeles"])
def test_the_dbt_layout_counts_sends_by_the_month_they_were_sent(warehouse, tz):
    path, rows = warehouse
    dbt = WarehouseConnector(
        WarehouseOptions(database=path, schema="hubspot_hubspot", layout="fivetran_dbt_hubspot"),
        path.parent,
        tz,
    ).fetch(Q3)
    sends = dbt_truth(path, tz)
    raw = truth(rows, tz)
    for month in Q3:
        for metric, value in sends[month].items():
            assert dbt.monthly[month][metric] == value, (month, metric)
        for metric in ("leads_new", "mqls", "sqls", "customers_new", "deals_won", "deals_lost"):
            assert dbt.monthly[month][metric] == raw[month][metric], (month, metric)
        # dbt_hubspot's models keep the deal's own-currency amount, not the home one
        own = sum(
            amount or 0.0
            for _, stage, closed, amount, deleted in rows["deals"]
            if stage == "won"
            and closed
            and not deleted
            and month_of(closed.isoformat(), tz) == month
        )
        assert math.isclose(dbt.monthly[month]["revenue_won"], own), month
        assert "deals_won_with_source" in dbt.not_measured
    assert sum(raw[m]["deals_won"] for m in Q3) > 20
    assert sum(raw[m]["deals_won_with_source"] for m in Q3) > 10
    assert sum(raw[m]["deals_lost"] for m in Q3) > 20
    assert "does not measure it yet" in dbt.not_measured["emails_automated"]
    # the send cohort is not the event month: opens differ from the raw layout's somewhere
    assert any(dbt.monthly[m]["unique_opens"] != raw[m]["unique_opens"] for m in Q3)


def test_only_aggregates_leave_the_warehouse(warehouse):
    path, _ = warehouse
    with duckdb.connect(str(path), read_only=True) as db:
        db.execute("SET TimeZone = 'UTC'")
        for metric, sql in connector(path, "UTC").fetch(Q3).provenance["sql"].items():
            rows = db.execute(sql).fetchall()
            assert len(rows) <= len(Q3), metric  # a row a month, never a row an event


def test_a_missing_file_or_table_is_bad_input_naming_it(tmp_path, warehouse):
    with pytest.raises(InputError, match="no DuckDB file"):
        connector(tmp_path / "nope.duckdb", "UTC").fetch(Q3)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(InputError, match="needs the tables contact, contact_property_history"):
        WarehouseConnector(WarehouseOptions(database=empty), tmp_path, "UTC").fetch(Q3)
    path, _ = warehouse
    renamed = connector(path, "UTC", tables={"contact": "contacts"})
    with pytest.raises(InputError, match="contacts"):
        renamed.fetch(Q3)


@pytest.mark.parametrize("dialect", WAREHOUSE_DIALECTS)
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_sql_for_each_engine_is_the_reviewed_one(layout, dialect):
    """Golden SQL (tests/golden/warehouse/<layout>.<dialect>.sql, read and reviewed): a
    sqlglot upgrade or a layout change that alters what an engine is sent shows here;
    `python -m tests.helpers.golden` rewrites them (review the diff)."""
    golden = ROOT / "tests" / "golden" / "warehouse" / f"{layout}.{dialect}.sql"
    assert warehouse_sql(layout, dialect) == golden.read_text(encoding="utf-8")


def test_every_base_metric_is_measured_or_has_a_reason():
    measured, reasons = set(WarehouseConnector.metrics), set(WarehouseConnector.not_measured)
    assert measured | reasons == set(BASE_BY_ID)
    assert not measured & reasons


def test_the_connector_page_documents_every_option_and_metric():
    page = (ROOT / "docs" / "connectors" / "warehouse.md").read_text(encoding="utf-8")
    for option in ("database", "layout", "schema", "tables"):
        assert f"`{option}`" in page, option
    for metric in FIVETRAN_HUBSPOT:
        assert f"`{metric}`" in page, metric


def test_connectors_test_shows_the_sql_it_would_send(warehouse, tmp_path):
    from click.testing import CliRunner

    from auditor.cli.main import main

    path, _ = warehouse
    config = tmp_path / "audit.yaml"
    config.write_text(
        f"client: Warehouse client\nperiod: 2026-Q3\ntimezone: Europe/Madrid\nsource:\n"
        f"  connector: warehouse\n  database: {path}\n  schema: hubspot\n"
        "costs: {currency: EUR, platform: 100}\n",
        encoding="utf-8",
    )
    shown = CliRunner().invoke(main, ["connectors", "test", str(config), "--show-sql"])
    assert shown.exit_code == 0, shown.output
    assert "DuckDB warehouse hubspot.duckdb, layout fivetran_hubspot" in shown.output
    assert "-- emails_sent\nSELECT" in shown.output
    assert "THEN '2025-03'" in shown.output  # the first of the 19 months the audit reads
    assert "CAST('2025-02-28 23:00:00+00:00' AS TIMESTAMPTZ)" in shown.output  # Madrid
    plain = CliRunner().invoke(main, ["connectors", "test", str(config)])
    assert "SELECT" not in plain.output
    result = CliRunner().invoke(main, ["check", str(config), "--format", "json"])
    assert result.exit_code in (0, 1), result.output


# --- the same suite against a real PostgreSQL server (.ci/run starts one on loopback) ----


def load_postgres(dsn: str, rows: dict[str, list[tuple]]) -> None:
    """The generated rows in schema hubspot of the server, as Fivetran lays them out."""
    import psycopg

    stages = {"won": (True, True), "lost": (False, True), "open": (False, False)}
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("DROP SCHEMA IF EXISTS hubspot CASCADE")
        db.execute("CREATE SCHEMA hubspot")
        db.execute(
            "CREATE TABLE hubspot.email_event (id VARCHAR, type VARCHAR, created TIMESTAMP, "
            "sent_by_id VARCHAR, filtered_event BOOLEAN, email_campaign_id BIGINT)"
        )
        db.execute(
            "CREATE TABLE hubspot.email_event_status_change (id VARCHAR, "
            "portal_subscription_status VARCHAR)"
        )
        db.execute(
            "CREATE TABLE hubspot.contact (id BIGINT, property_createdate TIMESTAMP, "
            "_fivetran_deleted BOOLEAN)"
        )
        db.execute(
            "CREATE TABLE hubspot.contact_property_history (contact_id BIGINT, "
            "timestamp TIMESTAMP, name VARCHAR, value VARCHAR)"
        )
        db.execute(
            "CREATE TABLE hubspot.deal_pipeline_stage (stage_id VARCHAR, label VARCHAR, "
            "closed_won BOOLEAN, is_closed BOOLEAN, probability DOUBLE PRECISION)"
        )
        db.execute(
            "CREATE TABLE hubspot.deal_stage (deal_id BIGINT, value VARCHAR, "
            "date_entered TIMESTAMP, _fivetran_start TIMESTAMP, _fivetran_end TIMESTAMP, "
            "_fivetran_active BOOLEAN)"
        )
        db.execute(
            "CREATE TABLE hubspot.deal (deal_id BIGINT, deal_pipeline_stage_id VARCHAR, "
            "property_closedate TIMESTAMP, property_amount DOUBLE PRECISION, "
            "is_deleted BOOLEAN, _fivetran_deleted BOOLEAN, "
            "property_amount_in_home_currency DOUBLE PRECISION, "
            "property_hs_analytics_source VARCHAR)"
        )
        db.execute("DROP SCHEMA IF EXISTS hubspot_hubspot CASCADE")
        db.execute("CREATE SCHEMA hubspot_hubspot")
        with db.cursor() as cur:
            tables = {
                "email_event": [
                    (i, t, w.replace(tzinfo=None), s, f, c) for i, t, w, s, f, c in rows["events"]
                ],
                "email_event_status_change": rows["changes"],
                "contact": [(i, w.replace(tzinfo=None), d) for i, w, d in rows["contacts"]],
                "contact_property_history": [
                    (i, w.replace(tzinfo=None), k, v) for i, w, k, v in rows["history"]
                ],
                "deal_pipeline_stage": [(n, n.title(), *stages[n], PROBABILITY[n]) for n in stages],
                "deal_stage": deal_stages(rows["deals"]),
                "deal": [
                    (
                        i,
                        s,
                        w.replace(tzinfo=None) if w else None,
                        a,
                        d,
                        False,
                        home_amount(a),
                        SOURCES[i % 6],
                    )
                    for i, s, w, a, d in rows["deals"]
                ],
            }
            for table, values in tables.items():
                with cur.copy(f"COPY hubspot.{table} FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
        db.execute("SET search_path TO hubspot")
        for sql in dbt_model_sql():
            db.execute(sql)


@pytest.fixture(scope="module")
def postgres(warehouse) -> str:
    dsn = os.environ.get("AUDITOR_TEST_POSTGRES")
    if not dsn:
        pytest.skip("no PostgreSQL server (.ci/run starts one and sets AUDITOR_TEST_POSTGRES)")
    load_postgres(dsn, warehouse[1])
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as db:
        # a server whose sessions start outside UTC: only the engine's own setting makes
        # naive UTC columns fall in the right months
        db.execute("ALTER ROLE CURRENT_USER SET timezone = 'Asia/Kolkata'")
    return dsn


@pytest.mark.parametrize("tz", ["Europe/Madrid", "America/Los_Angeles"])
def test_a_postgres_warehouse_gives_the_same_numbers(postgres, warehouse, tz):
    _, rows = warehouse
    source = WarehouseConnector(
        WarehouseOptions(url=postgres, schema="hubspot"), Path("."), tz
    ).fetch(Q3)
    expected = truth(rows, tz)
    for month in Q3:
        for metric, value in expected[month].items():
            assert math.isclose(source.monthly[month][metric], value), (month, metric)
    assert source.provenance["engine"] == "postgres"
    assert "AS TIMESTAMPTZ)" in source.provenance["sql"]["emails_sent"]
    dbt = WarehouseConnector(
        WarehouseOptions(url=postgres, schema="hubspot_hubspot", layout="fivetran_dbt_hubspot"),
        Path("."),
        tz,
    ).fetch(Q3)
    on_duckdb = WarehouseConnector(
        WarehouseOptions(
            database=warehouse[0], schema="hubspot_hubspot", layout="fivetran_dbt_hubspot"
        ),
        Path("."),
        tz,
    ).fetch(Q3)
    for month in Q3:  # the same models give the same numbers (sums to the last cent)
        assert dbt.monthly[month].keys() == on_duckdb.monthly[month].keys()
        for metric, value in on_duckdb.monthly[month].items():
            assert math.isclose(dbt.monthly[month][metric], value), (month, metric)


def test_a_refused_query_on_postgres_leaves_the_next_ones_running(postgres, warehouse):
    """PostgreSQL aborts the transaction on an error: the engine rolls back and the
    metrics after the refused one are still counted (in UTC, the setting kept)."""
    _, rows = warehouse
    renamed = {"email_event_status_change": "contact"}  # no portal_subscription_status
    source = WarehouseConnector(
        WarehouseOptions(url=postgres, schema="hubspot", tables=renamed),
        Path("."),
        "America/Los_Angeles",
    ).fetch(Q3)
    assert "the warehouse refused its query" in source.not_measured["unsubscribes"]
    expected = truth(rows, "America/Los_Angeles")
    for month in Q3:
        for metric in ("leads_new", "mqls", "deals_won", "revenue_attributed"):
            assert math.isclose(source.monthly[month][metric], expected[month][metric]), metric


def test_a_postgres_server_that_refuses_is_exit_3_without_the_password(monkeypatch):
    from auditor.core.errors import SourceUnavailableError

    monkeypatch.setenv("PGPASS_FOR_TEST", "s3cret-value")
    options = WarehouseOptions(
        url="postgresql://auditor@127.0.0.1:1/none", password_env="PGPASS_FOR_TEST"
    )
    with pytest.raises(SourceUnavailableError) as caught:
        WarehouseConnector(options, Path("."), "UTC").fetch(Q3)
    assert "s3cret-value" not in str(caught.value)
    assert "did not accept a connection" in str(caught.value)


def test_warehouse_options_are_validated():
    with pytest.raises(ValueError, match="either database"):
        WarehouseOptions()
    with pytest.raises(ValueError, match="no password or token in the URL"):
        WarehouseOptions(url="postgresql://u:pw@host/db")
    with pytest.raises(ValueError, match="starting with one of"):
        WarehouseOptions(url="mysql://acct/db")


def test_a_query_written_in_the_config_replaces_or_adds_one(warehouse):
    path, rows = warehouse
    queries = {
        "campaigns_sent": {
            "table": "email_event",
            "timestamp": "created",
            "aggregate": "distinct:email_campaign_id",
            "where": "t.type = 'SENT'",
        },
        "emails_sent": {"table": "email_event", "timestamp": "created", "where": "t.type = 'SENT'"},
    }
    data = connector(path, "UTC", queries=queries).fetch(Q3)
    sent = dict.fromkeys(Q3, 0.0)  # now with the events HubSpot filtered out of reporting
    campaigns: dict[str, set[int]] = {m: set() for m in Q3}
    for _, kind, when, _, _, campaign in rows["events"]:
        month = month_of(when.isoformat(), "UTC")
        if kind == "SENT" and month in sent:
            sent[month] += 1
            campaigns[month].add(campaign)
    for month in Q3:
        assert data.monthly[month]["emails_sent"] == sent[month]
        assert data.monthly[month]["campaigns_sent"] == len(campaigns[month])
    assert "campaigns_sent" not in data.not_measured
    assert data.provenance["queries_from_config"] == ["campaigns_sent", "emails_sent"]


def test_a_bad_query_in_the_config_is_exit_2_with_its_line(tmp_path):
    from click.testing import CliRunner

    from auditor.cli.main import main

    config = tmp_path / "audit.yaml"
    base = (
        "client: Warehouse client\nperiod: 2026-Q3\nsource:\n  connector: warehouse\n"
        "  database: x.duckdb\n  queries:\n{query}costs: {{currency: EUR, platform: 100}}\n"
    )
    cases = {
        "    emails_sent:\n      table: email_event\n      timestamp: created\n"
        "      where: DROP TABLE email_event\n": "where",
        "    email_sent:\n      table: email_event\n      timestamp: created\n": "not base metric",
        "    emails_sent:\n      table: email_event\n      timestamp: created\n"
        "      aggregate: max:created\n": "aggregate",
        "    emails_sent:\n      table: email_event\n      timestamp: created\n"
        "      where: t.type = 'SENT' AND\n": "not a SQL condition",
    }
    for query, said in cases.items():
        config.write_text(base.format(query=query), encoding="utf-8")
        result = CliRunner().invoke(main, ["check", str(config)])
        assert result.exit_code == 2, (query, result.output)
        assert "audit.yaml:" in result.stderr, result.stderr
        assert said in result.stderr, (said, result.stderr)
        assert "Traceback" not in result.output + result.stderr


Tables = dict[str, tuple[str, list[tuple]]]
"""Table name -> (its columns' DDL, valid on DuckDB and PostgreSQL alike; its rows)."""


def load_duckdb(path: Path, tables: Tables) -> None:
    with duckdb.connect(str(path)) as db:
        for name, (columns, values) in tables.items():
            db.execute(f"CREATE TABLE {name} ({columns})")
            marks = ", ".join("?" * len(values[0]))
            db.executemany(f"INSERT INTO {name} VALUES ({marks})", values)


def load_postgres_schema(dsn: str, schema: str, tables: Tables) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        db.execute(f"CREATE SCHEMA {schema}")
        for name, (columns, values) in tables.items():
            db.execute(f"CREATE TABLE {schema}.{name} ({columns})")
            with db.cursor() as cur, cur.copy(f"COPY {schema}.{name} FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)


def marketo_tables() -> Tables:
    """marketo__email_sends (a row per send with was_* flags and campaign_type) and
    marketo__leads, as dbt_marketo's models name them."""
    rng = random.Random(11)
    sends = []
    for n in range(4000):
        when = START + timedelta(seconds=rng.randrange(SPAN_S))
        flags = [rng.random() < p for p in (0.95, 0.3, 0.08, 0.03, 0.005)]
        sends.append((n, when.replace(tzinfo=None), rng.choice(["batch", "trigger"]), *flags))
    leads = [
        (n, (START + timedelta(seconds=rng.randrange(SPAN_S))).replace(tzinfo=None), n % 31 == 0)
        for n in range(2000)
    ]
    return {
        "marketo__email_sends": (
            "email_send_id BIGINT, activity_timestamp TIMESTAMP, campaign_type VARCHAR, "
            "was_delivered BOOLEAN, was_opened BOOLEAN, was_clicked BOOLEAN, "
            "was_bounced BOOLEAN, was_unsubscribed BOOLEAN",
            sends,
        ),
        "marketo__leads": (
            "lead_id BIGINT, created_timestamp TIMESTAMP, is_deleted BOOLEAN",
            leads,
        ),
    }


def check_marketo(data, tables: Tables, tz: str) -> None:
    """The dbt_marketo layout's numbers against the rows counted by hand."""
    sends = tables["marketo__email_sends"][1]
    leads = tables["marketo__leads"][1]
    names = ("emails_delivered", "unique_opens", "unique_clicks", "bounces", "unsubscribes")
    for month in Q3:
        mine = [s for s in sends if month_of(s[1].isoformat() + "Z", tz) == month]
        assert data.monthly[month]["emails_sent"] == len(mine)
        assert data.monthly[month]["emails_automated"] == sum(s[2] == "trigger" for s in mine)
        for index, name in enumerate(names):
            assert data.monthly[month][name] == sum(s[3 + index] for s in mine), (month, name)
        created = [
            lead
            for lead in leads
            if not lead[2] and month_of(lead[1].isoformat() + "Z", tz) == month
        ]
        assert data.monthly[month]["leads_new"] == len(created)
    assert sum(data.monthly[m]["emails_sent"] for m in Q3) > 1000
    assert "does not measure it yet" in data.not_measured["mqls"]


def test_the_dbt_marketo_layout(tmp_path):
    path = tmp_path / "marketo.duckdb"
    tables = marketo_tables()
    load_duckdb(path, tables)
    data = WarehouseConnector(
        WarehouseOptions(database=path, layout="fivetran_dbt_marketo"), tmp_path, "Asia/Tokyo"
    ).fetch(Q3)
    check_marketo(data, tables, "Asia/Tokyo")


def airbyte_deals(rows: dict[str, list[tuple]]) -> list[tuple]:
    """The generated deals as Airbyte's `deals` stream lands them: HubSpot's calculated
    hs_is_closed / hs_is_closed_won properties, `archived` for deleted deals."""
    return [
        (
            str(deal_id),
            closed,
            None if amount is None else f"{amount:.2f}",
            None if amount is None else f"{home_amount(amount):.2f}",
            SOURCES[deal_id % 6],
            stage != "open",
            "true" if stage == "won" else "false",
            {"won": "closedwon", "lost": "closedlost"}.get(stage, "appointmentscheduled"),
            deleted,
        )
        for deal_id, stage, closed, amount, deleted in rows["deals"]
    ]


STAGES = ("marketingqualifiedlead", "salesqualifiedlead", "customer")


def stage_dates(rows: dict[str, list[tuple]], contact_id: int) -> tuple:
    """HubSpot's hs_lifecyclestage_<stage>_date of a contact: when it first entered the
    stage (its history's first such change)."""
    first: dict[str, datetime] = {}
    for contact, when, name, value in rows["history"]:
        if contact == contact_id and name == "lifecyclestage" and value in STAGES:
            first[value] = min(first.get(value, when), when)
    return tuple(first.get(stage) for stage in STAGES)


def airbyte_tables(rows: dict[str, list[tuple]]) -> Tables:
    """Airbyte's HubSpot streams: email_events with epoch-millisecond `created` and
    camelCase columns, contacts with `createdAt`, deals with HubSpot's calculated
    properties (hs_is_closed typed boolean, hs_is_closed_won and the amount as text:
    the source's versions type them both ways)."""
    statuses = dict(rows["changes"])

    def recipient(send: str | None) -> str:
        return f"r{int(send.split('-')[1]) % 400}" if send else "r-none"

    events = [
        (
            i,
            kind,
            int(when.timestamp() * 1000),
            filtered,
            recipient(send),
            campaign + (int(send.split("-")[1]) % 3 if send else 0),
            statuses.get(i),
            None,
        )
        for i, kind, when, send, filtered, campaign in rows["events"]
    ]
    return {
        "email_events": (
            'id VARCHAR, "type" VARCHAR, created BIGINT, "filteredEvent" BOOLEAN, '
            'recipient VARCHAR, "emailCampaignId" BIGINT, "portalSubscriptionStatus" VARCHAR, '
            '"sentBy" JSON',
            events,
        ),
        "contacts": (
            'id BIGINT, "createdAt" TIMESTAMPTZ, archived BOOLEAN, '
            "properties_hs_lifecyclestage_marketingqualifiedlead_date TIMESTAMPTZ, "
            "properties_hs_lifecyclestage_salesqualifiedlead_date TIMESTAMPTZ, "
            "properties_hs_lifecyclestage_customer_date TIMESTAMPTZ",
            [(*contact, *stage_dates(rows, contact[0])) for contact in rows["contacts"]],
        ),
        "deals": (
            "id VARCHAR, properties_closedate TIMESTAMPTZ, properties_amount VARCHAR, "
            "properties_amount_in_home_currency VARCHAR, properties_hs_analytics_source VARCHAR, "
            "properties_hs_is_closed BOOLEAN, properties_hs_is_closed_won VARCHAR, "
            "properties_dealstage VARCHAR, archived BOOLEAN",
            airbyte_deals(rows),
        ),
    }


def check_airbyte(data, tables: Tables, rows: dict[str, list[tuple]], tz: str) -> None:
    """The airbyte_hubspot layout's numbers against the rows counted by hand."""
    expected = {m: dict.fromkeys(("emails_sent", "unique_opens", "unsubscribes"), 0.0) for m in Q3}
    pairs: dict[str, set[tuple[str, int]]] = {m: set() for m in Q3}
    for _, kind, ms, filtered, who, campaign, status, _ in tables["email_events"][1]:
        month = month_of(str(ms), tz)
        if month not in expected or filtered:
            continue
        if kind == "SENT":
            expected[month]["emails_sent"] += 1
        if kind == "OPEN":
            pairs[month].add((who, campaign))
        if kind == "STATUSCHANGE" and status == "UNSUBSCRIBED":
            expected[month]["unsubscribes"] += 1
    raw = truth(rows, tz)
    for month in Q3:
        expected[month]["unique_opens"] = float(len(pairs[month]))
        for metric, value in expected[month].items():
            assert data.monthly[month][metric] == value, (tz, month, metric)
        created = [
            c for c in tables["contacts"][1] if not c[2] and month_of(c[1].isoformat(), tz) == month
        ]
        assert data.monthly[month]["leads_new"] == len(created)
        for index, metric in enumerate(("mqls", "sqls", "customers_new")):
            entered = [
                c
                for c in tables["contacts"][1]
                if not c[2] and c[3 + index] and month_of(c[3 + index].isoformat(), tz) == month
            ]
            assert data.monthly[month][metric] == len(entered), (tz, month, metric)
        for metric in ("deals_won", "deals_lost", "deals_won_with_source"):
            assert data.monthly[month][metric] == raw[month][metric], (tz, month, metric)
        for metric in ("revenue_won", "revenue_attributed"):
            assert math.isclose(data.monthly[month][metric], raw[month][metric]), (month, metric)
    assert sum(data.monthly[m]["mqls"] for m in Q3) > 20


def test_the_airbyte_hubspot_layout(warehouse, tmp_path):
    _, rows = warehouse
    path = tmp_path / "airbyte.duckdb"
    tables = airbyte_tables(rows)
    load_duckdb(path, tables)
    for tz in ("Europe/Madrid", "America/Los_Angeles"):
        data = WarehouseConnector(
            WarehouseOptions(database=path, layout="airbyte_hubspot"), tmp_path, tz
        ).fetch(Q3)
        check_airbyte(data, tables, rows, tz)


def test_the_marketo_and_airbyte_layouts_on_postgres(postgres, warehouse):
    """The same tables loaded into the PostgreSQL server give the same numbers."""
    _, rows = warehouse
    marketo, airbyte = marketo_tables(), airbyte_tables(rows)
    load_postgres_schema(postgres, "marketo", marketo)
    load_postgres_schema(postgres, "airbyte", airbyte)
    data = WarehouseConnector(
        WarehouseOptions(url=postgres, schema="marketo", layout="fivetran_dbt_marketo"),
        Path("."),
        "Asia/Tokyo",
    ).fetch(Q3)
    check_marketo(data, marketo, "Asia/Tokyo")
    for tz in ("Europe/Madrid", "America/Los_Angeles"):
        data = WarehouseConnector(
            WarehouseOptions(url=postgres, schema="airbyte", layout="airbyte_hubspot"),
            Path("."),
            tz,
        ).fetch(Q3)
        assert data.provenance["engine"] == "postgres"
        check_airbyte(data, airbyte, rows, tz)


def test_a_column_this_sync_lacks_leaves_only_its_metrics_unmeasured(warehouse, tmp_path):
    """A warehouse never seen: its deal table was synced without the home-currency
    amount. Revenue is not measured, saying why in both languages; the rest is."""
    import shutil

    from auditor.core.reasons import localize

    path, rows = warehouse
    copy = tmp_path / "partial.duckdb"
    shutil.copy(path, copy)
    with duckdb.connect(str(copy)) as db:
        db.execute("ALTER TABLE hubspot.deal DROP COLUMN property_amount_in_home_currency")
    data = connector(copy, "Europe/Madrid").fetch(Q3)
    for metric in ("revenue_won", "revenue_attributed"):
        assert metric not in data.monthly[Q3[-1]], metric
        reason = data.not_measured[metric]
        assert "the warehouse refused its query" in reason, reason
        assert "property_amount_in_home_currency" in reason, reason
        assert localize(reason, "es").startswith("el almacén de datos rechazó su consulta")
    expected = truth(rows, "Europe/Madrid")
    for month in Q3:
        for metric in ("emails_sent", "deals_won", "deals_won_with_source"):
            assert data.monthly[month][metric] == expected[month][metric], (month, metric)


def test_a_file_that_is_not_duckdb_or_a_query_the_warehouse_refuses_is_bad_input(
    warehouse, tmp_path
):
    not_a_db = tmp_path / "notes.duckdb"
    not_a_db.write_text("not a database", encoding="utf-8")
    with pytest.raises(InputError, match="is not a DuckDB database") as caught:
        WarehouseConnector(WarehouseOptions(database=not_a_db), tmp_path, "UTC").fetch(Q3)
    assert caught.value.exit_code == 2
    path, _ = warehouse
    wrong_column = {"campaigns_sent": {"table": "email_event", "timestamp": "sent_at"}}
    with pytest.raises(InputError) as refused:
        connector(path, "UTC", queries=wrong_column).fetch(Q3)
    (problem,) = refused.value.problems
    assert problem.path == "source.queries.campaigns_sent"
    assert "sent_at" in problem.message
