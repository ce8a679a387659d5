"""`hubspot`: monthly base metrics from a HubSpot portal over its REST API (private-app token).

What comes from where (docs/connectors/hubspot.md has the full table):

- marketing email statistics, one `GET /marketing/v3/emails/statistics/list`
  per month with the month's bounds in the config's time zone (the histogram
  endpoint buckets months in the *account's* zone, so it is not used);
  bounces are `hardbounced + softbounced` (HubSpot documents `bounce` with
  the words it uses for `hardbounced`: hard bounces only);
- workflows from `GET /automation/v4/flows` (paged) and the enabled ones'
  enrollment triggers from `POST /automation/v4/flows/batch/read`: a stock,
  as of the latest fetched month; only flows enrolling contacts or companies
  (`objectTypeId` 0-1, 0-2) are marketing automation, deal, ticket and
  custom-object flows are listed apart in the provenance;
- lifecycle counts from CRM search TOTALS (`limit: 1`, read `total`): one
  request per month and stage, whatever the number of contacts;
- deals won (paged, to add up their amounts) and lost (a total) per month;
  revenue is `amount_in_home_currency`, in the portal's company currency
  (`GET /account-info/v3/details`: `companyCurrency`), stated in
  `SourceData.currency`; amounts in two currencies are never added;
- website sessions, visitors, sessions from email and form submissions from
  the analytics v2 sources report, one request per month.

A section the token may not read (HTTP 403: a missing scope or a product the
portal lacks) becomes "not measured" with the reason; a refused token (401)
stops the run.  A metric that is zero in every fetched month (no email ever
sent, no deal ever closed, a lifecycle date property never set) is left
undefined, not 0: that says the feature is unused or the property empty, not
that the period scored zero.  Months that have not started yet are not asked.

Opt-in (`leads: true`): the contacts created in the last 12 fetched months,
with their lead score and MQL / customer flags, for the lead-scoring analysis
(`SourceData.leads`); they are paged, so those requests grow with the CRM.

The package: `connector.py` (the connector), `run.py` (one fetch, made of the section
mixins `emails`, `workflows`, `crm`, `leads`, `traffic`, `provenance` over `state.RunState`),
`api.py` (endpoints and response readers), `options.py`, `limits.py`.
"""

from auditor.connectors.hubspot.connector import HubSpotConnector as HubSpotConnector
from auditor.connectors.hubspot.limits import hubspot_wait as hubspot_wait
from auditor.connectors.hubspot.options import HubSpotOptions as HubSpotOptions
from auditor.connectors.hubspot.workflows import classify_trigger as classify_trigger
