"""HubSpot as documented: marketing email statistics, flows, CRM search, deals, analytics."""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import math
import random
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from tests.fakes.account import (
    STAGE_ORDER,
    STAGES,
    AccountSpec,
    Cohort,
    ContactBook,
    ContactFilter,
    NotSimulated,
    _send_times,
)
from tests.fakes.base import ApiError, FakePlatform, Reply, SlidingWindow, _one, _retry_after
from tests.fakes.clock import (
    DAY_MS,
    SEARCH_CAP,
    from_ms,
    iso_z,
    month_bounds_ms,
    month_of_ms,
    month_span,
    parse_instant_ms,
    zone,
)

# --- HubSpot ------------------------------------------------------------------------------

HS_SOURCES = (
    "ORGANIC_SEARCH",
    "DIRECT_TRAFFIC",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "PAID_SEARCH",
    "PAID_SOCIAL",
    "OTHER_CAMPAIGNS",
    "OFFLINE",
)
HS_SOURCE_SHARE = (0.30, 0.22, 0.12, 0.08, 0.08, 0.07, 0.05, 0.04, 0.04)
DEAL_SOURCES = (*HS_SOURCES, "")
NON_MARKETING_SOURCES = frozenset({"OFFLINE", ""})
HS_CONTACT_PROPS: Mapping[str, str] = {
    "createdate": "lead",
    "hs_object_id": "id",
    **{f"hs_lifecyclestage_{s}_date": s for s in STAGE_ORDER},
    **{f"hs_v2_date_entered_{s}": s for s in STAGE_ORDER},
}
HS_DEAL_DATES = frozenset({"closedate", "createdate", "hs_lastmodifieddate"})
HS_DEAL_NUMBERS = frozenset({"amount", "amount_in_home_currency", "hs_object_id"})
BEHAVIORAL_ENROLLMENT = ("EVENT_BASED", "LIST_FORM", "LIST_PAGE_VIEW")
HS_MARKETING_OBJECTS = frozenset({"0-1", "0-2"})  # contacts and companies
HS_RATE = 0.9
"""Company-currency units per unit of the portal's additional currency."""


def _email_counters(rng: random.Random, sent: int) -> dict[str, int]:
    hard = rng.randint(0, max(1, sent // 120))
    soft = rng.randint(0, max(1, sent // 70))
    delivered = sent - hard - soft
    opened = rng.randint(delivered // 6, max(delivered // 6, delivered // 2))
    clicked = rng.randint(opened // 12, max(opened // 12, opened // 4))
    dropped = rng.randint(0, 15)
    return {
        "sent": sent,
        "delivered": delivered,
        "open": opened,
        "click": clicked,
        "bounce": hard,  # documented like `hardbounced`: the hard bounces
        "hardbounced": hard,
        "softbounced": soft,
        "unsubscribed": rng.randint(0, max(1, delivered // 180)),
        "spamreport": rng.randint(0, max(1, delivered // 2500)),
        "dropped": dropped,
        "selected": sent + dropped,
        "notsent": dropped,
        "suppressed": 0,
        "pending": 0,
        # contacts the send lost (unsubscribed, hard-bounced, reported spam): a figure of its
        # own, not a sum of the counters above, so reading the wrong one shows
        "contactslost": hard // 2 + 1,
    }


HS_COUNTERS = tuple(_email_counters(random.Random(0), 100))


def _ratio(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 3) if whole else 0.0


class HubSpotFake(FakePlatform):
    """A HubSpot portal (see the module docstring for what is simulated)."""

    name = "hubspot"
    prefix = "/hubspot"
    portal_id = 48_151_623
    stock_metrics = frozenset({"workflows_active", "workflows_behavioral"})

    def __init__(self, spec: AccountSpec, token: str, **kwargs: Any) -> None:
        super().__init__(spec, token, **kwargs)
        self.windows = {
            "TEN_SECONDLY_ROLLING": SlidingWindow(100, 10.0),
            "SECONDLY": SlidingWindow(5, 1.0),
            "DAILY": SlidingWindow(250_000, 86_400.0),
        }
        self.route("GET", r"/account-info/v3/details", self.account_details)
        self.route("GET", r"/marketing/v3/emails/statistics/list", self.email_statistics)
        self.route("GET", r"/marketing/v3/emails", self.marketing_emails)
        self.route("GET", r"/marketing/emails/2026-03/statistics/list", self.email_statistics)
        self.route("GET", r"/automation/v4/flows", self.flows)
        self.route("POST", r"/automation/v4/flows/batch/read", self.flows_batch)
        self.route("GET", r"/automation/v4/flows/([^/]+)", self.flow)
        self.route("POST", r"/crm/v3/objects/(contacts|deals)/search", self.search)
        self.route("GET", r"/analytics/v2/reports/(sources|totals)/([a-z]+)", self.analytics)

    # --- the world ---

    @cached_property
    def contacts(self) -> ContactBook:
        return ContactBook(self.spec)

    @cached_property
    def email_sends(self) -> tuple[list[int], list[tuple[int, int, dict[str, int]]]]:
        """(sorted times, [(time, email id, counters)]): batch emails sent once, and
        automated emails sending every month from their creation."""
        spec = self.spec
        rng = spec.rng("hubspot", "emails")
        sends: list[tuple[int, int, dict[str, int]]] = []
        for i, when in enumerate(_send_times(spec, rng, spec.campaigns)):
            sends.append((when, 100_000 + i, _email_counters(rng, rng.randint(300, 40_000))))
        months = month_span(spec.first_month, month_of_ms(spec.as_of_ms - 1))
        for j in range(12):
            created = rng.randrange(len(months) // 2)
            for month in months[created:]:
                lo, hi = month_bounds_ms(month)
                when = lo + rng.randrange(0, (hi - lo) // 1000) * 1000
                if when < spec.as_of_ms:
                    counters = _email_counters(rng, rng.randint(50, 3_000))
                    sends.append((when, 900_000 + j, counters))
        sends.sort(key=lambda s: (s[0], s[1]))
        return [s[0] for s in sends], sends

    @cached_property
    def flow_list(self) -> list[dict[str, Any]]:
        spec = self.spec
        rng = spec.rng("hubspot", "flows")
        flows = []
        for i in range(spec.workflows):
            created = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            kind = rng.choice(
                ("EVENT_BASED", "LIST_FORM", "LIST_PAGE_VIEW", "LIST_PROPERTY", "MANUAL")
            )
            flows.append(
                {
                    "id": str(5_000_000 + i),
                    "name": f"Workflow {i + 1}",
                    "isEnabled": rng.random() < 0.7,
                    "flowType": "ACTION_SET" if rng.random() < 0.1 else "WORKFLOW",
                    "objectTypeId": rng.choice(("0-1", "0-1", "0-1", "0-2", "0-3", "0-5")),
                    "revisionId": str(rng.randint(1, 40)),
                    "uuid": hashlib.sha1(f"{spec.seed}-{i}".encode()).hexdigest()[:12],
                    "createdAt": iso_z(created),
                    "updatedAt": iso_z(min(spec.as_of_ms, created + rng.randint(0, 90) * DAY_MS)),
                    "_enrollment": kind,
                    "_created": created,
                }
            )
        for flow, other in zip(flows, ("0-3", "0-5"), strict=False):  # a deal and a ticket flow
            flow.update(
                objectTypeId=other, isEnabled=True, flowType="WORKFLOW", _enrollment="EVENT_BASED"
            )
        return flows

    @property
    def other_currency(self) -> str:
        return "USD" if self.spec.currency != "USD" else "EUR"

    @cached_property
    def deals(self) -> list[dict[str, Any]]:
        spec = self.spec
        rng = spec.rng("hubspot", "deals")
        deals: list[dict[str, Any]] = []

        def add(created: int, outcome: str, closed_day: int | None) -> None:
            props: dict[str, Any] = {
                "dealname": f"Deal {len(deals) + 1}",
                "createdate": created,
                "pipeline": "default" if rng.random() < 0.8 else "enterprise",
                "hs_analytics_source": rng.choice(DEAL_SOURCES),
            }
            if closed_day is not None and closed_day * DAY_MS <= spec.as_of_ms:
                won = outcome == "won"
                props.update(
                    closedate=closed_day * DAY_MS,  # midnight UTC: a date picked in the UI
                    dealstage="closedwon" if won else "closedlost",
                    hs_is_closed="true",
                    hs_is_closed_won="true" if won else "false",
                )
            else:
                props.update(
                    dealstage=rng.choice(
                        ("appointmentscheduled", "qualifiedtobuy", "contractsent")
                    ),
                    hs_is_closed="false",
                    hs_is_closed_won="false",
                )
            foreign = rng.random() < 0.25
            props["deal_currency_code"] = self.other_currency if foreign else spec.currency
            if rng.random() > 0.05:
                cents = rng.randint(50_000, 6_000_000)
                props["amount"] = str(cents // 100) if cents % 7 else f"{cents / 100:.2f}"
                home = cents / 100 * (HS_RATE if foreign else 1.0)
                props["amount_in_home_currency"] = str(round(home, 2))
            props["hs_lastmodifieddate"] = (
                max(created, (props.get("closedate") or created)) + 3_600_000
            )
            deals.append({"id": str(7_000_000 + len(deals)), "properties": props})

        for _ in range(spec.deals):
            created = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            outcome = rng.choices(("won", "lost", "open"), (0.45, 0.35, 0.20))[0]
            day = created // DAY_MS + rng.randint(5, 120) if outcome != "open" else None
            add(created, outcome, day)
        if spec.extra_won_deals:
            month, n = spec.extra_won_deals
            lo, hi = month_bounds_ms(month)
            for i in range(n):
                day = lo // DAY_MS + i % ((hi - lo) // DAY_MS)
                add(lo - 30 * DAY_MS, "won", day)
        return deals

    @cached_property
    def traffic(self) -> tuple[date, dict[str, dict[str, list[int]]]]:
        """(first day, source -> metric -> prefix sums over days in the portal's zone)."""
        spec = self.spec
        rng = spec.rng("hubspot", "traffic")
        tz = spec.timezone
        first = from_ms(spec.start_ms).astimezone(zone(tz)).date()
        last = from_ms(spec.as_of_ms - 1).astimezone(zone(tz)).date()
        sums: dict[str, dict[str, list[int]]] = {
            s: {m: [0] for m in ("visits", "visitors", "submissions", "contacts")}
            for s in HS_SOURCES
        }
        day = first
        while day <= last:
            season = 1.0 + 0.25 * math.sin(day.timetuple().tm_yday / 365 * 2 * math.pi)
            visits = int(600 * season * rng.uniform(0.7, 1.3))
            shares = [int(visits * share * rng.uniform(0.8, 1.2)) for share in HS_SOURCE_SHARE]
            for source, share in zip(HS_SOURCES, shares, strict=True):
                row = sums[source]
                visitors = int(share * rng.uniform(0.7, 0.92))
                submissions = int(share * rng.uniform(0.005, 0.04))
                for metric, value in (
                    ("visits", share),
                    ("visitors", visitors),
                    ("submissions", submissions),
                    ("contacts", submissions // 2),
                ):
                    row[metric].append(row[metric][-1] + value)
            day += timedelta(days=1)
        return first, sums

    # --- protocol ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("authorization", "") == f"Bearer {self.token}"

    def _error(self, status: int, message: str, category: str, **extra: Any) -> Reply:
        body = {
            "status": "error",
            "message": message,
            "correlationId": self.correlation(),
            "category": category,
            **extra,
        }
        return Reply(status, body)

    def unauthorized(self) -> Reply:
        return self._error(
            401,
            "Authentication credentials not found. This API supports OAuth 2.0 authentication "
            "and you can find more details at https://developers.hubspot.com/docs/methods/auth/"
            "oauth-overview",
            "INVALID_AUTHENTICATION",
        )

    def not_found(self, path: str) -> Reply:
        return self._error(404, f"Unable to route GET url: {path}", "OBJECT_NOT_FOUND")

    def bad_request(self, message: str) -> Reply:
        return self._error(400, message, "VALIDATION_ERROR")

    def throttled(self, retry_after: int, policy: str) -> Reply:
        policy = "TEN_SECONDLY_ROLLING" if policy == "STORM" else policy
        body = {
            "status": "error",
            "message": f"You have reached your {policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": self.correlation(),
            "policyName": policy,
        }
        headers = {"Retry-After": str(retry_after)}
        if policy != "SECONDLY":
            headers.update(self._limit_headers(time.monotonic(), remaining=0))
        return Reply(429, body, headers)

    def _is_search(self, path: str) -> bool:
        return path.endswith("/search")

    def limit(self, path: str, now: float) -> Reply | None:
        checks = ["DAILY", "TEN_SECONDLY_ROLLING"] + (["SECONDLY"] if self._is_search(path) else [])
        for policy in checks:
            window = self.windows[policy]
            wait = window.hit(now)
            if wait is not None:
                for earlier in checks[: checks.index(policy)]:  # not accepted after all
                    self.windows[earlier].times.pop()
                return self.throttled(_retry_after(wait), policy)
        return None

    def _limit_headers(self, now: float, remaining: int | None = None) -> dict[str, str]:
        ten, daily = self.windows["TEN_SECONDLY_ROLLING"], self.windows["DAILY"]
        return {
            "X-HubSpot-RateLimit-Daily": str(daily.limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(daily.remaining(now)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(ten.limit),
            "X-HubSpot-RateLimit-Remaining": str(
                ten.remaining(now) if remaining is None else remaining
            ),
        }

    def success_headers(self, path: str, now: float) -> dict[str, str]:
        if self._is_search(path) or not self.rate_limits:
            return {}
        return self._limit_headers(now)

    # --- endpoints ---

    def account_details(self, query: Any, body: Any) -> Any:
        return {
            "portalId": self.portal_id,
            "accountType": "STANDARD",
            "timeZone": self.spec.timezone,
            "companyCurrency": self.spec.currency,
            "additionalCurrencies": [self.other_currency],
            "utcOffset": "+01:00",
            "utcOffsetMilliseconds": 3_600_000,
            "uiDomain": "app-eu1.hubspot.com",
            "dataHostingLocation": "eu1",
        }

    def _timestamp(self, query: Mapping[str, list[str]], name: str) -> int | None:
        raw = _one(query, name)
        if raw is None:
            return None
        found = parse_instant_ms(raw)
        if found is None:
            raise ApiError(self.bad_request(f"Unable to parse {name} '{raw}' as a timestamp"))
        return found

    def email_statistics(self, query: Mapping[str, list[str]], body: Any) -> Any:
        start = self._timestamp(query, "startTimestamp")
        end = self._timestamp(query, "endTimestamp")
        ids = {int(v) for value in query.get("emailIds", []) for v in value.split(",") if v}
        times, sends = self.email_sends
        lo = 0 if start is None else bisect.bisect_left(times, start)
        hi = len(times) if end is None else bisect.bisect_right(times, end)
        counters: Counter[str] = Counter()
        emails: list[int] = []
        for _, email_id, sent in sends[lo:hi]:
            if ids and email_id not in ids:
                continue
            counters.update(sent)
            if email_id not in emails:
                emails.append(email_id)
        c = {name: counters.get(name, 0) for name in HS_COUNTERS}
        ratios = {
            "openratio": _ratio(c["open"], c["delivered"]),
            "clickratio": _ratio(c["click"], c["delivered"]),
            "clickthroughratio": _ratio(c["click"], c["open"]),
            "unsubscribedratio": _ratio(c["unsubscribed"], c["delivered"]),
            "spamreportratio": _ratio(c["spamreport"], c["delivered"]),
            "bounceratio": _ratio(c["bounce"], c["sent"]),
            "hardbounceratio": _ratio(c["hardbounced"], c["sent"]),
            "softbounceratio": _ratio(c["softbounced"], c["sent"]),
            "deliveredratio": _ratio(c["delivered"], c["sent"]),
            "notsentratio": _ratio(c["notsent"], c["selected"]),
            "contactslostratio": 0.0,
            "pendingratio": 0.0,
        }
        return {
            "aggregate": {
                "counters": c,
                "deviceBreakdown": {},
                "qualifierStats": {},
                "ratios": ratios,
            },
            "campaignAggregations": {},
            "emails": sorted(emails),
        }

    AUTOMATED_FROM = 900_000  # email ids of automated (workflow) emails, see email_sends

    def marketing_emails(self, query: Mapping[str, list[str]], body: Any) -> Any:
        """GET /marketing/v3/emails?type=..: the portal's emails of one type, 100 a page."""
        kind = _one(query, "type")
        ids = sorted({email_id for _, email_id, _ in self.email_sends[1]})
        automated = [i for i in ids if i >= self.AUTOMATED_FROM]
        rows = {
            "AUTOMATED_EMAIL": automated,
            "BATCH_EMAIL": [i for i in ids if i < self.AUTOMATED_FROM],
        }.get(kind or "", [] if kind else ids)
        offset = self._offset(_one(query, "after"))
        limit = min(100, int(_one(query, "limit", "10") or 10))
        page = rows[offset : offset + limit]
        out: dict[str, Any] = {
            "total": len(rows),
            "results": [
                {
                    "id": str(i),
                    "name": f"Email {i}",
                    "type": "AUTOMATED_EMAIL" if i >= self.AUTOMATED_FROM else "BATCH_EMAIL",
                    "subcategory": "automated" if i >= self.AUTOMATED_FROM else "batch",
                }
                for i in page
            ],
        }
        if offset + limit < len(rows):
            out["paging"] = {"next": {"after": self._cursor(offset + limit)}}
        return out

    @staticmethod
    def _cursor(offset: int) -> str:
        return base64.b64encode(f"o:{offset}".encode()).decode()

    def _offset(self, after: str | None) -> int:
        if after in (None, ""):
            return 0
        try:
            kind, _, number = (
                base64.b64decode(after.encode(), validate=True).decode().partition(":")
            )
            if kind != "o":
                raise ValueError(after)
            return int(number)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(self.bad_request(f"Invalid paging cursor '{after}'")) from None

    @staticmethod
    def _flow_summary(flow: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in flow.items() if not k.startswith("_")}

    def _flow_detail(self, flow: Mapping[str, Any]) -> dict[str, Any]:
        kind = flow["_enrollment"]
        if kind == "EVENT_BASED":
            criteria: dict[str, Any] = {
                "type": "EVENT_BASED",
                "shouldReEnroll": False,
                "eventFilterBranches": [
                    {
                        "filterBranches": [],
                        "filters": [],
                        "eventTypeId": "4-1639801",
                        "operator": "HAS_COMPLETED",
                        "filterBranchType": "UNIFIED_EVENTS",
                        "filterBranchOperator": "AND",
                    }
                ],
                "listMembershipFilterBranches": [],
            }
        elif kind == "MANUAL":
            criteria = {"type": "MANUAL", "shouldReEnroll": False}
        else:
            inner = {
                "LIST_FORM": {
                    "filterType": "FORM_SUBMISSION",
                    "operator": "FILLED_OUT",
                    "formId": "f1",
                },
                "LIST_PAGE_VIEW": {
                    "filterType": "PAGE_VIEW",
                    "pageUrl": "https://example.test/pricing",
                    "operator": "HAS_PAGEVIEW_EQ",
                },
                "LIST_PROPERTY": {
                    "filterType": "PROPERTY",
                    "property": "lifecyclestage",
                    "operation": {
                        "operationType": "ENUMERATION",
                        "operator": "IS_ANY_OF",
                        "values": ["lead"],
                    },
                },
            }[kind]
            criteria = {
                "type": "LIST_BASED",
                "shouldReEnroll": False,
                "unEnrollObjectsNotMeetingCriteria": False,
                "listFilterBranch": {
                    "filterBranchType": "OR",
                    "filterBranchOperator": "OR",
                    "filters": [],
                    "filterBranches": [
                        {
                            "filterBranchType": "AND",
                            "filterBranchOperator": "AND",
                            "filters": [inner],
                            "filterBranches": [],
                        }
                    ],
                },
                "reEnrollmentTriggersFilterBranches": [],
            }
        return {
            "type": "CONTACT_FLOW" if flow["objectTypeId"] == "0-1" else "PLATFORM_FLOW",
            **self._flow_summary(flow),
            "description": "",
            "startActionId": "1",
            "nextAvailableActionId": "2",
            "actions": [],
            "enrollmentCriteria": criteria,
            "timeWindows": [],
            "blockedDates": [],
            "customProperties": {},
            "dataSources": [],
            "suppressionListIds": [],
            "canEnrollFromSalesforce": False,
        }

    def flows(self, query: Mapping[str, list[str]], body: Any) -> Any:
        limit = min(100, max(1, int(_one(query, "limit", "100") or 100)))
        offset = self._offset(_one(query, "after"))
        rows = self.flow_list[offset : offset + limit]
        page: dict[str, Any] = {"results": [self._flow_summary(f) for f in rows]}
        if offset + limit < len(self.flow_list):
            after = self._cursor(offset + limit)
            page["paging"] = {
                "next": {
                    "after": after,
                    "link": f"https://api.hubapi.com/automation/v4/flows?after={after}",
                }
            }
        return page

    def flow(self, query: Any, body: Any, flow_id: str) -> Any:
        for flow in self.flow_list:
            if flow["id"] == flow_id:
                return self._flow_detail(flow)
        raise ApiError(self._error(404, f"Flow {flow_id} not found", "OBJECT_NOT_FOUND"))

    def flows_batch(self, query: Any, body: Any) -> Any:
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not inputs or len(inputs) > 100:
            raise ApiError(self.bad_request("inputs must be a list of 1 to 100 flow ids"))
        by_id = {f["id"]: f for f in self.flow_list}
        results, errors = [], []
        for item in inputs:
            if not isinstance(item, dict) or item.get("type") != "FLOW_ID" or "flowId" not in item:
                raise ApiError(self.bad_request("each input must be {flowId, type: FLOW_ID}"))
            flow = by_id.get(str(item["flowId"]))
            if flow is None:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "context": {"ids": [str(item["flowId"])]},
                    }
                )
            else:
                results.append(self._flow_detail(flow))
        stamp = iso_z(self.spec.as_of_ms)
        page: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if errors:
            page.update(numErrors=len(errors), errors=errors)
            return Reply(207, page)
        return page

    # --- CRM search ---

    def _filters(self, body: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
        groups = body.get("filterGroups") or []
        if not isinstance(groups, list) or len(groups) > 5:
            raise ApiError(self.bad_request("filterGroups: at most 5 groups"))
        out = []
        for group in groups:
            filters = group.get("filters") if isinstance(group, dict) else None
            if not isinstance(filters, list) or len(filters) > 10:
                raise ApiError(self.bad_request("each filter group takes at most 10 filters"))
            for f in filters:
                if not isinstance(f, dict) or "propertyName" not in f or "operator" not in f:
                    raise ApiError(self.bad_request(f"malformed filter {f!r}"))
            out.append(filters)
        if sum(len(g) for g in out) > 25:
            raise ApiError(self.bad_request("at most 25 filters in all"))
        return out

    # --- email engagement (graymail) ---
    #
    # Each contact k has, in a pattern repeating every ENGAGEMENT_CYCLE contacts: a last
    # send date unless k % 10 == 0; `hs_email_sends_since_last_engagement` = 7k mod 23
    # (0..22) when mailed; a last open unless k % 3 == 0, a last click when k % 6 == 1.
    # The filters are evaluated generically (ORed groups of ANDed filters); the truth
    # (`unengaged_truth`) applies HubSpot's graymail rule in its own words instead.

    ENGAGEMENT_CYCLE = 690  # lcm(10, 23, 3, 6)
    ENGAGEMENT_PROPS = (
        "hs_email_last_send_date",
        "hs_email_sends_since_last_engagement",
        "hs_email_last_open_date",
        "hs_email_last_click_date",
    )

    @staticmethod
    def engagement_of(k: int) -> dict[str, int | None]:
        mailed = k % 10 != 0
        return {
            "hs_email_last_send_date": 1 if mailed else None,
            "hs_email_sends_since_last_engagement": (7 * k) % 23 if mailed else None,
            "hs_email_last_open_date": 1 if mailed and k % 3 != 0 else None,
            "hs_email_last_click_date": 1 if mailed and k % 6 == 1 else None,
        }

    def _engagement_matches(self, props: Mapping[str, int | None], flt: Mapping[str, Any]) -> bool:
        value = props[str(flt["propertyName"])]
        op = str(flt["operator"]).upper()
        if op == "HAS_PROPERTY":
            return value is not None
        if op == "NOT_HAS_PROPERTY":
            return value is None
        try:
            wanted = float(flt.get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(self.bad_request(f"{flt['propertyName']}: bad value")) from None
        if value is None:
            return False
        if op == "GTE":
            return value >= wanted
        if op == "GT":
            return value > wanted
        if op == "EQ":
            return value == wanted
        raise NotSimulated(f"operator {op} on {flt['propertyName']}")

    def _engagement_count(self, groups: list[list[dict[str, Any]]]) -> int:
        if any(str(f["propertyName"]) not in self.ENGAGEMENT_PROPS for g in groups for f in g):
            raise NotSimulated("engagement properties mixed with other contact filters")
        total = self.contacts.total
        cycle = self.ENGAGEMENT_CYCLE

        def hits(upto: int) -> int:
            return sum(
                1
                for k in range(upto)
                if any(
                    all(self._engagement_matches(self.engagement_of(k), f) for f in g)
                    for g in groups
                )
            )

        return (total // cycle) * hits(cycle) + hits(total % cycle)

    def unengaged_truth(self) -> tuple[int, int]:
        """(mailed, unengaged) by HubSpot's rule: never engaged and 11+ sends since, or
        engaged before and 16+ sends since the last engagement."""

        def tally(upto: int) -> tuple[int, int]:
            mailed = unengaged = 0
            for k in range(upto):
                e = self.engagement_of(k)
                if e["hs_email_last_send_date"] is None:
                    continue
                mailed += 1
                never = (
                    e["hs_email_last_open_date"] is None and e["hs_email_last_click_date"] is None
                )
                sends = e["hs_email_sends_since_last_engagement"] or 0
                unengaged += sends >= (11 if never else 16)
            return mailed, unengaged

        total, cycle = self.contacts.total, self.ENGAGEMENT_CYCLE
        whole, rest = tally(cycle), tally(total % cycle)
        times = total // cycle
        return times * whole[0] + rest[0], times * whole[1] + rest[1]

    def _contact_filters(self, groups: list[list[dict[str, Any]]]) -> list[ContactFilter]:
        if len(groups) > 1:
            raise NotSimulated("OR (several filterGroups) on contacts")
        out = []
        for f in groups[0] if groups else []:
            prop = HS_CONTACT_PROPS.get(str(f["propertyName"]))
            if prop is None:
                raise NotSimulated(f"filtering contacts on '{f['propertyName']}'")
            op = str(f["operator"]).upper()

            def value(key: str, f: dict[str, Any] = f, prop: str = prop) -> int:
                raw = f.get(key)
                found = int(raw) if prop == "id" and str(raw).isdigit() else parse_instant_ms(raw)
                if found is None:
                    raise ApiError(self.bad_request(f"{f['propertyName']}: bad {key} {raw!r}"))
                return found

            if op == "HAS_PROPERTY":
                out.append(ContactFilter(prop))
            elif op == "EQ":
                out.append(ContactFilter(prop, value("value"), value("value")))
            elif op == "GT":
                out.append(ContactFilter(prop, value("value") + 1, None))
            elif op == "GTE":
                out.append(ContactFilter(prop, value("value"), None))
            elif op == "LT":
                out.append(ContactFilter(prop, None, value("value") - 1))
            elif op == "LTE":
                out.append(ContactFilter(prop, None, value("value")))
            elif op == "BETWEEN":
                out.append(ContactFilter(prop, value("value"), value("highValue")))
            else:
                raise NotSimulated(f"operator {op} on contacts")
        return out

    def _contact(self, cohort: Cohort, k: int, names: Iterable[str]) -> dict[str, Any]:
        book = self.contacts
        created = cohort.created(k)
        dates = {s: book.stage_date(cohort, k, s) for s in STAGE_ORDER}
        reached = [s for s in STAGE_ORDER if dates[s] is not None]
        modified = max(d for d in dates.values() if d is not None) if reached else created
        ident = str(cohort.first_id + k)
        props: dict[str, Any] = {
            "createdate": iso_z(created),
            "hs_object_id": ident,
            "lastmodifieddate": iso_z(modified),
        }
        for name in names:
            if name in props:
                continue
            stage = HS_CONTACT_PROPS.get(name)
            if name == "email":
                props[name] = f"contact{ident}@example.test"
            elif name == "lifecyclestage":
                props[name] = reached[-1] if reached else None
            elif stage in STAGES:
                when = dates[stage]
                props[name] = iso_z(when) if when is not None else None
            else:
                props[name] = None
        return {
            "id": ident,
            "properties": props,
            "createdAt": iso_z(created),
            "updatedAt": iso_z(modified),
            "archived": False,
        }

    @staticmethod
    def _deal_value(prop: str, value: Any) -> Any:
        if value is None or value == "":
            return None
        if prop in HS_DEAL_DATES:
            return parse_instant_ms(value)
        if prop in HS_DEAL_NUMBERS:
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
        return str(value).lower()

    def _deal_matches(self, deal: Mapping[str, Any], f: Mapping[str, Any]) -> bool:
        prop = str(f["propertyName"])
        op = str(f["operator"]).upper()
        have = self._deal_value(
            prop, deal["properties"].get(prop) if prop != "hs_object_id" else deal["id"]
        )
        if op == "HAS_PROPERTY":
            return have is not None
        if op == "NOT_HAS_PROPERTY":
            return have is None
        if op in ("IN", "NOT_IN"):
            values = {self._deal_value(prop, v) for v in f.get("values") or []}
            return (have in values) == (op == "IN")
        want = self._deal_value(prop, f.get("value"))
        if op == "NEQ":
            return have != want
        if have is None or want is None:
            return False
        if op == "EQ":
            return have == want
        if op == "BETWEEN":
            high = self._deal_value(prop, f.get("highValue"))
            return high is not None and want <= have <= high
        compare = {
            "GT": lambda a, b: a > b,
            "GTE": lambda a, b: a >= b,
            "LT": lambda a, b: a < b,
            "LTE": lambda a, b: a <= b,
        }.get(op)
        if compare is None:
            raise NotSimulated(f"operator {op} on deals")
        try:
            return compare(have, want)
        except TypeError:
            return False

    def _deal_matches_cached(
        self, body: Mapping[str, Any], groups: list[list[dict[str, Any]]]
    ) -> list[dict[str, Any]]:
        """The deals a search matches; the pages of one search share the work (the
        deals never change, so this is an optimisation, not a behaviour)."""
        key = json.dumps(
            {k: v for k, v in body.items() if k not in ("after", "limit")}, sort_keys=True
        )
        with self.lock:
            cache = self.__dict__.setdefault("_search_cache", {})
            if key in cache:
                return list(cache[key])
        matched = [
            d
            for d in self._deal_candidates(groups)
            if not groups or any(all(self._deal_matches(d, f) for f in g) for g in groups)
        ]
        with self.lock:
            if len(cache) > 256:
                cache.clear()
            cache[key] = matched
        return list(matched)

    @cached_property
    def _deals_by_close(self) -> tuple[list[int], list[dict[str, Any]]]:
        closed = sorted(
            (d for d in self.deals if d["properties"].get("closedate") is not None),
            key=lambda d: (d["properties"]["closedate"], int(d["id"])),
        )
        return [d["properties"]["closedate"] for d in closed], closed

    def _deal_candidates(self, groups: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The deals worth testing: when every group bounds closedate (BETWEEN), only
        those closed in the union of the ranges (an index, not a different answer)."""
        spans = []
        for group in groups:
            bounds = [
                f
                for f in group
                if f.get("propertyName") == "closedate"
                and str(f.get("operator")).upper() == "BETWEEN"
            ]
            lo = parse_instant_ms(bounds[0].get("value")) if bounds else None
            hi = parse_instant_ms(bounds[0].get("highValue")) if bounds else None
            if lo is None or hi is None:
                return self.deals
            spans.append((lo, hi))
        if not spans:
            return self.deals
        times, closed = self._deals_by_close
        picked: dict[str, dict[str, Any]] = {}
        for lo, hi in spans:
            for deal in closed[bisect.bisect_left(times, lo) : bisect.bisect_right(times, hi)]:
                picked[deal["id"]] = deal
        return sorted(picked.values(), key=lambda d: int(d["id"]))

    def _deal_out(self, deal: Mapping[str, Any], names: list[str] | None) -> dict[str, Any]:
        props = deal["properties"]
        default = ["dealname", "amount", "closedate", "pipeline", "dealstage"]
        wanted = [
            *(names if names else default),
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
        ]
        out: dict[str, Any] = {}
        for name in wanted:
            value = deal["id"] if name == "hs_object_id" else props.get(name)
            if name in HS_DEAL_DATES and isinstance(value, int):
                value = iso_z(value)
            out[name] = None if value is None else str(value)
        return {
            "id": deal["id"],
            "properties": out,
            "createdAt": iso_z(props["createdate"]),
            "updatedAt": iso_z(props["hs_lastmodifieddate"]),
            "archived": False,
        }

    def search(self, query: Any, body: Any, kind: str) -> Any:
        if not isinstance(body, dict):
            raise ApiError(self.bad_request("the search body must be a JSON object"))
        try:
            limit = int(body.get("limit", 10))
            after = body.get("after")
            offset = int(after) if after not in (None, "") else 0
        except (TypeError, ValueError):
            raise ApiError(self.bad_request("limit and after must be integers")) from None
        if not 0 <= limit <= 200:
            raise ApiError(self.bad_request("limit must be between 0 and 200"))
        if offset >= SEARCH_CAP:
            raise ApiError(
                self.bad_request(
                    "There was a problem with the request: paging past 10,000 results is not "
                    "supported by the search API"
                )
            )
        if body.get("query"):
            raise NotSimulated("free-text query")
        groups = self._filters(body)
        names = [str(n) for n in body.get("properties") or []]
        sorts = body.get("sorts") or []
        sort = sorts[0] if sorts else None
        if isinstance(sort, str):
            sort = {
                "propertyName": sort.lstrip("-"),
                "direction": "DESCENDING" if sort.startswith("-") else "ASCENDING",
            }
        descending = bool(sort) and str(sort.get("direction", "")).upper().startswith("DESC")
        end = min(offset + limit, SEARCH_CAP)
        engagement = any(str(f["propertyName"]) in self.ENGAGEMENT_PROPS for g in groups for f in g)
        if kind == "contacts" and engagement:
            if limit > 1 or offset:
                raise NotSimulated("paging through contacts by engagement")
            return {"total": self._engagement_count(groups), "results": []}
        if kind == "contacts":
            if sort and sort.get("propertyName") not in ("hs_object_id", "createdate"):
                raise NotSimulated(f"sorting contacts by {sort.get('propertyName')}")
            filters = self._contact_filters(groups)
            total = self.contacts.count(filters)
            rows = self.contacts.page(filters, offset, end - offset, descending)
            results = [self._contact(c, k, names) for c, k in rows]
        else:
            matched = self._deal_matches_cached(body, groups)
            if sort:
                prop = str(sort.get("propertyName"))

                def key(d: Mapping[str, Any], prop: str = prop) -> tuple[int, Any]:
                    v = self._deal_value(
                        prop, d["id"] if prop == "hs_object_id" else d["properties"].get(prop)
                    )
                    return (v is None, v if v is not None else 0)

                matched.sort(key=key, reverse=descending)
            total = len(matched)
            results = [self._deal_out(d, names) for d in matched[offset:end]]
        page: dict[str, Any] = {"total": total, "results": results}
        if offset + len(results) < total and results:
            page["paging"] = {"next": {"after": str(offset + len(results))}}
        return page

    # --- analytics v2 ---

    def analytics(self, query: Mapping[str, list[str]], body: Any, kind: str, period: str) -> Any:
        if period != "total":
            raise NotSimulated(f"time_period '{period}' (only 'total')")
        try:
            start = datetime.strptime(_one(query, "start") or "", "%Y%m%d").date()
            end = datetime.strptime(_one(query, "end") or "", "%Y%m%d").date()
        except ValueError:
            raise ApiError(self.bad_request("start and end are required, as YYYYMMDD")) from None
        if end < start:
            raise ApiError(self.bad_request("end is before start"))
        rows = {source: self._day_sum(source, start, end) for source in HS_SOURCES}
        totals = Counter()
        for row in rows.values():
            totals.update(row)
        breakdowns = [
            {"breakdown": source, **self._report_row(row)}
            for source, row in rows.items()
            if row["visits"]
        ]
        if kind == "totals":
            breakdowns = []
        return {
            "offset": 0,
            "total": len(breakdowns),
            "totals": self._report_row(dict(totals)),
            "breakdowns": breakdowns,
        }

    def _day_sum(self, source: str, start: date, end: date) -> dict[str, int]:
        first, sums = self.traffic
        series = sums[source]
        n = len(series["visits"]) - 1
        a = min(n, max(0, (start - first).days))
        b = min(n, max(0, (end - first).days + 1))
        return {metric: values[b] - values[a] for metric, values in series.items()}

    @staticmethod
    def _report_row(row: Mapping[str, int]) -> dict[str, Any]:
        visits = row.get("visits", 0)
        return {
            "rawViews": int(visits * 2.4),
            "visits": visits,
            "visitors": row.get("visitors", 0),
            "leads": row.get("contacts", 0),
            "contacts": row.get("contacts", 0),
            "submissions": row.get("submissions", 0),
            "pageviewsPerSession": 2.4 if visits else 0,
            "bounceRate": 0.41 if visits else 0,
            "timePerSession": 95.0 if visits else 0,
            "sessionToContactRate": round(row.get("contacts", 0) / visits, 4) if visits else 0,
        }

    # --- the truth ---

    def behavioral(self, flow: Mapping[str, Any]) -> bool:
        return flow["_enrollment"] in BEHAVIORAL_ENROLLMENT

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        """The monthly base metrics a correct HubSpot connector returns for `months`,
        audit months being calendar months in `tz`: bounces hard + soft, workflows
        enrolling contacts or companies only, revenue in the company currency (the
        deals' `amount_in_home_currency`, never their `amount` added across currencies)."""
        out: dict[str, dict[str, float]] = {m: {} for m in months}
        times, sends = self.email_sends
        for month in months:
            lo, hi = month_bounds_ms(month, tz)
            chunk = sends[bisect.bisect_left(times, lo) : bisect.bisect_left(times, hi)]
            c: Counter[str] = Counter()
            for _, _, counters in chunk:
                c.update(counters)
            out[month].update(
                emails_sent=c["sent"],
                emails_delivered=c["delivered"],
                unique_opens=c["open"],
                unique_clicks=c["click"],
                unsubscribes=c["unsubscribed"],
                bounces=c["hardbounced"] + c["softbounced"],
                spam_complaints=c["spamreport"],
                campaigns_sent=len({email_id for _, email_id, _ in chunk}),
                emails_automated=sum(
                    counters["sent"]
                    for _, email_id, counters in chunk
                    if email_id >= self.AUTOMATED_FROM
                ),
                contacts_lost=c["contactslost"],
            )
            end = month_bounds_ms(month, tz)[1]
            active = [
                f
                for f in self.flow_list
                if f["isEnabled"]
                and f["flowType"] == "WORKFLOW"
                and f["objectTypeId"] in HS_MARKETING_OBJECTS
                and f["_created"] < end
            ]
            out[month]["workflows_active"] = len(active)
            out[month]["workflows_behavioral"] = sum(self.behavioral(f) for f in active)
        for metric, stage in (
            ("leads_new", "lead"),
            ("mqls", "marketingqualifiedlead"),
            ("sqls", "salesqualifiedlead"),
            ("customers_new", "customer"),
        ):
            for month, n in self.contacts.truth(stage, months, tz).items():
                out[month][metric] = n
        for month in months:
            lo, hi = month_bounds_ms(month)  # closedate is a calendar date (midnight UTC)
            won = lost = with_source = 0
            revenue = attributed = 0.0
            for deal in self.deals:
                props = deal["properties"]
                closed = props.get("closedate")
                if closed is None or not lo <= closed < hi:
                    continue
                if props["hs_is_closed_won"] == "true":
                    amount = float(props.get("amount_in_home_currency") or 0)
                    won += 1
                    revenue += amount
                    if props["hs_analytics_source"] not in NON_MARKETING_SOURCES:
                        with_source += 1
                        attributed += amount
                else:
                    lost += 1
            out[month].update(
                deals_won=won,
                deals_lost=lost,
                revenue_won=revenue,
                deals_won_with_source=with_source,
                revenue_attributed=attributed,
            )
        portal = self.spec.timezone
        for month in months:
            lo, hi = month_bounds_ms(month, portal)
            first = from_ms(lo).astimezone(zone(portal)).date()
            last = from_ms(hi).astimezone(zone(portal)).date() - timedelta(days=1)
            rows = {s: self._day_sum(s, first, last) for s in HS_SOURCES}
            out[month].update(
                website_sessions=sum(r["visits"] for r in rows.values()),
                website_visitors=sum(r["visitors"] for r in rows.values()),
                email_sessions=rows["EMAIL_MARKETING"]["visits"],
                conversions=sum(r["submissions"] for r in rows.values()),
            )
        return {m: {k: float(v) for k, v in row.items()} for m, row in out.items()}
