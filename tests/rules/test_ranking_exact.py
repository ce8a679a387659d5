"""The order findings are read in (worst first, the same in every output): every status
against every other, then impact, the lower score, the heavier rule, the rule id; what
a result dict may hold instead of numbers. Pins auditor/core/ranking.py exactly."""

from __future__ import annotations

from itertools import combinations

import pytest

from auditor.core.ranking import RANK_ORDER, finding_rank_key, rank_key

ORDER = ("fail", "warn", "error", "no_data", "not_applicable", "waived", "pass")


def test_the_status_order_is_the_documented_one():
    assert RANK_ORDER == ORDER


@pytest.mark.parametrize(("worse", "better"), list(combinations(ORDER, 2)))
def test_a_worse_status_comes_first_whatever_the_impact(worse, better):
    # the better status has the larger impact, the lower score and the heavier weight
    assert rank_key(worse, 0.0, 100.0, 0.0, "z") < rank_key(better, 9.0, 0.0, 9.0, "a")


def test_an_unknown_status_comes_after_every_known_one():
    assert rank_key("pass", 0.0, 100.0, 0.0, "z") < rank_key("weird", 9.0, 0.0, 9.0, "a")
    assert rank_key("weird", 0.0, None, 0.0, "x")[0] == len(ORDER)


def test_ties_break_on_impact_then_score_then_weight_then_id():
    keys = [
        ("fail", 4.0, 50.0, 2.0, "b"),  # larger impact first
        ("fail", 2.0, 10.0, 1.0, "b"),  # then the lower score
        ("fail", 2.0, 40.0, 3.0, "b"),  # then the heavier weight
        ("fail", 2.0, 40.0, 1.0, "a"),  # then the id
        ("fail", 2.0, 40.0, 1.0, "b"),
        ("fail", 2.0, None, 5.0, "a"),  # no score reads as above every score
    ]
    ranked = sorted(keys, key=lambda k: rank_key(*k))
    assert ranked == keys
    assert rank_key("fail", 2.0, None, 5.0, "a") == (0, -2.0, 101.0, -5.0, "a")
    assert rank_key("warn", 1.5, 80.0, 0.5, "r") == (1, -1.5, 80.0, -0.5, "r")


def test_a_result_dict_is_read_leniently():
    assert finding_rank_key(
        {"status": "warn", "impact": 2, "score": 55.5, "weight": 2, "rule": "x"}
    ) == (1, -2.0, 55.5, -2.0, "x")
    # missing or non-numeric values: status "error", impact and weight 0, no score
    assert finding_rank_key({}) == (2, 0.0, 101.0, 0.0, "")
    assert finding_rank_key(
        {"status": None, "impact": True, "score": "90", "weight": None, "rule": None}
    ) == (2, 0.0, 101.0, 0.0, "")
    assert finding_rank_key({"status": "fail", "score": False}) == (0, 0.0, 101.0, 0.0, "")
