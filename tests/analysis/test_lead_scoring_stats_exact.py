"""Lead-scoring statistics exactly, on cases worked by hand (auditor/analysis/lead_scoring.py):
mid-ranks with ties, the ROC AUC and DeLong's standard error, the interval and its
clipping, a threshold's precision, recall, false-positive rate and Youden's J at and
around the threshold, the best threshold among equals, and the lift table's bands
(docs/testing.md)."""

from __future__ import annotations

import math

import pytest

from auditor.analysis.lead_scoring import (
    _midranks,
    at_threshold,
    auc_interval,
    best_threshold,
    delong_auc,
    evaluate,
    lift_table,
)

# three customers (0.9, 0.8, 0.4) and two others (0.5, 0.3)
SCORES = [0.9, 0.5, 0.8, 0.3, 0.4]
WON = [True, False, True, False, True]


def test_midranks_share_a_tie_block_mean_rank():
    assert list(_midranks([3.0, 1.0, 3.0, 2.0])) == [3.5, 1.0, 3.5, 2.0]
    assert list(_midranks([5.0, 5.0, 5.0])) == [2.0, 2.0, 2.0]
    assert list(_midranks([2.0, 1.0])) == [2.0, 1.0]


def test_auc_and_delong_standard_error_by_hand():
    auc, se = delong_auc(SCORES, WON)
    # pairs won: 0.9 and 0.8 beat both others, 0.4 beats 0.3 only: 5 of 6
    assert auc == pytest.approx(5 / 6)
    # components: customers [1, 1, 1/2], others [2/3, 1];
    # variance = (1/12) / 3 + (1/18) / 2 = 1/18
    assert se == pytest.approx(math.sqrt(1 / 18))
    tie_auc, _ = delong_auc([0.5, 0.5, 0.2, 0.7], [True, False, False, True])
    assert tie_auc == pytest.approx(0.875)  # (1 + 1/2 + 1 + 1) / 4: a tie counts one half


def test_the_interval_is_normal_and_clipped_to_zero_and_one():
    found = auc_interval(SCORES, WON)
    z = 1.959963984540054
    assert found == {
        "value": round(5 / 6, 6),
        "low": round(5 / 6 - z * math.sqrt(1 / 18), 6),
        "high": 1.0,
        "se": round(math.sqrt(1 / 18), 6),
        "level": 0.95,
        "method": "DeLong",
    }
    low = auc_interval([0.1, 0.9, 0.2, 0.8, 0.6], [True, False, True, False, False])
    assert low["value"] == 0.0
    assert low["low"] == 0.0
    narrow = auc_interval(SCORES, WON, level=0.5)
    assert narrow["level"] == 0.5
    assert narrow["high"] == round(5 / 6 + 0.6744897501960817 * math.sqrt(1 / 18), 6)


def test_a_threshold_counts_the_leads_at_or_above_it():
    at = at_threshold(SCORES, WON, 0.5)  # 0.9, 0.5, 0.8: two customers, one other
    assert at == {
        "value": 0.5,
        "leads_at_or_above": 3,
        "customers_at_or_above": 2,
        "precision": round(2 / 3, 6),
        "recall": round(2 / 3, 6),
        "false_positive_rate": 0.5,
        "youden_j": round(2 / 3 - 0.5, 6),
    }
    above_all = at_threshold(SCORES, WON, 0.95)
    assert above_all["precision"] is None
    assert above_all["leads_at_or_above"] == 0
    assert above_all["recall"] == 0.0
    only_customers = at_threshold([0.2, 0.4], [True, True], 0.3)
    assert only_customers["false_positive_rate"] is None
    assert only_customers["youden_j"] is None
    assert only_customers["recall"] == 0.5
    no_customers = at_threshold([0.2, 0.4], [False, False], 0.3)
    assert no_customers["recall"] is None
    assert no_customers["false_positive_rate"] == 0.5
    assert no_customers["youden_j"] is None


def test_the_best_threshold_has_the_highest_youden_j_and_the_highest_score_among_equals():
    # J at 0.9: 1/3; 0.8: 2/3; 0.5: 2/3 - 1/2; 0.4: 1 - 1/2; 0.3: 0
    assert best_threshold(SCORES, WON)["value"] == 0.8
    # J is 1/2 at 0.9 (half the customers, no other) and at 0.6: the higher score wins
    tied = best_threshold([0.9, 0.7, 0.6, 0.2], [True, False, True, False])
    assert (tied["value"], tied["youden_j"]) == (0.9, 0.5)
    equal = best_threshold([0.8, 0.6, 0.4, 0.2], [True, False, True, False])
    assert equal["value"] == 0.8  # J 1/2 at 0.8 and at 0.4: the highest score


def test_the_lift_table_bands_by_rank_with_ties_kept_together():
    scores = [float(s) for s in range(10, 0, -1)]  # 10 leads, one a band
    won = [True, True, False, True, False, False, False, False, False, False]
    rows = lift_table(scores, won)
    assert len(rows) == 10
    assert rows[0] == {
        "decile": 1,
        "score_min": 10.0,
        "score_max": 10.0,
        "mean_score": 10.0,
        "leads": 1,
        "customers": 1,
        "conversion_rate": 1.0,
        "lift": round(1 / 0.3, 6),
        "cumulative_leads_share": 0.1,
        "cumulative_customers_share": round(1 / 3, 6),
    }
    assert rows[3]["cumulative_customers_share"] == 1.0
    assert rows[9]["cumulative_leads_share"] == 1.0
    # a tie across the first two bands: the block starts in band 1 and stays there
    tied = lift_table([9.0, 9.0, 9.0, *range(7, 0, -1)], [True] * 3 + [False] * 7)
    assert [r["decile"] for r in tied] == [1, 4, 5, 6, 7, 8, 9, 10]
    assert tied[0]["leads"] == 3
    assert tied[0]["mean_score"] == 9.0
    nobody = lift_table([2.0, 1.0], [False, False])
    assert nobody[0]["lift"] is None
    assert nobody[0]["cumulative_customers_share"] is None


def test_evaluate_puts_the_numbers_together():
    found = evaluate(SCORES, WON, 0.5)
    assert (found["leads"], found["customers"], found["conversion_rate"]) == (5, 3, 0.6)
    assert found["auc"]["value"] == round(5 / 6, 6)
    assert found["best_threshold"]["value"] == 0.8
    assert found["mql_threshold"]["value"] == 0.5
    assert evaluate(SCORES, WON, None)["mql_threshold"] is None
