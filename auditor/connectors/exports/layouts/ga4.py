"""Google Analytics 4 report downloads (Share this report > Download file > CSV).

The file opens with '#' lines naming the report, the property and the dates, and may
hold several tables (the chart's series, then the report's table) separated by blank
or '#' lines: the file connector reads the first table whose header is a layout here
(docs/exports.md#google-analytics-4).  `Date` is written `20260407`, `Year month`
`202604`.

Sessions add up across days and channels; users do not (a visitor who comes back on
three days, or through two channels, is one user in the month but three or two rows).
So unique visitors are read only from a table of users by month without a channel
breakdown (`ga4-monthly-users`), never summed from the daily traffic table.
"""

from __future__ import annotations

from auditor.connectors.exports.model import Filter, Layout, Measure, Row, norm

CHANNEL = "Session default channel group"
CHANNEL_ALIASES = (
    # the label GA4 shows since the 2024 channel-group changes, and the older one
    "Session primary channel group (Default Channel Group)",
    "Session primary channel group",
    "Session default channel grouping",
)
TOTAL_ROWS = frozenset({"grand total", "total", "totals"})


def _total_row(row: Row) -> bool:
    """The 'Grand total' line an exploration writes above or below its rows."""
    return any(norm(text) in TOTAL_ROWS for text in row.values())


TRAFFIC_ACQUISITION = Layout(
    id="ga4-traffic-acquisition",
    platform="Google Analytics 4",
    title="GA4 traffic acquisition report",
    origin=(
        "GA4 Reports > Acquisition > Traffic acquisition with the secondary dimension 'Date' "
        "(or an exploration with Date and Session default channel group), downloaded as "
        "CSV; dimension and metric labels as in GA4's dimensions & metrics reference"
    ),
    signature=("Date", CHANNEL, "Sessions"),
    date_column="Date",
    aliases={CHANNEL: CHANNEL_ALIASES, "Date": ("Year month",)},
    skip_row=_total_row,
    comment_prefix="#",
    measures=(
        Measure("website_sessions", ("Sessions",)),
        Measure("email_sessions", ("Sessions",), where=Filter(CHANNEL, ("Email",))),
    ),
    not_given={
        "website_visitors": (
            "GA4 counts users once per row (per day and channel): their sum would count a "
            "returning visitor once per day and channel; add a GA4 'Total users' by 'Year "
            "month' download (layout ga4-monthly-users) to measure unique visitors"
        )
    },
)

MONTHLY_USERS = Layout(
    id="ga4-monthly-users",
    platform="Google Analytics 4",
    title="GA4 users by month",
    origin=(
        "GA4 exploration (or report) with the dimension 'Year month' and the metric 'Total "
        "users', no channel breakdown, downloaded as CSV"
    ),
    signature=("Year month", "Total users"),
    date_column="Year month",
    aliases={"Total users": ("Users",)},
    excludes=(CHANNEL, *CHANNEL_ALIASES, "Date"),
    skip_row=_total_row,
    comment_prefix="#",
    measures=(
        Measure("website_visitors", ("Total users",)),
        Measure("website_sessions", ("Sessions",), optional=True),
    ),
)

LAYOUTS = (TRAFFIC_ACQUISITION, MONTHLY_USERS)
