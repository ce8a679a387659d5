"""Marketo Engage as documented: Identity, activity types, smart campaigns and lists, and
bulk activity export jobs.

Written from Adobe's Marketo developer documentation (github.com/AdobeDocs/
marketo-developer.en, help/rest-api/), never from the connector:

- authentication.md: `GET /identity/oauth/token?grant_type=client_credentials&client_id=
  ..&client_secret=..` answers `access_token`, `token_type` "bearer", `expires_in` (3599
  for a new token), `scope` (the API-only user); calls carry `Authorization: Bearer`.
  Bad client credentials: HTTP 401 from Identity.  An invalid token: `601`, an expired
  one `602`, as response-level errors.
- error-codes.md: response-level errors come with HTTP 200, `success: false` and
  `errors: [{code, message}]`; 606 "Max rate limit ... exceeded" (more than 100 calls in
  20 s, with `rate_limits`), 1029 "Too many jobs in queue" / "Export daily quota
  exceeded" / "Job already queued".
- activities.md: `GET /rest/v1/activities/types.json` answers `result` of `{id, name,
  description, primaryAttribute, attributes}`.  Ids are the usual ones (6 Send Email, 7
  Email Delivered, 8 Email Bounced, 9 Unsubscribe Email, 10 Open Email, 11 Click Email,
  12 New Lead, 13 Change Data Value, 27 Email Bounced Soft) unless a test changes
  `type_ids`.  `GET /rest/v1/leads/describe.json` answers `{id, displayName, dataType,
  length, rest{name, readOnly}, soap{...}}` (swagger-mapi.json `LeadAttribute`).
- smart-campaigns.md: `GET /rest/asset/v1/smartCampaigns.json` (`maxReturn` default 20,
  at most 200, `offset`) answers campaigns with `id, name, type` (batch, trigger),
  `isSystem, isActive, status, smartListId, flowId`; past the end, no `result` and a
  warning.  smart-lists.md: `GET /rest/asset/v1/smartList/{id}.json?includeRules=true`
  answers `rules.triggers[]` and `rules.filters[]` (`{id, name, ruleTypeId, ruleType}`).
- bulk-extract.md, bulk-activity-extract.md: `POST /bulk/v1/activities/export/create.json`
  with `format`, `fields`, `filter.createdAt{startAt, endAt}` (at most 31 days, both
  ends included [fake]) and `filter.activityTypeIds` -> `exportId`, status "Created";
  `POST .../{id}/enqueue.json` -> "Queued" (10 in the queue at most: 1029); `GET
  .../{id}/status.json` -> Queued, Processing, Completed (one step per poll [fake]; at
  most 2 processing), with `numberOfRecords`, `fileSize`, `fileChecksum` "sha256:..";
  `GET .../{id}/file.json` -> the CSV (header: the fields asked), honouring `Range:
  bytes=a-b` with 206.  `activityDate` is "2022-02-13T14:06:20Z".

The simulated instance: batch and trigger campaigns' sends, each delivered or bounced
(hard or soft), some opened (once or more, sometimes days later, across month ends),
clicked and unsubscribed, and New Lead activities.  Confusable: a lead opening an email
twice (one unique open, two activities), a send from an inactive trigger campaign
(automated), a system trigger campaign (not counted active).
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from tests.fakes.account import AccountSpec, _send_times
from tests.fakes.base import ApiError, FakePlatform, Reply, SlidingWindow, _one
from tests.fakes.clock import DAY_MS, from_ms, month_of_ms

CLIENT_ID = "fake-marketo-client-id-0001"
LEAD_FIELDS = [
    # id, displayName, dataType, REST name
    (31, "Created At", "datetime", "createdAt"),
    (48, "First Name", "string", "firstName"),
    (77, "Lead Score", "score", "leadScore"),
    (1201, "MQL Date", "date", "mQLDate"),
    (1202, "SQL Date", "datetime", "sQLDate"),
]
HOUR_MS = 3_600_000
TYPES = {
    "Visit Webpage": 1,
    "Fill Out Form": 2,
    "Send Email": 6,
    "Email Delivered": 7,
    "Email Bounced": 8,
    "Unsubscribe Email": 9,
    "Open Email": 10,
    "Click Email": 11,
    "New Lead": 12,
    "Change Data Value": 13,
    "Email Bounced Soft": 27,
}
CAMPAIGNS = [
    # id, name, type, isActive, isSystem, smartListId, triggers
    (1001, "Newsletter", "batch", False, False, 2001, ()),
    (1002, "Product launch", "batch", False, False, 2002, ()),
    (1003, "Webinar invite", "batch", False, False, 2003, ()),
    (1010, "Welcome on form fill", "trigger", True, False, 2010, ("Fills Out Form",)),
    (1011, "Pricing page follow-up", "trigger", True, False, 2011, ("Visits Web Page",)),
    (1012, "Requested by sales", "trigger", True, False, 2012, ("Campaign is Requested",)),
    (1013, "Added to webinar list", "trigger", True, False, 2013, ("Added to List",)),
    (1014, "Old nurture", "trigger", False, False, 2014, ("Clicks Link in Email",)),
    (1015, "Process bounces", "trigger", True, True, 2015, ("Email Bounces",)),
    (1016, "Score jump", "trigger", True, False, 2016, ("Score is Changed", "Added to List")),
]
TRIGGER_SENDERS = (1010, 1011, 1012, 1014)  # trigger campaigns that send email


class MarketoFake(FakePlatform):
    """A Marketo instance under /marketo (the REST root: /identity, /rest, /bulk)."""

    name = "marketo"
    prefix = "/marketo"
    api_root = ""
    public_paths = frozenset({"/identity/oauth/token"})

    def __init__(self, spec: AccountSpec, token: str, **kwargs: Any) -> None:
        super().__init__(spec, token, **kwargs)
        self.type_ids = dict(TYPES)
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.failure = "601"
        self.jobs: dict[str, dict[str, Any]] = {}
        self.fail_next_jobs = 0
        self.window = SlidingWindow(100, 20.0)
        self.route("GET", r"/identity/oauth/token", self.identity)
        self.route("GET", r"/rest/v1/activities/types\.json", self.activity_types)
        self.route("GET", r"/rest/v1/leads/describe\.json", self.lead_fields)
        self.route("GET", r"/rest/asset/v1/smartCampaigns\.json", self.smart_campaigns)
        self.route("GET", r"/rest/asset/v1/smartList/(\d+)\.json", self.smart_list)
        self.route("POST", r"/bulk/v1/activities/export/create\.json", self.export_create)
        self.route("POST", r"/bulk/v1/activities/export/([\w-]+)/enqueue\.json", self.enqueue)
        self.route("GET", r"/bulk/v1/activities/export/([\w-]+)/status\.json", self.status)
        self.route("GET", r"/bulk/v1/activities/export/([\w-]+)/file\.json", self.file)

    # --- the simulated activities ---

    @cached_property
    def activities(self) -> list[tuple[int, int, int, int, int]]:
        """(epoch ms, leadId, activityTypeId name key, campaignId, emailId), by time;
        the type is stored by name index so a test can renumber `type_ids`."""
        spec = self.spec
        rng = spec.rng("marketo", "activities")
        rows: list[tuple[int, int, int, int, int]] = []
        senders = [c[0] for c in CAMPAIGNS if c[2] == "batch"] + list(TRIGGER_SENDERS)
        for number, when in enumerate(_send_times(spec, rng, spec.campaigns), start=1):
            campaign = senders[number % len(senders)]
            email = 5000 + number
            for _ in range(rng.randint(20, 120)):
                lead = rng.randint(1, spec.contacts)
                rows.append((when, lead, 0, campaign, email))  # Send Email
                fate = rng.random()
                if fate < 0.02:
                    rows.append((when + 60_000, lead, 2, campaign, email))  # hard bounce
                    continue
                if fate < 0.05:
                    rows.append((when + 60_000, lead, 7, campaign, email))  # soft bounce
                    continue
                rows.append((when + 60_000, lead, 1, campaign, email))  # delivered
                if rng.random() < 0.35:
                    first = when + rng.randint(1, 200) * HOUR_MS  # up to 8 days later
                    rows.append((first, lead, 4, campaign, email))
                    if rng.random() < 0.3:
                        rows.append((first + HOUR_MS, lead, 4, campaign, email))  # again
                    if rng.random() < 0.3:
                        rows.append((first + 60_000, lead, 5, campaign, email))  # click
                        if rng.random() < 0.2:
                            rows.append((first + 120_000, lead, 5, campaign, email))
                if rng.random() < 0.004:
                    rows.append((when + 2 * HOUR_MS, lead, 3, campaign, email))  # unsub
        for when in _send_times(spec, rng, spec.campaigns * 15):
            lead = rng.randint(1, spec.contacts)
            rows.append((when, lead, 6, 0, 0))  # New Lead
            rows.append((when + 1000, lead, 8, 0, 77))  # its score changes: not a stage
            if rng.random() < 0.3:  # it becomes an MQL some days later
                mql = when + rng.randint(0, 20) * DAY_MS
                rows.append((mql, lead, 8, 0, 1201))
                if rng.random() < 0.2:
                    rows.append((mql + HOUR_MS, lead, 8, 0, 1201))  # set again: one lead
                if rng.random() < 0.4:
                    rows.append((mql + rng.randint(1, 30) * DAY_MS, lead, 8, 0, 1202))
        rows = [r for r in rows if r[0] < spec.as_of_ms]
        rows.sort()
        return rows

    NAMES = (
        "Send Email",
        "Email Delivered",
        "Email Bounced",
        "Unsubscribe Email",
        "Open Email",
        "Click Email",
        "New Lead",
        "Email Bounced Soft",
        "Change Data Value",
    )

    # --- protocol ---

    def authorized(self, headers: Mapping[str, str]) -> bool:
        value = headers.get("authorization", "")
        token = value[7:] if value.startswith("Bearer ") else ""
        if self.tokens.get(token):
            return True
        self.failure = "602" if token in self.tokens else "601"
        return False

    def unauthorized(self) -> Reply:
        message = "Access token expired" if self.failure == "602" else "Access token invalid"
        return self._error(self.failure, message)

    def _error(self, code: str, message: str) -> Reply:
        return Reply(
            200,
            {
                "requestId": "e42b#14272d07d78",
                "success": False,
                "errors": [{"code": code, "message": message}],
            },
        )

    def throttled(self, retry_after: int, policy: str) -> Reply:
        return self._error("606", "Max rate limit '100' exceeded with in '20' secs")

    def not_found(self, path: str) -> Reply:
        return Reply(404, {"message": f"{path} not found"})

    def bad_request(self, message: str) -> Reply:
        return self._error("1003", message)

    def limit(self, path: str, now: float) -> Reply | None:
        if path in self.public_paths or self.window.hit(now) is None:
            return None
        return self.throttled(20, "rate")

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (602)."""
        self.tokens = dict.fromkeys(self.tokens, False)

    @staticmethod
    def _ok(result: list[Any]) -> dict[str, Any]:
        return {"requestId": "e42b#14272d07d78", "success": True, "result": result}

    # --- endpoints ---

    def identity(self, query: Mapping[str, list[str]], body: Any) -> Any:
        if (
            _one(query, "grant_type") != "client_credentials"
            or _one(query, "client_id") != CLIENT_ID
            or _one(query, "client_secret") != self.token
        ):
            return Reply(
                401, {"error": "unauthorized", "error_description": "Bad client credentials"}
            )
        token = f"{len(self.tokens) + 1:08x}-110d-4155-99a7-f986b2ff13a0:int"
        self.tokens[token] = True
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": 3599,
            "scope": "apis@fake-instance.test",
        }

    def activity_types(self, query: Any, body: Any) -> Any:
        return self._ok(
            [
                {
                    "id": number,
                    "name": name,
                    "description": f"{name} [fake]",
                    "primaryAttribute": {"name": "Mailing ID", "dataType": "integer"},
                    "attributes": [],
                }
                for name, number in self.type_ids.items()
            ]
        )

    def lead_fields(self, query: Any, body: Any) -> Any:
        return self._ok(
            [
                {
                    "id": fid,
                    "displayName": display,
                    "dataType": kind,
                    "rest": {"name": rest, "readOnly": False},
                    "soap": {"name": rest, "readOnly": False},
                }
                for fid, display, kind, rest in LEAD_FIELDS
            ]
        )

    def smart_campaigns(self, query: Mapping[str, list[str]], body: Any) -> Any:
        size = int(_one(query, "maxReturn", "20") or 20)
        offset = int(_one(query, "offset", "0") or 0)
        if not 1 <= size <= 200:
            return self._error("701", "maxReturn must be between 1 and 200")
        rows = [
            {
                "id": cid,
                "name": name,
                "description": "",
                "createdAt": "2024-02-16T01:34:39Z+0000",
                "updatedAt": "2026-08-13T00:45:21Z+0000",
                "status": "Active" if active else "Inactive",
                "type": kind,
                "isSystem": system,
                "isActive": active,
                "isRequestable": cid == 1012,
                "workspace": "Default",
                "smartListId": smart_list,
                "flowId": cid + 500,
            }
            for cid, name, kind, active, system, smart_list, _ in CAMPAIGNS
        ][offset : offset + size]
        if not rows:
            return {
                "requestId": "e42b#1",
                "success": True,
                "warnings": ["No assets found for the given search criteria."],
            }
        return self._ok(rows)

    def smart_list(self, query: Any, body: Any, list_id: str) -> Any:
        for _cid, name, _, _, _, smart_list, triggers in CAMPAIGNS:
            if smart_list == int(list_id):
                rules = {
                    "filterMatchType": "all",
                    "triggers": [
                        {"id": 400 + i, "name": t, "ruleTypeId": i + 1, "ruleType": t}
                        for i, t in enumerate(triggers)
                    ],
                    "filters": [
                        {
                            "id": 459,
                            "name": "Visited Web Page",
                            "ruleTypeId": 1,
                            "ruleType": "Activity",
                            "operator": "occurs",
                            "conditions": [],
                        }
                    ],
                }
                return self._ok([{"id": smart_list, "name": f"{name} list", "rules": rules}])
        return self._error("702", "No data found for given search scope")

    # --- bulk export ---

    def _instant(self, text: Any) -> int:
        try:
            return int(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            raise ApiError(self._error("1003", f"invalid datetime {text!r}")) from None

    def export_create(self, query: Any, body: Any) -> Any:
        created = (body or {}).get("filter", {}).get("createdAt") or {}
        if "." in str(created.get("startAt")) or "." in str(created.get("endAt")):
            return self._error("1003", "Use ISO-8601 datetime values without milliseconds")
        start, end = self._instant(created.get("startAt")), self._instant(created.get("endAt"))
        if end < start or end - start > 31 * DAY_MS:
            return self._error("1003", "createdAt range must be 31 days or fewer")
        wanted = body["filter"].get("activityTypeIds") or list(self.type_ids.values())
        fields = body.get("fields") or [
            "marketoGUID",
            "leadId",
            "activityDate",
            "activityTypeId",
            "campaignId",
            "primaryAttributeValueId",
            "primaryAttributeValue",
            "attributes",
        ]
        export_id = f"ce45a7a1-f19d-4ce2-882c-{len(self.jobs) + 1:012d}"
        self.jobs[export_id] = {
            "status": "Created",
            "start": start,
            "end": end,
            "types": set(wanted),
            "fields": fields,
            "fail": self.fail_next_jobs > 0,
            "primary": set(body["filter"].get("primaryAttributeValueIds") or []),
        }
        self.fail_next_jobs = max(0, self.fail_next_jobs - 1)
        return self._ok([{"exportId": export_id, "status": "Created", "format": "CSV"}])

    def enqueue(self, query: Any, body: Any, export_id: str) -> Any:
        job = self.jobs.get(export_id)
        if job is None:
            return self._error("1003", "Export id not found")
        if job["status"] != "Created":
            return self._error("1029", "Job already queued")
        queued = sum(1 for j in self.jobs.values() if j["status"] in ("Queued", "Processing"))
        if queued >= 10:
            return self._error("1029", "Too many jobs in queue")
        job["status"] = "Queued"
        return self._ok([{"exportId": export_id, "status": "Queued", "format": "CSV"}])

    def status(self, query: Any, body: Any, export_id: str) -> Any:
        job = self.jobs.get(export_id)
        if job is None:
            return self._error("1003", "Export id not found")
        processing = sum(1 for j in self.jobs.values() if j["status"] == "Processing")
        if job["status"] == "Queued" and processing < 2:
            job["status"] = "Processing"
        elif job["status"] == "Processing":
            job["status"] = "Failed" if job["fail"] else "Completed"
            if not job["fail"]:
                job["file"] = self._csv(job)
        info: dict[str, Any] = {"exportId": export_id, "status": job["status"], "format": "CSV"}
        if job["status"] == "Completed":
            data = job["file"]
            info |= {
                "numberOfRecords": data.count(b"\n") - 1,
                "fileSize": len(data),
                "fileChecksum": "sha256:" + hashlib.sha256(data).hexdigest(),
            }
        return self._ok([info])

    def _csv(self, job: Mapping[str, Any]) -> bytes:
        times = [r[0] for r in self.activities]
        low = bisect.bisect_left(times, job["start"])
        high = bisect.bisect_right(times, job["end"] + 999)  # endAt includes its second
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(job["fields"])
        for when, lead, kind, campaign, email in self.activities[low:high]:
            type_id = self.type_ids.get(self.NAMES[kind])
            if type_id is None or type_id not in job["types"]:
                continue
            if job["primary"] and email not in job["primary"]:
                continue
            stamp = from_ms(when).strftime("%Y-%m-%dT%H:%M:%SZ")
            values = {
                "marketoGUID": str(when),
                "leadId": lead,
                "activityDate": stamp,
                "activityTypeId": type_id,
                "campaignId": campaign or "null",
                "primaryAttributeValueId": email or "null",
                "primaryAttributeValue": f"Email {email}",
                "attributes": "{}",
            }
            writer.writerow([values[f] for f in job["fields"]])
        return out.getvalue().encode()

    def file(self, query: Any, body: Any, export_id: str) -> Any:
        job = self.jobs.get(export_id)
        if job is None or job["status"] != "Completed":
            return self._error("1003", "Export file not available")
        data: bytes = job["file"]
        wanted = self.request_headers.get("range", "")
        headers = {"Content-Type": "text/csv"}
        if wanted.startswith("bytes="):
            first, _, last = wanted[6:].partition("-")
            start, end = int(first), min(len(data) - 1, int(last))
            return Reply(206, data[start : end + 1], headers)
        return Reply(200, data, headers)

    # --- the truth ---

    def truth(self, months: list[str], tz: str) -> dict[str, dict[str, float]]:
        out = {
            m: dict.fromkeys(
                (
                    "emails_sent",
                    "emails_delivered",
                    "bounces",
                    "unsubscribes",
                    "unique_opens",
                    "unique_clicks",
                    "leads_new",
                    "emails_automated",
                ),
                0.0,
            )
            for m in months
        }
        pairs: dict[tuple[str, int], set[tuple[int, int]]] = {}
        stages: dict[tuple[str, int], set[int]] = {}
        triggers = {c[0] for c in CAMPAIGNS if c[2] == "trigger"}
        metric = {
            0: "emails_sent",
            1: "emails_delivered",
            2: "bounces",
            7: "bounces",
            3: "unsubscribes",
            6: "leads_new",
        }
        for when, lead, kind, campaign, email in self.activities:
            month = month_of_ms(when, tz)
            if month not in out:
                continue
            if kind in metric:
                out[month][metric[kind]] += 1
            if kind == 0 and campaign in triggers:
                out[month]["emails_automated"] += 1
            if kind in (4, 5):
                pairs.setdefault((month, kind), set()).add((lead, email))
            if kind == 8 and email in (1201, 1202):
                stages.setdefault((month, email), set()).add(lead)
        for month in out:
            out[month]["mqls"] = float(len(stages.get((month, 1201), ())))
            out[month]["sqls"] = float(len(stages.get((month, 1202), ())))
        for (month, kind), found in pairs.items():
            out[month]["unique_opens" if kind == 4 else "unique_clicks"] = float(len(found))
        active = [c for c in CAMPAIGNS if c[2] == "trigger" and c[3] and not c[4]]
        behavioural = {"Fills Out Form", "Visits Web Page", "Score is Changed"}
        out[months[-1]]["workflows_active"] = float(len(active))
        out[months[-1]]["workflows_behavioral"] = float(
            sum(1 for c in active if set(c[6]) & behavioural)
        )
        return out
