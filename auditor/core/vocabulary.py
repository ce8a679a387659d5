"""The words every layer shares, declared once: the categories, the report languages,
the threshold comparators, and how channel names are compared.

(The statuses live with the result's types: `models.STATUSES`, `STATUS_ORDER`,
`ACTIONABLE`, `JUDGED`.)"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple, get_args

Category = Literal["activity", "response", "efficiency", "value"]
"""The four questions an audit answers, in report order."""

CATEGORIES: tuple[str, ...] = get_args(Category)

Language = Literal["es", "en"]
"""A report language: every user-facing text exists in each."""

LANGUAGES: tuple[str, ...] = get_args(Language)


class Comparator(NamedTuple):
    """How a threshold's comparator is written: in a rule's threshold text (ASCII) and in a
    report (symbols), and the opposite comparison (the condition that passes)."""

    ascii: str
    symbol: str
    negated_ascii: str
    negated_symbol: str


COMPARATORS: dict[str, Comparator] = {
    "above": Comparator(">", ">", "<=", "≤"),
    "below": Comparator("<", "<", ">=", "≥"),
    "at_least": Comparator(">=", "≥", "<", "<"),
    "at_most": Comparator("<=", "≤", ">", ">"),
}
"""The one table of the four comparators a threshold band uses (RULES.md "Thresholds")."""


def channel_key(name: str) -> str:
    """How channel names match between data and config: 'Paid Search' == 'paid_search'."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())
