"""What Klaviyo's API gives (revision 2026-07-15): the endpoints and statistics read, each
metric's definition there, what it cannot measure (in both languages), and its rate-limit
signals.  Every fact is from the OpenAPI files of github.com/klaviyo/openapi
(openapi/stable/apis/*.json) unless said otherwise; docs/connectors/klaviyo.md quotes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from auditor.connectors.http import json_count, unexpected_body
from auditor.core import reasons
from auditor.core.errors import SourceResponseError
from auditor.core.period import Month

PLATFORM = "Klaviyo"
DEFAULT_BASE_URL = "https://a.klaviyo.com"

ACCOUNTS = "/api/accounts"
METRICS = "/api/metrics"
CAMPAIGNS = "/api/campaigns"
FLOWS = "/api/flows"
CAMPAIGN_VALUES = "/api/campaign-values-reports"
FLOW_SERIES = "/api/flow-series-reports"
SEGMENT_SERIES = "/api/segment-series-reports"
METRIC_AGGREGATES = "/api/metric-aggregates"
REPORT_PATHS = (CAMPAIGN_VALUES, FLOW_SERIES, SEGMENT_SERIES)
REPORT_LIMIT = (2 / 60, 1)
"""Each reporting endpoint's own token bucket: 1/s burst, 2/m steady, 225/day
(`x-klaviyo-ratelimit` of query_campaign_values, query_flow_series, query_segment_series)."""

REPORT_MONTHS = 11
"""Months per report request: a monthly series may span at most 52 weeks (364 days), and
any 11 calendar months do (at most 337 days); values reports take at most a year."""
SEGMENT_DATA_FROM: Month = "2023-06"
"""Segment reports: "Data is unavailable before June 1st, 2023" (query_segment_series)."""
CAMPAIGN_PAGE = 100  # get_campaigns: page[size] max 100
FLOW_PAGE = 50  # get_flows: page[size] max 50

STATISTICS = (
    "recipients",
    "delivered",
    "opens_unique",
    "clicks_unique",
    "unsubscribe_uniques",
    "bounced",
    "spam_complaints",
    "conversion_value",
)
"""Asked of every campaign and flow report: counts only (rates are recomputed from counts).
`opens_unique`, `clicks_unique` and `unsubscribe_uniques` count profiles, not events
(`opens`, `clicks`, `unsubscribes` count every event)."""

EMAIL_FROM_STATISTIC: Mapping[str, str] = {
    "emails_sent": "recipients",
    "emails_delivered": "delivered",
    "unique_opens": "opens_unique",
    "unique_clicks": "clicks_unique",
    "unsubscribes": "unsubscribe_uniques",
    "bounces": "bounced",
    "spam_complaints": "spam_complaints",
}
EMAIL_METRICS = (*EMAIL_FROM_STATISTIC, "campaigns_sent", "emails_automated")
WORKFLOW_METRICS = ("workflows_active", "workflows_behavioral")
MEASURED = (
    *EMAIL_METRICS,
    *WORKFLOW_METRICS,
    "leads_new",
    "revenue_attributed",
    "revenue_total",
)

LIVE = "live"  # a flow's status: draft, manual or live
BEHAVIOURAL_TRIGGERS = frozenset({"Metric", "Price Drop", "Low Inventory"})
"""Flow `trigger_type` values started by what a profile does (an event such as Placed Order
or Viewed Product, a price drop or low stock of a product it viewed); 'Added to List',
'Date Based' and 'Unconfigured' are not behaviour."""

_NO_LIFECYCLE = (
    "Klaviyo has no lead lifecycle, sales stages or deals: profiles are not marketing- or "
    "sales-qualified there, and orders are events, not won deals"
)
_NO_LIFECYCLE_ES = (
    "Klaviyo no tiene ciclo de vida de leads, etapas de venta ni negocios: allí los perfiles "
    "no se califican para marketing ni ventas, y los pedidos son eventos, no negocios ganados"
)
_NO_BILLING = "Klaviyo has no subscription billing data (MRR, paying accounts, churn)"
_NO_BILLING_ES = "Klaviyo no tiene datos de facturación de suscripciones (MRR, cuentas, bajas)"
_NO_TRAFFIC = (
    "Klaviyo's API reports no website sessions or visitors: its 'Active on Site' events are "
    "per profile, for known visitors only"
)
_NO_TRAFFIC_ES = (
    "La API de Klaviyo no informa de sesiones ni visitantes del sitio web: sus eventos "
    "'Active on Site' son por perfil y solo de visitantes conocidos"
)

NOT_MEASURED: Mapping[str, str] = {
    "unique_opens_human": (
        "Klaviyo's reports count opens (opens, opens_unique) with no statistic that leaves "
        "out machine or privacy-proxy opens"
    ),
    "contacts_lost": (
        "Klaviyo's reports count unsubscribes per message; profiles suppressed or deleted in "
        "a month are not reported as a count"
    ),
    "email_sessions": _NO_TRAFFIC,
    "website_sessions": _NO_TRAFFIC,
    "website_visitors": _NO_TRAFFIC,
    "conversions": (
        "not read from Klaviyo: its 'conversions' statistic counts the conversion metric's "
        "events attributed to emails, not the site's form submissions or conversions; its "
        "sign-up form reports are not read by this connector"
    ),
    "mqls": _NO_LIFECYCLE,
    "sqls": _NO_LIFECYCLE,
    "customers_new": (
        "Klaviyo has no customer lifecycle stage: profiles who ordered in a month include "
        "returning customers, so new customers cannot be told"
    ),
    "deals_won": _NO_LIFECYCLE,
    "deals_lost": _NO_LIFECYCLE,
    "deals_won_with_source": _NO_LIFECYCLE,
    "revenue_won": _NO_LIFECYCLE,
    "mrr": _NO_BILLING,
    "mrr_churned": _NO_BILLING,
    "accounts_active": _NO_BILLING,
    "accounts_churned": _NO_BILLING,
}
NOT_MEASURED_ES: Mapping[str, str] = {
    "unique_opens_human": (
        "Los informes de Klaviyo cuentan aperturas (opens, opens_unique) sin ninguna "
        "estadística que excluya las aperturas de máquinas o de proxies de privacidad"
    ),
    "contacts_lost": (
        "Los informes de Klaviyo cuentan las bajas por mensaje; los perfiles suprimidos o "
        "borrados en un mes no se informan como recuento"
    ),
    "email_sessions": _NO_TRAFFIC_ES,
    "website_sessions": _NO_TRAFFIC_ES,
    "website_visitors": _NO_TRAFFIC_ES,
    "conversions": (
        "no se lee de Klaviyo: su estadística 'conversions' cuenta los eventos de la métrica "
        "de conversión atribuidos a los emails, no los formularios ni conversiones del "
        "sitio; este conector no lee sus informes de formularios de alta"
    ),
    "mqls": _NO_LIFECYCLE_ES,
    "sqls": _NO_LIFECYCLE_ES,
    "customers_new": (
        "Klaviyo no tiene etapa de cliente en el ciclo de vida: los perfiles que compraron "
        "en un mes incluyen clientes recurrentes, así que los clientes nuevos no se distinguen"
    ),
    "deals_won": _NO_LIFECYCLE_ES,
    "deals_lost": _NO_LIFECYCLE_ES,
    "deals_won_with_source": _NO_LIFECYCLE_ES,
    "revenue_won": _NO_LIFECYCLE_ES,
    "mrr": _NO_BILLING_ES,
    "mrr_churned": _NO_BILLING_ES,
    "accounts_active": _NO_BILLING_ES,
    "accounts_churned": _NO_BILLING_ES,
}
NO_SEGMENT = (
    "Klaviyo has no lead date; set source.new_contacts_segment to a segment every "
    "subscribed profile joins, and its monthly growth is read as new contacts"
)
NO_SEGMENT_ES = (
    "Klaviyo no tiene fecha de lead; indique en source.new_contacts_segment un segmento al "
    "que se una todo perfil suscrito, y su crecimiento mensual se lee como contactos nuevos"
)
reasons.register(NOT_MEASURED, NOT_MEASURED_ES, "es")
reasons.register({"leads_new": NO_SEGMENT}, {"leads_new": NO_SEGMENT_ES}, "es")

METRIC_SOURCES: Mapping[str, str] = {
    **{
        metric: (
            f"POST {CAMPAIGN_VALUES} (campaigns, by send month) + POST {FLOW_SERIES} "
            f"(flows, monthly): {statistic}, email channel"
        )
        for metric, statistic in EMAIL_FROM_STATISTIC.items()
    },
    "campaigns_sent": (
        f"POST {CAMPAIGN_VALUES} + POST {FLOW_SERIES}: distinct campaign and flow email "
        "messages with recipients in the month"
    ),
    "emails_automated": f"POST {FLOW_SERIES} monthly: recipients of flow emails",
    "workflows_active": f"GET {FLOWS}: flows with status 'live', not archived, latest month",
    "workflows_behavioral": (
        f"GET {FLOWS}: live flows whose trigger_type is Metric, Price Drop or Low Inventory"
    ),
    "leads_new": f"POST {SEGMENT_SERIES} monthly: members_added of source.new_contacts_segment",
    "revenue_total": (
        f"POST {METRIC_AGGREGATES}: sum_value of the conversion metric by month, in the "
        "audit's time zone"
    ),
    "revenue_attributed": (
        f"POST {CAMPAIGN_VALUES} + POST {FLOW_SERIES}: conversion_value of the conversion "
        f"metric (source.conversion_metric, looked up in GET {METRICS}), in the account's "
        "preferred_currency"
    ),
}
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "revenue_total": (
        "the value of the conversion metric's events in the month (the connected store's "
        "orders, by when they happened), not sales made elsewhere (offline, marketplaces)"
    ),
    "emails_delivered": (
        "Klaviyo's delivered also leaves out failed sends (messages it could not send, its "
        "'failed' statistic), not only bounces"
    ),
    "leads_new": (
        "profiles added to one segment in the month (Klaviyo's segment report), which also "
        "counts a profile that left and re-joined it; Klaviyo has no lead date"
    ),
    "revenue_attributed": (
        "the conversion metric's value Klaviyo attributes to its emails (its attribution "
        "window after an open or click), by the email's send month"
    ),
}


def malformed(shown: str, what: str, page: Any) -> SourceResponseError:
    """A Klaviyo answer without what its specification promises (exit 3)."""
    return unexpected_body(PLATFORM, shown, what, page)


def number(value: Any, shown: str, what: str) -> float:
    """A statistic as a float: the reports give JSON numbers of at least 0 (null: none)."""
    return json_count(PLATFORM, {what: value}, what, shown)


def klaviyo_wait(response: requests.Response) -> float | None:
    """Seconds to wait from Klaviyo's rate-limit signals (None: nothing to add).

    Its guide (developers.klaviyo.com/en/docs/rate_limits_and_error_handling): every
    non-429 answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
    (seconds left in the steady one-minute window); a 429 carries `Retry-After` instead,
    which the client honours.  A 429 without it waits for the steady window (60 s); a
    success with nothing remaining delays the next request until the window resets.
    The headers are each endpoint's own: a reporting endpoint's are left to its own
    token bucket (the connector's policy), so they do not hold up the other endpoints.
    """
    headers = response.headers
    if response.status_code == 429:
        return None if headers.get("Retry-After") else 60.0
    if urlsplit(response.url or "").path.endswith(REPORT_PATHS):
        return None
    remaining = (headers.get("RateLimit-Remaining") or "").strip()
    if remaining == "0":
        try:
            return max(1.0, float(headers.get("RateLimit-Reset") or 60))
        except ValueError:
            return 60.0
    return None
