"""A local server speaking the DOCUMENTED APIs of HubSpot, Mailchimp and ActiveCampaign.

Written from the platforms' documentation (../shared/reference/platform-apis.md
sections 1-3 and 9-11, and the vendors' reference pages it cites), never from
what our connectors happen to call: a connector that drifts from the
documented API (a wrong parameter, a page cap it ignores, a field it assumes)
gets a wrong number or an error here, as it would against the real platform.

    with FakePlatforms(AccountSpec(contacts=1_000_000, campaigns=2_000)) as fake:
        fake.url("hubspot")          # http://127.0.0.1:PORT/hubspot
        fake.url("mailchimp")        # http://127.0.0.1:PORT/mailchimp/3.0
        fake.url("activecampaign")   # http://127.0.0.1:PORT/activecampaign  (API at /api/3)
        fake.hubspot.truth(months, "Europe/Madrid")   # the true monthly numbers
        fake.hubspot.seen                              # every request (method, path, query)

The account is synthetic and seeded (`AccountSpec`): the same spec gives the
same account, byte for byte.  Contacts are never materialised: they are
cohorts (one per month) whose creation and lifecycle-stage dates are
arithmetic progressions, so a CRM search `total` or a count of contacts
created in a month is computed in closed form, for 1,000 contacts or
100,000,000.  Campaigns, deals and workflows are a few thousand records.
Other entities do not depend on the number of contacts, so two accounts that
differ only in contacts differ only in contact counts.

What is simulated, per platform (and what the fake decides where the
documentation is silent, marked [fake]):

HubSpot (`Authorization: Bearer <private-app token>`; wrong token: 401 with
`category: INVALID_AUTHENTICATION`):
- `GET /account-info/v3/details`: `companyCurrency` and one of
  `additionalCurrencies` (a portal with two currencies).
- `GET /marketing/v3/emails/statistics/list` (and the dated
  `/marketing/emails/2026-03/statistics/list`): `startTimestamp`,
  `endTimestamp` (ISO 8601 or epoch ms; both ends included [fake]),
  `emailIds`; answers `aggregate.{counters,ratios,...}`, `campaignAggregations`,
  `emails` (ids sent in the span).  Ratios are percentages.  `bounce` is the
  hard bounces, as HubSpot documents it (its description is `hardbounced`'s);
  `softbounced` differs from it.
- `GET /automation/v4/flows` (`limit` <= 100, opaque `after` cursor,
  `paging.next.after`), `GET /automation/v4/flows/{flowId}`,
  `POST /automation/v4/flows/batch/read` (`inputs: [{flowId, type: FLOW_ID}]`).
  Flows enroll contacts, companies, deals or tickets (`objectTypeId` 0-1,
  0-2, 0-3, 0-5); an enabled deal flow and an enabled ticket flow always exist.
- Deals in the company currency or the additional one (`deal_currency_code`):
  `amount` is in the deal's currency, `amount_in_home_currency` in the company
  currency (amount x the fixed rate `HS_RATE`) [fake: one rate for all time].
- `POST /crm/v3/objects/{contacts,deals}/search`: `filterGroups` (<= 5 groups,
  <= 10 filters each, <= 25 in all), operators EQ NEQ GT GTE LT LTE BETWEEN
  (`value`/`highValue`, inclusive) IN NOT_IN HAS_PROPERTY NOT_HAS_PROPERTY,
  `sorts`, `properties`, `limit` <= 200, `after`; answers `total` (exact, even
  past 10,000), `results` (property values are strings) and
  `paging.next.after`; an `after` at or past 10,000 is HTTP 400.  Contacts
  support one group of AND filters (EQ GT GTE LT LTE BETWEEN HAS_PROPERTY) on
  createdate, hs_object_id and the lifecycle date properties
  (hs_lifecyclestage_<stage>_date, hs_v2_date_entered_<stage>), sorted by
  hs_object_id or createdate; anything else is a 400 saying it is not simulated.
- `GET /analytics/v2/reports/{sources,totals}/total?start=YYYYMMDD&end=YYYYMMDD`
  (days in the portal's time zone, both included): `totals` and `breakdowns`
  whose `breakdown` is the source (ORGANIC_SEARCH, EMAIL_MARKETING, ...).
- Limits: 100 requests / 10 s rolling (private app, Free/Starter), 5 / s on the
  search endpoints, 250,000 / day; a 429 carries `errorType: RATE_LIMIT`,
  `policyName` (TEN_SECONDLY_ROLLING, SECONDLY, DAILY), `Retry-After` [fake:
  HubSpot does not promise it] and `X-HubSpot-RateLimit-*` headers (these
  also on every non-search success while limits are on).

Mailchimp Marketing API v3 (HTTP Basic, any user name, the key as password,
or `Bearer`/`OAuth <key>`; wrong key: 401 problem+json "API Key Invalid"):
- `GET /` (account), `GET /lists/{list_id}`, `GET /reports` and
  `GET /reports/{id}` (`since_send_time` / `before_send_time`: sent strictly
  after / before [fake: "after" and "before" read literally]), `GET /campaigns`,
  `GET /automations`, `GET /ecommerce/stores`.
- Offset paging: `count` (default 10, over 1000 is a 400) and `offset`;
  `total_items`.  `fields` / `exclude_fields` (dot notation) are applied, so
  only the fields asked for come back (`total_items` included).
- Reports of automation emails are listed too (type `automation`) with their
  lifetime counters [fake]; the truth never counts them (issue 5: lifetime
  totals are not period figures).
- Limit: 10 simultaneous connections; over it, 429 (problem+json) with
  `Retry-After` [fake: Mailchimp sends none].

ActiveCampaign API v3 (`Api-Token` header; wrong token: 403, which is what
ActiveCampaign documents for a missing or invalid token):
- `GET /api/3/users/me`, `/api/3/campaigns` (`orders[sdate]`, `orders[ldate]`,
  `filters[seriesid]`; NULL send dates first ascending, last descending, as
  MySQL does [fake]), `/api/3/automations`, `/api/3/contacts`
  (`filters[created_after|created_before]`, `id_greater`, `id_less`,
  `orders[id|cdate]`), `/api/3/deals` (`filters[status|stage|group|owner]`,
  `filters[created_*|updated_*]`, `orders[cdate|mdate|value|title]`).
- Offset paging: `limit` (default 20, at most 100: larger values are cut to
  100 [fake]) and `offset`; `meta.total` is a string.  Every number is a
  string, deal values in cents, dates carry the account's UTC offset.
- Date filters: `*_after` includes the given instant, `*_before` excludes it
  (the deals reference says "greater than or equal" / "less than"); a date
  without a time is midnight in the account's time zone [fake].
- Limit: 5 requests per second per account (sliding one-second window); a 429
  carries `Retry-After` and `RateLimit-Limit` / `RateLimit-Remaining`.

Latency (`latency=(0.02, 0.05)`) is slept before each answer is sent (limits
count requests when they arrive).  Rate limits are off unless
`rate_limits=True` (tests inject a fake clock into the connectors, which then
never really wait); `storm(n, retry_after)` answers the next n requests 429.
Each platform's `truth(months, tz)` gives the monthly base metrics a correct
connector returns, audit months being calendar months in `tz`; its docstring
says what counts.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import math
import random
import re
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

DAY_MS = 86_400_000
SECOND_MS = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEARCH_CAP = 10_000

# --- time ---------------------------------------------------------------------------------


def zone(name: str) -> Any:
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def to_ms(instant: datetime) -> int:
    return (instant - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def iso_z(ms: int) -> str:
    """HubSpot's form: 2024-01-03T10:15:00.000Z."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def iso_utc_offset(ms: int) -> str:
    """Mailchimp's form: 2015-10-21T15:41:36+00:00."""
    return from_ms(ms).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def iso_local(ms: int, tz: str) -> str:
    """ActiveCampaign's form, in the account's zone: 2018-08-17T13:47:31-05:00."""
    return from_ms(ms).astimezone(zone(tz)).isoformat(timespec="seconds")


def add_month(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_span(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = add_month(month, 1)
    return out


def month_bounds_ms(month: str, tz: str = "UTC") -> tuple[int, int]:
    """[start, end) of calendar month `month` in zone `tz`, as epoch milliseconds."""
    here = zone(tz)
    year, mon = int(month[:4]), int(month[5:7])
    nxt = add_month(month, 1)
    start = datetime(year, mon, 1, tzinfo=here)
    end = datetime(int(nxt[:4]), int(nxt[5:7]), 1, tzinfo=here)
    return to_ms(start), to_ms(end)


def month_of_ms(ms: int, tz: str = "UTC") -> str:
    local = from_ms(ms).astimezone(zone(tz))
    return f"{local.year:04d}-{local.month:02d}"


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DIGITS = re.compile(r"^-?\d+$")


def parse_instant_ms(text: Any, naive_tz: str = "UTC") -> int | None:
    """Epoch ms of an ISO 8601 value, an epoch (s or ms) number, or a date (midnight in
    `naive_tz`); None when unreadable."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        value = int(text)
        return value if abs(value) >= 100_000_000_000 else value * 1000
    raw = str(text).strip()
    if not raw:
        return None
    if _DIGITS.match(raw):
        value = int(raw)
        return value if abs(value) >= 100_000_000_000 else value * 1000
    try:
        if _DATE_ONLY.match(raw):
            day = date.fromisoformat(raw)
            return to_ms(datetime(day.year, day.month, day.day, tzinfo=zone(naive_tz)))
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(naive_tz))
    return to_ms(parsed)


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


# --- the synthetic account ----------------------------------------------------------------


@dataclass(frozen=True)
class AccountSpec:
    """What to generate.  Everything follows from these fields and the seed."""

    seed: int = 2026
    contacts: int = 1_000_000
    campaigns: int = 2_000
    deals: int = 3_000
    workflows: int = 40
    automations: int = 12
    first_month: str = "2021-01"
    as_of: str = "2026-11-15T00:00:00Z"
    """The account's "now": nothing happened after it."""
    timezone: str = "Europe/Madrid"
    """The account's (HubSpot portal's, ActiveCampaign account's) time zone."""
    currency: str = "EUR"
    extra_won_deals: tuple[str, int] | None = None
    """(month, n): n more HubSpot deals won in that month (to cross the search cap)."""

    def rng(self, *what: str) -> random.Random:
        return random.Random(f"{self.seed}:" + ":".join(what))

    @property
    def as_of_ms(self) -> int:
        found = parse_instant_ms(self.as_of)
        assert found is not None
        return found

    @property
    def contact_months(self) -> list[str]:
        """Complete months of history: contacts are created in these."""
        return month_span(self.first_month, add_month(month_of_ms(self.as_of_ms), -1))

    @property
    def start_ms(self) -> int:
        return month_bounds_ms(self.first_month)[0]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, summing exactly (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    counts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _send_times(spec: AccountSpec, rng: random.Random, n: int) -> list[int]:
    """`n` instants (whole seconds) spread over the history, some exactly on month
    boundaries (UTC and the account's zone), sorted."""
    start, end = spec.start_ms, spec.as_of_ms
    months = month_span(spec.first_month, month_of_ms(end - 1))
    times: list[int] = []
    for zone_name in ("UTC", spec.timezone):
        for month in rng.sample(months[1:-1], min(4, max(0, len(months) - 2))):
            if len(times) < n:
                times.append(month_bounds_ms(month, zone_name)[0])
            if len(times) < n:
                times.append(month_bounds_ms(month, zone_name)[1] - SECOND_MS)
    while len(times) < n:
        times.append(rng.randrange(start // 1000, end // 1000) * 1000)
    return sorted(times[:n])


# --- contacts: cohorts in closed form ------------------------------------------------------

STAGES: Mapping[str, tuple[int, int, int]] = {
    # stage id -> (every how many contacts reach it, min and max days after creation)
    "lead": (1, 0, 0),
    "marketingqualifiedlead": (7, 2, 40),
    "salesqualifiedlead": (21, 45, 80),
    "customer": (84, 85, 150),
}
STAGE_ORDER = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "customer")


@dataclass(frozen=True)
class Cohort:
    """The contacts created in one month: contact k (0-based) has id first_id + k and
    was created at base + k * step; it reaches stage s when k % STAGES[s][0] == 0, at
    its creation + delays[s] (if that is not after the account's now)."""

    month: str
    first_id: int
    count: int
    base: int
    step: int
    delays: Mapping[str, int]

    def created(self, k: int) -> int:
        return self.base + k * self.step


@dataclass(frozen=True)
class KRange:
    """Contacts k of one cohort with lo <= k <= hi and k % mod == 0."""

    lo: int
    hi: int
    mod: int

    def count(self) -> int:
        if self.lo > self.hi:
            return 0
        first = _ceil_div(self.lo, self.mod) * self.mod
        return 0 if first > self.hi else (self.hi - first) // self.mod + 1

    def nth(self, n: int) -> int:
        return _ceil_div(self.lo, self.mod) * self.mod + n * self.mod


class NotSimulated(Exception):
    """A valid request the fake does not model (answered 400, saying so)."""


@dataclass(frozen=True)
class ContactFilter:
    """One condition: `prop` is a stage ("lead".."customer") or "id"; a value in
    [lo, hi] (None: unbounded), or just having the property."""

    prop: str
    lo: int | None = None
    hi: int | None = None


class ContactBook:
    """A million contacts (or any number) without a list of contacts."""

    def __init__(self, spec: AccountSpec) -> None:
        rng = spec.rng("contacts")
        months = spec.contact_months
        weights = [
            (1.0 + 0.8 * i / max(1, len(months))) * rng.uniform(0.7, 1.3)
            for i in range(len(months))
        ]
        counts = _allocate(spec.contacts, weights)
        self.as_of = spec.as_of_ms
        self.cohorts: list[Cohort] = []
        next_id = 1
        for index, (month, count) in enumerate(zip(months, counts, strict=True)):
            lo, hi = month_bounds_ms(month)
            step = max(1, (hi - lo) // max(1, count))
            base = lo if index % 2 == 0 else lo + step // 2  # some exactly at 00:00:00.000Z
            delays = {
                stage: rng.randint(low * 86_400, high * 86_400) * SECOND_MS
                for stage, (_, low, high) in STAGES.items()
            }
            self.cohorts.append(Cohort(month, next_id, count, base, step, delays))
            next_id += count
        self.total = spec.contacts

    def _range(self, cohort: Cohort, filters: Iterable[ContactFilter]) -> KRange:
        lo, hi, mod = 0, cohort.count - 1, 1
        for f in filters:
            if f.prop == "id":
                if f.lo is not None:
                    lo = max(lo, f.lo - cohort.first_id)
                if f.hi is not None:
                    hi = min(hi, f.hi - cohort.first_id)
                continue
            every = STAGES[f.prop][0]
            offset = cohort.base + cohort.delays[f.prop]
            hi = min(hi, (self.as_of - offset) // cohort.step)  # reached by the account's now
            if f.lo is not None:
                lo = max(lo, _ceil_div(f.lo - offset, cohort.step))
            if f.hi is not None:
                hi = min(hi, (f.hi - offset) // cohort.step)
            mod = math.lcm(mod, every)
        return KRange(lo, hi, mod)

    def count(self, filters: list[ContactFilter]) -> int:
        return sum(self._range(c, filters).count() for c in self.cohorts)

    def page(
        self, filters: list[ContactFilter], offset: int, limit: int, descending: bool = False
    ) -> list[tuple[Cohort, int]]:
        out: list[tuple[Cohort, int]] = []
        cohorts = reversed(self.cohorts) if descending else iter(self.cohorts)
        for cohort in cohorts:
            if len(out) >= limit:
                break
            krange = self._range(cohort, filters)
            n = krange.count()
            if offset >= n:
                offset -= n
                continue
            for i in range(offset, n):
                if len(out) >= limit:
                    break
                out.append((cohort, krange.nth(n - 1 - i if descending else i)))
            offset = 0
        return out

    def stage_date(self, cohort: Cohort, k: int, stage: str) -> int | None:
        if k % STAGES[stage][0]:
            return None
        when = cohort.created(k) + cohort.delays[stage]
        return when if when <= self.as_of else None

    def truth(self, stage: str, months: list[str], tz: str) -> dict[str, int]:
        out = {}
        for month in months:
            lo, hi = month_bounds_ms(month, tz)
            out[month] = self.count([ContactFilter(stage, lo, hi - 1)])
        return out


# --- HTTP plumbing ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(f"HTTP {reply.status}")
        self.reply = reply


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    platform: str
    method: str
    path: str
    query: Mapping[str, list[str]]
    body: Any
    status: int
    at: float

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Storm:
    left: int
    retry_after: int
    path: str | None


class SlidingWindow:
    """At most `limit` accepted requests in any `seconds`; `hit` says how long to wait."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.times: deque[float] = deque()

    def hit(self, now: float) -> float | None:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return self.times[0] + self.seconds - now
        self.times.append(now)
        return None

    def remaining(self, now: float) -> int:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        return max(0, self.limit - len(self.times))


Route = tuple[str, re.Pattern[str], Callable[..., Any]]


class FakePlatform:
    """What every fake platform shares: auth, limits, storms, latency, request log."""

    name = ""
    prefix = ""
    api_root = ""

    def __init__(
        self,
        spec: AccountSpec,
        token: str,
        latency: tuple[float, float] = (0.0, 0.0),
        rate_limits: bool = False,
    ) -> None:
        self.spec = spec
        self.token = token
        self.latency = latency
        self.rate_limits = rate_limits
        self.lock = threading.RLock()
        self.seen: list[Seen] = []
        self.storms: list[Storm] = []
        self.in_flight = 0
        self._jitter = random.Random(f"{spec.seed}:{self.name}:latency")
        self._ids = 0
        self.routes: list[Route] = []

    # --- overridden per platform ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        raise NotImplementedError

    def unauthorized(self) -> Reply:
        raise NotImplementedError

    def throttled(self, retry_after: int, policy: str) -> Reply:
        raise NotImplementedError

    def not_found(self, path: str) -> Reply:
        raise NotImplementedError

    def bad_request(self, message: str) -> Reply:
        raise NotImplementedError

    def limit(self, path: str, now: float) -> Reply | None:
        return None

    def success_headers(self, path: str, now: float) -> dict[str, str]:
        return {}

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        raise NotImplementedError

    stock_metrics: frozenset[str] = frozenset()

    # --- machinery ---

    def route(self, method: str, pattern: str, handler: Callable[..., Any]) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def correlation(self) -> str:
        with self.lock:
            self._ids += 1
            n = self._ids
        return f"00000000-0000-4000-8000-{n:012d}"

    def storm(self, count: int, retry_after: int = 1, path: str | None = None) -> None:
        """Answer the next `count` requests (to `path`, if given) 429 with Retry-After."""
        with self.lock:
            self.storms.append(Storm(count, retry_after, path))

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> Reply:
        arrived = time.monotonic()  # limits count arrivals, as a platform's gateway does
        with self.lock:
            self.in_flight += 1
            delay = self._jitter.uniform(*self.latency) if self.latency[1] > 0 else 0.0
        try:
            reply = self._answer(method, path, query, headers, body, arrived)
            if delay:
                time.sleep(delay)
        finally:
            with self.lock:
                self.in_flight -= 1
        with self.lock:
            self.seen.append(Seen(self.name, method, path, query, body, reply.status, arrived))
        return reply

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
        now: float,
    ) -> Reply:
        if not self.authorized(headers):
            return self.unauthorized()
        with self.lock:
            for storm in self.storms:
                if storm.left > 0 and (storm.path is None or storm.path == path):
                    storm.left -= 1
                    return self.throttled(storm.retry_after, "STORM")
        if self.rate_limits:
            with self.lock:
                refused = self.limit(path, now)
            if refused is not None:
                return refused
        for verb, pattern, handler in self.routes:
            found = pattern.match(path)
            if found and verb == method:
                try:
                    result = handler(query, body, *found.groups())
                except ApiError as exc:
                    return exc.reply
                except NotSimulated as exc:
                    return self.bad_request(f"[fake platform] not simulated: {exc}")
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    return self.bad_request(f"[fake platform] could not read the request: {exc!r}")
                reply = result if isinstance(result, Reply) else Reply(200, result)
                with self.lock:
                    extra = self.success_headers(path, now)
                return Reply(reply.status, reply.body, {**extra, **reply.headers})
        return self.not_found(path)

    # --- views for tests and the benchmark ---

    def endpoints(self) -> Counter[str]:
        with self.lock:
            return Counter(s.endpoint for s in self.seen)

    def statuses(self) -> Counter[int]:
        with self.lock:
            return Counter(s.status for s in self.seen)

    def requests(self) -> list[Seen]:
        with self.lock:
            return list(self.seen)


def _one(query: Mapping[str, list[str]], name: str, default: str | None = None) -> str | None:
    values = query.get(name)
    return values[-1] if values else default


def _retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))


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


# --- Mailchimp ----------------------------------------------------------------------------

MC_ONE_OFF_TYPES = ("regular", "regular", "regular", "regular", "plaintext", "absplit", "variate")
MC_TRIGGERS: Mapping[str, bool] = {
    # workflow_type -> behaviour-triggered? (catalog: a form, a visit, a click, a purchase)
    "welcomeSeries": True,
    "abandonedCart": True,
    "visitUrl": True,
    "emailFollowup": True,
    "purchaseFollowup": True,
    "specialEvent": False,
    "recurringEvent": False,
    "dateAdded": False,
}


def _mc_id(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(10))


class MailchimpFake(FakePlatform):
    """A Mailchimp account with one audience and one connected store."""

    name = "mailchimp"
    prefix = "/mailchimp"
    api_root = "/3.0"
    list_id = "a1b2c3d4e5"
    stock_metrics = frozenset({"workflows_active", "workflows_behavioral"})

    def __init__(self, spec: AccountSpec, token: str, **kwargs: Any) -> None:
        super().__init__(spec, token, **kwargs)
        self.route("GET", r"/?", self.root)
        self.route("GET", r"/lists", self.audiences)
        self.route("GET", r"/lists/([^/]+)", self.audience)
        self.route("GET", r"/lists/([^/]+)/growth-history", self.growth_history)
        self.route("GET", r"/reports", self.reports)
        self.route("GET", r"/reports/([^/]+)", self.report)
        self.route("GET", r"/campaigns", self.campaigns)
        self.route("GET", r"/automations", self.automations)
        self.route("GET", r"/ecommerce/stores", self.stores)

    # --- the world ---

    @cached_property
    def automation_list(self) -> list[dict[str, Any]]:
        spec = self.spec
        rng = spec.rng("mailchimp", "automations")
        out = []
        for i in range(spec.automations):
            created = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            status = rng.choices(("sending", "paused", "save"), (0.65, 0.2, 0.15))[0]
            started = created + rng.randint(0, 10) * DAY_MS if status != "save" else None
            workflow = rng.choice(tuple(MC_TRIGGERS))
            emails = rng.randint(1, 3)
            out.append(
                {
                    "id": _mc_id(rng),
                    "create_time": iso_utc_offset(created),
                    "start_time": iso_utc_offset(started) if started else "",
                    "status": status,
                    "emails_sent": 0,
                    "recipients": {
                        "list_id": self.list_id,
                        "list_is_active": True,
                        "list_name": "Customers",
                    },
                    "settings": {
                        "title": f"Automation {i + 1}",
                        "from_name": "Shop",
                        "reply_to": "shop@example.test",
                    },
                    "tracking": {"opens": True, "html_clicks": True, "text_clicks": False},
                    "trigger_settings": {
                        "workflow_type": workflow,
                        "workflow_title": workflow,
                        "runtime": {},
                        "workflow_emails_count": emails,
                    },
                    "report_summary": {
                        "opens": 0,
                        "unique_opens": 0,
                        "open_rate": 0,
                        "clicks": 0,
                        "subscriber_clicks": 0,
                        "click_rate": 0,
                    },
                    "_links": [],
                    "_start": started,
                    "_emails": emails,
                }
            )
        return out

    @cached_property
    def report_list(self) -> list[dict[str, Any]]:
        """Campaign reports, newest first: one-off campaigns and automation emails."""
        spec = self.spec
        rng = spec.rng("mailchimp", "reports")
        reports = []
        for when in _send_times(spec, rng, spec.campaigns):
            reports.append(
                self._report(rng, when, rng.choice(MC_ONE_OFF_TYPES), rng.randint(200, 30_000))
            )
        for automation in self.automation_list:
            if automation["_start"] is None:
                continue
            for n in range(automation["_emails"]):
                when = automation["_start"] + (n * 3 + 1) * DAY_MS
                if when < spec.as_of_ms:
                    # lifetime counters of an automation email: big, and not a month's
                    reports.append(
                        self._report(rng, when, "automation", rng.randint(5_000, 90_000))
                    )
        reports.sort(key=lambda r: (r["_sent"], r["id"]), reverse=True)
        return reports

    def _report(self, rng: random.Random, when: int, kind: str, sent: int) -> dict[str, Any]:
        hard = rng.randint(0, max(1, sent // 150))
        soft = rng.randint(0, max(1, sent // 90))
        delivered = sent - hard - soft
        unique_opens = rng.randint(delivered // 6, max(delivered // 6, delivered // 2))
        subscriber_clicks = rng.randint(
            unique_opens // 12, max(unique_opens // 12, unique_opens // 4)
        )
        unique_clicks = subscriber_clicks + rng.randint(0, subscriber_clicks // 3 + 1)
        orders = rng.randint(0, max(0, sent // 400)) if rng.random() < 0.7 else 0
        revenue = round(orders * rng.uniform(25, 220), 2)
        ident = _mc_id(rng)
        return {
            "id": ident,
            "campaign_title": f"Campaign {ident}",
            "type": kind,
            "list_id": self.list_id,
            "list_is_active": True,
            "list_name": "Customers",
            "subject_line": "News",
            "preview_text": "",
            "emails_sent": sent,
            "abuse_reports": rng.randint(0, max(1, sent // 3000)),
            "unsubscribed": rng.randint(0, max(1, sent // 250)),
            "send_time": iso_utc_offset(when),
            "rss_last_send": "",
            "bounces": {
                "hard_bounces": hard,
                "soft_bounces": soft,
                "syntax_errors": rng.randint(0, 3),
            },
            "forwards": {"forwards_count": 0, "forwards_opens": 0},
            "opens": {
                "opens_total": unique_opens + rng.randint(0, unique_opens),
                "proxy_excluded_opens": unique_opens // 2,
                "unique_opens": unique_opens,
                "proxy_excluded_unique_opens": unique_opens // 3,
                "open_rate": round(unique_opens / delivered, 4) if delivered else 0,
                "proxy_excluded_open_rate": 0,
                "last_open": iso_utc_offset(when + DAY_MS),
            },
            "clicks": {
                "clicks_total": unique_clicks + rng.randint(0, unique_clicks),
                "unique_clicks": unique_clicks,
                "unique_subscriber_clicks": subscriber_clicks,
                "click_rate": round(subscriber_clicks / delivered, 4) if delivered else 0,
                "last_click": iso_utc_offset(when + DAY_MS),
            },
            "ecommerce": {
                "total_orders": orders,
                "total_spent": round(revenue * 1.21, 2),
                "total_revenue": revenue,
                "currency_code": self.spec.currency,
            },
            "delivery_status": {"enabled": False},
            "_links": [],
            "_sent": when,
        }

    # --- protocol ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        raw = headers.get("authorization", "")
        scheme, _, value = raw.partition(" ")
        if scheme.lower() == "basic":
            try:
                _, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return password == self.token
        return scheme.lower() in ("bearer", "oauth") and value.strip() == self.token

    def _problem(self, status: int, title: str, detail: str, **extra: Any) -> Reply:
        body = {
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": self.correlation(),
            **extra,
        }
        return Reply(status, body, {"Content-Type": "application/problem+json; charset=utf-8"})

    def unauthorized(self) -> Reply:
        return self._problem(
            401,
            "API Key Invalid",
            "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
        )

    def not_found(self, path: str) -> Reply:
        return self._problem(
            404, "Resource Not Found", "The requested resource could not be found."
        )

    def bad_request(self, message: str) -> Reply:
        return self._problem(400, "Invalid Resource", message)

    def throttled(self, retry_after: int, policy: str) -> Reply:
        reply = self._problem(
            429,
            "Too Many Requests",
            "You have exceeded the limit of 10 simultaneous connections.",
        )
        return Reply(429, reply.body, {**reply.headers, "Retry-After": str(retry_after)})

    def limit(self, path: str, now: float) -> Reply | None:
        if self.in_flight > 10:
            return self.throttled(1, "CONCURRENCY")
        return None

    # --- paging and fields ---

    def _page(
        self, query: Mapping[str, list[str]], key: str, rows: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        try:
            count = int(_one(query, "count", "10") or 10)
            offset = int(_one(query, "offset", "0") or 0)
        except ValueError:
            raise ApiError(self.bad_request("count and offset must be integers")) from None
        if count > 1000 or count < 0 or offset < 0:
            raise ApiError(
                self._problem(
                    400,
                    "Invalid Resource",
                    "The resource submitted could not be validated.",
                    errors=[{"field": "count", "message": "Must be between 0 and 1000"}],
                )
            )
        items = [
            {k: v for k, v in r.items() if not k.startswith("_") or k == "_links"}
            for r in rows[offset : offset + count]
        ]
        return self._fields(query, {key: items, **extra, "total_items": len(rows), "_links": []})

    def _fields(self, query: Mapping[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
        include = [p for v in query.get("fields", []) for p in v.split(",") if p.strip()]
        exclude = [p for v in query.get("exclude_fields", []) for p in v.split(",") if p.strip()]
        if include:
            tree: dict[str, Any] = {}
            for path in include:
                node = tree
                for part in path.strip().split("."):
                    node = node.setdefault(part, {})
            body = _keep(body, tree)
        for path in exclude:
            _drop(body, path.strip().split("."))
        return body

    # --- endpoints ---

    def root(self, query: Mapping[str, list[str]], body: Any) -> Any:
        account = {
            "account_id": "f0e1d2c3b4a5968778695a4b3",
            "login_id": "77123456",
            "account_name": "Fake Ferreteria S.L.",
            "email": "owner@example.test",
            "first_name": "Ana",
            "last_name": "Pérez",
            "username": "ana",
            "role": "owner",
            "member_since": iso_utc_offset(self.spec.start_ms - 400 * DAY_MS),
            "pricing_plan_type": "monthly",
            "account_timezone": self.spec.timezone,
            "account_industry": "Retail",
            "pro_enabled": False,
            "last_login": iso_utc_offset(self.spec.as_of_ms - DAY_MS),
            "total_subscribers": self.spec.contacts,
            "_links": [],
        }
        return self._fields(query, account)

    def audience(self, query: Mapping[str, list[str]], body: Any, list_id: str) -> Any:
        if list_id != self.list_id:
            raise ApiError(self.not_found(f"/lists/{list_id}"))
        audience = {
            "id": self.list_id,
            "web_id": 123456,
            "name": "Customers",
            "date_created": iso_utc_offset(self.spec.start_ms - 300 * DAY_MS),
            "stats": {
                "member_count": self.spec.contacts,
                "unsubscribe_count": self.spec.contacts // 40,
            },
            "_links": [],
        }
        return self._fields(query, audience)

    def audiences(self, query: Mapping[str, list[str]], body: Any) -> Any:
        return self._page(query, "lists", [{"id": self.list_id, "name": "Customers"}])

    @cached_property
    def growth_rows(self) -> list[dict[str, Any]]:
        """One row per calendar month of the audience's life, newest first (the API's
        order); the members who left and the confusable counters all differ."""
        rng = self.spec.rng("mailchimp", "growth")
        months = []
        month = month_of_ms(self.spec.start_ms - 300 * DAY_MS)
        last = month_of_ms(self.spec.as_of_ms)
        while month <= last:
            months.append(month)
            year, mon = int(month[:4]), int(month[5:])
            month = f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"
        rows = []
        for month in reversed(months):
            rows.append(
                {
                    "list_id": self.list_id,
                    "month": month,
                    "existing": rng.randint(5_000, 9_000),
                    "imports": rng.randint(0, 50),
                    "optins": rng.randint(20, 200),
                    "subscribed": rng.randint(5_000, 9_000),
                    "unsubscribed": rng.randint(5, 60),
                    "reconfirm": rng.randint(0, 3),
                    "cleaned": rng.randint(0, 30),
                    "pending": rng.randint(0, 20),
                    "deleted": rng.randint(0, 10),
                    "transactional": rng.randint(0, 500),
                    "_links": [],
                }
            )
        return rows

    def growth_history(self, query: Mapping[str, list[str]], body: Any, list_id: str) -> Any:
        if list_id != self.list_id:
            raise ApiError(self.not_found(f"/lists/{list_id}/growth-history"))
        return self._page(query, "history", self.growth_rows, list_id=self.list_id)

    def _window(
        self, query: Mapping[str, list[str]], prefix: str, rows: list[dict[str, Any]], key: str
    ) -> list[dict[str, Any]]:
        out = rows
        for param, keep in (
            (f"since_{prefix}", lambda t, v: t > v),
            (f"before_{prefix}", lambda t, v: t < v),
        ):
            raw = _one(query, param)
            if raw is None:
                continue
            bound = parse_instant_ms(raw)
            if bound is None:
                raise ApiError(
                    self.bad_request(f"{param}: expected an ISO 8601 date-time, got {raw!r}")
                )
            out = [r for r in out if r.get(key) is not None and keep(r[key], bound)]
        return out

    def reports(self, query: Mapping[str, list[str]], body: Any) -> Any:
        rows = self._window(query, "send_time", self.report_list, "_sent")
        kind = _one(query, "type")
        if kind:
            rows = [r for r in rows if r["type"] == kind]
        return self._page(query, "reports", rows)

    def report(self, query: Mapping[str, list[str]], body: Any, ident: str) -> Any:
        for r in self.report_list:
            if r["id"] == ident:
                return self._fields(query, {k: v for k, v in r.items() if not k.startswith("_")})
        raise ApiError(self.not_found(f"/reports/{ident}"))

    def campaigns(self, query: Mapping[str, list[str]], body: Any) -> Any:
        rows = [r for r in self.report_list if r["type"] != "automation"]
        status = _one(query, "status")
        if status and status != "sent":
            rows = []
        rows = self._window(query, "send_time", rows, "_sent")
        kind = _one(query, "type")
        if kind:
            rows = [r for r in rows if r["type"] == kind]
        if _one(query, "sort_field") == "send_time":
            rows = sorted(rows, key=lambda r: r["_sent"], reverse=_one(query, "sort_dir") == "DESC")
        campaigns = [
            {
                "id": r["id"],
                "type": r["type"],
                "status": "sent",
                "emails_sent": r["emails_sent"],
                "send_time": r["send_time"],
                "recipients": {"list_id": self.list_id},
                "settings": {"title": r["campaign_title"]},
                "report_summary": {
                    "opens": r["opens"]["opens_total"],
                    "unique_opens": r["opens"]["unique_opens"],
                    "open_rate": r["opens"]["open_rate"],
                    "clicks": r["clicks"]["clicks_total"],
                    "subscriber_clicks": r["clicks"]["unique_subscriber_clicks"],
                    "click_rate": r["clicks"]["click_rate"],
                    "ecommerce": r["ecommerce"],
                },
                "_sent": r["_sent"],
            }
            for r in rows
        ]
        return self._page(query, "campaigns", campaigns)

    def automations(self, query: Mapping[str, list[str]], body: Any) -> Any:
        rows = self.automation_list
        for param, key in (("create_time", "create_time"), ("start_time", "start_time")):
            for bound, keep in (
                (f"since_{param}", lambda t, v: t > v),
                (f"before_{param}", lambda t, v: t < v),
            ):
                raw = _one(query, bound)
                if raw is not None:
                    limit = parse_instant_ms(raw)
                    rows = [
                        r
                        for r in rows
                        if r[key] and limit is not None and keep(parse_instant_ms(r[key]), limit)
                    ]
        status = _one(query, "status")
        if status:
            rows = [r for r in rows if r["status"] == status]
        return self._page(query, "automations", rows)

    def stores(self, query: Mapping[str, list[str]], body: Any) -> Any:
        store = {
            "id": "store_001",
            "list_id": self.list_id,
            "name": "Fake shop",
            "platform": "Shopify",
            "domain": "shop.example.test",
            "is_syncing": False,
            "email_address": "shop@example.test",
            "currency_code": self.spec.currency,
            "money_format": "€",
            "primary_locale": "es",
            "timezone": self.spec.timezone,
            "created_at": iso_utc_offset(self.spec.start_ms),
            "updated_at": iso_utc_offset(self.spec.as_of_ms - DAY_MS),
            "_links": [],
        }
        return self._page(query, "stores", [store])

    # --- the truth ---

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        """Monthly metrics of one-off campaigns by send month in `tz` (automation emails
        are lifetime totals: never counted), and classic automations sending now that
        had started by the month's end."""
        out: dict[str, dict[str, float]] = {}
        wanted = set(months)
        sums: dict[str, Counter[str]] = {m: Counter() for m in months}
        revenue: dict[str, float] = dict.fromkeys(months, 0.0)
        for r in self.report_list:
            if r["type"] == "automation":
                continue
            month = month_of_ms(r["_sent"], tz)
            if month not in wanted:
                continue
            bounces = r["bounces"]["hard_bounces"] + r["bounces"]["soft_bounces"]
            sums[month].update(
                emails_sent=r["emails_sent"],
                bounces=bounces,
                emails_delivered=r["emails_sent"] - bounces,
                unique_opens=r["opens"]["unique_opens"],
                unique_opens_human=r["opens"]["proxy_excluded_unique_opens"],
                unique_clicks=r["clicks"]["unique_subscriber_clicks"],
                unsubscribes=r["unsubscribed"],
                spam_complaints=r["abuse_reports"],
                campaigns_sent=1,
                conversions=r["ecommerce"]["total_orders"],
            )
            revenue[month] += r["ecommerce"]["total_revenue"]
        for month in months:
            row = {
                k: float(sums[month][k])
                for k in (
                    "emails_sent",
                    "emails_delivered",
                    "campaigns_sent",
                    "unique_opens",
                    "unique_opens_human",
                    "unique_clicks",
                    "unsubscribes",
                    "bounces",
                    "spam_complaints",
                    "conversions",
                )
            }
            row["revenue_attributed"] = round(revenue[month], 2)
            end = month_bounds_ms(month, tz)[1]
            active = [
                a
                for a in self.automation_list
                if a["status"] == "sending" and a["_start"] is not None and a["_start"] < end
            ]
            row["workflows_active"] = float(len(active))
            row["workflows_behavioral"] = float(
                sum(MC_TRIGGERS[a["trigger_settings"]["workflow_type"]] for a in active)
            )
            growth = next((g for g in self.growth_rows if g["month"] == month), None)
            if growth is not None:  # members who left: unsubscribed, cleaned, deleted
                row["contacts_lost"] = float(
                    growth["unsubscribed"] + growth["cleaned"] + growth["deleted"]
                )
            out[month] = row
        return out


def _keep(value: Any, tree: Mapping[str, Any]) -> Any:
    if not tree:
        return value
    if isinstance(value, list):
        return [_keep(v, tree) for v in value]
    if isinstance(value, dict):
        return {k: _keep(v, tree[k]) for k, v in value.items() if k in tree}
    return value


def _drop(value: Any, path: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _drop(item, path)
    elif isinstance(value, dict) and path:
        if len(path) == 1:
            value.pop(path[0], None)
        elif path[0] in value:
            _drop(value[path[0]], path[1:])


# --- ActiveCampaign -----------------------------------------------------------------------

AC_ONE_OFF_TYPES = ("single", "single", "single", "single", "split", "text")


class ActiveCampaignFake(FakePlatform):
    """An ActiveCampaign account (API v3 under /api/3)."""

    name = "activecampaign"
    prefix = "/activecampaign"
    stock_metrics = frozenset({"workflows_active"})

    def __init__(self, spec: AccountSpec, token: str, **kwargs: Any) -> None:
        super().__init__(spec, token, **kwargs)
        self.window = SlidingWindow(5, 1.0)
        self.route("GET", r"/api/3/users/me", self.me)
        self.route("GET", r"/api/3/campaigns", self.campaigns)
        self.route("GET", r"/api/3/automations", self.automations)
        self.route("GET", r"/api/3/contacts", self.contacts_list)
        self.route("GET", r"/api/3/deals", self.deals)

    # --- the world ---

    @cached_property
    def contacts(self) -> ContactBook:
        return ContactBook(self.spec)

    def _local(self, ms: int | None) -> str | None:
        return None if ms is None else iso_local(ms, self.spec.timezone)

    @cached_property
    def automation_list(self) -> list[dict[str, Any]]:
        spec = self.spec
        rng = spec.rng("activecampaign", "automations")
        out = []
        for i in range(spec.automations * 2):
            created = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            entered = rng.randint(0, 20_000)
            out.append(
                {
                    "name": f"Automation {i + 1}",
                    "cdate": self._local(created),
                    "mdate": self._local(
                        min(spec.as_of_ms, created + rng.randint(0, 200) * DAY_MS)
                    ),
                    "userid": "1",
                    "status": "1" if rng.random() < 0.7 else "2",
                    "entered": str(entered),
                    "exited": str(rng.randint(0, entered)),
                    "hidden": "0",
                    "defaultscreenshot": "",
                    "screenshot": "",
                    "links": {},
                    "id": str(i + 1),
                    "_created": created,
                }
            )
        return out

    @cached_property
    def campaign_list(self) -> list[dict[str, Any]]:
        """By id (creation order): one-off campaigns, automation emails, drafts."""
        spec = self.spec
        rng = spec.rng("activecampaign", "campaigns")
        drafts = max(1, spec.campaigns // 50)
        automated = max(1, spec.campaigns // 30)
        one_off = spec.campaigns - drafts - automated
        made: list[tuple[int, dict[str, Any]]] = []
        for when in _send_times(spec, rng, one_off):
            made.append(
                (
                    when - rng.randint(1, 10) * DAY_MS,
                    self._campaign(rng, when, rng.choice(AC_ONE_OFF_TYPES), None),
                )
            )
        for _ in range(automated):
            when = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            series = rng.choice(self.automation_list)["id"]
            made.append(
                (
                    when - DAY_MS,
                    self._campaign(rng, when, rng.choice(("special", "responder")), series),
                )
            )
        for _ in range(drafts):
            created = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            made.append((created, self._campaign(rng, None, "single", None)))
        made.sort(key=lambda m: m[0])
        out = []
        for number, (created, campaign) in enumerate(made, start=1):
            campaign["id"] = str(number)
            campaign["cdate"] = self._local(created)
            campaign["mdate"] = self._local(campaign["_sent"] or created)
            out.append(campaign)
        return out

    def _campaign(
        self, rng: random.Random, when: int | None, kind: str, series: str | None
    ) -> dict[str, Any]:
        sent = rng.randint(150, 25_000) if when is not None else 0
        hard = rng.randint(0, max(1, sent // 160))
        soft = rng.randint(0, max(1, sent // 100))
        opens_unique = rng.randint(sent // 7, max(sent // 7, sent // 2)) if sent else 0
        subscriber_clicks = (
            rng.randint(opens_unique // 12, max(opens_unique // 12, opens_unique // 4))
            if sent
            else 0
        )
        unique_link = subscriber_clicks + rng.randint(0, subscriber_clicks // 2 + 1) if sent else 0
        return {
            "type": kind,
            "userid": "1",
            "segmentid": "0",
            "bounceid": "-1",
            "realcid": "0",
            "sendid": "0",
            "threadid": "0",
            "seriesid": series or "0",
            "formid": "0",
            "basetemplateid": "0",
            "basemessageid": "0",
            "addressid": "0",
            "source": "web",
            "name": f"Campaign {rng.randint(1, 10**6)}",
            "sdate": self._local(when),
            "ldate": self._local(when + rng.randint(5, 90) * 60_000 if when is not None else None),
            "send_amt": str(sent),
            "total_amt": str(sent),
            "opens": str(opens_unique + rng.randint(0, opens_unique)),
            "uniqueopens": str(opens_unique),
            "linkclicks": str(unique_link + rng.randint(0, unique_link)),
            "uniquelinkclicks": str(unique_link),
            "subscriberclicks": str(subscriber_clicks),
            "forwards": "0",
            "uniqueforwards": "0",
            "hardbounces": str(hard if sent else 0),
            "softbounces": str(soft if sent else 0),
            "unsubscribes": str(rng.randint(0, max(1, sent // 200)) if sent else 0),
            "unsubreasons": "0",
            "updates": "0",
            "socialshares": "0",
            "replies": "0",
            "uniquereplies": "0",
            "status": "5" if when is not None else "0",
            "public": "1",
            "tracklinks": "all",
            "trackreads": "1",
            "automation": series,
            "_sent": when,
        }

    @cached_property
    def deal_list(self) -> list[dict[str, Any]]:
        spec = self.spec
        rng = spec.rng("activecampaign", "deals")
        out = []
        for i in range(spec.deals):
            created = rng.randrange(spec.start_ms // 1000, spec.as_of_ms // 1000) * 1000
            status = rng.choices(("1", "2", "0"), (0.4, 0.35, 0.25))[0]
            changed = created + rng.randint(3 * 86_400, 150 * 86_400) * 1000
            if changed > spec.as_of_ms:
                status, changed = "0", created + 3_600_000
            out.append(
                {
                    "hash": hashlib.sha1(f"deal{i}".encode()).hexdigest()[:8],
                    "owner": "1",
                    "contact": str(rng.randint(1, max(1, spec.contacts))),
                    "organization": None,
                    "group": rng.choice(("1", "1", "2")),
                    "stage": rng.choice(("1", "2", "3")),
                    "title": f"Deal {i + 1}",
                    "description": "",
                    "percent": "0",
                    "cdate": self._local(created),
                    "mdate": self._local(changed),
                    "nextdate": None,
                    "nexttaskid": "0",
                    "value": str(rng.randint(10_000, 5_000_000)),
                    "currency": spec.currency.lower(),
                    "winProbability": None,
                    "winProbabilityMdate": None,
                    "status": status,
                    "activitycount": str(rng.randint(0, 30)),
                    "nextdealid": "0",
                    "edate": None,
                    "links": {},
                    "id": str(i + 1),
                    "isDisabled": False,
                    "_created": created,
                    "_changed": changed,
                }
            )
        return out

    # --- protocol ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("api-token", "") == self.token

    def unauthorized(self) -> Reply:
        return Reply(403, {"message": "You are not authorized to access this resource"})

    def not_found(self, path: str) -> Reply:
        return Reply(404, {"message": f"No Result found for {path}"})

    def bad_request(self, message: str) -> Reply:
        return Reply(400, {"errors": [{"title": message, "detail": "", "code": "invalid"}]})

    def throttled(self, retry_after: int, policy: str) -> Reply:
        headers = {
            "Retry-After": str(retry_after),
            "RateLimit-Limit": "5",
            "RateLimit-Remaining": "0",
        }
        return Reply(429, {"message": "Too Many Requests"}, headers)

    def limit(self, path: str, now: float) -> Reply | None:
        wait = self.window.hit(now)
        return None if wait is None else self.throttled(_retry_after(wait), "SECONDLY")

    def success_headers(self, path: str, now: float) -> dict[str, str]:
        if not self.rate_limits:
            return {}
        return {"RateLimit-Limit": "5", "RateLimit-Remaining": str(self.window.remaining(now))}

    # --- paging ---

    def _page(
        self, query: Mapping[str, list[str]], key: str, rows: list[dict[str, Any]], **meta: Any
    ) -> Any:
        try:
            limit = min(100, max(0, int(_one(query, "limit", "20") or 20)))
            offset = max(0, int(_one(query, "offset", "0") or 0))
        except ValueError:
            raise ApiError(self.bad_request("limit and offset must be integers")) from None
        items = [
            {k: v for k, v in r.items() if not k.startswith("_")}
            for r in rows[offset : offset + limit]
        ]
        return {key: items, "meta": {"total": str(len(rows)), **meta}}

    def _date(self, query: Mapping[str, list[str]], name: str) -> int | None:
        raw = _one(query, name)
        if raw is None or raw == "":
            return None
        found = parse_instant_ms(raw, naive_tz=self.spec.timezone)
        if found is None:
            raise ApiError(self.bad_request(f"{name}: unreadable date {raw!r}"))
        return found

    @staticmethod
    def _ordered(
        rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], direction: str
    ) -> list[dict[str, Any]]:
        """ORDER BY key ASC|DESC with NULLs first ascending, last descending (MySQL)."""
        present = [r for r in rows if key(r) is not None]
        missing = [r for r in rows if key(r) is None]
        desc = direction.upper() == "DESC"
        present.sort(key=lambda r: (key(r), int(r["id"])), reverse=desc)
        return present + missing if desc else missing + present

    # --- endpoints ---

    def me(self, query: Any, body: Any) -> Any:
        return {
            "user": {
                "username": "admin",
                "firstName": "Fake",
                "lastName": "Owner",
                "email": "owner@example.test",
                "phone": "",
                "signature": None,
                "links": {},
                "id": "1",
            }
        }

    def campaigns(self, query: Mapping[str, list[str]], body: Any) -> Any:
        rows = self.campaign_list
        series = _one(query, "filters[seriesid]")
        if series:
            rows = [r for r in rows if r["seriesid"] == series]
        for field_name in ("sdate", "ldate"):
            direction = _one(query, f"orders[{field_name}]")
            if direction:
                rows = self._ordered(
                    rows,
                    lambda r, f=field_name: parse_instant_ms(r[f]) if r[f] else None,
                    direction,
                )
        return self._page(query, "campaigns", rows)

    def automations(self, query: Mapping[str, list[str]], body: Any) -> Any:
        return self._page(query, "automations", self.automation_list)

    def contacts_list(self, query: Mapping[str, list[str]], body: Any) -> Any:
        filters: list[ContactFilter] = []
        after = self._date(query, "filters[created_after]")
        before = self._date(query, "filters[created_before]")
        if after is not None or before is not None:
            filters.append(ContactFilter("lead", after, None if before is None else before - 1))
        for name in ("filters[updated_after]", "filters[updated_before]"):
            if _one(query, name):
                raise NotSimulated(name)
        greater, less = _one(query, "id_greater"), _one(query, "id_less")
        if greater or less:
            filters.append(
                ContactFilter(
                    "id", int(greater) + 1 if greater else None, int(less) - 1 if less else None
                )
            )
        try:
            limit = min(100, max(0, int(_one(query, "limit", "20") or 20)))
            offset = max(0, int(_one(query, "offset", "0") or 0))
        except ValueError:
            raise ApiError(self.bad_request("limit and offset must be integers")) from None
        descending = any(
            (_one(query, f"orders[{k}]") or "").upper() == "DESC" for k in ("id", "cdate")
        )
        book = self.contacts
        total = book.count(filters)
        rows = []
        for cohort, k in book.page(filters, offset, limit, descending):
            created = cohort.created(k)
            ident = str(cohort.first_id + k)
            rows.append(
                {
                    "cdate": self._local(created),
                    "email": f"contact{ident}@example.test",
                    "phone": "",
                    "firstName": "",
                    "lastName": "",
                    "orgid": "0",
                    "segmentio_id": "",
                    "bounced_hard": "0",
                    "bounced_soft": "0",
                    "bounced_date": None,
                    "ip": "0",
                    "ua": None,
                    "hash": hashlib.md5(ident.encode()).hexdigest(),
                    "sentcnt": "0",
                    "gravatar": "1",
                    "deleted": "0",
                    "anonymized": "0",
                    "udate": self._local(created),
                    "edate": None,
                    "links": {},
                    "id": ident,
                    "organization": None,
                }
            )
        return {"contacts": rows, "meta": {"total": str(total), "page_input": {}}}

    def deals(self, query: Mapping[str, list[str]], body: Any) -> Any:
        rows = self.deal_list
        for name in ("status", "stage", "group", "owner"):
            wanted = _one(query, f"filters[{name}]")
            if wanted not in (None, ""):
                rows = [r for r in rows if r[name] == wanted]
        for name, key, keep in (
            ("filters[created_after]", "_created", lambda t, v: t >= v),
            ("filters[created_before]", "_created", lambda t, v: t < v),
            ("filters[updated_after]", "_changed", lambda t, v: t >= v),
            ("filters[updated_before]", "_changed", lambda t, v: t < v),
        ):
            bound = self._date(query, name)
            if bound is not None:
                rows = [r for r in rows if keep(r[key], bound)]
        for field_name, key in (
            ("cdate", lambda r: r["_created"]),
            ("mdate", lambda r: r["_changed"]),
            ("value", lambda r: int(r["value"])),
            ("title", lambda r: r["title"]),
        ):
            direction = _one(query, f"orders[{field_name}]")
            if direction:
                rows = self._ordered(rows, key, direction)
        currencies: dict[str, dict[str, str]] = {}
        for r in rows:
            entry = currencies.setdefault(
                r["currency"], {"currency": r["currency"], "total": "0", "value": "0"}
            )
            entry["total"] = str(int(entry["total"]) + 1)
            entry["value"] = str(int(entry["value"]) + int(r["value"]))
        return self._page(query, "deals", rows, currencies=currencies)

    # --- the truth ---

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        """One-off campaigns by send month in `tz` (automation emails and drafts never
        count), active automations created by the month's end, contacts created per
        month, won and lost deals by the month their status changed."""
        wanted = set(months)
        sums: dict[str, Counter[str]] = {m: Counter() for m in months}
        for c in self.campaign_list:
            if c["_sent"] is None or c["seriesid"] != "0":
                continue
            month = month_of_ms(c["_sent"], tz)
            if month not in wanted:
                continue
            bounces = int(c["hardbounces"]) + int(c["softbounces"])
            sums[month].update(
                emails_sent=int(c["send_amt"]),
                bounces=bounces,
                emails_delivered=int(c["send_amt"]) - bounces,
                campaigns_sent=1,
                unique_opens=int(c["uniqueopens"]),
                unique_clicks=int(c["subscriberclicks"]),  # contacts, not (contact, link)
                unsubscribes=int(c["unsubscribes"]),
            )
        leads = self.contacts.truth("lead", months, tz)
        deals: dict[str, Counter[str]] = {m: Counter() for m in months}
        for d in self.deal_list:
            if d["status"] not in ("1", "2"):
                continue
            month = month_of_ms(d["_changed"], tz)
            if month not in wanted:
                continue
            if d["status"] == "1":
                deals[month].update(deals_won=1, revenue_cents=int(d["value"]))
            else:
                deals[month].update(deals_lost=1)
        out = {}
        for month in months:
            row = {
                k: float(sums[month][k])
                for k in (
                    "emails_sent",
                    "emails_delivered",
                    "campaigns_sent",
                    "unique_opens",
                    "unique_clicks",
                    "unsubscribes",
                    "bounces",
                )
            }
            row["leads_new"] = float(leads[month])
            row["deals_won"] = float(deals[month]["deals_won"])
            row["deals_lost"] = float(deals[month]["deals_lost"])
            row["revenue_won"] = deals[month]["revenue_cents"] / 100
            end = month_bounds_ms(month, tz)[1]
            row["workflows_active"] = float(
                sum(a["status"] == "1" and a["_created"] < end for a in self.automation_list)
            )
            out[month] = row
        return out


# --- the server ---------------------------------------------------------------------------

PLATFORMS: Mapping[str, type[FakePlatform]] = {
    "hubspot": HubSpotFake,
    "mailchimp": MailchimpFake,
    "activecampaign": ActiveCampaignFake,
}
DEFAULT_TOKENS: Mapping[str, str] = {
    "hubspot": "pat-eu1-fake0000-0000-4000-8000-000000000001",
    "mailchimp": "0123456789abcdef0123456789abcdef-us21",
    "activecampaign": "fakeactivecampaigntoken000000000000000000000000000000000000000000000000",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    platforms: dict[str, FakePlatform]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # One answer is one write; without this, Nagle and delayed ACKs add ~40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = Reply(404, {"message": f"no fake platform at {parts.path}"})
        for platform in self.server.platforms.values():
            root = platform.prefix + platform.api_root
            if parts.path == root or parts.path.startswith(root + "/"):
                path = parts.path[len(root) :] or "/"
                reply = platform.handle(method, path, query, headers, body)
                break
        data = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        content_type = reply.headers.get("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            if name != "Content-Type":
                self.send_header(name, value)
        self._headers_buffer.append(b"\r\n")  # end_headers(), flushed with the body
        self.wfile.write(b"".join(self._headers_buffer) + data)
        self._headers_buffer = []

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")


class FakePlatforms:
    """The three fake platforms on one loopback port; a context manager.

    `latency` is (min, max) seconds slept before each answer; `rate_limits`
    turns on each platform's documented limits; `tokens` replaces the
    credentials the platforms accept (default: DEFAULT_TOKENS).
    """

    def __init__(
        self,
        spec: AccountSpec | None = None,
        *,
        latency: tuple[float, float] = (0.0, 0.0),
        rate_limits: bool = False,
        tokens: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec or AccountSpec()
        chosen = {**DEFAULT_TOKENS, **(tokens or {})}
        self.platforms: dict[str, FakePlatform] = {
            name: cls(self.spec, chosen[name], latency=latency, rate_limits=rate_limits)
            for name, cls in PLATFORMS.items()
        }
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def hubspot(self) -> HubSpotFake:
        found = self.platforms["hubspot"]
        assert isinstance(found, HubSpotFake)
        return found

    @property
    def mailchimp(self) -> MailchimpFake:
        found = self.platforms["mailchimp"]
        assert isinstance(found, MailchimpFake)
        return found

    @property
    def activecampaign(self) -> ActiveCampaignFake:
        found = self.platforms["activecampaign"]
        assert isinstance(found, ActiveCampaignFake)
        return found

    def start(self) -> FakePlatforms:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.platforms = self.platforms
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-platforms", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakePlatforms:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return int(self._server.server_address[1])

    def url(self, platform: str) -> str:
        """The `base_url` to give the platform's connector."""
        found = self.platforms[platform]
        return f"http://127.0.0.1:{self.port}{found.prefix}{found.api_root}"
