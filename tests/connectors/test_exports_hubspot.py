"""HubSpot's contacts and deals exports: each metric dated by its own column."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from auditor.connectors.file import DealStages
from tests.connectors.test_exports import FIXTURES, fetch, problems_of, variant


def test_contacts_export_counts_each_stage_in_the_month_of_its_own_date() -> None:
    data = fetch(FIXTURES, "hubspot-contacts.csv")
    assert data.provenance["format"] == "hubspot-contacts"
    assert data.monthly == {
        # contact 106: created in March, MQL at 00:00 on 1 April, so April's MQL
        "2026-03": {"leads_new": 1.0, "mqls": 0.0, "sqls": 0.0, "customers_new": 0.0},
        "2026-04": {"leads_new": 3.0, "mqls": 2.0, "sqls": 1.0, "customers_new": 0.0},
        # contact 101 was created in April and became a customer in May
        "2026-05": {"leads_new": 1.0, "mqls": 2.0, "sqls": 0.0, "customers_new": 1.0},
        "2026-06": {"leads_new": 1.0, "mqls": 0.0, "sqls": 1.0, "customers_new": 0.0},
    }
    assert data.provenance["export_sources"]["mqls"] == {
        "dated_by": "Became a Marketing Qualified Lead Date",
        "rows": "counted",
    }


def test_an_export_without_an_optional_stage_column_leaves_that_metric_unmeasured(
    tmp_path: Path,
) -> None:
    text = (FIXTURES / "hubspot-contacts.csv").read_text(encoding="utf-8")
    lines = [line.rsplit(",", 2) for line in text.splitlines()]
    # drop 'Became a Customer Date' (the second to last column) from every line
    kept = [f"{first},{last}" for first, _, last in lines]
    (tmp_path / "contacts.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    data = fetch(tmp_path, "contacts.csv")
    assert "customers_new" not in data.monthly["2026-05"]
    assert data.not_measured["customers_new"] == (
        "the export has no 'Became a Customer Date' column: add it to the export to measure it"
    )
    assert data.monthly["2026-04"]["mqls"] == 2.0


def test_a_renamed_identifying_column_is_refused_with_the_closest_layout(tmp_path: Path) -> None:
    name = variant(tmp_path, "hubspot-contacts.csv", "Create Date", "Created")
    (found,) = problems_of(tmp_path, name)
    assert found.line == 1
    assert "closest: hubspot-contacts" in found.message


def test_a_bad_stage_date_is_located_with_the_exports_column_name(tmp_path: Path) -> None:
    name = variant(tmp_path, "hubspot-contacts.csv", "2026-05-12 12:00", "12th May")
    (found,) = problems_of(tmp_path, name)
    assert (found.line, found.col) == (5, 8)
    assert found.message.startswith(
        "Became a Marketing Qualified Lead Date: '12th May' is not a date this export writes"
    )


def test_deals_export_counts_won_and_lost_by_close_date_in_the_company_currency() -> None:
    data = fetch(FIXTURES, "hubspot-deals.csv")
    assert data.provenance["format"] == "hubspot-deals"
    assert data.monthly == {
        "2026-04": {"deals_won": 2.0, "deals_lost": 1.0, "revenue_won": 920.5 + 5000.0},
        # 'Amount' 12,000 GBP is never read: the company-currency amount is
        "2026-05": {"deals_won": 1.0, "deals_lost": 0.0, "revenue_won": 13950.0},
        "2026-06": {"deals_won": 0.0, "deals_lost": 1.0, "revenue_won": 0.0},
    }
    assert data.provenance["export_sources"]["revenue_won"] == {
        "dated_by": "Close Date",
        "columns": ["Amount in company currency"],
        "where": "Deal Stage = Closed Won",
    }


def test_deals_export_without_the_company_currency_amount_leaves_revenue_unmeasured(
    tmp_path: Path,
) -> None:
    name = variant(tmp_path, "hubspot-deals.csv", "Amount in company currency", "Amount (EUR)")
    data = fetch(tmp_path, name)
    assert "revenue_won" not in data.monthly["2026-04"]
    assert data.not_measured["revenue_won"] == (
        "the export has no 'Amount in company currency' column: add it to the export to measure it"
    )


def test_a_percentage_where_an_amount_is_expected_is_located(tmp_path: Path) -> None:
    name = variant(tmp_path, "hubspot-deals.csv", ",920.50,", ",92%,")
    (found,) = problems_of(tmp_path, name)
    assert (found.line, found.col) == (2, 7)
    assert found.message == (
        "Amount in company currency: '92%' is a percentage where an amount is expected"
    )


PIPELINE = (
    "Record ID,Deal Name,Pipeline,Deal Stage,Amount,Currency,Amount in company currency,"
    "Create Date,Close Date,Original Source Type\n"
    "1,A,Renewals,Signed,100,EUR,100,2026-03-01,2026-04-02,Organic Search\n"
    "2,B,Renewals,Signed,200,EUR,200,2026-03-01,2026-04-09,Offline Sources\n"
    "3,C,Sales Pipeline,Closed Won,300,EUR,300,2026-03-01,2026-04-20,\n"
    "4,D,Sales Pipeline,Closed Won,400,EUR,400,2026-03-01,2026-04-21,Email Marketing\n"
    "5,E,Renewals,Churned,500,EUR,500,2026-03-01,2026-04-22,Direct Traffic\n"
)


def test_won_deals_with_a_marketing_original_source_are_counted(tmp_path: Path) -> None:
    (tmp_path / "deals.csv").write_text(PIPELINE, encoding="utf-8")
    data = fetch(tmp_path, "deals.csv")
    # default labels: only 'Closed Won' is won (C, D); D has a marketing source, C none
    assert data.monthly["2026-04"]["deals_won"] == 2.0
    assert data.monthly["2026-04"]["deals_won_with_source"] == 1.0
    assert data.monthly["2026-04"]["deals_lost"] == 0.0
    where = data.provenance["export_sources"]["deals_won_with_source"]["where"]
    assert where == (
        "Deal Stage = Closed Won and Original Source Type not = Offline Sources / (empty)"
    )


def test_a_pipelines_own_stage_labels_count_as_won_and_lost(tmp_path: Path) -> None:
    (tmp_path / "deals.csv").write_text(PIPELINE, encoding="utf-8")
    stages = DealStages(won=("Closed Won", "Signed"), lost=("Closed Lost", "Churned"))
    data = fetch(tmp_path, "deals.csv", deal_stages=stages)
    assert data.monthly["2026-04"]["deals_won"] == 4.0
    assert data.monthly["2026-04"]["deals_won_with_source"] == 2.0  # A and D
    assert data.monthly["2026-04"]["revenue_won"] == 1000.0
    assert data.monthly["2026-04"]["deals_lost"] == 1.0  # E


def test_deal_stages_on_another_export_is_refused(tmp_path: Path) -> None:
    stages = DealStages(won=("Won",), lost=("Lost",))
    [problem] = problems_of(FIXTURES, "hubspot-contacts.csv", deal_stages=stages)
    assert "deal_stages applies to a HubSpot deals export" in problem.message
    assert "HubSpot contacts export" in problem.message


def test_a_stage_both_won_and_lost_is_refused() -> None:
    with pytest.raises(ValidationError, match="both won and lost: signed"):
        DealStages(won=("Signed",), lost=("signed",))
