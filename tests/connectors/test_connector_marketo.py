"""The Marketo connector against the local server speaking Marketo's documented REST API
(tests/fakes/marketo.py), time injected (the instance's now is the fake's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from click.testing import CliRunner

from auditor.connectors.marketo import MarketoConnector, MarketoOptions
from auditor.connectors.marketo.api import marketo_wait, retry_marketo
from auditor.core.errors import EXIT_SOURCE, SourceAuthError, SourceQuotaError
from auditor.core.period import parse_period
from auditor.core.reasons import localize
from auditor.metrics.catalog import BASE_BY_ID
from auditor.pipeline.runner import months_needed
from tests.fakes.account import AccountSpec
from tests.fakes.marketo import CLIENT_ID
from tests.fakes.platforms import DEFAULT_TOKENS, FakePlatforms
from tests.helpers import ROOT, FakeTime

SECRET = DEFAULT_TOKENS["marketo"]
TZ = "America/Chicago"
Q3 = months_needed(parse_period("2026-Q3"))  # 2025-03 .. 2026-09


@pytest.fixture(scope="module")
def spec() -> AccountSpec:
    return AccountSpec(seed=777, contacts=50_000, campaigns=160, timezone=TZ)


@pytest.fixture
def fake(spec: AccountSpec) -> Iterator[FakePlatforms]:
    with FakePlatforms(spec) as running:
        yield running


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MARKETO_CLIENT_SECRET", SECRET)


def connector(
    fake: FakePlatforms, time: FakeTime | None = None, tz: str = TZ, **options: Any
) -> MarketoConnector:
    clock = time or FakeTime(wall_start=fake.spec.as_of_ms / 1000)
    return MarketoConnector(
        MarketoOptions(base_url=fake.url("marketo"), **options),
        Path("."),
        tz,
        sleep=clock.sleep,
        clock=clock.clock,
        wall_clock=clock.wall,
    )


@pytest.mark.parametrize("tz", [TZ, "Europe/Madrid"])
def test_every_month_is_marketos_activities_counted_in_the_audit_zone(fake, keys, tz):
    data = connector(fake, tz=tz, mql_date_field="mQLDate", sql_date_field="sQLDate").fetch(Q3)
    truth = fake.marketo.truth(Q3, tz)
    assert sum(t["emails_sent"] for t in truth.values()) > 1000
    for month in Q3:
        for metric, value in truth[month].items():
            if metric.startswith("workflows"):
                continue
            assert data.monthly[month][metric] == value, (month, metric)
    # confusable: opens are (lead, email) pairs, not Open Email activities
    opens = [r for r in fake.marketo.activities if r[2] == 4 and "2026-09" in _month(r[0], tz)]
    assert data.monthly["2026-09"]["unique_opens"] < len(opens)
    automated = sum(data.monthly[m]["emails_automated"] for m in Q3)
    assert 0 < automated < sum(data.monthly[m]["emails_sent"] for m in Q3)
    assert data.monthly["2026-09"]["workflows_active"] == truth["2026-09"]["workflows_active"]
    assert data.monthly["2026-09"]["workflows_behavioral"] == 3
    assert "workflows_active" not in data.monthly["2026-08"]
    assert data.provenance["triggers_not_behavioural"] == ["Added to List", "Campaign is Requested"]
    # "The range must be 31 days or fewer": October in Madrid (31 days and the hour summer
    # time gives back) is read in two jobs
    # one email job and one MQL/SQL field-change job per window
    assert data.provenance["export_jobs"] == 2 * (20 if tz == "Europe/Madrid" else 19)
    assert data.provenance["stage_fields"] == {"mqls": "mQLDate", "sqls": "sQLDate"}
    stage_jobs = [
        s.body["filter"]
        for s in fake.marketo.requests()
        if s.path.endswith("/create.json") and "primaryAttributeValueIds" in s.body["filter"]
    ]
    assert {tuple(f["activityTypeIds"]) for f in stage_jobs} == {(13,)}
    assert {tuple(f["primaryAttributeValueIds"]) for f in stage_jobs} == {(1201, 1202)}
    if tz == "Europe/Madrid":
        created = [
            s.body["filter"]["createdAt"]
            for s in fake.marketo.requests()
            if s.path.endswith("/create.json")
        ]
        assert {
            "startAt": "2025-10-01T00:00:00+02:00",
            "endAt": "2025-10-16T12:29:59+02:00",
        } in created
        assert {
            "startAt": "2025-10-16T12:30:00+02:00",
            "endAt": "2025-10-31T23:59:59+01:00",
        } in created
    assert "spam_complaints" in MarketoConnector.not_measured


def _month(ms: int, tz: str) -> str:
    from tests.fakes.clock import month_of_ms

    return month_of_ms(ms, tz)


def test_mql_and_sql_need_a_date_field_named_and_found(fake, keys):
    unset = connector(fake).fetch(Q3)
    assert "source.mql_date_field" in unset.not_measured["mqls"]
    assert "source.mql_date_field" in localize(unset.not_measured["sqls"], "es")
    assert not [s for s in fake.marketo.requests() if s.path.endswith("describe.json")]
    wrong = connector(fake, mql_date_field="mqlDate", sql_date_field="leadScore").fetch(Q3)
    assert "no date lead field named 'mqlDate'" in wrong.not_measured["mqls"]
    assert "createdAt, mQLDate, sQLDate" in wrong.not_measured["mqls"]
    assert "'leadScore'" in wrong.not_measured["sqls"]  # a score, not a date
    assert "mqls" not in wrong.monthly["2026-09"]
    only_mql = connector(fake, mql_date_field="mQLDate").fetch(Q3)
    truth = fake.marketo.truth(Q3, TZ)
    assert only_mql.monthly["2026-09"]["mqls"] == truth["2026-09"]["mqls"] > 0
    assert "sqls" in only_mql.not_measured


def test_one_export_job_a_month_polled_no_faster_than_a_minute(fake, keys):
    clock = FakeTime(wall_start=fake.spec.as_of_ms / 1000)
    connector(fake, time=clock).fetch(Q3)
    creates = [s for s in fake.marketo.requests() if s.path.endswith("/create.json")]
    windows = [s.body["filter"]["createdAt"] for s in creates]
    assert windows[0] == {
        "startAt": "2025-03-01T00:00:00-06:00",
        "endAt": "2025-03-31T23:59:59-05:00",
    }
    assert windows[-1]["startAt"] == "2026-09-01T00:00:00-05:00"
    assert all(
        s.body["fields"]
        == ["leadId", "activityDate", "activityTypeId", "campaignId", "primaryAttributeValueId"]
        for s in creates
    )
    assert sorted(creates[0].body["filter"]["activityTypeIds"]) == [6, 7, 8, 9, 10, 11, 12, 27]
    polls = [s for s in clock.slept if s >= 1]  # the rest is pacing (4 calls a second)
    assert polls
    assert set(polls) == {60.0}
    assert all(job["status"] == "Completed" for job in fake.marketo.jobs.values())


def test_requests_do_not_grow_with_the_volume_of_email(keys):
    counts = []
    for campaigns in (40, 160):
        with FakePlatforms(
            AccountSpec(seed=777, contacts=50_000, campaigns=campaigns, timezone=TZ)
        ) as fake:
            connector(fake).fetch(Q3)
            counts.append(sum(fake.marketo.endpoints().values()))
    assert counts[0] == counts[1]
    assert counts[0] < 19 * 6 + 20


def test_activity_types_are_looked_up_by_name(fake, keys):
    fake.marketo.type_ids = {**fake.marketo.type_ids, "Send Email": 600, "Open Email": 1000}
    del fake.marketo.type_ids["Email Bounced Soft"]
    data = connector(fake).fetch(Q3)
    truth = fake.marketo.truth(Q3, TZ)
    assert data.monthly["2026-09"]["emails_sent"] == truth["2026-09"]["emails_sent"]
    assert data.monthly["2026-09"]["unique_opens"] == truth["2026-09"]["unique_opens"]
    assert "bounces" not in data.monthly["2026-09"]
    assert "Email Bounced Soft" in data.not_measured["bounces"]
    assert "Email Bounced Soft" in localize(data.not_measured["bounces"], "es")


def test_an_expired_token_is_renewed_and_the_call_sent_again(fake, keys):
    conn = connector(fake)
    original = fake.marketo.status
    calls = {"n": 0}

    def expiring(query: Any, body: Any, export_id: str) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            fake.marketo.expire_tokens()
        return original(query, body, export_id)

    fake.marketo.routes = [
        (m, p, expiring if "status" in p.pattern else h) for m, p, h in fake.marketo.routes
    ]
    data = conn.fetch(Q3)
    assert data.monthly["2026-09"]["emails_sent"] > 0
    identity = [s for s in fake.marketo.requests() if s.path == "/identity/oauth/token"]
    assert len(identity) == 2
    assert 200 in fake.marketo.statuses()
    assert all("Bearer" not in str(s.query) for s in fake.marketo.requests())  # header only


def test_throttling_in_a_200_body_is_retried_after_the_window(fake, keys):
    clock = FakeTime(wall_start=fake.spec.as_of_ms / 1000)
    fake.marketo.storm(2, path="/rest/v1/activities/types.json")
    data = connector(fake, time=clock).fetch(Q3)
    assert data.monthly["2026-09"]["emails_sent"] > 0
    assert clock.slept[:2] == [20.0, 20.0]


def _response(body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = body
    return response


def test_marketo_error_codes_in_bodies():
    quota = _response(
        b'{"success": false, "errors": [{"code": "607", "message": "Daily quota reached"}]}'
    )
    assert retry_marketo(quota)
    assert (marketo_wait(quota) or 0) >= 60
    limit = _response(b'{"success": false, "errors": [{"code": "606", "message": "Max rate"}]}')
    assert retry_marketo(limit)
    assert marketo_wait(limit) == 20.0
    assert not retry_marketo(_response(b'{"success": true, "result": []}'))
    assert not retry_marketo(_response(b"leadId,activityDate\n"))


def test_the_daily_quota_stops_the_run_saying_when(fake, keys):
    fake.marketo.routes = [
        (m, p, (lambda q, b: fake.marketo._error("607", "Daily quota reached")))
        if "types" in p.pattern
        else (m, p, h)
        for m, p, h in fake.marketo.routes
    ]
    with pytest.raises(SourceQuotaError, match="quota"):
        connector(fake).fetch(Q3)


def test_a_failed_job_is_made_again_once(fake, keys):
    fake.marketo.fail_next_jobs = 1
    data = connector(fake).fetch(Q3)
    truth = fake.marketo.truth(Q3, TZ)
    assert data.monthly["2025-03"]["emails_sent"] == truth["2025-03"]["emails_sent"]
    assert data.provenance["export_jobs"] == 20


def test_a_big_file_is_read_in_ranges_and_checked(fake, keys, monkeypatch):
    monkeypatch.setattr("auditor.connectors.marketo.export.CHUNK_BYTES", 4096)
    data = connector(fake).fetch(Q3)
    truth = fake.marketo.truth(Q3, TZ)
    assert data.monthly["2026-09"]["unique_clicks"] == truth["2026-09"]["unique_clicks"]
    ranged = [s for s in fake.marketo.requests() if s.path.endswith("/file.json")]
    assert len(ranged) > 19


def test_a_file_that_does_not_match_its_checksum_is_refused(fake, keys):
    from auditor.core.errors import SourceResponseError

    original = fake.marketo.file

    def cut(query: Any, body: Any, export_id: str) -> Any:
        reply = original(query, body, export_id)
        return type(reply)(reply.status, reply.body[:-40], reply.headers)

    fake.marketo.routes = [
        (m, p, cut if "file" in p.pattern else h) for m, p, h in fake.marketo.routes
    ]
    with pytest.raises(SourceResponseError, match="checksum"):
        connector(fake).fetch(Q3)


def test_bad_credentials_exit_3_naming_the_variables_never_the_secret(fake, monkeypatch, tmp_path):
    from auditor.cli.main import main

    monkeypatch.setenv("MARKETO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MARKETO_CLIENT_SECRET", "wrong-secret-value-123")
    path = tmp_path / "audit.yaml"
    path.write_text(
        f"client: Marketo client\nperiod: 2026-Q3\ntimezone: {TZ}\nsource:\n"
        f"  connector: marketo\n  base_url: {fake.url('marketo')}\n"
        "costs: {currency: USD, platform: 100}\n",
        encoding="utf-8",
    )
    outcome = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert outcome.exit_code == EXIT_SOURCE
    assert "MARKETO_CLIENT_ID and MARKETO_CLIENT_SECRET" in outcome.stderr
    assert "wrong-secret-value-123" not in outcome.output + outcome.stderr
    monkeypatch.setenv("MARKETO_CLIENT_SECRET", SECRET)
    ok = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "API user apis@fake-instance.test" in ok.output
    assert "8 of the 8 this audit reads" in ok.output


def test_a_refused_permission_is_an_auth_error(fake, keys):
    fake.marketo.routes = [
        (m, p, (lambda q, b: fake.marketo._error("603", "Access denied")))
        if "smartCampaigns" in p.pattern
        else (m, p, h)
        for m, p, h in fake.marketo.routes
    ]
    with pytest.raises(SourceAuthError, match="Read-Only Assets"):
        connector(fake).fetch(Q3)


def test_options_need_an_instance():
    with pytest.raises(ValueError, match="munchkin_id"):
        MarketoOptions()
    assert MarketoConnector(
        MarketoOptions(munchkin_id="123-ABC-456"), Path(".")
    ).api_base_url() == ("https://123-ABC-456.mktorest.com")
    with pytest.raises(ValueError, match="should match pattern"):
        MarketoOptions(munchkin_id="https://123-ABC-456.mktorest.com")


def test_every_base_metric_is_measured_or_has_a_true_reason():
    measured, reasons = set(MarketoConnector.metrics), set(MarketoConnector.not_measured)
    assert measured | reasons == set(BASE_BY_ID)
    assert not measured & reasons
    assert set(MarketoConnector.metric_sources) == measured


def test_the_connector_page_documents_every_option_and_metric():
    page = (ROOT / "docs" / "connectors" / "marketo.md").read_text(encoding="utf-8")
    for option in MarketoOptions.model_fields:
        assert f"`{option}`" in page, option
    for metric in BASE_BY_ID:
        assert f"`{metric}`" in page, metric


def _once(fake: FakePlatforms, pattern: str, replies: list[Any]) -> None:
    """The route matching `pattern` answers `replies` first, then as before."""

    def wrap(handler: Any) -> Any:
        def answer(*args: Any) -> Any:
            return replies.pop(0) if replies else handler(*args)

        return answer

    fake.marketo.routes = [
        (m, p, wrap(h) if pattern in p.pattern else h) for m, p, h in fake.marketo.routes
    ]


def test_a_gateways_429_and_5xx_are_retried_as_told(fake, keys):
    from tests.fakes.base import Reply

    clock = FakeTime(wall_start=fake.spec.as_of_ms / 1000)
    _once(
        fake,
        "smartCampaigns",
        [Reply(429, {"message": "slow down"}, {"Retry-After": "7"}), Reply(503, {})],
    )
    data = connector(fake, time=clock).fetch(Q3)
    assert data.monthly["2026-09"]["workflows_active"] == 5
    assert 7.0 in clock.slept
    assert data.provenance["http"]["retries"] == 2


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"success": True, "result": {"id": 6}}, "'result' is not a list"),
        ({"success": True, "result": [{"name": "Send Email"}]}, "without a numeric 'id'"),
        ([1, 2], "not an object"),
    ],
)
def test_a_malformed_answer_is_a_source_error_naming_the_request(fake, keys, body, said):
    from auditor.core.errors import SourceResponseError

    _once(fake, "types", [body])
    with pytest.raises(SourceResponseError, match=said) as caught:
        connector(fake).fetch(Q3)
    assert "activities/types.json" in str(caught.value)


def test_an_instance_that_sent_nothing_has_email_undefined_not_0(keys):
    spec = AccountSpec(seed=777, contacts=1_000, campaigns=0, timezone=TZ)
    with FakePlatforms(spec) as fake:
        data = connector(fake).fetch(Q3)
    assert "reports no email sent" in data.not_measured["emails_sent"]
    assert "unique_opens" in data.not_measured
    assert all("emails_sent" not in row for row in data.monthly.values())


def test_a_queue_full_of_other_integrations_jobs_is_waited_for(fake, keys):
    for n in range(9):  # other integrations' jobs, queued and never ours to poll
        fake.marketo.jobs[f"other-{n}"] = {"status": "Queued"}
    data = connector(fake).fetch(Q3)
    truth = fake.marketo.truth(Q3, TZ)
    assert data.monthly["2026-09"]["emails_sent"] == truth["2026-09"]["emails_sent"]
    refused = [
        s
        for s in fake.marketo.requests()
        if s.path.endswith("/enqueue.json") and s.path.split("/")[-2].startswith("ce45")
    ]
    assert len(refused) > 19  # some enqueues were refused (1029) and tried again


def test_a_token_with_seconds_left_is_used_not_asked_for_on_every_call(fake, keys):
    original = fake.marketo.identity

    def short(query: Any, body: Any) -> Any:
        answer = original(query, body)
        return {**answer, "expires_in": 20} if isinstance(answer, dict) else answer

    fake.marketo.routes = [
        (m, p, short if "identity" in p.pattern else h) for m, p, h in fake.marketo.routes
    ]
    connector(fake).fetch(Q3)
    identity = [s for s in fake.marketo.requests() if s.path == "/identity/oauth/token"]
    rest = [s for s in fake.marketo.requests() if s.path != "/identity/oauth/token"]
    assert len(identity) < len(rest) / 2  # renewed as it ends (polls wait 60 s), not per call


class _FastMarketo(MarketoConnector):
    """The connector as the runner builds it, its poll waits counted, not slept."""

    clock: ClassVar[FakeTime] = FakeTime()

    def __init__(self, options: Any, config_dir: Path, timezone: str = "UTC") -> None:
        t = _FastMarketo.clock
        super().__init__(
            options, config_dir, timezone, sleep=t.sleep, clock=t.clock, wall_clock=t.wall
        )


def test_the_next_quarter_exports_only_the_months_not_recorded(fake, keys, tmp_path, monkeypatch):
    from auditor.config.loader import load_config
    from auditor.connectors import registry
    from auditor.history import HistoryStore
    from auditor.pipeline.runner import audit

    monkeypatch.setitem(registry._BUILTIN, "marketo", f"{__name__}:_FastMarketo")
    _FastMarketo.clock = FakeTime(wall_start=fake.spec.as_of_ms / 1000)

    def config(period: str) -> Path:
        path = tmp_path / "audit.yaml"
        path.write_text(
            f"client: Acme\nperiod: {period}\ntimezone: {TZ}\nsource:\n  connector: marketo\n"
            f"  base_url: {fake.url('marketo')}\n  mql_date_field: mQLDate\n"
            "costs: {currency: USD, platform: 1000}\n",
            encoding="utf-8",
        )
        return path

    store = HistoryStore(tmp_path / ".auditor" / "history.sqlite")
    store.record(audit(load_config(config("2026-Q2"))).to_json())
    jobs_before = len(fake.marketo.jobs)
    reused = audit(load_config(config("2026-Q3")))
    exported = list(fake.marketo.jobs.values())[jobs_before:]
    assert len(exported) == 2 * 3  # 2026-07 .. 2026-09, email and MQL jobs
    full = audit(load_config(config("2026-Q3")), refetch=True)
    assert reused.snapshot["monthly"] == full.snapshot["monthly"]
    assert reused.source["provenance"]["recorded_months"]["months"] == Q3[:-3]
