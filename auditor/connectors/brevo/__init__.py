"""`brevo`: monthly base metrics from Brevo's API v3: campaigns, contacts, workflows, deals.

The API lives at https://api.brevo.com/v3 and takes the account's key in the `api-key`
header.  Read:

- email campaigns: `GET /emailCampaigns?type=classic&status=sent&statistics=globalStats`
  with `startDate`/`endDate` (the window's edges with the zone's offset), 50 a page by
  `offset`; each campaign counts in the month of its `sentDate`.  The list's statistics
  "only [return] data for events occurred in the last 6 months", so only months that
  began within the last six are read; older ones have no email metrics (the provenance
  lists them; with a recorded history they come from earlier audits).
- new contacts: `GET /contacts?limit=1&createdSince=..`, whose `count` honours the date
  filter: the contacts created in a month are the count since its start less the count
  since the next month's start.

- active workflows: `GET /automation/workflows?status=active&limit=1`, its
  `total_workflows_count` (the automation API, in Brevo's reference since 30 November
  2026; a key it refuses leaves the metric not measured, saying so).

- CRM deals (`deals.py`): won and lost deals and the amount won, by the month of their
  close-date attribute, from the stages the options name (looked up in
  `GET /crm/pipeline/details/all`), after checking the attributes in
  `GET /crm/attributes/deals`.

Workflow sends and triggers and trigger campaigns are not read yet; each
metric they would give is not measured, with the reason.  Brevo limits `/emailCampaigns`
and `/account` to 100 requests an hour (General tier) and `/contacts` to 10 a second; a
429 has no `Retry-After` and is waited from `x-sib-ratelimit-reset`.

The package: `connector.py`, `api.py` (fields, definitions, reasons), `deals.py`,
`options.py`.
"""

from auditor.connectors.brevo.connector import BrevoConnector as BrevoConnector
from auditor.connectors.brevo.options import BrevoOptions as BrevoOptions
