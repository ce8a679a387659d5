"""The order findings are read in, worst first, the same in every output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RANK_ORDER = ("fail", "warn", "error", "no_data", "not_applicable", "waived", "pass")
"""Worst first, in every output: status first (a failure always above a warning), then
impact (weight x severity), then the lower score, the heavier rule, the rule id."""


def rank_key(
    status: str, impact: float, score: float | None, weight: float, rule: str
) -> tuple[int, float, float, float, str]:
    position = RANK_ORDER.index(status) if status in RANK_ORDER else len(RANK_ORDER)
    return (position, -impact, score if score is not None else 101.0, -weight, rule)


def finding_rank_key(finding: Mapping[str, Any]) -> tuple[int, float, float, float, str]:
    """`rank_key` of a finding in a result dict (renderers rank what they show by it)."""

    def number(key: str) -> float | None:
        value = finding.get(key)
        return (
            float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )

    return rank_key(
        str(finding.get("status") or "error"),
        number("impact") or 0.0,
        number("score"),
        number("weight") or 0.0,
        str(finding.get("rule") or ""),
    )
