"""The words every layer shares, declared once: the categories, the report languages,
and how channel names are compared.

(The statuses live with the result's types, `models.STATUSES`.)"""

from __future__ import annotations

import re
from typing import Literal, get_args

Category = Literal["activity", "response", "efficiency", "value"]
"""The four questions an audit answers, in report order."""

CATEGORIES: tuple[str, ...] = get_args(Category)

Language = Literal["es", "en"]
"""A report language: every user-facing text exists in each."""

LANGUAGES: tuple[str, ...] = get_args(Language)


def channel_key(name: str) -> str:
    """How channel names match between data and config: 'Paid Search' == 'paid_search'."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())
