"""`--from-snapshot` refuses another client's data (issue 13): a snapshot names the client
it was taken for, and replaying it under another config is exit 2 unless the user says
`--snapshot-of-another-client`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from auditor.cli.main import main
from auditor.core.resources import demo_dir


def _demo(tmp_path: Path) -> Path:
    for name in ("data.csv", "leads.csv", "demo.yaml"):
        shutil.copy(demo_dir() / name, tmp_path / name)
    result = CliRunner().invoke(main, ["run", str(tmp_path / "demo.yaml"), "-o", str(tmp_path / "out"),
                                       "--format", "json", "--fail-on", "never"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return next((tmp_path / "out").glob("*.snapshot.json"))


def test_a_snapshot_names_its_client_and_is_refused_for_another(tmp_path: Path) -> None:
    snapshot = _demo(tmp_path)
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    assert document["client"] == "Suministros Industriales Ebro, S.L."
    assert document["client_slug"] == "suministros-industriales-ebro-s-l"
    text = (tmp_path / "demo.yaml").read_text(encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(text.replace("client: Suministros", "client: Otro Cliente, antes Suministros"))
    refused = CliRunner().invoke(main, ["check", str(other), "--from-snapshot", str(snapshot)])
    assert refused.exit_code == 2
    assert "this snapshot is of client 'Suministros Industriales Ebro, S.L.'" in refused.output
    assert "--snapshot-of-another-client" in refused.output
    assert "Traceback" not in refused.output
    allowed = CliRunner().invoke(
        main,
        ["check", str(other), "--from-snapshot", str(snapshot), "--snapshot-of-another-client",
         "--fail-on", "never"],
    )  # fmt: skip
    assert allowed.exit_code == 0, allowed.output
    own = CliRunner().invoke(
        main,
        ["check", str(tmp_path / "demo.yaml"), "--from-snapshot", str(snapshot),
         "--fail-on", "never"],
    )  # fmt: skip
    assert own.exit_code == 0, own.output


def test_a_result_json_and_an_older_snapshot_without_a_client(tmp_path: Path) -> None:
    snapshot = _demo(tmp_path)
    result = next(p for p in (tmp_path / "out").glob("*.json") if ".snapshot." not in p.name)
    text = (tmp_path / "demo.yaml").read_text(encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(text.replace("client: Suministros", "client: Otro, antes Suministros"))
    refused = CliRunner().invoke(main, ["check", str(other), "--from-snapshot", str(result)])
    assert refused.exit_code == 2  # the result's embedded snapshot names its client too
    # a snapshot written before snapshots named their client cannot be checked: replayed
    old = json.loads(snapshot.read_text(encoding="utf-8"))
    del old["client"], old["client_slug"]
    (tmp_path / "old.snapshot.json").write_text(json.dumps(old), encoding="utf-8")
    replayed = CliRunner().invoke(
        main,
        ["check", str(other), "--from-snapshot", str(tmp_path / "old.snapshot.json"),
         "--fail-on", "never"],
    )  # fmt: skip
    assert replayed.exit_code == 0, replayed.output
