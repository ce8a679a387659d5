"""Numbers as every output shows them: one `Formats` per language and currency, so the
report, the Markdown and the portfolio write the same figure the same way."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import get_currency_symbol

from auditor.core import formatting


# ---------------------------------------------------------------- formatting
def _unsign_zero(text: str) -> str:
    """'-0 pp' / '+0 %' read as a change that did not happen: print them unsigned."""
    if text[:1] in "+-" and not re.search(r"[1-9]", text):
        return text[1:]
    return text


def _num(value: Any) -> float | None:
    """A finite number from the result, else None (a missing value is never a 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class Formats:
    """Number and date formatting in the report's language and the client's currency."""

    def __init__(self, language: str, currency: str) -> None:
        self.language = language
        self.currency = currency
        self._locale = formatting.LOCALES.get(language, "en_GB")

    def metric(self, value: float | None, unit: str) -> str:
        """By unit; `points` (a change between two rates) in percentage points."""
        if unit == "points":
            return _unsign_zero(formatting.pp(value, self.language, 2))
        return formatting.metric(value, unit, self.language, self.currency)

    def pct(self, value: float | None, digits: int = 1) -> str:
        return formatting.pct(value, self.language, digits)

    def signed_pct(self, value: float | None, digits: int = 1) -> str:
        """A relative change with its sign: +16.6% / -9.1%."""
        if value is None:
            return "—"
        sign = "+" if value > 0 else "-" if value < 0 else ""
        return _unsign_zero(sign + formatting.pct(abs(value), self.language, digits))

    def score(self, value: float | None) -> str:
        return formatting.number(value, self.language, 1)

    def number(self, value: float | None, digits: int = 0) -> str:
        return formatting.number(value, self.language, digits)

    def money(self, value: float | None, digits: int = 0) -> str:
        return formatting.money(value, self.currency, self.language, digits)

    def currency_symbol(self) -> str:
        return str(get_currency_symbol(self.currency, locale=self._locale))

    def change(
        self, value: float | None, previous: float | None, change: float | None, unit: str
    ) -> str:
        """Rates change in percentage points, everything else relatively; '—' when unknown."""
        if unit == "ratio":
            if value is None or previous is None:
                return "—"
            return _unsign_zero(formatting.pp(value - previous, self.language, 1))
        return self.signed_pct(change)

    def tick(self, unit: str) -> Callable[[float, float], str]:
        """A y-axis tick formatter for `unit`, with as many decimals as the step needs."""

        def decimals(step: float) -> int:
            for digits in range(4):
                if abs(round(step, digits) - step) < 1e-9:
                    return digits
            return 4

        def format_tick(value: float, step: float) -> str:
            if unit == "ratio":
                return formatting.pct(value, self.language, decimals(step * 100))
            if unit == "money":
                return formatting.money(value, self.currency, self.language, 0)
            return formatting.number(value, self.language, decimals(step))

        return format_tick

    def long_date(self, iso: str | None) -> str:
        if not iso:
            return "—"
        try:
            day = date.fromisoformat(str(iso)[:10])
        except ValueError:
            return str(iso)
        return format_date(day, "long", locale=self._locale)

    def timestamp(self, iso: str | None) -> str:
        if not iso:
            return "—"
        try:
            moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
        except ValueError:
            return str(iso)
        text = format_datetime(moment, "medium", tzinfo=moment.tzinfo, locale=self._locale)
        return f"{text} UTC" if moment.utcoffset() is not None and not moment.utcoffset() else text
