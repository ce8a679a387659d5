"""What ActiveCampaign's API v3 gives: the fields read, each metric's definition there, what
it cannot measure (in both languages), and the readers of its answers."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from auditor.connectors.http import HttpClient
from auditor.core import reasons
from auditor.core.errors import (
    SourceResponseError,
)
from auditor.core.period import Month, parse_month

PLATFORM = "ActiveCampaign"
API_PATH = "/api/3"
PAGE_SIZE = 100  # the API's maximum `limit`
EXCERPT_CHARS = 200

EMAIL_METRICS = (
    "emails_sent",
    "emails_delivered",
    "campaigns_sent",
    "unique_opens",
    "unique_clicks",
    "unsubscribes",
    "bounces",
)
DEAL_METRICS = ("deals_won", "deals_lost", "revenue_won")
MEASURED = (*EMAIL_METRICS, "workflows_active", "leads_new", *DEAL_METRICS)

# Campaign counters summed into each email metric (all JSON strings in the API).
CAMPAIGN_FIELDS: Mapping[str, tuple[str, ...]] = {
    "emails_sent": ("send_amt",),
    "unique_opens": ("uniqueopens",),
    # contacts who clicked ("total contact clicks"), not (contact, link) pairs
    "unique_clicks": ("subscriberclicks",),
    "unsubscribes": ("unsubscribes",),
    "bounces": ("hardbounces", "softbounces"),
}
AUTOMATED_TYPES = frozenset({"responder", "reminder", "special", "activerss", "recurring"})
"""Campaign types whose counters accumulate over many sends (automations, RSS,
date-based and recurring mailings): lifetime totals, not one month's."""
UNSENT_STATUSES = frozenset({"0", "1"})  # draft, scheduled
AUTOMATION_ACTIVE = "1"  # "2" is inactive
DEAL_WON, DEAL_LOST = "1", "2"  # "0" is open

_NO_BILLING = "ActiveCampaign has no subscription billing data (MRR, paying accounts, churn)"
_NO_TRAFFIC = (
    "ActiveCampaign's API does not report website sessions or visitors: site tracking "
    "is only exposed per contact (tracking logs), never as counts"
)

NOT_MEASURED: Mapping[str, str] = {
    "emails_automated": (
        "ActiveCampaign's API v3 gives an automation email's counters (send_amt...) as "
        "lifetime totals with no date range, so its sends in a month cannot be told; the "
        "older v1 action campaign_report_totals accepts a date range (sdate, ldate), but it "
        "uses another authentication and answer format, which this connector does not read"
    ),
    "unique_opens_human": (
        "ActiveCampaign's API v3 campaign object counts opens (opens, uniqueopens) with no "
        "figure that leaves out mail privacy proxies such as Apple Mail Privacy Protection"
    ),
    "contacts_lost": (
        "ActiveCampaign's API v3 filters contacts by list status (unsubscribed, bounced) and "
        "by creation or last update date, never by the date they left a list, so the "
        "contacts lost in a month cannot be counted"
    ),
    "workflows_behavioral": (
        "ActiveCampaign's documented API v3 does not say what starts an automation: GET "
        "/api/3/automations has no trigger field, and the per-automation trigger and block "
        "endpoints are undocumented, with no list of trigger types, so behaviour-triggered "
        "automations cannot be told from date- or list-triggered ones"
    ),
    "spam_complaints": (
        "ActiveCampaign's API v3 campaign object has no spam-complaint (abuse) counter; "
        "complaints are only shown in the app's campaign reports"
    ),
    "email_sessions": _NO_TRAFFIC,
    "website_sessions": _NO_TRAFFIC,
    "website_visitors": _NO_TRAFFIC,
    "conversions": (
        "ActiveCampaign's API v3 gives no monthly count of form submissions or "
        "conversions: forms carry no submission statistics and conversions are "
        "per-contact records"
    ),
    "mqls": (
        "ActiveCampaign has no lifecycle stages: what makes a lead marketing-qualified "
        "(a tag, a lead score, a deal stage) differs per account; supply mqls in a file"
    ),
    "sqls": (
        "ActiveCampaign has no lifecycle stages: what makes a lead sales-accepted (a tag, "
        "a deal stage) differs per account; supply sqls in a file"
    ),
    "customers_new": (
        "ActiveCampaign does not record when a contact became a customer: a won deal may "
        "be a repeat purchase, so new customers cannot be told from deals_won"
    ),
    "deals_won_with_source": (
        "ActiveCampaign deals have no original-source (attribution) field, so "
        "closed-loop coverage cannot be measured"
    ),
    "revenue_attributed": (
        "ActiveCampaign's API v3 exposes no attribution of revenue to marketing (the "
        "value of won deals is in revenue_won)"
    ),
    "revenue_total": (
        "ActiveCampaign holds CRM deals only, not all of the business's revenue; give "
        "revenue_total in a file"
    ),
    "mrr": _NO_BILLING,
    "mrr_churned": _NO_BILLING,
    "accounts_active": _NO_BILLING,
    "accounts_churned": _NO_BILLING,
}

DEFINITIONS: Mapping[str, str] = {
    "campaigns": (
        "one-off campaigns (not automation, RSS, date-based or recurring mailings) whose "
        "send date sdate falls in the month in the config's time zone; drafts and "
        "scheduled campaigns (status 0, 1) are not counted"
    ),
    "emails_sent": "sum of send_amt",
    "emails_delivered": "send_amt - hardbounces - softbounces",
    "campaigns_sent": "number of campaigns counted",
    "unique_opens": "sum of uniqueopens",
    "unique_clicks": (
        "sum of subscriberclicks (contacts who clicked: 'total contact clicks'); "
        "uniquelinkclicks counts (contact, link) pairs and is not read"
    ),
    "unsubscribes": "sum of unsubscribes",
    "bounces": "sum of hardbounces + softbounces",
    "workflows_active": (
        "automations with status 1 (active) when fetched, created before the window's "
        "end; reported in the last requested month only (the API keeps no history)"
    ),
    "leads_new": (
        "contacts created in the month: meta.total of GET /contacts with "
        "filters[created_after] = the month's first midnight and filters[created_before] = "
        "the next month's, both ISO 8601 date-times with the audit time zone's offset (a "
        "date alone would be read in the account's zone)"
    ),
    "deals_won": "deals with status 1 (won), in the month of their mdate (last change)",
    "deals_lost": "deals with status 2 (lost), in the month of their mdate (last change)",
    "revenue_won": "sum of the value (cents / 100) of the won deals, in their one currency",
}


_ONE_OFF_ONLY = (
    "one-off campaigns only: automation emails are not included (API v3 gives their "
    "counters as lifetime totals, never a month's)"
)
_DATED_BY_MDATE = (
    "dated by the deal's last change (mdate), not by when it was won or lost: a closed deal "
    "edited later moves to the month of the edit"
)
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "emails_sent": _ONE_OFF_ONLY,
    "emails_delivered": _ONE_OFF_ONLY,
    "campaigns_sent": _ONE_OFF_ONLY,
    "unique_opens": _ONE_OFF_ONLY,
    "unique_clicks": _ONE_OFF_ONLY,
    "unsubscribes": _ONE_OFF_ONLY,
    "bounces": _ONE_OFF_ONLY,
    "deals_won": _DATED_BY_MDATE,
    "deals_lost": _DATED_BY_MDATE,
    "revenue_won": _DATED_BY_MDATE,
}
"""Where this connector's figure is not the catalog's definition (docs/definitions.md)."""


def _rows(client: HttpClient, page: Any, key: str, shown: str) -> list[Any]:
    found = page.get(key, ...) if isinstance(page, dict) else ...
    if found is None:
        return []
    if not isinstance(found, list):
        raise SourceResponseError(
            f"{PLATFORM}: {shown} answered a page without a '{key}' list: "
            f"{_excerpt(client, page)!r}",
            platform=PLATFORM,
        )
    return found


def _excerpt(client: HttpClient, data: Any) -> str:
    text = " ".join(client.redact(json.dumps(data, default=str)).split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def _fingerprint(rows: Iterable[Any]) -> str:
    text = json.dumps(list(rows), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _number(value: Any) -> float | None:
    """A JSON string or number as a float; None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _as_int(value: Any) -> int | None:
    if value is None:
        return None
    number = _number(value)
    return None if number is None or number < 0 else int(number)


def _whole(row: Mapping[str, Any], field: str, what: str) -> int:
    """A counter such as send_amt ("1500"); absent or null counts as 0."""
    value = row.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number = _number(value)
    if number is None or number < 0 or number != int(number):
        raise SourceResponseError(
            f"{PLATFORM}: {what} has {field}={str(value)[:40]!r}, not a count",
            platform=PLATFORM,
        )
    return int(number)


def _cents(row: Mapping[str, Any], what: str) -> int:
    """A deal's value ("1250000" = 12,500.00); absent or null is 0."""
    value = row.get("value")
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    try:
        cents = Decimal(str(value).strip())
    except InvalidOperation:
        cents = Decimal("NaN")
    if not cents.is_finite() or cents < 0:
        raise SourceResponseError(
            f"{PLATFORM}: {what} has value={str(value)[:40]!r}, not an amount in cents",
            platform=PLATFORM,
        )
    return int(cents.to_integral_value())


def _nonzero(value: Any) -> bool:
    number = _number(value) if value not in (None, "") else None
    return bool(number)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _first_day(month: Month) -> date:
    year, mon = parse_month(month)
    return date(year, mon, 1)


_NO_TRAFFIC_ES = (
    "La API de ActiveCampaign no informa de sesiones ni visitantes web: el seguimiento del "
    "sitio solo se expone por contacto (registros de seguimiento), nunca como recuentos"
)
_NO_BILLING_ES = (
    "ActiveCampaign no tiene datos de facturación de suscripciones (MRR, cuentas de pago, bajas)"
)
NOT_MEASURED_ES: Mapping[str, str] = {
    "emails_automated": "La API v3 de ActiveCampaign da los contadores de un email de "
    "automatización (send_amt...) como totales de toda la vida, sin rango de fechas, así que "
    "no se pueden saber sus envíos de un mes; la acción antigua campaign_report_totals de la "
    "v1 admite un rango de fechas (sdate, ldate), pero usa otra autenticación y otro formato "
    "de respuesta, que este conector no lee",
    "unique_opens_human": "El objeto campaña de la API v3 de ActiveCampaign cuenta aperturas "
    "(opens, uniqueopens) sin ninguna cifra que excluya los proxies de privacidad como la "
    "protección de privacidad de Apple Mail",
    "contacts_lost": "La API v3 de ActiveCampaign filtra los contactos por estado en la lista "
    "(baja, rebote) y por fecha de alta o de última modificación, nunca por la fecha en que "
    "dejaron una lista, así que no se pueden contar los contactos perdidos en un mes",
    "workflows_behavioral": "La API v3 documentada de ActiveCampaign no dice qué inicia una "
    "automatización: GET /api/3/automations no tiene campo de disparador y los endpoints de "
    "disparadores y bloques no están documentados ni listan sus tipos, así que no se pueden "
    "distinguir las automatizaciones por comportamiento de las que inicia una fecha o una lista",
    "spam_complaints": "El objeto campaña de la API v3 de ActiveCampaign no tiene contador de "
    "quejas por spam; las quejas solo aparecen en los informes de campaña de la aplicación",
    "email_sessions": _NO_TRAFFIC_ES,
    "website_sessions": _NO_TRAFFIC_ES,
    "website_visitors": _NO_TRAFFIC_ES,
    "conversions": "La API v3 de ActiveCampaign no da un recuento mensual de envíos de "
    "formularios ni de conversiones: los formularios no tienen estadísticas de envíos y las "
    "conversiones son registros por contacto",
    "mqls": "ActiveCampaign no tiene etapas de ciclo de vida: lo que hace a un lead cualificado "
    "por marketing (una etiqueta, una puntuación, una etapa de negocio) cambia de una cuenta a "
    "otra; dé los mqls en un fichero",
    "sqls": "ActiveCampaign no tiene etapas de ciclo de vida: lo que hace a un lead aceptado por "
    "ventas (una etiqueta, una etapa de negocio) cambia de una cuenta a otra; dé los sqls en un "
    "fichero",
    "customers_new": "ActiveCampaign no registra cuándo un contacto se hizo cliente: un negocio "
    "ganado puede ser una compra repetida, así que los clientes nuevos no se pueden deducir de "
    "deals_won",
    "deals_won_with_source": "Los negocios de ActiveCampaign no tienen campo de origen "
    "(atribución), así que no se puede medir la cobertura del ciclo cerrado",
    "revenue_attributed": "La API v3 de ActiveCampaign no expone ninguna atribución de ingresos "
    "al marketing (el valor de los negocios ganados está en revenue_won)",
    "revenue_total": "ActiveCampaign solo guarda negocios del CRM, no todos los ingresos del "
    "negocio; dé revenue_total en un fichero",
    "mrr": _NO_BILLING_ES,
    "mrr_churned": _NO_BILLING_ES,
    "accounts_active": _NO_BILLING_ES,
    "accounts_churned": _NO_BILLING_ES,
}
reasons.register(NOT_MEASURED, NOT_MEASURED_ES, "es")
