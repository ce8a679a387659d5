"""`auditor check` for CI: several formats, selection, gates, history baselines."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from auditor.cli.main import main
from tests.helpers import q3_data, write_wide_csv


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_several_formats_each_to_its_place(client_dir: Path, tmp_path: Path):
    junit = tmp_path / "ci" / "audit.xml"
    md = tmp_path / "summary.md"
    result = invoke(
        "check",
        str(client_dir / "audit.yaml"),
        "--format",
        "json,junit,md",
        "--output",
        f"junit={junit}",
        "--output",
        f"md={md}",
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # only JSON on stdout
    suites = ET.parse(junit).getroot()
    failures = sum(int(s.get("failures")) for s in suites.iter("testsuite"))
    assert failures == sum(1 for f in data["findings"] if f["status"] == "fail")
    assert "Aceros del Sur" in md.read_text()


def test_two_formats_on_stdout_is_a_usage_error(client_dir: Path):
    result = invoke("check", str(client_dir / "audit.yaml"), "--format", "json,junit")
    assert result.exit_code == 2
    assert "would all go to stdout" in result.stderr


def test_bad_output_option(client_dir: Path):
    result = invoke("check", str(client_dir / "audit.yaml"), "--output", "pdf=x.pdf")
    assert result.exit_code == 2
    assert "expected FORMAT=PATH" in result.stderr


def test_select_and_ignore_recompute_the_exit_code(client_dir: Path):
    path = str(client_dir / "audit.yaml")
    everything = json.loads(invoke("check", path, "--format", "json").stdout)
    failing = {f["rule"] for f in everything["findings"] if f["status"] == "fail"}
    assert "unsubscribe-rate" in failing
    only_activity = invoke("check", path, "--format", "json", "--select", "activity")
    kept = json.loads(only_activity.stdout)
    assert {f["category"] for f in kept["findings"]} == {"activity"}
    ignored = invoke("check", path, "--format", "json", "--ignore", ",".join(sorted(failing)))
    assert ignored.exit_code == 0
    assert json.loads(ignored.stdout)["exit_code"] == 0
    typo = invoke("check", path, "--select", "unsubscribe-rat")
    assert typo.exit_code == 2
    assert "did you mean" in typo.stderr


def test_fail_under_per_category(client_dir: Path):
    path = str(client_dir / "audit.yaml")
    data = json.loads(invoke("check", path, "--format", "json", "--fail-on", "never").stdout)
    response = data["scores"]["response"]
    assert response is not None
    below = invoke("check", path, "--fail-on", "never", "--fail-under", f"response={response + 1}")
    assert below.exit_code == 1
    at = invoke("check", path, "--fail-on", "never", "--fail-under", f"response={response}")
    assert at.exit_code == 0


def test_bad_input_beats_findings_in_exit_precedence(client_dir: Path):
    (client_dir / "audit.yaml").write_text((client_dir / "audit.yaml").read_text() + "oops: 1\n")
    assert invoke("check", str(client_dir / "audit.yaml"), "--fail-on", "warn").exit_code == 2


def test_record_then_baseline_reports_only_new_failures(client_dir: Path):
    path = str(client_dir / "audit.yaml")
    first = invoke("check", path, "--record", "--fail-on", "never")
    assert first.exit_code == 0
    assert (client_dir / ".auditor" / "history.sqlite").is_file()
    # same failures as the recorded 2026-Q3: nothing new
    again = invoke("check", path, "--baseline", "2026-Q3", "--format", "json")
    data = json.loads(again.stdout)
    assert again.exit_code == 0
    assert data["baseline"]["new_failures"] == []
    assert "unsubscribe-rate" in data["baseline"]["known_failures"]
    # a new problem appears: bounces jump
    monthly = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        monthly[month]["bounces"] *= 5
        monthly[month]["emails_delivered"] = (
            monthly[month]["emails_sent"] - monthly[month]["bounces"]
        )
    write_wide_csv(client_dir / "data.csv", monthly)
    worse = invoke("check", path, "--baseline", "2026-Q3", "--format", "json")
    assert worse.exit_code == 1
    assert "bounce-rate" in json.loads(worse.stdout)["baseline"]["new_failures"]


def test_baseline_without_a_recorded_period(client_dir: Path):
    result = invoke("check", str(client_dir / "audit.yaml"), "--baseline", "2026-Q2")
    assert result.exit_code == 2
    assert "no recorded audit of aceros-del-sur for that period" in result.stderr
