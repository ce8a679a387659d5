"""What Account Engagement's (Pardot's) API v5 gives: objects and fields read, error codes,
each metric's definition there, and what it cannot measure (in both languages).

Sources: Salesforce's Account Engagement developer guide (authentication, version 5
overview, lifecycle stage / lifecycle history / opportunity / prospect / engagement
studio program v5 pages), the object field reference and error codes of the official
pardot/api-docs repository (commit d0615a8e), and the v5 field lists of Airbyte's
certified source-pardot manifest, which reads the live API; docs/connectors/pardot.md
quotes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from auditor.connectors.http import json_object, unexpected_body
from auditor.core import reasons
from auditor.core.errors import SourceResponseError

PLATFORM = "Account Engagement"
DEFAULT_BASE_URL = "https://pi.pardot.com"
TOKEN = "/services/oauth2/token"
ACCOUNT = "/api/v5/objects/account"
PROSPECTS = "/api/v5/objects/prospects"
STAGES = "/api/v5/objects/lifecycle-stages"
HISTORIES = "/api/v5/objects/lifecycle-histories"
OPPORTUNITIES = "/api/v5/objects/opportunities"
PROGRAMS = "/api/v5/objects/engagement-studio-programs"
ACTIVITIES = "/api/v5/objects/visitor-activities"
PAGE = 1000  # v5: "maximum 1000" records a page
BUSINESS_UNIT_HEADER = "Pardot-Business-Unit-Id"

DAILY_LIMIT, CONCURRENT_LIMIT = 122, 66
"""Error codes: 122 "Daily API rate limit met", 66 "You have exceeded your concurrent
request limit. Please wait, before trying again" (pardot/api-docs error codes)."""

STAGE_METRICS = {"mqls": "mql_stage", "sqls": "sql_stage"}
DEAL_METRICS = ("deals_won", "deals_lost", "revenue_won", "deals_won_with_source")
SENT, CLICK, OPEN, UNSUBSCRIBE_PAGE, BOUNCED, SPAM, INDIRECT_BOUNCE = 6, 1, 11, 12, 13, 14, 36
"""Visitor activity types (object field reference: "1 - Click", "6 - Sent", "11 - Open",
"12 - Unsubscribe Page", "13 - Bounced", "14 - Spam Complaint", "36 - Indirect Bounce")."""
ACTIVITY_COUNTS: Mapping[str, tuple[int, ...]] = {
    "emails_sent": (SENT,),
    "unsubscribes": (UNSUBSCRIBE_PAGE,),
    "bounces": (BOUNCED, INDIRECT_BOUNCE),
    "spam_complaints": (SPAM,),
}
ACTIVITY_PAIRS: Mapping[str, int] = {"unique_opens": OPEN, "unique_clicks": CLICK}
EMAIL_METRICS = (*ACTIVITY_COUNTS, *ACTIVITY_PAIRS, "emails_delivered")
MEASURED = ("leads_new", *STAGE_METRICS, *DEAL_METRICS, "workflows_active", *EMAIL_METRICS)

EMAIL_OFF = "source.read_email_activities is false: email metrics are taken from another source"
EMAIL_OFF_ES = (
    "source.read_email_activities es false: las métricas de email se toman de otra fuente"
)
_NO_BILLING = "Account Engagement has no subscription billing data (MRR, paying accounts, churn)"
_NO_BILLING_ES = (
    "Account Engagement no tiene datos de facturación de suscripciones (MRR, cuentas, bajas)"
)
_TRAFFIC = "website visits are not read from Account Engagement by this connector yet"
_TRAFFIC_ES = "las visitas al sitio web de Account Engagement aún no las lee este conector"

NOT_MEASURED: Mapping[str, str] = {
    "campaigns_sent": (
        "list emails are not counted by this connector yet (their sends are, as visitor activities)"
    ),
    "emails_automated": (
        "a Sent visitor activity does not say whether a list email or an automation sent it"
    ),
    "unique_opens_human": (
        "Account Engagement's Open activity does not tell privacy-proxy opens from a person's"
    ),
    "workflows_behavioral": (
        "what starts an Engagement Studio program is in its steps, which the API only "
        "copies and does not describe"
    ),
    "contacts_lost": "Account Engagement reports no count of prospects lost per month",
    "email_sessions": _TRAFFIC,
    "website_sessions": _TRAFFIC,
    "website_visitors": _TRAFFIC,
    "conversions": "form submissions are visitor activities, not read by this connector yet",
    "customers_new": (
        "a won opportunity is not a new customer (one account wins many), and prospects "
        "carry no customer date"
    ),
    "revenue_attributed": (
        "Account Engagement does not attribute revenue to emails; won opportunities with a "
        "campaign are counted in deals_won_with_source"
    ),
    "revenue_total": "not read from Account Engagement: take revenue_total from the accounts",
    "mrr": _NO_BILLING,
    "mrr_churned": _NO_BILLING,
    "accounts_active": _NO_BILLING,
    "accounts_churned": _NO_BILLING,
}
NOT_MEASURED_ES: Mapping[str, str] = {
    "campaigns_sent": (
        "este conector aún no cuenta los emails a listas (sus envíos sí, como actividades "
        "de visitante)"
    ),
    "emails_automated": (
        "una actividad Sent no dice si la envió un email a lista o una automatización"
    ),
    "unique_opens_human": (
        "La actividad Open de Account Engagement no distingue las aperturas de proxies de "
        "privacidad de las de una persona"
    ),
    "workflows_behavioral": (
        "lo que inicia un programa de Engagement Studio está en sus pasos, que la API solo "
        "copia y no describe"
    ),
    "contacts_lost": "Account Engagement no informa de los prospectos perdidos por mes",
    "email_sessions": _TRAFFIC_ES,
    "website_sessions": _TRAFFIC_ES,
    "website_visitors": _TRAFFIC_ES,
    "conversions": (
        "los envíos de formularios son actividades de visitante, que este conector aún no lee"
    ),
    "customers_new": (
        "una oportunidad ganada no es un cliente nuevo (una cuenta gana muchas), y los "
        "prospectos no tienen fecha de paso a cliente"
    ),
    "revenue_attributed": (
        "Account Engagement no atribuye ingresos a los emails; las oportunidades ganadas con "
        "campaña se cuentan en deals_won_with_source"
    ),
    "revenue_total": "no se lee de Account Engagement: tome revenue_total de la contabilidad",
    "mrr": _NO_BILLING_ES,
    "mrr_churned": _NO_BILLING_ES,
    "accounts_active": _NO_BILLING_ES,
    "accounts_churned": _NO_BILLING_ES,
}
reasons.register(NOT_MEASURED, NOT_MEASURED_ES, "es")
reasons.register({"email": EMAIL_OFF}, {"email": EMAIL_OFF_ES}, "es")

METRIC_SOURCES: Mapping[str, str] = {
    "leads_new": f"GET {PROSPECTS}?fields=id,createdAt: prospects created in the month",
    "mqls": (
        f"GET {HISTORIES}: distinct prospects whose history moves into the stage named by "
        "source.mql_stage in the month"
    ),
    "sqls": (
        f"GET {HISTORIES}: distinct prospects whose history moves into the stage named by "
        "source.sql_stage in the month"
    ),
    "deals_won": f"GET {OPPORTUNITIES}: status 'won', by the month of closedAt",
    "deals_lost": f"GET {OPPORTUNITIES}: status 'lost', by the month of closedAt",
    "revenue_won": f"GET {OPPORTUNITIES}: value of the won opportunities, by closedAt month",
    "deals_won_with_source": f"GET {OPPORTUNITIES}: won opportunities with a campaignId",
    "workflows_active": f"GET {PROGRAMS}: programs whose status is running, now (latest month)",
    **{
        metric: f"GET {ACTIVITIES}: visitor activities of type {' + '.join(map(str, types))}"
        for metric, types in ACTIVITY_COUNTS.items()
    },
    **{
        metric: f"GET {ACTIVITIES}: distinct (prospectId, email) with a type {kind} activity"
        for metric, kind in ACTIVITY_PAIRS.items()
    },
    "emails_delivered": f"GET {ACTIVITIES}: Sent (6) less Bounced (13) and Indirect Bounce (36)",
}
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "unsubscribes": "Unsubscribe Page activities (a prospect reaching the unsubscribe page)",
    "unique_clicks": "distinct (prospect, email) pairs with an email Click activity",
    "leads_new": "prospects created in the month that are not deleted",
    "deals_won_with_source": "won opportunities linked to an Account Engagement campaign",
}


def malformed(shown: str, what: str, page: Any) -> SourceResponseError:
    """An answer without what the documentation promises (exit 3)."""
    return unexpected_body(PLATFORM, shown, what, page)


def error_code(response: requests.Response) -> int | None:
    """The `code` of a JSON error answer, if any."""
    page = json_object(response.content) if response.status_code >= 400 else None
    code = page.get("code") if page is not None else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def retry_pardot(response: requests.Response) -> bool:
    """`retry_if`: the concurrent-request limit (66) is retried; the daily limit (122) too,
    so that `pardot_wait` turns it into a stop saying when."""
    return error_code(response) in (CONCURRENT_LIMIT, DAILY_LIMIT)


def pardot_wait(response: requests.Response) -> float | None:
    """Seconds to wait: a moment for 66; a day for 122 (the run stops, exit 3)."""
    code = error_code(response)
    if code == CONCURRENT_LIMIT:
        return 2.0
    if code == DAILY_LIMIT:
        return 86_400.0
    return None
