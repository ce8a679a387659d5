"""The Mailchimp connector against `responses` (never the network), with injected time.

Payloads in tests/fixtures/http/mailchimp are shaped like the Marketing API v3's
documented answers to the `fields=` the connector asks for (made-up values).
The reports fixture is three pages of two (UTC send times; "M" = month in Madrid):

    id    type        send_time         M        sent  bounce opens (proxy-excl.) clicks unsub abuse orders revenue
    ..4b  regular     07-02 08:00       07       1000  10+5   400   80     3     1     4      250.50
    ..0e  regular     07-31 22:30       08 (!)   2000  20+10  700   150    6     0     10     1000.00
    ..1f  automation  08-15 10:00       never: an automation email's lifetime totals
    ..2a  plaintext   09-10 09:15       09       1500  0+15   500   90     2     1     (no ecommerce)
    ..3b  regular     06-30 21:59       06       outside Q3
    ..4c  variate     09-30 22:00       10 (!)   outside Q3 in Madrid, September in UTC

and the automations fixture: welcomeSeries sending since 2024-05, abandonedCart
sending since 2026-08-20, specialEvent sending since 2025-01, dateAdded paused,
and an unknown `loyaltyProgram` sending since 2026-09-05.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from auditor.config.loader import load_config
from auditor.connectors import registry
from auditor.connectors.base import contract_problems
from auditor.connectors.mailchimp import MailchimpConnector, MailchimpOptions
from auditor.connectors.mailchimp.api import NOT_MEASURED
from auditor.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_SOURCE,
    InputError,
    SourceAuthError,
    SourceResponseError,
    SourceUnavailableError,
)
from auditor.core.models import CampaignSend
from auditor.metrics.catalog import BASE_BY_ID
from tests import helpers
from tests.helpers import TESTS

FIXTURES = TESTS / "fixtures" / "http" / "mailchimp"
URL = "http://mailchimp.test"
KEY = "0123456789abcdef0123456789abcdef-us21"
DC_URL = "https://us21.api.mailchimp.com/3.0"
LIST = "a1b2c3d4e5"
Q3 = ["2026-07", "2026-08", "2026-09"]
CRM = "Mailchimp has no CRM: MQLs, SQLs, customers won and deals are not measured"


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class FakeTime(helpers.FakeTime):
    """The shared fake clocks; the wall clock starts at `now` (23 November 2026)."""

    def __init__(self, now: datetime = datetime(2026, 11, 23, 12, tzinfo=UTC)) -> None:
        super().__init__(now.timestamp())


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv("MAILCHIMP_API_KEY", KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def connector(fake: FakeTime, tz: str = "Europe/Madrid", **options: Any) -> MailchimpConnector:
    options.setdefault("base_url", URL)
    return MailchimpConnector(
        MailchimpOptions(**options),
        Path("."),
        tz,
        sleep=fake.sleep,
        clock=fake.clock,
        wall_clock=fake.wall,
        random=lambda: 0.5,  # backoff = half its ceiling: base 2 s -> 1, 2, 4, 8, 15 s
    )


def at(offset: int, count: int) -> list[Any]:
    return [
        matchers.query_param_matcher(
            {"offset": str(offset), "count": str(count)}, strict_match=False
        )
    ]


def all_reports() -> dict[str, Any]:
    rows = [r for i in (1, 2, 3) for r in load(f"reports_page{i}")["reports"]]
    return {"reports": rows, "total_items": len(rows)}


def register(
    api: responses.RequestsMock,
    *,
    base: str = URL,
    account: dict[str, Any] | None = None,
    reports: dict[str, Any] | None = None,
    automations: dict[str, Any] | None = None,
    stores: dict[str, Any] | None = None,
    page_size: int = 1000,
    growth: str | None = "all",
) -> None:
    """Register the calls of one fetch, each list paged by `page_size`."""
    api.get(f"{base}/", json=account or load("root"))
    for path, key, payload in (
        ("reports", "reports", reports or all_reports()),
        ("automations", "automations", automations or load("automations")),
        ("ecommerce/stores", "stores", stores),
        *growth_calls(growth),
    ):
        if payload is None:
            continue
        rows = payload[key]
        offsets = range(0, max(len(rows), 1), page_size)
        for offset in offsets:
            page = {key: rows[offset : offset + page_size], "total_items": payload["total_items"]}
            api.get(f"{base}/{path}", json=page, match=at(offset, page_size))


def register_growth(api: responses.RequestsMock, which: str = "all") -> None:
    """The growth-history calls alone, for tests that register the others by hand."""
    for path, _key, payload in growth_calls(which):
        api.get(f"{URL}/{path}", json=payload)


def growth_calls(which: str | None) -> list[tuple[str, str, Any]]:
    """GET /lists (unless one audience is audited) and each audience's growth history."""
    if which is None:
        return []
    ids = [LIST] if which == "one" else [r["id"] for r in load("lists")["lists"]]
    calls: list[tuple[str, str, Any]] = (
        [] if which == "one" else [("lists", "lists", load("lists"))]
    )
    for list_id in ids:
        calls.append((f"lists/{list_id}/growth-history", "history", load(f"growth_{list_id}")))
    return calls


# Newly unsubscribed + cleaned + deleted members of both audiences (growth_*.json); the
# fixture's existing/optins/subscribed/pending/transactional differ so a wrong field shows.
CONTACTS_LOST = {"2026-07": 4 + 0 + 2 + 2, "2026-08": 5 + 1 + 0 + 3, "2026-09": 7 + 2 + 1 + 1}


def report(ident: str, send_time: str, sent: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": ident,
        "type": "regular",
        "list_id": LIST,
        "send_time": send_time,
        "emails_sent": sent,
        "abuse_reports": 0,
        "unsubscribed": 1,
        "bounces": {"hard_bounces": 1, "soft_bounces": 1},
        "opens": {"unique_opens": 10, "proxy_excluded_unique_opens": 7},
        "clicks": {"unique_subscriber_clicks": 5},
    }
    row.update(extra)
    return row


def row(sent, bounces, opens, clicks, unsub, spam, campaigns, **more) -> dict[str, float]:
    out = {
        "emails_sent": sent,
        "bounces": bounces,
        "emails_delivered": sent - bounces,
        "campaigns_sent": campaigns,
        "unique_opens": opens,
        "unique_opens_human": opens - 3 * campaigns,  # report(): 10 unique, 7 proxy-excluded
        "unique_clicks": clicks,
        "unsubscribes": unsub,
        "spam_complaints": spam,
    }
    out.update(more)
    return out


MADRID = {
    "2026-07": row(1000, 15, 400, 80, 3, 1, 1, unique_opens_human=250, conversions=4,
                   revenue_attributed=250.5,
                   workflows_active=2, workflows_behavioral=1, contacts_lost=CONTACTS_LOST["2026-07"]),
    "2026-08": row(2000, 30, 700, 150, 6, 0, 1, unique_opens_human=430, conversions=10,
                   revenue_attributed=1000.0,
                   workflows_active=3, workflows_behavioral=2, contacts_lost=CONTACTS_LOST["2026-08"]),
    "2026-09": row(1500, 15, 500, 90, 2, 1, 1, unique_opens_human=310, conversions=0,
                   revenue_attributed=0.0,
                   workflows_active=4, workflows_behavioral=2, contacts_lost=CONTACTS_LOST["2026-09"]),
}  # fmt: skip


# --- the contract -----------------------------------------------------------------------------


def test_declares_every_base_metric_once_with_reasons():
    assert contract_problems(MailchimpConnector, "mailchimp") == []
    assert set(MailchimpConnector.metrics) | set(NOT_MEASURED) == set(BASE_BY_ID)
    assert NOT_MEASURED["mqls"] == CRM
    assert NOT_MEASURED["deals_won"] == CRM
    assert "website" in NOT_MEASURED["website_sessions"]
    assert "MRR" in NOT_MEASURED["mrr"]


# --- metrics ----------------------------------------------------------------------------------


def test_several_pages_both_sides_of_the_period_and_madrid_months(api, fake):
    register(api, page_size=2, stores=load("stores"))
    data = connector(fake, page_size=2).fetch(Q3)

    assert data.monthly == MADRID
    assert dict(data.not_measured) == dict(NOT_MEASURED)  # nothing missing in this run
    assert data.connector == "mailchimp"
    assert data.label == "Mailchimp account Aceros del Sur"

    first = api.calls[1].request
    assert first.url.startswith(f"{URL}/reports?")
    params = first.params
    # 1 July 00:00 in Madrid, minus one second; the end is excluded
    assert params["since_send_time"] == "2026-06-30T21:59:59+00:00"
    assert "since_send_time=2026-06-30T21%3A59%3A59%2B00%3A00" in first.url  # '+' encoded
    assert params["before_send_time"] == "2026-09-30T22:00:00+00:00"
    assert (params["offset"], params["count"]) == ("0", "2")
    assert params["fields"].startswith("reports.id,reports.type,reports.list_id,reports.send_time")
    assert [c.request.params.get("offset") for c in api.calls[1:4]] == ["0", "2", "4"]

    prov = data.provenance
    assert prov["reports"] == {
        "in_window": 6,
        "counted": 3,
        "by_type": {"plaintext": 1, "regular": 2},
        "automation_emails_excluded": 1,
        "other_audience": 0,
        "outside_requested_months": 2,
        "duplicates": 0,
    }
    assert prov["automations"]["by_status"] == {"paused": 1, "sending": 4}
    assert prov["automations"]["unclassified_types"] == ["loyaltyProgram"]
    assert prov["ecommerce"]["currency"] == "EUR"
    assert prov["window"] == {
        "since_send_time": "2026-06-30T21:59:59+00:00",
        "before_send_time": "2026-09-30T22:00:00+00:00",
    }
    assert prov["months_left_out"] == {"before_account": [], "after_fetch": []}
    assert prov["endpoints"] == [
        "GET /",
        "GET /automations",
        "GET /ecommerce/stores",
        "GET /lists",
        "GET /lists/a1b2c3d4e5/growth-history",
        "GET /lists/f6e7d8c9b0/growth-history",
        "GET /reports",
    ]
    assert prov["growth_history"] == {
        "audiences": 2,
        "fields": "unsubscribed + cleaned + deleted",
    }
    assert "automation emails" in prov["not_counted"][0]
    assert set(prov["definitions"]) == set(MailchimpConnector.metrics)
    # 1 account + 3 report pages + 3 automation pages (5 of 2 a page) + 1 store page
    # + 1 audience page + 2 and 2 growth-history pages (4 and 3 months, 2 a page)
    assert prov["http"]["requests"] == 13
    assert prov["http"]["pages"] == 12
    # 13 requests at 10 a second with a burst of 10: the last three wait their turn
    assert fake.slept == [0.1, 0.1, 0.1]


def test_each_counted_campaign_is_a_send_row_with_its_hard_bounces_only(api, fake):
    register(api, stores=load("stores"))
    data = connector(fake).fetch(Q3)
    # The three campaigns counted in Q3 (Madrid), dated in Madrid; hard bounces only
    # (10, 20, 0), never hard + soft (15, 30, 15); automation and outside sends left out.
    assert data.campaigns == (
        CampaignSend("5f1e2d3c4b", "July newsletter", date(2026, 7, 2), 1000, 10),
        CampaignSend("6a7b8c9d0e", 'Summer <sale> & "more"', date(2026, 8, 1), 2000, 20),
        CampaignSend("8c9d0e1f2a", "September plain-text digest", date(2026, 9, 10), 1500, 0),
    )
    assert api.calls[1].request.params["fields"].endswith("reports.campaign_title,total_items")


def test_a_send_near_month_end_belongs_to_the_config_timezone_month(api, fake):
    register(api, stores=load("stores"))
    data = connector(fake, tz="UTC").fetch(Q3)
    # In UTC 31 July 22:30 stays in July and 30 September 22:00 is September's.
    assert data.monthly == {
        "2026-07": row(3000, 45, 1100, 230, 9, 1, 2, unique_opens_human=680, conversions=14,
                       revenue_attributed=1250.5,
                       workflows_active=2, workflows_behavioral=1,
                       contacts_lost=CONTACTS_LOST["2026-07"]),
        "2026-08": row(0, 0, 0, 0, 0, 0, 0, conversions=0, revenue_attributed=0.0,
                       workflows_active=3, workflows_behavioral=2,
                       contacts_lost=CONTACTS_LOST["2026-08"]),
        "2026-09": row(2300, 23, 750, 120, 3, 1, 2, unique_opens_human=450, conversions=2,
                       revenue_attributed=99.99,
                       workflows_active=4, workflows_behavioral=2,
                       contacts_lost=CONTACTS_LOST["2026-09"]),
    }  # fmt: skip
    assert api.calls[1].request.params["since_send_time"] == "2026-06-30T23:59:59+00:00"


def test_a_quarterly_audit_takes_five_requests_and_one_per_audience(api, fake):
    register(api, stores=load("stores"))
    months = [f"2025-{m:02d}" for m in range(3, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]
    data = connector(fake).fetch(months)  # the 19 months runner.months_needed asks for a quarter
    assert data.provenance["http"]["requests"] == 5 + 2  # whatever the number of members
    assert data.provenance["http"]["by_endpoint"] == {
        "GET /": 1,
        "GET /automations": 1,
        "GET /ecommerce/stores": 1,
        "GET /lists": 1,
        "GET /lists/a1b2c3d4e5/growth-history": 1,
        "GET /lists/f6e7d8c9b0/growth-history": 1,
        "GET /reports": 1,
    }
    # months the growth history has no row for are not measured, never 0
    assert "contacts_lost" not in data.monthly["2025-03"]
    assert data.not_measured["contacts_lost"].startswith(
        "GET /lists/{list_id}/growth-history has no row for 2025-03, 2025-04"
    )
    assert api.calls[1].request.params["count"] == "1000"
    assert data.monthly["2026-06"]["emails_sent"] == 900  # 30 June 23:59 in Madrid
    assert data.monthly["2025-03"] == {
        **row(0, 0, 0, 0, 0, 0, 0),
        "conversions": 0.0,
        "revenue_attributed": 0.0,
        "workflows_active": 2.0,  # the welcome series (2024) and specialEvent (January 2025)
        "workflows_behavioral": 1.0,
    }


def test_empty_account_leaves_metrics_undefined_not_zero(api, fake):
    register(api, reports=load("reports_empty"), automations=load("automations_empty"))
    data = connector(fake).fetch(Q3)  # no store request: nothing to attribute
    # audiences still lose contacts without campaigns: the growth history says how many
    assert data.monthly == {m: {"contacts_lost": float(n)} for m, n in CONTACTS_LOST.items()}
    assert data.not_measured["emails_sent"] == (
        "Mailchimp: no campaign was sent from 2026-07 to 2026-09 (GET /reports found none): "
        "email metrics are undefined, not 0"
    )
    assert data.not_measured["revenue_attributed"] == data.not_measured["emails_sent"]
    assert data.not_measured["workflows_active"].startswith(
        "Mailchimp lists no classic automation, and Customer Journeys"
    )
    assert set(data.not_measured) == set(BASE_BY_ID) - {"contacts_lost"}
    assert data.provenance["reports"]["counted"] == 0
    assert data.provenance["http"]["requests"] == 3 + 3


def test_months_before_the_account_and_after_today_are_left_out(api):
    fake = FakeTime(now=datetime(2026, 8, 20, 9, tzinfo=UTC))
    account = {**load("root"), "member_since": "2026-07-15T10:00:00+00:00"}
    reports = {"reports": [report("c1", "2026-08-03T09:00:00+00:00", 120)], "total_items": 1}
    register(api, account=account, reports=reports, automations=load("automations_empty"),
             stores=load("stores_empty"))  # fmt: skip
    data = connector(fake).fetch(["2026-06", *Q3])
    # July existed and sent nothing: 0.  June (before the account) and September (after
    # today) are not measured at all.
    assert data.monthly == {
        "2026-07": row(0, 0, 0, 0, 0, 0, 0, contacts_lost=CONTACTS_LOST["2026-07"]),
        "2026-08": row(120, 2, 10, 5, 1, 0, 1, contacts_lost=CONTACTS_LOST["2026-08"]),
    }
    assert data.provenance["months_left_out"] == {
        "before_account": ["2026-06"],
        "after_fetch": ["2026-09"],
    }
    assert data.not_measured["conversions"] == (
        "no e-commerce store is connected to Mailchimp (GET /ecommerce/stores lists none): "
        "attributed orders and revenue are not measured"
    )


def test_one_audience_only(api, fake):
    other = "z9y8x7w6v5"
    reports = {
        "reports": [
            report("c1", "2026-07-10T09:00:00+00:00", 500),
            report("c2", "2026-07-11T09:00:00+00:00", 9000, list_id=other),
            report("c1", "2026-07-10T09:00:00+00:00", 500),  # a page shifted: seen twice
        ],
        "total_items": 3,
    }
    automations = load("automations")
    automations["automations"][0]["recipients"]["list_id"] = other  # the welcome series
    stores = {
        "stores": [
            {"id": "s1", "list_id": other, "currency_code": "USD"},
            {"id": "s2", "list_id": LIST, "currency_code": "EUR"},
        ],
        "total_items": 2,
    }
    api.get(f"{URL}/lists/{LIST}", json=load("list"))
    register(api, reports=reports, automations=automations, stores=stores, growth="one")
    data = connector(fake, list_id=LIST).fetch(["2026-07"])
    assert data.monthly == {
        "2026-07": {
            **row(500, 2, 10, 5, 1, 0, 1),
            "conversions": 0.0,
            "revenue_attributed": 0.0,
            "workflows_active": 1.0,  # specialEvent; the welcome series is the other audience's
            "workflows_behavioral": 0.0,
            "contacts_lost": 4.0 + 0.0 + 2.0,  # this audience's growth history only
        }
    }
    assert data.label == "Mailchimp account Aceros del Sur, audience Clientes"
    assert data.provenance["reports"]["other_audience"] == 1
    assert data.provenance["reports"]["duplicates"] == 1
    assert data.provenance["ecommerce"]["stores"] == 1


def test_revenue_in_several_currencies_is_not_added_up(api, fake):
    reports = {
        "reports": [
            report("c1", "2026-07-10T09:00:00+00:00", 100,
                   ecommerce={"total_orders": 2, "total_revenue": 50.0, "currency_code": "EUR"}),
            report("c2", "2026-07-12T09:00:00+00:00", 100,
                   ecommerce={"total_orders": 1, "total_revenue": 70.0, "currency_code": "USD"}),
        ],
        "total_items": 2,
    }  # fmt: skip
    register(api, reports=reports, automations=load("automations_empty"), stores=load("stores"))
    data = connector(fake).fetch(["2026-07"])
    assert data.monthly["2026-07"]["conversions"] == 3
    assert "revenue_attributed" not in data.monthly["2026-07"]
    assert data.not_measured["revenue_attributed"] == (
        "Mailchimp attributes campaign revenue in several currencies (EUR, USD): it is not added "
        "up, so attributed revenue is not measured"
    )


def test_automations_closed_to_the_account_leave_only_workflows_unmeasured(api, fake):
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", json=all_reports())
    api.get(f"{URL}/automations", status=403, json=load("error_403"))
    api.get(f"{URL}/ecommerce/stores", json=load("stores"))
    register_growth(api)
    data = connector(fake).fetch(Q3)
    assert data.monthly == {
        month: {k: v for k, v in values.items() if not k.startswith("workflows_")}
        for month, values in MADRID.items()
    }
    assert data.not_measured["workflows_behavioral"] == (
        "Mailchimp refused GET /automations (HTTP 401/403) although the key read the campaign "
        "reports (classic automations): active workflows are not measured"
    )


# --- retries and errors -----------------------------------------------------------------------


def test_429_with_retry_after_then_success(api, fake):
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", status=429, json=load("error_429"), headers={"Retry-After": "3"})
    register_rest(api)
    data = connector(fake).fetch(Q3)
    assert data.monthly == MADRID
    assert fake.slept == [3.0]
    assert data.provenance["http"]["retries"] == 1
    assert data.provenance["http"]["by_status"] == {"200": 7, "429": 1}


def test_429_without_retry_after_backs_off(api, fake):
    # Mailchimp documents no Retry-After: exponential backoff with jitter instead.
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", status=429, json=load("error_429"))
    api.get(f"{URL}/reports", status=429, json=load("error_429"))
    register_rest(api)
    assert connector(fake).fetch(Q3).monthly == MADRID
    assert fake.slept == [1.0, 2.0]


def test_500_then_success(api, fake):
    api.get(f"{URL}/", status=500, json=load("error_500"))
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", json=all_reports())
    api.get(f"{URL}/automations", json=load("automations"))
    api.get(f"{URL}/ecommerce/stores", json=load("stores"))
    register_growth(api)
    assert connector(fake).fetch(Q3).monthly == MADRID
    assert fake.slept == [1.0]


def test_timeout_then_success(api, fake):
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", body=requests.exceptions.ReadTimeout("read timed out"))
    register_rest(api)
    data = connector(fake).fetch(Q3)
    assert data.monthly == MADRID
    assert fake.slept == [1.0]
    assert data.provenance["http"]["by_status"]["timeout"] == 1


def test_timeouts_until_the_tries_run_out_exit_3(api, fake):
    api.get(f"{URL}/", json=load("root"))
    for _ in range(6):
        api.get(f"{URL}/reports", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(SourceUnavailableError) as caught:
        connector(fake).fetch(Q3)
    assert caught.value.exit_code == EXIT_SOURCE
    assert "GET /reports failed after 6 attempts; last: timed out" in str(caught.value)
    assert fake.slept == [1.0, 2.0, 4.0, 8.0, 15.0]  # the 5th ceiling is capped at 30 s


def register_rest(api: responses.RequestsMock) -> None:
    api.get(f"{URL}/reports", json=all_reports())
    api.get(f"{URL}/automations", json=load("automations"))
    api.get(f"{URL}/ecommerce/stores", json=load("stores"))
    register_growth(api)


def test_invalid_key_exits_3_naming_the_variable_never_the_key(api, fake):
    body = load("error_401")
    body["detail"] += f" (key {KEY})"  # even if echoed back, it is redacted
    api.get(f"{URL}/", status=401, json=body)
    with pytest.raises(SourceAuthError) as caught:
        connector(fake).check()
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_SOURCE
    assert "Mailchimp refused the credential in MAILCHIMP_API_KEY (HTTP 401 on GET /)" in message
    assert "API Key Invalid" in message
    assert KEY not in message
    assert KEY.split("-")[0] not in message
    assert base64.b64encode(f"auditor:{KEY}".encode()).decode() not in message


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("<html><body>Maintenance</body></html>", "GET /reports did not answer JSON"),
        (
            json.dumps({"reports": "none", "total_items": 1}),
            "answered a page without a list at 'reports'",
        ),
        (
            json.dumps(
                {"reports": [report("c1", "2026-07-10T09:00:00+00:00", "lots")], "total_items": 1}
            ),
            "campaign report 'c1' has no readable 'emails_sent' ('lots')",
        ),
        (
            json.dumps({"reports": [report("c1", "last Tuesday", 10)], "total_items": 1}),
            "unreadable timestamp 'last Tuesday'",
        ),
        (
            json.dumps({"reports": [report("c1", None, 10)], "total_items": 1}),
            "campaign report 'c1' in GET /reports has no send_time",
        ),
    ],
)
def test_malformed_bodies_are_source_errors(api, fake, payload, expected):
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", body=payload, content_type="application/json")
    with pytest.raises(SourceResponseError) as caught:
        connector(fake).fetch(Q3)
    assert caught.value.exit_code == EXIT_SOURCE
    assert expected in str(caught.value)


def test_root_that_is_not_an_object_is_malformed(api, fake):
    api.get(f"{URL}/", json=["not", "an", "account"])
    with pytest.raises(SourceResponseError, match="GET / is not a JSON object"):
        connector(fake).check()


# --- connection: data centre, key, audience ----------------------------------------------------


def test_data_centre_comes_from_the_key(api, fake):
    api.get(f"{DC_URL}/", json=load("root"))
    mailchimp = connector(fake, base_url=None)
    assert mailchimp.api_base_url() == DC_URL
    assert mailchimp.check() == (
        f"Mailchimp account Aceros del Sur (8d3a3db4d97663a9074efcc16) at {DC_URL}"
    )
    sent = api.calls[0].request
    assert sent.params == {"fields": "account_id,account_name"}
    scheme, _, credential = sent.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(credential).decode() == f"auditor:{KEY}"


def test_the_whole_fetch_goes_to_the_data_centre(api, fake):
    register(api, base=DC_URL, stores=load("stores"))
    data = connector(fake, base_url=None).fetch(Q3)
    assert data.monthly == MADRID
    assert data.provenance["api"] == DC_URL


@pytest.mark.parametrize(
    "key", ["0123456789abcdef0123456789abcdef", "0123456789abcdef-", "abc-us21.evil.example"]
)
def test_a_key_without_data_centre_is_bad_input_naming_the_variable(monkeypatch, fake, key):
    monkeypatch.setenv("MAILCHIMP_API_KEY", key)
    with responses.RequestsMock(), pytest.raises(InputError) as caught:
        connector(fake, base_url=None).check()
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert message.startswith(
        "the Mailchimp API key in MAILCHIMP_API_KEY (named by source.api_key_env) does not end "
        "in a data centre such as '-us21'"
    )
    assert key not in message


def test_a_key_without_data_centre_works_with_base_url(monkeypatch, fake):
    monkeypatch.setenv("MAILCHIMP_API_KEY", "oauth-access-token-without-dc")
    with responses.RequestsMock() as api:
        api.get(f"{URL}/", json=load("root"))
        assert connector(fake).check().startswith("Mailchimp account Aceros del Sur")


def test_missing_key_variable_is_bad_input(monkeypatch, fake):
    monkeypatch.delenv("MAILCHIMP_API_KEY", raising=False)
    with responses.RequestsMock(), pytest.raises(InputError, match="MAILCHIMP_API_KEY"):
        connector(fake).fetch(Q3)


def test_check_names_the_audience_and_a_wrong_audience_is_bad_input(api, fake):
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/lists/{LIST}", json=load("list"))
    assert connector(fake, list_id=LIST).check() == (
        f"Mailchimp account Aceros del Sur (8d3a3db4d97663a9074efcc16) at {URL}, audience Clientes"
    )
    assert api.calls[1].request.params == {"fields": "id,name"}
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/lists/{LIST}", status=404, json=load("error_404"))
    with pytest.raises(InputError, match=f"Mailchimp has no audience '{LIST}'") as caught:
        connector(fake, list_id=LIST).check()
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_options_are_validated():
    with pytest.raises(ValueError, match="expected a Mailchimp audience id"):
        MailchimpOptions(list_id="../reports")
    with pytest.raises(ValueError, match="less than or equal to 1000"):
        MailchimpOptions(page_size=5000)
    with pytest.raises(ValueError, match="NAME of an environment variable"):
        MailchimpOptions(api_key_env=KEY)


# --- end to end through the runner -------------------------------------------------------------

AUDIT_CONFIG = """\
client: Aceros del Sur
period: 2026-Q3
language: en
timezone: Europe/Madrid
source:
  connector: mailchimp
  base_url: http://mailchimp.test
costs: {currency: EUR, platform: 3000, staff: 6000, services: 1000, media: 2000}
finance: {gross_margin: 0.5}
"""


def test_audit_end_to_end_through_the_runner(api, tmp_path, monkeypatch):
    from auditor.pipeline.runner import audit

    monkeypatch.setitem(
        registry._BUILTIN, "mailchimp", "auditor.connectors.mailchimp:MailchimpConnector"
    )
    path = tmp_path / "audit.yaml"
    path.write_text(AUDIT_CONFIG, encoding="utf-8")
    register(api, stores=load("stores"))
    result = audit(load_config(path))

    values = result.metrics
    assert values.value("emails_sent") == 4500
    assert values.value("emails_delivered") == 4440
    assert values.value("campaigns_sent") == 3
    assert values.value("open_rate") == pytest.approx(1600 / 4440)
    assert values.value("click_rate") == pytest.approx(320 / 4440)
    assert values.value("spam_complaint_rate") == pytest.approx(2 / 4440)
    assert values.value("revenue_attributed") == 1250.5
    assert values.value("workflows_active") == 4
    assert values.value("behavioral_workflow_share") == 0.5
    assert values.value("mqls") is None
    assert values.values["mqls"].reason == CRM
    # The previous quarter: June's campaign (30 June 23:59 in Madrid) and nothing else.
    assert values.values["emails_sent"].previous == 900

    params = api.calls[1].request.params
    assert params["since_send_time"] == "2025-02-28T22:59:59+00:00"  # 1 March 2025 in Madrid
    assert params["before_send_time"] == "2026-09-30T22:00:00+00:00"
    source = result.source
    assert source["connector"] == "mailchimp"
    assert source["not_measured"]["deals_won"] == CRM
    assert source["provenance"]["http"]["requests"] == 4 + 3  # + audiences, 2 growth histories
    assert result.snapshot["monthly"]["2026-08"]["emails_sent"] == 2000
    # Judged on Mailchimp's metrics; CRM rules have no data. Exit 1: findings at or above 'fail'.
    assert result.exit_code == 1, result.exit_reason
    statuses = {f.rule: f.status for f in result.findings}
    assert "no_data" in statuses.values()
    assert {"pass", "warn", "fail"} & set(statuses.values())


def test_human_opens_exclude_proxy_opens_and_a_month_missing_them_is_not_measured(api, fake):
    july = report("c1", "2026-07-10T10:00:00+00:00", 1000)
    july["opens"] = {"unique_opens": 400, "proxy_excluded_unique_opens": 250}
    august = report("c2", "2026-08-10T10:00:00+00:00", 1000)
    august["opens"] = {"unique_opens": 300}  # optional in the spec: left out here
    september = report("c3", "2026-09-10T10:00:00+00:00", 1000)
    september["opens"] = {"unique_opens": "90", "proxy_excluded_unique_opens": "61"}
    reports = {"reports": [july, august, september], "total_items": 3}
    register(api, reports=reports, stores=load("stores"))
    data = connector(fake).fetch(Q3)
    assert data.monthly["2026-07"]["unique_opens"] == 400
    assert data.monthly["2026-07"]["unique_opens_human"] == 250
    assert "unique_opens_human" not in data.monthly["2026-08"]
    assert data.monthly["2026-09"]["unique_opens_human"] == 61
    assert data.not_measured["unique_opens_human"] == (
        "Mailchimp gave no opens.proxy_excluded_unique_opens for some campaign reports of "
        "2026-08 (1): human opens are not measured in those months"
    )
    assert "opens.proxy_excluded_unique_opens" in api.calls[1].request.params["fields"]
    differences = data.provenance["definition_differences"]
    assert "automation emails are not included" in differences["emails_sent"]
    assert "lifetime totals" in data.not_measured["emails_automated"]


def test_a_malformed_growth_history_is_a_refusing_source(api, fake):
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", json=all_reports())
    api.get(f"{URL}/automations", json=load("automations"))
    api.get(f"{URL}/ecommerce/stores", json=load("stores"))
    bad = load("growth_a1b2c3d4e5")
    bad["history"][0]["unsubscribed"] = "many"
    api.get(f"{URL}/lists", json=load("lists"))
    api.get(f"{URL}/lists/a1b2c3d4e5/growth-history", json=bad)  # stops here
    with pytest.raises(SourceResponseError, match="unsubscribed='many'; expected a count"):
        connector(fake).fetch(Q3)


def test_growth_history_closed_to_the_key_leaves_only_contacts_lost_unmeasured(api, fake):
    api.get(f"{URL}/", json=load("root"))
    api.get(f"{URL}/reports", json=all_reports())
    api.get(f"{URL}/automations", json=load("automations"))
    api.get(f"{URL}/ecommerce/stores", json=load("stores"))
    api.get(f"{URL}/lists", status=403, json=load("error_403"))
    data = connector(fake).fetch(Q3)
    assert "contacts_lost" not in data.monthly["2026-07"]
    assert data.monthly["2026-07"]["emails_sent"] == MADRID["2026-07"]["emails_sent"]
    assert data.not_measured["contacts_lost"].startswith(
        "Mailchimp refused GET /lists/{list_id}/growth-history (HTTP 401/403)"
    )
