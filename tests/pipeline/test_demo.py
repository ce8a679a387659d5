"""The bundled demo client: its planted problems are found, with the numbers of its README."""

from __future__ import annotations

import pytest

from auditor.config.loader import load_config
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate
from auditor.pipeline.runner import audit


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


def test_demo_lead_scoring_matches_its_readme(result):
    section = result["analysis"]["lead_scoring"]
    assert section["status"] == "ok"
    assert section["excluded"] == {"created_after_period": 0, "outcome_unknown": 232}
    assert (section["leads"], section["customers"]) == (2752, 154)
    auc = section["auc"]
    assert auc["low"] <= auc["value"] <= auc["high"]
    assert 0.6 < auc["value"] < 0.8
    assert round(auc["value"], 3) == 0.694
    assert (round(auc["low"], 3), round(auc["high"], 3)) == (0.645, 0.743)
    mql, best = section["mql_threshold"], section["best_threshold"]
    assert (mql["value"], mql["source"]) == (40.0, "inferred")
    assert best["value"] == 72.0
    assert best["youden_j"] - mql["youden_j"] >= 0.10


def test_demo_lead_scoring_findings(result):
    findings = {f["rule"]: f for f in result["findings"]}
    finding = findings["analysis-mql-threshold"]
    assert finding["status"] == "warn"
    assert "analysis" in finding["labels"]
    assert finding["value"] == 40.0
    assert "72" in finding["recommendation"]  # raise it towards the best threshold
    assert "analysis-lead-score-auc" not in findings  # the score is moderate, not weak
