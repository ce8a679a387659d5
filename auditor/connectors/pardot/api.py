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

import json
from collections.abc import Mapping
from typing import Any

import requests

from auditor.connectors.http import unexpected_body
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
PAGE = 1000  # v5: "maximum 1000" records a page
BUSINESS_UNIT_HEADER = "Pardot-Business-Unit-Id"

DAILY_LIMIT, CONCURRENT_LIMIT = 122, 66
"""Error codes: 122 "Daily API rate limit met", 66 "You have exceeded your concurrent
request limit. Please wait, before trying again" (pardot/api-docs error codes)."""

STAGE_METRICS = {"mqls": "mql_stage", "sqls": "sql_stage"}
DEAL_METRICS = ("deals_won", "deals_lost", "revenue_won", "deals_won_with_source")
MEASURED = ("leads_new", *STAGE_METRICS, *DEAL_METRICS, "workflows_active")

_EMAIL = (
    "Account Engagement's email statistics (list email stats, and visitor activities for "
    "engagement program emails) are not read by this connector yet"
)
_EMAIL_ES = (
    "Las estadísticas de email de Account Engagement (de los emails a listas, y las "
    "actividades de visitante de los emails de programas) aún no las lee este conector"
)
_NO_BILLING = "Account Engagement has no subscription billing data (MRR, paying accounts, churn)"
_NO_BILLING_ES = (
    "Account Engagement no tiene datos de facturación de suscripciones (MRR, cuentas, bajas)"
)
_TRAFFIC = "website visits are not read from Account Engagement by this connector yet"
_TRAFFIC_ES = "las visitas al sitio web de Account Engagement aún no las lee este conector"

NOT_MEASURED: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "emails_sent",
            "emails_delivered",
            "unique_opens",
            "unique_clicks",
            "unsubscribes",
            "bounces",
            "spam_complaints",
            "campaigns_sent",
            "emails_automated",
            "unique_opens_human",
        ),
        _EMAIL,
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
    **{metric: _EMAIL_ES for metric, why in NOT_MEASURED.items() if why == _EMAIL},
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
}
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "leads_new": "prospects created in the month that are not deleted",
    "deals_won_with_source": "won opportunities linked to an Account Engagement campaign",
}


def malformed(shown: str, what: str, page: Any) -> SourceResponseError:
    """An answer without what the documentation promises (exit 3)."""
    return unexpected_body(PLATFORM, shown, what, page)


def error_code(response: requests.Response) -> int | None:
    """The `code` of a JSON error answer, if any."""
    if response.status_code < 400 or response.content.lstrip()[:1] != b"{":
        return None
    try:
        page = json.loads(response.content)
    except ValueError:
        return None
    code = page.get("code") if isinstance(page, dict) else None
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
