"""Klaviyo's campaigns export (Campaigns > "Export analytics", CSV): one row per campaign,
email and SMS together (docs/exports.md#klaviyo).

Counts are written as decimals (`121401.0`), rates with `%`, `Send Time` as
`2025-04-06 11:00:00` in the account's time zone.  SMS rows (`Campaign Channel` = SMS)
are not email sends and are skipped whole.
"""

from __future__ import annotations

from auditor.connectors.exports.model import Filter, Layout, Measure

CAMPAIGNS = Layout(
    id="klaviyo-campaigns",
    platform="Klaviyo",
    title="Klaviyo campaigns export",
    origin=(
        "Klaviyo Campaigns > Export analytics (CSV), one row per campaign; header row as "
        "written by Klaviyo's export and read by public parsers of it (e.g. "
        "'Campaign Name,Tags,Subject,List,Send Time,Send Weekday,Total Recipients,Unique "
        "Placed Order,...,Campaign ID,Campaign Channel')"
    ),
    signature=(
        "Campaign Name",
        "Send Time",
        "Total Recipients",
        "Successful Deliveries",
        "Unique Opens",
        "Unique Clicks",
        "Spam Complaints",
    ),
    date_column="Send Time",
    date_formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"),
    row_filter=Filter("Campaign Channel", ("Email",)),
    measures=(
        Measure("emails_sent", ("Total Recipients",)),
        Measure("emails_delivered", ("Successful Deliveries",)),
        Measure("campaigns_sent"),
        Measure("unique_opens", ("Unique Opens",)),
        Measure("unique_clicks", ("Unique Clicks",)),
        Measure("unsubscribes", ("Unsubscribes",)),
        Measure("bounces", ("Bounces",)),
        Measure("spam_complaints", ("Spam Complaints",)),
        Measure("conversions", ("Unique Placed Order",), optional=True),
        Measure("revenue_attributed", ("Revenue",), money=True, optional=True),
    ),
)

LAYOUTS = (CAMPAIGNS,)
