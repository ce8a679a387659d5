"""Klaviyo as documented (revision 2026-07-15): accounts, metrics, campaigns, flows and the
reporting API (campaign values, flow series, segment series).

Written from the OpenAPI files of github.com/klaviyo/openapi (openapi/stable/apis:
get_accounts, get_metrics, get_campaigns, get_flows, query_campaign_values,
query_flow_series, query_segment_series) and the rate-limit guide, never from the
connector:

- `Authorization: Klaviyo-API-Key <key>` (else 401 `not_authenticated`) and a `revision`
  header on every request (else 400).
- JSON:API bodies: `data` (a list for collections, an object for reports), `links.next`
  an absolute URL on a.klaviyo.com carrying `page[cursor]`; errors are
  `{"errors": [{"id", "status", "code", "title", "detail", "source"}]}`.
- `GET /api/campaigns` refuses a request without a `messages.channel` filter; filters are
  `and(...)` of `equals(messages.channel,'email'|'sms')` and the date comparisons on
  `updated_at`/`created_at` (datetimes unquoted); `page[size]` at most 100.
  `GET /api/flows`: `page[size]` at most 50. `GET /api/metrics`: 20 per page [fake].
- Reports: `timeframe.start`/`end` are read as wall times in the account's time zone
  whatever their offset ("Offset is ignored and the company timezone is used"); a
  values timeframe over a year or a monthly series over 52 weeks is a 400;
  `conversion_metric_id` is required for campaign and flow reports and must be a metric
  of the account; `group_by` must hold the required attributes. Campaign values count
  each campaign whose send time is in [start, end) [fake: end excluded], grouped by
  campaign and message; series carry `date_times` (each month's start in the account's
  zone, written with its offset) and one value per month. Segment reports refuse a
  timeframe starting before 2023-06-01. Report results come 500 groupings a page, then
  `links.next` with `page_cursor` [fake: the specification has the parameter, no size].
- Limits (with `rate_limits`): reporting endpoints 1/s and 2/min each, others 3/s and
  60/min; a 429 carries `Retry-After` and no `RateLimit-*`; successes carry
  `RateLimit-Limit/Remaining/Reset`.

Confusable statistics differ: `opens` (every open) from `opens_unique`, `clicks` from
`clicks_unique`, `unsubscribes` from `unsubscribe_uniques`, `delivered` is recipients
less bounces and failed sends; `conversions` differs from `conversion_uniques`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from tests.fakes.account import AccountSpec, ContactBook, ContactFilter, NotSimulated, _send_times
from tests.fakes.base import ApiError, FakePlatform, Reply, SlidingWindow, _one, _retry_after
from tests.fakes.clock import (
    DAY_MS,
    add_month,
    iso_utc_offset,
    month_bounds_ms,
    month_of_ms,
    month_span,
    zone,
)

ACCOUNT_ID = "KFake1"
SEGMENT_ID = "SegAll1"
ORDER_METRIC = "PlacedOrd1"
STATS = (
    "recipients",
    "delivered",
    "opens",
    "opens_unique",
    "clicks",
    "clicks_unique",
    "unsubscribes",
    "unsubscribe_uniques",
    "bounced",
    "failed",
    "spam_complaints",
    "conversions",
    "conversion_uniques",
    "conversion_value",
)
TRIGGERS = ("Added to List", "Date Based", "Low Inventory", "Metric", "Price Drop", "Unconfigured")
REPORT_PATHS = (
    "/api/campaign-values-reports",
    "/api/flow-series-reports",
    "/api/segment-series-reports",
)
RESULTS_PER_PAGE = 500
_FILTER = re.compile(
    r"^(any|equals|greater-or-equal|greater-than|less-or-equal|less-than)\(([\w.]+),(.+)\)$"
)


def _stats(rng: Any, recipients: int) -> dict[str, float]:
    bounced = recipients * rng.randint(5, 30) // 1000
    failed = recipients * rng.randint(0, 5) // 1000
    delivered = recipients - bounced - failed
    opens_unique = delivered * rng.randint(150, 450) // 1000
    clicks_unique = opens_unique * rng.randint(50, 250) // 1000
    unsub_unique = delivered * rng.randint(1, 8) // 1000
    conversions = clicks_unique * rng.randint(20, 120) // 1000
    return {
        "recipients": recipients,
        "delivered": delivered,
        "opens": opens_unique + opens_unique // 3 + 1,
        "opens_unique": opens_unique,
        "clicks": clicks_unique * 2 + 1,
        "clicks_unique": clicks_unique,
        "unsubscribes": unsub_unique + 1,
        "unsubscribe_uniques": unsub_unique,
        "bounced": bounced,
        "failed": failed,
        "spam_complaints": delivered * rng.randint(0, 3) // 10_000,
        "conversions": conversions + 2,
        "conversion_uniques": conversions,
        "conversion_value": round(conversions * rng.uniform(35, 140), 2),
    }


def _error(status: int, code: str, title: str, detail: str = "") -> Reply:
    return Reply(
        status,
        {
            "errors": [
                {
                    "id": "00000000-0000-4000-8000-000000000000",
                    "status": status,
                    "code": code,
                    "title": title,
                    "detail": detail or title,
                    "source": {"pointer": "/data/"},
                }
            ]
        },
    )


class KlaviyoFake(FakePlatform):
    """A Klaviyo account (the API under /api)."""

    name = "klaviyo"
    prefix = "/klaviyo"
    stock_metrics = frozenset({"workflows_active", "workflows_behavioral"})

    def __init__(self, spec: AccountSpec, token: str, **kwargs: Any) -> None:
        super().__init__(spec, token, **kwargs)
        self.windows = {
            "reports": {
                path: (SlidingWindow(1, 1.0), SlidingWindow(2, 60.0)) for path in REPORT_PATHS
            },
            "other": (SlidingWindow(3, 1.0), SlidingWindow(60, 60.0)),
        }
        self.route("GET", r"/api/accounts", self.accounts)
        self.route("GET", r"/api/metrics", self.metrics)
        self.route("GET", r"/api/campaigns", self.campaigns)
        self.route("GET", r"/api/flows", self.flows)
        self.route("POST", r"/api/campaign-values-reports", self.campaign_values)
        self.route("POST", r"/api/flow-series-reports", self.flow_series)
        self.route("POST", r"/api/segment-series-reports", self.segment_series)
        self.route("POST", r"/api/metric-aggregates", self.metric_aggregates)
        self.revision_seen: set[str] = set()

    # --- the world ---

    @cached_property
    def contacts(self) -> ContactBook:
        return ContactBook(self.spec)

    @cached_property
    def metric_list(self) -> list[dict[str, Any]]:
        names = [f"Custom event {i}" for i in range(1, 24)]
        names[5:5] = ["Received Email", "Opened Email", "Clicked Email", "Bounced Email"]
        names.insert(24, "Placed Order")  # on the second page: a lookup must page
        out = []
        for i, name in enumerate(names):
            metric_id = ORDER_METRIC if name == "Placed Order" else f"Met{i:04d}"
            out.append({"type": "metric", "id": metric_id, "attributes": {"name": name}})
        return out

    @cached_property
    def campaign_list(self) -> list[dict[str, Any]]:
        """Email campaigns with a send time, SMS campaigns, and drafts (no send time)."""
        spec = self.spec
        rng = spec.rng("klaviyo", "campaigns")
        out = []
        for number, when in enumerate(_send_times(spec, rng, spec.campaigns), start=1):
            channel = "sms" if number % 9 == 0 else "email"
            draft = number % 23 == 0
            recipients = rng.randint(200, 40_000)
            out.append(
                {
                    "id": f"Cmp{number:06d}",
                    "_channel": channel,
                    "_sent": None if draft else when,
                    "_created": when - rng.randint(1, 20) * DAY_MS,
                    "_updated": when + rng.randint(0, 40) * DAY_MS if not draft else when,
                    "_message": f"Msg{number:06d}",
                    "_stats": _stats(rng, recipients),
                }
            )
        return out

    @cached_property
    def flow_list(self) -> list[dict[str, Any]]:
        spec = self.spec
        rng = spec.rng("klaviyo", "flows")
        out = []
        for number in range(1, spec.workflows + 1):
            created = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            status = rng.choice(("live", "live", "live", "draft", "manual"))
            out.append(
                {
                    "id": f"Flw{number:04d}",
                    "status": status,
                    "archived": status == "live" and number % 11 == 0,
                    "trigger_type": rng.choice(TRIGGERS),
                    "_created": created,
                    "_messages": [f"FMsg{number:04d}{k}" for k in range(rng.randint(1, 3))],
                }
            )
        return out

    def flow_stats(self, message: str, month: str) -> dict[str, float] | None:
        """One flow email's statistics in a month (the account's), None when it sent none."""
        flow = next(f for f in self.flow_list if message in f["_messages"])
        lo, hi = month_bounds_ms(month, self.spec.timezone)
        if flow["_created"] >= hi or lo >= self.spec.as_of_ms:
            return None
        rng = self.spec.rng("klaviyo", "flow", message, month)
        if rng.random() < 0.15:
            return None
        return _stats(rng, rng.randint(50, 6_000))

    def order_value(self, month: str, tz: str) -> float:
        """The value of the orders placed in `month` in zone `tz`: each day of the account
        has orders worth a seeded amount, counted in the day's month in that zone [fake:
        an order at noon UTC of each day]."""
        lo, hi = month_bounds_ms(month, tz)
        first = (lo // DAY_MS) * DAY_MS + DAY_MS // 2
        total = 0.0
        for noon in range(first, hi, DAY_MS):
            if lo <= noon < min(hi, self.spec.as_of_ms):
                day = self.spec.rng("klaviyo", "orders", str(noon // DAY_MS))
                total += round(day.uniform(15_000, 35_000), 2)  # above the attributed value
        return round(total, 2)

    def segment_added(self, month: str) -> int:
        lo, hi = month_bounds_ms(month, self.spec.timezone)
        return self.contacts.count([ContactFilter("lead", lo, hi - 1)])

    # --- protocol ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("authorization", "") == f"Klaviyo-API-Key {self.token}"

    def unauthorized(self) -> Reply:
        return _error(401, "not_authenticated", "Incorrect authentication credentials.")

    def not_found(self, path: str) -> Reply:
        return _error(404, "not_found", "Not found.", f"No resource at {path}")

    def bad_request(self, message: str) -> Reply:
        return _error(400, "invalid", "Invalid input.", message)

    def throttled(self, retry_after: int, policy: str) -> Reply:
        reply = _error(429, "throttled", "Request was throttled.")
        return Reply(429, reply.body, {"Retry-After": str(retry_after)})

    def _windows(self, path: str) -> tuple[SlidingWindow, SlidingWindow]:
        reports = self.windows["reports"]
        assert isinstance(reports, dict)
        found = reports.get(path, self.windows["other"])
        assert isinstance(found, tuple)
        return found

    def limit(self, path: str, now: float) -> Reply | None:
        burst, steady = self._windows(path)
        wait = burst.hit(now)
        if wait is None:
            wait = steady.hit(now)
        return None if wait is None else self.throttled(_retry_after(wait), "")

    def success_headers(self, path: str, now: float) -> dict[str, str]:
        if not self.rate_limits:
            return {}
        _, steady = self._windows(path)
        left = steady.remaining(now)
        reset = steady.times[0] + steady.seconds - now if steady.times else 0.0
        return {
            "RateLimit-Limit": str(steady.limit),
            "RateLimit-Remaining": str(left),
            "RateLimit-Reset": str(max(1, math.ceil(reset))),
        }

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> Reply:
        if self.authorized(headers) and not headers.get("revision"):
            return _error(400, "invalid", "Missing revision header.", "revision is required")
        if headers.get("revision"):
            self.revision_seen.add(headers["revision"])
        return super().handle(method, path, query, headers, body)

    # --- collections ---

    def _collection(
        self, path: str, query: Mapping[str, list[str]], rows: list[Any], size: int
    ) -> Any:
        try:
            offset = int(_one(query, "page[cursor]", "0") or 0)
        except ValueError:
            raise ApiError(self.bad_request("page[cursor] is not a cursor")) from None
        page = rows[offset : offset + size]
        following = offset + size
        base = f"https://a.klaviyo.com{path}"
        links: dict[str, Any] = {"self": base, "prev": None, "next": None}
        if following < len(rows):  # the request's own query, with the next cursor
            kept = [(k, v) for k, values in query.items() if k != "page[cursor]" for v in values]
            links["next"] = f"{base}?{urlencode([*kept, ('page[cursor]', str(following))])}"
        return {"data": page, "links": links}

    def _size(self, query: Mapping[str, list[str]], default: int, maximum: int) -> int:
        try:
            size = int(_one(query, "page[size]", str(default)) or default)
        except ValueError:
            raise ApiError(self.bad_request("page[size] must be an integer")) from None
        if not 1 <= size <= maximum:
            raise ApiError(self.bad_request(f"page[size] must be between 1 and {maximum}"))
        return size

    def accounts(self, query: Any, body: Any) -> Any:
        return {
            "data": [
                {
                    "type": "account",
                    "id": ACCOUNT_ID,
                    "attributes": {
                        "test_account": False,
                        "contact_information": {"organization_name": "Fake Store"},
                        "industry": "Retail",
                        "timezone": self.spec.timezone,
                        "preferred_currency": self.spec.currency,
                        "public_api_key": "AbCdEf",
                        "locale": "en-US",
                    },
                    "links": {"self": f"https://a.klaviyo.com/api/accounts/{ACCOUNT_ID}/"},
                }
            ],
            "links": {"self": "https://a.klaviyo.com/api/accounts/", "next": None, "prev": None},
        }

    def metrics(self, query: Mapping[str, list[str]], body: Any) -> Any:
        return self._collection("/api/metrics", query, self.metric_list, 20)

    def _conditions(self, text: str) -> list[tuple[str, str, str]]:
        inner = text[4:-1] if text.startswith("and(") and text.endswith(")") else text
        parts = re.split(r",(?=(?:any|equals|greater|less)[\w-]*\()", inner)
        out = []
        for part in parts:
            found = _FILTER.match(part.strip())
            if not found:
                raise NotSimulated(f"filter {part!r}")
            out.append((found.group(1), found.group(2), found.group(3).strip("'\"")))
        return out

    def campaigns(self, query: Mapping[str, list[str]], body: Any) -> Any:
        conditions = self._conditions(_one(query, "filter", "") or "")
        channels = [v for op, field, v in conditions if field == "messages.channel"]
        if not channels:
            raise ApiError(self.bad_request("A channel filter is required to list campaigns"))
        rows = [c for c in self.campaign_list if c["_channel"] == channels[0]]
        for op, field, value in conditions:
            if field == "messages.channel":
                continue
            if op == "any" and field == "id":
                ids = {v.strip().strip("'\"") for v in value.strip("[]").split(",")}
                if len(ids) > 100:
                    raise ApiError(self.bad_request("at most 100 values in an any filter"))
                rows = [c for c in rows if c["id"] in ids]
                continue
            if field not in ("updated_at", "created_at"):
                raise NotSimulated(f"campaign filter on {field}")
            instant = int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
            key = "_updated" if field == "updated_at" else "_created"
            compare = {
                "greater-or-equal": lambda a, b: a >= b,
                "greater-than": lambda a, b: a > b,
                "less-or-equal": lambda a, b: a <= b,
                "less-than": lambda a, b: a < b,
            }[op]
            rows = [c for c in rows if compare(c[key], instant)]
        shown = [
            {
                "type": "campaign",
                "id": c["id"],
                "attributes": {
                    "name": f"Campaign {c['id']}",
                    "status": "Draft" if c["_sent"] is None else "Sent",
                    "archived": False,
                    "send_time": None if c["_sent"] is None else iso_utc_offset(c["_sent"]),
                    "created_at": iso_utc_offset(c["_created"]),
                    "updated_at": iso_utc_offset(c["_updated"]),
                },
            }
            for c in rows
        ]
        return self._collection("/api/campaigns", query, shown, self._size(query, 100, 100))

    def flows(self, query: Mapping[str, list[str]], body: Any) -> Any:
        rows = [
            {
                "type": "flow",
                "id": f["id"],
                "attributes": {
                    "name": f"Flow {f['id']}",
                    "status": f["status"],
                    "archived": f["archived"],
                    "trigger_type": f["trigger_type"],
                    "created": iso_utc_offset(f["_created"]),
                    "updated": iso_utc_offset(f["_created"]),
                },
            }
            for f in self.flow_list
        ]
        return self._collection("/api/flows", query, rows, self._size(query, 50, 50))

    # --- reports ---

    def _attributes(self, body: Any, kind: str, required: tuple[str, ...]) -> dict[str, Any]:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("type") != kind:
            raise ApiError(self.bad_request(f"data.type must be {kind}"))
        attributes = data.get("attributes")
        if not isinstance(attributes, dict):
            raise ApiError(self.bad_request("data.attributes is required"))
        for name in required:
            if name not in attributes:
                raise ApiError(self.bad_request(f"{name} is required"))
        return attributes

    def _months(self, attributes: Mapping[str, Any], series: bool) -> list[str]:
        """The account's months in [start, end): wall times read in the account's zone."""
        frame = attributes.get("timeframe")
        if not isinstance(frame, dict) or "start" not in frame or "end" not in frame:
            raise NotSimulated("timeframe keys")
        here = zone(self.spec.timezone)
        start = datetime.fromisoformat(str(frame["start"])[:19]).replace(tzinfo=here)
        end = datetime.fromisoformat(str(frame["end"])[:19]).replace(tzinfo=here)
        days = (end - start).days
        if days > (364 if series and attributes.get("interval") == "monthly" else 366):
            raise ApiError(self.bad_request("The timeframe is too long"))
        if start.day != 1 or start.hour or end.day != 1 or end.hour:
            raise NotSimulated("a timeframe that does not start and end on a month's start")
        first = f"{start.year:04d}-{start.month:02d}"
        after = f"{end.year:04d}-{end.month:02d}"
        return month_span(first, add_month(after, -1)) if after > first else []

    def _metric(self, attributes: Mapping[str, Any]) -> None:
        if attributes.get("conversion_metric_id") not in {m["id"] for m in self.metric_list}:
            raise ApiError(_error(400, "invalid", "Invalid conversion_metric_id."))

    def _email_only(self, attributes: Mapping[str, Any], required: set[str]) -> list[str]:
        group_by = attributes.get("group_by") or []
        if not required <= set(group_by):
            raise ApiError(self.bad_request(f"group_by must include {sorted(required)}"))
        if attributes.get("filter") != 'equals(send_channel,"email")':
            raise NotSimulated(f"filter {attributes.get('filter')!r}")
        statistics = attributes.get("statistics")
        if not isinstance(statistics, list) or not set(statistics) <= set(STATS):
            raise ApiError(self.bad_request("unknown statistic"))
        return statistics

    def _report_page(
        self, query: Mapping[str, list[str]], path: str, kind: str, results: list[Any], **extra: Any
    ) -> Any:
        try:
            offset = int(_one(query, "page_cursor", "0") or 0)
        except ValueError:
            raise ApiError(self.bad_request("page_cursor is not a cursor")) from None
        page = results[offset : offset + RESULTS_PER_PAGE]
        links: dict[str, Any] = {"self": f"https://a.klaviyo.com{path}"}
        if offset + RESULTS_PER_PAGE < len(results):
            links["next"] = f"https://a.klaviyo.com{path}?page_cursor={offset + RESULTS_PER_PAGE}"
        return {
            "data": {"type": kind, "id": "report", "attributes": {"results": page, **extra}},
            "links": links,
        }

    def _date_times(self, months: list[str]) -> list[str]:
        return [
            datetime.fromtimestamp(
                month_bounds_ms(m, self.spec.timezone)[0] / 1000, zone(self.spec.timezone)
            ).isoformat()
            for m in months
        ]

    def campaign_values(self, query: Mapping[str, list[str]], body: Any) -> Any:
        attributes = self._attributes(
            body, "campaign-values-report", ("statistics", "timeframe", "conversion_metric_id")
        )
        self._metric(attributes)
        statistics = self._email_only(attributes, {"campaign_id", "campaign_message_id"})
        months = set(self._months(attributes, series=False))
        results = []
        for c in self.campaign_list:
            if c["_channel"] != "email" or c["_sent"] is None:
                continue
            if month_of_ms(c["_sent"], self.spec.timezone) not in months:
                continue
            results.append(
                {
                    "groupings": {
                        "campaign_id": c["id"],
                        "campaign_message_id": c["_message"],
                        "send_channel": "email",
                    },
                    "statistics": {s: c["_stats"][s] for s in statistics},
                }
            )
        return self._report_page(
            query, "/api/campaign-values-reports", "campaign-values-report", results
        )

    def flow_series(self, query: Mapping[str, list[str]], body: Any) -> Any:
        attributes = self._attributes(
            body,
            "flow-series-report",
            ("statistics", "timeframe", "interval", "conversion_metric_id"),
        )
        self._metric(attributes)
        if attributes.get("interval") != "monthly":
            raise NotSimulated(f"interval {attributes.get('interval')!r}")
        statistics = self._email_only(attributes, {"flow_id", "flow_message_id"})
        months = self._months(attributes, series=True)
        results = []
        for flow in self.flow_list:
            for message in flow["_messages"]:
                per_month = [self.flow_stats(message, m) for m in months]
                if not any(per_month):
                    continue
                results.append(
                    {
                        "groupings": {
                            "flow_id": flow["id"],
                            "flow_message_id": message,
                            "send_channel": "email",
                        },
                        "statistics": {
                            s: [0 if v is None else v[s] for v in per_month] for s in statistics
                        },
                    }
                )
        return self._report_page(
            query,
            "/api/flow-series-reports",
            "flow-series-report",
            results,
            date_times=self._date_times(months),
        )

    def segment_series(self, query: Mapping[str, list[str]], body: Any) -> Any:
        attributes = self._attributes(
            body, "segment-series-report", ("statistics", "timeframe", "interval")
        )
        months = self._months(attributes, series=True)
        if months and months[0] < "2023-06":
            raise ApiError(self.bad_request("Data is unavailable before June 1st, 2023."))
        if attributes.get("filter") != f'equals(segment_id,"{SEGMENT_ID}")':
            raise NotSimulated(f"filter {attributes.get('filter')!r}")
        results = [
            {
                "groupings": {"segment_id": SEGMENT_ID},
                "statistics": {"members_added": [self.segment_added(m) for m in months]},
            }
        ]
        return self._report_page(
            query,
            "/api/segment-series-reports",
            "segment-series-report",
            results,
            date_times=self._date_times(months),
        )

    def metric_aggregates(self, query: Mapping[str, list[str]], body: Any) -> Any:
        """`POST /api/metric-aggregates`: `metric_id`, `measurements` and `filter` (a
        `greater-or-equal` and a `less-than` on `datetime`) required; `interval`, `timezone`
        (default UTC).  Only the Placed Order metric's `sum_value` by month is simulated."""
        attributes = self._attributes(
            body, "metric-aggregate", ("metric_id", "measurements", "filter")
        )
        if attributes["metric_id"] != ORDER_METRIC or attributes["measurements"] != ["sum_value"]:
            raise NotSimulated("only the Placed Order sum_value")
        if attributes.get("interval") != "month":
            raise NotSimulated(f"interval {attributes.get('interval')!r}")
        tz = attributes.get("timezone") or "UTC"
        bounds = {}
        for condition in attributes["filter"]:
            found = _FILTER.match(condition)
            if not found or found.group(2) != "datetime":
                raise NotSimulated(f"filter {condition!r}")
            bounds[found.group(1)] = found.group(3)
        start, end = bounds.get("greater-or-equal"), bounds.get("less-than")
        if not start or not end or start[8:] != "01T00:00:00" or end[8:] != "01T00:00:00":
            raise NotSimulated("a range that is not whole months")
        months = month_span(start[:7], add_month(end[:7], -1))
        if len(months) > 12:
            raise ApiError(self.bad_request("The time range is too long"))
        dates = [
            datetime.fromtimestamp(month_bounds_ms(m, tz)[0] / 1000, zone(tz)).isoformat()
            for m in months
        ]
        values = [self.order_value(m, tz) for m in months]
        return {
            "data": {
                "type": "metric-aggregate",
                "id": "aggregate",
                "attributes": {
                    "dates": dates,
                    "data": [{"dimensions": [], "measurements": {"sum_value": values}}],
                },
                "links": {"self": "https://a.klaviyo.com/api/metric-aggregates/"},
            },
            "links": {"self": "https://a.klaviyo.com/api/metric-aggregates/"},
        }

    # --- the truth ---

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        """What a correct connector reports, in the ACCOUNT's months whatever `tz` (the
        reports ignore the offset they are sent): campaigns by send month, flows by
        month, profiles added to the segment, live flows now."""
        here = self.spec.timezone
        out: dict[str, dict[str, float]] = {}
        for month in months:
            sends = [
                c["_stats"]
                for c in self.campaign_list
                if c["_channel"] == "email"
                and c["_sent"] is not None
                and month_of_ms(c["_sent"], here) == month
            ]
            flow = [
                s
                for f in self.flow_list
                for m in f["_messages"]
                if (s := self.flow_stats(m, month)) is not None
            ]
            both = [*sends, *flow]
            out[month] = {
                "emails_sent": sum(s["recipients"] for s in both),
                "emails_delivered": sum(s["delivered"] for s in both),
                "unique_opens": sum(s["opens_unique"] for s in both),
                "unique_clicks": sum(s["clicks_unique"] for s in both),
                "unsubscribes": sum(s["unsubscribe_uniques"] for s in both),
                "bounces": sum(s["bounced"] for s in both),
                "spam_complaints": sum(s["spam_complaints"] for s in both),
                "campaigns_sent": float(sum(1 for s in both if s["recipients"] > 0)),
                "emails_automated": sum(s["recipients"] for s in flow),
                "revenue_attributed": round(sum(s["conversion_value"] for s in both), 6),
                "leads_new": float(self.segment_added(month)),
                "revenue_total": self.order_value(month, tz),  # asked in the audit's zone
            }
        live = [f for f in self.flow_list if f["status"] == "live" and not f["archived"]]
        last = months[-1]
        out[last]["workflows_active"] = float(len(live))
        out[last]["workflows_behavioral"] = float(
            sum(1 for f in live if f["trigger_type"] in ("Metric", "Price Drop", "Low Inventory"))
        )
        return out
