"""The ActiveCampaign connector against `responses` (never the network) and a fake clock.

The payloads in tests/fixtures/http/activecampaign/ are shaped like the API v3
documentation's: every number a JSON string, deal values in cents, `meta.total`
as a string.  The account is audited in Europe/Madrid, so a campaign sent at
18:30 in Chicago on 31 July (23:30 UTC) is August's, and one sent at 17:30 on
30 June is July's.  Every test asserts the resulting metrics exactly.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import responses
from responses import matchers

from auditor.config.loader import load_config
from auditor.connectors import registry
from auditor.connectors.activecampaign import ActiveCampaignConnector, ActiveCampaignOptions
from auditor.connectors.activecampaign.api import DEAL_METRICS, EMAIL_METRICS
from auditor.connectors.base import contract_problems
from auditor.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_SOURCE,
    InputError,
    SourceAuthError,
    SourcePaginationError,
    SourceResponseError,
    SourceUnavailableError,
)
from auditor.core.models import CampaignSend
from auditor.metrics.catalog import BASE_BY_ID
from tests import helpers
from tests.helpers import CONFIG, TESTS

FIXTURES = TESTS / "fixtures" / "http" / "activecampaign"
URL = "http://activecampaign.test"
API = f"{URL}/api/3"
TOKEN = "ac-FAKE-0f1e2d3c4b5a69788796a5b4c3d2e1f0-not-real"
VARIABLE = "ACTIVECAMPAIGN_API_TOKEN"
TZ = "Europe/Madrid"
Q3 = ["2026-07", "2026-08", "2026-09"]
PACE = 0.25  # 4 requests per second, spaced evenly (under the documented 5/s)
WALL = 1_800_000_000.0

CAMPAIGN_PAGES = {0: "campaigns_page1.json", 3: "campaigns_page2.json", 6: "campaigns_page3.json"}
CONTACTS = {"2026-07": "120", "2026-08": "95", "2026-09": "143"}
NEXT = {"2026-07": "2026-08", "2026-08": "2026-09", "2026-09": "2026-10"}
DEAL_DATES = {"filters[updated_after]": "2026-06-29", "filters[updated_before]": "2026-10-02"}

EMAIL = {
    "2026-07": {  # campaigns 26 and 25 (30 June 17:30 in Chicago = 1 July 00:30 in Madrid)
        "emails_sent": 1800.0,
        "emails_delivered": 1786.0,
        "campaigns_sent": 2.0,
        "unique_opens": 500.0,
        "unique_clicks": 70.0,
        "unsubscribes": 5.0,
        "bounces": 14.0,
    },
    "2026-08": {  # campaign 27 (31 July 18:30 in Chicago = 1 August 01:30 in Madrid)
        "emails_sent": 1500.0,
        "emails_delivered": 1482.0,
        "campaigns_sent": 1.0,
        "unique_opens": 600.0,
        "unique_clicks": 95.0,
        "unsubscribes": 9.0,
        "bounces": 18.0,
    },
    "2026-09": {  # campaign 29
        "emails_sent": 2000.0,
        "emails_delivered": 1980.0,
        "campaigns_sent": 1.0,
        "unique_opens": 500.0,
        "unique_clicks": 80.0,
        "unsubscribes": 6.0,
        "bounces": 20.0,
    },
}
DEALS = {
    "2026-07": {"deals_won": 1.0, "deals_lost": 1.0, "revenue_won": 12500.0},
    "2026-08": {"deals_won": 0.0, "deals_lost": 2.0, "revenue_won": 0.0},
    # deal 102 closed 31 Aug 17:30 in Chicago = 1 Sep 00:30 in Madrid; 999.99 + 5000.50
    "2026-09": {"deals_won": 2.0, "deals_lost": 0.0, "revenue_won": 6000.49},
}
EXPECTED = {
    m: {**EMAIL[m], **DEALS[m], "leads_new": float(CONTACTS[m])}
    | ({"workflows_active": 2.0} if m == "2026-09" else {})
    for m in Q3
}


class FakeTime(helpers.FakeTime):
    """The shared fake clocks; the wall clock starts 100 s after WALL."""

    def __init__(self) -> None:
        super().__init__(WALL + 100.0)

    def waits(self) -> list[float]:
        """The sleeps that were not the 5-per-second pacing: retries' waits."""
        return [s for s in self.slept if s != PACE]


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv(VARIABLE, TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def query(params: dict[str, str]) -> list[Any]:
    return [matchers.query_param_matcher(params)]


def campaigns_query(offset: int) -> dict[str, str]:
    return {"orders[sdate]": "DESC", "limit": "100", "offset": str(offset)}


def midnight(month: str, tz: str = TZ) -> str:
    """The month's first midnight in the audit zone with its offset: Madrid is CET +01:00
    and CEST +02:00 (summer time runs from the last Sunday of March to the last of
    October, so every first of April to October is +02:00)."""
    if tz == "UTC":
        return f"{month}-01T00:00:00+00:00"
    offset = "+02:00" if 4 <= int(month[5:]) <= 10 else "+01:00"
    return f"{month}-01T00:00:00{offset}"


def contacts_query(month: str, tz: str = TZ) -> dict[str, str]:
    return {
        "filters[created_after]": midnight(month, tz),
        "filters[created_before]": midnight(NEXT[month], tz),
        "limit": "1",
    }


def deals_query(status: str, offset: int) -> dict[str, str]:
    return {
        "filters[status]": status,
        **DEAL_DATES,
        "orders[cdate]": "ASC",
        "offset": str(offset),
        "limit": "100",
    }


AUTOMATIONS_QUERY = {"offset": "0", "limit": "100"}


def contacts_page(total: str) -> dict[str, Any]:
    page = load("contacts_count.json")
    page["meta"]["total"] = total
    return page


def register_account(
    api: responses.RequestsMock,
    *,
    campaign_pages: dict[int, Any] | None = None,
    automations: Any = None,
    contacts: dict[str, str] | None = None,
    deals: bool = True,
) -> None:
    """The happy-path account, page by page, with query matchers (first registered, first served)."""
    pages = campaign_pages if campaign_pages is not None else CAMPAIGN_PAGES
    for offset, page in pages.items():
        body = load(page) if isinstance(page, str) else page
        api.get(f"{API}/campaigns", json=body, match=query(campaigns_query(offset)))
    api.get(
        f"{API}/automations",
        json=automations if automations is not None else load("automations.json"),
        match=query(AUTOMATIONS_QUERY),
    )
    for month, total in (CONTACTS if contacts is None else contacts).items():
        api.get(f"{API}/contacts", json=contacts_page(total), match=query(contacts_query(month)))
    if deals:
        api.get(f"{API}/deals", json=load("deals_won_page1.json"), match=query(deals_query("1", 0)))
        api.get(f"{API}/deals", json=load("deals_won_page2.json"), match=query(deals_query("1", 3)))
        api.get(f"{API}/deals", json=load("deals_lost.json"), match=query(deals_query("2", 0)))


def make(fake: FakeTime, tz: str = TZ, **options: Any) -> ActiveCampaignConnector:
    options.setdefault("account_url", URL)
    return ActiveCampaignConnector(
        ActiveCampaignOptions(**options),
        Path("."),
        tz,
        sleep=fake.sleep,
        clock=fake.clock,
        wall_clock=fake.wall,
        random=lambda: 0.5,
    )


HAPPY_REQUESTS = 3 + 1 + 3 + 3  # campaign pages, automations, contact counts, deal pages


# --- the contract -------------------------------------------------------------------------


def test_declares_every_base_metric_exactly_once():
    assert contract_problems(ActiveCampaignConnector, "activecampaign") == []
    cls = ActiveCampaignConnector
    assert set(cls.metrics) | set(cls.not_measured) == set(BASE_BY_ID)
    assert set(cls.metric_sources) == set(cls.metrics)
    assert "workflows_behavioral" in cls.not_measured
    assert "spam_complaints" in cls.not_measured
    assert "customers_new" in cls.not_measured


def test_no_metric_is_declared_as_not_read_yet():
    reasons = ActiveCampaignConnector.not_measured
    assert not [m for m, why in reasons.items() if "does not read it yet" in why]
    assert "campaign_report_totals accepts a date range" in reasons["emails_automated"]
    assert "no figure that leaves out mail privacy proxies" in reasons["unique_opens_human"]
    assert "never by the date they left" in reasons["contacts_lost"]


def test_definition_differences_are_declared_for_one_off_sends_and_mdate_dating():
    differences = ActiveCampaignConnector.definition_differences
    assert differences["emails_sent"].startswith("one-off campaigns only")
    assert "dated by the deal's last change (mdate)" in differences["deals_won"]
    assert set(differences) <= set(ActiveCampaignConnector.metrics)


def test_unique_clicks_count_contacts_not_contact_link_pairs(api, fake):
    """The API reference's campaign example: uniquelinkclicks 4, subscriberclicks 1 (one
    contact clicked four links).  unique_clicks is the contact-based one."""
    campaign = {
        **load("campaigns_page1.json")["campaigns"][1],
        "id": "900",
        "sdate": "2026-08-10T10:00:00-05:00",
        "send_amt": "10",
        "uniqueopens": "3",
        "uniquelinkclicks": "4",
        "subscriberclicks": "1",
        "hardbounces": "0",
        "softbounces": "0",
        "unsubscribes": "0",
    }
    pages = {0: {"campaigns": [campaign], "meta": {"total": "1"}}}
    register_account(api, campaign_pages=pages, deals=False)
    api.get(f"{API}/deals", json={"deals": [], "meta": {"total": "0"}})
    data = make(fake).fetch(Q3)
    assert data.monthly["2026-08"]["unique_clicks"] == 1.0
    assert data.provenance["metric_sources"]["unique_clicks"].endswith("subscriberclicks")


# --- the happy path -------------------------------------------------------------------------


def test_fetch_maps_campaigns_automations_contacts_and_deals_by_month(api, fake):
    register_account(api)
    data = make(fake).fetch(Q3)

    assert data.monthly == EXPECTED
    assert data.connector == "activecampaign"
    assert data.label == f"ActiveCampaign at {URL}"
    assert dict(data.not_measured) == dict(ActiveCampaignConnector.not_measured)

    calls = [c.request for c in api.calls]
    assert len(calls) == HAPPY_REQUESTS  # page 4 of the campaigns is never asked for
    assert all(c.headers["Api-Token"] == TOKEN for c in calls)
    assert all(c.headers["Accept"] == "application/json" for c in calls)
    assert calls[0].params == campaigns_query(0)
    assert [c.params for c in calls if c.path_url.startswith("/api/3/contacts")] == [
        contacts_query(m) for m in Q3
    ]

    prov = data.provenance
    assert prov["window"] == ["2026-06-30T22:00:00Z", "2026-09-30T22:00:00Z"]
    assert prov["timezone"] == TZ
    assert prov["campaigns"] == {
        "read": 9,
        "counted": 4,
        "automated_excluded": 1,  # the welcome-series email: lifetime totals
        "not_sent": 2,  # a draft and a scheduled campaign
        "outside_window": 2,  # 2 October and 30 June (in Madrid)
        "newest_first": True,
        "stopped_at_window_start": True,
    }
    assert prov["deals"] == {
        "read": 9,
        "won": 3,
        "lost": 3,
        "open": 0,
        "outside_window": 2,  # 30 June in Madrid, 1 October in Madrid
        "hidden_by_permissions": 1,
        "query_dates": ["2026-06-29", "2026-10-02"],
        "date_field": "mdate",
        "currencies": ["usd"],
    }
    assert prov["automations"]["read"] == 4
    assert prov["automations"]["active"] == 2
    assert prov["automations"]["created_after_window"] == 1
    assert prov["automations"]["month"] == "2026-09"
    assert prov["definitions"]["deals_won"].startswith("deals with status 1 (won)")
    assert prov["http"]["requests"] == HAPPY_REQUESTS
    assert prov["http"]["pages"] == HAPPY_REQUESTS - 3  # contact counts are not pages
    assert prov["http"]["retries"] == 0


def test_each_counted_campaign_is_a_send_row_dated_in_the_account_zone(api, fake):
    register_account(api)
    data = make(fake).fetch(Q3)
    # send_amt and hardbounces (not + softbounces: 12 not 20, 11 not 18, 3 not 4), dated
    # in Madrid; drafts, scheduled, automation and outside-window campaigns left out.
    assert data.campaigns == (
        CampaignSend("25", "Month-start flash sale", date(2026, 7, 1), 800, 3),
        CampaignSend("26", "July newsletter", date(2026, 7, 10), 1000, 5),
        CampaignSend("27", "Summer sale", date(2026, 8, 1), 1500, 11),
        CampaignSend("29", "September promo", date(2026, 9, 15), 2000, 12),
    )


def test_requests_are_paced_at_four_per_second(api, fake):
    register_account(api)
    data = make(fake).fetch(Q3)
    assert data.monthly == EXPECTED
    assert fake.slept == [PACE] * (HAPPY_REQUESTS - 1)
    assert data.provenance["http"]["waited"] == pytest.approx(PACE * (HAPPY_REQUESTS - 1))


def test_utc_audit_puts_month_end_timestamps_in_other_months(api, fake):
    # In UTC the 30 June 22:30Z campaign is June's and the 31 July 23:30Z one is July's.
    for offset, page in CAMPAIGN_PAGES.items():
        api.get(f"{API}/campaigns", json=load(page), match=query(campaigns_query(offset)))
    api.get(f"{API}/automations", json=load("automations.json"), match=query(AUTOMATIONS_QUERY))
    for month, total in CONTACTS.items():
        api.get(
            f"{API}/contacts",
            json=contacts_page(total),
            match=query(contacts_query(month, "UTC")),
        )
    dates = {"filters[updated_after]": "2026-06-30", "filters[updated_before]": "2026-10-03"}
    for status, offset, page in (
        ("1", 0, "deals_won_page1.json"),
        ("1", 3, "deals_won_page2.json"),
        ("2", 0, "deals_lost.json"),
    ):
        params = {**deals_query(status, offset), **dates}
        api.get(f"{API}/deals", json=load(page), match=query(params))

    data = make(fake, tz="UTC").fetch(Q3)

    assert data.monthly["2026-07"]["emails_sent"] == 1000.0 + 1500.0  # campaigns 26 and 27
    assert data.monthly["2026-07"]["campaigns_sent"] == 2.0
    assert data.monthly["2026-08"]["emails_sent"] == 0.0
    assert data.monthly["2026-08"]["campaigns_sent"] == 0.0
    assert data.monthly["2026-08"]["deals_won"] == 1.0  # deal 102, 31 August 22:30Z
    assert data.monthly["2026-08"]["revenue_won"] == 999.99
    assert data.monthly["2026-09"]["deals_won"] == 2.0  # deals 103 and 105 (30 Sep 22:30Z)
    assert data.monthly["2026-09"]["revenue_won"] == 7500.5
    assert data.provenance["window"] == ["2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"]
    assert data.provenance["campaigns"]["outside_window"] == 3  # October and both 30 June
    assert data.provenance["campaigns"]["stopped_at_window_start"] is True


def test_a_server_ignoring_the_order_is_read_to_the_end(api, fake):
    rows = [
        *load("campaigns_page3.json")["campaigns"],
        *load("campaigns_page2.json")["campaigns"],
    ]
    rows.reverse()  # oldest first, as a server ignoring orders[sdate] might answer
    pages = {
        0: {"campaigns": rows[:3], "meta": {"total": "6"}},
        3: {"campaigns": rows[3:], "meta": {"total": "6"}},
    }
    register_account(api, campaign_pages=pages)
    data = make(fake).fetch(Q3)
    assert data.monthly == EXPECTED
    assert data.provenance["campaigns"]["newest_first"] is False


def test_check_names_the_user_and_the_account(api, fake):
    api.get(f"{API}/users/me", json=load("users_me.json"))
    assert make(fake).check() == f"user jdoe (John Doe) at {URL}"
    assert api.calls[0].request.headers["Api-Token"] == TOKEN


def test_account_url_may_be_the_api_url_and_base_url_wins(api, fake):
    api.get(f"{API}/users/me", json=load("users_me.json"))
    api.get("http://127.0.0.1:8099/api/3/users/me", json=load("users_me.json"))
    assert make(fake, account_url=f"{URL}/api/3/").check().endswith(f"at {URL}")
    proxied = make(fake, account_url="https://acme.api-us1.com", base_url="http://127.0.0.1:8099")
    assert proxied.check() == "user jdoe (John Doe) at http://127.0.0.1:8099"


def test_missing_account_url_is_bad_input_after_the_token(monkeypatch, fake):
    monkeypatch.delenv(VARIABLE, raising=False)
    options = ActiveCampaignOptions()
    connector = ActiveCampaignConnector(options, Path("."), "UTC", sleep=fake.sleep)
    with responses.RequestsMock(), pytest.raises(InputError, match=VARIABLE):
        connector.check()
    monkeypatch.setenv(VARIABLE, TOKEN)
    with pytest.raises(InputError, match=r"needs source\.account_url") as caught:
        connector.check()
    assert caught.value.exit_code == EXIT_BAD_INPUT


# --- retries --------------------------------------------------------------------------------


def test_429_with_retry_after_then_success(api, fake):
    api.get(
        f"{API}/campaigns",
        status=429,
        headers={"Retry-After": "7"},
        match=query(campaigns_query(3)),
    )
    register_account(api)
    data = make(fake).fetch(Q3)
    assert data.monthly == EXPECTED
    assert fake.waits() == [7.0]
    assert data.provenance["http"]["retries"] == 1
    assert data.provenance["http"]["by_status"] == {"200": HAPPY_REQUESTS, "429": 1}


def test_500_and_503_then_success(api, fake):
    api.get(f"{API}/contacts", status=500, body="oops", match=query(contacts_query("2026-08")))
    api.get(f"{API}/deals", status=503, match=query(deals_query("2", 0)))
    register_account(api)
    data = make(fake).fetch(Q3)
    assert data.monthly == EXPECTED
    assert fake.waits() == [0.5, 0.5]  # backoff 1 s with jitter 0.5, first retry each
    assert data.provenance["http"]["by_status"] == {"200": HAPPY_REQUESTS, "500": 1, "503": 1}


def test_a_transient_403_is_retried_once(api, fake):
    api.get(f"{API}/automations", status=403, match=query(AUTOMATIONS_QUERY))
    register_account(api)
    data = make(fake).fetch(Q3)
    assert data.monthly == EXPECTED
    assert fake.waits() == [0.5]
    assert data.provenance["http"]["by_status"]["403"] == 1


def test_timeout_then_success(api, fake):
    api.get(
        f"{API}/deals",
        body=requests.exceptions.ReadTimeout("read timed out"),
        match=query(deals_query("1", 3)),
    )
    register_account(api)
    data = make(fake).fetch(Q3)
    assert data.monthly == EXPECTED
    assert fake.waits() == [0.5]
    assert data.provenance["http"]["by_status"]["timeout"] == 1


def test_timeouts_until_the_tries_run_out_are_exit_3(api, fake):
    for _ in range(5):
        api.get(
            f"{API}/campaigns",
            body=requests.exceptions.ConnectTimeout("connect timed out"),
            match=query(campaigns_query(0)),
        )
    with pytest.raises(SourceUnavailableError) as caught:
        make(fake).fetch(Q3)
    assert caught.value.exit_code == EXIT_SOURCE
    assert "failed after 5 attempts; last: timed out" in str(caught.value)
    assert fake.waits() == [0.5, 1.0, 2.0, 4.0]


# --- refusals -------------------------------------------------------------------------------


def test_invalid_token_401_is_exit_3_naming_the_variable_not_the_token(api, fake):
    api.get(
        f"{API}/campaigns",
        status=401,
        json={"message": f"Invalid API token {TOKEN}"},
        match=query(campaigns_query(0)),
    )
    with pytest.raises(SourceAuthError) as caught:
        make(fake).fetch(Q3)
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_SOURCE
    assert VARIABLE in message
    assert TOKEN not in message
    assert "HTTP 401 on GET /api/3/campaigns" in message
    assert len(api.calls) == 1  # a 401 is not retried


def test_a_403_twice_is_a_refused_token(api, fake):
    for _ in range(2):
        api.get(
            f"{API}/users/me",
            status=403,
            json={"message": "You are not authorized to access this resource", "token": TOKEN},
        )
    with pytest.raises(SourceAuthError) as caught:
        make(fake).check()
    assert caught.value.exit_code == EXIT_SOURCE
    assert VARIABLE in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert len(api.calls) == 2
    assert fake.waits() == [0.5]


def test_deals_refused_leave_deal_metrics_not_measured(api, fake):
    register_account(api, deals=False)
    for _ in range(2):
        api.get(f"{API}/deals", status=403, match=query(deals_query("1", 0)))
    data = make(fake).fetch(Q3)
    assert data.monthly == {
        m: {k: v for k, v in EXPECTED[m].items() if k not in DEAL_METRICS} for m in Q3
    }
    for metric in DEAL_METRICS:
        assert data.not_measured[metric].startswith(
            "ActiveCampaign refused GET /api/3/deals although it accepted the same token"
        )
    assert data.provenance["deals"]["refused"] is True


# --- malformed answers ----------------------------------------------------------------------


def test_a_body_that_is_not_json_is_exit_3(api, fake):
    api.get(
        f"{API}/campaigns",
        body="<html><body>Login</body></html>",
        content_type="text/html",
        match=query(campaigns_query(0)),
    )
    with pytest.raises(SourceResponseError, match="did not answer JSON") as caught:
        make(fake).fetch(Q3)
    assert caught.value.exit_code == EXIT_SOURCE


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ({"campaign": []}, "answered a page without a 'campaigns' list"),
        ({"campaigns": {"0": {}}}, "answered a page without a 'campaigns' list"),
        (["not", "an", "object"], "answered a page without a 'campaigns' list"),
        ({"campaigns": ["12"], "meta": {"total": "1"}}, "a campaign is not an object"),
    ],
)
def test_a_campaigns_page_of_the_wrong_shape_is_exit_3(api, fake, page, expected):
    api.get(f"{API}/campaigns", json=page, match=query(campaigns_query(0)))
    with pytest.raises(SourceResponseError, match=expected):
        make(fake).fetch(Q3)


def test_unreadable_numbers_and_dates_are_exit_3(api, fake):
    page = load("campaigns_page2.json")
    page["campaigns"][0]["send_amt"] = "n/a"
    api.get(f"{API}/campaigns", json=load("campaigns_page1.json"), match=query(campaigns_query(0)))
    api.get(f"{API}/campaigns", json=page, match=query(campaigns_query(3)))
    with pytest.raises(SourceResponseError, match=r"campaign 29 has send_amt='n/a', not a count"):
        make(fake).fetch(Q3)

    page = load("campaigns_page1.json")
    page["campaigns"][1]["sdate"] = "next Tuesday"
    api.get(f"{API}/campaigns", json=page, match=query(campaigns_query(0)))
    with pytest.raises(SourceResponseError, match="campaign 32 sdate: unreadable timestamp"):
        make(fake).fetch(Q3)


def test_a_contact_count_without_total_is_exit_3(api, fake):
    register_account(api, contacts={}, deals=False)
    api.get(f"{API}/contacts", json={"contacts": []}, match=query(contacts_query("2026-07")))
    with pytest.raises(SourceResponseError, match=r"without a numeric meta\.total"):
        make(fake).fetch(Q3)


def test_a_repeated_page_is_a_pagination_error(api, fake):
    page = load("campaigns_page1.json")
    api.get(f"{API}/campaigns", json=page, match=query(campaigns_query(0)))
    api.get(f"{API}/campaigns", json=page, match=query(campaigns_query(3)))
    with pytest.raises(SourcePaginationError, match="repeats the one before"):
        make(fake).fetch(Q3)


# --- empty and unusual accounts -------------------------------------------------------------


def test_an_empty_account_leaves_email_and_deal_metrics_undefined_not_zero(api, fake):
    empty = {"campaigns": [], "meta": {"total": "0"}}
    register_account(
        api,
        campaign_pages={0: empty},
        automations={"automations": [], "meta": {"total": "0"}},
        contacts=dict.fromkeys(Q3, "0"),
        deals=False,
    )
    for status in ("1", "2"):
        api.get(
            f"{API}/deals",
            json={"deals": [], "meta": {"currencies": [], "total": 0}},
            match=query(deals_query(status, 0)),
        )
    data = make(fake).fetch(Q3)
    # a count of new contacts and a list of automations are measurements: 0 is 0
    assert data.monthly == {
        "2026-07": {"leads_new": 0.0},
        "2026-08": {"leads_new": 0.0},
        "2026-09": {"leads_new": 0.0, "workflows_active": 0.0},
    }
    for metric in EMAIL_METRICS:
        assert data.not_measured[metric] == (
            "no ActiveCampaign campaign was sent from 2026-07 to 2026-09 (automation emails "
            "aside): email metrics are undefined, not 0"
        )
    for metric in DEAL_METRICS:
        assert data.not_measured[metric] == (
            "no ActiveCampaign deal was won or lost from 2026-07 to 2026-09: deal metrics "
            "are undefined, not 0 (is the CRM in use?)"
        )


def test_deals_in_several_currencies_are_counted_but_not_added_up(api, fake):
    register_account(api, deals=False)
    page = load("deals_won_page1.json")
    page["deals"][2]["currency"] = "eur"
    api.get(f"{API}/deals", json=page, match=query(deals_query("1", 0)))
    api.get(f"{API}/deals", json=load("deals_won_page2.json"), match=query(deals_query("1", 3)))
    api.get(f"{API}/deals", json=load("deals_lost.json"), match=query(deals_query("2", 0)))
    data = make(fake).fetch(Q3)
    assert data.monthly == {
        m: {k: v for k, v in EXPECTED[m].items() if k != "revenue_won"} for m in Q3
    }
    assert data.not_measured["revenue_won"] == (
        "the deals won are in several currencies (EUR, USD) and ActiveCampaign gives no "
        "exchange rates, so they are not added up"
    )


def test_a_server_ignoring_the_status_filter_does_not_double_count(api, fake):
    register_account(api, deals=False)
    everything = {
        "deals": [
            *load("deals_won_page1.json")["deals"],
            *load("deals_won_page2.json")["deals"],
            *load("deals_lost.json")["deals"],
            {**load("deals_lost.json")["deals"][0], "id": "300", "status": "0"},  # open
        ],
        "meta": {"total": "10"},
    }
    api.get(f"{API}/deals", json=everything, match=query(deals_query("1", 0)))
    api.get(f"{API}/deals", json=everything, match=query(deals_query("2", 0)))
    data = make(fake).fetch(Q3)
    assert data.monthly == EXPECTED
    assert data.provenance["deals"]["open"] == 1


# --- end to end through the runner ----------------------------------------------------------


class NoWaitActiveCampaign(ActiveCampaignConnector):
    """The real connector, built by the runner, with a clock that never really sleeps."""

    slept: ClassVar[list[float]] = []

    def __init__(self, options, config_dir, timezone="UTC", **transport):
        fake = FakeTime()
        NoWaitActiveCampaign.slept = fake.slept
        super().__init__(
            options,
            config_dir,
            timezone,
            sleep=fake.sleep,
            clock=fake.clock,
            wall_clock=fake.wall,
            random=lambda: 0.5,
        )


def test_end_to_end_audit_through_the_runner(api, tmp_path, monkeypatch):
    from auditor.pipeline.runner import audit

    monkeypatch.setitem(registry._BUILTIN, "activecampaign", f"{__name__}:NoWaitActiveCampaign")
    config = tmp_path / "audit.yaml"
    config.write_text(
        CONFIG.replace(
            "connector: file\n  path: data.csv",
            f"connector: activecampaign\n  account_url: https://acme.api-us1.com\n  base_url: {URL}",
        )
        + f"timezone: {TZ}\n",
        encoding="utf-8",
    )
    # 19 months (2025-03 to 2026-09): campaigns down to the one before March 2025
    for offset, page in {**CAMPAIGN_PAGES, 9: "campaigns_page4.json"}.items():
        api.get(f"{API}/campaigns", json=load(page), match=query(campaigns_query(offset)))
    api.get(f"{API}/automations", json=load("automations.json"), match=query(AUTOMATIONS_QUERY))

    def count_contacts(request):
        month = request.params["filters[created_after]"][:7]
        return 200, {}, json.dumps(contacts_page(CONTACTS.get(month, "50")))

    api.add_callback(responses.GET, f"{API}/contacts", callback=count_contacts)
    dates = {"filters[updated_after]": "2025-02-27", "filters[updated_before]": "2026-10-02"}
    for status, offset, page in (
        ("1", 0, "deals_won_page1.json"),
        ("1", 3, "deals_won_page2.json"),
        ("2", 0, "deals_lost.json"),
    ):
        params = {**deals_query(status, offset), **dates}
        api.get(f"{API}/deals", json=load(page), match=query(params))

    result = audit(load_config(config))

    values = {k: v.value for k, v in result.metrics.values.items()}
    assert values["emails_sent"] == 5300.0
    assert values["emails_delivered"] == 5248.0
    assert values["campaigns_sent"] == 4.0
    assert values["unique_opens"] == 1600.0
    assert values["open_rate"] == pytest.approx(1600 / 5248)
    assert values["bounce_rate"] == pytest.approx(52 / 5300)
    assert values["leads_new"] == 358.0
    assert values["workflows_active"] == 2.0
    assert values["deals_won"] == 3.0
    assert values["deals_lost"] == 3.0
    assert values["revenue_won"] == pytest.approx(18500.49)
    assert values["close_rate"] == 0.5
    assert values["spam_complaints"] is None
    assert values["workflows_behavioral"] is None
    # the previous quarter: June's campaign and deal, and 50 new contacts a month
    previous = {k: v.previous for k, v in result.metrics.values.items()}
    assert previous["emails_sent"] == 900.0
    assert previous["deals_won"] == 1.0
    assert previous["revenue_won"] == 700.0
    assert previous["leads_new"] == 150.0

    source = result.source
    assert source["connector"] == "activecampaign"
    assert source["label"] == f"ActiveCampaign at {URL}"
    assert source["months"] == ["2025-03", "2026-09"]
    assert "workflows_behavioral" in source["not_measured"]
    http = source["provenance"]["http"]
    assert http["requests"] == 4 + 1 + 19 + 3 == len(api.calls)
    assert result.snapshot["monthly"]["2025-11"]["emails_sent"] == 1200.0
    assert NoWaitActiveCampaign.slept == [PACE] * (len(api.calls) - 1)
    assert all(c.request.headers["Api-Token"] == TOKEN for c in api.calls)


def test_config_options_are_validated_with_file_and_line(tmp_path, monkeypatch):
    monkeypatch.setitem(
        registry._BUILTIN,
        "activecampaign",
        "auditor.connectors.activecampaign:ActiveCampaignConnector",
    )
    config = tmp_path / "audit.yaml"
    config.write_text(
        "client: X\nperiod: 2026-Q3\nsource:\n  connector: activecampaign\n"
        f"  account_url: ftp://acme\n  token_env: {TOKEN}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_config(config)
    shown = [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]
    assert any(p.startswith("audit.yaml:5:16: source.account_url: ") for p in shown)
    assert any(p.startswith("audit.yaml:6:14: source.token_env: expected the NAME") for p in shown)
    assert not any(TOKEN in p for p in shown)


def test_fixture_payloads_keep_numbers_as_strings():
    page = load("campaigns_page2.json")
    assert page["meta"]["total"] == "11"
    assert all(isinstance(c["send_amt"], str) for c in page["campaigns"])
    deal = load("deals_won_page1.json")["deals"][0]
    assert (deal["value"], deal["currency"], deal["status"]) == ("1250000", "usd", "1")
