"""Numbers as spreadsheets and platform exports write them.

Shared by the file connector's own layout and the native export layouts, so a
cell such as `"1,840.00"` or `1.840,00` reads the same in both, with the same
message when it cannot be read.
"""

from __future__ import annotations

import re

PLAIN = {".": re.compile(r"\d+(?:\.\d+)?"), ",": re.compile(r"\d+(?:,\d+)?")}
GROUPED = {
    ".": re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
    ",": re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"),
}
OTHER_MARK = {".": re.compile(r"\d+,\d+"), ",": re.compile(r"\d+\.\d+")}


class CellError(Exception):
    """One bad cell; the message is shown to the user as is."""


def parse_number(text: str, decimal: str) -> float:
    """A number as spreadsheets write it, with `decimal` as the decimal mark."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    digits = body[1:].lstrip() if body[:1] in "+-" and body else body
    thousands = "," if decimal == "." else "."
    if PLAIN[decimal].fullmatch(digits) or GROUPED[decimal].fullmatch(digits):
        return sign * float(digits.replace(thousands, "").replace(decimal, "."))
    if OTHER_MARK[decimal].fullmatch(digits):
        raise CellError(other_mark_message(decimal))
    hint = ""
    if "%" in body:
        hint = " (remove the '%': percentages are KPIs the auditor computes)"
    elif any(mark in body for mark in "€$£¥"):
        hint = " (remove the currency sign)"
    raise CellError(f"is not a number{hint}")


def other_mark_message(decimal: str) -> str:
    if decimal == ",":
        return (
            "is ambiguous: the decimal mark here is ',' and '.' only separates thousands "
            "in groups of 3; if '.' is the decimal mark, set source.decimal: \".\""
        )
    return (
        "is not a number with '.' as the decimal mark (',' only separates thousands in "
        "groups of 3); if ',' is the decimal mark, set source.decimal: \",\""
    )
