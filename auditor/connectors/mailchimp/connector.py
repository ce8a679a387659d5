"""The Mailchimp connector: its contract (check, fetch) over the report and audience sections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from auditor.connectors.base import ConnectorOptions
from auditor.connectors.http import HttpClient, HttpPolicy
from auditor.connectors.mailchimp.api import (
    CONTACTS_LOST,
    DEFINITION_DIFFERENCES,
    DEFINITIONS,
    ECOMMERCE_METRICS,
    EMAIL_METRICS,
    HUMAN_OPENS,
    MEASURED,
    NOT_COUNTED,
    NOT_MEASURED,
    PLATFORM,
    _email_row,
    _iso,
    _object,
)
from auditor.connectors.mailchimp.audience import AudienceSection
from auditor.connectors.mailchimp.options import MailchimpOptions
from auditor.connectors.mailchimp.reports import ReportsSection
from auditor.connectors.timeutil import (
    month_bounds,
    period_bounds,
    to_iso_z,
)
from auditor.core.errors import (
    InputError,
    Problem,
    SourceNotFoundError,
)
from auditor.core.models import SourceData
from auditor.core.period import Month


class MailchimpConnector(ReportsSection, AudienceSection):
    """Mailchimp campaign reports, classic automations and attributed store revenue."""

    name: ClassVar[str] = "mailchimp"
    description: ClassVar[str] = (
        "Mailchimp Marketing API: campaign reports, classic automations, attributed store revenue"
    )
    Options: ClassVar[type[ConnectorOptions]] = MailchimpOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = NOT_MEASURED
    definition_differences: ClassVar[Mapping[str, str]] = DEFINITION_DIFFERENCES
    metric_sources: ClassVar[Mapping[str, str]] = {
        "emails_sent": "GET /3.0/reports: emails_sent of campaigns sent in the month",
        "emails_delivered": "GET /3.0/reports: emails_sent - hard_bounces - soft_bounces",
        "campaigns_sent": "GET /3.0/reports: campaigns sent in the month (automations excluded)",
        "unique_opens": "GET /3.0/reports: opens.unique_opens",
        "unique_opens_human": "GET /3.0/reports: opens.proxy_excluded_unique_opens",
        "contacts_lost": (
            "GET /3.0/lists/{list_id}/growth-history: unsubscribed + cleaned + deleted"
        ),
        "unique_clicks": "GET /3.0/reports: clicks.unique_subscriber_clicks",
        "unsubscribes": "GET /3.0/reports: unsubscribed",
        "bounces": "GET /3.0/reports: bounces.hard_bounces + bounces.soft_bounces",
        "spam_complaints": "GET /3.0/reports: abuse_reports",
        "conversions": "GET /3.0/reports: ecommerce.total_orders (needs a connected store)",
        "revenue_attributed": "GET /3.0/reports: ecommerce.total_revenue (needs a connected store)",
        "workflows_active": "GET /3.0/automations: status 'sending' (classic automations only)",
        "workflows_behavioral": "GET /3.0/automations: trigger_settings.workflow_type",
    }
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform=PLATFORM,
        # Mailchimp limits simultaneous connections (10), not requests per second, and
        # sends no rate-limit headers; this client makes one request at a time.
        rate=10.0,
        burst=10,
        max_tries=6,
        backoff_base=2.0,
        backoff_cap=30.0,
        read_timeout=120.0,
    )

    # --- check ----------------------------------------------------------------------------

    def check(self) -> str:
        """The account (and audience) the key reaches: two cheap calls at most."""
        with self._client() as client:
            account = self._account(client, "account_id,account_name")
            audience = self._audience(client, "id,name")
            base = client.base_url
        name = account.get("account_name") or "(unnamed)"
        ident = f" ({account['account_id']})" if account.get("account_id") else ""
        line = f"Mailchimp account {name}{ident} at {base}"
        if audience is not None:
            line += f", audience {audience.get('name') or audience.get('id')}"
        return line

    def _account(self, client: HttpClient, fields: str) -> dict[str, Any]:
        return _object(client.get_json("/", params={"fields": fields}), "GET /")

    def _audience(self, client: HttpClient, fields: str) -> dict[str, Any] | None:
        list_id = self._options().list_id
        if list_id is None:
            return None
        try:
            found = client.get_json(f"/lists/{list_id}", params={"fields": fields})
        except SourceNotFoundError:
            raise InputError(
                Problem(
                    f"Mailchimp has no audience '{list_id}' in this account (GET /lists/{list_id} "
                    "answered 404): check source.list_id (Audience > Settings > Audience name "
                    "and defaults > Audience ID)"
                )
            ) from None
        return _object(found, f"GET /lists/{list_id}")

    # --- fetch ----------------------------------------------------------------------------

    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Monthly metrics for `months` from campaign reports, automations and stores."""
        wanted = sorted(set(months))
        start, end = period_bounds(wanted, self.timezone)
        # `since_send_time` is documented as "after": ask from a second earlier so a campaign
        # scheduled at exactly midnight is not lost; months are re-checked here anyway.
        since = _iso(start - timedelta(seconds=1))
        before = _iso(end)
        now = self._now()
        reasons: dict[str, str] = {}
        provenance: dict[str, Any] = {}
        with self._client() as client:
            base = client.base_url
            account = self._account(client, "account_id,account_name,member_since")
            audience = self._audience(client, "id,name,date_created")
            tally = self._reports(client, since, before, wanted)
            automations = self._automations(client, reasons)
            stores: list[dict[str, Any]] | None = None
            if tally.counted:
                stores = self._stores(client, reasons)
            growth = self._growth(client, set(wanted), reasons)
            endpoints = sorted(client.log.by_endpoint)

        audience_name = None if audience is None else audience.get("name") or audience.get("id")
        born = self._born(account, audience, tally, automations)
        live = sorted({m for m in wanted if self._month_lived(m, born, now)} | set(tally.monthly))
        monthly: dict[Month, dict[str, float]] = {m: {} for m in live}

        if tally.counted:
            for month in live:
                monthly[month].update(_email_row(tally.monthly.get(month, Counter())))
            self._human_opens(tally, live, monthly, reasons)
            self._ecommerce(tally, stores, monthly, reasons, audience_name, provenance)
        else:
            to = f" to audience {audience_name}" if audience_name else ""
            why = (
                f"Mailchimp: no campaign was sent{to} from {wanted[0]} to {wanted[-1]} "
                "(GET /reports found none): email metrics are undefined, not 0"
            )
            reasons.update(dict.fromkeys((*EMAIL_METRICS, HUMAN_OPENS, *ECOMMERCE_METRICS), why))

        if automations is not None:
            provenance["automations"] = self._workflows(
                automations, live, monthly, reasons, audience_name
            )
        if growth is not None:
            provenance["growth_history"] = _put_contacts_lost(growth, live, monthly, reasons)

        monthly = {m: row for m, row in monthly.items() if row}
        future = [m for m in wanted if month_bounds(m, self.timezone)[0] > now]
        provenance.update(
            {
                "api": base,
                "account": account.get("account_name"),
                "account_id": account.get("account_id"),
                "audience": audience_name,
                "window": {"since_send_time": since, "before_send_time": before},
                "timezone": self.timezone,
                "as_of": to_iso_z(now),
                "existed_from": to_iso_z(born) if born else None,
                "months_left_out": {
                    "before_account": [m for m in wanted if m not in live and m not in future],
                    "after_fetch": future,
                },
                "reports": tally.provenance(),
                "endpoints": endpoints,
                "definitions": dict(DEFINITIONS),
                "not_counted": list(NOT_COUNTED),
            }
        )
        label = f"Mailchimp account {account.get('account_name') or account.get('account_id')}"
        if audience_name:
            label += f", audience {audience_name}"
        return self.source_data(
            monthly,
            label=label,
            provenance=provenance,
            not_measured=reasons,
            campaigns=tally.sends,
        )


def _put_contacts_lost(
    growth: tuple[dict[Month, float], int],
    live: list[Month],
    monthly: dict[Month, dict[str, float]],
    reasons: dict[str, str],
) -> dict[str, Any]:
    """Contacts lost per month from the audience's growth history; a month without a row
    is not measured. Returns the provenance of the growth history."""
    lost, audiences = growth
    missing = [m for m in live if m not in lost]
    for month in live:
        if month in lost:
            monthly[month][CONTACTS_LOST] = lost[month]
    if missing:
        reasons[CONTACTS_LOST] = (
            "GET /lists/{list_id}/growth-history has no row for "
            + ", ".join(missing)
            + ": contacts lost are not measured in those months"
        )
    return {
        "audiences": audiences,
        "fields": "unsubscribed + cleaned + deleted",
    }
