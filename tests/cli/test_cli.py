"""The command line end to end: outputs, JSON contract, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from tests.helpers import CONFIG, ROOT, q3_data, write_wide_csv


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_json(client_dir: Path, *extra: str) -> tuple[int, dict]:
    result = invoke("check", str(client_dir / "audit.yaml"), "--format", "json", *extra)
    return result.exit_code, json.loads(result.stdout)


def test_check_json_contract(client_dir):
    code, data = check_json(client_dir)
    assert code == 1
    assert data["schema_version"] == 1
    assert data["client"] == "Aceros del Sur"
    assert data["period"] == {"label": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"}
    assert data["source"]["connector"] == "file"
    assert data["source"]["fetched_at"].endswith("Z")
    unsub = data["metrics"]["unsubscribe_rate"]
    assert unsub["value"] == 60 / 5940
    assert unsub["unit"] == "ratio"
    assert unsub["category"] == "response"
    assert set(unsub) >= {"value", "unit", "category", "previous", "change"}
    assert data["metrics"]["mqls"]["previous"] == 24
    assert data["metrics"]["mqls"]["change"] == 0.25
    assert "cac" in data["metrics"]
    # every base metric and KPI is either a metric or undefined with a reason
    from auditor.metrics.catalog import ALL_METRIC_IDS

    pack_metrics = {k for k, v in data["metrics"].items() if v["kind"] == "pack"}
    assert (set(data["metrics"]) | set(data["undefined"])) - pack_metrics == set(ALL_METRIC_IDS)
    assert not set(data["metrics"]) & set(data["undefined"])
    assert all(isinstance(r, str) and r for r in data["undefined"].values())
    finding = next(f for f in data["findings"] if f["rule"] == "unsubscribe-rate")
    assert finding["status"] == "fail"
    assert finding["score"] == 0
    assert finding["metric"] == "unsubscribe_rate"
    assert finding["threshold"] == "< 0.003"  # the pass condition: below the warn band
    assert finding["message"].startswith("Unsubscribe rate is 1.01%")
    assert finding["recommendation"]
    assert set(data["scores"]) == {"overall", "activity", "response", "efficiency", "value"}
    assert data["rule_packs"][0]["name"] == "default"
    assert len(data["rule_packs"][0]["sha256"]) == 64
    assert data["tool"]["version"]
    assert data["exit_code"] == 1
    assert "unsubscribe-rate" in data["exit_reason"]


def test_findings_are_ranked_worst_first(client_dir):
    _, data = check_json(client_dir)
    order = {"fail": 0, "warn": 1}
    statuses = [order.get(f["status"], 2) for f in data["findings"]]
    assert statuses == sorted(statuses)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((), 1),
        (("--fail-on", "never"), 0),
        (("--fail-on", "warn"), 1),
        (("--fail-on", "never", "--fail-under", "99"), 1),
        (("--fail-on", "never", "--fail-under", "1"), 0),
    ],
)
def test_exit_codes(client_dir, args, code):
    result, data = check_json(client_dir, *args)
    assert result == code
    assert data["exit_code"] == code


def test_healthy_data_exits_zero(client_dir):
    data = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        data[month]["unsubscribes"] = 1
    write_wide_csv(client_dir / "data.csv", data)
    code, result = check_json(client_dir, "--fail-on", "fail", "--lang", "es")
    fails = [f["rule"] for f in result["findings"] if f["status"] == "fail"]
    assert code == (1 if fails else 0)
    assert result["language"] == "es"


def test_nothing_evaluable_exits_three(client_dir):
    (client_dir / "data.csv").write_text("month,campaigns_sent\n2026-07,3\n2026-08,4\n2026-09,5\n")
    code, data = check_json(client_dir)
    assert code == 3
    assert "nothing could be evaluated" in data["exit_reason"]


def test_text_output(client_dir):
    result = invoke("check", str(client_dir / "audit.yaml"))
    assert result.exit_code == 1
    assert "Aceros del Sur · 2026-Q3" in result.stdout
    assert "FAIL" in result.stdout
    assert "\033[" not in result.stdout  # no colour when not a terminal


def test_run_writes_named_files(client_dir, tmp_path):
    out = tmp_path / "out"
    result = invoke("run", str(client_dir / "audit.yaml"), "-o", str(out), "--format", "json,html")
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == [
        "aceros-del-sur_2026-Q3.html",
        "aceros-del-sur_2026-Q3.json",
        "aceros-del-sur_2026-Q3.snapshot.json",
    ]
    data = json.loads((out / "aceros-del-sur_2026-Q3.json").read_text())
    assert data["period"]["label"] == "2026-Q3"
    assert f"wrote {out / 'aceros-del-sur_2026-Q3.json'}" in result.stdout


def test_period_flag_changes_file_name(client_dir, tmp_path):
    out = tmp_path / "out"
    invoke(
        "run",
        str(client_dir / "audit.yaml"),
        "-o",
        str(out),
        "--format",
        "json",
        "--period",
        "2026-08",
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "aceros-del-sur_2026-08.json",
        "aceros-del-sur_2026-08.snapshot.json",
    ]


# ---------------------------------------------------------------- bad input: exit 2


def _bad_run(client_dir: Path, tmp_path: Path, *args: str) -> tuple[int, str]:
    out = tmp_path / "out"
    result = invoke(
        "run", str(client_dir / "audit.yaml"), "-o", str(out), "--format", "json,html", *args
    )
    assert not out.exists() or not any(out.iterdir()), "a failed run must leave no file behind"
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def test_bad_config_key(client_dir, tmp_path):
    (client_dir / "audit.yaml").write_text(CONFIG + "langage: es\n")
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert "audit.yaml:9:1: langage: unknown key (did you mean 'language'?)" in err


def test_missing_env_var(client_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_VAR_FOR_TEST", raising=False)
    (client_dir / "audit.yaml").write_text(
        CONFIG.replace("path: data.csv", "path: ${NO_SUCH_VAR_FOR_TEST}")
    )
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert "NO_SUCH_VAR_FOR_TEST is not set" in err


def test_bad_data_cell(client_dir, tmp_path):
    text = (client_dir / "data.csv").read_text().splitlines()
    text[5] = text[5].replace(",2000,", ",2.000x,", 1)
    (client_dir / "data.csv").write_text("\n".join(text) + "\n")
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert "data.csv:6:2:" in err
    assert "2.000x" in err


def test_negative_count(client_dir, tmp_path):
    text = (client_dir / "data.csv").read_text().splitlines()
    text[5] = text[5].replace(",2000,", ",-2000,", 1)
    (client_dir / "data.csv").write_text("\n".join(text) + "\n")
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert "data.csv:6:2:" in err
    assert "negative" in err


def test_period_without_data(client_dir, tmp_path):
    code, err = _bad_run(client_dir, tmp_path, "--period", "2025-Q1")
    assert code == 2
    assert (
        "no data for the period 2025-Q1 (2025-01 to 2025-03); it covers 2026-04 to 2026-09" in err
    )


def test_missing_data_file(client_dir, tmp_path):
    (client_dir / "data.csv").unlink()
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert "data.csv" in err
    assert "not found" in err


def test_unknown_rule_pack(client_dir, tmp_path):
    (client_dir / "audit.yaml").write_text(CONFIG + "rules: {packs: [agency]}\n")
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert "unknown rule pack 'agency'; shipped packs: default" in err


def test_bad_rule_pack_file(client_dir, tmp_path):
    (client_dir / "mine.yaml").write_text(
        "version: 1\nextends: [default]\nrules:\n  - id: unsubscribe-rate\n    wieght: 2\n"
    )
    (client_dir / "audit.yaml").write_text(CONFIG + "rules: {packs: [./mine.yaml]}\n")
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert "mine.yaml:5:5: rules[0].wieght: unknown key (did you mean 'weight'?)" in err


def test_unknown_override(client_dir, tmp_path):
    (client_dir / "audit.yaml").write_text(
        CONFIG + "rules:\n  overrides:\n    unsub-rate: {weight: 1}\n"
    )
    code, err = _bad_run(client_dir, tmp_path)
    assert code == 2
    assert (
        "audit.yaml:11:5: rules.overrides.unsub-rate: override of unknown rule id 'unsub-rate'"
        in err
    )


def test_unknown_output_format(client_dir, tmp_path):
    code, err = _bad_run(client_dir, tmp_path, "--format", "pdf,docx")
    assert code == 2
    assert "unknown format 'docx'" in err


def test_missing_config_file(tmp_path):
    result = invoke("check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in result.stderr


def test_debug_shows_traceback(client_dir):
    (client_dir / "audit.yaml").write_text(CONFIG + "langage: es\n")
    result = invoke("--debug", "check", str(client_dir / "audit.yaml"))
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_real_process_bad_input_has_no_traceback(client_dir):
    (client_dir / "audit.yaml").write_text(CONFIG.replace("period: 2026-Q3", "period: 2026-Q9"))
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "check", str(client_dir / "audit.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "error: " in proc.stderr
    assert "2026-Q9" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("auditor, version ")


def test_cli_startup_does_not_import_weasyprint():
    code = "import sys, auditor.cli.main; print('weasyprint' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_check_loads_no_other_command_and_no_renderer():
    code = (
        "import sys\n"
        "from auditor.cli.main import main\n"
        "try:\n"
        "    main(['check', sys.argv[1], '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in ('auditor.cli.batch', 'auditor.cli.history', 'auditor.cli.init',\n"
        "    'auditor.cli.plan', 'auditor.cli.rules', 'weasyprint', 'auditor.outputs.report.html',\n"
        "    'duckdb', 'sqlglot')\n"
        "    if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    demo = ROOT / "auditor" / "demo" / "demo.yaml"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(demo)], capture_output=True, text=True, check=True
    )
    assert "LOADED []" in proc.stderr
