"""What Marketo Engage's REST API gives: endpoints, activity types, error codes, each
metric's definition there, and what it cannot measure (in both languages).

Facts are from Adobe's Marketo developer documentation (github.com/AdobeDocs/
marketo-developer.en, help/rest-api/: authentication.md, activities.md, bulk-extract.md,
bulk-activity-extract.md, smart-campaigns.md, smart-lists.md, opportunities.md,
error-codes.md, marketo-integration-best-practices.md); docs/connectors/marketo.md
quotes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from auditor.connectors.http import json_object, unexpected_body
from auditor.core import reasons
from auditor.core.errors import SourceResponseError

PLATFORM = "Marketo"
IDENTITY = "/identity/oauth/token"
ACTIVITY_TYPES = "/rest/v1/activities/types.json"
LEAD_FIELDS = "/rest/v1/leads/describe.json"
SMART_CAMPAIGNS = "/rest/asset/v1/smartCampaigns.json"
SMART_LIST = "/rest/asset/v1/smartList/{id}.json"
EXPORT_CREATE = "/bulk/v1/activities/export/create.json"
EXPORT_ENQUEUE = "/bulk/v1/activities/export/{id}/enqueue.json"
EXPORT_STATUS = "/bulk/v1/activities/export/{id}/status.json"
EXPORT_FILE = "/bulk/v1/activities/export/{id}/file.json"
CAMPAIGN_PAGE = 200  # smartCampaigns `maxReturn`: "The default is 20, and the maximum is 200"
EXPORT_FIELDS = (
    "leadId",
    "activityDate",
    "activityTypeId",
    "campaignId",
    "primaryAttributeValueId",
)
"""The export's columns (of its default `marketoGUID, leadId, activityDate, activityTypeId,
campaignId, primaryAttributeValueId, primaryAttributeValue, attributes`): only what is
counted, to keep files small against the 500 MB daily export quota."""

# Activity types by name ("Confirm per instance with GET /rest/v1/activities/types.json":
# ids are looked up by these names, never assumed).
SEND_EMAIL = "Send Email"
EMAIL_DELIVERED = "Email Delivered"
EMAIL_BOUNCED = "Email Bounced"
EMAIL_BOUNCED_SOFT = "Email Bounced Soft"
UNSUBSCRIBE_EMAIL = "Unsubscribe Email"
OPEN_EMAIL = "Open Email"
CLICK_EMAIL = "Click Email"
NEW_LEAD = "New Lead"
CHANGE_DATA_VALUE = "Change Data Value"
STAGE_FIELDS = {"mqls": "mql_date_field", "sqls": "sql_date_field"}
"""Stage metric -> the option naming the lead field whose changes count it."""
ACTIVITY_NAMES = (
    SEND_EMAIL,
    EMAIL_DELIVERED,
    EMAIL_BOUNCED,
    EMAIL_BOUNCED_SOFT,
    UNSUBSCRIBE_EMAIL,
    OPEN_EMAIL,
    CLICK_EMAIL,
    NEW_LEAD,
)
COUNTED: Mapping[str, tuple[str, ...]] = {
    "emails_sent": (SEND_EMAIL,),
    "emails_delivered": (EMAIL_DELIVERED,),
    "bounces": (EMAIL_BOUNCED, EMAIL_BOUNCED_SOFT),
    "unsubscribes": (UNSUBSCRIBE_EMAIL,),
    "leads_new": (NEW_LEAD,),
}
"""Metrics that count activities of these types in the month."""
DISTINCT: Mapping[str, str] = {"unique_opens": OPEN_EMAIL, "unique_clicks": CLICK_EMAIL}
"""Metrics that count distinct (lead, email) pairs with an activity of this type."""
EMAIL_METRICS = ("emails_sent", "emails_delivered", "bounces", "unsubscribes", *DISTINCT)
ACTIVITY_METRICS = (*COUNTED, *DISTINCT, "emails_automated")
WORKFLOW_METRICS = ("workflows_active", "workflows_behavioral")
MEASURED = (*ACTIVITY_METRICS, *WORKFLOW_METRICS, *STAGE_FIELDS)

BEHAVIOURAL_TRIGGERS = frozenset(
    {
        "Fills Out Form",
        "Visits Web Page",
        "Clicks Link on Web Page",
        "Clicks Link in Email",
        "Opens Email",
        "Data Value Changes",
        "Score is Changed",
        "Fills Out Facebook Lead Ad Form",
        "Fills Out LinkedIn Lead Gen Form",
        "Clicks Link in SMS",
        "Replies to SMS",
        "Unsubscribes from Email",
    }
)
"""Smart-campaign triggers that are a lead's own action (a form, a page, a click, a score
or data change), not a list, a request, a date or the lead's creation."""

# Marketo's response-level error codes (error-codes.md), answered with HTTP 200.
TOKEN_INVALID, TOKEN_EXPIRED, ACCESS_DENIED = "601", "602", "603"
RATE_LIMIT, DAILY_QUOTA, CONCURRENCY = "606", "607", "615"
EXPORT_QUEUE = "1029"
RATE_WINDOW = 20.0  # 606: "The number of calls in the past 20 seconds was greater than 100"
QUOTA_ZONE = ZoneInfo("America/Chicago")  # 607: "resets daily at 12:00AM CST"

_NO_TRAFFIC = "Marketo's REST API reports no website sessions or visitors as counts"
_NO_TRAFFIC_ES = "La API REST de Marketo no informa de sesiones ni visitantes del sitio web"
_NO_BILLING = "Marketo has no subscription billing data (MRR, paying accounts, churn)"
_NO_BILLING_ES = "Marketo no tiene datos de facturación de suscripciones (MRR, cuentas, bajas)"
_OPPORTUNITIES = (
    "Marketo's opportunities are read-only copies of the CRM's, and its API finds them only "
    "by externalOpportunityId or marketoGUID (their searchableFields), never by close date: "
    "read deals and revenue from the CRM"
)
_OPPORTUNITIES_ES = (
    "Las oportunidades de Marketo son copias de solo lectura de las del CRM, y su API solo "
    "las encuentra por externalOpportunityId o marketoGUID (sus searchableFields), nunca "
    "por fecha de cierre: tome negocios e ingresos del CRM"
)
NO_STAGE_FIELD = (
    "Marketo has no fixed MQL or SQL field (each instance models them in its own fields): "
    "name the lead field holding the date in source.mql_date_field or source.sql_date_field"
)
NO_STAGE_FIELD_ES = (
    "Marketo no tiene un campo fijo de MQL o SQL (cada instancia los modela en campos "
    "propios): indique el campo de lead con la fecha en source.mql_date_field o "
    "source.sql_date_field"
)

NOT_MEASURED: Mapping[str, str] = {
    "spam_complaints": (
        "Marketo's standard activity types include no spam complaint (GET "
        "/rest/v1/activities/types.json)"
    ),
    "campaigns_sent": (
        "Marketo sends email from smart campaigns and programs, not as countable campaign "
        "sends in its REST API"
    ),
    "unique_opens_human": (
        "Marketo's Open Email activity does not tell privacy-proxy opens from a person's"
    ),
    "contacts_lost": "Marketo reports no count of leads lost or deleted per month",
    "email_sessions": _NO_TRAFFIC,
    "website_sessions": _NO_TRAFFIC,
    "website_visitors": _NO_TRAFFIC,
    "conversions": "form fills are activities, but not a conversion count the audit defines",
    "customers_new": _OPPORTUNITIES,
    "deals_won": _OPPORTUNITIES,
    "deals_lost": _OPPORTUNITIES,
    "deals_won_with_source": _OPPORTUNITIES,
    "revenue_won": _OPPORTUNITIES,
    "revenue_attributed": _OPPORTUNITIES,
    "revenue_total": "not read from Marketo: take revenue_total from the accounts",
    "mrr": _NO_BILLING,
    "mrr_churned": _NO_BILLING,
    "accounts_active": _NO_BILLING,
    "accounts_churned": _NO_BILLING,
}
NOT_MEASURED_ES: Mapping[str, str] = {
    "spam_complaints": (
        "Los tipos de actividad estándar de Marketo no incluyen las quejas por spam (GET "
        "/rest/v1/activities/types.json)"
    ),
    "campaigns_sent": (
        "Marketo envía email desde campañas inteligentes y programas, no como envíos de "
        "campaña contables en su API REST"
    ),
    "unique_opens_human": (
        "La actividad Open Email de Marketo no distingue las aperturas de proxies de "
        "privacidad de las de una persona"
    ),
    "contacts_lost": "Marketo no informa de los leads perdidos o borrados por mes",
    "email_sessions": _NO_TRAFFIC_ES,
    "website_sessions": _NO_TRAFFIC_ES,
    "website_visitors": _NO_TRAFFIC_ES,
    "conversions": (
        "los envíos de formularios son actividades, pero no el recuento de conversiones que "
        "define la auditoría"
    ),
    "customers_new": _OPPORTUNITIES_ES,
    "deals_won": _OPPORTUNITIES_ES,
    "deals_lost": _OPPORTUNITIES_ES,
    "deals_won_with_source": _OPPORTUNITIES_ES,
    "revenue_won": _OPPORTUNITIES_ES,
    "revenue_attributed": _OPPORTUNITIES_ES,
    "revenue_total": "no se lee de Marketo: tome revenue_total de la contabilidad",
    "mrr": _NO_BILLING_ES,
    "mrr_churned": _NO_BILLING_ES,
    "accounts_active": _NO_BILLING_ES,
    "accounts_churned": _NO_BILLING_ES,
}
reasons.register(NOT_MEASURED, NOT_MEASURED_ES, "es")
reasons.register({"stage": NO_STAGE_FIELD}, {"stage": NO_STAGE_FIELD_ES}, "es")

_EXPORT = "bulk activity export (POST /bulk/v1/activities/export/create.json), one job a month"
METRIC_SOURCES: Mapping[str, str] = {
    **{
        metric: f"{_EXPORT}: '{' + '.join(names)}' activities in the month"
        for metric, names in COUNTED.items()
    },
    **{
        metric: f"{_EXPORT}: distinct (leadId, email) pairs with an '{name}' activity"
        for metric, name in DISTINCT.items()
    },
    "emails_automated": (
        f"{_EXPORT}: '{SEND_EMAIL}' activities whose campaignId is a trigger smart campaign"
    ),
    **{
        metric: (
            f"{_EXPORT}: leads with a '{CHANGE_DATA_VALUE}' on the lead field named by "
            f"source.{option} (primaryAttributeValueIds from GET {LEAD_FIELDS})"
        )
        for metric, option in STAGE_FIELDS.items()
    },
    "workflows_active": f"GET {SMART_CAMPAIGNS}: active trigger campaigns, now (latest month)",
    "workflows_behavioral": (
        f"GET {SMART_LIST}?includeRules=true of each active trigger campaign: those with a "
        "behavioural trigger, now (latest month)"
    ),
}
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "unique_opens": (
        "distinct (lead, email) pairs with an Open Email activity in the month: a lead "
        "opening the same email in two months counts in each"
    ),
    "unique_clicks": (
        "distinct (lead, email) pairs with a Click Email activity in the month (not per link)"
    ),
    "emails_sent": (
        "Send Email activities, written once the message is handed to the mail server: "
        "Marketo's Email Performance Report may differ slightly"
    ),
    "workflows_active": "active trigger campaigns (a batch campaign runs, it is not switched on)",
    "mqls": (
        "leads whose MQL date field changed in the month (set, or set again: a cleared or "
        "re-set date counts too)"
    ),
    "sqls": "leads whose SQL date field changed in the month (set, or set again)",
}


def malformed(shown: str, what: str, page: Any) -> SourceResponseError:
    """A Marketo answer without what its documentation promises (exit 3)."""
    return unexpected_body(PLATFORM, shown, what, page)


def error_code(response: requests.Response) -> str | None:
    """The first response-level error code of a JSON answer with `success: false`."""
    page = json_object(response.content)
    if page is None or page.get("success") is not False:
        return None
    errors = page.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("code"))
    return None


def describe_error(response: requests.Response) -> str | None:
    """A retried answer's error for messages ('error 606 in an HTTP 200 answer')."""
    code = error_code(response)
    return f"error {code} in an HTTP {response.status_code} answer" if code else None


def retry_marketo(response: requests.Response) -> bool:
    """`retry_if`: throttling and the daily quota come back as HTTP 200 bodies."""
    return error_code(response) in (RATE_LIMIT, CONCURRENCY, DAILY_QUOTA)


def marketo_wait(response: requests.Response) -> float | None:
    """Seconds to wait for a throttled answer: 606 the 20-second window, 615 a moment, 607
    until the quota resets at midnight Central Time (longer than any run waits: it stops
    with exit 3 saying when)."""
    code = error_code(response)
    if code == RATE_LIMIT:
        return RATE_WINDOW
    if code == CONCURRENCY:
        return 2.0
    if code == DAILY_QUOTA:
        now = datetime.now(QUOTA_ZONE)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return max(60.0, (midnight - now).total_seconds())
    return None
