"""ActiveCampaign as documented (API v3): campaigns, automations, contacts, deals."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from tests.fakes.account import AccountSpec, ContactBook, ContactFilter, NotSimulated, _send_times
from tests.fakes.base import ApiError, FakePlatform, Reply, SlidingWindow, _one, _retry_after
from tests.fakes.clock import DAY_MS, iso_local, month_bounds_ms, month_of_ms, parse_instant_ms

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
