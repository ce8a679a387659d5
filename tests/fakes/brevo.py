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
- CRM (DealsApi.md, Deal.md, Pipeline.md, PipelineStage.md, DealAttributesInner.md;
  reference pages "Get all deals", "Get deal attributes"): `GET /crm/pipeline/details/all`
  lists `{pipeline, pipeline_name, stages[{id, name}]}`; `GET /crm/attributes/deals`
  lists `{internalName, attributeTypeName, label}`; `GET /crm/deals` answers `items`
  (each `{id, attributes, linked_contacts_ids}`) filtered by
  `filters[attributes.deal_stage]` (a stage id), `modifiedSince`, paged by `limit`
  (default 50 [fake: over 100 a 400]) and `offset`.  [fake: attribute values: `amount` a
  number or null, `close_date` a date attribute given as midnight UTC
  `YYYY-MM-DDT00:00:00.000Z`, `last_updated_date` the modification instant that
  `modifiedSince` filters on; a stage name ("Ganado") used in two pipelines.]
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
        self.route("GET", r"/crm/pipeline/details/all", self.pipelines)
        self.route("GET", r"/crm/attributes/deals", self.deal_attributes)
        self.route("GET", r"/crm/deals", self.deals_list)
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

    PIPELINES = (
        (
            "p-sales",
            "Ventas",
            (
                ("s-new", "Nuevo"),
                ("s-offer", "Propuesta"),
                ("s-won", "Ganado"),
                ("s-lost", "Perdido"),
            ),
        ),
        (
            "p-renew",
            "Renovaciones",
            (("r-open", "Abierto"), ("r-won", "Ganado"), ("r-lost", "Perdido")),
        ),
    )

    @cached_property
    def deal_list(self) -> list[dict[str, Any]]:
        """Deals over the history: closed ones (won or lost) with a close date, open ones
        without; modified some days after closing; a few won without an amount."""
        spec = self.spec
        rng = spec.rng("brevo", "deals")
        out = []
        for number, when in enumerate(_send_times(spec, rng, spec.deals // 4), start=1):
            stage = rng.choice(
                ["s-won", "s-won", "s-lost", "s-new", "s-offer", "r-won", "r-lost", "r-open"]
            )
            closed = stage.endswith(("won", "lost"))
            day = (when // DAY_MS) * DAY_MS  # the close date, a calendar date
            amount = None if number % 17 == 0 else rng.randint(100, 20_000) + 0.5
            out.append(
                {
                    "id": f"{number:024x}",
                    "_stage": stage,
                    "_close": day if closed else None,
                    "_modified": min(spec.as_of_ms - 1, when + rng.randint(0, 20) * DAY_MS),
                    "_amount": amount,
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

    def pipelines(self, query: Any, body: Any) -> Any:
        return [
            {
                "pipeline": pid,
                "pipeline_name": name,
                "stages": [{"id": sid, "name": sname} for sid, sname in stages],
            }
            for pid, name, stages in self.PIPELINES
        ]

    def deal_attributes(self, query: Any, body: Any) -> Any:
        def attribute(name: str, kind: str, label: str) -> dict[str, Any]:
            return {
                "internalName": name,
                "attributeTypeName": kind,
                "label": label,
                "attributeOptions": [],
                "isRequired": name == "deal_name",
            }

        return [
            attribute("deal_name", "text", "Deal name"),
            attribute("deal_owner", "user", "Deal owner"),
            attribute("amount", "number", "Amount"),
            attribute("probability", "number", "Probability"),
            attribute("deal_stage", "single-select", "Deal stage"),
            attribute("pipeline", "single-select", "Pipeline"),
            attribute("close_date", "date", "Close date"),
            attribute("created_at", "date", "Created at"),
            attribute("last_updated_date", "date", "Last updated date"),
        ]

    def deals_list(self, query: Mapping[str, list[str]], body: Any) -> Any:
        limit = self._int(query, "limit", 50, 100)
        offset = self._int(query, "offset", 0, 10**9)
        stage = _one(query, "filters[attributes.deal_stage]")
        since = self._instant(query, "modifiedSince")
        rows = [
            d
            for d in self.deal_list
            if stage in (None, d["_stage"]) and (since is None or d["_modified"] >= since)
        ]
        if _one(query, "sort", "desc") != "asc":
            rows = list(reversed(rows))
        pipeline = {sid: pid for pid, _, stages in self.PIPELINES for sid, _ in stages}
        return {
            "items": [
                {
                    "id": d["id"],
                    "attributes": {
                        "deal_name": f"Deal {d['id'][-4:]}",
                        "deal_stage": d["_stage"],
                        "pipeline": pipeline[d["_stage"]],
                        "amount": d["_amount"],
                        "probability": 50,
                        "close_date": iso_z(d["_close"]) if d["_close"] is not None else None,
                        "created_at": iso_z(d["_modified"] - 30 * DAY_MS),
                        "last_updated_date": iso_z(d["_modified"]),
                    },
                    "linked_contacts_ids": [1, 2],
                    "linked_companies_ids": [],
                }
                for d in rows[offset : offset + limit]
            ]
        }

    def deal_truth(
        self, months: list[str], won: set[str], lost: set[str]
    ) -> dict[str, dict[str, float]]:
        """Deals closed in each month (the close date's own month), amounts won."""
        out = {m: {"deals_won": 0.0, "deals_lost": 0.0, "revenue_won": 0.0} for m in months}
        for d in self.deal_list:
            if d["_close"] is None:
                continue
            month = month_of_ms(d["_close"], "UTC")
            if month not in out:
                continue
            if d["_stage"] in won:
                out[month]["deals_won"] += 1
                out[month]["revenue_won"] += d["_amount"] or 0.0
            elif d["_stage"] in lost:
                out[month]["deals_lost"] += 1
        return out

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
