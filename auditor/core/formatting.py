"""Numbers as a reader of the report's language expects them.

Babel (CLDR data) does the locale work with explicit patterns: Spanish writes
`1,1 %` and `1.234,5 €`, English `1.1%` and `€1,234.5`.  Rule messages, the terminal summary and the report all format
through these functions, so the same number reads the same everywhere.

`visible` is the one sanitiser for untrusted text (client and campaign names,
messages built from data, rule titles from packs) in every text output: a
bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069)
could reorder the report's own words around it on screen ("Trojan Source",
CVE-2021-42574), so each is written visibly as `[U+202E]`; other C0/C1 control
characters become a space (or what the caller asks).

Any finite float formats, up to the largest (about 1.8e308): a magnitude of
`SCIENTIFIC_FROM` (1e15) or more is written in scientific form (`€1.23E28`,
`1,23E28 €`).  No real budget reaches a quadrillion, but data files and APIs can
carry such values, and Babel's fixed-point patterns fail past 28 digits
(`decimal.InvalidOperation`), so the report must not depend on them there.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TypeGuard

from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    format_scientific,
    get_currency_symbol,
)

LOCALES = {"es": "es_ES", "en": "en_GB"}

# Displayed magnitudes from here on are written in scientific form (see the module docstring).
SCIENTIFIC_FROM = 1e15


# Bidirectional embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069).
BIDI_CONTROLS = "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


@cache
def _controls(keep: str) -> re.Pattern[str]:
    """C0 and C1 control characters and DEL, except those in `keep`."""
    chars = "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in keep)
    return re.compile(f"[{re.escape(chars)}]")


def visible(text: str, control: str = " ", keep: str = "\t\n") -> str:
    """Untrusted text that can neither reorder nor hide the text around it.

    Each bidi control becomes `[U+202E]` (shown, so a planted one is noticed);
    each other control character but those in `keep` becomes `control`.
    """
    text = _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
    return _controls(keep).sub(control, text)


def _locale(language: str) -> str:
    return LOCALES.get(language, "en_GB")


def _ok(value: float | None) -> TypeGuard[float]:
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def _huge(value: float, scale: int = 1) -> bool:
    return abs(value) * scale >= SCIENTIFIC_FROM  # inf when scaling the largest floats: still huge


def _scientific(value: float, language: str, scale: int = 1) -> str:
    # Decimal, so that scaling 1.8e308 by 100 for a percentage does not overflow to inf
    return format_scientific(Decimal(repr(value)) * scale, "0.##E0", locale=_locale(language))


def pct(value: float | None, language: str = "en", digits: int = 2) -> str:
    """A ratio as a percentage: 0.0112 -> '1.12%' / '1,12 %'."""
    if not _ok(value):
        return "—"
    if _huge(value, 100):
        return _scientific(value, language, 100) + ("\u00a0%" if language == "es" else "%")
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
    if _huge(value, 100):
        sign = "+" if value > 0 else ""
        return f"{sign}{_scientific(value, language, 100)}\u00a0pp"
    body = "#,##0." + "#" * digits
    pattern = body if value == 0 else f"+{body};-{body}"  # no "+0 pp"
    number = format_decimal(value * 100, pattern, locale=_locale(language))
    return f"{number}\u00a0pp"


def money(value: float | None, currency: str = "EUR", language: str = "en", digits: int = 0) -> str:
    """An amount in the client's currency: 1234.5 -> '€1,235' / '1235 €'."""
    if not _ok(value):
        return "—"
    if _huge(value):
        symbol = get_currency_symbol(currency, locale=_locale(language))
        body = _scientific(value, language)
        if language == "es":
            return f"{body}\u00a0{symbol}"
        return f"-{symbol}{body[1:]}" if body.startswith("-") else f"{symbol}{body}"
    pattern = "¤#,##0." + "0" * digits if digits else "¤#,##0"
    if language == "es":
        pattern = (pattern[1:] + "\u00a0¤") if digits else "#,##0\u00a0¤"
    return format_currency(
        value, currency, pattern, locale=_locale(language), currency_digits=False
    )


def day(value: date, language: str = "en") -> str:
    """A calendar date in a sentence: '14 Aug 2026' / '14 ago 2026'."""
    from babel.dates import format_date

    return str(format_date(value, "medium", locale=_locale(language)))


def number(value: float | None, language: str = "en", digits: int = 0) -> str:
    """A plain number: counts, months, multiples."""
    if not _ok(value):
        return "—"
    if _huge(value):
        return _scientific(value, language)
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
