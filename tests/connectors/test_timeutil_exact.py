"""Timestamps to audit months exactly (auditor/connectors/timeutil.py): a month boundary
at 23:59:59 and 00:00 local time, in UTC, Madrid and New York, across a daylight-saving
change; epoch seconds against milliseconds at the threshold; date-only values; naive
times; what is refused and the words of the refusal (docs/testing.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from auditor.connectors.timeutil import (
    month_bounds,
    month_of,
    months_between,
    parse_instant,
    period_bounds,
    to_epoch_ms,
    to_iso_z,
    zone,
)
from auditor.core.errors import SourceResponseError


@pytest.mark.parametrize(
    ("value", "tz", "month"),
    [
        ("2026-07-31T23:59:59Z", "UTC", "2026-07"),
        ("2026-08-01T00:00:00Z", "UTC", "2026-08"),
        # 23:59:59 and 00:00 on the last night of July, Madrid (UTC+2 in summer)
        ("2026-07-31T21:59:59Z", "Europe/Madrid", "2026-07"),
        ("2026-07-31T22:00:00Z", "Europe/Madrid", "2026-08"),
        # New York (UTC-4 in summer): 00:00 on 1 August is 04:00 UTC
        ("2026-08-01T03:59:59Z", "America/New_York", "2026-07"),
        ("2026-08-01T04:00:00Z", "America/New_York", "2026-08"),
        # winter time (UTC+1 in Madrid after the last Sunday of October)
        ("2026-11-30T22:59:59Z", "Europe/Madrid", "2026-11"),
        ("2026-11-30T23:00:00Z", "Europe/Madrid", "2026-12"),
        ("2026-07-31T23:30:00+02:00", "UTC", "2026-07"),  # the offset is honoured
        ("2026-12-31T23:59:59z", "UTC", "2026-12"),  # a lower-case z too
    ],
)
def test_a_month_boundary_in_the_accounts_zone(value, tz, month):
    assert month_of(value, tz) == month


def test_a_date_only_value_stays_in_its_month_in_any_zone():
    assert month_of("2026-08-01", "America/New_York") == "2026-08"
    assert month_of(date(2026, 8, 1), "Pacific/Kiritimati") == "2026-08"
    with pytest.raises(SourceResponseError):
        month_of("2026-02-30", "UTC")


def test_as_date_takes_the_utc_date_of_a_midnight_instant():
    assert month_of("2026-03-01T00:00:00Z", "America/New_York") == "2026-02"
    assert month_of("2026-03-01T00:00:00Z", "America/New_York", as_date=True) == "2026-03"


def test_naive_times_are_wall_time_in_the_zone_given():
    assert month_of("2026-07-31T23:30:00", "Europe/Madrid") == "2026-07"
    assert month_of("2026-07-31T23:30:00", "Europe/Madrid", naive_tz="UTC") == "2026-08"
    assert parse_instant("2026-07-31T23:30:00", "Europe/Madrid") == datetime(
        2026, 7, 31, 21, 30, tzinfo=UTC
    )
    naive = datetime(2026, 7, 31, 23, 30)
    assert parse_instant(naive, "Europe/Madrid").utcoffset() == timedelta(hours=2)
    aware = datetime(2026, 7, 31, 23, 30, tzinfo=UTC)
    assert parse_instant(aware, "Europe/Madrid") is aware
    assert parse_instant(date(2026, 7, 31), "Europe/Madrid") == datetime(
        2026, 7, 30, 22, 0, tzinfo=UTC
    )


def test_epoch_seconds_and_milliseconds_at_the_threshold():
    # 1e11 and above is milliseconds (1973 as ms; as seconds it would be the year 5138)
    assert parse_instant(99_999_999_999) == datetime.fromtimestamp(99_999_999_999, UTC)
    assert parse_instant(100_000_000_000) == datetime.fromtimestamp(100_000_000, UTC)
    assert parse_instant(-100_000_000_000) == datetime.fromtimestamp(-100_000_000, UTC)
    assert parse_instant("1785542400000") == datetime(2026, 8, 1, tzinfo=UTC)
    assert parse_instant("1785542400") == datetime(2026, 8, 1, tzinfo=UTC)
    assert parse_instant("1785542400.5") == datetime(2026, 8, 1, 0, 0, 0, 500000, tzinfo=UTC)
    assert parse_instant(1785542400, unit="ms") == datetime(
        1970, 1, 21, 15, 59, 2, 400000, tzinfo=UTC
    )
    assert month_of(1785542399999, "UTC") == "2026-07"
    assert month_of(1785542400000, "UTC") == "2026-08"


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (True, "unreadable timestamp True; expected "),
        (None, "unreadable timestamp None; expected "),
        ("  ", "unreadable timestamp '  '; expected "),
        ("31/07/2026", "unreadable timestamp '31/07/2026'; expected "),
        (1e300, "unreadable timestamp 1e+297 (out of range); expected "),
        ("x" * 70, "unreadable timestamp '" + "x" * 56 + "...; expected "),
        ("x" * 58, "unreadable timestamp '" + "x" * 58 + "'; expected "),  # 60 shown whole
        ("x" * 59, "unreadable timestamp '" + "x" * 56 + "...; expected "),  # 61 cut
    ],
)
def test_what_is_not_a_timestamp_is_refused_with_the_value_shown(value, said):
    with pytest.raises(SourceResponseError) as caught:
        parse_instant(value)
    assert said in str(caught.value)
    assert str(caught.value).endswith(
        "expected ISO 8601 (2026-07-31T23:30:00Z), epoch seconds or milliseconds, or YYYY-MM-DD"
    )


def test_month_and_period_bounds_are_half_open_utc_instants():
    assert month_bounds("2026-07", "UTC") == (
        datetime(2026, 7, 1, tzinfo=UTC),
        datetime(2026, 8, 1, tzinfo=UTC),
    )
    assert month_bounds("2026-12", "Europe/Madrid") == (
        datetime(2026, 11, 30, 23, tzinfo=UTC),
        datetime(2026, 12, 31, 23, tzinfo=UTC),
    )
    assert period_bounds(["2026-09", "2026-07", "2026-08"], "Europe/Madrid") == (
        datetime(2026, 6, 30, 22, tzinfo=UTC),
        datetime(2026, 9, 30, 22, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="at least one month") as caught:
        period_bounds([], "UTC")
    assert str(caught.value) == "period_bounds needs at least one month"
    # the defaults are UTC, and the instants are in UTC whatever the machine's zone
    assert month_bounds("2026-07") == month_bounds("2026-07", "UTC")
    assert period_bounds(["2026-07"]) == month_bounds("2026-07", "UTC")
    assert month_bounds("2026-07", "Europe/Madrid")[0].tzinfo is UTC
    assert month_bounds("2026-07", "Europe/Madrid")[1].tzinfo is UTC


def test_months_between_includes_both_ends():
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-02", "2026-02") == ["2026-02"]
    assert months_between("2026-03", "2026-02") == []


def test_epoch_ms_and_iso_z_need_aware_instants():
    assert to_epoch_ms(datetime(2026, 8, 1, tzinfo=UTC)) == 1785542400000
    assert to_epoch_ms(datetime(1970, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)) == 1
    assert to_iso_z(datetime(2026, 8, 1, 0, 30, 5, 999, tzinfo=zone("Europe/Madrid"))) == (
        "2026-07-31T22:30:05Z"
    )
    with pytest.raises(ValueError, match="aware") as epoch:
        to_epoch_ms(datetime(2026, 8, 1))
    assert str(epoch.value) == "to_epoch_ms needs an aware datetime"
    with pytest.raises(ValueError, match="aware") as iso:
        to_iso_z(datetime(2026, 8, 1))
    assert str(iso.value) == "to_iso_z needs an aware datetime"


def test_nothing_depends_on_the_machines_own_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        assert to_iso_z(datetime(2026, 8, 1, 5, 30, tzinfo=zone("Asia/Kolkata"))) == (
            "2026-08-01T00:00:00Z"
        )
        assert month_bounds("2026-08")[0].isoformat() == "2026-08-01T00:00:00+00:00"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_defaults_and_the_units_month_of_passes_on():
    assert parse_instant("2026-07-31T23:30:00") == datetime(2026, 7, 31, 23, 30, tzinfo=UTC)
    assert month_of("2026-07-31T23:30:00Z") == "2026-07"  # UTC by default
    # a datetime is converted to the zone, never read as its calendar date
    assert month_of(datetime(2026, 7, 31, 23, 30, tzinfo=UTC), "Europe/Madrid") == "2026-08"
    assert month_of(1785542400, "UTC", unit="ms") == "1970-01"
    assert month_of(1785542400000, "UTC", unit="ms") == "2026-08"
    with pytest.raises(SourceResponseError) as caught:
        month_of("2026-02-30", "UTC")
    assert "unreadable timestamp '2026-02-30'" in str(caught.value)


def test_zones_by_name():
    assert zone("utc") is UTC
    assert zone("UTC") is UTC
    assert zone("Europe/Madrid").utcoffset(datetime(2026, 1, 1)) == timedelta(hours=1)
    with pytest.raises(ValueError, match="unknown time zone") as caught:
        zone("Mars/Olympus")
    assert str(caught.value) == "unknown time zone 'Mars/Olympus' (e.g. Europe/Madrid, UTC)"
