"""`hubspot`: monthly base metrics from a HubSpot portal over its REST API (private-app token).

What comes from where (docs/connectors/hubspot.md has the full table):

- marketing email statistics, one `GET /marketing/v3/emails/statistics/list`
  per month with the month's bounds in the config's time zone (the histogram
  endpoint buckets months in the *account's* zone, so it is not used);
  bounces are `hardbounced + softbounced` (HubSpot documents `bounce` with
  the words it uses for `hardbounced`: hard bounces only);
- workflows from `GET /automation/v4/flows` (paged) and the enabled ones'
  enrollment triggers from `POST /automation/v4/flows/batch/read`: a stock,
  as of the latest fetched month; only flows enrolling contacts or companies
  (`objectTypeId` 0-1, 0-2) are marketing automation, deal, ticket and
  custom-object flows are listed apart in the provenance;
- lifecycle counts from CRM search TOTALS (`limit: 1`, read `total`): one
  request per month and stage, whatever the number of contacts;
- deals won (paged, to add up their amounts) and lost (a total) per month;
  revenue is `amount_in_home_currency`, in the portal's company currency
  (`GET /account-info/v3/details`: `companyCurrency`), stated in
  `SourceData.currency`; amounts in two currencies are never added;
- website sessions, visitors, sessions from email and form submissions from
  the analytics v2 sources report, one request per month.

A section the token may not read (HTTP 403: a missing scope or a product the
portal lacks) becomes "not measured" with the reason; a refused token (401)
stops the run.  A metric that is zero in every fetched month (no email ever
sent, no deal ever closed, a lifecycle date property never set) is left
undefined, not 0: that says the feature is unused or the property empty, not
that the period scored zero.  Months that have not started yet are not asked.

Opt-in (`leads: true`): the contacts created in the last 12 fetched months,
with their lead score and MQL / customer flags, for the lead-scoring analysis
(`SourceData.leads`); they are paged, so those requests grow with the CRM.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, ClassVar, TypeVar

import requests
from pydantic import AfterValidator, Field

from auditor.connectors.base import ConnectorOptions, EnvVarName, HttpOptions
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy, dig
from auditor.connectors.timeutil import (
    month_bounds,
    parse_instant,
    to_epoch_ms,
    to_iso_z,
    zone,
)
from auditor.core import reasons
from auditor.core.errors import (
    SourceAuthError,
    SourceNotFoundError,
    SourceResponseError,
)
from auditor.core.models import Lead, SourceData
from auditor.core.period import Month
from auditor.core.shapes import mapping_or_empty

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.hubapi.com"
SEARCH_CAP = 10_000
"""CRM search returns at most this many results per query (paging past it is HTTP 400)."""
BATCH_SIZE = 100
"""Flows read per `POST /automation/v4/flows/batch/read`."""
LEAD_MONTHS = 12
"""Lead-level data covers the last this many fetched months (`leads: true`)."""
LEAD_MATURITY_DAYS = 60
"""Leads younger than this when read, and not customers yet, have an unknown outcome."""

EMAIL_STATS = "/marketing/v3/emails/statistics/list"
MARKETING_EMAILS = "/marketing/v3/emails"
AUTOMATED_TYPES = ("AUTOMATED_EMAIL", "AUTOMATED_AB_EMAIL")
"""`type` values of GET /marketing/v3/emails for emails sent by workflows."""
EMAIL_IDS_PER_REQUEST = 100
"""emailIds sent per statistics request (a query string stays short)."""
FLOWS = "/automation/v4/flows"
FLOWS_BATCH = "/automation/v4/flows/batch/read"
CONTACTS_SEARCH = "/crm/v3/objects/contacts/search"
DEALS_SEARCH = "/crm/v3/objects/deals/search"
ANALYTICS_SOURCES = "/analytics/v2/reports/sources/total"
ACCOUNT_DETAILS = "/account-info/v3/details"

HOME_AMOUNT = "amount_in_home_currency"
"""Deal property: the amount in the portal's company currency ("Amount in company currency")."""
DEAL_AMOUNT = "amount"
"""Deal property: the amount in the deal's own currency (`deal_currency_code`)."""
DEAL_CURRENCY = "deal_currency_code"
MARKETING_OBJECTS: Mapping[str, str] = {"0-1": "contacts", "0-2": "companies"}
"""Flow `objectTypeId`s whose workflows are marketing automation (what they enroll)."""
OBJECT_NAMES: Mapping[str, str] = {
    **MARKETING_OBJECTS,
    "0-3": "deals",
    "0-5": "tickets",
    "0-136": "leads",
}
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")

EMAIL_METRICS = (
    "emails_sent",
    "emails_delivered",
    "unique_opens",
    "unique_clicks",
    "unsubscribes",
    "bounces",
    "spam_complaints",
    "campaigns_sent",
    "emails_automated",
    "contacts_lost",
)
WORKFLOW_METRICS = ("workflows_active", "workflows_behavioral")
STAGE_METRICS = ("leads_new", "mqls", "sqls", "customers_new")
DEAL_METRICS = (
    "deals_won",
    "deals_lost",
    "revenue_won",
    "deals_won_with_source",
    "revenue_attributed",
)
MONEY_METRICS = ("revenue_won", "revenue_attributed")
TRAFFIC_METRICS = ("website_sessions", "website_visitors", "email_sessions", "conversions")
MEASURED = EMAIL_METRICS + WORKFLOW_METRICS + TRAFFIC_METRICS + STAGE_METRICS + DEAL_METRICS

NO_BILLING = (
    "not read from HubSpot: its commerce subscriptions (/crm/v3/objects/subscriptions) exist "
    "only in portals that bill through HubSpot payments or Stripe, and this connector does not "
    "read them yet; mrr, mrr_churned, accounts_active and accounts_churned are not measured "
    "(take them from the billing system)"
)

# Enrollment filters that fire on something a lead or customer DID (list-based flows).
BEHAVIORAL_FILTERS = frozenset(
    {
        "PAGE_VIEW",
        "CTA",
        "EVENT",
        "FORM_SUBMISSION",
        "FORM_SUBMISSION_ON_PAGE",
        "INTEGRATION_EVENT",
        "SURVEY_MONKEY",
        "SURVEY_MONKEY_VALUE",
        "WEBINAR",
        "EMAIL_EVENT",
        "UNIFIED_EVENTS",
        "ADS_SEARCH",
        "ADS_TIME",
    }
)

_PROPERTY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _property_name(value: str) -> str:
    if not _PROPERTY.match(value):
        raise ValueError(
            "expected a HubSpot property's internal name (letters, digits and _), "
            "e.g. hs_lifecyclestage_marketingqualifiedlead_date"
        )
    return value


PropertyName = Annotated[str, AfterValidator(_property_name)]


class HubSpotOptions(HttpOptions):
    """The `source:` options of the HubSpot connector."""

    token_env: EnvVarName = "HUBSPOT_TOKEN"
    """Variable holding the private-app (static) token, sent as `Authorization: Bearer`."""
    lead_date_property: PropertyName = "createdate"
    """Contact date property whose month makes a new lead (default: the contact's creation)."""
    mql_date_property: PropertyName = "hs_lifecyclestage_marketingqualifiedlead_date"
    sql_date_property: PropertyName = "hs_lifecyclestage_salesqualifiedlead_date"
    customer_date_property: PropertyName = "hs_lifecyclestage_customer_date"
    pipelines: tuple[Annotated[str, AfterValidator(_property_name)], ...] = ()
    """Deal pipeline ids to count (empty: every pipeline)."""
    amount_property: PropertyName = HOME_AMOUNT
    """Deal amount property: the company-currency amount HubSpot keeps for every deal.

    `amount` is each deal's own currency: a won deal in another currency then
    makes revenue not measured (never added); a custom property is taken to
    be in the company currency, as HubSpot shows currency properties.
    """
    source_property: PropertyName = "hs_analytics_source"
    """Deal property holding the original source (closed loop)."""
    non_marketing_sources: tuple[str, ...] = ("OFFLINE",)
    """Original-source values that are not a marketing source (imports, CRM UI, API...)."""
    closedate_as_date: bool = True
    """Read `closedate` as a calendar date (its UTC date), not an instant in `timezone`."""
    search_page_size: int = Field(default=200, ge=1, le=200)
    """Won deals (and contacts, with `leads`) per search page (HubSpot's maximum is 200)."""
    analytics: bool = True
    """Fetch website traffic and form submissions (analytics v2 reports)."""
    leads: bool = False
    """Also fetch lead-level rows (contacts with their score) for the lead-scoring analysis."""
    lead_score_property: PropertyName = "hubspotscore"
    """Contact property holding the lead score (legacy HubSpot score, or a new score's)."""
    max_leads: int = Field(default=10_000, ge=1)
    """Contacts read at most with `leads` (the oldest first); past it the sample is truncated."""


def _policy_name(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    name = body.get("policyName") if isinstance(body, dict) else None
    return str(name).upper() if name else ""


def _seconds_to_utc_midnight(response: requests.Response) -> float:
    try:
        now = parsedate_to_datetime(response.headers["Date"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError, IndexError):
        now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight - now).total_seconds())


def hubspot_wait(response: requests.Response) -> float | None:
    """Seconds to wait read from HubSpot's rate-limit signals (None: nothing to add).

    A 429 without `Retry-After` waits for its policy's window (10 s rolling, 1 s
    secondly) or, for the daily quota, until the next UTC midnight, which the
    client refuses to sleep (SourceQuotaError).  A success whose
    `X-HubSpot-RateLimit-Remaining` is 0 delays the next request by the interval.
    """
    headers = response.headers
    interval = _float(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
    if response.status_code == 429:
        if headers.get("Retry-After"):
            return None
        policy = _policy_name(response)
        if (
            policy == "DAILY"
            or (headers.get("X-HubSpot-RateLimit-Daily-Remaining") or "").strip() == "0"
        ):
            return _seconds_to_utc_midnight(response)
        if policy == "SECONDLY":
            return 1.0
        if interval:
            return interval / 1000
        if policy.startswith("TEN_SECONDLY"):
            return 10.0
        return None
    if (headers.get("X-HubSpot-RateLimit-Remaining") or "").strip() == "0":
        return interval / 1000 if interval else 10.0
    return None


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _refused_scope(exc: SourceAuthError) -> bool:
    """A 403 (scope or product missing); a 401 (bad or expired token) stops the run."""
    return exc.status == 403


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
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform="HubSpot",
        rate=9.0,
        burst=9,
        buckets={"search": (4.0, 1)},
        rate_limit_wait=hubspot_wait,
    )

    # --- plumbing ---

    def _options(self) -> HubSpotOptions:
        if isinstance(self.options, HubSpotOptions):
            return self.options
        return HubSpotOptions.model_validate(self.options.model_dump())

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
        run = _Run(self, options, started, now)
        if started:
            with self._client() as client:
                run.collect(client)
        provenance = run.provenance([m for m in wanted if m not in started])
        portal = run.account.get("portalId") if run.account else None
        label = f"HubSpot portal {portal}" if portal else f"HubSpot at {self.api_base_url()}"
        data = self.source_data(
            run.monthly, label=label, provenance=provenance, not_measured=run.reasons
        )
        return dataclasses.replace(data, leads=tuple(run.leads), currency=run.money_currency())


class _Run:
    """One fetch: the months, what was found, and why anything was not measured."""

    def __init__(
        self,
        connector: HubSpotConnector,
        options: HubSpotOptions,
        months: list[Month],
        now: datetime,
    ) -> None:
        self.connector = connector
        self.options = options
        self.months = months
        self.now = now
        self.tz = connector.timezone
        self.monthly: dict[Month, dict[str, float]] = {}
        self.reasons: dict[str, str] = {}
        self.refused: dict[str, SourceAuthError | SourceNotFoundError] = {}
        self.account: dict[str, Any] | None = None
        self.workflows: dict[str, Any] = {}
        self.deal_notes: dict[str, Any] = {"won_without_amount": 0, "unreadable_amounts": 0}
        self.home_currency: str | None = None  # the portal's companyCurrency, when known
        self.home_from_amount = 0  # won deals without a home amount, `amount` in home currency
        self.foreign: Counter[str] = Counter()  # won deals in another currency, by currency
        self.hard_only: list[Month] = []  # months without a softbounced counter
        self.splits = 0
        self.traffic_notes: list[str] = []
        self.leads: list[Lead] = []
        self.lead_notes: dict[str, Any] = {}
        self.automated_emails: int | None = None  # automated emails listed in the portal

    # --- orchestration ---

    def collect(self, client: HttpClient) -> None:
        self.account = self._optional("account", lambda: self._account(client), missing_ok=True)
        code = (self.account or {}).get("companyCurrency")
        if isinstance(code, str) and _CURRENCY_CODE.match(code):
            self.home_currency = code
        sections: list[tuple[str, str, Callable[[], None], bool]] = [
            ("email", "'content' or 'marketing.email.read'", lambda: self._emails(client), True),
            ("workflows", "'automation'", lambda: self._workflows(client), True),
            ("lifecycle", "'crm.objects.contacts.read'", lambda: self._stages(client), False),
            ("deals", "'crm.objects.deals.read'", lambda: self._deals(client), False),
        ]
        if self.options.leads:
            sections.append(
                ("leads", "'crm.objects.contacts.read'", lambda: self._leads(client), False)
            )
        if self.options.analytics:
            sections.append(
                ("traffic", "'business-intelligence'", lambda: self._traffic(client), True)
            )
        else:
            for metric in TRAFFIC_METRICS:
                self.reasons[metric] = "not fetched: source.analytics is false"
        metrics_of = {
            "email": EMAIL_METRICS,
            "workflows": WORKFLOW_METRICS,
            "lifecycle": STAGE_METRICS,
            "deals": DEAL_METRICS,
            "traffic": TRAFFIC_METRICS,
            "leads": (),
        }
        for name, scope, run, missing_ok in sections:
            done = self._optional(name, functools.partial(_ran, run), missing_ok=missing_ok)
            if done is None:
                why = self._refusal(name, scope)
                for metric in metrics_of[name]:
                    self.reasons[metric] = why
                    for values in self.monthly.values():  # a section refused half-way
                        values.pop(metric, None)
        if all(name in self.refused for name, *_ in sections):
            raise self.refused[sections[0][0]]  # the token opens nothing: say so

    def _optional(self, name: str, call: Callable[[], T], *, missing_ok: bool) -> T | None:
        try:
            return call()
        except SourceAuthError as exc:
            if not _refused_scope(exc):
                raise
            self.refused[name] = exc
        except SourceNotFoundError as exc:
            if not missing_ok:
                raise
            self.refused[name] = exc
        return None

    def _refusal(self, name: str, scope: str) -> str:
        exc = self.refused[name]
        if isinstance(exc, SourceNotFoundError):
            return f"HubSpot has no {name} endpoint here (HTTP 404 on {exc.path}): not measured"
        return (
            f"HubSpot refused the {name} data (HTTP 403): the private app lacks the {scope} "
            "scope or the portal lacks the product; not measured"
        )

    def _put(self, month: Month, values: Mapping[str, float]) -> None:
        self.monthly.setdefault(month, {}).update(values)

    def _keep_unless_all_zero(
        self, found: Mapping[Month, Mapping[str, float]], key: str, metrics: Iterable[str], why: str
    ) -> None:
        """Store `found`, unless `key` is 0 in every month: then the metrics are undefined."""
        if found and any(values.get(key, 0) for values in found.values()):
            for month, values in found.items():
                self._put(month, values)
            return
        for metric in metrics:
            self.reasons[metric] = why

    def _span(self) -> str:
        return f"{self.months[0]} to {self.months[-1]}"

    def money_currency(self) -> str | None:
        """The currency of the money delivered: the company currency, when revenue was."""
        if self.home_currency is None:
            return None
        money = any(m in v for v in self.monthly.values() for m in MONEY_METRICS)
        return self.home_currency if money else None

    # --- account ---

    def _account(self, client: HttpClient) -> dict[str, Any]:
        info = client.get_json(ACCOUNT_DETAILS)
        if not isinstance(info, dict):
            raise _malformed(f"GET {ACCOUNT_DETAILS}", "not an object", info)
        keep = (
            "portalId",
            "timeZone",
            "companyCurrency",
            "additionalCurrencies",
            "dataHostingLocation",
            "accountType",
        )
        return {key: info[key] for key in keep if key in info}

    # --- marketing email ---

    def _automated_ids(self, client: HttpClient) -> list[str]:
        """Ids of the portal's automated (workflow) emails, both types, each once."""
        ids: list[str] = []
        for kind in AUTOMATED_TYPES:
            for email in client.paginate_cursor(
                MARKETING_EMAILS, items="results", params={"type": kind, "limit": 100}
            ):
                if not isinstance(email, dict) or "id" not in email:
                    raise _malformed(f"GET {MARKETING_EMAILS}", "an email without an id", email)
                if str(email["id"]) not in ids:
                    ids.append(str(email["id"]))
        return ids

    def _automated_sent(
        self, client: HttpClient, ids: list[str], params: Mapping[str, str]
    ) -> float:
        """Sends of the automated emails in the month: the statistics filtered by emailIds."""
        shown = f"GET {EMAIL_STATS}?emailIds="
        sent = 0.0
        for first in range(0, len(ids), EMAIL_IDS_PER_REQUEST):
            chunk = ids[first : first + EMAIL_IDS_PER_REQUEST]
            page = client.get_json(EMAIL_STATS, params={**params, "emailIds": chunk})
            if not isinstance(page, dict) or not isinstance(page.get("aggregate"), dict):
                raise _malformed(shown, "no 'aggregate' object", page)
            counters = page["aggregate"].get("counters") or {}
            if not isinstance(counters, dict):
                raise _malformed(shown, "'aggregate.counters' is not an object", page)
            sent += _counter(counters, "sent", shown)
        return sent

    def _emails(self, client: HttpClient) -> None:
        found: dict[Month, dict[str, float]] = {}
        shown = f"GET {EMAIL_STATS}"
        automated = self._automated_ids(client)
        self.automated_emails = len(automated)
        for month in self.months:
            start, end = month_bounds(month, self.tz)
            window = {"startTimestamp": to_iso_z(start), "endTimestamp": _iso_ms(end)}
            page = client.get_json(EMAIL_STATS, params=window)
            if not isinstance(page, dict) or not isinstance(page.get("aggregate"), dict):
                raise _malformed(shown, "no 'aggregate' object", page)
            counters = page["aggregate"].get("counters") or {}
            if not isinstance(counters, dict):
                raise _malformed(shown, "'aggregate.counters' is not an object", page)
            emails = page.get("emails")
            if emails is not None and not isinstance(emails, list):
                raise _malformed(shown, "'emails' is not a list", page)

            def count(name: str, counters: dict[str, Any] = counters) -> float:
                return _counter(counters, name, shown)

            # `bounce` is documented with the words of `hardbounced` (hard only): the
            # base metric is hard + soft, so the two counters are added.
            hard = count("hardbounced") if "hardbounced" in counters else count("bounce")
            bounces = hard + count("softbounced")
            if "softbounced" not in counters and count("sent"):
                self.hard_only.append(month)
            found[month] = {
                "emails_sent": count("sent"),
                "emails_delivered": count("delivered"),
                "unique_opens": count("open"),
                "unique_clicks": count("click"),
                "unsubscribes": count("unsubscribed"),
                "bounces": bounces,
                "spam_complaints": count("spamreport"),
            }
            if emails is not None or not found[month]["emails_sent"]:
                found[month]["campaigns_sent"] = float(len({str(e) for e in emails or []}))
            if "contactslost" in counters:  # contacts the month's emails lost
                found[month]["contacts_lost"] = count("contactslost")
            elif not count("sent"):  # no email sent: HubSpot gives no counters at all
                found[month]["contacts_lost"] = 0.0
            sent_here = {str(e) for e in emails or []}
            ours = [i for i in automated if i in sent_here] if emails is not None else automated
            found[month]["emails_automated"] = (
                self._automated_sent(client, ours, window) if ours else 0.0
            )
        self._keep_unless_all_zero(
            found,
            "emails_sent",
            EMAIL_METRICS,
            f"HubSpot reports no marketing email sent from {self._span()}: email metrics "
            "are undefined, not 0",
        )

    # --- workflows ---

    def _workflows(self, client: HttpClient) -> None:
        as_of = self.months[-1]
        end = min(month_bounds(as_of, self.tz)[1], self.now)
        listing = list(client.paginate_cursor(FLOWS, items="results", params={"limit": 100}))
        counted: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        others: Counter[str] = Counter()  # enabled flows of other objects, by object
        for flow in listing:
            if not isinstance(flow, dict) or "id" not in flow:
                raise _malformed(f"GET {FLOWS}", "a flow without an id", flow)
            why_not = _not_counted(flow, end)
            row = {
                "id": str(flow["id"]),
                "name": flow.get("name"),
                "enabled": flow.get("isEnabled") is True,
                "flowType": flow.get("flowType"),
                "objectTypeId": _object_type(flow),
                "counted": why_not is None,
            }
            if why_not:
                row["why"] = why_not
                if why_not.startswith("enrolls "):
                    others[_object_name(_object_type(flow))] += 1
            else:
                counted.append(flow)
            rows.append(row)
        details = self._flow_details(client, [str(f["id"]) for f in counted])
        behavioral = 0
        by_id = {r["id"]: r for r in rows}
        for flow in counted:
            trigger, is_behavioral, why = classify_trigger(details.get(str(flow["id"])))
            by_id[str(flow["id"])].update(trigger=trigger, behavioral=is_behavioral, why=why)
            behavioral += is_behavioral
        self._put(
            as_of,
            {"workflows_active": float(len(counted)), "workflows_behavioral": float(behavioral)},
        )
        self.workflows = {
            "as_of_month": as_of,
            "state_read_at": to_iso_z(self.now),
            "note": (
                "the flows API (v4) gives no history of a flow's on/off state: the count is the "
                f"flows enabled when fetched and created before {to_iso_z(end)}, given to {as_of} "
                "only; earlier months are not measured"
            ),
            "counted_objects": "contacts (objectTypeId 0-1) and companies (0-2)",
            "enabled_other_objects": dict(sorted(others.items())),
            "flows": rows,
        }

    def _flow_details(self, client: HttpClient, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        try:
            for at in range(0, len(ids), BATCH_SIZE):
                chunk = ids[at : at + BATCH_SIZE]
                body = {"inputs": [{"type": "FLOW_ID", "flowId": i} for i in chunk]}
                page = client.post_json(FLOWS_BATCH, body)
                results = page.get("results") if isinstance(page, dict) else None
                if not isinstance(results, list):
                    raise _malformed(f"POST {FLOWS_BATCH}", "no 'results' list", page)
                for flow in results:
                    if isinstance(flow, dict) and "id" in flow:
                        found[str(flow["id"])] = flow
        except SourceNotFoundError:
            # A server without the batch endpoint: read the enabled flows one by one.
            for flow_id in ids:
                if flow_id in found:
                    continue
                try:
                    flow = client.get_json(f"{FLOWS}/{flow_id}")
                except SourceNotFoundError:
                    continue  # deleted since the listing: its trigger stays unknown
                if isinstance(flow, dict):
                    found[flow_id] = flow
        return found

    # --- lifecycle stages (CRM search totals) ---

    def _stages(self, client: HttpClient) -> None:
        options = self.options
        stages = (
            ("leads_new", options.lead_date_property),
            ("mqls", options.mql_date_property),
            ("sqls", options.sql_date_property),
            ("customers_new", options.customer_date_property),
        )
        for metric, prop in stages:
            found: dict[Month, dict[str, float]] = {}
            for month in self.months:
                start, end = month_bounds(month, self.tz)
                filters = [_between(prop, start, end)]
                found[month] = {metric: float(_count(client, CONTACTS_SEARCH, filters))}
            self._keep_unless_all_zero(
                found,
                metric,
                (metric,),
                f"no HubSpot contact has '{prop}' in {self._span()} (the stage is unused or "
                "the property empty): undefined, not 0",
            )

    # --- deals ---

    def _deal_bounds(self, month: Month) -> tuple[datetime, datetime]:
        return month_bounds(month, "UTC" if self.options.closedate_as_date else self.tz)

    def _pipeline_filter(self) -> list[dict[str, Any]]:
        pipelines = list(self.options.pipelines)
        return (
            [{"propertyName": "pipeline", "operator": "IN", "values": pipelines}]
            if pipelines
            else []
        )

    def _deals(self, client: HttpClient) -> None:
        options = self.options
        found: dict[Month, dict[str, float]] = {}
        for month in self.months:
            start, end = self._deal_bounds(month)
            won = self._won_deals(client, to_epoch_ms(start), to_epoch_ms(end))
            lost = _count(
                client,
                DEALS_SEARCH,
                [
                    {"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"},
                    {"propertyName": "hs_is_closed_won", "operator": "EQ", "value": "false"},
                    _between("closedate", start, end),
                    *self._pipeline_filter(),
                ],
            )
            revenue = attributed = 0.0
            with_source = 0
            for deal in won:
                props = mapping_or_empty(deal.get("properties"))
                amount = self._home_amount(props)
                source = str(props.get(options.source_property) or "").strip()
                marketing = bool(source) and source.upper() not in {
                    s.upper() for s in options.non_marketing_sources
                }
                revenue += amount
                if marketing:
                    with_source += 1
                    attributed += amount
            found[month] = {
                "deals_won": float(len(won)),
                "deals_lost": float(lost),
                "revenue_won": revenue,
                "deals_won_with_source": float(with_source),
                "revenue_attributed": attributed,
                "_closed": float(len(won) + lost),
            }
        self._keep_unless_all_zero(
            found,
            "_closed",
            DEAL_METRICS,
            f"no HubSpot deal closed (won or lost) from {self._span()}"
            + (f" in pipelines {', '.join(options.pipelines)}" if options.pipelines else "")
            + ": deal metrics are undefined, not 0",
        )
        for values in self.monthly.values():
            values.pop("_closed", None)
        if self.foreign:
            self._refuse_mixed_currencies()

    def _refuse_mixed_currencies(self) -> None:
        """Revenue not measured: some won deals' money is not in the company currency."""
        prop = self.options.amount_property
        counts = ", ".join(f"{n} in {code}" for code, n in sorted(self.foreign.items()))
        home = self.home_currency or "unknown (no account details)"
        if prop == DEAL_AMOUNT:
            how = f"their {DEAL_AMOUNT} is in each deal's own currency ({DEAL_CURRENCY})"
        else:
            how = f"they have no {prop} and their {DEAL_AMOUNT} is in another currency"
        why = (
            f"HubSpot won deals {counts}: {how}, and the company currency is {home}; amounts "
            "in two currencies are never added, so revenue is not measured"
            + (f" (use amount_property: {HOME_AMOUNT})" if prop == DEAL_AMOUNT else "")
        )
        for metric in MONEY_METRICS:
            self.reasons[metric] = why
            for values in self.monthly.values():
                values.pop(metric, None)

    def _won_deals(self, client: HttpClient, lo: int, hi: int) -> list[dict[str, Any]]:
        """Won deals with closedate in [lo, hi) ms, split in halves past the 10,000 cap."""
        options = self.options
        shown = f"POST {DEALS_SEARCH}"
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_is_closed_won", "operator": "EQ", "value": "true"},
                        {
                            "propertyName": "closedate",
                            "operator": "BETWEEN",
                            "value": str(lo),
                            "highValue": str(hi - 1),
                        },
                        *self._pipeline_filter(),
                    ]
                }
            ],
            "properties": sorted(
                {
                    options.amount_property,
                    DEAL_AMOUNT,
                    DEAL_CURRENCY,
                    options.source_property,
                    "closedate",
                    "pipeline",
                }
            ),
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": options.search_page_size,
        }
        first = client.post_json(DEALS_SEARCH, body, bucket="search")
        client.log.pages += 1
        total = _search_total(first, shown)
        if total > SEARCH_CAP and hi - lo > 1:
            self.splits += 1
            middle = (lo + hi) // 2
            return self._won_deals(client, lo, middle) + self._won_deals(client, middle, hi)
        rows = _results(first, shown)
        after = dig(first, "paging.next.after")
        if after not in (None, "") and rows:
            rows.extend(_more_pages(client, DEALS_SEARCH, body, str(after)))
        unique: dict[str, dict[str, Any]] = {}
        for deal in rows:
            if not isinstance(deal, dict):
                raise _malformed(shown, "a result that is not an object", deal)
            unique[str(deal.get("id", len(unique)))] = deal
        return list(unique.values())

    def _home_amount(self, props: Mapping[str, Any]) -> float:
        """A won deal's amount in the company currency; 0 when it has none or another one.

        A deal without `amount_in_home_currency` whose `amount` is in the company
        currency (its `deal_currency_code` is that or empty, HubSpot's default)
        gives that amount; one in another currency is counted in `self.foreign`
        and revenue is then not measured (`_refuse_mixed_currencies`).
        """
        prop = self.options.amount_property
        code = str(props.get(DEAL_CURRENCY) or "").strip().upper()
        value = props.get(prop)
        in_deal_currency = prop == DEAL_AMOUNT
        if prop == HOME_AMOUNT and not _is_set(value) and _is_set(props.get(DEAL_AMOUNT)):
            value, in_deal_currency = props.get(DEAL_AMOUNT), True
            if not code or code == self.home_currency:
                self.home_from_amount += 1
        if in_deal_currency and code and code != self.home_currency:
            self.foreign[code if _CURRENCY_CODE.match(code) else "an invalid code"] += 1
            return 0.0
        return self._amount(value)

    def _amount(self, value: Any) -> float:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.deal_notes["won_without_amount"] += 1
            return 0.0
        number = _float(value.strip() if isinstance(value, str) else value)
        if number is None:
            self.deal_notes["unreadable_amounts"] += 1
            return 0.0
        return number

    # --- lead-level data (opt-in) ---

    def _leads(self, client: HttpClient) -> None:
        """Contacts created in the last LEAD_MONTHS fetched months, oldest first."""
        options = self.options
        months = self.months[-LEAD_MONTHS:]
        start = month_bounds(months[0], self.tz)[0]
        end = min(month_bounds(months[-1], self.tz)[1], self.now)
        self.lead_notes = {
            "months": f"{months[0]} to {months[-1]} (the last {LEAD_MONTHS} fetched at most)",
            "windows_split_at_10000": 0,
        }
        room = [options.max_leads]
        contacts = self._contacts(client, to_epoch_ms(start), to_epoch_ms(end), room)
        truncated = bool(self.lead_notes.pop("_more", False))
        here = zone(self.tz)
        unknown_after = self.now - timedelta(days=LEAD_MATURITY_DAYS)
        skipped = unreadable = too_recent = 0
        seen: set[str] = set()
        for contact in contacts:
            if not isinstance(contact, dict) or contact.get("id") in (None, ""):
                raise _malformed(f"POST {CONTACTS_SEARCH}", "a contact without an id", contact)
            lead_id = str(contact["id"])
            if lead_id in seen:
                continue
            seen.add(lead_id)
            props = contact.get("properties")
            props = props if isinstance(props, dict) else {}
            raw = props.get(options.lead_score_property)
            if not _is_set(raw):
                skipped += 1
                continue
            score = _float(raw.strip() if isinstance(raw, str) else raw)
            if score is None:
                unreadable += 1
                continue
            created_at = parse_instant(props.get("createdate"))
            customer: bool | None = _is_set(props.get(options.customer_date_property))
            if not customer and created_at >= unknown_after:
                customer = None
                too_recent += 1
            self.leads.append(
                Lead(
                    lead_id=lead_id,
                    created=created_at.astimezone(here).date(),
                    score=score,
                    mql=_is_set(props.get(options.mql_date_property)),
                    customer=customer,
                )
            )
        self.lead_notes.update(
            contacts_read=len(seen),
            leads=len(self.leads),
            skipped_without_score=skipped,
            skipped_unreadable_score=unreadable,
            customer_unknown_too_recent=too_recent,
            truncated=truncated,
        )
        if truncated:
            self.lead_notes["truncated_note"] = (
                f"stopped at max_leads ({options.max_leads}) contacts, the oldest first: "
                "the sample is truncated and leaves out the newest leads"
            )

    def _contacts(self, client: HttpClient, lo: int, hi: int, room: list[int]) -> list[Any]:
        """Contacts created in [lo, hi) ms, createdate ascending, split past the 10,000 cap.

        `room[0]` counts down the contacts still wanted (max_leads); once it is 0,
        a window that still holds contacts only sets lead_notes['_more'] (truncated).
        """
        options = self.options
        shown = f"POST {CONTACTS_SEARCH}"
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "createdate",
                            "operator": "BETWEEN",
                            "value": str(lo),
                            "highValue": str(hi - 1),
                        }
                    ]
                }
            ],
            "properties": [
                "createdate",
                options.lead_score_property,
                options.mql_date_property,
                options.customer_date_property,
            ],
            "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
            "limit": options.search_page_size,
        }
        first = client.post_json(CONTACTS_SEARCH, body, bucket="search")
        client.log.pages += 1
        total = _search_total(first, shown)
        if total > room[0]:
            self.lead_notes["_more"] = True
        if room[0] <= 0:
            return []
        if total > SEARCH_CAP and hi - lo > 1:
            self.lead_notes.pop("_more", None)  # the halves say whether max_leads cut
            self.lead_notes["windows_split_at_10000"] += 1
            middle = (lo + hi) // 2
            older = self._contacts(client, lo, middle, room)
            return older + self._contacts(client, middle, hi, room)
        rows = _results(first, shown)
        after = dig(first, "paging.next.after")
        if after not in (None, "") and rows and len(rows) < room[0]:
            for row in _more_pages(client, CONTACTS_SEARCH, body, str(after)):
                rows.append(row)
                if len(rows) >= room[0]:
                    break
        rows = rows[: room[0]]
        room[0] -= len(rows)
        return rows

    # --- traffic (analytics v2) ---

    def _traffic(self, client: HttpClient) -> None:
        shown = f"GET {ANALYTICS_SOURCES}"
        found: dict[Month, dict[str, float]] = {}
        for month in self.months:
            first = f"{month.replace('-', '')}01"
            last_day = (month_bounds(month, "UTC")[1] - timedelta(days=1)).day
            page = client.get_json(
                ANALYTICS_SOURCES,
                params={"start": first, "end": f"{month.replace('-', '')}{last_day:02d}"},
            )
            if not isinstance(page, dict):
                raise _malformed(shown, "not an object", page)
            totals = page.get("totals") if isinstance(page.get("totals"), dict) else None
            breakdowns = page.get("breakdowns")
            if breakdowns is not None and not isinstance(breakdowns, list):
                raise _malformed(shown, "'breakdowns' is not a list", page)
            breakdowns = [b for b in breakdowns or [] if isinstance(b, dict)]
            if totals is None and not breakdowns and "totals" not in page:
                raise _malformed(shown, "neither 'totals' nor 'breakdowns'", page)
            values: dict[str, float] = {}
            if totals is not None:
                values["website_sessions"] = _counter(totals, "visits", shown)
                values["conversions"] = _counter(totals, "submissions", shown)
                if "visitors" in totals:
                    values["website_visitors"] = _counter(totals, "visitors", shown)
            else:
                values["website_sessions"] = sum(_counter(b, "visits", shown) for b in breakdowns)
                values["conversions"] = sum(_counter(b, "submissions", shown) for b in breakdowns)
            email = [b for b in breakdowns if "email" in str(b.get("breakdown", "")).lower()]
            if email or breakdowns or values["website_sessions"] == 0:
                values["email_sessions"] = sum(_counter(b, "visits", shown) for b in email)
            else:
                self.traffic_notes.append(f"{month}: no source breakdown, email sessions unknown")
            found[month] = values
        if not any(v["website_sessions"] or v["conversions"] for v in found.values()):
            why = (
                f"HubSpot analytics recorded no website session or form submission from "
                f"{self._span()} (is the HubSpot tracking code installed?): undefined, not 0"
            )
            for metric in TRAFFIC_METRICS:
                self.reasons[metric] = why
            return
        for month, values in found.items():
            self._put(month, values)

    # --- provenance ---

    def provenance(self, skipped: list[Month]) -> dict[str, Any]:
        options = self.options
        account_tz = (self.account or {}).get("timeZone")
        out: dict[str, Any] = {
            "base_url": self.connector.api_base_url(),
            "account": self.account or {},
            "timezone": self.tz,
            "months_fetched": list(self.months),
            "months_not_started": skipped,
            "endpoints": {
                "account": f"GET {ACCOUNT_DETAILS}",
                "email": f"GET {EMAIL_STATS} (one per month, startTimestamp/endTimestamp)",
                "workflows": f"GET {FLOWS} (paged), POST {FLOWS_BATCH}",
                "lifecycle": f"POST {CONTACTS_SEARCH} (limit 1, total; one per month and stage)",
                "deals": f"POST {DEALS_SEARCH} (won paged; lost limit 1, total)",
                "traffic": f"GET {ANALYTICS_SOURCES} (one per month, start/end YYYYMMDD)",
            },
            "properties": {
                "leads_new": options.lead_date_property,
                "mqls": options.mql_date_property,
                "sqls": options.sql_date_property,
                "customers_new": options.customer_date_property,
                "deal_amount": options.amount_property,
                "deal_source": options.source_property,
                "deal_closedate": "closedate"
                + (
                    " (as a UTC calendar date)" if options.closedate_as_date else f" (in {self.tz})"
                ),
                "pipelines": list(options.pipelines) or "all",
            },
            "definitions": {
                "unique_opens/unique_clicks": (
                    "HubSpot's open and click counters count recipients (open rate = opened "
                    "contacts / delivered), so they are used as unique opens and clicks"
                ),
                "emails_sent": (
                    "every marketing email HubSpot counts as sent in the month (the statistics "
                    "are not filtered by type: batch and automated/workflow emails alike)"
                ),
                "bounces": (
                    "hardbounced + softbounced; HubSpot's 'bounce' counter is documented as "
                    "the hard bounces, so it is used only when 'hardbounced' is missing"
                    + (
                        f"; no softbounced counter in {', '.join(self.hard_only)}: hard "
                        "bounces only there"
                        if self.hard_only
                        else ""
                    )
                ),
                "campaigns_sent": (
                    "distinct marketing emails (batch or automated) with sends in the month"
                ),
                "workflows_active": (
                    "enabled flows (flowType WORKFLOW, not ACTION_SET) enrolling contacts "
                    "(objectTypeId 0-1) or companies (0-2), created before the month's end; "
                    "deal, ticket and custom-object flows are counted apart "
                    "(workflows.enabled_other_objects), not as marketing automation"
                ),
                "leads_new": f"contacts whose {options.lead_date_property} falls in the month",
                "workflows_behavioral": (
                    "enabled flows enrolling on events (EVENT_BASED), or list-based flows whose "
                    "filters include a behaviour (form submission, page view, CTA, email event, "
                    "custom or integration event, webinar, ads, or a score property); manual, "
                    "scheduled, date-anchored and property/list-only flows are not behavioural"
                ),
                "deals_won_with_source": (
                    f"won deals whose {options.source_property} is set and not one of "
                    f"{', '.join(options.non_marketing_sources) or '(none)'}"
                ),
                "revenue_won": (
                    f"sum of {options.amount_property} of the won deals, in the portal's "
                    f"company currency ({self.home_currency or 'unknown'}); a deal without "
                    f"it but with an {DEAL_AMOUNT} in that currency adds that {DEAL_AMOUNT}; "
                    "deals without an amount add 0"
                ),
                "revenue_attributed": (
                    f"sum of {options.amount_property} of those deals (first-touch: the deal's "
                    "original source); deals without an amount add 0"
                ),
                "email_sessions": "visits of the analytics sources breakdown named like 'email'",
                "conversions": "form submissions (analytics totals.submissions)",
            },
            "deals": {**self.deal_notes, "windows_split_at_10000": self.splits},
            "currency": {
                "company": self.home_currency,
                "additional": _codes((self.account or {}).get("additionalCurrencies")),
                "money_in": self.money_currency(),
                "amount_property": options.amount_property,
                "won_deals_amount_used_for_home_amount": self.home_from_amount,
                "won_deals_in_other_currencies": dict(sorted(self.foreign.items())),
            },
            "workflows": self.workflows,
            "refused": {name: str(exc) for name, exc in self.refused.items()},
        }
        if options.leads:
            out["leads"] = {
                **self.lead_notes,
                "endpoint": f"POST {CONTACTS_SEARCH} (paged, createdate ascending)",
                "properties": {
                    "created": "createdate",
                    "score": options.lead_score_property,
                    "mql": options.mql_date_property,
                    "customer": options.customer_date_property,
                },
                "definitions": {
                    "created": f"createdate's calendar date in {self.tz}",
                    "score": (
                        f"{options.lead_score_property} as read now; contacts without one "
                        "are skipped"
                    ),
                    "mql": f"{options.mql_date_property} is set (as read now)",
                    "customer": (
                        f"{options.customer_date_property} is set (as read now); unknown for "
                        f"non-customers created less than {LEAD_MATURITY_DAYS} days before "
                        "the data was read (too early to know)"
                    ),
                },
            }
        if self.traffic_notes:
            out["traffic_notes"] = self.traffic_notes
        if account_tz and account_tz != self.tz and self.options.analytics:
            out["traffic_days"] = (
                f"analytics v2 days follow the portal's time zone ({account_tz}), not {self.tz}"
            )
        return out


# --- helpers -------------------------------------------------------------------------------


def classify_trigger(flow: Mapping[str, Any] | None) -> tuple[str, bool, str]:
    """(trigger kind, behavioural?, why) of a v4 flow's enrollment settings."""
    if not isinstance(flow, Mapping):
        return "UNKNOWN", False, "the flow's details could not be read"
    if flow.get("enrollmentSchedule"):
        kind = dig(flow, "enrollmentSchedule.type") or "SCHEDULED"
        return f"SCHEDULED_{kind}", False, "enrolls on a schedule (date-based)"
    if flow.get("eventAnchor"):
        return "DATE_ANCHORED", False, "centred on a date (contact property or fixed date)"
    criteria = flow.get("enrollmentCriteria")
    kind = str(criteria.get("type", "")).upper() if isinstance(criteria, Mapping) else ""
    if kind == "EVENT_BASED":
        return kind, True, "enrolls when an event happens"
    if kind == "MANUAL":
        return kind, False, "enrolled by hand"
    if kind == "LIST_BASED":
        found = sorted(_behavior_filters(criteria))
        if found:
            return kind, True, f"list-based on behaviour: {', '.join(found)}"
        return kind, False, "list-based on properties or list membership only"
    return kind or "UNKNOWN", False, "no recognised enrollment criteria"


def _behavior_filters(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, Mapping):
        kind = str(node.get("filterType", "")).upper()
        if kind in BEHAVIORAL_FILTERS:
            found.add(kind)
        elif kind == "PROPERTY" and "score" in str(node.get("property", "")).lower():
            found.add(f"score property {node.get('property')}")
        if str(node.get("filterBranchType", "")).upper() == "UNIFIED_EVENTS":
            found.add("UNIFIED_EVENTS")
        for value in node.values():
            found |= _behavior_filters(value)
    elif isinstance(node, list):
        for item in node:
            found |= _behavior_filters(item)
    return found


def _object_type(flow: Mapping[str, Any]) -> str | None:
    """A flow's objectTypeId as a string (None when absent or not a scalar)."""
    value = flow.get("objectTypeId")
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _object_name(code: str | None) -> str:
    """'deals (0-3)', 'custom objects (2-123)', 'an unknown object' for a flow's objectTypeId."""
    if code is None:
        return "an unknown object (no objectTypeId)"
    name = OBJECT_NAMES.get(code) or ("custom objects" if code.startswith("2-") else "objects")
    return f"{name} ({code})"


def _not_counted(flow: Mapping[str, Any], end: datetime) -> str | None:
    """Why an enabled flow is not counted as marketing automation (None: it is)."""
    if flow.get("isEnabled") is not True:
        return "disabled"
    if str(flow.get("flowType", "")).upper() == "ACTION_SET":
        return "an action set, not a workflow"
    if _object_type(flow) not in MARKETING_OBJECTS:
        return (
            f"enrolls {_object_name(_object_type(flow))}, not contacts or companies: "
            "not marketing automation"
        )
    created = flow.get("createdAt")
    if created:
        try:
            if parse_instant(created) >= end:
                return "created after the month"
        except SourceResponseError:
            pass
    return None


def _codes(value: Any) -> list[str]:
    """The currency codes of a list (anything else: none), as the portal gave them."""
    return [str(code) for code in value] if isinstance(value, list) else []


def _ran(run: Callable[[], object]) -> bool:
    """A section's run as `_optional` takes it: done (True) unless it was refused."""
    return bool(run() or True)


def _is_set(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _more_pages(client: HttpClient, path: str, body: Mapping[str, Any], after: str) -> Any:
    """The search pages after the first (the cursor goes into the body)."""
    return client.paginate_cursor(
        path,
        items="results",
        method="POST",
        json=body,
        start=after,
        bucket="search",
        stop_on_empty=False,
        max_pages=math.ceil(SEARCH_CAP / int(body["limit"])) + 1,
    )


def _between(prop: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "propertyName": prop,
        "operator": "BETWEEN",
        "value": str(to_epoch_ms(start)),
        "highValue": str(to_epoch_ms(end) - 1),
    }


def _iso_ms(end: datetime) -> str:
    """The last millisecond before `end`, ISO 8601 in UTC (inclusive end bounds)."""
    last = end.astimezone(UTC) - timedelta(milliseconds=1)
    return last.strftime("%Y-%m-%dT%H:%M:%S.") + f"{last.microsecond // 1000:03d}Z"


def _counter(data: Mapping[str, Any], name: str, shown: str) -> float:
    value = data.get(name)
    if value is None:
        return 0.0
    number = _float(value)
    if number is None or number < 0:
        raise _malformed(shown, f"'{name}' is not a count", {name: value})
    return number


def _count(client: HttpClient, path: str, filters: list[dict[str, Any]]) -> int:
    """A CRM search's `total` for `filters`, asking for one result only (never paging)."""
    body: dict[str, Any] = {"properties": ["hs_object_id"], "limit": 1}
    if filters:
        body["filterGroups"] = [{"filters": filters}]
    page = client.post_json(path, body, bucket="search")
    return _search_total(page, f"POST {path}")


def _search_total(page: Any, shown: str) -> int:
    total = page.get("total") if isinstance(page, dict) else None
    number = _float(total)
    if number is None or number < 0:
        raise _malformed(shown, "no numeric 'total'", page)
    return int(number)


def _results(page: Any, shown: str) -> list[Any]:
    results = page.get("results") if isinstance(page, dict) else None
    if results is None:
        return []
    if not isinstance(results, list):
        raise _malformed(shown, "'results' is not a list", page)
    return list(results)


def _malformed(shown: str, what: str, data: Any) -> SourceResponseError:
    excerpt = " ".join(repr(data).split())
    excerpt = excerpt if len(excerpt) <= 160 else excerpt[:157] + "..."
    return SourceResponseError(
        f"HubSpot: {shown} answered an unexpected body ({what}): {excerpt}; is base_url "
        "pointing at the HubSpot API?",
        platform="HubSpot",
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
