"""Each platform connector against a local server speaking the platform's DOCUMENTED API.

The server (`tests.fakes.platforms`) is written from the platforms' documentation,
not from what the connectors call, and serves a seeded synthetic account none of
the connectors' own tests use.  Each test runs a real audit
(`runner.audit(load_config(...))`) with `base_url` pointing at it and compares the
monthly metrics the connector fetched with the numbers the server generated.

Time is injected into the connectors (their HTTP client takes `sleep` and
`clock`), so pacing and Retry-After waits are recorded, never slept; the
server's own rate limiting is therefore off here (bench/bench_connectors.py runs
with it on, in real time).  A connector that disagrees with the documented API
is not fixed here: its test is marked xfail(strict=True) naming the discrepancy.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from click.testing import CliRunner

from auditor.config.loader import load_config
from auditor.connectors import registry
from auditor.connectors.activecampaign import ActiveCampaignConnector
from auditor.connectors.hubspot import HubSpotConnector
from auditor.connectors.klaviyo import KlaviyoConnector
from auditor.connectors.mailchimp import MailchimpConnector
from auditor.core.errors import EXIT_SOURCE, InputError
from auditor.core.models import AuditResult
from auditor.metrics.catalog import BASE_BY_ID
from auditor.pipeline.runner import audit, months_needed
from tests import helpers
from tests.fakes.account import AccountSpec, ContactFilter
from tests.fakes.clock import month_of_ms
from tests.fakes.platforms import DEFAULT_TOKENS, FakePlatforms

SEED = 7331  # an account no connector test has seen
WRONG = "wrong-token-0000-do-not-print-me"


# --- time injected into the connectors ----------------------------------------------------


class FakeTime(helpers.FakeTime):
    """The real monotonic clock, moved on by every sleep (which returns at once): the fake
    platforms count requests in real time."""

    def __init__(self) -> None:
        super().__init__(base=time.monotonic)


class _Fast:
    """Mixin: the connector as the runner builds it, with FakeTime injected."""

    clock_source: ClassVar[FakeTime] = FakeTime()

    def __init__(self, options: Any, config_dir: Path, timezone: str = "UTC") -> None:
        t = _Fast.clock_source
        super().__init__(options, config_dir, timezone, sleep=t.sleep, clock=t.clock)  # type: ignore[call-arg]


class FastHubSpot(_Fast, HubSpotConnector):
    pass


class FastMailchimp(_Fast, MailchimpConnector):
    pass


class FastActiveCampaign(_Fast, ActiveCampaignConnector):
    pass


class FastKlaviyo(_Fast, KlaviyoConnector):
    pass


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    for name, cls in (
        ("hubspot", FastHubSpot),
        ("mailchimp", FastMailchimp),
        ("activecampaign", FastActiveCampaign),
        ("klaviyo", FastKlaviyo),
    ):
        monkeypatch.setitem(registry._BUILTIN, name, f"{__name__}:{cls.__name__}")
    _Fast.clock_source = FakeTime()
    return _Fast.clock_source


# --- per-platform set-up ------------------------------------------------------------------

# platform -> (credential variable, audit time zone = the account's, source options)
SETUP: dict[str, tuple[str, str, str]] = {
    "hubspot": ("HUBSPOT_TOKEN", "Europe/Madrid", "  base_url: {url}\n"),
    "mailchimp": ("MAILCHIMP_API_KEY", "Europe/Madrid", "  base_url: {url}\n"),
    "activecampaign": (
        "ACTIVECAMPAIGN_API_TOKEN",
        "America/Chicago",
        "  account_url: {url}\n",
    ),
    "klaviyo": (
        "KLAVIYO_API_KEY",
        "Europe/Madrid",
        "  base_url: {url}\n  new_contacts_segment: SegAll1\n",
    ),
}
PLATFORMS = tuple(SETUP)
LATER = {  # an endpoint each connector calls after its first request
    "hubspot": "/crm/v3/objects/contacts/search",
    "mailchimp": "/automations",
    "activecampaign": "/api/3/contacts",
    "klaviyo": "/api/flows",
}


def spec_for(platform: str, **changes: Any) -> AccountSpec:
    return AccountSpec(seed=SEED, timezone=SETUP[platform][1], **changes)


def write_config(folder: Path, platform: str, url: str, tz: str | None = None) -> Path:
    _, account_tz, options = SETUP[platform]
    tz = tz or account_tz
    path = folder / "audit.yaml"
    path.write_text(
        f"client: Fake {platform}\nperiod: 2026-Q3\nlanguage: en\ntimezone: {tz}\n"
        f"source:\n  connector: {platform}\n{options.format(url=url)}"
        "costs: {currency: EUR, platform: 3000, staff: 6000, services: 1000, media: 2000, "
        "sales: 4000, overhead: 1000}\nfinance: {gross_margin: 0.5}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start fake servers for a test; every one is stopped at its end."""
    started: list[FakePlatforms] = []

    def start(spec: AccountSpec, **kwargs: Any) -> FakePlatforms:
        fake = FakePlatforms(spec, **kwargs).start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


def run_audit(
    platform: str,
    fake: FakePlatforms,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    tz: str | None = None,
) -> AuditResult:
    variable = SETUP[platform][0]
    monkeypatch.setenv(variable, DEFAULT_TOKENS[platform])
    return audit(load_config(write_config(folder, platform, fake.url(platform), tz)))


def mismatches(
    platform: str, fake: FakePlatforms, result: AuditResult, tz: str | None = None
) -> list[str]:
    """Every (month, metric) where the connector's monthly value is not the truth, audit
    months being calendar months in `tz` (default: the account's zone)."""
    config_months = months_needed(result.period)
    truth = fake.platforms[platform].truth(config_months, tz or SETUP[platform][1])
    stocks = fake.platforms[platform].stock_metrics
    monthly: dict[str, dict[str, float]] = result.snapshot["monthly"]
    connector = registry.load(platform)
    wrong: list[str] = []
    for metric in connector.metrics:
        if metric in result.snapshot["not_measured"]:
            reason = result.snapshot["not_measured"][metric]
            wrong.append(f"{metric}: not measured ({reason})")
            continue
        reported = [m for m in config_months if metric in monthly.get(m, {})]
        if metric in stocks:
            if config_months[-1] not in reported:
                wrong.append(f"{metric}: the stock is missing in {config_months[-1]}")
        elif reported != config_months:
            missing = sorted(set(config_months) - set(reported))
            wrong.append(f"{metric}: missing in {', '.join(missing)}")
        for month in reported:
            got, want = monthly[month][metric], truth[month][metric]
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=0.005):
                wrong.append(f"{month} {metric}: connector {got:g}, truth {want:g}")
    return wrong


def request_identity(fake: FakePlatforms, platform: str) -> Counter[str]:
    """The requests a run made, as a multiset of method, path, query and body."""
    return Counter(
        json.dumps([s.method, s.path, sorted(s.query.items()), s.body], sort_keys=True, default=str)
        for s in fake.platforms[platform].requests()
    )


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_true_monthly_numbers_with_the_same_requests_for_1k_and_1m_contacts(
    platform, serve, fake_time, tmp_path, monkeypatch
):
    runs = {}
    for contacts in (1_000, 1_000_000):
        fake = serve(spec_for(platform, contacts=contacts))
        folder = tmp_path / str(contacts)
        folder.mkdir()
        result = run_audit(platform, fake, folder, monkeypatch)
        assert result.source["connector"] == platform
        assert mismatches(platform, fake, result) == [], contacts
        statuses = fake.platforms[platform].statuses()
        assert set(statuses) <= {200, 207}, statuses  # nothing the documented API refuses
        runs[contacts] = request_identity(fake, platform)
    assert runs[1_000] == runs[1_000_000]  # method, path, query and body, request by request
    assert sum(runs[1_000].values()) < 200


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_429_storm_is_survived_waiting_as_told(platform, serve, fake_time, tmp_path, monkeypatch):
    fake = serve(spec_for(platform, contacts=1_000))
    fake.platforms[platform].storm(3, retry_after=1)  # the first request, three times
    fake.platforms[platform].storm(2, retry_after=2, path=LATER[platform])
    result = run_audit(platform, fake, tmp_path, monkeypatch)
    assert mismatches(platform, fake, result) == []
    assert fake.platforms[platform].statuses()[429] == 5
    http = result.source["provenance"]["http"]
    assert http["retries"] == 5
    # Klaviyo's reports are paced at 2 a minute (waits of about 30 s): not Retry-After's
    pacing = 25.0 if platform == "klaviyo" else math.inf
    waits = sorted(w for w in fake_time.slept if 1.0 <= w < pacing)
    assert waits == [1.0, 1.0, 1.0, 2.0, 2.0]  # Retry-After, no more, no less


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_wrong_token_exits_3_naming_the_variable_not_the_token(
    platform, serve, fake_time, tmp_path, monkeypatch
):
    from auditor.cli.main import main

    fake = serve(spec_for(platform, contacts=1_000))
    variable = SETUP[platform][0]
    monkeypatch.setenv(variable, WRONG)
    path = write_config(tmp_path, platform, fake.url(platform))
    outcome = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert outcome.exit_code == EXIT_SOURCE, outcome.output
    said = outcome.stdout + outcome.stderr
    assert variable in outcome.stderr
    assert WRONG not in said
    assert DEFAULT_TOKENS[platform] not in said
    refused = fake.platforms[platform].statuses()
    assert refused[401] + refused[403] >= 1
    assert set(refused) <= {401, 403}


# The audit's zone is not the account's: a month's bounds are instants the connector
# must send as such.  Day-based reports the API only gives in the account's days
# (HubSpot analytics) are counted by those days in the truth too.
OTHER_ZONE = {
    "hubspot": "America/New_York",
    "mailchimp": "America/New_York",
    "activecampaign": "Europe/Madrid",
    "klaviyo": "America/New_York",  # its reports keep the account's months (the truth's)
}


@pytest.mark.parametrize(
    "platform",
    [
        "hubspot",
        "mailchimp",
        "activecampaign",
    ],
)
def test_audit_months_in_another_zone_than_the_account(
    platform, serve, fake_time, tmp_path, monkeypatch
):
    fake = serve(spec_for(platform, contacts=1_000_000))
    tz = OTHER_ZONE[platform]
    result = run_audit(platform, fake, tmp_path, monkeypatch, tz)
    assert mismatches(platform, fake, result, tz) == []


@pytest.mark.parametrize("contacts", [1_000, 1_000_000])
def test_hubspot_unengaged_count_is_the_graymail_rule(
    contacts, serve, fake_time, tmp_path, monkeypatch
):
    """The fake evaluates the searches' filters; the truth applies HubSpot's rule in its
    own words, so a wrong operator or group in the connector's query shows."""
    fake = serve(spec_for("hubspot", contacts=contacts))
    result = run_audit("hubspot", fake, tmp_path, monkeypatch)
    engagement = result.analysis["deliverability"]["engagement"]
    mailed, unengaged = fake.hubspot.unengaged_truth()
    assert 0 < unengaged < mailed < contacts
    assert (engagement["contacts_emailed"], engagement["contacts_unengaged"]) == (
        mailed,
        unengaged,
    )
    assert result.snapshot["engagement"]["contacts_unengaged"] == unengaged


def test_hubspot_won_deals_past_the_search_cap(serve, fake_time, tmp_path, monkeypatch):
    """12,000 deals won in one month: one search window cannot page past 10,000."""
    fake = serve(spec_for("hubspot", contacts=1_000, extra_won_deals=("2026-08", 12_000)))
    result = run_audit("hubspot", fake, tmp_path, monkeypatch)
    assert mismatches("hubspot", fake, result) == []
    assert result.snapshot["monthly"]["2026-08"]["deals_won"] > 12_000
    assert fake.hubspot.statuses()[400] == 0
    pages = [
        s for s in fake.hubspot.requests() if s.path == "/crm/v3/objects/deals/search" and s.body
    ]
    assert max(int(s.body.get("after") or 0) for s in pages) < 10_000


def test_hubspot_portal_currency_must_agree_with_costs_currency(
    serve, fake_time, tmp_path, monkeypatch
):
    """A USD portal audited with `costs: {currency: EUR}`: exit 2 naming the line, no mix."""
    fake = serve(spec_for("hubspot", contacts=1_000, currency="USD"))
    with pytest.raises(InputError) as caught:
        run_audit("hubspot", fake, tmp_path, monkeypatch)
    (problem,) = caught.value.problems
    assert problem.path == "costs.currency"
    assert problem.line == 8
    assert f"HubSpot portal {fake.hubspot.portal_id} states its money" in problem.message
    assert "in USD" in problem.message


# --- the fake itself keeps the documented rules -------------------------------------------


def test_the_hubspot_fake_holds_values_only_the_right_fields_give(serve):
    """Bounces, revenue and workflows differ between the right field and the tempting one."""
    fake = serve(spec_for("hubspot", contacts=1_000))
    hub = fake.hubspot
    months = [f"2026-{m:02d}" for m in range(1, 11)]
    truth = hub.truth(months, "UTC")
    _, sends = hub.email_sends
    assert all(c["bounce"] == c["hardbounced"] for _, _, c in sends)  # documented: hard only
    bounce_counter = {
        m: sum(c["bounce"] for when, _, c in sends if month_of_ms(when) == m) for m in months
    }
    assert all(truth[m]["bounces"] > bounce_counter[m] for m in months)  # + the soft bounces
    assert hub.account_details({}, None)["additionalCurrencies"] == ["USD"]
    summed_amounts = dict.fromkeys(months, 0.0)
    for deal in hub.deals:
        props = deal["properties"]
        closed = props.get("closedate")
        if props["hs_is_closed_won"] == "true" and closed and month_of_ms(closed) in months:
            summed_amounts[month_of_ms(closed)] += float(props.get("amount") or 0)
    assert all(truth[m]["revenue_won"] < summed_amounts[m] for m in months)  # USD -> EUR 0.9
    enabled = [f for f in hub.flow_list if f["isEnabled"] and f["flowType"] == "WORKFLOW"]
    assert {"0-3", "0-5"} <= {f["objectTypeId"] for f in enabled}  # a deal and a ticket flow
    assert truth["2026-10"]["workflows_active"] < len(enabled)


def test_the_fake_enforces_the_documented_limits(serve):
    fake = serve(spec_for("activecampaign", contacts=1_000), rate_limits=True)
    with requests.Session() as s:
        s.headers["Api-Token"] = DEFAULT_TOKENS["activecampaign"]
        url = fake.url("activecampaign") + "/api/3/automations"
        answers = [s.get(url) for _ in range(7)]  # well within a second
        assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
        assert answers[5].headers["Retry-After"] == "1"
        assert answers[5].headers["RateLimit-Limit"] == "5"

        s.headers["Authorization"] = f"Bearer {DEFAULT_TOKENS['hubspot']}"
        search = fake.url("hubspot") + "/crm/v3/objects/contacts/search"
        past = s.post(search, json={"limit": 10, "after": "10000"})
        assert past.status_code == 400
        assert past.json()["category"] == "VALIDATION_ERROR"
        assert s.post(search, json={"limit": 201}).status_code == 400
        assert s.post(search, json={"limit": 1}).json()["total"] == 1_000


def test_the_fake_answers_as_documented(serve):
    fake = serve(spec_for("hubspot", contacts=1_000))
    with requests.Session() as s:
        flows = s.get(fake.url("hubspot") + "/automation/v4/flows")
        assert flows.status_code == 401
        assert flows.json()["category"] == "INVALID_AUTHENTICATION"

        key = DEFAULT_TOKENS["mailchimp"]
        reports = fake.url("mailchimp") + "/reports"
        assert s.get(reports, params={"count": 1001}, auth=("any", key)).status_code == 400
        page = s.get(
            reports, params={"count": 2, "fields": "reports.emails_sent"}, auth=("any", key)
        ).json()
        assert page == {"reports": [{"emails_sent": ANY_INT}, {"emails_sent": ANY_INT}]}
        assert s.get(reports, auth=("any", "bad-us21")).json()["title"] == "API Key Invalid"

        campaigns = fake.url("activecampaign") + "/api/3/campaigns"
        token = {"Api-Token": DEFAULT_TOKENS["activecampaign"]}
        big = s.get(campaigns, params={"limit": 500}, headers=token).json()
        assert len(big["campaigns"]) == 100  # at most 100 a page
        assert big["meta"]["total"] == "2000"  # a string
        assert isinstance(big["campaigns"][0]["send_amt"], str)
        assert s.get(campaigns, headers={"Api-Token": "nope"}).status_code == 403


class _AnyInt:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, int) and not isinstance(other, bool)


ANY_INT = _AnyInt()


def test_the_fake_counts_contacts_in_closed_form(serve):
    fake = serve(spec_for("hubspot", contacts=1_000_003))
    book = fake.hubspot.contacts
    assert sum(c.count for c in book.cohorts) == 1_000_003
    months = [c.month for c in book.cohorts]
    created = fake.hubspot.truth(months, "UTC")
    assert sum(row["leads_new"] for row in created.values()) == 1_000_003
    # a brute-force check of one cohort's lifecycle dates against the closed form
    cohort = book.cohorts[10]
    lo, hi = cohort.created(0), cohort.created(cohort.count - 1) + 90 * 86_400_000
    brute = sum(
        1
        for k in range(cohort.count)
        if (when := book.stage_date(cohort, k, "marketingqualifiedlead")) is not None
        and lo <= when <= hi
    )
    mql = ContactFilter("marketingqualifiedlead", lo, hi)
    assert brute == book._range(cohort, [mql]).count()


def test_every_platform_truth_covers_what_its_connector_measures(serve):
    fake = serve(AccountSpec(seed=SEED, contacts=1_000))
    for platform in PLATFORMS:
        truth = fake.platforms[platform].truth(["2026-07"], "UTC")["2026-07"]
        connector = registry.load(platform)
        assert set(connector.metrics) <= set(truth), platform
        assert set(truth) <= set(BASE_BY_ID), platform
