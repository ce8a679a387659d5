"""The ActiveCampaign connector: campaigns, automations, contacts and deals per month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any, ClassVar

from auditor.connectors.activecampaign.api import (
    API_PATH,
    AUTOMATED_TYPES,
    AUTOMATION_ACTIVE,
    CAMPAIGN_FIELDS,
    DEAL_LOST,
    DEAL_METRICS,
    DEAL_WON,
    DEFINITION_DIFFERENCES,
    DEFINITIONS,
    EMAIL_METRICS,
    MEASURED,
    NOT_MEASURED,
    PAGE_SIZE,
    PLATFORM,
    UNSENT_STATUSES,
    _as_int,
    _cents,
    _excerpt,
    _fingerprint,
    _first_day,
    _nonzero,
    _rows,
    _truthy,
    _whole,
)
from auditor.connectors.activecampaign.options import ActiveCampaignOptions, RetryForbiddenOnce
from auditor.connectors.base import ConnectorOptions
from auditor.connectors.campaigns import campaign_send
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy, dig
from auditor.connectors.timeutil import month_of, parse_instant, period_bounds, to_iso_z
from auditor.core.errors import (
    InputError,
    Problem,
    SourceAuthError,
    SourcePaginationError,
    SourceResponseError,
)
from auditor.core.models import CampaignSend, SourceData
from auditor.core.period import Month, add_months

ENDPOINTS: dict[str, str] = {
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
}


class ActiveCampaignConnector(HttpConnector):
    """Campaign statistics, automations, new contacts and won/lost deals by month."""

    name: ClassVar[str] = "activecampaign"
    description: ClassVar[str] = (
        "ActiveCampaign API v3: campaigns, automations, new contacts and won/lost deals"
    )
    Options: ClassVar[type[ConnectorOptions]] = ActiveCampaignOptions
    state_at_fetch: ClassVar[frozenset[str]] = frozenset({"workflows_active"})
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
            email, campaign_stats, sends = self._campaigns(client, wanted, start, end)
            workflows, automation_stats, automation_gap = self._tolerant(
                "automations", lambda: self._automations(client, end)
            )
            leads = self._new_contacts(client, wanted)
            deals, deal_stats, deal_gap = self._tolerant(
                "deals", lambda: self._deals(client, wanted, start, end)
            )

        last = wanted[-1]
        extra: dict[str, str] = {}
        monthly: dict[Month, dict[str, float]] = {m: {"leads_new": float(leads[m])} for m in wanted}

        _put_email(monthly, extra, email, campaign_stats, wanted)

        if automation_gap:
            extra["workflows_active"] = automation_gap
        else:
            monthly[last]["workflows_active"] = float(workflows)

        _put_deals(monthly, extra, deals, deal_stats, deal_gap, wanted)

        provenance: dict[str, Any] = {
            "account_url": self.account_url(),
            "api": f"{API_PATH} (v3)",
            "timezone": self.timezone,
            "window": [to_iso_z(start), to_iso_z(end)],
            "fetched_at": to_iso_z(fetched_at),
            "endpoints": dict(ENDPOINTS),
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
            monthly,
            label=self._label(),
            provenance=provenance,
            not_measured=extra,
            campaigns=sends,
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
    ) -> tuple[dict[Month, Counter[str]], dict[str, Any], list[CampaignSend]]:
        """Campaign counters by month, and each counted campaign's send, newest send
        first, stopping past the window."""
        months = set(wanted)
        totals: dict[Month, Counter[str]] = {}
        sends: list[CampaignSend] = []
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
                counted = self._add_campaign(row, sent_at, start, end, months, totals, stats)
                if counted and sent_at is not None:
                    sends.append(self._send(row, sent_at))
            offset += len(rows)
            total = _as_int(dig(page, "meta.total"))
            if total is not None and offset >= total:
                break
            if total is None and len(rows) < PAGE_SIZE:
                break
            if newest_first and last_sent is not None and last_sent < start:
                stopped_early = True  # every later campaign was sent before the window
                break
        return (
            totals,
            {
                "read": stats["read"],
                "counted": stats["counted"],
                "automated_excluded": stats["automated"],
                "not_sent": stats["not_sent"],
                "outside_window": stats["outside"],
                "newest_first": newest_first,
                "stopped_at_window_start": stopped_early,
            },
            sends,
        )

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
    ) -> bool:
        """Add one campaign's counters to its month; False when it does not count."""
        status = str(row.get("status", "")).strip()
        if sent_at is None or status in UNSENT_STATUSES:
            stats["not_sent"] += 1
            return False
        month = month_of(sent_at, self.timezone)
        if not start <= sent_at < end or month not in months:
            stats["outside"] += 1
            return False
        kind = str(row.get("type", "")).strip().lower()
        if (
            kind in AUTOMATED_TYPES
            or _nonzero(row.get("automation"))
            or _nonzero(row.get("seriesid"))
        ):
            stats["automated"] += 1
            return False
        what = f"campaign {row.get('id', '?')}"
        bucket = totals.setdefault(month, Counter())
        for metric, fields in CAMPAIGN_FIELDS.items():
            bucket[metric] += sum(_whole(row, field, what) for field in fields)
        bucket["campaigns_sent"] += 1
        stats["counted"] += 1
        return True

    def _send(self, row: dict[str, Any], sent_at: datetime) -> CampaignSend:
        what = f"campaign {row.get('id', '?')}"
        return campaign_send(
            row.get("id"),
            row.get("name"),
            sent_at,
            self.timezone,
            _whole(row, "send_amt", what),
            _whole(row, "hardbounces", what),
        )

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


def _put_email(
    monthly: dict[Month, dict[str, float]],
    extra: dict[str, str],
    email: Mapping[Month, Counter[str]],
    campaign_stats: Mapping[str, Any],
    wanted: list[Month],
) -> None:
    """The campaigns' totals per month, or why the email metrics are undefined."""
    first, last = wanted[0], wanted[-1]
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


def _put_deals(
    monthly: dict[Month, dict[str, float]],
    extra: dict[str, str],
    deals: Mapping[Month, Counter[str]],
    deal_stats: Mapping[str, Any],
    deal_gap: str,
    wanted: list[Month],
) -> None:
    """Deals won and lost per month and the revenue won, or why they are not measured
    (refused, no deal closed, or amounts in several currencies)."""
    first, last = wanted[0], wanted[-1]
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
