"""The words every layer shares, declared once: the report languages, and how channel
names are compared.

(The categories live in the metric catalog, `metrics.catalog.CATEGORIES`; the statuses in
`models.STATUSES`.)"""

from __future__ import annotations

import re
from typing import Literal, get_args

Language = Literal["es", "en"]
"""A report language: every user-facing text exists in each."""

LANGUAGES: tuple[str, ...] = get_args(Language)


def channel_key(name: str) -> str:
    """How channel names match between data and config: 'Paid Search' == 'paid_search'."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())
