"""The Brevo connector against the local server speaking Brevo's documented API
(tests/fakes/brevo.py), time injected (the account's now is the fake's)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from click.testing import CliRunner

from auditor.config.loader import load_config
from auditor.connectors.brevo import BrevoConnector, BrevoOptions
from auditor.connectors.brevo.api import brevo_wait
from auditor.core.errors import EXIT_SOURCE, SourceQuotaError
from auditor.core.models import CampaignSend
from auditor.core.period import parse_period
from auditor.core.reasons import localize
from auditor.metrics.catalog import BASE_BY_ID
from auditor.pipeline.runner import months_needed
from tests.fakes.account import AccountSpec
from tests.fakes.base import Reply
from tests.fakes.clock import month_of_ms
from tests.fakes.platforms import DEFAULT_TOKENS, FakePlatforms
from tests.helpers import ROOT, FakeTime

KEY = DEFAULT_TOKENS["brevo"]
TZ = "Europe/Madrid"
Q3 = months_needed(parse_period("2026-Q3"))  # 2025-03 .. 2026-09


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    with FakePlatforms(
        AccountSpec(seed=4242, contacts=20_000, campaigns=600, timezone=TZ)
    ) as running:
        yield running


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREVO_API_KEY", KEY)


def connector(
    fake: FakePlatforms, time: FakeTime | None = None, tz: str = TZ, **options: Any
) -> BrevoConnector:
    clock = time or FakeTime(wall_start=fake.spec.as_of_ms / 1000)
    return BrevoConnector(
        BrevoOptions(base_url=fake.url("brevo"), **options),
        Path("."),
        tz,
        sleep=clock.sleep,
        clock=clock.clock,
        wall_clock=clock.wall,
    )


def test_the_last_six_months_are_brevos_numbers_and_older_ones_are_left_out(fake, key):
    data = connector(fake).fetch(Q3)
    truth = fake.brevo.truth(Q3, TZ)
    read = [m for m in Q3 if "emails_sent" in data.monthly.get(m, {})]
    assert read == ["2026-06", "2026-07", "2026-08", "2026-09"]  # from 2026-06 (now: Nov 15)
    for month in read:
        for metric, value in truth[month].items():
            assert math.isclose(data.monthly[month][metric], value), (month, metric)
    for month in Q3:  # new contacts in every month: the counts reach back
        assert data.monthly[month]["leads_new"] == truth[month]["leads_new"], month
    assert data.provenance["months_without_statistics"] == Q3[:15]
    assert data.provenance["statistics_from"] == "2026-06"
    assert "emails_sent" not in data.not_measured


def test_each_classic_campaign_read_is_a_send_row_with_hard_bounces_only(fake, key):
    data = connector(fake).fetch(Q3)
    read = {"2026-06", "2026-07", "2026-08", "2026-09"}
    expected = sorted(
        (
            CampaignSend(
                str(c["id"]),
                f"Campaign {c['id']}",
                datetime.fromtimestamp(c["_sent"] / 1000, ZoneInfo(TZ)).date(),
                c["_stats"]["sent"],
                c["_stats"]["hardBounces"],
            )
            for c in fake.brevo.campaign_list
            if c["type"] == "classic" and month_of_ms(c["_sent"], TZ) in read
        ),
        key=lambda c: (c.sent_on, c.campaign_id),
    )
    assert len(expected) > 20
    assert data.campaigns == tuple(expected)
    # hard bounces, never hard + soft: the fake gives them different values
    assert any(
        c["_stats"]["hardBounces"] != c["_stats"]["softBounces"] for c in fake.brevo.campaign_list
    )


def test_requests_do_not_grow_with_contacts(key):
    counts = []
    for contacts in (1_000, 1_000_000):
        with FakePlatforms(
            AccountSpec(seed=4242, contacts=contacts, campaigns=600, timezone=TZ)
        ) as fake:
            connector(fake).fetch(Q3)
            counts.append(fake.brevo.endpoints())
    assert counts[0] == counts[1]
    assert counts[0]["GET /contacts"] == 20  # one per month boundary
    assert counts[0]["GET /emailCampaigns"] <= 3  # four months of campaigns, 50 a page


def test_only_classic_campaigns_and_the_confusable_counters(fake, key):
    connector(fake).fetch(Q3)
    asked = [s for s in fake.brevo.requests() if s.path == "/emailCampaigns"]
    assert all(s.query["type"] == ["classic"] for s in asked)
    assert all(s.query["statistics"] == ["globalStats"] for s in asked)
    assert all(s.query["startDate"][0].endswith("+02:00") for s in asked)  # the zone's offset


def test_a_period_older_than_six_months_says_why_email_is_undefined(fake, key):
    old = months_needed(parse_period("2025-Q1"))
    data = connector(fake).fetch(old)
    assert "last 6 months only" in data.not_measured["emails_sent"]
    spanish = localize(data.not_measured["emails_sent"], "es")
    assert spanish.startswith("la lista de campañas de Brevo solo da estadísticas")
    assert all("emails_sent" not in row for row in data.monthly.values())
    assert fake.brevo.endpoints()["GET /emailCampaigns"] == 0


def test_active_workflows_now_and_an_automation_api_refused_is_told(fake, key):
    data = connector(fake).fetch(Q3)
    assert data.monthly["2026-09"]["workflows_active"] == 7
    assert all("workflows_active" not in data.monthly[m] for m in Q3[:-1])
    asked = [s for s in fake.brevo.requests() if s.path == "/automation/workflows"]
    assert [s.query["status"] for s in asked] == [["active"]]
    fake.brevo.routes = [
        (m, p, (lambda q, b: Reply(403, {"code": "permission_denied", "message": "no"})))
        if "automation" in p.pattern
        else (m, p, h)
        for m, p, h in fake.brevo.routes
    ]
    refused = connector(fake).fetch(Q3)
    assert "restricted API keys" in refused.not_measured["workflows_active"]
    assert "no acepta claves" in localize(refused.not_measured["workflows_active"], "es")
    assert "emails_sent" in refused.monthly["2026-09"]  # the rest is read as before


@pytest.mark.parametrize("tz", [TZ, "America/New_York"])
def test_deals_won_and_lost_by_close_month_from_the_named_stages(fake, key, tz):
    # a close date is a calendar date (sent as midnight UTC): the 1st of a month stays in
    # its month in New York too
    data = connector(fake, tz=tz, won_stages=["Ganado"], lost_stages=["s-lost"]).fetch(Q3)
    # "Ganado" is a stage of both pipelines; "s-lost" is one stage by id
    truth = fake.brevo.deal_truth(Q3, won={"s-won", "r-won"}, lost={"s-lost"})
    assert sum(t["deals_won"] for t in truth.values()) > 20
    for month in Q3:
        for metric in ("deals_won", "deals_lost"):
            assert data.monthly[month][metric] == truth[month][metric], (month, metric)
        assert math.isclose(data.monthly[month]["revenue_won"], truth[month]["revenue_won"])
    assert data.provenance["won_stages"] == [
        "Ventas / Ganado (s-won)",
        "Renovaciones / Ganado (r-won)",
    ]
    assert data.provenance["deals_won_without_amount"] > 0
    asked = [s for s in fake.brevo.requests() if s.path == "/crm/deals"]
    assert {s.query["filters[attributes.deal_stage]"][0] for s in asked} == {
        "s-won",
        "r-won",
        "s-lost",
    }
    start = {
        TZ: "2025-03-01T00:00:00.000+01:00",
        "America/New_York": "2025-03-01T00:00:00.000-05:00",
    }
    assert {s.query["modifiedSince"][0] for s in asked} == {start[tz]}


def test_deals_without_stages_or_with_unknown_ones_are_not_measured_saying_why(fake, key):
    unset = connector(fake).fetch(Q3)
    assert "source.won_stages" in unset.not_measured["deals_won"]
    assert "source.won_stages" in localize(unset.not_measured["revenue_won"], "es")
    assert not [s for s in fake.brevo.requests() if s.path.startswith("/crm")]
    unknown = connector(fake, won_stages=["Closed won"]).fetch(Q3)
    assert "no Brevo deal stage is named Closed won" in unknown.not_measured["deals_won"]
    assert "Ventas" not in unknown.not_measured["deals_won"]  # stages, not pipelines
    assert "Ganado (s-won)" in unknown.not_measured["deals_won"]
    no_date = connector(fake, won_stages=["Ganado"], deal_closed_attribute="won_on").fetch(Q3)
    assert "no date attribute 'won_on'" in no_date.not_measured["deals_won"]
    assert "close_date, created_at" in no_date.not_measured["deals_won"]
    no_amount = connector(fake, won_stages=["Ganado"], deal_amount_attribute="value").fetch(Q3)
    assert "no number attribute 'value'" in no_amount.not_measured["revenue_won"]
    assert "deals_won" not in no_amount.not_measured
    assert "revenue_won" not in no_amount.monthly["2026-09"]
    only_won = connector(fake, won_stages=["s-won"]).fetch(Q3)
    assert "lost_stages" in only_won.not_measured["deals_lost"]
    assert "deals_lost" not in only_won.monthly["2026-09"]


def test_stage_options_are_validated():
    with pytest.raises(ValueError, match="both won and lost: Ganado"):
        BrevoOptions(won_stages=["Ganado"], lost_stages=["Ganado"])
    with pytest.raises(ValueError, match="needs won_stages"):
        BrevoOptions(lost_stages=["Perdido"])


def test_every_base_metric_is_measured_or_has_a_true_reason():
    measured, reasons = set(BrevoConnector.metrics), set(BrevoConnector.not_measured)
    assert measured | reasons == set(BASE_BY_ID)
    assert not measured & reasons
    assert set(BrevoConnector.metric_sources) == measured


def _response(status: int, headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    return response


def test_rate_limit_signals_without_retry_after():
    assert brevo_wait(_response(429, {"x-sib-ratelimit-reset": "12"})) == 12
    assert brevo_wait(_response(429, {})) == 60.0
    assert (
        brevo_wait(_response(200, {"x-sib-ratelimit-remaining": "0", "x-sib-ratelimit-reset": "5"}))
        == 5
    )
    assert brevo_wait(_response(200, {"x-sib-ratelimit-remaining": "3"})) is None


def test_an_hourly_limit_fails_fast_saying_when(fake, key):
    fake.brevo.rate_limits = True
    fake.brevo.windows["other"].limit = 1  # one campaign request an hour is left
    with pytest.raises(SourceQuotaError):
        connector(fake).fetch(Q3)


def test_a_wrong_key_exits_3_naming_the_variable(fake, monkeypatch, tmp_path):
    from auditor.cli.main import main

    monkeypatch.setenv("BREVO_API_KEY", "xkeysib-wrong")
    path = tmp_path / "audit.yaml"
    path.write_text(
        f"client: Brevo client\nperiod: 2026-Q3\nsource:\n  connector: brevo\n"
        f"  base_url: {fake.url('brevo')}\ncosts: {{currency: EUR, platform: 100}}\n",
        encoding="utf-8",
    )
    outcome = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert outcome.exit_code == EXIT_SOURCE
    assert "BREVO_API_KEY" in outcome.stderr
    assert "xkeysib-wrong" not in outcome.output + outcome.stderr
    monkeypatch.setenv("BREVO_API_KEY", KEY)
    ok = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "Brevo account Fake Shop SL" in ok.output
    assert "deal stage" not in ok.output  # no stages named: no pipeline asked
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  connector: brevo\n", "  connector: brevo\n  won_stages: [Ganado]\n"
        ),
        encoding="utf-8",
    )
    stages = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert stages.exit_code == 0, stages.output
    assert "deal stage: Ventas / Ganado (id s-won)" in stages.output
    assert "deal stage: Renovaciones / Perdido (id r-lost)" in stages.output
    assert load_config(path).connector is BrevoConnector


def test_a_campaign_without_statistics_is_a_source_error(fake, key, monkeypatch):
    from auditor.core.errors import SourceResponseError

    original = fake.brevo.campaigns

    def broken(query: Any, body: Any) -> Any:
        page = original(query, body)
        for campaign in page["campaigns"]:
            campaign.pop("statistics", None)
        return page

    fake.brevo.routes = [
        (m, p, broken if "emailCampaigns" in p.pattern else h) for m, p, h in fake.brevo.routes
    ]
    with pytest.raises(SourceResponseError, match=r"statistics\.globalStats"):
        connector(fake).fetch(Q3)


def test_the_connector_page_documents_every_option_and_metric():
    page = (ROOT / "docs" / "connectors" / "brevo.md").read_text(encoding="utf-8")
    for option in BrevoOptions.model_fields:
        assert f"`{option}`" in page, option
    for metric in BASE_BY_ID:
        assert f"`{metric}`" in page, metric
