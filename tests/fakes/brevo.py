"""Brevo as documented (API v3): account, email campaigns with global statistics, contacts.

Written from Brevo's official SDK documentation (github.com/getbrevo/brevo-python:
EmailCampaignsApi.md, GetCampaignStats.md, GetExtendedCampaignOverview.md, ContactsApi.md,
GetContacts.md, GetAccount.md) and its rate-limit pages, never from the connector:

- `api-key` header (else 401 `{"code": "unauthorized", "message": "Key not found"}`).
- `GET /account`: `email`, `firstName`, `lastName`, `companyName`, `plan[]`.
- `GET /emailCampaigns`: `type` (classic, trigger), `status`, `statistics`
  (globalStats), `startDate`/`endDate` ("Mandatory if endDate is used", filtering the
  sent campaigns by sent date, both with offsets; [fake: start included, end excluded]),
  `limit` (default 50, over 100 a 400 [fake]), `offset`, `sort`
  (of record creation), `excludeHtmlContent`; answers `campaigns` and `count`.  Each
  campaign has `id`, `name`, `type`, `status`, `sentDate` (UTC, `...Z`) and
  `statistics.globalStats` (`sent`, `delivered`, `uniqueViews`, `viewed`,
  `trackableViews`, `uniqueClicks`, `clickers`, `unsubscriptions`, `hardBounces`,
  `softBounces`, `complaints`, `appleMppOpens`).  "This option only returns data for
  events occurred in the last 6 months": a campaign sent before the account's now less
  six months [fake: 183 days] has its counters cut to the part of its events inside
  them [fake: half].  Trigger campaigns carry lifetime counters.
- `GET /contacts`: `limit` (default 50, at most 1000), `offset`, `createdSince`,
  `modifiedSince`; `count` honours the date filter.
- `GET /automation/workflows` (reference page "List automation workflows", 2026-11-30):
  `status` (active, pause, inactive), `limit` 1-100, `offset`, and
  `total_workflows_count`.
- Limits (with `rate_limits`): `/contacts` 10 a second, every other endpoint 100 an hour;
  every answer carries `x-sib-ratelimit-limit/remaining/reset`, a 429 no `Retry-After`.

Confusable counters differ: `viewed` from `uniqueViews`, `clickers` from
`uniqueClicks`, `hardBounces` from `softBounces`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from tests.fakes.account import AccountSpec, ContactBook, ContactFilter, _send_times
from tests.fakes.base import ApiError, FakePlatform, Reply, SlidingWindow, _one
from tests.fakes.clock import DAY_MS, iso_z, month_of_ms

SIX_MONTHS_MS = 183 * DAY_MS


class BrevoFake(FakePlatform):
    """A Brevo account (API v3 under /v3)."""

    name = "brevo"
    prefix = "/brevo"
    api_root = "/v3"

    def __init__(self, spec: AccountSpec, token: str, **kwargs: Any) -> None:
        super().__init__(spec, token, **kwargs)
        self.windows = {"contacts": SlidingWindow(10, 1.0), "other": SlidingWindow(100, 3600.0)}
        self.route("GET", r"/account", self.account)
        self.route("GET", r"/emailCampaigns", self.campaigns)
        self.route("GET", r"/contacts", self.contacts_list)
        self.route("GET", r"/automation/workflows", self.workflows)
        self.workflow_statuses = ["active"] * 7 + ["pause"] * 2 + ["inactive"] * 3

    @cached_property
    def contacts(self) -> ContactBook:
        return ContactBook(self.spec)

    @cached_property
    def campaign_list(self) -> list[dict[str, Any]]:
        spec = self.spec
        rng = spec.rng("brevo", "campaigns")
        out = []
        for number, when in enumerate(_send_times(spec, rng, spec.campaigns), start=1):
            sent = rng.randint(300, 30_000)
            hard, soft = sent * rng.randint(2, 12) // 1000, sent * rng.randint(3, 20) // 1000
            delivered = sent - hard - soft
            unique_views = delivered * rng.randint(150, 450) // 1000
            unique_clicks = unique_views * rng.randint(50, 250) // 1000
            out.append(
                {
                    "id": number,
                    "type": "trigger" if number % 13 == 0 else "classic",
                    "_sent": when,
                    "_stats": {
                        "sent": sent,
                        "delivered": delivered,
                        "uniqueViews": unique_views,
                        "viewed": unique_views * 2 + 3,
                        "trackableViews": unique_views * 3 // 5,
                        "uniqueClicks": unique_clicks,
                        "clickers": unique_clicks + unique_clicks // 2 + 1,
                        "unsubscriptions": delivered * rng.randint(1, 6) // 1000,
                        "hardBounces": hard,
                        "softBounces": soft,
                        "complaints": delivered * rng.randint(0, 3) // 10_000,
                        "appleMppOpens": unique_views // 4,
                    },
                }
            )
        return out

    def visible_stats(self, campaign: Mapping[str, Any]) -> dict[str, int]:
        """The counters the list endpoint shows: events of the last six months only."""
        stats = dict(campaign["_stats"])
        if campaign["_sent"] < self.spec.as_of_ms - SIX_MONTHS_MS:
            stats = {k: v // 2 for k, v in stats.items()}
        return stats

    # --- protocol ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return headers.get("api-key", "") == self.token

    def unauthorized(self) -> Reply:
        return Reply(401, {"code": "unauthorized", "message": "Key not found"})

    def not_found(self, path: str) -> Reply:
        return Reply(404, {"code": "document_not_found", "message": f"{path} not found"})

    def bad_request(self, message: str) -> Reply:
        return Reply(400, {"code": "invalid_parameter", "message": message})

    def _window(self, path: str) -> SlidingWindow:
        return self.windows["contacts" if path.startswith("/contacts") else "other"]

    def _headers(self, window: SlidingWindow, now: float) -> dict[str, str]:
        reset = window.times[0] + window.seconds - now if window.times else 0.0
        return {
            "x-sib-ratelimit-limit": str(window.limit),
            "x-sib-ratelimit-remaining": str(window.remaining(now)),
            "x-sib-ratelimit-reset": str(max(1, math.ceil(reset))),
        }

    def throttled(self, retry_after: int, policy: str) -> Reply:
        headers = {
            "x-sib-ratelimit-limit": "100",
            "x-sib-ratelimit-remaining": "0",
            "x-sib-ratelimit-reset": str(retry_after),
        }
        return Reply(429, {"code": "too_many_requests", "message": "Too many requests"}, headers)

    def limit(self, path: str, now: float) -> Reply | None:
        window = self._window(path)
        wait = window.hit(now)
        if wait is None:
            return None
        return Reply(
            429,
            {"code": "too_many_requests", "message": "Too many requests"},
            self._headers(window, now),
        )

    def success_headers(self, path: str, now: float) -> dict[str, str]:
        return self._headers(self._window(path), now) if self.rate_limits else {}

    # --- endpoints ---

    def account(self, query: Any, body: Any) -> Any:
        return {
            "email": "owner@example.test",
            "firstName": "Fake",
            "lastName": "Owner",
            "companyName": "Fake Shop SL",
            "address": {"city": "Madrid", "country": "Spain"},
            "plan": [{"type": "free", "creditsType": "sendLimit", "credits": 300}],
        }

    def _int(self, query: Mapping[str, list[str]], name: str, default: int, top: int) -> int:
        try:
            value = int(_one(query, name, str(default)) or default)
        except ValueError:
            raise ApiError(self.bad_request(f"{name} must be an integer")) from None
        if not 0 <= value <= top:
            raise ApiError(self.bad_request(f"{name} must be between 0 and {top}"))
        return value

    def _instant(self, query: Mapping[str, list[str]], name: str) -> int | None:
        raw = _one(query, name)
        if raw in (None, ""):
            return None
        try:
            return int(datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            raise ApiError(self.bad_request(f"{name} is not a date-time")) from None

    def campaigns(self, query: Mapping[str, list[str]], body: Any) -> Any:
        limit = self._int(query, "limit", 50, 100)
        offset = self._int(query, "offset", 0, 10**9)
        start, end = self._instant(query, "startDate"), self._instant(query, "endDate")
        if (start is None) != (end is None):
            raise ApiError(self.bad_request("startDate and endDate must be passed together"))
        rows = [c for c in self.campaign_list if _one(query, "type") in (None, c["type"])]
        if start is not None and end is not None:
            rows = [c for c in rows if start <= c["_sent"] < end]
        if _one(query, "sort", "desc") != "asc":
            rows = list(reversed(rows))
        stats = _one(query, "statistics")
        shown = []
        for c in rows[offset : offset + limit]:
            item: dict[str, Any] = {
                "id": c["id"],
                "name": f"Campaign {c['id']}",
                "type": c["type"],
                "status": "sent",
                "sentDate": iso_z(c["_sent"]),
                "htmlContent": "",
            }
            if stats == "globalStats":
                item["statistics"] = {"globalStats": self.visible_stats(c), "campaignStats": []}
            shown.append(item)
        return {"campaigns": shown, "count": len(rows)}

    def contacts_list(self, query: Mapping[str, list[str]], body: Any) -> Any:
        limit = self._int(query, "limit", 50, 1000)
        since = self._instant(query, "createdSince")
        filters = [ContactFilter("lead", since, None)] if since is not None else []
        count = self.contacts.count(filters)
        page = self.contacts.page(filters, self._int(query, "offset", 0, 10**9), limit)
        return {
            "contacts": [
                {"id": cohort.first_id + k, "createdAt": iso_z(cohort.created(k))}
                for cohort, k in page
            ],
            "count": count,
        }

    def workflows(self, query: Mapping[str, list[str]], body: Any) -> Any:
        """`GET /automation/workflows`: `status` (active, pause, inactive), `limit` 1-100,
        `offset`; `total_workflows_count` counts the matching workflows [fake: the list's
        key is `workflows`]."""
        limit = self._int(query, "limit", 50, 100)
        if limit < 1:
            raise ApiError(self.bad_request("limit must be between 1 and 100"))
        status = _one(query, "status")
        rows = [
            {"id": i + 1, "name": f"Workflow {i + 1}", "status": s}
            for i, s in enumerate(self.workflow_statuses)
            if status in (None, s)
        ]
        offset = self._int(query, "offset", 0, 10**9)
        return {"workflows": rows[offset : offset + limit], "total_workflows_count": len(rows)}

    # --- the truth ---

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        """Classic campaigns by send month (whole counters: the connector reads only the
        months whose events all fall in the last six months), contacts created."""
        out: dict[str, dict[str, float]] = {}
        for month in months:
            sent = [
                c["_stats"]
                for c in self.campaign_list
                if c["type"] == "classic" and month_of_ms(c["_sent"], tz) == month
            ]
            out[month] = {
                "emails_sent": sum(s["sent"] for s in sent),
                "emails_delivered": sum(s["delivered"] for s in sent),
                "unique_opens": sum(s["uniqueViews"] for s in sent),
                "unique_clicks": sum(s["uniqueClicks"] for s in sent),
                "unsubscribes": sum(s["unsubscriptions"] for s in sent),
                "bounces": sum(s["hardBounces"] + s["softBounces"] for s in sent),
                "spam_complaints": sum(s["complaints"] for s in sent),
                "campaigns_sent": float(len(sent)),
                "leads_new": float(self.contacts.truth("lead", [month], tz)[month]),
            }
        out[months[-1]]["workflows_active"] = float(self.workflow_statuses.count("active"))
        return out
