"""What Brevo's API v3 gives: the endpoints and fields read, each metric's definition there,
what it cannot measure (in both languages), and its rate-limit signals.  Fields are from
the official SDK generated from Brevo's specification (github.com/getbrevo/brevo-python:
docs/EmailCampaignsApi.md, GetCampaignStats.md, GetExtendedCampaignOverview.md,
ContactsApi.md, GetContacts.md, GetAccount.md); docs/connectors/brevo.md quotes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from auditor.connectors.http import json_count, unexpected_body
from auditor.core import reasons
from auditor.core.errors import SourceResponseError

PLATFORM = "Brevo"
DEFAULT_BASE_URL = "https://api.brevo.com/v3"
ACCOUNT = "/account"
CAMPAIGNS = "/emailCampaigns"
CONTACTS = "/contacts"
WORKFLOWS = "/automation/workflows"
CAMPAIGN_PAGE = 50  # `limit`: "Number of documents per page" (default 50)
STATS_MONTHS = 6
"""`statistics=globalStats` "only returns data for events occurred in the last 6 months"."""

GLOBAL_STATS: Mapping[str, tuple[str, ...]] = {
    "emails_sent": ("sent",),
    "emails_delivered": ("delivered",),
    "unique_opens": ("uniqueViews",),
    "unique_clicks": ("uniqueClicks",),
    "unsubscribes": ("unsubscriptions",),
    "bounces": ("hardBounces", "softBounces"),
    "spam_complaints": ("complaints",),
}
"""Base metric -> the `globalStats` counters summed (GetCampaignStats)."""
EMAIL_METRICS = (*GLOBAL_STATS, "campaigns_sent")
MEASURED = (
    *EMAIL_METRICS,
    "workflows_active",
    "leads_new",
    "deals_won",
    "deals_lost",
    "revenue_won",
)

_NOT_YET = "not read by this connector yet"
_NOT_YET_ES = "este conector aún no lo lee"
_NO_BILLING = "Brevo has no subscription billing data (MRR, paying accounts, churn)"
_NO_BILLING_ES = "Brevo no tiene datos de facturación de suscripciones (MRR, cuentas, bajas)"
_NO_TRAFFIC = "Brevo's API reports no website sessions or visitors"
_NO_TRAFFIC_ES = "La API de Brevo no informa de sesiones ni visitantes del sitio web"
_NO_STAGES = (
    "Brevo has no lead lifecycle (marketing- or sales-qualified contacts); a contact "
    "attribute the client maintains could say it, and is not read"
)
_NO_STAGES_ES = (
    "Brevo no tiene ciclo de vida de leads (contactos calificados para marketing o ventas); "
    "un atributo de contacto que mantenga el cliente podría indicarlo, y no se lee"
)
_CUSTOMERS = (
    "a won Brevo deal is not a new customer (one company can win many deals) and Brevo "
    "has no customer lifecycle date"
)
_CUSTOMERS_ES = (
    "un negocio ganado en Brevo no es un cliente nuevo (una empresa puede ganar muchos) y "
    "Brevo no tiene fecha de paso a cliente"
)
_SOURCE = "Brevo's deals carry no original marketing source"
_SOURCE_ES = "Los negocios de Brevo no guardan la fuente de marketing original"
_WORKFLOWS = (
    "the sends of Brevo's automation workflows come from GET /automation/workflows/{id}"
    f"/metrics, one request per workflow and period against a limit of 100 an hour, "
    f"{_NOT_YET}; the older trigger campaigns (emailCampaigns type 'trigger') carry "
    "lifetime statistics, not a month's"
)
_WORKFLOWS_ES = (
    "los envíos de las automatizaciones de Brevo vienen de GET /automation/workflows/{id}"
    "/metrics, una petición por automatización y periodo con un límite de 100 por hora: "
    f"{_NOT_YET_ES}; las campañas 'trigger' antiguas dan estadísticas de toda su vida, no "
    "de un mes"
)
_TRIGGERS = (
    "what starts a Brevo workflow is in GET /automation/workflows/{id} (its triggers), one "
    f"request per workflow, {_NOT_YET}"
)
_TRIGGERS_ES = (
    "lo que inicia una automatización de Brevo está en GET /automation/workflows/{id} (sus "
    f"disparadores), una petición por automatización: {_NOT_YET_ES}"
)

NOT_MEASURED: Mapping[str, str] = {
    "emails_automated": _WORKFLOWS,
    "workflows_behavioral": _TRIGGERS,
    "unique_opens_human": (
        "Brevo's campaign statistics give uniqueViews and trackableViews ('Recipients without "
        "any privacy protection option enabled in their email client'), but no unique opens "
        "with the privacy-proxy opens left out"
    ),
    "contacts_lost": (
        "Brevo reports unsubscriptions and bounces per campaign; contacts blocklisted or "
        "deleted in a month are not a reported count"
    ),
    "email_sessions": _NO_TRAFFIC,
    "website_sessions": _NO_TRAFFIC,
    "website_visitors": _NO_TRAFFIC,
    "conversions": "Brevo's API reports no form submissions or site conversions as counts",
    "mqls": _NO_STAGES,
    "sqls": _NO_STAGES,
    "customers_new": _CUSTOMERS,
    "deals_won_with_source": _SOURCE,
    "revenue_attributed": (
        "Brevo's campaign statistics hold no revenue; its e-commerce orders are not "
        "attributed to campaigns in the API"
    ),
    "revenue_total": "not read from Brevo: take revenue_total from the accounts",
    "mrr": _NO_BILLING,
    "mrr_churned": _NO_BILLING,
    "accounts_active": _NO_BILLING,
    "accounts_churned": _NO_BILLING,
}
NOT_MEASURED_ES: Mapping[str, str] = {
    "emails_automated": _WORKFLOWS_ES,
    "workflows_behavioral": _TRIGGERS_ES,
    "unique_opens_human": (
        "Las estadísticas de campaña de Brevo dan uniqueViews y trackableViews (destinatarios "
        "sin protección de privacidad en su cliente de correo), pero no las aperturas únicas "
        "sin las de proxies de privacidad"
    ),
    "contacts_lost": (
        "Brevo informa de bajas y rebotes por campaña; los contactos bloqueados o borrados en "
        "un mes no se informan como recuento"
    ),
    "email_sessions": _NO_TRAFFIC_ES,
    "website_sessions": _NO_TRAFFIC_ES,
    "website_visitors": _NO_TRAFFIC_ES,
    "conversions": (
        "La API de Brevo no informa de envíos de formularios ni conversiones del sitio como "
        "recuentos"
    ),
    "mqls": _NO_STAGES_ES,
    "sqls": _NO_STAGES_ES,
    "customers_new": _CUSTOMERS_ES,
    "deals_won_with_source": _SOURCE_ES,
    "revenue_attributed": (
        "Las estadísticas de campaña de Brevo no tienen ingresos; sus pedidos de comercio "
        "electrónico no se atribuyen a campañas en la API"
    ),
    "revenue_total": "no se lee de Brevo: tome revenue_total de la contabilidad",
    "mrr": _NO_BILLING_ES,
    "mrr_churned": _NO_BILLING_ES,
    "accounts_active": _NO_BILLING_ES,
    "accounts_churned": _NO_BILLING_ES,
}
reasons.register(NOT_MEASURED, NOT_MEASURED_ES, "es")

METRIC_SOURCES: Mapping[str, str] = {
    **{
        metric: (
            f"GET {CAMPAIGNS}?status=sent&statistics=globalStats: "
            f"{' + '.join(fields)} of classic campaigns, by sentDate month"
        )
        for metric, fields in GLOBAL_STATS.items()
    },
    "campaigns_sent": f"GET {CAMPAIGNS}?status=sent: classic campaigns sent in the month",
    "workflows_active": (
        f"GET {WORKFLOWS}?status=active&limit=1: total_workflows_count, now (latest month)"
    ),
    "leads_new": (
        f"GET {CONTACTS}?createdSince=..&limit=1: count since the month's start less count "
        "since the next month's start"
    ),
    "deals_won": (
        "GET /crm/deals?filters[attributes.deal_stage]=<won stage id>&modifiedSince=..: "
        "deals by the month of their close-date attribute"
    ),
    "deals_lost": (
        "GET /crm/deals?filters[attributes.deal_stage]=<lost stage id>&modifiedSince=..: "
        "deals by the month of their close-date attribute"
    ),
    "revenue_won": "the amount attribute of the won deals, by close month",
}
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "unique_clicks": (
        "Brevo's uniqueClicks, described as 'Number of unique clicks for the campaign' (its "
        "'clickers' is 'Number of total clicks'); whether it counts contacts or (contact, "
        "link) pairs is not documented"
    ),
    "emails_sent": "one-off (classic) campaigns only: automation emails are not read",
    "leads_new": (
        "contacts created in the month that still exist (a contact deleted since is not counted)"
    ),
}


def malformed(shown: str, what: str, page: Any) -> SourceResponseError:
    """A Brevo answer without what its specification promises (exit 3)."""
    return unexpected_body(PLATFORM, shown, what, page)


def counter(stats: Mapping[str, Any], name: str, shown: str) -> float:
    """A statistics counter (absent or null: 0); anything but a count is a source error."""
    return json_count(PLATFORM, stats, name, shown)


def brevo_wait(response: requests.Response) -> float | None:
    """Seconds to wait from Brevo's rate-limit headers (None: nothing to add).

    Brevo's "Rate limit headers" page: every rate-limited endpoint answers
    `x-sib-ratelimit-limit`, `x-sib-ratelimit-remaining` and `x-sib-ratelimit-reset`
    ("Time remaining until the rate limit resets ... typically seconds"), and a 429 has
    no `Retry-After`: it waits for the reset; a success with nothing remaining delays
    the next request until then.
    """
    headers = response.headers
    reset = headers.get("x-sib-ratelimit-reset")
    try:
        seconds = max(1.0, float(reset)) if reset not in (None, "") else None
    except ValueError:
        seconds = None
    if response.status_code == 429:
        return seconds if seconds is not None else 60.0
    if (headers.get("x-sib-ratelimit-remaining") or "").strip() == "0":
        return seconds if seconds is not None else 60.0
    return None
