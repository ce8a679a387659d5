"""`mailchimp`: campaign reports and classic automations from the Mailchimp Marketing API v3.

What it reads (docs/connectors/mailchimp.md has the full mapping and why):

    GET /                      account name and creation date (`member_since`)
    GET /lists/{list_id}       the audience, when `source.list_id` narrows the audit
    GET /reports               one-off campaigns sent in the window: counters per campaign
    GET /automations           classic automations: status and trigger type
    GET /ecommerce/stores      whether a store is connected (revenue and orders need one)

Each campaign report counts once, in the month of its `send_time` in the
config's time zone; its counters (opens, clicks, unsubscribes, revenue...)
are Mailchimp's totals for that campaign at fetch time ("sent in the month").
Automation emails are NOT counted: Mailchimp gives only lifetime totals per
automation email, which are not figures of any month.  The key is sent with
HTTP Basic authentication (any user name, the key as password) to
`https://<dc>.api.mailchimp.com/3.0`, the data centre `<dc>` being the key's
suffix after its last '-', unless `source.base_url` says where the API is.

The package: `connector.py` (check, fetch), `reports.py` and `audience.py` (the sections),
`base.py` (the connection), `api.py` (fields, definitions, readers), `options.py`.
"""

from auditor.connectors.mailchimp.connector import MailchimpConnector as MailchimpConnector
from auditor.connectors.mailchimp.options import MailchimpOptions as MailchimpOptions
