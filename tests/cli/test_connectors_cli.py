"""`auditor connectors list` and `auditor connectors test CONFIG`: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import responses
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.connectors import registry
from auditor.connectors.http import HttpPolicy
from auditor.metrics.catalog import BASE_BY_ID
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "connector-plugin"
EVENTS_URL = "https://events.example.test"
TOKEN = "evt-SECRET-abcdef"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def example(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setitem(registry._BUILTIN, "eventlog", "auditor_eventlog:EventLogConnector")
    import auditor_eventlog

    # one attempt, so an unreachable server fails at once (the CLI sleeps for real)
    monkeypatch.setattr(
        auditor_eventlog.EventLogConnector, "policy", HttpPolicy("Event log", max_tries=1)
    )
    return auditor_eventlog


def _eventlog_config(tmp_path: Path, period: bool = True) -> Path:
    path = tmp_path / "client.yaml"
    text = "client: Acme\n" + ("period: 2026-Q3\n" if period else "")
    text += f"timezone: Europe/Madrid\nsource:\n  connector: eventlog\n  base_url: {EVENTS_URL}\n"
    path.write_text(text, encoding="utf-8")
    return path


# --- list -----------------------------------------------------------------------------------


def _block(text: str, name: str) -> str:
    """The paragraph of `connectors list` that describes connector `name`."""
    (block,) = [b for b in text.split("\n\n") if b.startswith(f"{name}: ")]
    return block


def test_list_shows_the_file_connector():
    result = invoke("connectors", "list")
    assert result.exit_code == 0, result.output
    lines = _block(result.stdout, "file").splitlines()
    assert lines[0] == "file: Monthly base metrics from a CSV, JSON or YAML file (wide or long)"
    assert lines[1:3] == [
        "  options: path (required), format=auto, delimiter=auto, decimal=auto, leads=None, "
        "columns=None,",
        "    deal_stages=None",
    ]
    assert lines[3].startswith("  measures (31): emails_sent, emails_delivered, campaigns_sent,")
    assert "  not measured: none" in lines


def test_list_groups_not_measured_metrics_by_reason(example):
    result = invoke("connectors", "list")
    assert result.exit_code == 0, result.output
    block = _block(result.stdout, "eventlog")
    assert block.startswith("eventlog: Monthly counts from a JSON event-log API (example plugin)")
    assert (
        "  options: base_url (required), deadline=300.0, token_env=EVENTLOG_TOKEN, page_size=200"
        in block
    )
    assert "  measures (5):\n    emails_sent: GET /v1/events: events of type 'email.sent'" in block
    assert "  not measured (26):\n    emails_delivered, campaigns_sent," in block
    assert "accounts_churned: the event log records only email sends" in " ".join(block.split())


def test_list_as_json(example):
    result = invoke("connectors", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    found = {c["name"]: c for c in json.loads(result.stdout)["connectors"]}
    assert found["file"]["metrics"] == list(BASE_BY_ID)
    assert found["file"]["not_measured"] == {}
    assert found["file"]["options"]["path"] == {"required": True}
    assert found["file"]["options"]["format"] == {"required": False, "default": "auto"}
    assert found["file"]["error"] is None
    assert found["file"]["ref"] == "auditor.connectors.file:FileConnector"
    event = found["eventlog"]
    assert set(event["metrics"]) | set(event["not_measured"]) == set(BASE_BY_ID)
    assert event["undeclared"] == []


def test_list_reports_a_connector_that_fails_to_import(monkeypatch, tmp_path):
    (tmp_path / "auditor_boom.py").write_text("raise RuntimeError('bad build')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(registry._BUILTIN, "boom", "auditor_boom:Boom")
    monkeypatch.setitem(registry._BUILTIN, "ghost", "auditor_ghost_plugin:Ghost")
    result = invoke("connectors", "list")
    assert result.exit_code == 2
    assert "file: Monthly base metrics" in result.stdout  # the others are still listed
    assert "boom: cannot be used" in result.stdout
    assert (
        "error: connector 'boom' (auditor_boom:Boom) failed to import: RuntimeError: bad build"
        in result.stderr
    )
    assert "ModuleNotFoundError: No module named 'auditor_ghost_plugin'" in result.stderr
    assert "Traceback" not in result.output


def test_list_json_carries_the_import_error(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "ghost", "auditor_ghost_plugin:Ghost")
    result = invoke("connectors", "list", "--format", "json")
    assert result.exit_code == 2
    found = {c["name"]: c for c in json.loads(result.stdout)["connectors"]}
    assert "failed to import" in found["ghost"]["error"]


def test_audit_with_a_broken_connector_is_bad_input(monkeypatch, client_dir):
    monkeypatch.setitem(registry._BUILTIN, "ghost", "auditor_ghost_plugin:Ghost")
    config = client_dir / "audit.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("connector: file", "connector: ghost")
    )
    result = invoke("check", str(config))
    assert result.exit_code == 2
    assert "failed to import: ModuleNotFoundError" in result.stderr
    assert "Traceback" not in result.output


# --- test -----------------------------------------------------------------------------------


def test_test_file_config(client_dir):
    result = invoke("connectors", "test", str(client_dir / "audit.yaml"))
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("ok: file answered in ")
    assert first.endswith(
        ": data.csv: CSV (wide form), 6 months (2026-04 to 2026-09), 28 of 31 base metrics present"
    )
    assert "  measures (31): emails_sent" in result.stdout


def test_test_bad_config_exits_2_with_file_and_line(client_dir):
    config = client_dir / "audit.yaml"
    config.write_text(config.read_text().replace("path: data.csv", "pth: data.csv"))
    result = invoke("connectors", "test", str(config))
    assert result.exit_code == 2
    assert "audit.yaml:6:3: source.pth: unknown key (did you mean 'path'?)" in result.stderr


def test_test_missing_data_file_exits_2(client_dir):
    (client_dir / "data.csv").unlink()
    result = invoke("connectors", "test", str(client_dir / "audit.yaml"))
    assert result.exit_code == 2
    assert "file not found: data.csv" in result.stderr


def test_test_reaches_an_http_source_without_a_period(example, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTLOG_TOKEN", TOKEN)
    with responses.RequestsMock() as api:
        api.get(f"{EVENTS_URL}/v1/me", json={"account": "Acme Corp"})
        result = invoke("connectors", "test", str(_eventlog_config(tmp_path, period=False)))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: eventlog answered in ")
    assert f": account Acme Corp at {EVENTS_URL}\n" in result.stdout
    assert "    conversions: GET /v1/events: events of type 'form.submitted'" in result.stdout
    assert "not measured (26):" in result.stdout


def test_test_as_json(example, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTLOG_TOKEN", TOKEN)
    with responses.RequestsMock() as api:
        api.get(f"{EVENTS_URL}/v1/me", json={"account": "Acme Corp"})
        result = invoke("connectors", "test", str(_eventlog_config(tmp_path)), "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    assert payload["check"] == f"account Acme Corp at {EVENTS_URL}"
    assert payload["name"] == "eventlog"


def test_test_refused_token_exits_3_naming_the_variable(example, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTLOG_TOKEN", TOKEN)
    with responses.RequestsMock() as api:
        api.get(f"{EVENTS_URL}/v1/me", status=401, json={"error": f"unknown token {TOKEN}"})
        result = invoke("connectors", "test", str(_eventlog_config(tmp_path)))
    assert result.exit_code == 3
    assert result.stderr.startswith(
        "error: Event log refused the credential in EVENTLOG_TOKEN (HTTP 401 on GET /v1/me)"
    )
    assert TOKEN not in result.output


def test_test_unreachable_exits_3(example, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTLOG_TOKEN", TOKEN)
    with responses.RequestsMock() as api:
        api.get(f"{EVENTS_URL}/v1/me", body=requests.ConnectionError("Name or service not known"))
        result = invoke("connectors", "test", str(_eventlog_config(tmp_path)))
    assert result.exit_code == 3
    assert "error: Event log: GET /v1/me failed after 1 attempt; last: connection failed" in (
        result.stderr
    )


def test_test_missing_credential_exits_2(example, tmp_path, monkeypatch):
    monkeypatch.delenv("EVENTLOG_TOKEN", raising=False)
    with responses.RequestsMock():
        result = invoke("connectors", "test", str(_eventlog_config(tmp_path)))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: environment variable EVENTLOG_TOKEN (named by source.token_env) is not set: "
        "export the credential in it before running, e.g. export EVENTLOG_TOKEN=...\n"
    )


# --- start-up -------------------------------------------------------------------------------


def test_help_lists_connectors_without_loading_any():
    code = (
        "import sys; from click.testing import CliRunner; from auditor.cli.main import main; "
        "out = CliRunner().invoke(main, ['--help']).output; "
        "loaded = [m for m in ('requests', 'auditor.connectors.registry', "
        "'auditor.connectors.file', 'auditor.connectors.http', 'pydantic') if m in sys.modules]; "
        "print('connectors' in out, loaded)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True []"
