"""`auditor plan`: the plan table, its JSON, and exit codes (numbers as in test_analysis_planning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from tests.helpers import q3_data, write_wide_csv


def plan(*args: str):
    return CliRunner().invoke(main, ["plan", *args])


def test_text_table_in_english(client_dir: Path):
    result = plan(str(client_dir / "audit.yaml"), "--target-revenue", "100000")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("Plan for Aceros del Sur, 2026-Q3")
    assert "Revenue target €100,000" in out
    assert "Current budget €12,000" in out
    lines = {line.split("  ")[0]: line.split() for line in out.splitlines() if "  " in line}
    # target plan then what the current budget yields (hand arithmetic in test_analysis_planning)
    assert lines["Customers"][-2:] == ["20", "6"]
    assert lines["Leads"][-2:] == ["400", "120"]
    assert lines["Website visitors"][-2:] == ["8,000", "2,400"]
    assert lines["Marketing budget"][-2:] == ["€40,000", "€12,000"]
    assert lines["Net after marketing"][-2:] == ["€10,000", "€3,000"]
    assert lines["ROI"][-2:] == ["25%", "25%"]


def test_text_table_in_the_configs_language(client_dir: Path):
    config = client_dir / "audit.yaml"
    config.write_text(config.read_text().replace("language: en", "language: es"))
    result = plan(str(config), "--target-customers", "7")
    assert result.exit_code == 0, result.stderr
    assert "Plan para Aceros del Sur" in result.stdout
    assert "Objetivo: 7 clientes" in result.stdout
    assert "14.000\u00a0€" in result.stdout  # 140 leads x 100


def test_json_with_a_given_budget(client_dir: Path):
    result = plan(
        str(client_dir / "audit.yaml"),
        "--target-customers",
        "7",
        "--budget",
        "20000",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["currency"] == "EUR"
    target, budget = data["scenarios"]
    assert (target["leads"], target["budget"]) == (140, 14000)
    assert budget["source"] == "given"
    assert budget["leads"] == 200  # 20,000 / 100
    assert budget["customers"] == 10  # 200 x 0.05
    assert budget["revenue"] == 50000  # 10 x 5,000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a target"),
        (("--target-revenue", "-5"), "--target-revenue"),
        (("--target-revenue", "0"), "--target-revenue"),
        (("--target-revenue", "lots"), "--target-revenue"),
        (("--target-revenue", "inf"), "finite"),
        (("--target-customers", "0"), "--target-customers"),
        (("--target-customers", "2.5"), "--target-customers"),
        (("--target-revenue", "1000", "--budget", "-1"), "--budget"),
        (("--target-revenue", "1000", "--format", "pdf"), "--format"),
    ],
)
def test_bad_options_exit_2(client_dir: Path, args: tuple[str, ...], message: str):
    result = plan(str(client_dir / "audit.yaml"), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_bad_config_exits_2(tmp_path: Path):
    result = plan(str(tmp_path / "nope.yaml"), "--target-revenue", "1000")
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr


def test_a_period_without_data_exits_2(client_dir: Path):
    result = plan(str(client_dir / "audit.yaml"), "--target-revenue", "1000", "--period", "2030-Q1")
    assert result.exit_code == 2
    assert "no data for the period 2030-Q1" in result.stderr


def test_a_plan_that_needs_an_undefined_input_exits_3_and_names_it(client_dir: Path):
    monthly = q3_data()
    for month in ("2026-07", "2026-08", "2026-09"):
        del monthly[month]["revenue_won"]
    write_wide_csv(client_dir / "data.csv", monthly)
    result = plan(str(client_dir / "audit.yaml"), "--target-revenue", "100000")
    assert result.exit_code == 3
    assert "Missing: average_deal_size:" in result.stdout
    # the customer target does not need the deal size for its budget
    result = plan(str(client_dir / "audit.yaml"), "--target-customers", "7")
    assert result.exit_code == 0
