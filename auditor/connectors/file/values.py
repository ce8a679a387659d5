"""One cell of the project's own wide or long layout: which column it is, and its value
(month, metric id, channel, campaign, number), refused with a located message."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from auditor.connectors import exports
from auditor.connectors.cells import CellError as _CellError
from auditor.connectors.cells import parse_number as _parse_number
from auditor.connectors.file.options import (
    _MONTH_RE,
    EXTENSIONS,
    LONG_COLUMNS,
    MAPPED,
    MONTH_FORMS,
    SAVE_AS_UTF8,
    SPREADSHEET_EXTENSIONS,
    WIDE_COLUMNS,
    FileOptions,
)
from auditor.connectors.filelimits import (
    MAX_CHANNEL_NAME_CHARS,
)
from auditor.core.errors import InputError, ProblemCollector, quote
from auditor.core.period import Month
from auditor.metrics.catalog import BASE_BY_ID, KPI_BY_ID


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


# --- reading the file ---------------------------------------------------------------------


def _file_type(opts: FileOptions, problems: ProblemCollector) -> str:
    if opts.format in exports.BY_ID or opts.format == MAPPED:
        return "csv"  # platform exports are CSV files
    if opts.format != "auto":
        return opts.format
    suffix = Path(opts.path).suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    accepted = ", ".join(EXTENSIONS)
    hint = "; export the sheet as 'CSV UTF-8'" if suffix in SPREADSHEET_EXTENSIONS else ""
    raise problems.stop(
        f"cannot tell the file type from the extension {quote(suffix)}; accepted extensions: "
        f"{accepted} (or set source.format: csv, json or yaml){hint}"
    )


def _bad_utf8(lines: Iterable[bytes]) -> tuple[int, int, int] | None:
    """(line, column, byte) of the first byte that is not UTF-8, for the error message."""
    for number, raw in enumerate(lines, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            col = len(raw[: exc.start].decode("utf-8").lstrip("\ufeff")) + 1
            return number, col, raw[exc.start]
    return None


def _utf8_error(lines: Iterable[bytes], problems: ProblemCollector) -> InputError:
    found = _bad_utf8(lines)
    if found is None:
        return problems.stop(f"not UTF-8 text; {SAVE_AS_UTF8}")
    line, col, byte = found
    return problems.stop(
        f"not UTF-8 text (byte 0x{byte:02X} on line {line}); {SAVE_AS_UTF8}", line, col
    )


def _norm(name: str) -> str:
    """Header names and keys: whitespace, case and a stray BOM do not matter."""
    return name.replace("\ufeff", "").strip().lower()


def _form_of(names: Iterable[str]) -> str:
    return "long" if {"metric", "value"} <= set(names) else "wide"


class _Columns:
    """Decides what each header name (or record key) means, reporting each bad name once."""

    def __init__(self, form: str, problems: ProblemCollector) -> None:
        self.form = form
        self.known = LONG_COLUMNS if form == "long" else WIDE_COLUMNS
        self.problems = problems
        self._seen: dict[str, str | None] = {}

    def classify(self, raw: str, line: int | None, col: int | None) -> str | None:
        """The canonical column name, or None for a bad one (reported at its first use)."""
        name = _norm(raw)
        if name not in self._seen:
            known = name if name in self.known else None
            if known is None:
                self.problems.add(self._unknown(raw.strip(), name), line, col)
            self._seen[name] = known
        return self._seen[name]

    def _unknown(self, shown: str, name: str) -> str:
        if name in KPI_BY_ID:
            return _kpi_message("column", shown, name)
        if self.form == "wide" and name in ("metric", "value"):
            return (
                f"column {quote(shown)} belongs to the long form, which needs both 'metric' and "
                "'value' columns (month, metric, value, optionally channel)"
            )
        what = "wide file columns are 'month', 'channel', 'campaign' and base metric ids"
        if self.form == "long":
            what = "long file columns are month, metric, value and optionally channel"
        return f"unknown column {quote(shown)}{_did_you_mean(name, self.known)}; {what}"


def _kpi_message(what: str, shown: str, name: str) -> str:
    return (
        f"{what} {quote(shown)} is a KPI computed by the auditor from base metrics "
        f"({KPI_BY_ID[name].formula}), not read from data; give its inputs instead"
    )


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- cell values --------------------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _metric_value(metric: str, raw: Any, decimal: str) -> float | None:
    """The cell as a float; None when empty (not measured, which is not 0)."""
    if _blank(raw):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _CellError(f"{metric}: {quote(raw)} is not a number")
    try:
        value = _parse_number(raw, decimal) if isinstance(raw, str) else float(raw)
    except _CellError as exc:
        raise _CellError(f"{metric}: {quote(raw)} {exc}") from None
    except OverflowError:
        value = math.inf
    _check_range(metric, value, raw)
    return value


def _check_range(metric: str, value: float, raw: Any) -> None:
    unit = BASE_BY_ID[metric].unit
    if math.isfinite(value) and value >= 0 and (unit != "count" or value.is_integer()):
        return
    shown = quote(raw)
    if not math.isfinite(value):
        raise _CellError(f"{metric}: {shown} is not a finite number")
    if value < 0:
        what = "counts" if unit == "count" else "amounts"
        raise _CellError(f"{metric}: {shown} is negative; negative {what} are not possible")
    if unit == "count" and not value.is_integer():
        raise _CellError(f"{metric}: {shown} is not a whole number ({metric} is a count)")


def _month_value(raw: Any) -> Month:
    """'YYYY-MM', or the month of a 'YYYY-MM-DD' date (YAML may hand us a date object)."""
    if isinstance(raw, date):
        return f"{raw.year:04d}-{raw.month:02d}"
    if _blank(raw):
        raise _CellError("month is empty; every row needs its month (YYYY-MM)")
    match = _MONTH_RE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match and _real_month(match):
        return f"{match.group(1)}-{match.group(2)}"
    raise _CellError(f"month: {quote(raw)} is not a month; {MONTH_FORMS}")


def _row_date(raw: Any, month: Month) -> str:
    """The month, or the day when the cell gives one: what tells a wide file's rows apart."""
    if isinstance(raw, date):
        return raw.strftime("%Y-%m-%d")
    match = _MONTH_RE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    return f"{month}-{match.group(3)}" if match and match.group(3) else month


def _real_month(match: re.Match[str]) -> bool:
    year, month, day = match.groups()
    try:
        date(int(year), int(month), int(day or 1))
    except ValueError:
        return False
    return True


def _metric_id(raw: Any) -> str:
    if _blank(raw):
        raise _CellError("metric is empty; every row of a long file needs its metric id")
    if not isinstance(raw, str):
        raise _CellError(f"metric: {quote(raw)} is not a metric id")
    name = _norm(raw)
    if name in BASE_BY_ID:
        return name
    if name in KPI_BY_ID:
        raise _CellError(_kpi_message("metric", raw.strip(), name))
    raise _CellError(
        f"unknown metric {quote(raw.strip())}{_did_you_mean(name, tuple(BASE_BY_ID))}; "
        "metrics are base metric ids such as emails_sent or leads_new"
    )


def _channel_value(raw: Any) -> str | None:
    if _blank(raw):
        return None
    if isinstance(raw, str):
        name = raw.strip()
        if len(name) > MAX_CHANNEL_NAME_CHARS:
            raise _CellError(
                f"channel name {quote(name, 40)} is {len(name):,} characters; the limit is "
                f"{MAX_CHANNEL_NAME_CHARS} (it labels a report row)"
            )
        return name
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise _CellError(f"channel: {quote(raw)} is not a channel name")


def _campaign_value(raw: Any) -> str | None:
    """Only tells a wide file's rows of one month apart; never stored or summed by."""
    if _blank(raw):
        return None
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise _CellError(f"campaign: {quote(raw)} is not a campaign name")


# --- adding records up --------------------------------------------------------------------
