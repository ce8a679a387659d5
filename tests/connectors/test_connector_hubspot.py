"""The HubSpot connector against a fake HubSpot (`responses`, never the network).

`FakeHubSpot` answers the documented endpoints from records (contacts, deals,
email sends, flows, daily traffic), applying the search filters the connector
sends, so month bounds, time zones and paging are checked against data rather
than against canned answers.  Its payloads are built on the documented shapes
kept in tests/fixtures/http/hubspot/.  Time is fake: nothing sleeps.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from click.testing import CliRunner

from auditor.config.loader import load_config
from auditor.connectors import registry
from auditor.connectors.base import contract_problems
from auditor.connectors.hubspot import (
    HubSpotConnector,
    HubSpotOptions,
    classify_trigger,
    hubspot_wait,
)
from auditor.connectors.hubspot import api as hubspot_api
from auditor.connectors.hubspot.engagement import DEFINITION
from auditor.connectors.timeutil import parse_instant, to_epoch_ms
from auditor.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_SOURCE,
    InputError,
    SourceAuthError,
    SourceQuotaError,
    SourceResponseError,
)
from auditor.core.models import Engagement, Lead
from auditor.metrics.catalog import BASE_BY_ID
from tests import helpers
from tests.helpers import ROOT, TESTS

FIXTURES = TESTS / "fixtures" / "http" / "hubspot"
URL = "http://hubspot.test"
TOKEN = "pat-na1-00000000-test"
NOW = datetime(2026, 11, 15, 10, 0, tzinfo=UTC).timestamp()


class FakeTime(helpers.FakeTime):
    """The shared fake clocks; the wall clock starts at NOW."""

    def __init__(self) -> None:
        super().__init__(NOW)


Q3 = ["2026-07", "2026-08", "2026-09"]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- a fake clock ------------------------------------------------------------------------


# --- a fake HubSpot ----------------------------------------------------------------------


def _ms(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return to_epoch_ms(parse_instant(value))


Failure = tuple[int, dict[str, str], Any] | Exception


def _mailed(sends: int, opened: bool = False, clicked: bool = False) -> dict[str, str]:
    props = {
        "hs_email_last_send_date": "2026-11-20T09:00:00Z",
        "hs_email_sends_since_last_engagement": str(sends),
    }
    if opened:
        props["hs_email_last_open_date"] = "2026-05-04T10:00:00Z"
    if clicked:
        props["hs_email_last_click_date"] = "2026-05-04T10:01:00Z"
    return props


MAIL = [
    _mailed(20, opened=True),  # engaged once, 16+ sends since: unengaged
    _mailed(12),  # never engaged, 11+ sends: unengaged
    _mailed(12, opened=True),  # engaged once, under 16 sends since: engaged
    _mailed(15, clicked=True),  # a click is an engagement too: engaged
    _mailed(10),  # never engaged, but under 11 sends: not yet
    _mailed(16, clicked=True),  # exactly 16 since the last click: unengaged
    _mailed(11),  # exactly 11 and never engaged: unengaged
]
"""Seven mailed contacts, four of them unengaged (HubSpot's graymail rule)."""


class FakeHubSpot:
    """Serves the endpoints the connector uses, from records, like HubSpot documents them."""

    def __init__(self) -> None:
        self.contacts: list[dict[str, str]] = []
        self.deals: list[dict[str, Any]] = []
        self.sends: list[tuple[int, str, dict[str, int]]] = []
        self.email_types: dict[int, str] = {}  # the `type` of GET /marketing/v3/emails
        self.flows: list[dict[str, Any]] = []
        self.traffic: dict[str, dict[str, Any]] = {}
        self.flow_page_size = 2
        self.search_cap = 10_000
        self.failures: dict[str, list[Failure]] = defaultdict(list)
        self.refuse: set[str] = set()
        self.missing: set[str] = set()
        self.token = TOKEN

    # records

    def contact(
        self,
        created: str,
        score: str | None = None,
        mail: dict[str, str] | None = None,
        **dates: str,
    ) -> None:
        """`mail` holds the contact's email-engagement properties, as HubSpot names them."""
        props = {"hs_object_id": str(len(self.contacts) + 1), "createdate": created}
        props.update(mail or {})
        if score is not None:
            props["hubspotscore"] = score
        names = {
            "mql": "hs_lifecyclestage_marketingqualifiedlead_date",
            "sql": "hs_lifecyclestage_salesqualifiedlead_date",
            "customer": "hs_lifecyclestage_customer_date",
        }
        props.update({names[k]: v for k, v in dates.items()})
        self.contacts.append(props)

    def deal(
        self,
        closed: str,
        *,
        won: bool,
        amount: str | None = None,
        source: str | None = None,
        pipeline: str = "default",
    ) -> None:
        deal_id = str(9000 + len(self.deals) + 1)
        props = {
            "hs_object_id": deal_id,
            "closedate": closed,
            "hs_is_closed": "true",
            "hs_is_closed_won": "true" if won else "false",
            "dealstage": "closedwon" if won else "closedlost",
            "pipeline": pipeline,
            "amount": amount,
            "hs_analytics_source": source,
        }
        self.deals.append({"id": deal_id, "properties": props})

    def send(
        self, email_id: int, at: str, email_type: str = "BATCH_EMAIL", **counters: int
    ) -> None:
        self.sends.append((email_id, at, counters))
        self.email_types[email_id] = email_type

    def day(self, day: str, visits: int, visitors: int, submissions: int, **sources: int) -> None:
        self.traffic[day] = {
            "visits": visits,
            "visitors": visitors,
            "submissions": submissions,
            "sources": sources,
        }

    # plumbing

    def install(self, mock: responses.RequestsMock) -> None:
        routes: list[tuple[str, str, Callable[[Any], Any]]] = [
            ("GET", r"/account-info/v3/details", self._account),
            ("GET", r"/marketing/v3/emails/statistics/list", self._email_stats),
            ("GET", r"/marketing/v3/emails", self._emails_list),
            ("GET", r"/automation/v4/flows", self._flows),
            ("POST", r"/automation/v4/flows/batch/read", self._flows_batch),
            ("GET", r"/automation/v4/flows/\d+", self._flow),
            ("POST", r"/crm/v3/objects/contacts/search", self._contacts_search),
            ("POST", r"/crm/v3/objects/deals/search", self._deals_search),
            ("GET", r"/analytics/v2/reports/sources/total", self._analytics),
        ]
        for method, path, handler in routes:
            pattern = re.compile(re.escape(URL) + path + r"(\?.*)?$")
            mock.add_callback(method, pattern, callback=self._guarded(method, path, handler))

    def _guarded(self, method: str, path: str, handler: Callable[[Any], Any]) -> Callable:
        def callback(request: requests.PreparedRequest) -> Any:
            sent = request.headers.get("Authorization", "")
            if sent != f"Bearer {self.token}":
                body = fixture("error_401_expired.json")
                body["message"] += f" (received {sent})"  # a careless server echoing it
                return 401, {}, json.dumps(body)
            route = urlsplit(request.url).path
            for prefix in self.missing:
                if route.startswith(prefix):
                    return 404, {}, json.dumps({"status": "error", "message": "not found"})
            queued = self.failures.get(f"{method} {path}")
            if queued:
                failure = queued.pop(0)
                if isinstance(failure, Exception):
                    return failure
                status, headers, body = failure
                text = body if isinstance(body, str) else json.dumps(body)
                return status, headers, text
            for prefix in self.refuse:
                if route.startswith(prefix):
                    return 403, {}, json.dumps(fixture("error_403_missing_scopes.json"))
            status, body = handler(request)
            return status, {"Content-Type": "application/json"}, json.dumps(body)

        return callback

    @staticmethod
    def _query(request: Any) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}

    # endpoints

    def _account(self, request: Any) -> tuple[int, Any]:
        return 200, fixture("account_details.json")

    def _emails_list(self, request: Any) -> tuple[int, Any]:
        """GET /marketing/v3/emails?type=..: one email a page, to exercise the cursor."""
        query = self._query(request)
        wanted = [i for i, kind in sorted(self.email_types.items()) if kind == query.get("type")]
        start = int(query.get("after", "0"))
        page = wanted[start : start + 1]
        body: dict[str, Any] = {
            "results": [
                {"id": str(i), "type": query.get("type"), "name": f"Email {i}"} for i in page
            ],
            "total": len(wanted),
        }
        if start + 1 < len(wanted):
            body["paging"] = {"next": {"after": str(start + 1)}}
        return 200, body

    def _email_stats(self, request: Any) -> tuple[int, Any]:
        query = self._query(request)
        only = parse_qs(urlsplit(request.url).query).get("emailIds")
        start, end = _ms(query["startTimestamp"]), _ms(query["endTimestamp"])
        body = fixture("email_statistics_list.json")
        totals: dict[str, int] = defaultdict(int)
        emails: set[int] = set()
        for email_id, at, counters in self.sends:
            if only is not None and str(email_id) not in only:
                continue
            if start <= _ms(at) <= end:  # type: ignore[operator]
                emails.add(email_id)
                for key, value in counters.items():
                    totals[key] += value
        counters = dict(totals)
        if counters:  # documented as the hard bounces, like `hardbounced`
            counters["bounce"] = counters.get("hardbounced", 0)
        body["aggregate"]["counters"] = counters
        delivered = counters.get("delivered", 0)
        body["aggregate"]["ratios"] = (
            {"openratio": round(100 * counters.get("open", 0) / delivered, 3)} if delivered else {}
        )
        body["emails"] = sorted(emails)
        return 200, body

    def _listing(self, flow: dict[str, Any]) -> dict[str, Any]:
        keep = ("id", "name", "isEnabled", "flowType", "objectTypeId", "revisionId", "uuid")
        listing = {k: flow[k] for k in keep if k in flow}
        listing.update(createdAt=flow["createdAt"], updatedAt=flow["updatedAt"])
        return listing

    def _flows(self, request: Any) -> tuple[int, Any]:
        query = self._query(request)
        start = int(query.get("after", "0"))
        size = min(int(query.get("limit", "100")), self.flow_page_size)
        page = self.flows[start : start + size]
        body: dict[str, Any] = {"results": [self._listing(f) for f in page]}
        if start + size < len(self.flows):
            body["paging"] = {"next": {"after": str(start + size), "link": "?after=x"}}
        return 200, body

    def _flows_batch(self, request: Any) -> tuple[int, Any]:
        wanted = [i["flowId"] for i in json.loads(request.body)["inputs"]]
        by_id = {f["id"]: f for f in self.flows}
        body = fixture("flows_batch_read.json")
        body["results"] = [by_id[i] for i in wanted if i in by_id]
        return 200, body

    def _flow(self, request: Any) -> tuple[int, Any]:
        flow_id = urlsplit(request.url).path.rsplit("/", 1)[1]
        for flow in self.flows:
            if flow["id"] == flow_id:
                return 200, flow
        return 404, {"status": "error", "message": "no such flow"}

    def _matches(self, props: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
        for flt in filters:
            value = props.get(flt["propertyName"])
            operator = flt["operator"]
            if operator == "EQ":
                ok = value is not None and str(value).lower() == str(flt["value"]).lower()
            elif operator == "IN":
                ok = value in flt["values"]
            elif operator == "BETWEEN":
                ms = _ms(value)
                ok = ms is not None and int(flt["value"]) <= ms <= int(flt["highValue"])
            elif operator == "GTE":  # numeric properties (sends since last engagement)
                ok = value not in (None, "") and float(value) >= float(flt["value"])
            elif operator == "HAS_PROPERTY":
                ok = value not in (None, "")
            elif operator == "NOT_HAS_PROPERTY":
                ok = value in (None, "")
            else:
                raise AssertionError(f"the fake does not know operator {operator}")
            if not ok:
                return False
        return True

    def _search(self, records: list[dict[str, Any]], request: Any) -> tuple[int, Any]:
        body = json.loads(request.body)
        limit = int(body.get("limit", 10))
        after = int(body.get("after", "0"))
        if limit > 200:
            return 400, {"status": "error", "message": "limit must be at most 200"}
        if after >= self.search_cap:
            return 400, {"status": "error", "message": "paging past 10,000 results"}
        groups = body.get("filterGroups") or [{"filters": []}]
        found = [
            r for r in records if any(self._matches(r["properties"], g["filters"]) for g in groups)
        ]
        found.sort(key=lambda r: int(r["properties"]["hs_object_id"]))
        for order in body.get("sorts", []):
            if order["propertyName"] != "hs_object_id":  # dates only, as the connector asks
                found.sort(key=lambda r, p=order["propertyName"]: _ms(r["properties"].get(p)))
        page = found[after : after + limit]
        envelope = fixture("contacts_search_total.json")
        template = envelope["results"][0]
        wanted = [*body.get("properties", []), "hs_object_id"]
        envelope["total"] = len(found)
        envelope["results"] = [
            {
                **template,
                "id": r["properties"]["hs_object_id"],
                "properties": {p: r["properties"].get(p) for p in wanted},
            }
            for r in page
        ]
        if after + limit < len(found):
            envelope["paging"] = {"next": {"after": str(after + limit)}}
        else:
            envelope.pop("paging")
        return 200, envelope

    def _contacts_search(self, request: Any) -> tuple[int, Any]:
        return self._search([{"properties": c} for c in self.contacts], request)

    def _deals_search(self, request: Any) -> tuple[int, Any]:
        return self._search(self.deals, request)

    def _analytics(self, request: Any) -> tuple[int, Any]:
        query = self._query(request)
        first = datetime.strptime(query["start"], "%Y%m%d").date()
        last = datetime.strptime(query["end"], "%Y%m%d").date()
        totals: dict[str, int] = defaultdict(int)
        sources: dict[str, int] = defaultdict(int)
        for day, values in self.traffic.items():
            if first <= date.fromisoformat(day) <= last:
                for key in ("visits", "visitors", "submissions"):
                    totals[key] += values[key]
                for source, visits in values["sources"].items():
                    sources[source] += visits
        body = fixture("analytics_sources_total.json")
        body["totals"] = {**dict.fromkeys(body["totals"], 0), **totals}
        body["breakdowns"] = [
            {"breakdown": name, "visits": visits, "visitors": 0, "submissions": 0}
            for name, visits in sorted(sources.items())
        ]
        body["total"] = len(body["breakdowns"])
        return 200, body


# --- the scenario most tests share --------------------------------------------------------


def q3_account() -> FakeHubSpot:
    """2026-Q3 with records on both sides of the quarter (June and October must not count)."""
    fake = FakeHubSpot()
    # email: two sends in July (one automated, id 102), none in August, one in September
    # contactslost differs from every sum of unsubscribed, bounces and spam reports
    fake.send(101, "2026-07-10T09:00:00Z", sent=1000, delivered=980, open=300, click=50,
              unsubscribed=5, hardbounced=12, softbounced=8, spamreport=1,
              contactslost=17)  # fmt: skip
    fake.send(102, "2026-07-20T09:00:00Z", "AUTOMATED_EMAIL", sent=200, delivered=198,
              open=80, click=12, unsubscribed=1, hardbounced=2, softbounced=0, spamreport=0,
              contactslost=3)  # fmt: skip
    fake.send(102, "2026-09-05T09:00:00Z", "AUTOMATED_EMAIL", sent=300, delivered=295,
              open=90, click=20, unsubscribed=2, hardbounced=3, softbounced=2, spamreport=0,
              contactslost=4)  # fmt: skip
    fake.send(104, "2026-09-25T09:00:00Z", "AUTOMATED_AB_EMAIL", sent=0, delivered=0)
    fake.send(100, "2026-06-30T23:59:59Z", sent=5000, delivered=5000, open=1)
    fake.send(103, "2026-10-01T00:00:00Z", sent=7000, delivered=7000, open=1)
    # contacts: 3 new in July, 2 in August, 4 in September; MQL/SQL/customer dates; seven
    # mailed, four of them unengaged by HubSpot's graymail rule (MAIL)
    fake.contact("2026-06-30T23:00:00Z", mail=MAIL[0], mql="2026-06-30T23:30:00Z")
    fake.contact(
        "2026-07-01T00:00:00Z", mail=MAIL[1], mql="2026-07-15T10:00:00Z", sql="2026-07-20T10:00:00Z"
    )
    fake.contact("2026-07-12T10:00:00Z", mail=MAIL[2])
    fake.contact("2026-07-31T23:59:59Z", mail=MAIL[3])
    fake.contact("2026-08-05T10:00:00Z", mail=MAIL[4])
    fake.contact("2026-08-20T10:00:00Z", mail=MAIL[5])
    for day in ("02", "09", "16"):
        fake.contact(f"2026-09-{day}T10:00:00Z", mql=f"2026-09-{day}T11:00:00Z")
    fake.contacts[-1].update(MAIL[6])
    fake.contact(
        "2026-09-30T10:00:00Z", sql="2026-09-30T12:00:00Z", customer="2026-09-30T13:00:00Z"
    )
    fake.contact(
        "2026-10-01T00:00:00Z", mql="2026-10-01T00:00:00Z", customer="2026-10-02T00:00:00Z"
    )
    # deals: July 2 won + 1 lost, August 2 lost, September 3 won (one without amount)
    fake.deal("2026-07-18T00:00:00Z", won=True, amount="12500", source="ORGANIC_SEARCH")
    fake.deal("2026-07-22T15:30:00Z", won=True, amount="4000.50", source="OFFLINE")
    fake.deal("2026-07-25T00:00:00Z", won=False, amount="9000", source="PAID_SEARCH")
    fake.deal("2026-08-03T00:00:00Z", won=False, amount="100")
    fake.deal("2026-08-30T00:00:00Z", won=False)
    fake.deal("2026-09-02T00:00:00Z", won=True, amount="8000", source="EMAIL_MARKETING")
    fake.deal("2026-09-20T00:00:00Z", won=True, amount="", source="PAID_SEARCH")
    fake.deal("2026-09-28T00:00:00Z", won=True, amount="1500")
    fake.deal("2026-06-30T23:00:00Z", won=True, amount="77777", source="DIRECT_TRAFFIC")
    fake.deal("2026-10-01T00:00:00Z", won=True, amount="88888", source="DIRECT_TRAFFIC")
    # flows: the documented examples (two enabled, one disabled)
    batch = {f["id"]: f for f in fixture("flows_batch_read.json")["results"]}
    disabled = fixture("flows_page_1.json")["results"][1]
    fake.flows = [
        batch["1001"],
        {**disabled, "enrollmentCriteria": {"type": "MANUAL"}},
        batch["1003"],
    ]
    # traffic by day
    fake.day("2026-06-30", 999, 999, 99, email=999)
    fake.day("2026-07-01", 100, 80, 5, direct=60, email=40)
    fake.day("2026-07-31", 50, 45, 2, organic=50)
    fake.day("2026-08-15", 70, 60, 0, direct=70)
    fake.day("2026-09-30", 90, 70, 3, email=30, direct=60)
    fake.day("2026-10-01", 999, 999, 99, email=999)
    return fake


Q3_EXPECTED = {
    "2026-07": {
        "emails_sent": 1200, "emails_delivered": 1178, "unique_opens": 380, "unique_clicks": 62,
        "unsubscribes": 6, "bounces": 22, "spam_complaints": 1, "campaigns_sent": 2,
        "emails_automated": 200, "contacts_lost": 20,
        "leads_new": 3, "mqls": 1, "sqls": 1, "customers_new": 0,
        "deals_won": 2, "deals_lost": 1, "revenue_won": 16500.5, "deals_won_with_source": 1,
        "revenue_attributed": 12500,
        "website_sessions": 150, "website_visitors": 125, "email_sessions": 40, "conversions": 7,
    },
    "2026-08": {
        "emails_sent": 0, "emails_delivered": 0, "unique_opens": 0, "unique_clicks": 0,
        "unsubscribes": 0, "bounces": 0, "spam_complaints": 0, "campaigns_sent": 0,
        "emails_automated": 0, "contacts_lost": 0,
        "leads_new": 2, "mqls": 0, "sqls": 0, "customers_new": 0,
        "deals_won": 0, "deals_lost": 2, "revenue_won": 0, "deals_won_with_source": 0,
        "revenue_attributed": 0,
        "website_sessions": 70, "website_visitors": 60, "email_sessions": 0, "conversions": 0,
    },
    "2026-09": {
        "emails_sent": 300, "emails_delivered": 295, "unique_opens": 90, "unique_clicks": 20,
        "unsubscribes": 2, "bounces": 5, "spam_complaints": 0, "campaigns_sent": 2,
        "emails_automated": 300, "contacts_lost": 4,
        "leads_new": 4, "mqls": 3, "sqls": 1, "customers_new": 1,
        "deals_won": 3, "deals_lost": 0, "revenue_won": 9500, "deals_won_with_source": 2,
        "revenue_attributed": 8000,
        "website_sessions": 90, "website_visitors": 70, "email_sessions": 30, "conversions": 3,
        "workflows_active": 2, "workflows_behavioral": 2,
    },
}  # fmt: skip
CLASS_REASONS = dict(HubSpotConnector.not_measured)


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)


@pytest.fixture
def api(token):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake_time():
    return FakeTime()


def make(fake_time: FakeTime, tz: str = "UTC", **options: Any) -> HubSpotConnector:
    return HubSpotConnector(
        HubSpotOptions(base_url=URL, **options),
        Path("."),
        tz,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        wall_clock=fake_time.wall,
        random=lambda: 0.5,
    )


def served(api: responses.RequestsMock, fake: FakeHubSpot) -> FakeHubSpot:
    fake.install(api)
    return fake


def calls(api: responses.RequestsMock, fragment: str) -> list[Any]:
    return [c.request for c in api.calls if fragment in c.request.url]


# --- the contract -------------------------------------------------------------------------


def test_declares_every_base_metric_once_with_sources():
    assert contract_problems(HubSpotConnector, "hubspot") == []
    assert set(HubSpotConnector.metrics) | set(CLASS_REASONS) == set(BASE_BY_ID)
    assert set(CLASS_REASONS) == {
        "revenue_total", "mrr", "mrr_churned", "accounts_active", "accounts_churned",
        "unique_opens_human",
    }  # fmt: skip
    assert (
        "no figure that leaves out machine or privacy-proxy opens"
        in (CLASS_REASONS["unique_opens_human"])
    )
    assert CLASS_REASONS["mrr"].startswith("not read from HubSpot: its commerce subscriptions")
    assert CLASS_REASONS["revenue_total"].startswith("not read from HubSpot: its deals hold")
    assert set(HubSpotConnector.metric_sources) == set(HubSpotConnector.metrics)


def test_missing_token_variable_is_bad_input_naming_it(monkeypatch, fake_time):
    monkeypatch.delenv("HUBSPOT_TOKEN", raising=False)
    with responses.RequestsMock(), pytest.raises(InputError) as caught:
        make(fake_time).check()
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert "environment variable HUBSPOT_TOKEN (named by source.token_env) is not set" in str(
        caught.value
    )


def test_check_reports_the_portal(api, fake_time):
    served(api, FakeHubSpot())
    assert make(fake_time).check() == (
        f"HubSpot portal 99887766 (timeZone Europe/Madrid, companyCurrency EUR) at {URL}"
    )
    (request,) = api.calls
    assert request.request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_check_falls_back_to_a_one_result_search(api, fake_time):
    fake = served(api, q3_account())
    fake.missing.add("/account-info/")
    assert make(fake_time).check() == f"HubSpot at {URL}: token accepted (11 contacts)"
    search = json.loads(calls(api, "/contacts/search")[0].body)
    assert search == {"properties": ["hs_object_id"], "limit": 1}


# --- metrics ------------------------------------------------------------------------------


def test_quarter_maps_every_metric_by_month_and_ignores_months_around_it(api, fake_time):
    served(api, q3_account())
    data = make(fake_time).fetch(Q3)
    assert data.monthly == Q3_EXPECTED
    assert data.connector == "hubspot"
    assert data.label == "HubSpot portal 99887766"
    assert dict(data.not_measured) == CLASS_REASONS
    prov = data.provenance
    # 1 account + 3 email + 2 flow pages + 1 batch + 12 contact totals + 3 won + 3 lost + 3 traffic
    # + 2 listings of automated emails (one per type) + 2 statistics requests filtered by
    # emailIds (July and September, the months an automated email was sent) + 2 engagement
    # totals (mailed, unengaged)
    assert prov["http"]["requests"] == 34
    assert prov["http"]["retries"] == 0
    assert prov["months_fetched"] == Q3
    assert prov["deals"] == {
        "won_without_amount": 1,
        "unreadable_amounts": 0,
        "windows_split_at_10000": 0,
    }
    assert prov["properties"]["mqls"] == "hs_lifecyclestage_marketingqualifiedlead_date"
    flows = {f["id"]: f for f in prov["workflows"]["flows"]}
    assert flows["1001"]["trigger"] == "EVENT_BASED"
    assert flows["1003"]["why"] == "list-based on behaviour: FORM_SUBMISSION"
    assert flows["1002"] == {
        "id": "1002", "name": "Internal task routing", "enabled": False, "flowType": "WORKFLOW",
        "objectTypeId": "0-3", "counted": False, "why": "disabled",
    }  # fmt: skip
    assert prov["workflows"]["as_of_month"] == "2026-09"


def test_searches_send_month_bounds_and_read_totals_only(api, fake_time):
    served(api, q3_account())
    make(fake_time).fetch(Q3)
    contact_bodies = [json.loads(r.body) for r in calls(api, "/contacts/search")]
    assert len(contact_bodies) == 14  # 12 stage totals, then mailed and unengaged
    assert all(b["limit"] == 1 for b in contact_bodies)
    assert contact_bodies[0]["filterGroups"] == [
        {
            "filters": [
                {
                    "propertyName": "createdate",
                    "operator": "BETWEEN",
                    "value": "1782864000000",  # 2026-07-01T00:00:00Z
                    "highValue": "1785542399999",  # 2026-07-31T23:59:59.999Z
                }
            ]
        }
    ]
    email = calls(api, "/emails/statistics/list")[0]
    assert FakeHubSpot._query(email) == {
        "startTimestamp": "2026-07-01T00:00:00Z",
        "endTimestamp": "2026-07-31T23:59:59.999Z",
    }
    traffic = calls(api, "/analytics/v2/")[1]
    assert FakeHubSpot._query(traffic) == {"start": "20260801", "end": "20260831"}


def test_the_unengaged_count_follows_hubspots_graymail_rule(api, fake_time):
    served(api, q3_account())
    data = make(fake_time).fetch(Q3)
    assert data.engagement == Engagement(
        platform="hubspot",
        as_of=date(2026, 11, 15),  # the fetch's now, in the config's zone (UTC)
        contacts_emailed=7,
        contacts_unengaged=4,  # 20 since an open; never engaged and 12; 16 since a click; 11
        definition=DEFINITION,
    )
    mailed, unengaged = (json.loads(r.body) for r in calls(api, "/contacts/search")[-2:])
    assert mailed["filterGroups"] == [
        {"filters": [{"propertyName": "hs_email_last_send_date", "operator": "HAS_PROPERTY"}]}
    ]
    assert len(unengaged["filterGroups"]) == 2  # ORed: 16+ since, or never and 11+
    assert data.provenance["engagement"]["contacts_unengaged"] == 4


def test_contacts_closed_to_the_token_leave_the_unengaged_count_out(api, fake_time):
    fake = served(api, q3_account())
    fake.refuse.add("/crm/v3/objects/contacts/search")
    data = make(fake_time).fetch(Q3)
    assert data.engagement is None
    assert "engagement" in data.provenance["refused"]


def test_timestamps_near_month_end_go_to_the_month_of_the_config_timezone(api, fake_time):
    fake = served(api, FakeHubSpot())
    fake.send(1, "2026-07-31T21:59:59Z", sent=10, delivered=10)  # 23:59:59 in Madrid: July
    fake.send(2, "2026-07-31T22:30:00Z", sent=1, delivered=1)  # 00:30 on 1 August in Madrid
    fake.contact("2026-06-30T22:30:00Z")  # 00:30 on 1 July in Madrid
    fake.contact("2026-07-31T22:30:00Z")  # August in Madrid
    fake.deal("2026-08-01T00:00:00Z", won=True, amount="100", source="DIRECT_TRAFFIC")
    data = make(fake_time, "Europe/Madrid", analytics=False).fetch(["2026-07", "2026-08"])
    assert {m: {k: data.monthly[m][k] for k in ("emails_sent", "leads_new", "deals_won")}
            for m in data.monthly} == {
        "2026-07": {"emails_sent": 10, "leads_new": 1, "deals_won": 0},
        "2026-08": {"emails_sent": 1, "leads_new": 1, "deals_won": 1},
    }  # fmt: skip
    assert FakeHubSpot._query(calls(api, "/emails/statistics/list")[0]) == {
        "startTimestamp": "2026-06-30T22:00:00Z",
        "endTimestamp": "2026-07-31T21:59:59.999Z",
    }


@pytest.mark.parametrize(
    ("as_date", "expected"),
    [(True, {"2026-07": 0, "2026-08": 1}), (False, {"2026-07": 1, "2026-08": 0})],
)
def test_closedate_is_a_calendar_date_unless_told(api, fake_time, as_date, expected):
    # A close date picked as 1 August is stored as 2026-08-01T00:00:00Z: 31 July in New York.
    fake = served(api, FakeHubSpot())
    fake.deal("2026-08-01T00:00:00Z", won=True, amount="100")
    connector = make(fake_time, "America/New_York", analytics=False, closedate_as_date=as_date)
    data = connector.fetch(["2026-07", "2026-08"])
    assert {m: data.monthly[m]["deals_won"] for m in data.monthly} == expected


def test_won_deals_are_paged_and_flows_too(api, fake_time):
    fake = served(api, q3_account())
    data = make(fake_time, search_page_size=2).fetch(Q3)
    assert data.monthly == Q3_EXPECTED
    won = [json.loads(r.body) for r in calls(api, "/deals/search")]
    september = [
        b
        for b in won
        if b.get("limit") == 2 and b["filterGroups"][0]["filters"][1]["value"] == "1788220800000"
    ]
    assert [b.get("after") for b in september] == [None, "2"]
    assert september[0]["sorts"] == [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    flow_pages = calls(api, "/automation/v4/flows?")
    assert [FakeHubSpot._query(r).get("after") for r in flow_pages] == [None, "2"]
    assert len(fake.flows) == 3
    assert data.provenance["http"]["requests"] == 35  # one more page of September's won deals


def test_a_month_past_the_search_cap_is_split_in_halves(api, fake_time, monkeypatch):
    fake = served(api, q3_account())
    fake.search_cap = 2
    monkeypatch.setattr(hubspot_api, "SEARCH_CAP", 2)
    data = make(fake_time, search_page_size=1).fetch(Q3)
    assert data.monthly == Q3_EXPECTED
    assert data.provenance["deals"]["windows_split_at_10000"] == 1  # September: 3 won deals


def test_pipeline_filter(api, fake_time):
    fake = served(api, FakeHubSpot())
    fake.deal("2026-07-03T00:00:00Z", won=True, amount="10", pipeline="default")
    fake.deal("2026-07-04T00:00:00Z", won=True, amount="20", pipeline="partners")
    fake.deal("2026-07-05T00:00:00Z", won=False, pipeline="partners")
    data = make(fake_time, analytics=False, pipelines=["partners"]).fetch(["2026-07"])
    assert {k: data.monthly["2026-07"][k] for k in ("deals_won", "deals_lost", "revenue_won")} == {
        "deals_won": 1,
        "deals_lost": 1,
        "revenue_won": 20,
    }


def test_request_count_does_not_grow_with_contacts(api, fake_time):
    small = q3_account()
    big = q3_account()
    for i in range(3000):
        big.contact(f"2026-07-{1 + i % 28:02d}T08:00:00Z", mql="2026-08-02T08:00:00Z")
    counts = []
    for fake, leads in ((small, 3), (big, 3003)):
        api.reset()
        served(api, fake)
        data = make(FakeTime()).fetch(Q3)
        assert data.monthly["2026-07"]["leads_new"] == leads
        counts.append(data.provenance["http"]["requests"])
    assert counts == [34, 34]


# --- workflows ----------------------------------------------------------------------------


def _flow(flow_id: str, criteria: dict | None = None, **extra: Any) -> dict[str, Any]:
    flow = {
        "id": flow_id,
        "name": f"flow {flow_id}",
        "isEnabled": True,
        "flowType": "WORKFLOW",
        "objectTypeId": "0-1",
        "revisionId": "1",
        "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
    }
    if criteria is not None:
        flow["enrollmentCriteria"] = criteria
    flow.update(extra)
    return flow


def _list_based(*filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "LIST_BASED",
        "shouldReEnroll": False,
        "unEnrollObjectsNotMeetingCriteria": False,
        "reEnrollmentTriggersFilterBranches": [],
        "listFilterBranch": {
            "filterBranchType": "OR",
            "filterBranchOperator": "OR",
            "filters": [],
            "filterBranches": [
                {"filterBranchType": "AND", "filterBranchOperator": "AND", "filterBranches": [],
                 "filters": list(filters)}
            ],
        },
    }  # fmt: skip


def _property(name: str) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": name,
        "operation": {"operationType": "NUMBER", "operator": "IS_GREATER_THAN", "value": 50,
                      "includeObjectsWithNoValueSet": False},
    }  # fmt: skip


def classification_account() -> FakeHubSpot:
    fake = FakeHubSpot()
    fake.flow_page_size = 4
    fake.flows = [
        _flow("1", {"type": "EVENT_BASED", "shouldReEnroll": True, "eventFilterBranches": [],
                    "listMembershipFilterBranches": []}),
        _flow("2", _list_based({"filterType": "PAGE_VIEW", "operator": "HAS_PAGEVIEW_EQ",
                                "pageUrl": "https://example.test/pricing"})),
        _flow("3", _list_based(_property("lifecyclestage"))),
        _flow("4", _list_based(_property("hubspotscore"))),
        _flow("5", {"type": "MANUAL", "shouldReEnroll": False}),
        _flow("6", _list_based(_property("renewal_date")),
              enrollmentSchedule={"type": "DAILY", "timeOfDay": {"hour": 9, "minute": 0}}),
        _flow("7", {"type": "MANUAL", "shouldReEnroll": False},
              eventAnchor={"type": "CONTACT_PROPERTY_ANCHOR", "contactProperty": "event_date"}),
        _flow("8", {"type": "EVENT_BASED"}, isEnabled=False),
        _flow("9", {"type": "EVENT_BASED"}, flowType="ACTION_SET"),
        _flow("10", {"type": "EVENT_BASED"}, createdAt="2026-10-05T00:00:00Z"),
        _flow("11", None),
    ]  # fmt: skip
    return fake


def test_workflows_count_enabled_flows_and_classify_their_triggers(api, fake_time):
    served(api, classification_account())
    data = make(fake_time, analytics=False).fetch(Q3)
    assert data.monthly["2026-09"]["workflows_active"] == 8
    assert data.monthly["2026-09"]["workflows_behavioral"] == 3
    assert "workflows_active" not in data.monthly.get("2026-08", {})
    rows = {f["id"]: f for f in data.provenance["workflows"]["flows"]}
    assert {i: (r["counted"], r.get("trigger"), r.get("behavioral")) for i, r in rows.items()} == {
        "1": (True, "EVENT_BASED", True),
        "2": (True, "LIST_BASED", True),
        "3": (True, "LIST_BASED", False),
        "4": (True, "LIST_BASED", True),
        "5": (True, "MANUAL", False),
        "6": (True, "SCHEDULED_DAILY", False),
        "7": (True, "DATE_ANCHORED", False),
        "8": (False, None, None),
        "9": (False, None, None),
        "10": (False, None, None),
        "11": (True, "UNKNOWN", False),
    }
    assert rows["4"]["why"] == "list-based on behaviour: score property hubspotscore"
    assert rows["10"]["why"] == "created after the month"
    assert len(calls(api, "/automation/v4/flows?")) == 3  # 11 flows, 4 a page
    (batch,) = calls(api, "/flows/batch/read")
    assert [i["flowId"] for i in json.loads(batch.body)["inputs"]] == [
        "1", "2", "3", "4", "5", "6", "7", "11",
    ]  # fmt: skip


def test_flows_are_read_one_by_one_where_there_is_no_batch_endpoint(api, fake_time):
    fake = served(api, classification_account())
    fake.missing.add("/automation/v4/flows/batch")
    data = make(fake_time, analytics=False).fetch(["2026-09"])
    assert data.monthly["2026-09"]["workflows_behavioral"] == 3
    assert len(calls(api, "/automation/v4/flows/")) == 1 + 8  # the batch 404, then 8 GETs


def test_documented_trigger_shapes():
    flows = {f["id"]: f for f in fixture("flows_batch_read.json")["results"]}
    assert classify_trigger(flows["1001"]) == ("EVENT_BASED", True, "enrolls when an event happens")
    assert classify_trigger(flows["1003"]) == (
        "LIST_BASED", True, "list-based on behaviour: FORM_SUBMISSION",
    )  # fmt: skip
    assert classify_trigger(None) == ("UNKNOWN", False, "the flow's details could not be read")


def test_documented_payloads_one_month(api, fake_time):
    """The fixtures themselves, served in order, as a reader of HubSpot's docs would."""
    api.get(f"{URL}/account-info/v3/details", json=fixture("account_details.json"))
    api.get(
        f"{URL}/marketing/v3/emails",
        json=fixture("marketing_emails_automated.json"),
        match=[responses.matchers.query_param_matcher({"type": "AUTOMATED_EMAIL", "limit": "100"})],
    )
    api.get(
        f"{URL}/marketing/v3/emails",
        json={"total": 0, "results": []},
        match=[
            responses.matchers.query_param_matcher({"type": "AUTOMATED_AB_EMAIL", "limit": "100"})
        ],
    )
    api.get(
        f"{URL}/marketing/v3/emails/statistics/list",
        json=fixture("email_statistics_list.json"),
        match=[lambda request: ("emailIds" not in request.url, "every email")],
    )
    # only the automated email sent in the month (102; 250 was not) is asked about
    api.get(
        f"{URL}/marketing/v3/emails/statistics/list",
        json=fixture("email_statistics_list_automated.json"),
        match=[responses.matchers.query_param_matcher({"emailIds": "102"}, strict_match=False)],
    )
    api.get(f"{URL}/automation/v4/flows", json=fixture("flows_page_1.json"))
    api.get(f"{URL}/automation/v4/flows", json=fixture("flows_page_2.json"))
    api.post(f"{URL}/automation/v4/flows/batch/read", json=fixture("flows_batch_read.json"))
    for _ in range(4):
        api.post(
            f"{URL}/crm/v3/objects/contacts/search", json=fixture("contacts_search_total.json")
        )
    second = {
        "total": 3,
        "results": [
            {"id": "9003", "properties": {"amount": "1000", "hs_analytics_source": "SOCIAL_MEDIA"}}
        ],
    }
    api.post(f"{URL}/crm/v3/objects/deals/search", json=fixture("deals_search_won_page.json"))
    api.post(f"{URL}/crm/v3/objects/deals/search", json=second)
    api.post(f"{URL}/crm/v3/objects/deals/search", json={"total": 4, "results": []})
    api.get(
        f"{URL}/analytics/v2/reports/sources/total", json=fixture("analytics_sources_total.json")
    )
    data = make(fake_time).fetch(["2026-07"])
    assert data.monthly == {
        "2026-07": {
            "emails_sent": 1200, "emails_delivered": 1180, "unique_opens": 413, "unique_clicks": 61,
            "unsubscribes": 7, "bounces": 20, "spam_complaints": 1, "campaigns_sent": 3,
            "emails_automated": 319, "contacts_lost": 9,
            "workflows_active": 2, "workflows_behavioral": 2,
            "leads_new": 342, "mqls": 342, "sqls": 342, "customers_new": 342,
            "deals_won": 3, "deals_lost": 4, "revenue_won": 17500.5, "deals_won_with_source": 2,
            "revenue_attributed": 13500,
            "website_sessions": 4200, "website_visitors": 3100, "email_sessions": 420,
            "conversions": 63,
        }
    }  # fmt: skip
    assert FakeHubSpot._query(calls(api, "/automation/v4/flows?")[1]) == {
        "limit": "100",
        "after": "MTAwMg==",
    }
    assert json.loads(calls(api, "/deals/search")[1].body)["after"] == "2"


# --- empty and refused --------------------------------------------------------------------


def test_an_empty_account_leaves_metrics_undefined_not_zero(api, fake_time):
    served(api, FakeHubSpot())
    data = make(fake_time).fetch(Q3)
    # the flow list answered and is empty: a stock of 0 workflows is measured
    assert data.monthly == {"2026-09": {"workflows_active": 0, "workflows_behavioral": 0}}
    reasons = data.not_measured
    assert reasons["emails_sent"] == (
        "HubSpot reports no marketing email sent from 2026-07 to 2026-09: email metrics are "
        "undefined, not 0"
    )
    assert reasons["deals_won"] == (
        "no HubSpot deal closed (won or lost) from 2026-07 to 2026-09: deal metrics are "
        "undefined, not 0"
    )
    assert reasons["mqls"] == (
        "no HubSpot contact has 'hs_lifecyclestage_marketingqualifiedlead_date' in 2026-07 to "
        "2026-09 (the stage is unused or the property empty): undefined, not 0"
    )
    assert reasons["website_sessions"].startswith("HubSpot analytics recorded no website session")
    assert set(reasons) == set(BASE_BY_ID) - {"workflows_active", "workflows_behavioral"}


def test_a_quiet_month_is_zero_when_the_account_sends_email(api, fake_time):
    fake = served(api, FakeHubSpot())
    fake.send(5, "2026-09-10T10:00:00Z", sent=40, delivered=40, open=10)
    data = make(fake_time, analytics=False).fetch(Q3)
    assert {m: data.monthly[m]["emails_sent"] for m in Q3} == {
        "2026-07": 0,
        "2026-08": 0,
        "2026-09": 40,
    }
    assert "emails_sent" not in data.not_measured


def test_no_marketing_email_access_is_not_measured_with_the_scope(api, fake_time):
    fake = served(api, q3_account())
    fake.refuse.add("/marketing/")
    data = make(fake_time).fetch(Q3)
    expected = {
        m: {k: v for k, v in values.items() if k not in hubspot_api.EMAIL_METRICS}
        for m, values in Q3_EXPECTED.items()
    }
    assert data.monthly == expected
    assert data.not_measured["unique_opens"] == (
        "HubSpot refused the email data (HTTP 403): the private app lacks the 'content' or "
        "'marketing.email.read' scope or the portal lacks the product; not measured"
    )
    assert "HUBSPOT_TOKEN" in data.provenance["refused"]["email"]
    assert TOKEN not in json.dumps(data.provenance)


def test_a_token_that_opens_nothing_fails(api, fake_time):
    fake = served(api, q3_account())
    fake.refuse.update({"/marketing/", "/automation/", "/crm/", "/analytics/"})
    with pytest.raises(SourceAuthError) as caught:
        make(fake_time).fetch(Q3)
    assert caught.value.exit_code == EXIT_SOURCE
    assert "HTTP 403 on GET /marketing/v3/emails" in str(caught.value)


def test_expired_token_exits_3_naming_the_variable_never_the_token(api, fake_time):
    fake = served(api, q3_account())
    fake.token = "pat-na1-ffffffff-other"
    for call in (make(fake_time).check, lambda: make(fake_time).fetch(Q3)):
        with pytest.raises(SourceAuthError) as caught:
            call()
        message = str(caught.value)
        assert caught.value.exit_code == EXIT_SOURCE
        assert "HubSpot refused the credential in HUBSPOT_TOKEN (HTTP 401" in message
        assert "expired 2 day(s) ago" in message
        assert TOKEN not in message
    assert len(api.calls) == 2  # a 401 is not retried, and ends the fetch at once


# --- retries, throttling, malformed answers ------------------------------------------------


def test_429_with_retry_after_then_success(api, fake_time):
    fake = served(api, q3_account())
    fake.failures["POST /crm/v3/objects/contacts/search"].append(
        (429, {"Retry-After": "2"}, fixture("error_429_ten_secondly.json"))
    )
    data = make(fake_time).fetch(Q3)
    assert data.monthly == Q3_EXPECTED
    assert 2.0 in fake_time.slept
    assert data.provenance["http"]["retries"] == 1
    assert data.provenance["http"]["by_status"]["429"] == 1
    assert data.provenance["http"]["requests"] == 35


def test_500_then_success(api, fake_time):
    fake = served(api, q3_account())
    fake.failures["GET /marketing/v3/emails/statistics/list"].append(
        (500, {}, {"status": "error", "message": "internal error"})
    )
    data = make(fake_time).fetch(Q3)
    assert data.monthly == Q3_EXPECTED
    assert data.provenance["http"]["by_status"]["500"] == 1
    assert 0.5 in fake_time.slept  # backoff 1 s x jitter 0.5


def test_timeout_then_success(api, fake_time):
    fake = served(api, q3_account())
    fake.failures["GET /analytics/v2/reports/sources/total"].append(
        requests.exceptions.ReadTimeout("read timed out")
    )
    data = make(fake_time).fetch(Q3)
    assert data.monthly == Q3_EXPECTED
    assert data.provenance["http"]["by_status"]["timeout"] == 1
    assert data.provenance["http"]["retries"] == 1


def test_daily_quota_fails_fast_with_when_to_retry(api, fake_time):
    fake = served(api, q3_account())
    body = {**fixture("error_429_ten_secondly.json"), "policyName": "DAILY"}
    body["message"] = "You have reached your daily limit."
    fake.failures["GET /account-info/v3/details"].append(
        (429, {"Date": "Sun, 15 Nov 2026 22:00:00 GMT"}, body)
    )
    with pytest.raises(SourceQuotaError) as caught:
        make(fake_time).check()
    assert caught.value.exit_code == EXIT_SOURCE
    assert caught.value.wait_seconds == 7200
    assert fake_time.slept == []


def test_rate_limit_signals():
    def response(status: int, headers: dict[str, str], body: Any = None) -> requests.Response:
        out = requests.Response()
        out.status_code = status
        out.headers.update(headers)
        out._content = json.dumps(body or {}).encode()
        return out

    ten = fixture("error_429_ten_secondly.json")
    assert hubspot_wait(response(429, {}, ten)) == 10.0
    assert hubspot_wait(response(429, {"Retry-After": "3"}, ten)) is None
    assert hubspot_wait(response(429, {}, {**ten, "policyName": "SECONDLY"})) == 1.0
    assert (
        hubspot_wait(response(429, {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}, {}))
        == 10.0
    )
    assert hubspot_wait(response(200, {"X-HubSpot-RateLimit-Remaining": "5"})) is None
    assert (
        hubspot_wait(
            response(
                200,
                {
                    "X-HubSpot-RateLimit-Remaining": "0",
                    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                },
            )
        )
        == 10.0
    )


def test_a_body_that_is_not_json_is_a_source_error(api, fake_time):
    fake = served(api, q3_account())
    fake.failures["GET /marketing/v3/emails/statistics/list"].append(
        (200, {"Content-Type": "text/html"}, "<html>maintenance</html>")
    )
    with pytest.raises(SourceResponseError) as caught:
        make(fake_time).fetch(Q3)
    assert caught.value.exit_code == EXIT_SOURCE
    assert "did not answer JSON" in str(caught.value)


@pytest.mark.parametrize(
    ("route", "body", "said"),
    [
        ("POST /crm/v3/objects/contacts/search", {"results": []}, "no numeric 'total'"),
        ("GET /marketing/v3/emails/statistics/list", {"emails": []}, "no 'aggregate' object"),
        ("GET /marketing/v3/emails/statistics/list", [1, 2], "no 'aggregate' object"),
        (
            "GET /analytics/v2/reports/sources/total",
            {"breakdowns": "x"},
            "'breakdowns' is not a list",
        ),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_source_error(api, fake_time, route, body, said):
    fake = served(api, q3_account())
    fake.failures[route].append((200, {}, body))
    with pytest.raises(SourceResponseError, match=re.escape(said)) as caught:
        make(fake_time).fetch(Q3)
    assert caught.value.exit_code == EXIT_SOURCE


def test_months_not_started_are_not_asked(api, token):
    served(api, q3_account())
    early = FakeTime()
    early.now = 100.0 - (NOW - datetime(2026, 8, 10, tzinfo=UTC).timestamp())
    data = make(early).fetch(Q3)
    assert sorted(data.monthly) == ["2026-07", "2026-08"]
    assert data.provenance["months_not_started"] == ["2026-09"]
    assert data.monthly["2026-08"]["workflows_active"] == 2


# --- options ------------------------------------------------------------------------------


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "hubspot", f"{__name__}:FakeClockHubSpot")


def _config(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "audit.yaml"
    path.write_text(
        "client: Aceros HubSpot\nperiod: 2026-Q3\nlanguage: en\ntimezone: UTC\n"
        f"source:\n  connector: hubspot\n{source}"
        "costs: {currency: EUR, platform: 3000, staff: 6000, services: 1000, media: 2000, "
        "sales: 4000, overhead: 1000}\nfinance: {gross_margin: 0.5}\n",
        encoding="utf-8",
    )
    return path


def test_options_are_validated_with_file_and_line(registered, tmp_path):
    path = _config(tmp_path, "  base_url: http://hubspot.test\n  mql_date_property: 'MQL date'\n")
    with pytest.raises(InputError) as caught:
        load_config(path)
    (problem,) = [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]
    assert problem.startswith("audit.yaml:8:22: source.mql_date_property: ")
    assert "internal name" in problem


# --- end to end ---------------------------------------------------------------------------


class FakeClockHubSpot(HubSpotConnector):
    """The connector as the runner builds it, with time injected so nothing waits."""

    clock: ClassVar[FakeTime] = FakeTime()

    def __init__(self, options: Any, config_dir: Path, timezone: str = "UTC") -> None:
        t = FakeClockHubSpot.clock
        super().__init__(
            options, config_dir, timezone, sleep=t.sleep, clock=t.clock, wall_clock=t.wall
        )


def test_audit_end_to_end_through_the_runner(api, registered, tmp_path):
    from auditor.pipeline.runner import audit

    FakeClockHubSpot.clock = FakeTime()
    fake = served(api, q3_account())
    fake.flow_page_size = 100  # HubSpot's page: 3 flows, one page
    result = audit(load_config(_config(tmp_path, f"  base_url: {URL}\n")))
    metrics = result.metrics
    assert metrics.value("emails_sent") == 1500
    assert metrics.value("open_rate") == pytest.approx(470 / 1473)
    assert metrics.value("close_rate") == pytest.approx(5 / 8)
    assert metrics.value("average_deal_size") == pytest.approx(26000.5 / 5)
    assert metrics.value("mql_rate") == pytest.approx(4 / 9)
    assert metrics.value("closed_loop_coverage") == pytest.approx(3 / 5)
    assert metrics.value("email_traffic_share") == pytest.approx(70 / 310)
    assert metrics.value("behavioral_workflow_share") == 1.0
    assert metrics.value("revenue_total") is None
    assert result.source["connector"] == "hubspot"
    assert result.source["months"] == ["2025-03", "2026-09"]
    # 19 months: 1 + 19 email + 1 + 1 flows + 76 contact totals + 19 won + 19 lost + 19 traffic
    # + 2 engagement totals
    assert result.source["provenance"]["http"]["requests"] == 161
    assert TOKEN not in json.dumps(result.source)


def test_connectors_test_command_exit_3_on_a_refused_token(api, registered, tmp_path):
    from auditor.cli.main import main

    fake = served(api, FakeHubSpot())
    fake.token = "pat-na1-ffffffff-other"
    path = _config(tmp_path, f"  base_url: {URL}\n")
    result = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert result.exit_code == EXIT_SOURCE
    assert "HUBSPOT_TOKEN" in result.stderr
    assert TOKEN not in result.output + result.stderr
    fake.token = TOKEN
    ok = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert ok.exit_code == 0
    assert "HubSpot portal 99887766" in ok.output
    assert (
        "the check made 1 request(s); an audit of 2026-Q3 asks the source for 19 of the 19 "
        in ok.output
    )


def test_fixtures_are_valid_json():
    names = sorted(p.name for p in FIXTURES.glob("*.json"))
    assert len(names) == 13
    for name in names:
        fixture(name)


def test_the_connector_page_documents_every_option_and_metric():
    page = (ROOT / "docs" / "connectors" / "hubspot.md").read_text(encoding="utf-8")
    for option in HubSpotOptions.model_fields:
        assert f"`{option}`" in page, option
    for metric in BASE_BY_ID:
        assert f"`{metric}`" in page, metric


# --- lead-level data (opt-in `leads`) ----------------------------------------------------


def lead_searches(api: responses.RequestsMock) -> list[dict[str, Any]]:
    """The bodies of the lead searches (the stage totals ask for one result, unsorted)."""
    bodies = [json.loads(r.body) for r in calls(api, "/contacts/search")]
    return [b for b in bodies if b.get("sorts")]


def leads_account() -> FakeHubSpot:
    fake = FakeHubSpot()
    mql, customer = "2026-09-26T10:00:00Z", "2026-09-27T10:00:00Z"
    fake.contact("2026-09-25T10:00:00Z", score="90", mql=mql, customer=customer)
    # the window is the 12 months ending with the last fetched one: 2025-10 to 2026-09
    fake.contact("2025-09-30T21:00:00Z", score="99")  # 23:00 on 30 September in Madrid: out
    fake.contact("2025-09-30T23:00:00Z", score="42", mql="2026-07-02T10:00:00Z")  # 1 October
    fake.contact("2026-07-10T10:00:00Z", score="")  # no score: skipped
    fake.contact("2026-07-11T10:00:00Z", score="n/a")  # unreadable: skipped
    fake.contact("2026-08-01T09:00:00Z", score="7.5", customer="2026-08-20T10:00:00Z")
    fake.contact("2026-09-16T09:59:59Z", score="3")  # 60 days and 1 s before NOW: known
    fake.contact("2026-09-20T10:00:00Z", score="0")  # 56 days old and no customer: unknown
    fake.contact("2026-09-30T22:30:00Z", score="5")  # October 1st in Madrid: out
    return fake


LEADS_EXPECTED = (
    Lead("3", date(2025, 10, 1), 42.0, mql=True, customer=False),
    Lead("6", date(2026, 8, 1), 7.5, mql=False, customer=True),
    Lead("7", date(2026, 9, 16), 3.0, mql=False, customer=False),
    Lead("8", date(2026, 9, 20), 0.0, mql=False, customer=None),
    Lead("1", date(2026, 9, 25), 90.0, mql=True, customer=True),
)


def test_leads_are_fetched_and_mapped_in_the_config_timezone(api, fake_time):
    served(api, leads_account())
    data = make(fake_time, "Europe/Madrid", leads=True, analytics=False).fetch(Q3)
    assert data.leads == LEADS_EXPECTED
    [body] = lead_searches(api)
    assert body["sorts"] == [{"propertyName": "createdate", "direction": "ASCENDING"}]
    assert body["properties"] == [
        "createdate",
        "hubspotscore",
        "hs_lifecyclestage_marketingqualifiedlead_date",
        "hs_lifecyclestage_customer_date",
    ]
    assert body["limit"] == 200
    [window] = body["filterGroups"][0]["filters"]
    assert window["propertyName"] == "createdate"
    assert window["value"] == str(to_epoch_ms(datetime(2025, 9, 30, 22, tzinfo=UTC)))
    assert window["highValue"] == str(to_epoch_ms(datetime(2026, 9, 30, 22, tzinfo=UTC)) - 1)
    notes = data.provenance["leads"]
    assert notes["contacts_read"] == 7
    assert notes["leads"] == 5
    assert notes["skipped_without_score"] == 1
    assert notes["skipped_unreadable_score"] == 1
    assert notes["customer_unknown_too_recent"] == 1
    assert notes["truncated"] is False
    assert notes["properties"]["score"] == "hubspotscore"


def test_leads_cover_the_twelve_months_up_to_the_last_fetched_and_a_chosen_score(api, fake_time):
    fake = served(api, FakeHubSpot())
    fake.contact("2025-09-30T10:00:00Z", score="1")
    fake.contact("2025-10-01T10:00:00Z", score="2")
    fake.contacts[1]["hs_v2_score"] = "55"
    months = [f"2025-{m:02d}" for m in range(8, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]
    data = make(fake_time, leads=True, analytics=False, lead_score_property="hs_v2_score").fetch(
        months
    )
    [body] = lead_searches(api)
    assert body["filterGroups"][0]["filters"][0]["value"] == str(
        to_epoch_ms(datetime(2025, 10, 1, tzinfo=UTC))
    )
    assert "hs_v2_score" in body["properties"]
    assert data.leads == (Lead("2", date(2025, 10, 1), 55.0, mql=False, customer=False),)
    assert data.provenance["leads"]["months"].startswith("2025-10 to 2026-09")


def test_leads_are_paged_with_after(api, fake_time):
    served(api, leads_account())
    data = make(fake_time, "Europe/Madrid", leads=True, analytics=False, search_page_size=2).fetch(
        Q3
    )
    assert data.leads == LEADS_EXPECTED
    assert [b.get("after") for b in lead_searches(api)] == [None, "2", "4", "6"]


def test_max_leads_truncates_the_sample_and_says_so(api, fake_time):
    served(api, leads_account())
    data = make(
        fake_time, "Europe/Madrid", leads=True, analytics=False, search_page_size=2, max_leads=4
    ).fetch(Q3)
    assert [lead.lead_id for lead in data.leads] == [
        "3",
        "6",
    ]  # the oldest 4 contacts read (2 unscored)
    assert [b.get("after") for b in lead_searches(api)] == [None, "2"]
    notes = data.provenance["leads"]
    assert notes["contacts_read"] == 4
    assert notes["truncated"] is True
    assert "max_leads (4)" in notes["truncated_note"]


def test_a_lead_window_past_the_search_cap_is_split_in_halves(api, fake_time, monkeypatch):
    fake = served(api, leads_account())
    fake.search_cap = 2
    monkeypatch.setattr(hubspot_api, "SEARCH_CAP", 2)
    data = make(fake_time, "Europe/Madrid", leads=True, analytics=False, search_page_size=1).fetch(
        Q3
    )
    assert data.leads == LEADS_EXPECTED
    assert data.provenance["leads"]["windows_split_at_10000"] >= 2
    assert data.provenance["leads"]["truncated"] is False
    api.reset()
    served(api, fake)
    cut = make(
        FakeTime(), "Europe/Madrid", leads=True, analytics=False, search_page_size=1, max_leads=5
    ).fetch(Q3)
    assert cut.leads == LEADS_EXPECTED[:3]  # 5 contacts read, 2 unscored
    assert cut.provenance["leads"]["truncated"] is True


def test_without_the_option_no_contact_is_paged(api, fake_time):
    fake = q3_account()
    fake.contacts[1]["hubspotscore"] = "10"
    served(api, fake)
    data = make(fake_time).fetch(Q3)
    assert data.leads == ()
    assert lead_searches(api) == []
    assert all(json.loads(r.body)["limit"] == 1 for r in calls(api, "/contacts/search"))
    assert "leads" not in data.provenance
    assert data.provenance["http"]["requests"] == 34
    assert data.monthly == Q3_EXPECTED
