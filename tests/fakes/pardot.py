"""Account Engagement (Pardot) API v5 as documented, with a Salesforce token endpoint.

Written from Salesforce's Account Engagement guide (authentication; version 5 overview;
lifecycle stage, lifecycle history, opportunity, prospect, engagement studio program
v5), pardot/api-docs (object field reference, error codes; commit d0615a8e) and the v5
field lists of Airbyte's source-pardot manifest, never from the connector:

- `POST /services/oauth2/token` (form: grant_type=client_credentials, client_id,
  client_secret) -> `access_token`, `instance_url`, `token_type`; bad credentials: 400
  `{"error": "invalid_client", "error_description": "invalid client credentials"}`.
- Every API call: `Authorization: Bearer` and `Pardot-Business-Unit-Id` [fake: a wrong
  or missing business unit is 400 code 181; an unknown or expired token 401 code 184].
- `GET /api/v5/objects/<collection>?fields=..` ("fields= is required": 400 without it
  [fake code 2]); `limit` up to 1000 (default 200); answers `values` and `nextPageUrl`
  (absolute, carrying `nextPageToken`; "when you send a token, only fields may go with
  it"); filters `<field>AfterOrEqualTo` / `<field>BeforeOrEqualTo` on createdAt and
  updatedAt, ISO 8601 with offset; datetimes answered in the API user's time zone
  [fake: America/New_York], e.g. 2026-07-31T20:00:00-04:00.
- account: `id, company, maximumDailyApiCalls, apiCallsUsed`.
- prospects: `id, createdAt, isDeleted` (deleted ones left out unless `deleted=all`).
- lifecycle-stages: `id, name, isDeleted, isLocked, position` (Visitor, Prospect, MQL,
  SQL, Won Opportunity; [fake] a deleted stage also named MQL-old).
- lifecycle-histories: `id, prospectId, previousStageId, nextStageId, secondsElapsed,
  createdAt`.
- opportunities: `id, closedAt, name, stage, status ('won', 'lost' or 'open'),
  probability, value, campaignId, createdAt, updatedAt`; "if this is left blank, the
  closed_at timestamp ... is not set".
- engagement-studio-programs: `id, name, status, isDeleted` [fake statuses: running,
  paused, draft].
- visitor-activities: `id, prospectId, type, typeName, emailId, listEmailId, createdAt,
  updatedAt` (types from the field reference: 1 Click, 2 View, 6 Sent, 11 Open, 12
  Unsubscribe Page, 13 Bounced, 14 Spam Complaint, 36 Indirect Bounce) [fake: emails of
  list emails and of programs (no listEmailId), page views and page clicks (no email),
  one activity in 97 updated 40 days after it happened].
- Limits: 429 with code 122 "Daily API rate limit met" when `daily_limit_met`; a storm
  answers 429 code 66 "You have exceeded your concurrent request limit".

Confusable: a prospect moving into MQL twice in a month (one MQL), a won opportunity
without closedAt, a deleted prospect, a stage named like MQL but deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.fakes.account import AccountSpec, _send_times
from tests.fakes.base import ApiError, FakePlatform, Reply, _one
from tests.fakes.clock import DAY_MS, from_ms, month_of_ms
from tests.fakes.clock import zone as clock_zone

CLIENT_ID = "3MVG9fakeconsumerkey0000000000000000"
BUSINESS_UNIT = "0Uv5g000000AbCdCAK"
USER_TZ = "America/New_York"
STAGES = [
    (1, "Visitor", False),
    (2, "Prospect", False),
    (3, "MQL", False),
    (4, "SQL", False),
    (5, "Won Opportunity", False),
    (9, "MQL-old", True),
]


def _stamp(ms: int) -> str:
    return from_ms(ms).astimezone(clock_zone(USER_TZ)).isoformat(timespec="seconds")


class PardotFake(FakePlatform):
    """An Account Engagement business unit (its API under /pardot) and its org's login."""

    name = "pardot"
    prefix = "/pardot"
    api_root = ""
    public_paths = frozenset({"/services/oauth2/token"})

    def __init__(self, spec: AccountSpec, token: str, **kwargs: Any) -> None:
        super().__init__(spec, token, **kwargs)
        self.tokens: dict[str, bool] = {}
        self.daily_limit_met = False
        self.failure: Reply | None = None
        self.route("POST", r"/services/oauth2/token", self.token_endpoint)
        self.route("GET", r"/api/v5/objects/account", self.account)
        for collection in (
            "prospects",
            "lifecycle-stages",
            "lifecycle-histories",
            "opportunities",
            "engagement-studio-programs",
            "visitor-activities",
        ):
            self.route("GET", rf"/api/v5/objects/{collection}", self._collection(collection))

    # --- the simulated business unit ---

    @cached_property
    def prospects(self) -> list[dict[str, Any]]:
        rng = self.spec.rng("pardot", "prospects")
        out = []
        for number, when in enumerate(_send_times(self.spec, rng, self.spec.campaigns * 6), 1):
            out.append({"id": number, "_created": when, "isDeleted": number % 29 == 0})
        return out

    @cached_property
    def histories(self) -> list[dict[str, Any]]:
        rng = self.spec.rng("pardot", "histories")
        out: list[dict[str, Any]] = []
        for prospect in self.prospects:
            when = prospect["_created"]
            out.append({"prospectId": prospect["id"], "previous": 1, "next": 2, "_at": when})
            if rng.random() < 0.35:
                mql = when + rng.randint(1, 25) * DAY_MS
                out.append({"prospectId": prospect["id"], "previous": 2, "next": 3, "_at": mql})
                if rng.random() < 0.15:  # back to Prospect and MQL again within hours
                    out.append(
                        {
                            "prospectId": prospect["id"],
                            "previous": 3,
                            "next": 2,
                            "_at": mql + 3_600_000,
                        }
                    )
                    out.append(
                        {
                            "prospectId": prospect["id"],
                            "previous": 2,
                            "next": 3,
                            "_at": mql + 7_200_000,
                        }
                    )
                if rng.random() < 0.4:
                    sql = mql + rng.randint(1, 30) * DAY_MS
                    out.append({"prospectId": prospect["id"], "previous": 3, "next": 4, "_at": sql})
        out = [h for h in out if h["_at"] < self.spec.as_of_ms]
        for number, history in enumerate(sorted(out, key=lambda h: h["_at"]), 1):
            history["id"] = number
        return sorted(out, key=lambda h: h["_at"])

    @cached_property
    def opportunities(self) -> list[dict[str, Any]]:
        rng = self.spec.rng("pardot", "opportunities")
        out = []
        for number, when in enumerate(_send_times(self.spec, rng, self.spec.deals // 3), 1):
            status = rng.choice(["won", "won", "lost", "open"])
            closed = when if status != "open" and number % 23 else None
            out.append(
                {
                    "id": number,
                    "status": status,
                    "_closed": closed,
                    "_updated": min(self.spec.as_of_ms - 1, when + rng.randint(0, 9) * DAY_MS),
                    "value": round(rng.uniform(500, 90_000), 2),
                    "campaignId": rng.choice([None, 101, 102]),
                }
            )
        return out

    @cached_property
    def activities(self) -> list[dict[str, Any]]:
        """Email activities of list and program emails, page views and non-email clicks;
        a few updated weeks after they happened."""
        rng = self.spec.rng("pardot", "activities")
        rows: list[tuple[int, int, int, int | None, int | None]] = []
        for number, when in enumerate(_send_times(self.spec, rng, self.spec.campaigns), 1):
            email, listed = 7000 + number, (900 + number if number % 3 else None)
            for _ in range(rng.randint(10, 60)):
                prospect = rng.randint(1, 50_000)
                rows.append((when, prospect, 6, email, listed))
                fate = rng.random()
                if fate < 0.03:
                    rows.append((when + 60_000, prospect, 13 if fate < 0.02 else 36, email, listed))
                    continue
                if rng.random() < 0.3:
                    opened = when + rng.randint(1, 240) * 3_600_000
                    rows.append((opened, prospect, 11, email, listed))
                    if rng.random() < 0.3:
                        rows.append((opened + 60_000, prospect, 11, email, listed))
                    if rng.random() < 0.25:
                        rows.append((opened + 120_000, prospect, 1, email, listed))
                if rng.random() < 0.01:
                    rows.append((when + 7_200_000, prospect, 12, email, listed))
                if rng.random() < 0.002:
                    rows.append((when + 7_200_000, prospect, 14, email, listed))
            rows.append((when + 3_600_000, rng.randint(1, 50_000), 2, None, None))  # a view
            rows.append((when + 3_700_000, rng.randint(1, 50_000), 1, None, None))  # a redirect
        out = []
        for number, (when, prospect, kind, email, listed) in enumerate(sorted(rows), 1):
            if when >= self.spec.as_of_ms:
                continue
            updated = when + 40 * DAY_MS if number % 97 == 0 else when
            out.append(
                {
                    "id": number,
                    "prospectId": prospect,
                    "type": kind,
                    "emailId": email,
                    "listEmailId": listed,
                    "_created": when,
                    "_updated": min(updated, self.spec.as_of_ms - 1),
                }
            )
        return out

    @cached_property
    def activity_rows(self) -> list[dict[str, Any]]:
        names = {
            1: "Click",
            2: "View",
            6: "Sent",
            11: "Open",
            12: "Unsubscribe Page",
            13: "Bounced",
            14: "Spam Complaint",
            36: "Indirect Bounce",
        }
        return [
            {
                "id": a["id"],
                "prospectId": a["prospectId"],
                "type": a["type"],
                "typeName": names[a["type"]],
                "emailId": a["emailId"],
                "listEmailId": a["listEmailId"],
                "createdAt": _stamp(a["_created"]),
                "updatedAt": _stamp(a["_updated"]),
                "_at": a["_created"],
                "_updated": a["_updated"],
            }
            for a in self.activities
        ]

    PROGRAMS = (
        (("running", False),) * 6 + (("paused", False),) * 2 + (("draft", False), ("running", True))
    )

    # --- protocol ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        value = headers.get("authorization", "")
        token = value[7:] if value.startswith("Bearer ") else ""
        if not self.tokens.get(token):
            self.failure = Reply(
                401,
                {
                    "code": 184,
                    "message": "access_token is invalid, unknown, or malformed: Inactive token",
                },
            )
            return False
        if headers.get("pardot-business-unit-id") != BUSINESS_UNIT:
            self.failure = Reply(400, {"code": 181, "message": "Business Unit ID is invalid"})
            return False
        return True

    def unauthorized(self) -> Reply:
        assert self.failure is not None
        return self.failure

    def throttled(self, retry_after: int, policy: str) -> Reply:
        return Reply(
            429,
            {
                "code": 66,
                "message": "You have exceeded your concurrent request "
                "limit.  Please wait, before trying again",
            },
        )

    def not_found(self, path: str) -> Reply:
        return Reply(404, {"code": 404, "message": f"{path} not found"})

    def bad_request(self, message: str) -> Reply:
        return Reply(400, {"code": 2, "message": message})

    def limit(self, path: str, now: float) -> Reply | None:
        return None

    def expire_tokens(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, False)

    # --- endpoints ---

    def token_endpoint(self, query: Any, body: Any) -> Any:
        form = {k: v[-1] for k, v in parse_qs(body if isinstance(body, str) else "").items()}
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != self.token
        ):
            return Reply(
                400, {"error": "invalid_client", "error_description": "invalid client credentials"}
            )
        token = f"00D5g000004fake!AQ{len(self.tokens) + 1:06d}"
        self.tokens[token] = True
        return {
            "access_token": token,
            "instance_url": "https://fake.my.salesforce.com",
            "id": "https://login.salesforce.com/id/00D5g000004fake/0055g00000fake",
            "token_type": "Bearer",
            "issued_at": "1764800000000",
            "signature": "fake=",
        }

    def account(self, query: Mapping[str, list[str]], body: Any) -> Any:
        self._guard(query)
        return {
            "id": 4321,
            "company": "Fake Industrial Inc",
            "maximumDailyApiCalls": 50000,
            "apiCallsUsed": len(self.seen),
        }

    def _guard(self, query: Mapping[str, list[str]]) -> None:
        if self.daily_limit_met:
            raise ApiError(Reply(429, {"code": 122, "message": "Daily API rate limit met"}))
        if not _one(query, "fields"):
            raise ApiError(self.bad_request("fields is required"))

    def _instant(self, query: Mapping[str, list[str]], name: str) -> int | None:
        raw = _one(query, name)
        if raw is None:
            return None
        try:
            return int(datetime.fromisoformat(raw).timestamp() * 1000)
        except ValueError:
            raise ApiError(self.bad_request(f"{name} is not an ISO 8601 date-time")) from None

    def _rows(self, collection: str, query: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        if collection == "prospects":
            rows = [
                {
                    "id": p["id"],
                    "createdAt": _stamp(p["_created"]),
                    "isDeleted": p["isDeleted"],
                    "_at": p["_created"],
                }
                for p in self.prospects
                if not p["isDeleted"] or _one(query, "deleted") == "all"
            ]
        elif collection == "lifecycle-stages":
            rows = [
                {"id": i, "name": n, "isDeleted": d, "isLocked": not d, "position": i, "_at": 0}
                for i, n, d in STAGES
            ]
        elif collection == "lifecycle-histories":
            rows = [
                {
                    "id": h["id"],
                    "prospectId": h["prospectId"],
                    "previousStageId": h["previous"],
                    "nextStageId": h["next"],
                    "secondsElapsed": 3600,
                    "createdAt": _stamp(h["_at"]),
                    "_at": h["_at"],
                }
                for h in self.histories
            ]
        elif collection == "opportunities":
            rows = [
                {
                    "id": o["id"],
                    "status": o["status"],
                    "value": o["value"],
                    "campaignId": o["campaignId"],
                    "stage": o["status"].title(),
                    "closedAt": _stamp(o["_closed"]) if o["_closed"] is not None else None,
                    "updatedAt": _stamp(o["_updated"]),
                    "_at": o["_updated"],
                    "_updated": o["_updated"],
                }
                for o in self.opportunities
            ]
        elif collection == "visitor-activities":
            rows = self.activity_rows
        else:
            rows = [
                {"id": i + 1, "name": f"Program {i + 1}", "status": s, "isDeleted": d, "_at": 0}
                for i, (s, d) in enumerate(self.PROGRAMS)
            ]
        low = self._instant(query, "createdAtAfterOrEqualTo")
        high = self._instant(query, "createdAtBeforeOrEqualTo")
        if low is not None:
            rows = [r for r in rows if r["_at"] >= low]
        if high is not None:
            rows = [r for r in rows if r["_at"] <= high + 999]
        updated = self._instant(query, "updatedAtAfterOrEqualTo")
        if updated is not None:
            rows = [r for r in rows if r.get("_updated", 0) >= updated]
        updated_to = self._instant(query, "updatedAtBeforeOrEqualTo")
        if updated_to is not None:
            rows = [r for r in rows if r.get("_updated", 0) <= updated_to + 999]
        return rows

    def _collection(self, collection: str) -> Any:
        def answer(query: Mapping[str, list[str]], body: Any) -> Any:
            self._guard(query)
            token = _one(query, "nextPageToken")
            if token is not None and set(query) - {"nextPageToken", "fields"}:
                raise ApiError(self.bad_request("only fields may go with nextPageToken"))
            state = parse_qs(token) if token else query
            limit = int(_one(state, "limit", "200") or 200)
            if not 1 <= limit <= 1000:
                raise ApiError(self.bad_request("limit must be between 1 and 1000"))
            offset = int(_one(state, "_offset", "0") or 0)
            rows = self._rows(collection, state)
            fields = (_one(query, "fields") or "").split(",")
            page = [{f: r.get(f) for f in fields} for r in rows[offset : offset + limit]]
            following = None
            if offset + limit < len(rows):
                carried = {k: v[-1] for k, v in state.items() if k not in ("fields", "_offset")}
                following = urlencode({**carried, "_offset": offset + limit})
            url = None
            if following is not None:
                url = f"https://pi.pardot.com/api/v5/objects/{collection}?" + urlencode(
                    {"nextPageToken": following, "fields": ",".join(fields)}
                )
            return {"nextPageToken": following, "nextPageUrl": url, "values": page}

        return answer

    # --- the truth ---

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        out = {
            m: {
                "leads_new": 0.0,
                "mqls": 0.0,
                "sqls": 0.0,
                "deals_won": 0.0,
                "deals_lost": 0.0,
                "revenue_won": 0.0,
                "deals_won_with_source": 0.0,
            }
            for m in months
        }
        for p in self.prospects:
            month = month_of_ms(p["_created"], tz)
            if month in out and not p["isDeleted"]:
                out[month]["leads_new"] += 1
        moved: dict[tuple[str, int], set[int]] = {}
        for h in self.histories:
            month = month_of_ms(h["_at"], tz)
            if month in out and h["next"] in (3, 4):
                moved.setdefault((month, h["next"]), set()).add(h["prospectId"])
        for (month, stage), prospects in moved.items():
            out[month]["mqls" if stage == 3 else "sqls"] = float(len(prospects))
        for o in self.opportunities:
            if o["_closed"] is None or o["status"] == "open":
                continue
            month = month_of_ms(o["_closed"], tz)
            if month not in out:
                continue
            if o["status"] == "lost":
                out[month]["deals_lost"] += 1
                continue
            out[month]["deals_won"] += 1
            out[month]["revenue_won"] += o["value"]
            out[month]["deals_won_with_source"] += o["campaignId"] is not None
        pairs: dict[tuple[str, int], set[tuple[int, int]]] = {}
        counted = {
            6: "emails_sent",
            12: "unsubscribes",
            13: "bounces",
            36: "bounces",
            14: "spam_complaints",
        }
        for month in out:
            out[month].update(
                dict.fromkeys(
                    (
                        "emails_sent",
                        "unsubscribes",
                        "bounces",
                        "spam_complaints",
                        "unique_opens",
                        "unique_clicks",
                    ),
                    0.0,
                )
            )
        for a in self.activities:
            month = month_of_ms(a["_created"], tz)
            if month not in out:
                continue
            if a["type"] in counted:
                out[month][counted[a["type"]]] += 1
            email = a["emailId"] or a["listEmailId"]
            if a["type"] in (1, 11) and email is not None:
                pairs.setdefault((month, a["type"]), set()).add((a["prospectId"], email))
        for (month, kind), found in pairs.items():
            out[month]["unique_opens" if kind == 11 else "unique_clicks"] = float(len(found))
        for month in out:
            out[month]["emails_delivered"] = out[month]["emails_sent"] - out[month]["bounces"]
        out[months[-1]]["workflows_active"] = float(
            sum(1 for s, d in self.PROGRAMS if s == "running" and not d)
        )
        return out
