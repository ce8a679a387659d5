"""`klaviyo`: monthly base metrics from Klaviyo's API (revision 2026-07-15).

The API lives at https://a.klaviyo.com/api and takes a private key in
`Authorization: Klaviyo-API-Key <key>` with a `revision` header on every request.
Its reporting endpoints (the numbers the app shows) allow 1 request a second, 2 a
minute and 225 a day each, so the connector asks for many statistics and many months
per call:

- campaigns: `POST /api/campaign-values-reports` grouped by campaign message, over at
  most 11 months a call, each campaign put in the month of its `send_time` (from
  `GET /api/campaigns`, email channel, updated since the window's start);
- flows: `POST /api/flow-series-reports`, monthly, grouped by flow message;
- flows switched on: `GET /api/flows` (status `live`, `trigger_type`), as of the fetch;
- new contacts: `POST /api/segment-series-reports`, monthly `members_added` of the
  segment named in `source.new_contacts_segment` (no data before June 2023);
- revenue attributed: the reports' `conversion_value` for the conversion metric looked up
  by name in `GET /api/metrics` (ids differ per account);
- store revenue (`revenue_total`): that metric's monthly `sum_value` from
  `POST /api/metric-aggregates`, in the audit's time zone.

Reports read months in the account's time zone (the offset sent is ignored), so the
months are the account's; the provenance says so when the audit's zone differs.
A quarterly audit (19 months) asks 2 campaign reports, 2 flow series and 2 segment
series (6 reporting calls, about 90 s of pacing), 2 metric aggregates, plus the account,
1-2 metric pages, one campaign page per 100 campaigns updated in the window and one flow
page per 50 flows: about 18 requests, whatever the number of profiles.

The package: `connector.py`, `api.py` (endpoints, statistics, definitions), `options.py`.
"""

from auditor.connectors.klaviyo.connector import KlaviyoConnector as KlaviyoConnector
from auditor.connectors.klaviyo.options import KlaviyoOptions as KlaviyoOptions
