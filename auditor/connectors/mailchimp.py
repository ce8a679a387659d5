"""`mailchimp`: campaign reports and classic automations from the Mailchimp Marketing API v3.

What it reads (docs/connectors/mailchimp.md has the full mapping and why):

    GET /                      account name and creation date (`member_since`)
    GET /lists/{list_id}       the audience, when `source.list_id` narrows the audit
    GET /reports               one-off campaigns sent in the window: counters per campaign
    GET /automations           classic automations: status and trigger type
    GET /ecommerce/stores      whether a store is connected (revenue and orders need one)

Each campaign report counts once, in the month of its `send_time` in the
config's time zone; its counters (opens, clicks, unsubscribes, revenue...)
are Mailchimp's totals for that campaign at fetch time ("sent in the month").
Automation emails are NOT counted: Mailchimp gives only lifetime totals per
automation email, which are not figures of any month.  The key is sent with
HTTP Basic authentication (any user name, the key as password) to
`https://<dc>.api.mailchimp.com/3.0`, the data centre `<dc>` being the key's
suffix after its last '-', unless `source.base_url` says where the API is.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, Field

from auditor.connectors.base import ConnectorOptions, EnvVarName, HttpOptions
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy, basic_auth, dig
from auditor.connectors.timeutil import (
    month_bounds,
    month_of,
    parse_instant,
    period_bounds,
    to_iso_z,
)
from auditor.core import reasons
from auditor.core.errors import (
    InputError,
    Problem,
    SourceAuthError,
    SourceNotFoundError,
    SourceResponseError,
)
from auditor.core.models import SourceData
from auditor.core.period import Month

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


def _list_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not _LIST_ID.match(value.strip()):
        raise ValueError(
            "expected a Mailchimp audience id such as a1b2c3d4e5 (Audience > Settings > "
            "Audience name and defaults > Audience ID)"
        )
    return value.strip()


class MailchimpOptions(HttpOptions):
    """`source:` options of the Mailchimp connector."""

    api_key_env: EnvVarName = "MAILCHIMP_API_KEY"
    """The variable holding the API key (`<32 hex>-<dc>`, e.g. ...-us21)."""
    list_id: Annotated[str | None, AfterValidator(_list_id)] = None
    """Audit one audience (list) only: its campaigns, automations and store."""
    page_size: int = Field(default=1000, ge=1, le=1000)
    """Records per request (Mailchimp's `count`, at most 1000)."""


@dataclass
class _Tally:
    """Campaign reports summed per month, and what was left out and why."""

    monthly: dict[Month, Counter[str]] = field(default_factory=dict)
    revenue: dict[Month, float] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    seen: int = 0
    counted: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    automation_emails: int = 0
    other_audience: int = 0
    outside_months: int = 0
    duplicates: int = 0
    first_send: datetime | None = None
    no_proxy_excluded: Counter[Month] = field(default_factory=Counter)
    """Campaigns per month whose report has no `opens.proxy_excluded_unique_opens`."""

    def add(self, month: Month, counts: Mapping[str, float], revenue: float) -> None:
        self.monthly.setdefault(month, Counter()).update(counts)
        self.revenue[month] = self.revenue.get(month, 0.0) + revenue
        self.counted += 1

    def provenance(self) -> dict[str, Any]:
        return {
            "in_window": self.seen,
            "counted": self.counted,
            "by_type": dict(sorted(self.by_type.items())),
            "automation_emails_excluded": self.automation_emails,
            "other_audience": self.other_audience,
            "outside_requested_months": self.outside_months,
            "duplicates": self.duplicates,
        }


class MailchimpConnector(HttpConnector):
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

    # --- connection -----------------------------------------------------------------------

    def _options(self) -> MailchimpOptions:
        options = self.options
        assert isinstance(options, MailchimpOptions)
        return options

    def _base_for(self, key: str) -> str:
        options = self._options()
        if options.base_url:
            return options.base_url
        _, dash, centre = key.rpartition("-")
        centre = centre.strip().lower()
        if not dash or not _DATA_CENTRE.match(centre):
            variable = options.api_key_env
            raise InputError(
                Problem(
                    f"the Mailchimp API key in {variable} (named by source.api_key_env) does not "
                    "end in a data centre such as '-us21': copy the whole key from Mailchimp "
                    "(Profile > Extras > API keys), or set source.base_url to "
                    "https://<dc>.api.mailchimp.com/3.0"
                )
            )
        return f"https://{centre}.api.mailchimp.com/3.0"

    def api_base_url(self) -> str:
        """`source.base_url`, else `https://<dc>.api.mailchimp.com/3.0` from the key."""
        options = self._options()
        if options.base_url:
            return options.base_url
        return self._base_for(self.secret("api_key_env"))

    def _client(self) -> HttpClient:
        key = self.secret("api_key_env")  # InputError naming the variable if unset
        return self.http(
            headers={"Authorization": basic_auth(BASIC_USER, key)},
            credential_env=self._options().api_key_env,
            base_url=self._base_for(key),
        )

    def _now(self) -> datetime:
        wall = self.transport.get("wall_clock")
        seconds = wall() if wall is not None else datetime.now(UTC).timestamp()
        return datetime.fromtimestamp(seconds, UTC)

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
            provenance["growth_history"] = {
                "audiences": audiences,
                "fields": "unsubscribed + cleaned + deleted",
            }

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
        return self.source_data(monthly, label=label, provenance=provenance, not_measured=reasons)

    # --- campaign reports -----------------------------------------------------------------

    def _reports(self, client: HttpClient, since: str, before: str, wanted: list[Month]) -> _Tally:
        options = self._options()
        tally = _Tally()
        months = set(wanted)
        ids: set[str] = set()
        pages = client.paginate_offset(
            "/reports",
            items="reports",
            params={
                "since_send_time": since,
                "before_send_time": before,
                "fields": REPORT_FIELDS,
            },
            page_size=options.page_size,
            total="total_items",
        )
        for raw in pages:
            report = _object(raw, "a report of GET /reports")
            tally.seen += 1
            ident = report.get("id")
            if isinstance(ident, str) and ident:
                if ident in ids:
                    tally.duplicates += 1
                    continue
                ids.add(ident)
            kind = str(report.get("type") or "unknown")
            if kind in AUTOMATION_REPORT_TYPES:
                tally.automation_emails += 1
                continue
            if options.list_id is not None and report.get("list_id") != options.list_id:
                tally.other_audience += 1
                continue
            sent = report.get("send_time")
            if sent in (None, ""):
                raise SourceResponseError(
                    f"Mailchimp: campaign report {ident!r} in GET /reports has no send_time",
                    platform=PLATFORM,
                )
            month = month_of(sent, self.timezone)
            if month not in months:
                tally.outside_months += 1
                continue
            instant = parse_instant(sent, self.timezone)
            if tally.first_send is None or instant < tally.first_send:
                tally.first_send = instant
            tally.by_type[kind] += 1
            sent_count = _count(report, "emails_sent")
            bounces = _count(report, "bounces.hard_bounces") + _count(
                report, "bounces.soft_bounces"
            )
            counts = {
                "emails_sent": sent_count,
                "bounces": bounces,
                "unique_opens": _count(report, "opens.unique_opens"),
                "unique_clicks": _count(report, "clicks.unique_subscriber_clicks"),
                "unsubscribes": _count(report, "unsubscribed"),
                "spam_complaints": _count(report, "abuse_reports"),
                "campaigns_sent": 1,
                "conversions": _count(report, "ecommerce.total_orders", missing=0.0),
            }
            human = dig(report, "opens.proxy_excluded_unique_opens")
            if human is None:
                tally.no_proxy_excluded[month] += 1
            else:
                counts[HUMAN_OPENS] = _count(report, "opens.proxy_excluded_unique_opens")
            revenue = _count(report, "ecommerce.total_revenue", missing=0.0)
            currency = dig(report, "ecommerce.currency_code")
            if revenue and isinstance(currency, str) and currency.strip():
                tally.currencies.add(currency.strip().upper())
            tally.add(month, counts, revenue)
        return tally

    def _human_opens(
        self,
        tally: _Tally,
        live: list[Month],
        monthly: dict[Month, dict[str, float]],
        reasons: dict[str, str],
    ) -> None:
        """Proxy-excluded unique opens, in the months where every campaign report gives them.

        The field is optional in the spec: a month summed over some of its campaigns only
        would be understated, so such a month gets no value, and the reason says which.
        """
        lacking = sorted(m for m in tally.no_proxy_excluded if m in live)
        for month in live:
            if month not in tally.no_proxy_excluded:
                monthly[month][HUMAN_OPENS] = float(
                    tally.monthly.get(month, Counter())[HUMAN_OPENS]
                )
        if lacking:
            shown = ", ".join(f"{m} ({tally.no_proxy_excluded[m]})" for m in lacking)
            reasons[HUMAN_OPENS] = (
                "Mailchimp gave no opens.proxy_excluded_unique_opens for some campaign reports "
                f"of {shown}: human opens are not measured in those months"
            )

    def _ecommerce(
        self,
        tally: _Tally,
        stores: list[dict[str, Any]] | None,
        monthly: dict[Month, dict[str, float]],
        reasons: dict[str, str],
        audience_name: str | None,
        provenance: dict[str, Any],
    ) -> None:
        """Orders and revenue, when a store is connected and the revenue has one currency."""
        if stores is None:  # the endpoint was refused: the reason is already set
            return
        store_currencies = sorted(
            {str(s["currency_code"]).upper() for s in stores if s.get("currency_code")}
        )
        summary: dict[str, Any] = {
            "stores": len(stores),
            "store_currencies": store_currencies,
            "revenue_currencies": sorted(tally.currencies),
        }
        provenance["ecommerce"] = summary
        if not stores:
            where = f" for audience {audience_name}" if audience_name else ""
            why = (
                f"no e-commerce store is connected to Mailchimp{where} (GET /ecommerce/stores "
                "lists none): attributed orders and revenue are not measured"
            )
            reasons.update(dict.fromkeys(ECOMMERCE_METRICS, why))
            return
        for month, row in monthly.items():
            row["conversions"] = float(tally.monthly.get(month, Counter())["conversions"])
        if len(tally.currencies) > 1:
            shown = ", ".join(sorted(tally.currencies))
            reasons["revenue_attributed"] = (
                f"Mailchimp attributes campaign revenue in several currencies ({shown}): it is "
                "not added up, so attributed revenue is not measured"
            )
            return
        currencies = tally.currencies or set(store_currencies)
        summary["currency"] = next(iter(currencies)) if len(currencies) == 1 else None
        for month, row in monthly.items():
            row["revenue_attributed"] = round(tally.revenue.get(month, 0.0), 2)

    def _stores(self, client: HttpClient, reasons: dict[str, str]) -> list[dict[str, Any]] | None:
        options = self._options()
        try:
            rows = [
                _object(raw, "a store of GET /ecommerce/stores")
                for raw in client.paginate_offset(
                    "/ecommerce/stores",
                    items="stores",
                    params={"fields": STORE_FIELDS},
                    page_size=options.page_size,
                    total="total_items",
                )
            ]
        except (SourceAuthError, SourceNotFoundError) as exc:
            # The key has just read /reports: this endpoint is closed to the account.
            why = (
                f"{_refusal(exc, 'GET /ecommerce/stores')}: attributed orders and revenue are "
                "not measured"
            )
            reasons.update(dict.fromkeys(ECOMMERCE_METRICS, why))
            return None
        if options.list_id is not None:
            rows = [r for r in rows if r.get("list_id") == options.list_id]
        return rows

    # --- audience growth ------------------------------------------------------------------

    def _growth(
        self, client: HttpClient, wanted: set[Month], reasons: dict[str, str]
    ) -> tuple[dict[Month, float], int] | None:
        """Members who left each audience per month: the growth history's newly unsubscribed,
        cleaned (hard-bounced) and deleted members, summed over the audited audiences."""
        options = self._options()
        try:
            if options.list_id is not None:
                list_ids = [options.list_id]
            else:
                list_ids = [
                    str(_object(raw, "an audience of GET /lists").get("id"))
                    for raw in client.paginate_offset(
                        "/lists",
                        items="lists",
                        params={"fields": "lists.id,total_items"},
                        page_size=options.page_size,
                        total="total_items",
                    )
                ]
            lost: dict[Month, float] = {}
            for list_id in list_ids:
                for raw in client.paginate_offset(
                    f"/lists/{list_id}/growth-history",
                    items="history",
                    params={"fields": GROWTH_FIELDS},
                    page_size=options.page_size,
                    total="total_items",
                ):
                    row = _object(raw, f"a month of GET /lists/{list_id}/growth-history")
                    month = str(row.get("month") or "")
                    if not _MONTH.fullmatch(month):
                        raise SourceResponseError(
                            f"Mailchimp: GET /lists/{list_id}/growth-history has a month "
                            f"{month[:20]!r}; expected YYYY-MM",
                            platform=PLATFORM,
                        )
                    if month not in wanted:
                        continue
                    left = sum(_growth_count(row, field, list_id) for field in GROWTH_LOST_FIELDS)
                    lost[month] = lost.get(month, 0.0) + left
        except (SourceAuthError, SourceNotFoundError) as exc:
            reasons[CONTACTS_LOST] = (
                f"{_refusal(exc, 'GET /lists/{list_id}/growth-history')}: contacts lost are "
                "not measured"
            )
            return None
        return lost, len(list_ids)

    # --- automations ----------------------------------------------------------------------

    def _automations(
        self, client: HttpClient, reasons: dict[str, str]
    ) -> list[dict[str, Any]] | None:
        options = self._options()
        try:
            rows = [
                _object(raw, "an automation of GET /automations")
                for raw in client.paginate_offset(
                    "/automations",
                    items="automations",
                    params={"fields": AUTOMATION_FIELDS},
                    page_size=options.page_size,
                    total="total_items",
                )
            ]
        except (SourceAuthError, SourceNotFoundError) as exc:
            # The key has just read /reports: this endpoint is closed to the account.
            why = (
                f"{_refusal(exc, 'GET /automations')} (classic automations): active workflows "
                "are not measured"
            )
            reasons.update(dict.fromkeys(WORKFLOW_METRICS, why))
            return None
        if options.list_id is not None:
            rows = [r for r in rows if dig(r, "recipients.list_id") == options.list_id]
        return rows

    def _workflows(
        self,
        automations: list[dict[str, Any]],
        live: list[Month],
        monthly: dict[Month, dict[str, float]],
        reasons: dict[str, str],
        audience_name: str | None,
    ) -> dict[str, Any]:
        statuses = Counter(str(a.get("status") or "unknown") for a in automations)
        types = Counter(
            str(dig(a, "trigger_settings.workflow_type") or "unknown") for a in automations
        )
        unknown = sorted(t for t in types if t not in WORKFLOW_TRIGGERS)
        summary = {
            "total": len(automations),
            "by_status": dict(sorted(statuses.items())),
            "by_workflow_type": dict(sorted(types.items())),
            "unclassified_types": unknown,
            "behavioral_types": sorted(t for t, (b, _) in WORKFLOW_TRIGGERS.items() if b),
        }
        if not automations:
            where = f" for audience {audience_name}" if audience_name else ""
            why = (
                f"Mailchimp lists no classic automation{where}, and Customer Journeys (its "
                "current automation builder) cannot be listed through the Marketing API: "
                "active workflows are not measured"
            )
            reasons.update(dict.fromkeys(WORKFLOW_METRICS, why))
            return summary
        sending: list[tuple[datetime | None, bool]] = []
        for automation in automations:
            if automation.get("status") != "sending":
                continue
            started = automation.get("start_time") or automation.get("create_time")
            instant = parse_instant(started, self.timezone) if started else None
            kind = str(dig(automation, "trigger_settings.workflow_type") or "unknown")
            behavioral = WORKFLOW_TRIGGERS.get(kind, (False, ""))[0]
            sending.append((instant, behavioral))
        current = max(live) if live else None
        for month in live:
            month_end = month_bounds(month, self.timezone)[1]
            # An automation with no start or creation time counts only in the latest month.
            active = [
                b
                for instant, b in sending
                if (instant is not None and instant < month_end)
                or (instant is None and month == current)
            ]
            monthly[month]["workflows_active"] = float(len(active))
            monthly[month]["workflows_behavioral"] = float(sum(active))
        return summary

    # --- when the account existed ---------------------------------------------------------

    def _born(
        self,
        account: Mapping[str, Any],
        audience: Mapping[str, Any] | None,
        tally: _Tally,
        automations: list[dict[str, Any]] | None,
    ) -> datetime | None:
        """When the account (or the audience) started: months before it are left out.

        Without `member_since`, the earliest activity seen stands in for it.
        """
        known = [
            parse_instant(value, self.timezone)
            for value in (account.get("member_since"), (audience or {}).get("date_created"))
            if value
        ]
        if known:
            return max(known)
        seen = [tally.first_send] if tally.first_send else []
        for automation in automations or ():
            started = automation.get("start_time") or automation.get("create_time")
            if started:
                seen.append(parse_instant(started, self.timezone))
        return min(seen) if seen else None

    def _month_lived(self, month: Month, born: datetime | None, now: datetime) -> bool:
        start, end = month_bounds(month, self.timezone)
        return born is not None and end > born and start <= now


# --- helpers ------------------------------------------------------------------------------


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
