"""The bundled demo client: its planted problems are found, with the numbers of its README."""

from __future__ import annotations

import pytest

from auditor.config import load_config
from auditor.gate import Gate
from auditor.resources import demo_dir
from auditor.runner import audit


@pytest.fixture(scope="module")
def result() -> dict:
    return audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()


def test_demo_numbers_match_its_readme(result):
    metrics = result["metrics"]
    assert metrics["unsubscribe_rate"]["value"] == 454 / 36187
    assert metrics["spam_complaint_rate"]["value"] == 60 / 36187
    assert metrics["bounce_rate"]["value"] == 767 / 36954
    assert metrics["behavioral_workflow_share"]["value"] == 2 / 13
    assert metrics["closed_loop_coverage"]["value"] == 11 / 24
    assert metrics["mql_to_sql_rate"]["value"] == 23 / 132
    assert metrics["unsubscribe_rate"]["previous"] == 84 / 34406
    # costs.per: month -> the quarter costs 3 x (1200 + 3000 + 500) for the platform's TCO
    assert metrics["automation_tco"]["value"] == 3 * (1200 + 3000 + 500)
    assert metrics["automation_tco"]["previous"] == 3 * (1200 + 3000 + 500)


def test_demo_planted_problems_are_found(result):
    status = {f["rule"]: f["status"] for f in result["findings"]}
    assert status["unsubscribe-rate"] == "fail"
    assert status["behavioral-workflows-share"] == "fail"
    assert status["closed-loop-coverage"] == "fail"
    assert status["spam-complaint-rate"] == "warn"
    assert status["bounce-rate"] == "warn"
    assert status["mql-to-sql-rate"] == "warn"
    assert status["click-rate"] == "pass"
    assert status["automation-roi"] == "pass"
    assert result["exit_code"] == 0  # --fail-on never
    assert result["language"] == "es"
    assert not result["undefined"]  # the demo measures everything
