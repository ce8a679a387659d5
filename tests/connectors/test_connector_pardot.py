"""The Account Engagement (Pardot) connector against the local server speaking its
documented API v5 and a Salesforce token endpoint (tests/fakes/pardot.py)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.connectors.pardot import PardotConnector, PardotOptions
from auditor.core.errors import EXIT_SOURCE, SourceQuotaError, SourceResponseError
from auditor.core.period import parse_period
from auditor.core.reasons import localize
from auditor.metrics.catalog import BASE_BY_ID
from auditor.pipeline.runner import months_needed
from tests.fakes.account import AccountSpec
from tests.fakes.base import Reply
from tests.fakes.pardot import BUSINESS_UNIT, CLIENT_ID
from tests.fakes.platforms import DEFAULT_TOKENS, FakePlatforms
from tests.helpers import ROOT, FakeTime

SECRET = DEFAULT_TOKENS["pardot"]
TZ = "Europe/Madrid"  # the audit's zone; the API user's is New York
Q3 = months_needed(parse_period("2026-Q3"))


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms(AccountSpec(seed=515, contacts=10_000, campaigns=400, deals=1200)) as f:
        yield f


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", SECRET)


def connector(fake: FakePlatforms, tz: str = TZ, **options: Any) -> PardotConnector:
    clock = FakeTime(wall_start=fake.spec.as_of_ms / 1000)
    url = fake.url("pardot")
    settings = {"business_unit_id": BUSINESS_UNIT, "login_url": url, "base_url": url, **options}
    return PardotConnector(
        PardotOptions(**settings), Path("."), tz, sleep=clock.sleep, clock=clock.clock
    )


@pytest.mark.parametrize("tz", [TZ, "America/Los_Angeles"])
def test_every_month_is_the_business_units_numbers_in_the_audit_zone(fake, keys, tz):
    data = connector(fake, tz=tz).fetch(Q3)
    truth = fake.pardot.truth(Q3, tz)
    assert sum(t["mqls"] for t in truth.values()) > 50
    assert sum(t["deals_won"] for t in truth.values()) > 20
    for month in Q3:
        for metric, value in truth[month].items():
            if metric == "workflows_active":
                continue
            assert math.isclose(data.monthly[month][metric], value), (month, metric)
    assert data.monthly["2026-09"]["workflows_active"] == truth["2026-09"]["workflows_active"]
    assert "workflows_active" not in data.monthly["2026-08"]
    assert data.provenance["lifecycle_stages"] == {"mqls": 3, "sqls": 4}  # not "MQL-old"
    assert data.provenance["opportunities_closed_without_date"] > 0
    assert data.provenance["program_statuses"] == ["draft", "paused", "running"]


def test_every_call_names_its_fields_and_carries_the_business_unit(keys):
    with FakePlatforms(AccountSpec(seed=515, campaigns=400, deals=12_000)) as fake:
        data = connector(fake).fetch(Q3)
    truth = fake.pardot.truth(Q3, TZ)
    assert data.monthly["2026-08"]["deals_won"] == truth["2026-08"]["deals_won"]
    seen = [s for s in fake.pardot.requests() if s.path.startswith("/api/v5")]
    assert seen
    assert all(s.query.get("fields") for s in seen)
    assert all(s.status == 200 for s in seen)  # the fake refuses a call without the header
    followed = [s for s in seen if "nextPageToken" in s.query]
    assert followed  # pages of 1,000 followed by nextPageUrl, only `fields` beside the token
    assert all(set(s.query) == {"nextPageToken", "fields"} for s in followed)
    months = [s for s in seen if s.path.endswith("/prospects") and "nextPageToken" not in s.query]
    assert len(months) == 19
    assert months[0].query["createdAtAfterOrEqualTo"] == ["2025-03-01T00:00:00+01:00"]
    assert months[0].query["createdAtBeforeOrEqualTo"] == ["2025-03-31T23:59:59+02:00"]


def test_an_expired_token_is_renewed_once(fake, keys):
    original = fake.pardot._collection("lifecycle-histories")
    calls = {"n": 0}

    def expiring(query: Any, body: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            fake.pardot.expire_tokens()
            return Reply(401, {"code": 184, "message": "Inactive token"})
        return original(query, body)

    fake.pardot.routes = [
        (m, p, expiring if "lifecycle-histories" in p.pattern else h)
        for m, p, h in fake.pardot.routes
    ]
    data = connector(fake).fetch(Q3)
    truth = fake.pardot.truth(Q3, TZ)
    assert data.monthly["2026-09"]["mqls"] == truth["2026-09"]["mqls"]
    tokens = [s for s in fake.pardot.requests() if s.path == "/services/oauth2/token"]
    assert len(tokens) == 2


def test_wrong_credentials_exit_3_naming_the_variables(fake, monkeypatch, tmp_path):
    from auditor.cli.main import main

    monkeypatch.setenv("SALESFORCE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "not-the-secret-123")
    url = fake.url("pardot")
    path = tmp_path / "audit.yaml"
    path.write_text(
        f"client: B2B client\nperiod: 2026-Q3\nsource:\n  connector: pardot\n"
        f"  business_unit_id: {BUSINESS_UNIT}\n  login_url: {url}\n  base_url: {url}\n"
        "costs: {currency: USD, platform: 100}\n",
        encoding="utf-8",
    )
    outcome = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert outcome.exit_code == EXIT_SOURCE
    assert "SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET" in outcome.stderr
    assert "not-the-secret-123" not in outcome.output + outcome.stderr
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", SECRET)
    ok = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "Account Engagement account Fake Industrial Inc" in ok.output
    assert "of 50000 API calls used today" in ok.output


def test_email_activities_can_be_left_to_another_source_and_none_is_not_0(fake, keys):
    off = connector(fake, read_email_activities=False).fetch(Q3)
    assert "read_email_activities is false" in off.not_measured["emails_sent"]
    assert "emails_sent" not in off.monthly["2026-09"]
    assert not [s for s in fake.pardot.requests() if s.path.endswith("visitor-activities")]
    with FakePlatforms(AccountSpec(seed=515, campaigns=0, deals=300)) as quiet:
        none = connector(quiet).fetch(Q3)
    assert "reports no email sent" in none.not_measured["unique_opens"]
    assert all("emails_sent" not in row for row in none.monthly.values())


def test_a_stage_the_business_unit_lacks_is_not_measured_saying_which_it_has(fake, keys):
    data = connector(fake, mql_stage="Marketing Qualified").fetch(Q3)
    assert "no lifecycle stage named 'Marketing Qualified'" in data.not_measured["mqls"]
    assert "MQL, Prospect, SQL, Visitor, Won Opportunity" in data.not_measured["mqls"]
    assert "ninguna etapa" in localize(data.not_measured["mqls"], "es")
    assert "mqls" not in data.monthly["2026-09"]
    assert data.monthly["2026-09"]["sqls"] >= 0


def test_the_daily_limit_stops_the_run_and_the_concurrent_limit_is_waited(fake, keys):
    fake.pardot.storm(2, path="/api/v5/objects/account")
    data = connector(fake).fetch(Q3)
    assert data.provenance["http"]["retries"] == 2
    fake.pardot.daily_limit_met = True
    with pytest.raises(SourceQuotaError, match="Account Engagement"):
        connector(fake).fetch(Q3)


def test_a_malformed_answer_is_a_source_error(fake, keys):
    fake.pardot.routes = [
        (m, p, (lambda q, b: {"values": "nope", "nextPageUrl": None}))
        if "opportunities" in p.pattern
        else (m, p, h)
        for m, p, h in fake.pardot.routes
    ]
    with pytest.raises(SourceResponseError, match="opportunities"):
        connector(fake).fetch(Q3)


def test_options_are_validated():
    with pytest.raises(ValueError, match="business_unit_id"):
        PardotOptions(login_url="https://acme.my.salesforce.com")
    with pytest.raises(ValueError, match="should match pattern"):
        PardotOptions(business_unit_id="0Uv123", login_url="https://acme.my.salesforce.com")
    options = PardotOptions(
        business_unit_id=BUSINESS_UNIT, login_url="https://acme.my.salesforce.com"
    )
    assert PardotConnector(options, Path(".")).api_base_url() == "https://pi.pardot.com"


def test_every_base_metric_is_measured_or_has_a_true_reason():
    measured, reasons = set(PardotConnector.metrics), set(PardotConnector.not_measured)
    assert measured | reasons == set(BASE_BY_ID)
    assert not measured & reasons
    assert set(PardotConnector.metric_sources) == measured


def test_the_connector_page_documents_every_option_and_metric():
    page = (ROOT / "docs" / "connectors" / "pardot.md").read_text(encoding="utf-8")
    for option in PardotOptions.model_fields:
        assert f"`{option}`" in page, option
    for metric in BASE_BY_ID:
        assert f"`{metric}`" in page, metric
