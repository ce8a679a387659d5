"""Mailchimp as documented: reports, automations, lists and their growth history, stores."""

from __future__ import annotations

import base64
import random
from collections import Counter
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from tests.fakes.account import AccountSpec, _send_times
from tests.fakes.base import ApiError, FakePlatform, Reply, _one
from tests.fakes.clock import DAY_MS, iso_utc_offset, month_bounds_ms, month_of_ms, parse_instant_ms

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
