"""`activecampaign`: monthly base metrics from ActiveCampaign's API v3.

The API lives at `<account_url>/api/3` (Settings > Developer shows the
account URL, e.g. https://youraccount.api-us1.com) and takes the user's key in
the `Api-Token` header.  Every number in its answers is a JSON string, deal
values are in cents, list pages are `limit` (at most 100) / `offset` with the
count in `meta.total`, and the account may make 5 requests per second.

What is read (docs/connectors/activecampaign.md has the full definitions):

- campaigns: `GET /campaigns?orders[sdate]=DESC`, newest send first; paging
  stops at the first page that reaches back past the window (the API has no
  date filter for campaigns), so the requests grow with the campaigns sent in
  the window, not with the account's history.  A campaign counts in the month
  of its send date `sdate` in the config's time zone.  Automation emails
  (`type` responder/reminder/special/activerss/recurring, or a non-zero
  `automation`/`seriesid`) are left out: their counters are lifetime totals,
  not figures of the month they first went out.
- automations: `GET /automations`, `status` "1" = active, at fetch time.
- new contacts: `GET /contacts?filters[created_after]=..&filters[created_before]=..&limit=1`,
  one request per month, reading only `meta.total`; the bounds are the months' midnights
  in the audit time zone written with their offset (a bare date would be read in the
  account's zone).
- deals: `GET /deals?filters[status]=1|2&filters[updated_after]=..&filters[updated_before]=..`;
  a deal has no won/lost date, so it is dated by `mdate` (its last change,
  normally the status change) and the month is taken from that.  A closed deal
  edited later moves to the month of the edit: the API reference lists
  `GET /api/3/dealActivities` ("View a recent activity for Deals") but documents
  no status-change record to date a win by, so this is declared as a definition
  difference and flagged in the report's appendix (docs/connectors/activecampaign.md).

Requests for a quarterly audit (19 months with history): 19 contact counts,
1 automations page per 100 automations, 1 campaigns page per 100 campaigns sent
since the window's start (plus the page crossing it), and 1 page per 100 won or
lost deals changed in the window (at least 2): about 25-30, whatever the
number of contacts.

The package: `connector.py`, `api.py` (fields, definitions, readers), `options.py`.
"""

from auditor.connectors.activecampaign.connector import (
    ActiveCampaignConnector as ActiveCampaignConnector,
)
from auditor.connectors.activecampaign.options import (
    ActiveCampaignOptions as ActiveCampaignOptions,
)
