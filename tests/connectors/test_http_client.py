"""The shared HTTP client, against `responses` (never the network) and a fake clock.

Every wait goes through an injected `sleep` that only records and advances the
fake clock, so the retry, backoff and rate-limit timings are asserted exactly.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
import responses
from responses import matchers

from auditor.connectors.http import (
    HttpClient,
    HttpPolicy,
    RequestLog,
    TokenBucket,
    basic_auth,
    dig,
    retry_after_seconds,
)
from auditor.core.errors import (
    EXIT_SOURCE,
    SourceAuthError,
    SourceError,
    SourceNotFoundError,
    SourcePaginationError,
    SourceQuotaError,
    SourceResponseError,
    SourceUnavailableError,
)
from tests import helpers

BASE = "https://api.example.test"
TOKEN = "pat-na1-7f3a9c2e-SECRET+/="
WALL = 1_800_000_000.0  # 2027-01-15T08:00:00Z


class FakeTime(helpers.FakeTime):
    def __init__(self) -> None:
        super().__init__(WALL)


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def fake():
    return FakeTime()


def client_for(fake: FakeTime, policy: HttpPolicy | None = None, **kwargs) -> HttpClient:
    kwargs.setdefault("headers", {"Authorization": f"Bearer {TOKEN}"})
    return HttpClient(
        policy or HttpPolicy("Testplat"),
        BASE,
        credential_env="TESTPLAT_TOKEN",
        sleep=fake.sleep,
        clock=fake.clock,
        wall_clock=fake.wall,
        random=lambda: 0.5,
        **kwargs,
    )


def query(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


# --- pagination -----------------------------------------------------------------------------


def test_offset_pages_stop_on_a_short_page(api, fake):
    for rows in (["a", "b"], ["c", "d"], ["e"]):
        api.get(f"{BASE}/lists", json={"items": rows})
    client = client_for(fake)
    assert list(client.paginate_offset("/lists", items="items", page_size=2)) == list("abcde")
    assert [query(c) for c in api.calls] == [
        {"offset": "0", "count": "2"},
        {"offset": "2", "count": "2"},
        {"offset": "4", "count": "2"},
    ]
    assert client.log.pages == 3


def test_offset_pages_stop_at_the_total_even_when_the_server_pages_smaller(api, fake):
    # Asked for 3 per page, the server caps at 2 (a short page that is not the end):
    # the total, sent as a string as ActiveCampaign does, decides.
    for rows in (["a", "b"], ["c", "d"], ["e"]):
        api.get(f"{BASE}/campaigns", json={"campaigns": rows, "meta": {"total": "5"}})
    client = client_for(fake)
    found = client.paginate_offset(
        "/campaigns",
        items="campaigns",
        total="meta.total",
        page_size=3,
        offset_param="offset",
        limit_param="limit",
    )
    assert list(found) == list("abcde")
    assert [query(c)["offset"] for c in api.calls] == ["0", "2", "4"]


def test_offset_pages_stop_when_the_total_is_reached_without_an_extra_request(api, fake):
    for rows in (["a", "b"], ["c", "d"]):
        api.get(f"{BASE}/lists", json={"items": rows, "total_items": 4})
    client = client_for(fake)
    assert list(client.paginate_offset("/lists", items="items", page_size=2, total="total_items"))
    assert len(api.calls) == 2


def test_offset_pages_stop_on_an_empty_page(api, fake):
    api.get(f"{BASE}/lists", json={"items": [], "total_items": 0})
    assert list(client_for(fake).paginate_offset("/lists", items="items")) == []


def test_offset_loop_guard_when_the_server_ignores_the_offset(api, fake):
    api.get(f"{BASE}/lists", json={"items": ["a", "b"]})  # the same page every time
    pages = client_for(fake).paginate_offset("/lists", items="items", page_size=2)
    with pytest.raises(SourcePaginationError, match="repeats the one before") as caught:
        list(pages)
    assert caught.value.exit_code == EXIT_SOURCE
    assert len(api.calls) == 2


def test_cursor_pages_follow_after_until_there_is_no_next(api, fake):
    api.get(f"{BASE}/flows", json={"results": [1, 2], "paging": {"next": {"after": "c1"}}})
    api.get(f"{BASE}/flows", json={"results": [3], "paging": {"next": {"after": "c2"}}})
    api.get(f"{BASE}/flows", json={"results": [4]})
    client = client_for(fake)
    found = client.paginate_cursor("/flows", items="results", params={"limit": 2})
    assert list(found) == [1, 2, 3, 4]  # the short middle page did not stop it
    assert [query(c) for c in api.calls] == [
        {"limit": "2"},
        {"limit": "2", "after": "c1"},
        {"limit": "2", "after": "c2"},
    ]


def test_cursor_loop_guard_on_a_repeated_cursor(api, fake):
    api.get(f"{BASE}/flows", json={"results": [1], "paging": {"next": {"after": "c1"}}})
    api.get(f"{BASE}/flows", json={"results": [2], "paging": {"next": {"after": "c2"}}})
    api.get(f"{BASE}/flows", json={"results": [3], "paging": {"next": {"after": "c1"}}})
    pages = client_for(fake).paginate_cursor("/flows", items="results")
    with pytest.raises(SourcePaginationError, match="cursor 'c1' came back"):
        list(pages)
    assert len(api.calls) == 3


def test_cursor_in_a_post_body_for_searches(api, fake):
    search = {"filterGroups": [], "limit": 1}
    api.post(
        f"{BASE}/search",
        json={"total": 2, "results": [1], "paging": {"next": {"after": "1"}}},
        match=[matchers.json_params_matcher(search)],
    )
    api.post(
        f"{BASE}/search",
        json={"total": 2, "results": [2]},
        match=[matchers.json_params_matcher({**search, "after": "1"})],
    )
    found = client_for(fake).paginate_cursor("/search", items="results", method="POST", json=search)
    assert list(found) == [1, 2]


def test_cursor_stops_on_an_empty_page_unless_told_not_to(api, fake):
    api.get(f"{BASE}/flows", json={"results": [], "paging": {"next": {"after": "c1"}}})
    assert list(client_for(fake).paginate_cursor("/flows", items="results")) == []
    api.get(f"{BASE}/more", json={"results": [], "paging": {"next": {"after": "c1"}}})
    api.get(f"{BASE}/more", json={"results": [7]})
    pages = client_for(fake).paginate_cursor("/more", items="results", stop_on_empty=False)
    assert list(pages) == [7]


def test_next_url_pages_rerooted_on_base_url(api, fake):
    # The platform links to its own host; we talk to a proxy, and must stay there.
    api.get(
        f"{BASE}/v1/events",
        json={"data": [0], "links": {"next": "https://real.example.com/v1/events?page=2"}},
        match=[matchers.query_param_matcher({"size": "1"})],
    )
    api.get(f"{BASE}/v1/events", json={"data": [1], "links": {"next": None}})
    found = client_for(fake).paginate_next("/v1/events", items="data", params={"size": 1})
    assert list(found) == [0, 1]
    assert api.calls[1].request.url == f"{BASE}/v1/events?page=2"


def test_next_url_loop_guard(api, fake):
    api.get(f"{BASE}/a", json={"data": [1], "links": {"next": f"{BASE}/a?p=2"}})
    api.get(f"{BASE}/a", json={"data": [2], "links": {"next": "/a?p=2"}})
    with pytest.raises(SourcePaginationError, match="next URL"):
        list(client_for(fake).paginate_next("/a", items="data"))


def test_next_token_pages_with_more_flag(api, fake):
    api.get(f"{BASE}/acts", json={"result": [1], "nextPageToken": "T1", "moreResult": True})
    api.get(f"{BASE}/acts", json={"result": [2], "nextPageToken": "T2", "moreResult": False})
    found = client_for(fake).paginate_next(
        "/acts",
        items="result",
        next_page="nextPageToken",
        token_param="nextPageToken",
        has_more="moreResult",
        params={"activityTypeIds": "6"},
    )
    assert list(found) == [1, 2]
    assert query(api.calls[1]) == {"activityTypeIds": "6", "nextPageToken": "T1"}


def test_next_token_loop_guard(api, fake):
    api.get(f"{BASE}/acts", json={"result": [1], "nextPageToken": "T1"})
    api.get(f"{BASE}/acts", json={"result": [2], "nextPageToken": "T1"})
    pages = client_for(fake).paginate_next(
        "/acts", items="result", next_page="nextPageToken", token_param="nextPageToken"
    )
    with pytest.raises(SourcePaginationError, match="next token 'T1' came back"):
        list(pages)


def test_page_cap(api, fake):
    for n in range(2):
        api.get(f"{BASE}/flows", json={"results": [n], "paging": {"next": {"after": f"c{n}"}}})
    pages = client_for(fake).paginate_cursor("/flows", items="results", max_pages=2)
    with pytest.raises(SourcePaginationError, match="more than 2 pages"):
        list(pages)


def test_items_must_be_a_list(api, fake):
    api.get(f"{BASE}/lists", json={"error": "nope"})
    with pytest.raises(SourceResponseError, match="without a list at 'items'"):
        list(client_for(fake).paginate_offset("/lists", items="items"))


def test_id_keyed_collections_are_read_as_lists(api, fake):
    api.get(f"{BASE}/contacts", json={"total": "2", "contacts": {"7": "a", "9": "b"}})
    found = client_for(fake).paginate_offset("/contacts", items="contacts", total="total")
    assert list(found) == ["a", "b"]


# --- retries and waits ----------------------------------------------------------------------


def test_429_with_retry_after_seconds_then_success(api, fake):
    api.get(f"{BASE}/x", status=429, headers={"Retry-After": "7"}, json={"errorType": "RATE"})
    api.get(f"{BASE}/x", json={"ok": True})
    client = client_for(fake)
    assert client.get_json("/x") == {"ok": True}
    assert fake.slept == [7.0]
    assert client.log.to_json() == {
        "requests": 2,
        "retries": 1,
        "pages": 0,
        "seconds": 0.0,  # time inside requests: the fake clock moved only while sleeping
        "waited": 7.0,
        "by_status": {"200": 1, "429": 1},
        "by_endpoint": {"GET /x": 2},
    }


def test_retry_after_as_an_http_date_against_the_servers_date(api, fake):
    headers = {
        "Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT",
        "Date": "Wed, 21 Oct 2026 07:28:00 GMT",
    }
    api.get(f"{BASE}/x", status=503, headers=headers)
    api.get(f"{BASE}/x", json={})
    client_for(fake).get_json("/x")
    assert fake.slept == [30.0]


def test_retry_after_as_an_http_date_against_our_clock(api, fake):
    api.get(f"{BASE}/x", status=429, headers={"Retry-After": "Fri, 15 Jan 2027 08:00:12 GMT"})
    api.get(f"{BASE}/x", json={})
    client_for(fake).get_json("/x")
    assert fake.slept == [12.0]


def test_500_then_success_backs_off_with_jitter(api, fake):
    api.get(f"{BASE}/x", status=500)
    api.get(f"{BASE}/x", status=502)
    api.get(f"{BASE}/x", json=[1])
    client = client_for(fake, HttpPolicy("Testplat", backoff_base=2.0))
    assert client.get_json("/x") == [1]
    # full jitter: uniform(0, base * 2**(n-1)); the injected random() is 0.5
    assert fake.slept == [1.0, 2.0]
    assert client.log.retries == 2


def test_connection_error_then_success(api, fake):
    api.get(f"{BASE}/x", body=requests.ConnectionError("connection reset by peer"))
    api.get(f"{BASE}/x", json={"ok": 1})
    client = client_for(fake)
    assert client.get_json("/x") == {"ok": 1}
    assert fake.slept == [0.5]
    assert client.log.by_status == {"connection_error": 1, "200": 1}


def test_read_timeout_exhausted_is_a_source_error(api, fake):
    for _ in range(4):
        api.get(f"{BASE}/slow", body=requests.ReadTimeout("read timed out"))
    client = client_for(fake, HttpPolicy("Testplat", max_tries=4))
    with pytest.raises(SourceUnavailableError) as caught:
        client.get_json("/slow")
    error = caught.value
    assert error.exit_code == EXIT_SOURCE
    assert str(error).startswith("Testplat: GET /slow failed after 4 attempts; last: timed out")
    assert fake.slept == [0.5, 1.0, 2.0]  # no sleep after the last attempt
    assert client.log.by_status == {"timeout": 4}
    assert error.__cause__ is None
    assert error.__context__ is None  # no chained requests exception (its text has the URL)


def test_retries_exhausted_names_the_last_status(api, fake):
    for _ in range(3):
        api.get(f"{BASE}/x", status=503)
    client = client_for(fake, HttpPolicy("Testplat", max_tries=3))
    with pytest.raises(SourceUnavailableError, match="last: HTTP 503") as caught:
        client.get_json("/x")
    assert caught.value.last_status == 503


def test_backoff_is_capped(fake):
    client = client_for(fake, HttpPolicy("Testplat", backoff_base=1, backoff_cap=5, max_wait=60))
    assert [client._backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 2.5, 2.5]


def test_a_wait_beyond_max_wait_fails_fast_saying_when(api, fake):
    api.get(f"{BASE}/x", status=429, headers={"Retry-After": "3600"})
    client = client_for(fake, HttpPolicy("Testplat", max_wait=60))
    with pytest.raises(SourceQuotaError) as caught:
        client.get_json("/x")
    error = caught.value
    assert fake.slept == []
    assert len(api.calls) == 1
    assert error.wait_seconds == 3600
    assert error.retry_at == "2027-01-15T09:00:00Z"
    assert "try again after 2027-01-15T09:00:00Z" in str(error)
    assert "60 s" in str(error)
    assert error.exit_code == EXIT_SOURCE


def _hubspot_like(response: requests.Response) -> float | None:
    """Read a HubSpot-style window: nothing left -> wait for the interval."""
    if response.headers.get("X-RateLimit-Remaining") == "0":
        return int(response.headers.get("X-RateLimit-Interval-Milliseconds", "10000")) / 1000
    return None


def test_platform_rate_limit_headers_give_the_wait_on_429(api, fake):
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Interval-Milliseconds": "10000"}
    api.get(f"{BASE}/x", status=429, headers=headers)
    api.get(f"{BASE}/x", json={})
    client_for(fake, HttpPolicy("Testplat", rate_limit_wait=_hubspot_like)).get_json("/x")
    assert fake.slept == [10.0]


def test_platform_rate_limit_headers_pause_before_the_next_request(api, fake):
    api.get(f"{BASE}/x", json={}, headers={"X-RateLimit-Remaining": "0"})
    api.get(f"{BASE}/x", json={})
    client = client_for(fake, HttpPolicy("Testplat", rate_limit_wait=_hubspot_like))
    client.get_json("/x")
    assert fake.slept == []
    client.get_json("/x")
    assert fake.slept == [10.0]


def test_retry_if_hook_retries_a_platform_specific_answer(api, fake):
    api.get(f"{BASE}/x", status=403, json={"message": "try again"})
    api.get(f"{BASE}/x", json={"ok": 1})
    policy = HttpPolicy("Testplat", retry_if=lambda r: r.status_code == 403 and "again" in r.text)
    assert client_for(fake, policy).get_json("/x") == {"ok": 1}


def test_retry_after_parsing():
    assert retry_after_seconds("120", WALL) == 120
    assert retry_after_seconds("-5", WALL) == 0
    assert retry_after_seconds("soon", WALL) is None
    assert retry_after_seconds("nan", WALL) is None
    assert retry_after_seconds(None, WALL) is None
    assert retry_after_seconds("Fri, 15 Jan 2027 08:01:00 GMT", WALL) == 60


# --- client-side rate limit -----------------------------------------------------------------


def test_token_bucket_spaces_requests(fake):
    bucket = TokenBucket(10, 1, clock=fake.clock, sleep=fake.sleep)
    for _ in range(4):
        bucket.acquire()
    assert fake.slept == pytest.approx([0.1, 0.1, 0.1])


def test_token_bucket_allows_a_burst_and_refills_with_time(fake):
    bucket = TokenBucket(10, 3, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        bucket.acquire()
    assert fake.slept == []
    bucket.acquire()
    assert fake.slept == pytest.approx([0.1])
    fake.now += 0.25  # time passes elsewhere: 2.5 tokens come back
    bucket.acquire()
    bucket.acquire()
    assert fake.slept == pytest.approx([0.1])
    bucket.acquire()
    assert fake.slept == pytest.approx([0.1, 0.05])


def test_token_bucket_with_a_clock_that_does_not_move(fake):
    # A sleep that does not advance the clock must still count as waited.
    bucket = TokenBucket(4, 1, clock=lambda: 5.0, sleep=fake.sleep)
    for _ in range(3):
        bucket.acquire()
    assert fake.slept == pytest.approx([0.25, 0.25])


def test_client_paces_requests_per_platform_and_per_bucket(api, fake):
    api.get(f"{BASE}/x", json={})
    api.post(f"{BASE}/search", json={})
    policy = HttpPolicy("Testplat", rate=10, burst=1, buckets={"search": (4, 1)})
    client = client_for(fake, policy)
    client.get_json("/x")
    client.get_json("/x")
    assert fake.slept == pytest.approx([0.1])
    client.post_json("/search", {}, bucket="search")
    client.post_json("/search", {}, bucket="search")
    # the platform bucket (0.1 s) and then the search bucket's remainder (0.25 - 0.1)
    assert fake.slept == pytest.approx([0.1, 0.1, 0.1, 0.15])
    assert client.log.waited == pytest.approx(0.45)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_variable_never_the_token(api, fake, status):
    api.get(f"{BASE}/me", status=status, json={"message": f"token {TOKEN} is expired"})
    with pytest.raises(SourceAuthError) as caught:
        client_for(fake).get_json("/me")
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_SOURCE
    assert message.startswith(f"Testplat refused the credential in TESTPLAT_TOKEN (HTTP {status}")
    assert "token *** is expired" in message  # the platform's words help, its echo is scrubbed
    assert TOKEN not in message
    assert caught.value.variable == "TESTPLAT_TOKEN"
    assert len(api.calls) == 1  # not retried


def test_not_found_names_the_path(api, fake):
    api.get(f"{BASE}/v3/lists/abc", status=404, json={"title": "Resource Not Found"})
    with pytest.raises(SourceNotFoundError) as caught:
        client_for(fake).get_json("/v3/lists/abc", params={"count": 1})
    assert caught.value.path == "/v3/lists/abc"
    assert str(caught.value).startswith("Testplat: GET /v3/lists/abc was not found (HTTP 404)")
    assert BASE in str(caught.value)


def test_other_client_errors_quote_the_platform(api, fake):
    api.post(f"{BASE}/search", status=400, json={"message": "paging past 10000 results"})
    with pytest.raises(SourceResponseError, match="rejected POST /search \\(HTTP 400\\)") as c:
        client_for(fake).post_json("/search", {"after": "10000"})
    assert "paging past 10000 results" in str(c.value)
    assert c.value.status == 400


def test_malformed_json_quotes_a_short_redacted_excerpt(api, fake):
    body = "<html><body>Gateway says hello " + TOKEN + " " + "x" * 500 + "</body></html>"
    api.get(f"{BASE}/x", body=body, content_type="text/html")
    with pytest.raises(SourceResponseError) as caught:
        client_for(fake).get_json("/x")
    message = str(caught.value)
    assert "did not answer JSON (HTTP 200, text/html)" in message
    assert "<html><body>Gateway says hello ***" in message
    assert TOKEN not in message
    assert len(message) < 400


def test_truncated_json_is_malformed(api, fake):
    api.get(f"{BASE}/x", body='{"results": [1, 2', content_type="application/json")
    with pytest.raises(SourceResponseError, match="did not answer JSON"):
        client_for(fake).get_json("/x")


# --- secrets --------------------------------------------------------------------------------


def test_secrets_are_redacted_from_messages_logs_and_the_request_log(api, fake, caplog):
    """The token in a URL, in a header echo and in a body: it shows up nowhere."""
    caplog.set_level(logging.DEBUG)
    path = f"/v1/{TOKEN}/items"  # a platform that puts the key in the path (and the query)
    echo = {"X-Echo-Authorization": f"Bearer {TOKEN}"}
    for _ in range(2):
        api.get(f"{BASE}{path}", status=500, headers=echo, body=f"bad key {quote(TOKEN, safe='')}")
    api.get(f"{BASE}{path}", status=400, headers=echo, body=f"bad key {TOKEN}")
    client = client_for(fake, HttpPolicy("Testplat", max_tries=3), secrets=[TOKEN])
    with pytest.raises(SourceError) as caught:
        client.get_json(path, params={"apikey": TOKEN})
    logging.getLogger("urllib3.connectionpool").debug(
        'https://api.example.test:443 "GET %s?apikey=%s HTTP/1.1" 500', path, quote(TOKEN)
    )
    texts = [str(caught.value), json.dumps(client.log.to_json())]
    texts += [record.getMessage() for record in caplog.records]
    assert any("/v1/***/items" in text for text in texts)
    for text in texts:
        for form in (TOKEN, quote(TOKEN, safe=""), f"Bearer {TOKEN}"):
            assert form not in text, text
    assert caplog.records  # the retries and the urllib3 line were logged, scrubbed


def test_connection_error_text_is_redacted(api, fake):
    api.get(f"{BASE}/x", body=requests.ConnectionError(f"cannot reach /x?apikey={TOKEN}"))
    client = client_for(fake, HttpPolicy("Testplat", max_tries=1), secrets=[TOKEN])
    with pytest.raises(SourceUnavailableError) as caught:
        client.get_json("/x")
    assert "apikey=***" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_header_credentials_are_registered_automatically(api, fake):
    api.get(f"{BASE}/x", status=401, body=f"you sent {basic_auth('anystring', TOKEN)}")
    client = client_for(fake, headers={"Authorization": basic_auth("anystring", TOKEN)})
    with pytest.raises(SourceAuthError) as caught:
        client.get_json("/x")
    assert "you sent ***" in str(caught.value)
    assert client.redact(f"key {TOKEN}") == "key ***"
    assert api.calls[0].request.headers["Authorization"].startswith("Basic ")


# --- small pieces ---------------------------------------------------------------------------


def test_urls_stay_on_base_url():
    client = HttpClient(HttpPolicy("P"), "http://127.0.0.1:8080/proxy/")
    assert client.url("/v3/x") == "http://127.0.0.1:8080/proxy/v3/x"
    assert client.url("v3/x") == "http://127.0.0.1:8080/proxy/v3/x"
    assert client.url("https://api.hubapi.com/crm/v3/x?after=1") == (
        "http://127.0.0.1:8080/proxy/crm/v3/x?after=1"
    )
    assert client.url("http://127.0.0.1:8080/proxy/y?p=2") == "http://127.0.0.1:8080/proxy/y?p=2"


def test_dig_reads_dotted_paths():
    page = {"paging": {"next": {"after": "x"}}, "rows": [{"id": 1}]}
    assert dig(page, "paging.next.after") == "x"
    assert dig(page, "rows.0.id") == 1
    assert dig(page, "paging.prev.after") is None
    assert dig(page, lambda p: len(p["rows"])) == 1


def test_request_logs_merge():
    one, two = RequestLog(), RequestLog()
    one.count("200", "GET /a", 0.5)
    two.count("429", "GET /a", 0.25)
    two.retries = 1
    one.merge(two)
    assert one.to_json()["by_endpoint"] == {"GET /a": 2}
    assert (one.requests, one.retries, one.seconds) == (2, 1, 0.75)


def test_default_headers_and_timeouts(api, fake):
    api.get(f"{BASE}/x", json={})
    client = client_for(fake, HttpPolicy("P", connect_timeout=3, read_timeout=30))
    sent: dict = {}
    real_send = client.session.send

    def spy(request, **kwargs):
        sent.update(kwargs)
        return real_send(request, **kwargs)

    client.session.send = spy  # type: ignore[method-assign]
    client.get_json("/x")
    assert sent["timeout"] == (3, 30)
    headers = api.calls[0].request.headers
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("auditor/")


def test_redirects_are_followed_on_the_same_origin_only(api, fake):
    api.get(f"{BASE}/old", status=301, headers={"Location": "/new"})
    api.get(f"{BASE}/new", json={"moved": True})
    api.get(f"{BASE}/away", status=302, headers={"Location": "https://elsewhere.test/x"})
    client = client_for(fake, headers={"Api-Token": TOKEN})
    assert client.get_json("/old") == {"moved": True}
    with pytest.raises(SourceResponseError, match=r"redirects to https://elsewhere\.test") as c:
        client.get_json("/away")
    assert "credentials are not sent there" in str(c.value)
    assert all(urlsplit(call.request.url).netloc == "api.example.test" for call in api.calls)
