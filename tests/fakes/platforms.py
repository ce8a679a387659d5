"""A local server speaking the DOCUMENTED APIs of HubSpot, Mailchimp, ActiveCampaign,
Klaviyo and Brevo (tests/fakes/klaviyo.py and brevo.py say what of theirs is simulated).

Written from the platforms' documentation (../shared/reference/platform-apis.md
sections 1-3 and 9-11, and the vendors' reference pages it cites), never from
what our connectors happen to call: a connector that drifts from the
documented API (a wrong parameter, a page cap it ignores, a field it assumes)
gets a wrong number or an error here, as it would against the real platform.

    with FakePlatforms(AccountSpec(contacts=1_000_000, campaigns=2_000)) as fake:
        fake.url("hubspot")          # http://127.0.0.1:PORT/hubspot
        fake.url("mailchimp")        # http://127.0.0.1:PORT/mailchimp/3.0
        fake.url("activecampaign")   # http://127.0.0.1:PORT/activecampaign  (API at /api/3)
        fake.hubspot.truth(months, "Europe/Madrid")   # the true monthly numbers
        fake.hubspot.seen                              # every request (method, path, query)

The account is synthetic and seeded (`AccountSpec`): the same spec gives the
same account, byte for byte.  Contacts are never materialised: they are
cohorts (one per month) whose creation and lifecycle-stage dates are
arithmetic progressions, so a CRM search `total` or a count of contacts
created in a month is computed in closed form, for 1,000 contacts or
100,000,000.  Campaigns, deals and workflows are a few thousand records.
Other entities do not depend on the number of contacts, so two accounts that
differ only in contacts differ only in contact counts.

What is simulated, per platform (and what the fake decides where the
documentation is silent, marked [fake]):

HubSpot (`Authorization: Bearer <private-app token>`; wrong token: 401 with
`category: INVALID_AUTHENTICATION`):
- `GET /account-info/v3/details`: `companyCurrency` and one of
  `additionalCurrencies` (a portal with two currencies).
- `GET /marketing/v3/emails/statistics/list` (and the dated
  `/marketing/emails/2026-03/statistics/list`): `startTimestamp`,
  `endTimestamp` (ISO 8601 or epoch ms; both ends included [fake]),
  `emailIds`; answers `aggregate.{counters,ratios,...}`, `campaignAggregations`,
  `emails` (ids sent in the span).  Ratios are percentages.  `bounce` is the
  hard bounces, as HubSpot documents it (its description is `hardbounced`'s);
  `softbounced` differs from it.
- `GET /automation/v4/flows` (`limit` <= 100, opaque `after` cursor,
  `paging.next.after`), `GET /automation/v4/flows/{flowId}`,
  `POST /automation/v4/flows/batch/read` (`inputs: [{flowId, type: FLOW_ID}]`).
  Flows enroll contacts, companies, deals or tickets (`objectTypeId` 0-1,
  0-2, 0-3, 0-5); an enabled deal flow and an enabled ticket flow always exist.
- Deals in the company currency or the additional one (`deal_currency_code`):
  `amount` is in the deal's currency, `amount_in_home_currency` in the company
  currency (amount x the fixed rate `HS_RATE`) [fake: one rate for all time].
- `POST /crm/v3/objects/{contacts,deals}/search`: `filterGroups` (<= 5 groups,
  <= 10 filters each, <= 25 in all), operators EQ NEQ GT GTE LT LTE BETWEEN
  (`value`/`highValue`, inclusive) IN NOT_IN HAS_PROPERTY NOT_HAS_PROPERTY,
  `sorts`, `properties`, `limit` <= 200, `after`; answers `total` (exact, even
  past 10,000), `results` (property values are strings) and
  `paging.next.after`; an `after` at or past 10,000 is HTTP 400.  Contacts
  support one group of AND filters (EQ GT GTE LT LTE BETWEEN HAS_PROPERTY) on
  createdate, hs_object_id and the lifecycle date properties
  (hs_lifecyclestage_<stage>_date, hs_v2_date_entered_<stage>), sorted by
  hs_object_id or createdate; anything else is a 400 saying it is not simulated.
- `GET /analytics/v2/reports/{sources,totals}/total?start=YYYYMMDD&end=YYYYMMDD`
  (days in the portal's time zone, both included): `totals` and `breakdowns`
  whose `breakdown` is the source (ORGANIC_SEARCH, EMAIL_MARKETING, ...).
- Limits: 100 requests / 10 s rolling (private app, Free/Starter), 5 / s on the
  search endpoints, 250,000 / day; a 429 carries `errorType: RATE_LIMIT`,
  `policyName` (TEN_SECONDLY_ROLLING, SECONDLY, DAILY), `Retry-After` [fake:
  HubSpot does not promise it] and `X-HubSpot-RateLimit-*` headers (these
  also on every non-search success while limits are on).

Mailchimp Marketing API v3 (HTTP Basic, any user name, the key as password,
or `Bearer`/`OAuth <key>`; wrong key: 401 problem+json "API Key Invalid"):
- `GET /` (account), `GET /lists/{list_id}`, `GET /reports` and
  `GET /reports/{id}` (`since_send_time` / `before_send_time`: sent strictly
  after / before [fake: "after" and "before" read literally]), `GET /campaigns`,
  `GET /automations`, `GET /ecommerce/stores`.
- Offset paging: `count` (default 10, over 1000 is a 400) and `offset`;
  `total_items`.  `fields` / `exclude_fields` (dot notation) are applied, so
  only the fields asked for come back (`total_items` included).
- Reports of automation emails are listed too (type `automation`) with their
  lifetime counters [fake]; the truth never counts them (issue 5: lifetime
  totals are not period figures).
- Limit: 10 simultaneous connections; over it, 429 (problem+json) with
  `Retry-After` [fake: Mailchimp sends none].

ActiveCampaign API v3 (`Api-Token` header; wrong token: 403, which is what
ActiveCampaign documents for a missing or invalid token):
- `GET /api/3/users/me`, `/api/3/campaigns` (`orders[sdate]`, `orders[ldate]`,
  `filters[seriesid]`; NULL send dates first ascending, last descending, as
  MySQL does [fake]), `/api/3/automations`, `/api/3/contacts`
  (`filters[created_after|created_before]`, `id_greater`, `id_less`,
  `orders[id|cdate]`), `/api/3/deals` (`filters[status|stage|group|owner]`,
  `filters[created_*|updated_*]`, `orders[cdate|mdate|value|title]`).
- Offset paging: `limit` (default 20, at most 100: larger values are cut to
  100 [fake]) and `offset`; `meta.total` is a string.  Every number is a
  string, deal values in cents, dates carry the account's UTC offset.
- Date filters: `*_after` includes the given instant, `*_before` excludes it
  (the deals reference says "greater than or equal" / "less than"); a date
  without a time is midnight in the account's time zone [fake].
- Limit: 5 requests per second per account (sliding one-second window); a 429
  carries `Retry-After` and `RateLimit-Limit` / `RateLimit-Remaining`.

Latency (`latency=(0.02, 0.05)`) is slept before each answer is sent (limits
count requests when they arrive).  Rate limits are off unless
`rate_limits=True` (tests inject a fake clock into the connectors, which then
never really wait); `storm(n, retry_after)` answers the next n requests 429.
Each platform's `truth(months, tz)` gives the monthly base metrics a correct
connector returns, audit months being calendar months in `tz`; its docstring
says what counts.

The parts: `clock.py`, `account.py`, `base.py`, one module per platform, and the server
here."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.account import AccountSpec
from tests.fakes.activecampaign import ActiveCampaignFake
from tests.fakes.base import FakePlatform, Reply
from tests.fakes.brevo import BrevoFake
from tests.fakes.hubspot import HubSpotFake
from tests.fakes.klaviyo import KlaviyoFake
from tests.fakes.mailchimp import MailchimpFake
from tests.fakes.marketo import MarketoFake
from tests.fakes.pardot import PardotFake

# --- the server ---------------------------------------------------------------------------

PLATFORMS: Mapping[str, type[FakePlatform]] = {
    "hubspot": HubSpotFake,
    "mailchimp": MailchimpFake,
    "activecampaign": ActiveCampaignFake,
    "klaviyo": KlaviyoFake,
    "brevo": BrevoFake,
    "marketo": MarketoFake,
    "pardot": PardotFake,
}
DEFAULT_TOKENS: Mapping[str, str] = {
    "hubspot": "pat-eu1-fake0000-0000-4000-8000-000000000001",
    "mailchimp": "0123456789abcdef0123456789abcdef-us21",
    "activecampaign": "fakeactivecampaigntoken000000000000000000000000000000000000000000000000",
    "klaviyo": "pk_fake0000000000000000000000000000000",
    "brevo": "xkeysib-fake0000000000000000000000000000000000000000000000000000000000000000-Ab",
    "marketo": "fakeMarketoClientSecret000000000000000",  # the custom service's secret
    "pardot": "FAKE0CONSUMER0SECRET0000000000000000000000000000",  # the connected app's
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    platforms: dict[str, FakePlatform]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # One answer is one write; without this, Nagle and delayed ACKs add ~40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = Reply(404, {"message": f"no fake platform at {parts.path}"})
        for platform in self.server.platforms.values():
            root = platform.prefix + platform.api_root
            if parts.path == root or parts.path.startswith(root + "/"):
                path = parts.path[len(root) :] or "/"
                reply = platform.handle(method, path, query, headers, body)
                break
        raw = isinstance(reply.body, bytes)  # a file (an export's CSV), sent as is
        data = reply.body if raw else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        content_type = reply.headers.get("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            if name != "Content-Type":
                self.send_header(name, value)
        self._headers_buffer.append(b"\r\n")  # end_headers(), flushed with the body
        self.wfile.write(b"".join(self._headers_buffer) + data)
        self._headers_buffer = []

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")


class FakePlatforms:
    """The three fake platforms on one loopback port; a context manager.

    `latency` is (min, max) seconds slept before each answer; `rate_limits`
    turns on each platform's documented limits; `tokens` replaces the
    credentials the platforms accept (default: DEFAULT_TOKENS).
    """

    def __init__(
        self,
        spec: AccountSpec | None = None,
        *,
        latency: tuple[float, float] = (0.0, 0.0),
        rate_limits: bool = False,
        tokens: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec or AccountSpec()
        chosen = {**DEFAULT_TOKENS, **(tokens or {})}
        self.platforms: dict[str, FakePlatform] = {
            name: cls(self.spec, chosen[name], latency=latency, rate_limits=rate_limits)
            for name, cls in PLATFORMS.items()
        }
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def hubspot(self) -> HubSpotFake:
        found = self.platforms["hubspot"]
        assert isinstance(found, HubSpotFake)
        return found

    @property
    def mailchimp(self) -> MailchimpFake:
        found = self.platforms["mailchimp"]
        assert isinstance(found, MailchimpFake)
        return found

    @property
    def activecampaign(self) -> ActiveCampaignFake:
        found = self.platforms["activecampaign"]
        assert isinstance(found, ActiveCampaignFake)
        return found

    @property
    def klaviyo(self) -> KlaviyoFake:
        found = self.platforms["klaviyo"]
        assert isinstance(found, KlaviyoFake)
        return found

    @property
    def brevo(self) -> BrevoFake:
        found = self.platforms["brevo"]
        assert isinstance(found, BrevoFake)
        return found

    @property
    def marketo(self) -> MarketoFake:
        found = self.platforms["marketo"]
        assert isinstance(found, MarketoFake)
        return found

    @property
    def pardot(self) -> PardotFake:
        found = self.platforms["pardot"]
        assert isinstance(found, PardotFake)
        return found

    def start(self) -> FakePlatforms:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.platforms = self.platforms
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fake-platforms", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakePlatforms:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return int(self._server.server_address[1])

    def url(self, platform: str) -> str:
        """The `base_url` to give the platform's connector."""
        found = self.platforms[platform]
        return f"http://127.0.0.1:{self.port}{found.prefix}{found.api_root}"
