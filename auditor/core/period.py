"""Audit periods: parsing the forms users write and the month arithmetic behind them.

Platform data is monthly, so every period is a whole number of calendar months;
`previous()` is the period of the same length immediately before, which is what
`change(metric)` and `lead_velocity_rate` compare against (DESIGN.md section 3).

Supported periods lie in the years `MIN_YEAR`..`MAX_YEAR` (1900..2999) and span
at most `MAX_PERIOD_MONTHS` (120 months, ten years).  Every period a run
derives goes back at most 8 periods plus 13 months (previous period, same
period last year, trend history) and forward one quarter (forecast), so with
these bounds the derived months stay within the years 1 to 9999 that `date`
and the YYYY-MM form can hold: the arithmetic never fails on a period the
parser accepted.  Outside them `parse_period` raises PeriodError, which every
caller reports as a located or `--period` error (exit 2).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

Month = str  # "YYYY-MM"

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})-?H([12])$", re.IGNORECASE)

MIN_YEAR = 1900
MAX_YEAR = 2999
MAX_PERIOD_MONTHS = 120

PERIOD_FORMS = "'2026-Q3', '2026-H2', '2026-07', '2026' or {start: 2026-07-01, end: 2026-09-30}"


class PeriodError(ValueError):
    """A period that cannot be parsed; the message says which forms are accepted."""


def month_of(year: int, month: int) -> Month:
    return f"{year:04d}-{month:02d}"


def parse_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(f"'{text}' is not a month in the form YYYY-MM")
    return int(match.group(1)), int(match.group(2))


def add_months(month: Month, delta: int) -> Month:
    year, mon = parse_month(month)
    index = year * 12 + (mon - 1) + delta
    return month_of(index // 12, index % 12 + 1)


@dataclass(frozen=True)
class Period:
    """A run of whole calendar months with the label users see in file names and reports."""

    label: str
    first: Month
    count: int

    @property
    def months(self) -> tuple[Month, ...]:
        return tuple(add_months(self.first, i) for i in range(self.count))

    @property
    def last(self) -> Month:
        return add_months(self.first, self.count - 1)

    @property
    def start(self) -> date:
        year, mon = parse_month(self.first)
        return date(year, mon, 1)

    @property
    def end(self) -> date:
        year, mon = parse_month(self.last)
        return date(year, mon, calendar.monthrange(year, mon)[1])

    def shifted(self, months: int) -> Period:
        """The period of the same shape `months` months away, labelled in the same style."""
        first = add_months(self.first, months)
        return Period(_label_for(first, self.count, self.label), first, self.count)

    def previous(self) -> Period:
        return self.shifted(-self.count)

    def same_period_last_year(self) -> Period:
        return self.shifted(-12)

    def to_json(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def _label_for(first: Month, count: int, like: str) -> str:
    year, mon = parse_month(first)
    if _QUARTER.match(like) and count == 3 and mon in (1, 4, 7, 10):
        return f"{year}-Q{(mon - 1) // 3 + 1}"
    if _HALF.match(like) and count == 6 and mon in (1, 7):
        return f"{year}-H{1 if mon == 1 else 2}"
    if _YEAR.match(like) and count == 12 and mon == 1:
        return str(year)
    if count == 1:
        return first
    return f"{first}_{add_months(first, count - 1)}"


def _as_date(value: object, what: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PeriodError(f"{what} must be a date in the form YYYY-MM-DD, got {value!r}")


def parse_period(value: object) -> Period:
    """Parse any accepted period form; raise PeriodError naming the accepted forms."""
    return _supported(_parse_period(value))


def _supported(period: Period) -> Period:
    year = int(period.first[:4])
    last_year = year + (int(period.first[5:7]) - 1 + period.count - 1) // 12
    if year < MIN_YEAR or last_year > MAX_YEAR:
        raise PeriodError(
            f"period {period.first} to {period.last} is outside the supported years "
            f"{MIN_YEAR} to {MAX_YEAR}"
        )
    if period.count > MAX_PERIOD_MONTHS:
        raise PeriodError(
            f"period {period.first} to {period.last} spans {period.count} months; the limit is "
            f"{MAX_PERIOD_MONTHS} months ({MAX_PERIOD_MONTHS // 12} years)"
        )
    return period


def _parse_period(value: object) -> Period:
    if isinstance(value, dict):
        unknown = set(value) - {"start", "end"}
        if unknown or not {"start", "end"} <= set(value):
            raise PeriodError(
                f"a period range needs exactly 'start' and 'end', e.g. {PERIOD_FORMS}"
            )
        start = _as_date(value["start"], "start")
        end = _as_date(value["end"], "end")
        if start.day != 1:
            raise PeriodError(
                f"start {start} must be the first day of a month (platform data is monthly)"
            )
        if end.day != calendar.monthrange(end.year, end.month)[1]:
            raise PeriodError(
                f"end {end} must be the last day of a month (platform data is monthly)"
            )
        if end < start:
            raise PeriodError(f"end {end} is before start {start}")
        count = (end.year - start.year) * 12 + end.month - start.month + 1
        first = month_of(start.year, start.month)
        return Period(_label_for(first, count, ""), first, count)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PeriodError(f"expected a period such as {PERIOD_FORMS}, got {value!r}")
    text = value.strip()
    if match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        return Period(f"{year}-Q{quarter}", month_of(year, 3 * quarter - 2), 3)
    if match := _HALF.match(text):
        year, half = int(match.group(1)), int(match.group(2))
        return Period(f"{year}-H{half}", month_of(year, 1 if half == 1 else 7), 6)
    if _MONTH.match(text):
        try:
            parse_month(text)
        except PeriodError:
            raise PeriodError(
                f"'{text}' has no month {text[5:]}; expected {PERIOD_FORMS}"
            ) from None
        return Period(text, text, 1)
    if match := _YEAR.match(text):
        return Period(text, month_of(int(text), 1), 12)
    raise PeriodError(f"'{text}' is not a period; expected {PERIOD_FORMS}")
