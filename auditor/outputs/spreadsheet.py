"""CSV cells a spreadsheet opens as text, never as a formula: one rule for every CSV we write.

`portfolio.csv` (`auditor batch`) and `auditor history export --format csv` both
carry client data (names, error messages, exit reasons) that a user opens in a
spreadsheet.  A text cell that could start a formula (`=`, `+`, `-`, `@` or tab
first, after any spaces or line feeds) is prefixed with `'`, as OWASP advises
against CSV injection; C0/C1 control characters (carriage return included) are
dropped and bidi controls shown as `[U+202E]`; numbers stay numbers.
"""

from __future__ import annotations

from typing import Any

from auditor.core import formatting

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    """Text without control characters (line feeds and tabs kept) and with bidi controls
    shown as [U+202E] (`formatting.visible`); '' for None."""
    return "" if value is None else formatting.visible(str(value), control="")


def csv_cell(value: Any) -> Any:
    """A CSV cell: numbers as they are, None empty, text that could start a formula
    (= + - @ or tab first, after any spaces or line feeds; CR is dropped as a control
    character) prefixed with a quote, as OWASP advises against CSV injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = safe_text(value)  # drops CR and other controls
    return "'" + text if text.lstrip(" \n").startswith(FORMULA_START) else text
