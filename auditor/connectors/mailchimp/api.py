"""What Mailchimp's Marketing API gives: the fields read, each metric's definition there,
what it cannot measure (in both languages), and the readers of its answers."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from auditor.connectors.http import dig
from auditor.core import reasons
from auditor.core.errors import (
    SourceNotFoundError,
    SourceResponseError,
)

PLATFORM = "Mailchimp"
BASIC_USER = "auditor"  # Mailchimp accepts any user name with the key as password
_DATA_CENTRE = re.compile(r"^[a-z]{2,8}[0-9]{1,4}$")
_LIST_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")

EMAIL_METRICS = (
    "emails_sent",
    "emails_delivered",
    "campaigns_sent",
    "unique_opens",
    "unique_clicks",
    "unsubscribes",
    "bounces",
    "spam_complaints",
)
HUMAN_OPENS = "unique_opens_human"
CONTACTS_LOST = "contacts_lost"
GROWTH_LOST_FIELDS = ("unsubscribed", "cleaned", "deleted")
"""GrowthHistory (Marketing API): "Newly unsubscribed members on the list for a specific
month", "Newly cleaned (hard-bounced) members ...", "Newly deleted members ..."."""
GROWTH_FIELDS = "history.month,history.unsubscribed,history.cleaned,history.deleted,total_items"
_MONTH = re.compile(r"\d{4}-\d{2}")
ECOMMERCE_METRICS = ("conversions", "revenue_attributed")
WORKFLOW_METRICS = ("workflows_active", "workflows_behavioral")
MEASURED = (
    *EMAIL_METRICS,
    HUMAN_OPENS,
    *WORKFLOW_METRICS,
    *ECOMMERCE_METRICS,
    CONTACTS_LOST,
)

AUTOMATION_REPORT_TYPES = frozenset({"automation", "auto"})
"""Report types whose counters are an automation email's lifetime totals: never counted."""

WORKFLOW_TRIGGERS: Mapping[str, tuple[bool, str]] = {
    # behavioural: the contact did something
    "abandonedBrowse": (True, "viewed products without buying (product retargeting)"),
    "abandonedCart": (True, "left products in the cart"),
    "api": (True, "an event the client's own system sends through the API"),
    "bestCustomers": (True, "became a best customer through purchases"),
    "categoryFollowup": (True, "bought from a product category"),
    "emailFollowup": (True, "opened, clicked or ignored a campaign"),
    "emailSeries": (True, "signed up to the audience (onboarding or education series)"),
    "mandrill": (True, "an event of a Mandrill transactional email"),
    "productFollowup": (True, "bought a given product"),
    "purchaseFollowup": (True, "made a purchase"),
    "singleWelcome": (True, "signed up to the audience"),
    "visitUrl": (True, "visited a page of the website"),
    "welcomeSeries": (True, "signed up to the audience"),
    # not behavioural: a date, or a list change usually made by the marketer
    "dateAdded": (False, "a number of days after joining the audience (a date)"),
    "groupAdd": (False, "added to a group of the audience (often by the marketer)"),
    "groupRemove": (False, "removed from a group of the audience (often by the marketer)"),
    "recurringEvent": (False, "a recurring date such as a birthday or anniversary"),
    "specialEvent": (False, "a specific date"),
}
"""`trigger_settings.workflow_type` -> (behavioural?, what starts it).  Unknown types
count as active but not behavioural, and are listed in the provenance."""

REPORT_FIELDS = (
    ",".join(
        f"reports.{name}"
        for name in (
            "id",
            "type",
            "list_id",
            "send_time",
            "emails_sent",
            "abuse_reports",
            "unsubscribed",
            "bounces.hard_bounces",
            "bounces.soft_bounces",
            "opens.unique_opens",
            "opens.proxy_excluded_unique_opens",
            "clicks.unique_subscriber_clicks",
            "ecommerce.total_orders",
            "ecommerce.total_revenue",
            "ecommerce.currency_code",
            "campaign_title",
        )
    )
    + ",total_items"
)
AUTOMATION_FIELDS = (
    ",".join(
        f"automations.{name}"
        for name in (
            "id",
            "status",
            "create_time",
            "start_time",
            "recipients.list_id",
            "trigger_settings.workflow_type",
        )
    )
    + ",total_items"
)
STORE_FIELDS = "stores.id,stores.list_id,stores.currency_code,total_items"

_SENT = "one-off campaigns (regular, plain-text, A/B, multivariate, RSS) sent in the month"
DEFINITIONS: Mapping[str, str] = {
    "contacts_lost": "`unsubscribed + cleaned + deleted` of GET /lists/{list_id}/growth-history "
    "(newly unsubscribed, cleaned after hard bounces and deleted members of the month), summed "
    "over the audited audience(s); a month the history has no row for is not measured",
    "emails_sent": f"sum of `emails_sent` of the campaign reports of {_SENT}, by `send_time` "
    "in the config's time zone; automation emails are not included",
    "bounces": "`bounces.hard_bounces + bounces.soft_bounces` of those campaigns "
    "(syntax errors are not bounces)",
    "emails_delivered": "emails_sent - bounces (Mailchimp's own denominator for its rates)",
    "campaigns_sent": f"number of {_SENT}",
    "unique_opens": "`opens.unique_opens` (includes machine opens such as Apple Mail "
    "Privacy Protection)",
    "unique_opens_human": '`opens.proxy_excluded_unique_opens`: "The total number of unique '
    'opens for a campaign, excluding opens from email clients that use proxies" (optional in '
    "the spec: a month with a campaign report without it is not measured)",
    "unique_clicks": "`clicks.unique_subscriber_clicks`: subscribers who clicked at least once",
    "unsubscribes": "`unsubscribed`: unsubscribes Mailchimp attributes to the campaign",
    "spam_complaints": "`abuse_reports` of the campaign",
    "conversions": "`ecommerce.total_orders`: store orders Mailchimp attributes to the "
    "campaign, counted in the campaign's send month",
    "revenue_attributed": "`ecommerce.total_revenue` (order totals minus shipping and tax) "
    "of the orders Mailchimp attributes to the campaign, in the campaign's send month, in the "
    "store's currency; revenue from automation emails is not included",
    "workflows_active": "classic automations whose status is `sending` today and that had "
    "started (`start_time`) by the end of the month; Customer Journeys are not listed by the "
    "API and are not counted",
    "workflows_behavioral": "those of the active automations whose "
    "`trigger_settings.workflow_type` reacts to the contact's behaviour (see WORKFLOW_TRIGGERS)",
}

_CRM = "Mailchimp has no CRM: MQLs, SQLs, customers won and deals are not measured"
_BILLING = "Mailchimp has no subscription billing data: MRR and paying accounts are not measured"
_WEB = "Mailchimp has no website analytics: website sessions and visitors are not measured"
NOT_MEASURED: Mapping[str, str] = {
    "emails_automated": "Mailchimp's Marketing API gives an automation email's lifetime totals "
    "only (report type 'automation' in GET /reports, `report_summary` in GET "
    "/automations/:id/emails), no figure per month, and Customer Journeys cannot be listed: "
    "automated emails sent in a month are not measured",
    "email_sessions": "Mailchimp does not see website sessions: traffic from email needs web "
    "analytics (clicks are measured as unique_clicks)",
    "website_sessions": _WEB,
    "website_visitors": _WEB,
    "leads_new": "Mailchimp has no lead object: audience sign-ups are subscribers (imports "
    "included), not leads, so new leads are not measured",
    "mqls": _CRM,
    "sqls": _CRM,
    "customers_new": _CRM,
    "deals_won": _CRM,
    "deals_lost": _CRM,
    "deals_won_with_source": _CRM,
    "revenue_won": _CRM,
    "revenue_total": "Mailchimp only sees store revenue it attributes to campaigns, not the "
    "business's total revenue",
    "mrr": _BILLING,
    "mrr_churned": _BILLING,
    "accounts_active": _BILLING,
    "accounts_churned": _BILLING,
}

_ONE_OFF_ONLY = (
    "one-off campaigns only: automation emails are not included (Mailchimp gives their "
    "lifetime totals only, never a month's)"
)
DEFINITION_DIFFERENCES: Mapping[str, str] = {
    "emails_sent": "one-off campaigns only: automation emails are not included (Mailchimp gives "
    "their lifetime totals only, no month's sends), so the catalog's emails_sent (bulk AND "
    "automated) is understated by the automation emails",
    "campaigns_sent": "one-off campaigns only (automation emails are not counted)",
    **dict.fromkeys(
        (
            "emails_delivered",
            "unique_opens",
            "unique_opens_human",
            "unique_clicks",
            "unsubscribes",
            "bounces",
            "spam_complaints",
        ),
        _ONE_OFF_ONLY,
    ),
}
"""Where this connector's figure is not the catalog's definition (docs/definitions.md)."""

NOT_COUNTED = (
    "automation emails: Mailchimp reports only lifetime totals per automation email (no "
    "figures per month), so their sends, opens, clicks and revenue are in no month's metrics",
    "Customer Journeys: the Marketing API has no endpoint listing them or their reports, so "
    "they are neither counted as workflows nor as sends",
)


def _iso(instant: datetime) -> str:
    """The API's documented time format: '2015-10-21T15:41:36+00:00'."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise SourceResponseError(
            f"Mailchimp: {what} is not a JSON object: {shown}", platform=PLATFORM
        )
    return value


def _count(report: Mapping[str, Any], path: str, missing: float | None = None) -> float:
    """A counter of a campaign report; absent is malformed unless `missing` is given."""
    value = dig(report, path)
    if value is None and missing is not None:
        return missing
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value.strip())
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise SourceResponseError(
            f"Mailchimp: campaign report {report.get('id')!r} has no readable '{path}' "
            f"({value!r}); expected a number",
            platform=PLATFORM,
        )
    return float(value)


def _growth_count(row: Mapping[str, Any], field: str, list_id: str) -> float:
    """A growth-history counter (an integer in the spec); absent counts 0."""
    value = row.get(field, 0)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SourceResponseError(
            f"Mailchimp: GET /lists/{list_id}/growth-history month {row.get('month')!r} has "
            f"{field}={str(value)[:40]!r}; expected a count",
            platform=PLATFORM,
        )
    return float(value)


def _refusal(exc: Exception, what: str) -> str:
    if isinstance(exc, SourceNotFoundError):
        return f"Mailchimp answered HTTP 404 to {what}"
    return f"Mailchimp refused {what} (HTTP 401/403) although the key read the campaign reports"


def _email_row(counts: Mapping[str, float]) -> dict[str, float]:
    row = {metric: float(counts.get(metric, 0)) for metric in EMAIL_METRICS}
    row["emails_delivered"] = row["emails_sent"] - row["bounces"]
    return row


_NO_CRM_ES = "Mailchimp no tiene CRM: no se miden MQL, SQL, clientes ganados ni negocios"
_NO_BILLING_ES = (
    "Mailchimp no tiene datos de facturación de suscripciones: no se miden la MRR ni las "
    "cuentas de pago"
)
NOT_MEASURED_ES: Mapping[str, str] = {
    "emails_automated": "La API de Marketing de Mailchimp solo da los totales de toda la vida "
    "de un email de automatización (informe de tipo 'automation' en GET /reports, "
    "`report_summary` en GET /automations/:id/emails), ninguna cifra por mes, y los Customer "
    "Journeys no se pueden listar: no se miden los emails automáticos enviados en un mes",
    "email_sessions": "Mailchimp no ve las sesiones web: el tráfico desde el email necesita "
    "analítica web (los clics se miden como unique_clicks)",
    "website_sessions": "Mailchimp no tiene analítica web: no se miden sesiones ni visitantes",
    "website_visitors": "Mailchimp no tiene analítica web: no se miden sesiones ni visitantes",
    "leads_new": "Mailchimp no tiene objeto lead: las altas en la audiencia son suscriptores "
    "(importaciones incluidas), no leads, así que no se miden los leads nuevos",
    "mqls": _NO_CRM_ES,
    "sqls": _NO_CRM_ES,
    "customers_new": _NO_CRM_ES,
    "deals_won": _NO_CRM_ES,
    "deals_lost": _NO_CRM_ES,
    "deals_won_with_source": _NO_CRM_ES,
    "revenue_won": _NO_CRM_ES,
    "revenue_total": "Mailchimp solo ve los ingresos de tienda que atribuye a campañas, no los "
    "ingresos totales del negocio",
    "mrr": _NO_BILLING_ES,
    "mrr_churned": _NO_BILLING_ES,
    "accounts_active": _NO_BILLING_ES,
    "accounts_churned": _NO_BILLING_ES,
}
reasons.register(NOT_MEASURED, NOT_MEASURED_ES, "es")
