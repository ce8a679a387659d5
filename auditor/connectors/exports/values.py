"""Cells of platform exports: counts, amounts and dates as the platforms write them.

Exports are not hand-made sheets: Mailchimp quotes thousands (`"1,840"`), writes
money with a sign (`$1,840.00`), puts `n/a` where nothing was tracked, and dates
like `Apr 07, 2026 09:30 am`; GA4 writes dates as `20260407`.  Each rule here
reads those forms and nothing looser: a percentage where a count is expected is
an error (rates are never read as counts), and so is a date in no known form.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from auditor.connectors.cells import CellError, parse_number
from auditor.core.errors import quote
from auditor.core.period import Month

MISSING = frozenset({"", "n/a", "na", "-", "—", "–", "none", "null"})
"""Cells that mean 'not tracked' (not measured), never 0."""

CURRENCY_MARKS = "€$£¥"

ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%S.%f%z",
)


def is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING


def count_value(text: str, column: str, decimal: str) -> float | None:
    """A count cell; None when the export says nothing was tracked."""
    if is_missing(text):
        return None
    body = text.strip()
    if body.endswith("%"):
        raise CellError(
            f"{column}: {quote(body)} is a percentage where a count is expected (rates are "
            "never read; the auditor recomputes them from counts)"
        )
    value = _number(body, column, decimal)
    if value < 0:
        raise CellError(f"{column}: {quote(body)} is negative; a count cannot be")
    if not value.is_integer():
        raise CellError(f"{column}: {quote(body)} is not a whole number (a count)")
    return value


def money_value(text: str, column: str, decimal: str) -> float | None:
    """An amount: a currency sign or code around it is allowed (`$1,840.00`, `1840 EUR`)."""
    if is_missing(text):
        return None
    body = text.strip()
    if body.endswith("%"):
        raise CellError(f"{column}: {quote(body)} is a percentage where an amount is expected")
    negative = body.startswith("-")
    body = body.lstrip("-").strip().strip(CURRENCY_MARKS).strip()
    parts = body.split()
    if len(parts) == 2 and parts[1].isalpha() and len(parts[1]) == 3:
        body = parts[0]  # "1840.00 EUR"
    elif len(parts) == 2 and parts[0].isalpha() and len(parts[0]) == 3:
        body = parts[1]  # "EUR 1840.00"
    value = _number(body.strip(CURRENCY_MARKS), column, decimal)
    if negative:
        value = -value
    return value


def _number(body: str, column: str, decimal: str) -> float:
    try:
        value = parse_number(body, decimal)
    except CellError as exc:
        raise CellError(f"{column}: {quote(body)} {exc}") from None
    if not math.isfinite(value):
        raise CellError(f"{column}: {quote(body)} is not a finite number")
    return value


def month_of_date(text: str, column: str, formats: tuple[str, ...]) -> Month:
    """The month of a date cell, read as the export wrote it (the account's local time:
    exports carry no zone, and the month a platform shows is the one the client sees)."""
    body = " ".join(text.split())
    if not body:
        raise CellError(f"{column}: the date is empty; every row needs one")
    for form in (*formats, *ISO_FORMATS):
        try:
            parsed = datetime.strptime(body, form)
        except ValueError:
            continue
        return _month(parsed.date())
    if body.isdigit() and len(body) in (6, 8):  # GA4 'Date' 20260407, 'Year month' 202604
        try:
            form = "%Y%m%d" if len(body) == 8 else "%Y%m"
            return _month(datetime.strptime(body, form).date())
        except ValueError:
            pass
    shown = ", ".join(_example(f) for f in formats[:3]) or "2026-04-07"
    raise CellError(f"{column}: {quote(body)} is not a date this export writes (e.g. {shown})")


def _month(day: date) -> Month:
    if not 1900 <= day.year <= 2999:
        raise CellError(f"{day.isoformat()} is outside the years 1900-2999")
    return f"{day.year:04d}-{day.month:02d}"


def _example(form: str) -> str:
    return datetime(2026, 4, 7, 9, 30).strftime(form).replace("AM", "am")
