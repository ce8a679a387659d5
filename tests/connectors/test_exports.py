"""Native platform exports read by the file connector (issue 12): detection from the header
row, monthly sums from the real cell forms, and every malformed variant refused at its
line and column.  One fixture per layout in tests/fixtures/exports/, named after the
layout id, with invented numbers in the platform's real header row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from auditor.connectors import exports
from auditor.connectors.file import FileConnector, FileOptions
from auditor.core.errors import InputError, Problem
from auditor.core.models import SourceData
from tests.helpers import TESTS

FIXTURES = TESTS / "fixtures" / "exports"


def fetch(folder: Path, name: str, **options: Any) -> SourceData:
    return FileConnector(FileOptions(path=name, **options), folder).fetch([])


def problems_of(folder: Path, name: str, **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        fetch(folder, name, **options)
    return caught.value.problems


def variant(tmp_path: Path, fixture: str, old: str, new: str, count: int = 1) -> str:
    """The fixture with one edit (a renamed column, a bad cell), written to tmp_path."""
    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    (tmp_path / fixture).write_text(text.replace(old, new, count), encoding="utf-8")
    return fixture


def test_every_layout_has_a_fixture_and_a_unique_signature() -> None:
    for layout in exports.LAYOUTS:
        assert (FIXTURES / f"{layout.id}.csv").is_file(), layout.id
        header = (FIXTURES / f"{layout.id}.csv").read_text(encoding="utf-8")
        assert exports.matching(_header_of(header))[0] is layout
    ids = [layout.id for layout in exports.LAYOUTS]
    assert len(ids) == len(set(ids))


def _header_of(text: str) -> list[str]:
    import csv
    import io

    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return next(csv.reader(io.StringIO(lines[0])))


# ---------------------------------------------------------------- Mailchimp


def test_mailchimp_campaigns_export_is_detected_and_summed_by_month() -> None:
    data = fetch(FIXTURES, "mailchimp-campaigns.csv")
    assert data.provenance["format"] == "mailchimp-campaigns"
    assert data.monthly == {
        "2026-04": {
            "emails_sent": 3690.0,  # "1,840" + "1,850": quoted thousands
            "emails_delivered": 3652.0,
            "campaigns_sent": 2.0,  # one row per campaign
            "unique_opens": 1356.0,
            "unique_clicks": 215.0,  # Unique Clicks, never Total Clicks (330)
            "unsubscribes": 10.0,
            "bounces": 38.0,  # soft + hard
            "spam_complaints": 1.0,
            # Total Orders / Total Revenue are n/a for the sale: not measured this month
        },
        "2026-05": {
            "emails_sent": 1900.0,
            "emails_delivered": 1881.0,
            "campaigns_sent": 1.0,
            "unique_opens": 720.0,
            "unique_clicks": 101.0,
            "unsubscribes": 3.0,
            "bounces": 19.0,
            "spam_complaints": 2.0,
            "conversions": 2.0,
            "revenue_attributed": 200.0,  # Total Revenue, not Total Gross Sales (210)
        },
    }
    assert (
        "'Total Revenue' empty or n/a in some rows of 2026-04"
        in (data.not_measured["revenue_attributed"])
    )
    assert data.not_measured["mqls"] == "the Mailchimp campaign reports export has no such figure"
    assert data.provenance["metric_sources"]["bounces"] == "Soft Bounces + Hard Bounces"
    assert data.provenance["export_sources"]["campaigns_sent"] == {
        "dated_by": "Send Date",
        "rows": "counted",
    }


def test_mailchimp_explicit_format_works_without_detection(tmp_path: Path) -> None:
    name = variant(tmp_path, "mailchimp-campaigns.csv", "Title,Subject", "Campaign,Subject")
    # detection needs Title; naming the layout reads it anyway (Title is only identifying)
    data = fetch(tmp_path, name, format="mailchimp-campaigns")
    assert data.monthly["2026-05"]["emails_sent"] == 1900.0


def test_mailchimp_renamed_column_is_refused_with_the_closest_layout(tmp_path: Path) -> None:
    name = variant(tmp_path, "mailchimp-campaigns.csv", "Unique Opens", "Opens (unique)")
    (found,) = problems_of(tmp_path, name)
    assert (found.line, found.col) == (1, None)
    assert "no 'month' column" in found.message
    assert "closest: mailchimp-campaigns" in found.message
    assert "lacks 1 of its 7 identifying columns" in found.message
    # with the layout named, the message names the missing column
    (named,) = problems_of(tmp_path, name, format="mailchimp-campaigns")
    assert "lacks the column(s) 'Unique Opens'" in named.message


def test_mailchimp_bad_date_is_located(tmp_path: Path) -> None:
    name = variant(tmp_path, "mailchimp-campaigns.csv", "May 05, 2026 09:30 am", "05/13/2026")
    (found,) = problems_of(tmp_path, name)
    assert (found.line, found.col) == (4, 4)
    assert found.message.startswith("Send Date: '05/13/2026' is not a date this export writes")
    assert "Apr 07, 2026 09:30 am" in found.message


def test_mailchimp_percentage_where_a_count_is_expected(tmp_path: Path) -> None:
    name = variant(tmp_path, "mailchimp-campaigns.csv", ",701,", ",38.1%,")
    (found,) = problems_of(tmp_path, name)
    assert (found.line, found.col) == (2, 13)
    assert found.message == (
        "Unique Opens: '38.1%' is a percentage where a count is expected (rates are never "
        "read; the auditor recomputes them from counts)"
    )


def test_unknown_format_is_refused_with_the_known_layouts() -> None:
    with pytest.raises(ValidationError) as caught:
        FileOptions(path="x.csv", format="mailchimp-campaign")
    message = str(caught.value)
    assert "did you mean 'mailchimp-campaigns'?" in message
    assert "expected auto, csv, json, yaml, columns (with source.columns) or an export layout:" in (
        message
    )


def test_a_foreign_header_lists_the_known_layouts(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("Date,Visitors\n2026-04-01,5\n", encoding="utf-8")
    (found,) = problems_of(tmp_path, "x.csv")
    assert "known export layouts: " + exports.known_list() in found.message
