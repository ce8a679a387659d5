"""Data snapshots: an audit re-run offline from its snapshot gives identical numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.connectors.snapshot import load_snapshot, snapshot_from_json, snapshot_to_json
from auditor.core.errors import InputError
from tests.helpers import q3_data, source


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_round_trip_keeps_every_value():
    data = source(q3_data(), not_measured={"mrr": "no subscriptions"}, provenance={"path": "x.csv"})
    back = snapshot_from_json(json.loads(json.dumps(snapshot_to_json(data))), "s.json")
    assert back.monthly == data.monthly
    assert back.not_measured == {"mrr": "no subscriptions"}
    assert back.provenance["path"] == "x.csv"
    assert back.provenance["replayed_from"] == "s.json"


def test_run_writes_a_snapshot_and_replays_it_identically(client_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    invoke("run", str(client_dir / "audit.yaml"), "-o", str(out), "--format", "json")
    snapshot = out / "aceros-del-sur_2026-Q3.snapshot.json"
    assert json.loads(snapshot.read_text())["kind"] == "auditor-snapshot"
    first = json.loads((out / "aceros-del-sur_2026-Q3.json").read_text())
    (client_dir / "data.csv").unlink()  # the source is gone: only the snapshot remains
    for replay_from in (snapshot, out / "aceros-del-sur_2026-Q3.json"):
        result = invoke(
            "check",
            str(client_dir / "audit.yaml"),
            "--format",
            "json",
            "--from-snapshot",
            str(replay_from),
        )
        again = json.loads(result.stdout)
        assert again["metrics"] == first["metrics"]
        assert again["undefined"] == first["undefined"]
        assert again["findings"] == first["findings"]
        assert result.exit_code == first["exit_code"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"kind": "other"}', "not an auditor data snapshot"),
        ('{"kind": "auditor-snapshot", "schema_version": 9}', "schema_version 9 is not supported"),
        (
            '{"kind": "auditor-snapshot", "schema_version": 1, "monthly": {"2026-07": {"emails_sent": -5}}}',
            "monthly.2026-07.emails_sent: expected a number >= 0, got -5",
        ),
        (
            '{"kind": "auditor-snapshot", "schema_version": 1, "monthly": {"2026-07": {"emials_sent": 5}}}',
            "unknown base metric 'emials_sent'",
        ),
        (
            '{"kind": "auditor-snapshot", "schema_version": 1, "monthly": {"July": {}}}',
            "'July' is not a month",
        ),
    ],
)
def test_bad_snapshots_are_input_errors(tmp_path: Path, content: str, message: str):
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_snapshot(path)


def test_bad_snapshot_on_the_command_line_exits_2(client_dir: Path, tmp_path: Path):
    path = tmp_path / "s.json"
    path.write_text("[]")
    result = invoke("check", str(client_dir / "audit.yaml"), "--from-snapshot", str(path))
    assert result.exit_code == 2
    assert "not an auditor data snapshot" in result.stderr
    assert "Traceback" not in result.output
