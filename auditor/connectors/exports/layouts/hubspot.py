"""HubSpot's contacts export (Contacts > Export, CSV): one row per contact, its columns the
property labels HubSpot shows (docs/exports.md#hubspot).

Each lifecycle metric is dated by its own column: a contact counts as an MQL in the month
of its "Became a Marketing Qualified Lead Date", whatever the month it was created; an
empty date means the contact never reached that stage.  The same labels as the HubSpot
API connector's default properties (`createdate`, `hs_lifecyclestage_*_date`).
"""

from __future__ import annotations

from auditor.connectors.exports.model import Filter, Layout, Measure

_DATES = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y %H:%M", "%m/%d/%Y")

CONTACTS = Layout(
    id="hubspot-contacts",
    platform="HubSpot",
    title="HubSpot contacts export",
    origin=(
        "HubSpot Contacts > Export (CSV); columns are property labels: 'Create Date' "
        "(createdate), 'Became a Marketing Qualified Lead Date' "
        "(hs_lifecyclestage_marketingqualifiedlead_date) and the other lifecycle dates"
    ),
    signature=("Record ID", "Create Date", "Became a Marketing Qualified Lead Date"),
    date_column="Create Date",
    date_formats=_DATES,
    measures=(
        Measure("leads_new"),
        Measure("mqls", date_column="Became a Marketing Qualified Lead Date"),
        Measure("sqls", date_column="Became a Sales Qualified Lead Date", optional=True),
        Measure("customers_new", date_column="Became a Customer Date", optional=True),
    ),
)

WON_STAGES = ("Closed Won",)
LOST_STAGES = ("Closed Lost",)
SOURCE = "Original Source Type"
"""The deal's `hs_analytics_source`, exported as its label ('Organic Search', 'Email
Marketing', 'Offline Sources'...), as the HubSpot API connector's `source_property`."""
NON_MARKETING_SOURCES = ("Offline Sources", "")
"""A won deal with one of these original sources (or none) is not closed-loop marketing:
the API connector's default `non_marketing_sources: [OFFLINE]`, by its export label."""


def deals_layout(won: tuple[str, ...] = WON_STAGES, lost: tuple[str, ...] = LOST_STAGES) -> Layout:
    """The deals export, counting the stages labelled `won` / `lost` as closed (a pipeline's
    own labels, `source.deal_stages` in the config)."""
    won_filter = Filter("Deal Stage", won)
    return Layout(
        id="hubspot-deals",
        platform="HubSpot",
        title="HubSpot deals export",
        origin=(
            "HubSpot Deals > Export (CSV); columns are property labels: 'Deal Stage' "
            "(dealstage, exported as the stage's label), 'Close Date' (closedate), 'Amount in "
            "company currency' (amount_in_home_currency), 'Original Source Type' "
            "(hs_analytics_source)"
        ),
        signature=("Record ID", "Deal Name", "Deal Stage", "Close Date"),
        date_column="Close Date",
        date_formats=_DATES,
        measures=(
            Measure("deals_won", where=won_filter),
            Measure("deals_lost", where=Filter("Deal Stage", lost)),
            # the company-currency amount: `Amount` is in each deal's own currency and two
            # currencies are never added
            Measure(
                "revenue_won",
                ("Amount in company currency",),
                where=won_filter,
                money=True,
                optional=True,
            ),
            Measure(
                "deals_won_with_source",
                where=won_filter,
                also=Filter(SOURCE, NON_MARKETING_SOURCES, exclude=True),
                optional=True,
            ),
        ),
    )


DEALS = deals_layout()

LAYOUTS = (CONTACTS, DEALS)
