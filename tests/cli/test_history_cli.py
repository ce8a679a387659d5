"""`auditor history list|show|diff|export`: real output, store lookup and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.config.loader import load_config
from auditor.core import reasons
from auditor.core.resources import demo_dir
from auditor.history import HistoryStore, diff_results
from auditor.pipeline.runner import audit

SLUG = "suministros-industriales-ebro-s-l"
NAME = "Suministros Industriales Ebro, S.L."


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return {
        p: audit(load_config(demo_dir() / "demo.yaml", p)).to_json() for p in ("2026-Q2", "2026-Q3")
    }


@pytest.fixture
def store(tmp_path: Path, results) -> Path:
    path = tmp_path / "history.sqlite"
    history = HistoryStore(path)
    history.record(results["2026-Q2"])
    history.record(results["2026-Q3"])
    return path


def test_list_text(store):
    out = invoke("history", "list", "--store", str(store))
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    assert lines[0].split() == [
        "client",
        "period",
        "overall",
        "activity",
        "response",
        "efficiency",
        "value",
        "exit",
        "recorded",
        "tool",
        "packs",
    ]
    assert len(lines) == 3
    assert lines[1].split()[:8] == [SLUG, "2026-Q2", "87.8", "70.0", "100.0", "96.4", "78.6", "1"]
    assert lines[2].split()[:8] == [SLUG, "2026-Q3", "71.0", "70.0", "50.0", "89.3", "78.6", "1"]


def test_list_json(store, results):
    out = invoke("history", "list", "--store", str(store), "--format", "json")
    assert out.exit_code == 0
    runs = json.loads(out.stdout)
    assert [(r["id"], r["client_slug"], r["client"], r["period"]) for r in runs] == [
        (1, SLUG, NAME, "2026-Q2"),
        (2, SLUG, NAME, "2026-Q3"),
    ]
    assert runs[1]["scores"] == {
        "overall": 71.0,
        "activity": 70.0,
        "response": 50.0,
        "efficiency": 89.3,
        "value": 78.6,
    }
    assert runs[1]["exit_code"] == 1
    assert runs[1]["exit_reason"] == results["2026-Q3"]["exit_reason"]
    assert runs[1]["period_start"] == "2026-07-01"


def test_list_one_client_and_an_empty_store(store, tmp_path, results):
    out = invoke("history", "list", "--store", str(store), "--client", NAME, "--format", "json")
    assert len(json.loads(out.stdout)) == 2
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    out = invoke("history", "list", "--store", str(empty))
    assert out.exit_code == 0
    assert out.stdout == f"no runs recorded in {empty}\n"


def test_show_by_slug_or_name(store, results):
    out = invoke("history", "show", SLUG, "--store", str(store), "--period", "2026-Q2")
    assert out.exit_code == 0
    assert out.stdout.startswith("run 1: recorded ")
    assert f"{NAME} · 2026-Q2" in out.stdout
    assert "87,8" in out.stdout  # the stored result's own language (es)
    assert "behavioral-workflows-share" in out.stdout
    # the exit reason in the stored result's language
    assert reasons.localize_all(results["2026-Q2"]["exit_reason"], "es") in out.stdout
    assert all(f["rule"] in out.stdout for f in results["2026-Q2"]["findings"])

    latest = invoke("history", "show", NAME, "--store", str(store), "--format", "json")
    assert latest.exit_code == 0
    shown = json.loads(latest.stdout)
    assert shown["run"]["period"] == "2026-Q3"  # default: the latest recorded period
    assert shown["run"]["id"] == 2
    assert shown["result"] == json.loads(json.dumps(results["2026-Q3"]))


def test_diff_text(store):
    out = invoke("history", "diff", SLUG, "2026-Q2", "2026-Q3", "--store", str(store))
    assert out.exit_code == 0
    text = out.stdout
    assert text.startswith(f"{NAME} ({SLUG}): 2026-Q2 -> 2026-Q3\n")
    lines = text.splitlines()
    assert lines[3].split() == ["overall", "87.8", "71.0", "-16.8"]
    assert lines[5].split() == ["response", "100.0", "50.0", "-50.0"]
    assert "New findings: fail or warn now, not then (5)" in text
    assert "Resolved findings: fail or warn then, pass now (1)" in text
    assert "Findings whose status changed (6)" in text
    new = lines[lines.index("New findings: fail or warn now, not then (5)") + 1 :][:5]
    assert [line.split()[:2] for line in new] == [
        ["FAIL", "unsubscribe-rate"],
        ["FAIL", "unsubscribe-rate-trend"],
        ["WARN", "mql-to-sql-rate"],
        ["WARN", "spam-complaint-rate"],
        ["WARN", "bounce-rate"],
    ]
    resolved = lines[lines.index("Resolved findings: fail or warn then, pass now (1)") + 1]
    assert resolved.split() == ["WARN", "lead-velocity", "->", "pass"]
    # metric lines: before -> after and relative change, in the result's language (es)
    unsubscribes = next(line for line in lines if line.strip().startswith("unsubscribes "))
    assert unsubscribes.split() == ["unsubscribes", "84", "->", "454", "+440,5", "%"]


def test_diff_json_is_diff_results(store, results):
    out = invoke(
        "history", "diff", NAME, "2026-Q2", "2026-Q3", "--store", str(store), "--format", "json"
    )
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    expected = json.loads(json.dumps(diff_results(results["2026-Q2"], results["2026-Q3"])))
    assert data == expected
    assert [f["rule"] for f in data["new"]] == [
        "unsubscribe-rate",
        "unsubscribe-rate-trend",
        "mql-to-sql-rate",
        "spam-complaint-rate",
        "bounce-rate",
    ]
    assert [f["rule"] for f in data["resolved"]] == ["lead-velocity"]
    assert data["scores"]["overall"] == {"before": 87.8, "after": 71.0, "delta": -16.8}


def test_export_csv(store):
    out = invoke("history", "export", "--store", str(store))
    assert out.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [
        (r["run_id"], r["client_slug"], r["client"], r["period"], r["overall"], r["response"])
        for r in rows
    ] == [
        ("1", SLUG, NAME, "2026-Q2", "87.8", "100.0"),
        ("2", SLUG, NAME, "2026-Q3", "71.0", "50.0"),
    ]
    assert list(rows[0])[:11] == [
        "run_id",
        "client_slug",
        "client",
        "period",
        "period_start",
        "period_end",
        "overall",
        "activity",
        "response",
        "efficiency",
        "value",
    ]
    assert rows[1]["exit_code"] == "1"


def test_export_json_to_a_file(store, tmp_path, results):
    target = tmp_path / "out" / "history.json"
    out = invoke(
        "history", "export", "--store", str(store), "--format", "json", "--output", str(target)
    )
    assert out.exit_code == 0
    assert out.stdout == ""
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [e["run"]["period"] for e in exported] == ["2026-Q2", "2026-Q3"]
    assert exported[0]["result"] == json.loads(json.dumps(results["2026-Q2"]))
    assert [p.name for p in target.parent.iterdir()] == ["history.json"]  # no temp file left


def test_unknown_client_or_period_lists_the_known_ones(store):
    out = invoke("history", "show", "acme", "--store", str(store))
    assert out.exit_code == 2
    assert out.stderr == (
        f"error: {store}: unknown client 'acme'; known clients: {SLUG} ({NAME})\n"
    )
    out = invoke("history", "diff", SLUG, "2026-Q1", "2026-Q3", "--store", str(store))
    assert out.exit_code == 2
    assert out.stderr == (
        f"error: {store}: no recorded run of '{SLUG}' for period '2026-Q1'; "
        "recorded periods: 2026-Q2, 2026-Q3\n"
    )
    out = invoke("history", "show", SLUG, "--period", "2027-Q1", "--store", str(store))
    assert out.exit_code == 2
    assert "recorded periods: 2026-Q2, 2026-Q3" in out.stderr


def test_missing_store_is_exit_2(tmp_path):
    missing = tmp_path / "none.sqlite"
    for command in ("list", "export"):
        out = invoke("history", command, "--store", str(missing))
        assert out.exit_code == 2
        assert out.stderr.startswith(f"error: {missing}: no history store here")
        assert "--record" in out.stderr
    assert not missing.exists()


def test_corrupt_store_is_exit_2_with_a_clear_message(tmp_path):
    corrupt = tmp_path / "history.sqlite"
    corrupt.write_bytes(b"\x00garbage" * 512)
    for args in (("list",), ("show", SLUG), ("diff", SLUG, "2026-Q2", "2026-Q3"), ("export",)):
        out = invoke("history", *args, "--store", str(corrupt))
        assert out.exit_code == 2, args
        assert out.stderr == (
            f"error: {corrupt}: not a readable auditor history store (file is not a "
            "database); move the file aside (the next --record creates a new one) or point "
            "--store at another file\n"
        )
        assert "Traceback" not in out.output


def test_default_store_is_in_the_current_folder(tmp_path, results, monkeypatch):
    HistoryStore(tmp_path / ".auditor" / "history.sqlite").record(results["2026-Q3"])
    monkeypatch.chdir(tmp_path)
    out = invoke("history", "list", "--format", "json")
    assert out.exit_code == 0
    assert [r["period"] for r in json.loads(out.stdout)] == ["2026-Q3"]


def test_store_next_to_the_config(tmp_path, results):
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "audit.yaml").write_text("client: X\nsource: {connector: file}\n", encoding="utf-8")
    HistoryStore(folder / ".auditor" / "history.sqlite").record(results["2026-Q2"])
    out = invoke("history", "list", "--config", str(folder / "audit.yaml"), "--format", "json")
    assert [r["period"] for r in json.loads(out.stdout)] == ["2026-Q2"]

    (folder / "other.yaml").write_text(
        "client: X\nsource: {connector: file}\nhistory: {path: db/h.sqlite}\n", encoding="utf-8"
    )
    HistoryStore(folder / "db" / "h.sqlite").record(results["2026-Q3"])
    out = invoke("history", "list", "--config", str(folder / "other.yaml"), "--format", "json")
    assert [r["period"] for r in json.loads(out.stdout)] == ["2026-Q3"]

    out = invoke("history", "list", "--config", str(folder / "missing.yaml"))
    assert out.exit_code == 2
    assert "config file not found" in out.stderr
