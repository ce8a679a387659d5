"""The words every layer shares, declared once: the report languages.

(The categories live in the metric catalog, `metrics.catalog.CATEGORIES`; the statuses in
`models.STATUSES`.)"""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["es", "en"]
"""A report language: every user-facing text exists in each."""

LANGUAGES: tuple[str, ...] = get_args(Language)
