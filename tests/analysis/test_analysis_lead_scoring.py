"""Lead-scoring quality on synthetic leads whose truth is known, and the leads table reader."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.analysis import AnalysisContext
from auditor.analysis.lead_scoring import (
    analyse,
    at_threshold,
    best_threshold,
    delong_auc,
    lift_table,
)
from auditor.cli.main import main
from auditor.connectors.file import FileConnector, FileOptions
from auditor.connectors.leads import read_leads
from auditor.core.errors import InputError
from auditor.core.models import Lead
from auditor.core.period import parse_period
from auditor.metrics.calculator import calculate
from tests.helpers import CONFIG, COSTS, q3_data, source, write_wide_csv

Q3 = parse_period("2026-Q3")


def context(leads: list[Lead], **options: Any) -> AnalysisContext:
    data = source(q3_data(), leads=tuple(leads))
    return AnalysisContext(
        data=data,
        period=Q3,
        metrics=calculate(data, Q3, COSTS, None, 0.5),
        targets={},
        costs=COSTS,
        gross_margin=0.5,
        language="en",
        currency="EUR",
        options={"lead_scoring": options} if options else {},
    )


def leads_from(scores: list[float], customers: list[bool], mql: list[bool] | None = None):
    flags = mql or [None] * len(scores)
    return [
        Lead(f"L{i}", date(2026, 7, 1), float(s), m, c)
        for i, (s, c, m) in enumerate(zip(scores, customers, flags, strict=True))
    ]


def binormal(auc: float, n: int, share: float, seed: int) -> tuple[list[float], list[bool]]:
    """Scores N(d, 1) for customers and N(0, 1) for the rest: AUC = Phi(d / sqrt 2)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    d = math.sqrt(2) * NormalDist().inv_cdf(auc)
    won = rng.random(n) < share
    scores = np.where(won, rng.normal(d, 1, n), rng.normal(0, 1, n))
    return [float(s) for s in scores], [bool(w) for w in won]


# --- a score built to have AUC 0.8 -------------------------------------------------------


def test_a_score_built_for_auc_08_measures_08_within_its_interval():
    scores, won = binormal(0.8, 2000, 0.2, seed=7)
    out = analyse(context(leads_from(scores, won)))
    auc = out.section["auc"]
    assert out.section["status"] == "ok"
    assert auc["method"] == "DeLong"
    assert auc["level"] == 0.95
    assert auc["low"] <= 0.8 <= auc["high"]
    assert abs(auc["value"] - 0.8) < 0.03
    # n = 2000 with ~400 customers: DeLong's standard error is about 0.012
    assert 0.008 < auc["se"] < 0.016
    assert not [f for f in out.findings if f.rule == "analysis-lead-score-auc"]


def test_results_are_deterministic():
    scores, won = binormal(0.8, 600, 0.2, seed=3)
    first = analyse(context(leads_from(scores, won)))
    again = analyse(context(leads_from(scores, won)))
    assert json.dumps(first.section, sort_keys=True) == json.dumps(again.section, sort_keys=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_auc_and_best_threshold_agree_with_scikit_learn(seed: int):
    from sklearn.metrics import roc_auc_score, roc_curve

    scores, won = binormal(0.7, 500, 0.3, seed=seed)
    scores = [round(s, 1) for s in scores]  # ties, as real lead scores have
    assert delong_auc(scores, won)[0] == pytest.approx(roc_auc_score(won, scores))
    fpr, tpr, thresholds = roc_curve(won, scores, drop_intermediate=False)
    youden = [(round(t - f, 12), th) for f, t, th in zip(fpr, tpr, thresholds, strict=True)]
    expected = max(youden)[1]  # the highest J, and among equals the highest threshold
    assert best_threshold(scores, won)["value"] == pytest.approx(expected)


def test_delong_by_hand():
    # customers score 3 and 2, non-customers 1 and 2: pairs won 1 + 1 + 1 + 0.5 of 4
    auc, se = delong_auc([3, 2, 1, 2], [True, True, False, False])
    assert auc == pytest.approx(3.5 / 4)
    # components: customers [1, 0.75], non-customers [1, 0.75]; each sample variance
    # is 0.03125, over 2 cases: 0.015625 + 0.015625 = 0.03125
    assert se == pytest.approx(math.sqrt(0.03125))


def test_a_score_unrelated_to_outcomes_is_a_warning_that_never_scores():
    scores, won = binormal(0.5, 500, 0.2, seed=11)
    out = analyse(context(leads_from(scores, won)))
    (finding,) = [f for f in out.findings if f.rule == "analysis-lead-score-auc"]
    assert out.section["auc"]["low"] <= 0.5
    assert finding.status == "warn"
    assert finding.weight == 0
    assert finding.score is None
    assert finding.labels == ("analysis",)
    assert "coin toss" in finding.message


# --- a tiny table, by hand ---------------------------------------------------------------

# 20 leads scored 20 down to 1; customers scored 20, 19, 17, 12 and 5 (5 of 20: 25%).
TINY_SCORES = list(range(20, 0, -1))
TINY_WON = [s in (20, 19, 17, 12, 5) for s in TINY_SCORES]
TINY_MQL = [s >= 15 for s in TINY_SCORES]


def test_lift_table_by_hand():
    rows = lift_table(TINY_SCORES, TINY_WON)
    assert [r["leads"] for r in rows] == [2] * 10
    assert [r["customers"] for r in rows] == [2, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    assert rows[0]["score_min"] == 19
    assert rows[0]["score_max"] == 20
    assert rows[0]["conversion_rate"] == 1.0
    assert rows[0]["lift"] == 4.0  # 100% against 25%
    assert rows[1]["lift"] == 2.0  # 50% against 25%
    assert rows[2]["lift"] == 0.0
    assert rows[1]["cumulative_customers_share"] == 0.6  # 3 of 5 in the top 20%
    assert rows[1]["cumulative_leads_share"] == 0.2


def test_leads_with_the_same_score_share_a_band():
    scores = [9, 8, 8, 8, 5, 4, 3, 2, 1, 0]
    won = [True, True, False, False, True, False, False, False, False, False]
    rows = lift_table(scores, won)
    # the tie block of 8s starts at rank 2 (band 2) and keeps all three leads there
    assert [r["decile"] for r in rows] == [1, 2, 5, 6, 7, 8, 9, 10]
    assert rows[1]["leads"] == 3
    assert rows[1]["customers"] == 1


def test_precision_recall_and_best_threshold_by_hand():
    at_15 = at_threshold(TINY_SCORES, TINY_WON, 15)
    # scores 20..15: 6 leads, 3 customers (20, 19, 17); 3 of 15 non-customers let through
    assert at_15["leads_at_or_above"] == 6
    assert at_15["precision"] == 0.5
    assert at_15["recall"] == 0.6
    assert at_15["false_positive_rate"] == 0.2
    assert at_15["youden_j"] == 0.4
    best = best_threshold(TINY_SCORES, TINY_WON)
    # >= 17: 4 leads, 3 customers; J = 3/5 - 1/15 = 0.5333 (the highest; >= 12 gives 0.4667)
    assert best["value"] == 17
    assert best["precision"] == 0.75
    assert best["recall"] == 0.6
    assert best["youden_j"] == pytest.approx(0.6 - 1 / 15, abs=1e-6)


def test_section_on_the_tiny_table_infers_the_mql_threshold_and_warns():
    leads = leads_from(TINY_SCORES, TINY_WON, TINY_MQL)
    out = analyse(context(leads, min_leads=10, min_customers=2))
    s = out.section
    assert s["status"] == "ok"
    assert s["leads"] == 20
    assert s["customers"] == 5
    # customers outscore 15 + 15 + 14 + 10 + 4 = 58 of the 5 x 15 pairs
    assert s["auc"]["value"] == pytest.approx(58 / 75, abs=1e-6)
    assert s["mql_threshold"]["value"] == 15
    assert s["mql_threshold"]["source"] == "inferred"
    assert s["mql_threshold"]["flag_agreement"] == 1.0
    assert s["best_threshold"]["value"] == 17
    (finding,) = [f for f in out.findings if f.rule == "analysis-mql-threshold"]
    # J 0.40 -> 0.53: a gain of 0.13, above the 0.10 that counts as material
    assert finding.status == "warn"
    assert "Raise the MQL threshold towards 17" in finding.recommendation
    assert "precision 50% to 75%, recall 60% to 60%" in finding.message


def test_configured_mql_threshold_wins():
    leads = leads_from(TINY_SCORES, TINY_WON, TINY_MQL)
    out = analyse(context(leads, min_leads=10, min_customers=2, mql_threshold=17))
    assert out.section["mql_threshold"]["source"] == "config"
    assert not [f for f in out.findings if f.rule == "analysis-mql-threshold"]


def test_no_mql_flag_and_no_config_says_why():
    out = analyse(context(leads_from(TINY_SCORES, TINY_WON), min_leads=10, min_customers=2))
    assert out.section["mql_threshold"] is None
    assert "no lead is flagged MQL" in out.section["mql_threshold_reason"]


# --- not enough data ------------------------------------------------------------------------


def test_no_leads_table_is_no_data():
    out = analyse(context([]))
    assert out.section["status"] == "no_data"
    assert "source.leads" in out.section["reason"]
    assert out.findings == ()


@pytest.mark.parametrize(
    ("n", "customers", "expected"),
    [
        (40, 10, "40 leads with a known outcome; at least 50"),
        (200, 9, "9 of 200 leads became customers; at least 10"),
        (60, 55, "only 5 of 60 leads did not become customers"),
    ],
)
def test_short_data_is_not_enough_data_not_a_number(n, customers, expected):
    scores = [float(i) for i in range(n)]
    won = [i < customers for i in range(n)]
    out = analyse(context(leads_from(scores, won)))
    assert out.section["status"] == "not_enough_data"
    assert expected in out.section["reason"]
    assert "auc" not in out.section
    assert out.findings == ()


def test_late_leads_and_unknown_outcomes_are_left_out():
    scores, won = binormal(0.8, 200, 0.3, seed=5)
    leads = leads_from(scores, won)
    leads.append(Lead("late", date(2026, 10, 1), 1.0, None, True))
    leads.append(Lead("open", date(2026, 9, 30), 1.0, None, None))
    out = analyse(context(leads))
    assert out.section["leads"] == 200
    assert out.section["excluded"] == {"created_after_period": 1, "outcome_unknown": 1}


# --- the leads table ------------------------------------------------------------------------

GOOD = """\
lead_id,created,score,mql,became_customer
A1,2026-07-01,80,1,1
A2,2026-07-02T10:30:00,12.5,0,0
A3,2026-07-03,-5,no,
A4,2026-07-04,40,,yes
"""


def test_reads_a_good_leads_table(tmp_path: Path):
    (tmp_path / "leads.csv").write_text(GOOD, encoding="utf-8")
    leads, provenance = read_leads(tmp_path / "leads.csv", "leads.csv", not_found="missing")
    assert leads == (
        Lead("A1", date(2026, 7, 1), 80.0, True, True),
        Lead("A2", date(2026, 7, 2), 12.5, False, False),
        Lead("A3", date(2026, 7, 3), -5.0, False, None),
        Lead("A4", date(2026, 7, 4), 40.0, None, True),
    )
    assert provenance["rows"] == 4


def test_semicolons_mean_decimal_commas(tmp_path: Path):
    text = "Lead_ID;Created;Score;MQL;Became_Customer\nB1;2026-07-01;12,5;sí;no\n"
    (tmp_path / "leads.csv").write_text(text, encoding="utf-8")
    (lead,), _ = read_leads(tmp_path / "leads.csv", "leads.csv", not_found="missing")
    assert lead == Lead("B1", date(2026, 7, 1), 12.5, True, False)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "leads.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_leads(tmp_path / "leads.csv", "leads.csv", not_found="missing")
    return [str(p) for p in caught.value.problems]


def test_every_bad_cell_is_located(tmp_path: Path):
    text = (
        "lead_id,created,score,mql,became_customer\n"
        "A1,2026-07-01,80,1,1\n"
        "A2,01/07/2026,high,maybe,1\n"
        "A1,2026-07-03,10,0,0\n"
        ",2026-07-04,10,0,2\n"
    )
    assert problems_of(tmp_path, text) == [
        "leads.csv:3:2: created: '01/07/2026' is not a date; expected YYYY-MM-DD (e.g. 2026-07-14)",
        "leads.csv:3:3: score: 'high' is not a number",
        "leads.csv:3:4: mql: 'maybe' is not a yes/no value; expected 1/0, true/false, yes/no "
        "or si/no (empty = not known)",
        "leads.csv:4:1: lead_id 'A1' appears twice (lines 2 and 4); every lead needs its own row",
        "leads.csv:5:1: lead_id is empty; every lead needs its id",
        "leads.csv:5:5: became_customer: '2' is not a yes/no value; expected 1/0, true/false, "
        "yes/no or si/no (empty = not known)",
    ]


def test_header_problems_name_the_columns(tmp_path: Path):
    found = problems_of(tmp_path, "lead_id,created,scores,mql\nA1,2026-07-01,1,1\n")
    assert found[1].startswith("leads.csv:1:3: unknown column 'scores' (did you mean 'score'?)")
    assert found[0] == (
        "leads.csv:1: the header has no column 'score', 'became_customer'; the leads table "
        "needs lead_id, created, score, mql, became_customer"
    )


def test_empty_and_header_only_files(tmp_path: Path):
    assert "the file is empty" in problems_of(tmp_path, "\n\n")[0]
    only = problems_of(tmp_path, "lead_id,created,score,mql,became_customer\n")
    assert only == ["leads.csv:1: no data rows below the header (line 1)"]


def test_both_files_report_their_problems_together(tmp_path: Path):
    (tmp_path / "data.csv").write_text("month,emails_sent\n2026-07,many\n", encoding="utf-8")
    (tmp_path / "leads.csv").write_text(
        "lead_id,created,score,mql,became_customer\nA1,2026-07-01,x,1,1\n", encoding="utf-8"
    )
    connector = FileConnector(FileOptions(path="data.csv", leads="leads.csv"), tmp_path)
    with pytest.raises(InputError) as caught:
        connector.fetch([])
    assert [p.file for p in caught.value.problems] == ["data.csv", "leads.csv"]


def test_missing_leads_file_is_named(tmp_path: Path):
    write_wide_csv(tmp_path / "data.csv", q3_data())
    connector = FileConnector(FileOptions(path="data.csv", leads="nope.csv"), tmp_path)
    with pytest.raises(InputError, match=r"file not found: nope\.csv"):
        connector.fetch([])


def client(tmp_path: Path, leads: str) -> Path:
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "leads.csv").write_text(leads, encoding="utf-8")
    config = CONFIG.replace("  path: data.csv\n", "  path: data.csv\n  leads: leads.csv\n")
    (tmp_path / "audit.yaml").write_text(config, encoding="utf-8")
    return tmp_path / "audit.yaml"


def test_bad_leads_file_exits_2_through_check(tmp_path: Path):
    config = client(tmp_path, "lead_id,created,score,mql,became_customer\nA1,2026-07-01,x,1,1\n")
    result = CliRunner().invoke(main, ["check", str(config)])
    assert result.exit_code == 2
    assert "error: leads.csv:2:3: score: 'x' is not a number" in result.stderr


def test_leads_reach_the_audit_result(tmp_path: Path):
    scores, won = binormal(0.8, 300, 0.2, seed=2)
    rows = [
        f"L{i},2026-07-01,{s:.3f},{int(s > 0.5)},{int(w)}"
        for i, (s, w) in enumerate(zip(scores, won, strict=True))
    ]
    config = client(tmp_path, "lead_id,created,score,mql,became_customer\n" + "\n".join(rows))
    result = CliRunner().invoke(main, ["check", str(config), "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    section = json.loads(result.stdout)["analysis"]["lead_scoring"]
    assert section["status"] == "ok"
    assert section["leads"] == 300
    assert section["auc"]["low"] <= 0.8 <= section["auc"]["high"]
