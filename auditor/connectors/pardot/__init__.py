"""`pardot`: monthly base metrics from Salesforce Marketing Cloud Account Engagement
(Pardot) API v5.

A token from the org's My Domain (`POST /services/oauth2/token`, client credentials
of a connected app with the `pardot_api` scope), renewed on a 401; every call carries
`Authorization: Bearer` and `Pardot-Business-Unit-Id`, and names its `fields=`. Read:

- prospects created per month (`createdAt` filters, 1,000 a page by `nextPageUrl`);
- MQLs and SQLs: lifecycle histories moving into the stages named in the options
  (looked up in lifecycle-stages);
- opportunities won and lost by `closedAt` month, their value, and those with a
  campaign (closed loop);
- Engagement Studio programs running now;
- email metrics from visitor activities (Sent, Open, Click, Unsubscribe Page, Bounced,
  Spam Complaint), a month at a time by last update, each counted in the month it
  happened (`read_email_activities: false` leaves them to another source).

Website visits are not read yet (each metric says so).

The package: `connector.py`, `api.py` (objects, error codes, reasons), `options.py`.
"""

from auditor.connectors.pardot.connector import PardotConnector as PardotConnector
from auditor.connectors.pardot.options import PardotOptions as PardotOptions
