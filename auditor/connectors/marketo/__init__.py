"""`marketo`: monthly base metrics from Adobe Marketo Engage's REST API.

Marketo has no campaign-statistics endpoint: email metrics are activities.  Read:

- a token from the Identity endpoint (client credentials of a LaunchPoint custom
  service), renewed before it ends and on 601/602 (`session.py`);
- activity type ids by name (`GET /rest/v1/activities/types.json`);
- the month's Send Email, Email Delivered, Email Bounced (+ Soft), Unsubscribe Email,
  Open Email, Click Email and New Lead activities from one bulk export job per month
  (`export.py`): request counts do not grow with the volume of email;
- smart campaigns (`GET /rest/asset/v1/smartCampaigns.json`): active trigger campaigns,
  their smart lists' triggers for the behavioural ones, and trigger campaign ids to tell
  automated sends from batch sends;
- with `mql_date_field` / `sql_date_field`: the fields' ids (`GET /rest/v1/leads/
  describe.json`) and a second monthly export of their Change Data Value activities.

Opportunities (read-only, searchable only by their keys) and spam complaints (no
activity type) are not measured, with the reason.

The package: `connector.py`, `api.py` (endpoints, types, error codes, reasons),
`session.py` (token and Marketo's in-body errors), `export.py`, `options.py`.
"""

from auditor.connectors.marketo.connector import MarketoConnector as MarketoConnector
from auditor.connectors.marketo.options import MarketoOptions as MarketoOptions
