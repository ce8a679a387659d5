"""The HubSpot connector: checks the token and fetches the months through a `Run`."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from auditor.connectors.base import ConnectorOptions
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy
from auditor.connectors.hubspot.api import (
    ACCOUNT_DETAILS,
    ANALYTICS_SOURCES,
    CONTACTS_SEARCH,
    DEALS_SEARCH,
    DEFAULT_BASE_URL,
    EMAIL_STATS,
    FLOWS,
    FLOWS_BATCH,
    HOME_AMOUNT,
    MARKETING_EMAILS,
    MEASURED,
    NO_BILLING,
    WORKFLOW_METRICS,
    _count,
    _malformed,
)
from auditor.connectors.hubspot.limits import hubspot_wait
from auditor.connectors.hubspot.options import HubSpotOptions
from auditor.connectors.hubspot.run import Run
from auditor.connectors.timeutil import (
    month_bounds,
)
from auditor.core import reasons
from auditor.core.errors import (
    SourceNotFoundError,
)
from auditor.core.models import SourceData
from auditor.core.period import Month


class HubSpotConnector(HttpConnector):
    """Email statistics, workflows, lifecycle stages, deals and traffic of one HubSpot portal."""

    name: ClassVar[str] = "hubspot"
    description: ClassVar[str] = (
        "HubSpot marketing email, workflows, lifecycle stages, deals and traffic (private-app token)"
    )
    Options: ClassVar[type[ConnectorOptions]] = HubSpotOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    definition_differences: ClassVar[Mapping[str, str]] = {
        "contacts_lost": (
            "contacts lost through the month's marketing emails (HubSpot's contactslost "
            "counter: recipients who unsubscribed, hard-bounced or reported spam), not contacts "
            "removed in other ways such as deletion"
        ),
    }
    metric_sources: ClassVar[Mapping[str, str]] = {
        "emails_sent": f"GET {EMAIL_STATS} per month: aggregate.counters.sent",
        "emails_delivered": f"GET {EMAIL_STATS} per month: aggregate.counters.delivered",
        "unique_opens": f"GET {EMAIL_STATS} per month: aggregate.counters.open (per recipient)",
        "unique_clicks": f"GET {EMAIL_STATS} per month: aggregate.counters.click (per recipient)",
        "unsubscribes": f"GET {EMAIL_STATS} per month: aggregate.counters.unsubscribed",
        "bounces": f"GET {EMAIL_STATS} per month: aggregate.counters.hardbounced + softbounced",
        "spam_complaints": f"GET {EMAIL_STATS} per month: aggregate.counters.spamreport",
        "campaigns_sent": f"GET {EMAIL_STATS} per month: distinct ids in emails[]",
        "emails_automated": (
            f"GET {MARKETING_EMAILS}?type=AUTOMATED_EMAIL|AUTOMATED_AB_EMAIL, then GET "
            f"{EMAIL_STATS}?emailIds=.. per month: aggregate.counters.sent"
        ),
        "contacts_lost": f"GET {EMAIL_STATS} per month: aggregate.counters.contactslost",
        "workflows_active": (
            f"GET {FLOWS}: enabled WORKFLOW flows with objectTypeId 0-1 or 0-2 (contacts, "
            "companies), latest month"
        ),
        "workflows_behavioral": (
            f"POST {FLOWS_BATCH}: those flows enrolling on events or behaviour filters"
        ),
        "website_sessions": f"GET {ANALYTICS_SOURCES} per month: totals.visits",
        "website_visitors": f"GET {ANALYTICS_SOURCES} per month: totals.visitors",
        "email_sessions": f"GET {ANALYTICS_SOURCES} per month: visits of the email source",
        "conversions": f"GET {ANALYTICS_SOURCES} per month: totals.submissions (form submissions)",
        "leads_new": f"POST {CONTACTS_SEARCH} total, lead_date_property in the month",
        "mqls": f"POST {CONTACTS_SEARCH} total, mql_date_property in the month",
        "sqls": f"POST {CONTACTS_SEARCH} total, sql_date_property in the month",
        "customers_new": f"POST {CONTACTS_SEARCH} total, customer_date_property in the month",
        "deals_won": f"POST {DEALS_SEARCH}: hs_is_closed_won, closedate in the month",
        "deals_lost": f"POST {DEALS_SEARCH} total: hs_is_closed and not won, closedate in month",
        "revenue_won": (
            f"POST {DEALS_SEARCH} (paged): sum of {HOME_AMOUNT} of the won deals, in the "
            f"companyCurrency of GET {ACCOUNT_DETAILS}"
        ),
        "deals_won_with_source": (
            f"POST {DEALS_SEARCH}: won deals whose hs_analytics_source is a marketing source"
        ),
        "revenue_attributed": (
            f"POST {DEALS_SEARCH}: amount of won deals whose original source is a marketing one"
        ),
    }
    not_measured: ClassVar[Mapping[str, str]] = {
        "unique_opens_human": (
            "HubSpot's marketing email statistics count opens (counters.open) with no figure "
            "that leaves out machine or privacy-proxy opens: its counters are bounce, click, "
            "contactslost, delivered, dropped, hardbounced, notsent, open, pending, selected, "
            "sent, softbounced, spamreport, suppressed and unsubscribed"
        ),
        "revenue_total": (
            "not read from HubSpot: its deals hold what sales records there and its commerce "
            "payments only what is collected through HubSpot, not the business's total "
            "revenue; take revenue_total from the accounts"
        ),
        "mrr": NO_BILLING,
        "mrr_churned": NO_BILLING,
        "accounts_active": NO_BILLING,
        "accounts_churned": NO_BILLING,
    }
    default_base_url: ClassVar[str | None] = DEFAULT_BASE_URL
    state_at_fetch: ClassVar[frozenset[str]] = frozenset(WORKFLOW_METRICS)
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform="HubSpot",
        rate=9.0,
        burst=9,
        buckets={"search": (4.0, 1)},
        rate_limit_wait=hubspot_wait,
    )

    # --- plumbing ---

    def _options(self) -> HubSpotOptions:
        return self.options_as(HubSpotOptions)

    def _client(self) -> HttpClient:
        options = self._options()
        token = self.secret("token_env")
        return self.http(
            headers={"Authorization": f"Bearer {token}"}, credential_env=options.token_env
        )

    def _now(self) -> datetime:
        wall: Callable[[], float] = self.transport.get("wall_clock", time.time)
        return datetime.fromtimestamp(wall(), UTC)

    # --- the contract ---

    def check(self) -> str:
        """`GET /account-info/v3/details`: the portal the token opens.

        A server without that endpoint (404) is asked for one contact instead,
        which proves the token as well, without naming the portal.
        """
        with self._client() as client:
            try:
                info = client.get_json(ACCOUNT_DETAILS)
            except SourceNotFoundError:
                total = _count(client, CONTACTS_SEARCH, [])
                return f"HubSpot at {self.api_base_url()}: token accepted ({total} contacts)"
        if not isinstance(info, dict) or info.get("portalId") in (None, ""):
            raise _malformed(f"GET {ACCOUNT_DETAILS}", "no portalId", info)
        extra = [f"{key} {info[key]}" for key in ("timeZone", "companyCurrency") if info.get(key)]
        detail = f" ({', '.join(extra)})" if extra else ""
        return f"HubSpot portal {info['portalId']}{detail} at {self.api_base_url()}"

    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Every measured metric for the months of `months` that have begun."""
        options = self._options()
        now = self._now()
        wanted = sorted(set(months))
        started = [m for m in wanted if month_bounds(m, self.timezone)[0] <= now]
        run = Run(self, options, started, now)
        if started:
            with self._client() as client:
                run.collect(client)
        provenance = run.provenance([m for m in wanted if m not in started])
        portal = run.account.get("portalId") if run.account else None
        label = f"HubSpot portal {portal}" if portal else f"HubSpot at {self.api_base_url()}"
        data = self.source_data(
            run.monthly, label=label, provenance=provenance, not_measured=run.reasons
        )
        return dataclasses.replace(
            data,
            leads=tuple(run.leads),
            currency=run.money_currency(),
            engagement=run.engagement,
        )


_NO_BILLING_ES = (
    "no se lee de HubSpot: sus suscripciones de comercio (/crm/v3/objects/subscriptions) solo "
    "existen en portales que cobran con los pagos de HubSpot o con Stripe, y este conector aún "
    "no las lee; no se miden mrr, mrr_churned, accounts_active ni accounts_churned (tómelos del "
    "sistema de facturación)"
)
NOT_MEASURED_ES: Mapping[str, str] = {
    "unique_opens_human": "Las estadísticas de email de marketing de HubSpot cuentan aperturas "
    "(counters.open) sin ninguna cifra que excluya las aperturas de máquinas o de proxies de "
    "privacidad: sus contadores son bounce, click, contactslost, delivered, dropped, "
    "hardbounced, notsent, open, pending, selected, sent, softbounced, spamreport, suppressed y "
    "unsubscribed",
    "revenue_total": "no se lee de HubSpot: sus negocios guardan lo que ventas registra allí y "
    "sus pagos de comercio solo lo que se cobra a través de HubSpot, no los ingresos totales "
    "del negocio; tome revenue_total de la contabilidad",
    "mrr": _NO_BILLING_ES,
    "mrr_churned": _NO_BILLING_ES,
    "accounts_active": _NO_BILLING_ES,
    "accounts_churned": _NO_BILLING_ES,
}
reasons.register(HubSpotConnector.not_measured, NOT_MEASURED_ES, "es")
