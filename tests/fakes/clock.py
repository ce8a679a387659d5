"""Time as the fakes keep it: epoch milliseconds, calendar months in a zone, the
platforms' timestamp forms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAY_MS = 86_400_000
SECOND_MS = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEARCH_CAP = 10_000

# --- time ---------------------------------------------------------------------------------


def zone(name: str) -> Any:
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def to_ms(instant: datetime) -> int:
    return (instant - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def iso_z(ms: int) -> str:
    """HubSpot's form: 2024-01-03T10:15:00.000Z."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def iso_utc_offset(ms: int) -> str:
    """Mailchimp's form: 2015-10-21T15:41:36+00:00."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def iso_local(ms: int, tz: str) -> str:
    """ActiveCampaign's form, in the account's zone: 2018-08-17T13:47:31-05:00."""
    return from_ms(ms).astimezone(zone(tz)).isoformat(timespec="seconds")


def add_month(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_span(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = add_month(month, 1)
    return out


def month_bounds_ms(month: str, tz: str = "UTC") -> tuple[int, int]:
    """[start, end) of calendar month `month` in zone `tz`, as epoch milliseconds."""
    here = zone(tz)
    year, mon = int(month[:4]), int(month[5:7])
    nxt = add_month(month, 1)
    start = datetime(year, mon, 1, tzinfo=here)
    end = datetime(int(nxt[:4]), int(nxt[5:7]), 1, tzinfo=here)
    return to_ms(start), to_ms(end)


def month_of_ms(ms: int, tz: str = "UTC") -> str:
    local = from_ms(ms).astimezone(zone(tz))
    return f"{local.year:04d}-{local.month:02d}"


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^-?\d+$")


def parse_instant_ms(text: Any, naive_tz: str = "UTC") -> int | None:
    """Epoch ms of an ISO 8601 value, an epoch (s or ms) number, or a date (midnight in
    `naive_tz`); None when unreadable."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        value = int(text)
        return value if abs(value) >= 100_000_000_000 else value * 1000
    raw = str(text).strip()
    if not raw:
        return None
    if _DIGITS.match(raw):
        value = int(raw)
        return value if abs(value) >= 100_000_000_000 else value * 1000
    try:
        if _DATE_ONLY.match(raw):
            day = date.fromisoformat(raw)
            return to_ms(datetime(day.year, day.month, day.day, tzinfo=zone(naive_tz)))
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(naive_tz))
    return to_ms(parsed)


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)
