"""Mailchimp's campaign reports export (Reports > Campaigns > "Export as CSV").

Header row and cell forms: docs/exports.md#mailchimp (one row per sent campaign;
`Send Date` like `Apr 07, 2026 09:30 am` in the account's time zone; counts
quoted with thousands separators; money as `$1,840.00`; `Open Rate` and
`Click Rate` are percentages, never read).
"""

from __future__ import annotations

from auditor.connectors.exports.model import Layout, Measure

CAMPAIGNS = Layout(
    id="mailchimp-campaigns",
    platform="Mailchimp",
    title="Mailchimp campaign reports export",
    origin=(
        "Mailchimp Reports > Campaigns > Export as CSV (one row per sent campaign); column "
        "meanings in Mailchimp's help 'About Email Campaign Reports'"
    ),
    signature=(
        "Title",
        "Send Date",
        "Total Recipients",
        "Successful Deliveries",
        "Unique Opens",
        "Unique Clicks",
        "Abuse Complaints",
    ),
    date_column="Send Date",
    date_formats=("%b %d, %Y %I:%M %p", "%b %d, %Y"),
    measures=(
        Measure("emails_sent", ("Total Recipients",)),
        Measure("emails_delivered", ("Successful Deliveries",)),
        Measure("campaigns_sent"),
        Measure("unique_opens", ("Unique Opens",)),
        Measure("unique_clicks", ("Unique Clicks",)),
        Measure("unsubscribes", ("Unsubscribes",)),
        Measure("bounces", ("Soft Bounces", "Hard Bounces")),
        Measure("spam_complaints", ("Abuse Complaints",)),
        Measure("conversions", ("Total Orders",)),
        Measure("revenue_attributed", ("Total Revenue",), money=True),
    ),
)

LAYOUTS = (CAMPAIGNS,)
