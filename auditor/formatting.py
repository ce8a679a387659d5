"""Numbers as a reader of the report's language expects them.

Babel (CLDR data) does the locale work with explicit patterns: Spanish writes
`1,1 %` and `1.234,5 €`, English `1.1%` and `€1,234.5`.  Rule messages, the terminal summary and the report all format
through these functions, so the same number reads the same everywhere.
"""

from __future__ import annotations

import math

from babel.numbers import format_currency, format_decimal, format_percent

LOCALES = {"es": "es_ES", "en": "en_GB"}


def _locale(language: str) -> str:
    return LOCALES.get(language, "en_GB")


def _ok(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def pct(value: float | None, language: str = "en", digits: int = 2) -> str:
    """A ratio as a percentage: 0.0112 -> '1.12%' / '1,12 %'."""
    if not _ok(value):
        return "—"
    if abs(value) < 0.5 * 10 ** -(digits + 2):
        value = 0.0  # no "-0%"
    pattern = "#,##0." + "#" * digits + "%" if digits else "#,##0%"
    if language == "es":
        pattern = pattern.replace("%", "\u00a0%")
    return format_percent(value, pattern, locale=_locale(language))


def pp(value: float | None, language: str = "en", digits: int = 2) -> str:
    """A difference of two ratios in percentage points: 0.003 -> '+0.3 pp'."""
    if not _ok(value):
        return "—"
    if abs(value) < 0.5 * 10 ** -(digits + 2):
        value = 0.0
    body = "#,##0." + "#" * digits
    pattern = body if value == 0 else f"+{body};-{body}"  # no "+0 pp"
    number = format_decimal(value * 100, pattern, locale=_locale(language))
    return f"{number}\u00a0pp"


def money(value: float | None, currency: str = "EUR", language: str = "en", digits: int = 0) -> str:
    """An amount in the client's currency: 1234.5 -> '€1,235' / '1235 €'."""
    if not _ok(value):
        return "—"
    pattern = "¤#,##0." + "0" * digits if digits else "¤#,##0"
    if language == "es":
        pattern = (pattern[1:] + "\u00a0¤") if digits else "#,##0\u00a0¤"
    return format_currency(
        value, currency, pattern, locale=_locale(language), currency_digits=False
    )


def number(value: float | None, language: str = "en", digits: int = 0) -> str:
    """A plain number: counts, months, multiples."""
    if not _ok(value):
        return "—"
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    return format_decimal(value, pattern, locale=_locale(language))


def signed_pct(value: float | None, language: str = "en", digits: int = 1) -> str:
    """A relative change: 0.25 -> '+25%', -0.1 -> '-10%'."""
    if not _ok(value):
        return "—"
    text = pct(value, language, digits)
    return text if text.startswith(("-", "0")) else f"+{text}"


def metric(value: float | None, unit: str, language: str = "en", currency: str = "EUR") -> str:
    """Format by unit: the catalog's (count, ratio, money, months, multiple) and, for
    findings of change rules, `points` (a difference of ratios) and `relative` (a change)."""
    if unit == "points":
        return pp(value, language)
    if unit == "relative":
        return signed_pct(value, language)
    if unit == "ratio":
        return pct(value, language)
    if unit == "money":
        return money(value, currency, language, digits=2 if _ok(value) and abs(value) < 100 else 0)
    if unit == "months":
        return number(value, language, 1)
    if unit == "multiple":
        return number(value, language, 2) + ("\u00a0x" if _ok(value) else "")
    return number(value, language, 0 if _ok(value) and float(value).is_integer() else 2)
