"""Platform timestamps to audit months, and audit months to API date filters.

An audit month is a calendar month in the config's `timezone` (default UTC):
an email sent at 23:30 UTC on 31 January belongs to February in Madrid.  So
every connector turns timestamps into months with `month_of(value, tz)`, and
asks the platform for a month or a period with the UTC instants that bound it,
half-open `[start, end)` (`month_bounds`, `period_bounds`); for an API whose
filter includes both ends, pass `end - 1 ms` (`to_epoch_ms(end) - 1`).

Accepted timestamps: ISO 8601 with `Z` or an offset; epoch seconds or
milliseconds (numbers or digit strings); date-only `YYYY-MM-DD` (a calendar
date: its own month, whatever the zone); and naive ISO date-times, read as wall
time in `naive_tz` (default: the audit's zone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from auditor.core.errors import SourceResponseError
from auditor.core.period import Month, add_months, parse_month

Timestamp = str | int | float | datetime | date

# Epoch values at or above this are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
_MS_THRESHOLD = 100_000_000_000
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^-?\d+(\.\d+)?$")
FORMS = "ISO 8601 (2026-07-31T23:30:00Z), epoch seconds or milliseconds, or YYYY-MM-DD"


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The zone called `name` ('UTC', 'Europe/Madrid'); unknown names raise ValueError."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{name}' (e.g. Europe/Madrid, UTC)") from None


def _bad(value: object, why: str = "") -> SourceResponseError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return SourceResponseError(f"unreadable timestamp {shown}{why}; expected {FORMS}")


def _epoch(number: float, unit: str) -> datetime:
    if unit == "ms" or (unit == "auto" and abs(number) >= _MS_THRESHOLD):
        number = number / 1000
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        raise _bad(number, " (out of range)") from None


def parse_instant(value: Timestamp | None, naive_tz: str = "UTC", unit: str = "auto") -> datetime:
    """An aware datetime for a platform timestamp (not for date-only values: see `month_of`).

    `unit` is 'auto', 's' or 'ms' for epoch numbers; naive date-times are wall
    time in `naive_tz`.  Anything else raises `SourceResponseError` (exit 3).
    """
    if isinstance(value, bool):
        raise _bad(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone(naive_tz))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone(naive_tz))
    if isinstance(value, int | float):
        return _epoch(value, unit)
    if not isinstance(value, str) or not value.strip():
        raise _bad(value)
    text = value.strip()
    if _DIGITS.match(text):
        return _epoch(float(text), unit)
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
    except ValueError:
        raise _bad(value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone(naive_tz))


def month_of(
    value: Timestamp,
    tz: str = "UTC",
    *,
    naive_tz: str | None = None,
    unit: str = "auto",
    as_date: bool = False,
) -> Month:
    """The audit month ('YYYY-MM') of a platform timestamp, in time zone `tz`.

    A date-only string or `date` is a calendar date and stays in its month.
    `as_date=True` is for date properties a platform stores as midnight-UTC
    instants (HubSpot `closedate`): the UTC date is taken, so 1 March 00:00Z
    stays in March even for a client in New York.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise _bad(value) from None
        return f"{day.year:04d}-{day.month:02d}"
    instant = parse_instant(value, naive_tz or tz, unit)
    local = instant.astimezone(UTC if as_date else zone(tz))
    return f"{local.year:04d}-{local.month:02d}"


def month_bounds(month: Month, tz: str = "UTC") -> tuple[datetime, datetime]:
    """The UTC instants `[start, end)` of calendar month `month` in zone `tz`."""
    year, mon = parse_month(month)
    nxt_year, nxt_mon = parse_month(add_months(month, 1))
    here = zone(tz)
    start = datetime(year, mon, 1, tzinfo=here).astimezone(UTC)
    end = datetime(nxt_year, nxt_mon, 1, tzinfo=here).astimezone(UTC)
    return start, end


def period_bounds(months: Iterable[Month], tz: str = "UTC") -> tuple[datetime, datetime]:
    """The UTC instants `[start, end)` from the first to the end of the last of `months`."""
    ordered = sorted(months)
    if not ordered:
        raise ValueError("period_bounds needs at least one month")
    return month_bounds(ordered[0], tz)[0], month_bounds(ordered[-1], tz)[1]


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included."""
    out = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def to_epoch_ms(instant: datetime) -> int:
    """Milliseconds since the epoch (HubSpot search filters, many 'since' params)."""
    if instant.tzinfo is None:
        raise ValueError("to_epoch_ms needs an aware datetime")
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def to_iso_z(instant: datetime) -> str:
    """'2026-06-30T22:00:00Z': an aware instant as ISO 8601 in UTC, to the second."""
    if instant.tzinfo is None:
        raise ValueError("to_iso_z needs an aware datetime")
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
