"""Klaviyo campaigns exports and GA4 report downloads read as exported (issue 12)."""

from __future__ import annotations

from pathlib import Path

from tests.connectors.test_exports import FIXTURES, fetch, problems_of, variant

# ---------------------------------------------------------------- Klaviyo


def test_klaviyo_campaigns_export_sums_email_campaigns_by_send_month() -> None:
    data = fetch(FIXTURES, "klaviyo-campaigns.csv")
    assert data.provenance["format"] == "klaviyo-campaigns"
    assert data.monthly["2026-04"] == {
        # two email campaigns; the SMS campaign (3,100 recipients) is not an email send
        "emails_sent": 20450.0,  # "12400.0" + "8050.0": Klaviyo writes counts as decimals
        "emails_delivered": 20329.0,
        "campaigns_sent": 2.0,
        "unique_opens": 10300.0,  # Unique Opens, never Total Opens (14,122)
        "unique_clicks": 662.0,  # Unique Clicks, never Total Clicks (848)
        "unsubscribes": 59.0,
        "bounces": 121.0,
        "spam_complaints": 4.0,
        "conversions": 43.0,  # Unique Placed Order
        "revenue_attributed": 3115.4,
    }
    assert data.monthly["2026-05"]["emails_sent"] == 12620.0
    assert data.provenance["export_sources"]["unique_clicks"]["columns"] == ["Unique Clicks"]


def test_klaviyo_export_without_a_channel_column_keeps_every_row(tmp_path: Path) -> None:
    text = (FIXTURES / "klaviyo-campaigns.csv").read_text(encoding="utf-8")
    lines = [line.rsplit(",", 1)[0] for line in text.splitlines() if "SMS" not in line]
    (tmp_path / "k.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert fetch(tmp_path, "k.csv").monthly["2026-04"]["campaigns_sent"] == 2.0


def test_klaviyo_renamed_column_is_refused_naming_it(tmp_path: Path) -> None:
    name = variant(tmp_path, "klaviyo-campaigns.csv", "Unsubscribes,", "Unsubscribed,")
    [problem] = problems_of(tmp_path, name, format="klaviyo-campaigns")
    assert problem.line == 1
    assert "'Unsubscribes'" in problem.message
    assert "renamed or removed" in problem.message


def test_klaviyo_bad_send_time_is_located(tmp_path: Path) -> None:
    name = variant(tmp_path, "klaviyo-campaigns.csv", "2026-05-06 09:30:00", "06/05/2026 9.30")
    [problem] = problems_of(tmp_path, name)
    assert (problem.line, problem.col) == (5, 5)
    assert "Send Time" in problem.message
    assert "not a date" in problem.message


def test_klaviyo_percentage_where_a_count_is_expected(tmp_path: Path) -> None:
    name = variant(tmp_path, "klaviyo-campaigns.csv", ",4410.0,", ",55.1%,")
    [problem] = problems_of(tmp_path, name)
    assert (problem.line, problem.col) == (4, 11)
    assert "Unique Opens" in problem.message
    assert "percentage where a count" in problem.message


# ---------------------------------------------------------------- GA4


def test_ga4_traffic_acquisition_sums_sessions_and_email_sessions_by_month() -> None:
    data = fetch(FIXTURES, "ga4-traffic-acquisition.csv")
    assert data.provenance["format"] == "ga4-traffic-acquisition"
    assert data.monthly == {
        "2026-04": {"website_sessions": 2293.0, "email_sessions": 251.0},
        # no Email row in May: no sessions from email inside the report's span
        "2026-05": {"website_sessions": 1872.0, "email_sessions": 0.0},
    }
    assert data.provenance["export_sources"]["email_sessions"]["where"] == (
        "Session default channel group = Email"
    )
    # users per day and channel are never summed into unique visitors
    assert "once per day and channel" in data.not_measured["website_visitors"]


def test_ga4_older_channel_label_and_a_chart_table_before_the_report(tmp_path: Path) -> None:
    text = (FIXTURES / "ga4-traffic-acquisition.csv").read_text(encoding="utf-8")
    text = text.replace("Session primary channel group (Default Channel Group),Date", "Date,x", 1)
    text = text.replace("Date,x", "Session default channel group,Date", 1)
    chart = "Nth day,Sessions\n0000,662\n0001,1530\n\n# ---\n"
    head, table = text.split("Session default channel group,Date", 1)
    (tmp_path / "ga.csv").write_text(
        head + chart + "Session default channel group,Date" + table, encoding="utf-8"
    )
    data = fetch(tmp_path, "ga.csv")
    assert data.monthly["2026-04"] == {"website_sessions": 2293.0, "email_sessions": 251.0}


def test_ga4_monthly_users_give_unique_visitors_and_skip_the_grand_total() -> None:
    data = fetch(FIXTURES, "ga4-monthly-users.csv")
    assert data.provenance["format"] == "ga4-monthly-users"
    assert data.monthly == {
        "2026-04": {"website_visitors": 1688.0, "website_sessions": 2293.0},
        "2026-05": {"website_visitors": 1472.0, "website_sessions": 1872.0},
    }


def test_ga4_users_by_month_and_channel_are_not_unique_visitors(tmp_path: Path) -> None:
    (tmp_path / "g.csv").write_text(
        "# GA4\nYear month,Session default channel group,Total users,Sessions\n"
        "202604,Email,120,251\n202604,Direct,900,1200\n",
        encoding="utf-8",
    )
    data = fetch(tmp_path, "g.csv")
    assert data.provenance["format"] == "ga4-traffic-acquisition"
    assert data.monthly["2026-04"] == {"website_sessions": 1451.0, "email_sessions": 251.0}
    assert "website_visitors" not in data.monthly["2026-04"]


def test_ga4_renamed_sessions_column_is_refused_with_the_closest_layout(tmp_path: Path) -> None:
    name = variant(tmp_path, "ga4-traffic-acquisition.csv", ",Sessions,", ",Visits,")
    [problem] = problems_of(tmp_path, name)
    assert problem.line == 10
    assert "closest: ga4-traffic-acquisition" in problem.message


def test_ga4_bad_date_is_located_below_the_comment_lines(tmp_path: Path) -> None:
    name = variant(tmp_path, "ga4-traffic-acquisition.csv", "Email,20260415", "Email,2026-15-04")
    [problem] = problems_of(tmp_path, name)
    assert (problem.line, problem.col) == (14, 2)
    assert "Date" in problem.message
    assert "not a date" in problem.message


def test_ga4_percentage_where_a_count_is_expected(tmp_path: Path) -> None:
    name = variant(tmp_path, "ga4-traffic-acquisition.csv", "120,150,111", "120,15%,111")
    [problem] = problems_of(tmp_path, name)
    assert (problem.line, problem.col) == (12, 4)
    assert "Sessions" in problem.message
    assert "percentage where a count" in problem.message
