"""The warehouse connector on Snowflake, Databricks, Trino and BigQuery, through stand-ins
for their DB-API drivers (tests/fakes/warehouse_drivers.py) answering from the same
generated Fivetran HubSpot tables: every metric equals the hand counts, the drivers get
the arguments their sources document, the session works in UTC, refusals are exit 3
without the secret, and a missing driver or a wrong URL is exit 2."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.connectors.warehouse import WarehouseConnector, WarehouseOptions
from auditor.connectors.warehouse.engines import QueryRefused
from auditor.core.errors import InputError, SourceUnavailableError
from tests.connectors.test_connector_warehouse import Q3, build, truth
from tests.fakes.warehouse_drivers import FakeServer

SECRET = "right-secret"
URLS = {
    "snowflake": "snowflake://AUDITOR@myorg-acme/FIVETRAN/HUBSPOT?warehouse=REPORTING&role=AUDIT_RO",
    "databricks": (
        "databricks://dbc-1234.cloud.databricks.com?http_path=/sql/1.0/warehouses/abc"
        "&catalog=fivetran&schema=hubspot"
    ),
    "trino": "trino://auditor@trino.acme.example:443/hive/hubspot",
    "bigquery": "bigquery://acme-analytics/hubspot?location=EU&maximum_bytes_billed=5000000000",
}
SECRET_OPTION = {"snowflake": "password_env", "databricks": "token_env", "trino": "password_env"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[tuple]]]:
    path = tmp_path_factory.mktemp("servers") / "warehouse.duckdb"
    return path, build(path)


def options(dialect: str, **extra: Any) -> WarehouseOptions:
    secret = {SECRET_OPTION[dialect]: "WAREHOUSE_SECRET"} if dialect in SECRET_OPTION else {}
    return WarehouseOptions(url=URLS[dialect], **{**secret, **extra})


@pytest.mark.parametrize("dialect", sorted(URLS))
def test_each_server_gives_the_hand_counted_numbers(generated, monkeypatch, dialect):
    path, rows = generated
    server = FakeServer(dialect, path)
    server.install(monkeypatch)
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    data = WarehouseConnector(options(dialect), Path("."), "Europe/Madrid").fetch(Q3)
    expected = truth(rows, "Europe/Madrid")
    for month in Q3:
        for metric, value in expected[month].items():
            assert math.isclose(data.monthly[month][metric], value), (dialect, month, metric)
    assert data.provenance["engine"] == dialect
    assert "hubspot.email_event as t" in data.provenance["sql"]["emails_sent"].lower()
    assert SECRET not in repr(data.provenance) + data.label
    assert server.modules  # answered by the stand-in, not a real server


def test_the_drivers_get_the_arguments_they_document(generated, monkeypatch):
    path, _ = generated
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    seen = {}
    for dialect in URLS:
        server = FakeServer(dialect, path)
        server.install(monkeypatch)
        WarehouseConnector(options(dialect), Path("."), "UTC").check()
        seen[dialect] = server
    snowflake = seen["snowflake"].connects[0]
    assert snowflake == {
        "account": "myorg-acme",
        "user": "AUDITOR",
        "database": "FIVETRAN",
        "schema": "HUBSPOT",
        "warehouse": "REPORTING",
        "role": "AUDIT_RO",
        "timezone": "UTC",
        "login_timeout": 30,
        "password": SECRET,
    }
    assert seen["snowflake"].statements[0].startswith("SELECT table_name FROM information_schema")
    databricks = seen["databricks"].connects[0]
    assert databricks == {
        "server_hostname": "dbc-1234.cloud.databricks.com",
        "http_path": "/sql/1.0/warehouses/abc",
        "catalog": "fivetran",
        "schema": "hubspot",
    }
    assert seen["databricks"].statements[:2] == ["SET TIME ZONE 'UTC'", "SHOW TABLES IN hubspot"]
    trino = seen["trino"].connects[0]
    assert {k: v for k, v in trino.items() if k != "auth"} == {
        "host": "trino.acme.example",
        "port": 443,
        "user": "auditor",
        "catalog": "hive",
        "schema": "hubspot",
        "http_scheme": "https",
        "timezone": "UTC",
        "source": "auditor",
    }
    assert (trino["auth"].username, trino["auth"].password) == ("auditor", SECRET)
    bigquery = seen["bigquery"].connects[0]
    assert bigquery["project"] == "acme-analytics"
    assert bigquery["location"] == "EU"
    job = bigquery["default_query_job_config"]
    assert (job.labels, job.maximum_bytes_billed) == ({"application": "auditor"}, 5_000_000_000)


def test_trino_takes_a_jwt_and_snowflake_a_private_key(generated, monkeypatch, tmp_path):
    path, _ = generated
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    monkeypatch.setenv("KEY_PASSPHRASE", "key-passphrase")
    trino = FakeServer("trino", path)
    trino.install(monkeypatch)
    WarehouseConnector(
        WarehouseOptions(url=URLS["trino"], token_env="WAREHOUSE_SECRET"), Path("."), "UTC"
    ).check()
    assert trino.connects[0]["auth"].token == SECRET
    snowflake = FakeServer("snowflake", path)
    snowflake.install(monkeypatch)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "auditor.p8").write_text("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    keyed = WarehouseOptions(
        url=URLS["snowflake"],
        private_key_path=Path("keys/auditor.p8"),
        private_key_passphrase_env="KEY_PASSPHRASE",
    )
    WarehouseConnector(keyed, tmp_path, "UTC").check()
    arguments = snowflake.connects[0]
    assert arguments["authenticator"] == "SNOWFLAKE_JWT"
    assert arguments["private_key_file"] == str(tmp_path / "keys" / "auditor.p8")
    assert arguments["private_key_file_pwd"] == "key-passphrase"
    assert "password" not in arguments
    missing = WarehouseOptions(url=URLS["snowflake"], private_key_path=Path("keys/none.p8"))
    with pytest.raises(InputError, match="no private key file at"):
        WarehouseConnector(missing, tmp_path, "UTC").check()


@pytest.mark.parametrize("dialect", ["snowflake", "databricks", "trino"])
def test_a_refused_secret_is_exit_3_without_the_secret(generated, monkeypatch, dialect):
    path, _ = generated
    FakeServer(dialect, path).install(monkeypatch)
    monkeypatch.setenv("WAREHOUSE_SECRET", "wrong-secret-value")
    with pytest.raises(SourceUnavailableError) as caught:
        WarehouseConnector(options(dialect), Path("."), "UTC").fetch(Q3)
    message = str(caught.value)
    assert caught.value.exit_code == 3
    assert "wrong-secret-value" not in message, message
    assert "***" in message, message  # the driver echoed it: hidden
    assert "did not accept a connection" in message or "did not list the tables" in message


def test_an_unreachable_databricks_host_is_exit_3(generated, monkeypatch):
    path, _ = generated
    FakeServer("databricks", path, reachable=False).install(monkeypatch)
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    with pytest.raises(SourceUnavailableError, match="did not accept a connection") as caught:
        WarehouseConnector(options("databricks"), Path("."), "UTC").fetch(Q3)
    assert "MaxRetryError" in str(caught.value)


def test_a_role_that_may_read_nothing_is_exit_3(generated, monkeypatch):
    path, _ = generated
    FakeServer("trino", path, may_select=False).install(monkeypatch)
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    with pytest.raises(QueryRefused, match="Access Denied") as caught:
        WarehouseConnector(options("trino"), Path("."), "UTC").fetch(Q3)
    assert caught.value.exit_code == 3


def test_bigquery_without_credentials_says_how_to_give_them(generated, monkeypatch):
    path, _ = generated
    server = FakeServer("bigquery", path, application_default_credentials=False)
    server.install(monkeypatch)
    with pytest.raises(InputError, match="GOOGLE_APPLICATION_CREDENTIALS") as caught:
        WarehouseConnector(options("bigquery"), Path("."), "UTC").fetch(Q3)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("dialect", "module", "extra"),
    [
        ("snowflake", "snowflake.connector", "snowflake"),
        ("databricks", "databricks.sql", "databricks"),
        ("trino", "trino.dbapi", "trino"),
        ("bigquery", "google.cloud.bigquery", "bigquery"),
    ],
)
def test_a_missing_driver_names_the_extra_to_install(monkeypatch, dialect, module, extra):
    monkeypatch.setitem(__import__("sys").modules, module, None)  # import raises ImportError
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    with pytest.raises(InputError, match=rf"pip install 'auditor\[{extra}\]'") as caught:
        WarehouseConnector(options(dialect), Path("."), "UTC").fetch(Q3)
    assert caught.value.exit_code == 2


def test_a_query_the_server_refuses_is_exit_3_or_the_configs_error(generated, monkeypatch):
    path, _ = generated
    FakeServer("trino", path).install(monkeypatch)
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    wrong = {"campaigns_sent": {"table": "email_event", "timestamp": "sent_at"}}
    with pytest.raises(InputError) as caught:
        WarehouseConnector(options("trino", queries=wrong), Path("."), "UTC").fetch(Q3)
    (problem,) = caught.value.problems
    assert problem.path == "source.queries.campaigns_sent"
    assert "sent_at" in problem.message


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ({"url": "snowflake://acme/DB"}, "snowflake://user@account/database"),
        ({"url": "snowflake://u@acme/DB/S/extra", "password_env": "X"}, "database[/schema]"),
        ({"url": "snowflake://u@acme/DB"}, "one of password_env and private_key_path"),
        (
            {"url": "snowflake://u@acme/DB", "password_env": "X", "private_key_path": "k.p8"},
            "one of password_env and private_key_path",
        ),
        ({"url": "databricks://host.example"}, "http_path"),
        (
            {"url": "databricks://h.example?http_path=/sql/1.0/warehouses/a"},
            "token_env is required",
        ),
        ({"url": "trino://host.example/hive"}, "trino://user@host"),
        (
            {"url": "trino://u@h.example/hive?http_scheme=http", "password_env": "X"},
            "only over https",
        ),
        ({"url": "bigquery://project"}, "the dataset is missing"),
        ({"url": "bigquery://p/ds", "password_env": "X"}, "Application Default Credentials"),
        ({"url": "bigquery://p/ds?maximum_bytes_billed=lots"}, "whole number of bytes"),
        ({"url": "bigquery://p/ds?project=other"}, "unknown URL parameter project"),
        ({"url": "postgresql://u@h/db", "token_env": "X"}, "token_env does not apply"),
        ({"url": "snowflake://u:hunter2@acme/DB"}, "no password or token in the URL"),
        ({"url": "mysql://u@h/db"}, "starting with one of"),
        ({"url": "trino://u@h.example/hive;drop"}, "not a plain name"),
    ],
)
def test_a_wrong_server_config_is_exit_2_with_its_line(tmp_path, source, said):
    lines = ["client: Acme", "period: 2026-Q3", "timezone: UTC", "costs: {currency: EUR}"]
    lines += ["source:", "  connector: warehouse"]
    lines += [f"  {key}: {value}" for key, value in source.items()]
    lines += [""]
    config = tmp_path / "audit.yaml"
    config.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["connectors", "test", str(config)])
    assert result.exit_code == 2, result.output
    assert "audit.yaml:" in result.stderr, result.stderr
    assert said in result.stderr, result.stderr
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_connectors_test_shows_a_servers_sql(generated, monkeypatch, tmp_path):
    path, _ = generated
    FakeServer("snowflake", path).install(monkeypatch)
    monkeypatch.setenv("WAREHOUSE_SECRET", SECRET)
    config = tmp_path / "audit.yaml"
    config.write_text(
        "client: Acme\nperiod: 2026-Q3\ntimezone: Europe/Madrid\ncosts: {currency: EUR}\n"
        "source:\n  connector: warehouse\n"
        f"  url: {URLS['snowflake']}\n  password_env: WAREHOUSE_SECRET\n  schema: hubspot\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["connectors", "test", str(config), "--show-sql"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "Snowflake warehouse myorg-acme/FIVETRAN" in result.output
    assert "AS TIMESTAMPTZ)" in result.output  # Snowflake's SQL
    assert SECRET not in result.output
