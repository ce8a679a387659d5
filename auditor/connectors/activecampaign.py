"""`activecampaign`: monthly base metrics from ActiveCampaign's API v3.

The API lives at `<account_url>/api/3` (Settings > Developer shows the
account URL, e.g. https://youraccount.api-us1.com) and takes the user's key in
the `Api-Token` header.  Every number in its answers is a JSON string, deal
values are in cents, list pages are `limit` (at most 100) / `offset` with the
count in `meta.total`, and the account may make 5 requests per second.

What is read (docs/connectors/activecampaign.md has the full definitions):

- campaigns: `GET /campaigns?orders[sdate]=DESC`, newest send first; paging
  stops at the first page that reaches back past the window (the API has no
  date filter for campaigns), so the requests grow with the campaigns sent in
  the window, not with the account's history.  A campaign counts in the month
  of its send date `sdate` in the config's time zone.  Automation emails
  (`type` responder/reminder/special/activerss/recurring, or a non-zero
  `automation`/`seriesid`) are left out: their counters are lifetime totals,
  not figures of the month they first went out.
- automations: `GET /automations`, `status` "1" = active, at fetch time.
- new contacts: `GET /contacts?filters[created_after]=..&filters[created_before]=..&limit=1`,
  one request per month, reading only `meta.total`; the bounds are the months' midnights
  in the audit time zone written with their offset (a bare date would be read in the
  account's zone).
- deals: `GET /deals?filters[status]=1|2&filters[updated_after]=..&filters[updated_before]=..`;
  a deal has no won/lost date, so it is dated by `mdate` (its last change,
  normally the status change) and the month is taken from that.  A closed deal
  edited later moves to the month of the edit: the API reference lists
  `GET /api/3/dealActivities` ("View a recent activity for Deals") but documents
  no status-change record to date a win by, so this is declared as a definition
  difference and flagged in the report's appendix (docs/connectors/activecampaign.md).

Requests for a quarterly audit (19 months with history): 19 contact counts,
1 automations page per 100 automations, 1 campaigns page per 100 campaigns sent
since the window's start (plus the page crossing it), and 1 page per 100 won or
lost deals changed in the window (at least 2): about 25-30, whatever the
number of contacts.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import count
from typing import Any, ClassVar

import requests

from auditor.connectors.base import BaseUrl, ConnectorOptions, EnvVarName, HttpOptions
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy, dig
from auditor.connectors.timeutil import month_of, parse_instant, period_bounds, to_iso_z
from auditor.core import reasons
from auditor.core.errors import (
    InputError,
    Problem,
    SourceAuthError,
    SourcePaginationError,
    SourceResponseError,
)
from auditor.core.models import SourceData
from auditor.core.period import Month, add_months, parse_month

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


class ActiveCampaignOptions(HttpOptions):
    """`source:` options: the account's API URL and the variable holding its API token."""

    account_url: BaseUrl | None = None
    """https://youraccount.api-us1.com (Settings > Developer); `base_url` overrides it."""
    token_env: EnvVarName = "ACTIVECAMPAIGN_API_TOKEN"


class RetryForbiddenOnce:
    """`retry_if` for ActiveCampaign's intermittent 403s: one more try, not more.

    A second 403 in a row for the same URL is a real refusal (a bad token or a
    missing permission) and fails at once, so a wrong token costs one extra
    request, not a full round of backoff.  One instance per client: it keeps state.
    """

    def __init__(self) -> None:
        self._last: str | None = None

    def __call__(self, response: requests.Response) -> bool:
        if response.status_code != 403:
            self._last = None
            return False
        url = response.request.url if response.request is not None else response.url
        if self._last == url:
            self._last = None
            return False
        self._last = url
        return True


class ActiveCampaignConnector(HttpConnector):
    """Campaign statistics, automations, new contacts and won/lost deals by month."""

    name: ClassVar[str] = "activecampaign"
    description: ClassVar[str] = (
        "ActiveCampaign API v3: campaigns, automations, new contacts and won/lost deals"
    )
    Options: ClassVar[type[ConnectorOptions]] = ActiveCampaignOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = NOT_MEASURED
    definition_differences: ClassVar[Mapping[str, str]] = DEFINITION_DIFFERENCES
    metric_sources: ClassVar[Mapping[str, str]] = {
        "emails_sent": "GET /api/3/campaigns: send_amt by send date (sdate)",
        "emails_delivered": "GET /api/3/campaigns: send_amt - hardbounces - softbounces",
        "campaigns_sent": "GET /api/3/campaigns: campaigns sent (sdate), automation emails excluded",
        "unique_opens": "GET /api/3/campaigns: uniqueopens",
        "unique_clicks": "GET /api/3/campaigns: subscriberclicks",
        "unsubscribes": "GET /api/3/campaigns: unsubscribes",
        "bounces": "GET /api/3/campaigns: hardbounces + softbounces",
        "workflows_active": "GET /api/3/automations: status 1 (active) at fetch time",
        "leads_new": (
            "GET /api/3/contacts?filters[created_after|created_before] (date-times with "
            "offset): meta.total"
        ),
        "deals_won": "GET /api/3/deals?filters[status]=1: count by mdate",
        "deals_lost": "GET /api/3/deals?filters[status]=2: count by mdate",
        "revenue_won": "GET /api/3/deals?filters[status]=1: value (cents) / 100 by mdate",
    }
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform=PLATFORM,
        rate=4.0,  # under the documented 5/s: pacing at the limit drew 429s (bench)
        burst=1,
        retry_statuses=frozenset({429}),  # and every 5xx (503 when throttled)
    )

    # --- where and how ---

    def account_url(self) -> str:
        """The account's URL (`base_url` wins), without a trailing /api/3."""
        options = self.options
        assert isinstance(options, ActiveCampaignOptions)
        chosen = options.base_url or options.account_url
        if not chosen:
            raise InputError(
                Problem(
                    "the activecampaign connector needs source.account_url, the account's "
                    "API URL from Settings > Developer (e.g. https://youraccount.api-us1.com)"
                )
            )
        chosen = chosen.rstrip("/")
        return chosen[: -len(API_PATH)] if chosen.endswith(API_PATH) else chosen

    def api_base_url(self) -> str:
        return self.account_url() + API_PATH

    def _client(self) -> HttpClient:
        options = self.options
        assert isinstance(options, ActiveCampaignOptions)
        token = self.secret("token_env")  # first: a missing variable is named before the URL
        return self.http(
            headers={"Api-Token": token},
            credential_env=options.token_env,
            policy=replace(self.policy, retry_if=RetryForbiddenOnce()),
        )

    # --- the contract ---

    def check(self) -> str:
        """`GET /api/3/users/me`: the cheapest call that needs a valid token."""
        with self._client() as client:
            me = client.get_json("/users/me")
        user = me.get("user") if isinstance(me, dict) else None
        if not isinstance(user, dict):
            raise SourceResponseError(
                f"{PLATFORM}: GET {API_PATH}/users/me answered without a user: "
                f"{_excerpt(client, me)!r}",
                platform=PLATFORM,
            )
        username = str(user.get("username") or "").strip()
        full = " ".join(str(user.get(k) or "").strip() for k in ("firstName", "lastName")).strip()
        who = username or full or f"id {user.get('id', '?')}"
        if full and username:
            who += f" ({full})"
        return f"user {who} at {self.account_url()}"

    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Campaigns, automations, contact counts and deals for `months`, in that order
        (campaigns first: a refused token fails there, before anything is tolerated)."""
        wanted = sorted(set(months))
        if not wanted:
            return self.source_data({}, label=self._label())
        start, end = period_bounds(wanted, self.timezone)
        fetched_at = datetime.now(UTC)
        with self._client() as client:
            email, campaign_stats = self._campaigns(client, wanted, start, end)
            workflows, automation_stats, automation_gap = self._tolerant(
                "automations", lambda: self._automations(client, end)
            )
            leads = self._new_contacts(client, wanted)
            deals, deal_stats, deal_gap = self._tolerant(
                "deals", lambda: self._deals(client, wanted, start, end)
            )

        first, last = wanted[0], wanted[-1]
        extra: dict[str, str] = {}
        monthly: dict[Month, dict[str, float]] = {m: {"leads_new": float(leads[m])} for m in wanted}

        if campaign_stats["counted"]:
            for m in wanted:
                totals = email.get(m, Counter())
                sent, bounced = totals["emails_sent"], totals["bounces"]
                monthly[m].update(
                    emails_sent=float(sent),
                    emails_delivered=float(max(0, sent - bounced)),
                    campaigns_sent=float(totals["campaigns_sent"]),
                    unique_opens=float(totals["unique_opens"]),
                    unique_clicks=float(totals["unique_clicks"]),
                    unsubscribes=float(totals["unsubscribes"]),
                    bounces=float(bounced),
                )
        else:
            reason = (
                f"no ActiveCampaign campaign was sent from {first} to {last} "
                "(automation emails aside): email metrics are undefined, not 0"
            )
            extra.update(dict.fromkeys(EMAIL_METRICS, reason))

        if automation_gap:
            extra["workflows_active"] = automation_gap
        else:
            monthly[last]["workflows_active"] = float(workflows)

        if deal_gap:
            extra.update(dict.fromkeys(DEAL_METRICS, deal_gap))
        elif deal_stats["won"] + deal_stats["lost"] == 0:
            reason = (
                f"no ActiveCampaign deal was won or lost from {first} to {last}: deal "
                "metrics are undefined, not 0 (is the CRM in use?)"
            )
            extra.update(dict.fromkeys(DEAL_METRICS, reason))
        else:
            currencies = sorted(deal_stats["currencies"])
            for m in wanted:
                row = deals.get(m, Counter())
                monthly[m]["deals_won"] = float(row["won"])
                monthly[m]["deals_lost"] = float(row["lost"])
                if len(currencies) <= 1:
                    monthly[m]["revenue_won"] = float(Decimal(row["won_cents"]) / 100)
            if len(currencies) > 1:
                extra["revenue_won"] = (
                    "the deals won are in several currencies ("
                    + ", ".join(c.upper() for c in currencies)
                    + ") and ActiveCampaign gives no exchange rates, so they are not added up"
                )

        provenance: dict[str, Any] = {
            "account_url": self.account_url(),
            "api": f"{API_PATH} (v3)",
            "timezone": self.timezone,
            "window": [to_iso_z(start), to_iso_z(end)],
            "fetched_at": to_iso_z(fetched_at),
            "endpoints": {
                "campaigns": f"GET {API_PATH}/campaigns?orders[sdate]=DESC&limit=100&offset=N",
                "automations": f"GET {API_PATH}/automations?limit=100&offset=N",
                "contacts": (
                    f"GET {API_PATH}/contacts?filters[created_after]=YYYY-MM-01T00:00:00+HH:MM"
                    "&filters[created_before]=<next month's midnight>&limit=1 (one per month)"
                ),
                "deals": (
                    f"GET {API_PATH}/deals?filters[status]=1|2&filters[updated_after]=D1"
                    "&filters[updated_before]=D2&orders[cdate]=ASC&limit=100&offset=N"
                ),
            },
            "definitions": dict(DEFINITIONS),
            "campaigns": dict(campaign_stats),
            "automations": {**automation_stats, "as_of": to_iso_z(fetched_at), "month": last},
            "deals": {
                **{k: v for k, v in deal_stats.items() if k != "currencies"},
                "date_field": "mdate",
                "currencies": sorted(deal_stats.get("currencies", ())),
            },
        }
        return self.source_data(
            monthly, label=self._label(), provenance=provenance, not_measured=extra
        )

    def _label(self) -> str:
        return f"ActiveCampaign at {self.account_url()}"

    def _tolerant(self, what: str, run: Callable[[], tuple[Any, Any]]) -> tuple[Any, Any, str]:
        """Run a part that needs its own permission; a refusal there (the token already
        worked for campaigns and contacts) leaves its metrics not measured."""
        try:
            value, stats = run()
        except SourceAuthError:
            return (
                None,
                {"refused": True},
                f"ActiveCampaign refused GET {API_PATH}/{what} although it accepted the same "
                f"token for campaigns: the token's user lacks the permission for {what}",
            )
        return value, stats, ""

    # --- campaigns ---

    def _campaigns(
        self, client: HttpClient, wanted: list[Month], start: datetime, end: datetime
    ) -> tuple[dict[Month, Counter[str]], dict[str, Any]]:
        """Campaign counters by month, newest send first, stopping past the window."""
        months = set(wanted)
        totals: dict[Month, Counter[str]] = {}
        stats: Counter[str] = Counter()
        shown = f"GET {API_PATH}/campaigns"
        offset, previous, newest_first, last_sent = 0, None, True, None
        stopped_early = False
        for number in count(1):
            if number > client.policy.max_pages:
                raise SourcePaginationError(
                    f"{PLATFORM}: {shown} has more than {client.policy.max_pages} pages; "
                    "stopped rather than audit part of the data",
                    platform=PLATFORM,
                )
            page = client.get_json(
                "/campaigns",
                params={"orders[sdate]": "DESC", "limit": PAGE_SIZE, "offset": offset},
            )
            client.log.pages += 1
            rows = _rows(client, page, "campaigns", shown)
            if not rows:
                break
            fingerprint = _fingerprint(rows)
            if fingerprint == previous:
                raise SourcePaginationError(
                    f"{PLATFORM}: {shown} paging loops: the page at offset={offset} repeats "
                    "the one before; stopped",
                    platform=PLATFORM,
                )
            previous = fingerprint
            for row in rows:
                stats["read"] += 1
                sent_at = self._campaign_sent(row)
                if sent_at is not None:
                    if last_sent is not None and sent_at > last_sent:
                        newest_first = False  # the server ignores orders[sdate]: read all
                    last_sent = sent_at
                self._add_campaign(row, sent_at, start, end, months, totals, stats)
            offset += len(rows)
            total = _as_int(dig(page, "meta.total"))
            if total is not None and offset >= total:
                break
            if total is None and len(rows) < PAGE_SIZE:
                break
            if newest_first and last_sent is not None and last_sent < start:
                stopped_early = True  # every later campaign was sent before the window
                break
        return totals, {
            "read": stats["read"],
            "counted": stats["counted"],
            "automated_excluded": stats["automated"],
            "not_sent": stats["not_sent"],
            "outside_window": stats["outside"],
            "newest_first": newest_first,
            "stopped_at_window_start": stopped_early,
        }

    def _campaign_sent(self, row: Any) -> datetime | None:
        if not isinstance(row, dict):
            raise SourceResponseError(
                f"{PLATFORM}: a campaign is not an object: {str(row)[:80]!r}", platform=PLATFORM
            )
        value = row.get("sdate")
        if value in (None, "", "0000-00-00 00:00:00"):
            return None
        return self._instant(value, f"campaign {row.get('id', '?')} sdate")

    def _add_campaign(
        self,
        row: dict[str, Any],
        sent_at: datetime | None,
        start: datetime,
        end: datetime,
        months: set[Month],
        totals: dict[Month, Counter[str]],
        stats: Counter[str],
    ) -> None:
        status = str(row.get("status", "")).strip()
        if sent_at is None or status in UNSENT_STATUSES:
            stats["not_sent"] += 1
            return
        month = month_of(sent_at, self.timezone)
        if not start <= sent_at < end or month not in months:
            stats["outside"] += 1
            return
        kind = str(row.get("type", "")).strip().lower()
        if (
            kind in AUTOMATED_TYPES
            or _nonzero(row.get("automation"))
            or _nonzero(row.get("seriesid"))
        ):
            stats["automated"] += 1
            return
        what = f"campaign {row.get('id', '?')}"
        bucket = totals.setdefault(month, Counter())
        for metric, fields in CAMPAIGN_FIELDS.items():
            bucket[metric] += sum(_whole(row, field, what) for field in fields)
        bucket["campaigns_sent"] += 1
        stats["counted"] += 1

    # --- automations ---

    def _automations(self, client: HttpClient, end: datetime) -> tuple[int, dict[str, Any]]:
        """Automations switched on now that already existed at the window's end."""
        stats: Counter[str] = Counter()
        for row in client.paginate_offset(
            "/automations",
            items="automations",
            limit_param="limit",
            page_size=PAGE_SIZE,
            total="meta.total",
        ):
            if not isinstance(row, dict):
                raise SourceResponseError(
                    f"{PLATFORM}: an automation is not an object: {str(row)[:80]!r}",
                    platform=PLATFORM,
                )
            stats["read"] += 1
            if str(row.get("status", "")).strip() != AUTOMATION_ACTIVE:
                continue
            created = row.get("cdate")
            if created and self._instant(created, f"automation {row.get('id', '?')} cdate") >= end:
                stats["created_after_window"] += 1
                continue
            stats["active"] += 1
        return stats["active"], {
            "read": stats["read"],
            "active": stats["active"],
            "created_after_window": stats["created_after_window"],
        }

    # --- contacts ---

    def _new_contacts(self, client: HttpClient, wanted: list[Month]) -> dict[Month, int]:
        """Contacts created per month, from the list's count (never paging through them)."""
        counts: dict[Month, int] = {}
        for month in wanted:
            first = self._midnight(month)
            following = self._midnight(add_months(month, 1))
            page = client.get_json(
                "/contacts",
                params={
                    "filters[created_after]": first,
                    "filters[created_before]": following,
                    "limit": 1,
                },
            )
            total = _as_int(dig(page, "meta.total")) if isinstance(page, dict) else None
            if total is None:
                raise SourceResponseError(
                    f"{PLATFORM}: GET {API_PATH}/contacts answered without a numeric "
                    f"meta.total: {_excerpt(client, page)!r}",
                    platform=PLATFORM,
                )
            counts[month] = total
        return counts

    # --- deals ---

    def _deals(
        self, client: HttpClient, wanted: list[Month], start: datetime, end: datetime
    ) -> tuple[dict[Month, Counter[str]], dict[str, Any]]:
        """Won and lost deals by the month of their mdate, values in cents."""
        months = set(wanted)
        # The filters take calendar dates read in the account's time zone: ask with a
        # margin and place each deal by its own mdate.
        after = (start - timedelta(days=1)).date().isoformat()
        before = (end + timedelta(days=2)).date().isoformat()
        totals: dict[Month, Counter[str]] = {}
        stats: Counter[str] = Counter()
        currencies: set[str] = set()
        seen: set[str] = set()
        for status in (DEAL_WON, DEAL_LOST):
            rows = client.paginate_offset(
                "/deals",
                items="deals",
                params={
                    "filters[status]": status,
                    "filters[updated_after]": after,
                    "filters[updated_before]": before,
                    "orders[cdate]": "ASC",
                },
                limit_param="limit",
                page_size=PAGE_SIZE,
                total="meta.total",
            )
            for row in rows:
                if not isinstance(row, dict):
                    raise SourceResponseError(
                        f"{PLATFORM}: a deal is not an object: {str(row)[:80]!r}",
                        platform=PLATFORM,
                    )
                key = str(row.get("id", ""))
                if key and key in seen:
                    continue  # a server ignoring filters[status] returns it twice
                seen.add(key)
                stats["read"] += 1
                if _truthy(row.get("isDisabled")):
                    stats["hidden_by_permissions"] += 1  # only id and title are given
                    continue
                own = str(row.get("status", "")).strip()
                if own not in (DEAL_WON, DEAL_LOST):
                    stats["open"] += 1
                    continue
                what = f"deal {key or '?'}"
                changed = row.get("mdate")
                if not changed:
                    raise SourceResponseError(
                        f"{PLATFORM}: {what} has no mdate to date it by", platform=PLATFORM
                    )
                when = self._instant(changed, f"{what} mdate")
                month = month_of(when, self.timezone)
                if not start <= when < end or month not in months:
                    stats["outside_window"] += 1
                    continue
                bucket = totals.setdefault(month, Counter())
                if own == DEAL_WON:
                    bucket["won"] += 1
                    bucket["won_cents"] += _cents(row, what)
                    currency = str(row.get("currency") or "").strip().lower()
                    if currency:
                        currencies.add(currency)
                    stats["won"] += 1
                else:
                    bucket["lost"] += 1
                    stats["lost"] += 1
        return totals, {
            "read": stats["read"],
            "won": stats["won"],
            "lost": stats["lost"],
            "open": stats["open"],
            "outside_window": stats["outside_window"],
            "hidden_by_permissions": stats["hidden_by_permissions"],
            "query_dates": [after, before],
            "currencies": currencies,
        }

    # --- helpers ---

    def _midnight(self, month: Month) -> str:
        """The month's first midnight in the audit zone, as ISO 8601 with its offset."""
        first = _first_day(month)
        local = datetime(first.year, first.month, 1, tzinfo=self.zone)
        return local.isoformat(timespec="seconds")

    def _instant(self, value: Any, what: str) -> datetime:
        """A platform timestamp as an aware instant; naive ones are wall time in the audit zone."""
        try:
            return parse_instant(value, naive_tz=self.timezone)
        except SourceResponseError as exc:
            raise SourceResponseError(f"{PLATFORM}: {what}: {exc}", platform=PLATFORM) from None


# --- parsing ------------------------------------------------------------------------------


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
