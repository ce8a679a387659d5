"""The Klaviyo connector against the local server speaking Klaviyo's documented API
(tests/fakes/klaviyo.py), time injected: what it reads, what it cannot, and how it fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from auditor.config.loader import load_config
from auditor.connectors.klaviyo import KlaviyoConnector, KlaviyoOptions
from auditor.connectors.klaviyo.api import klaviyo_wait
from auditor.connectors.klaviyo.connector import chunks, timeframe
from auditor.core.errors import EXIT_SOURCE, SourceResponseError
from auditor.core.reasons import localize
from auditor.metrics.catalog import BASE_BY_ID
from auditor.pipeline.runner import audit, months_needed
from tests.connectors import test_fake_platforms as platforms
from tests.connectors.test_fake_platforms import mismatches, spec_for, write_config
from tests.fakes import klaviyo as fake_klaviyo
from tests.fakes.platforms import DEFAULT_TOKENS
from tests.helpers import ROOT

serve = platforms.serve
fake_time = platforms.fake_time
KEY = DEFAULT_TOKENS["klaviyo"]


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", KEY)


def _audit(fake: Any, folder: Path, extra: str = "", segment: bool = True) -> Any:
    path = write_config(folder, "klaviyo", fake.url("klaviyo"))
    text = path.read_text(encoding="utf-8")
    if not segment:
        text = text.replace("  new_contacts_segment: SegAll1\n", "")
    path.write_text(text.replace("source:\n", f"source:\n{extra}"), encoding="utf-8")
    return audit(load_config(path))


def test_the_quarter_is_klaviyos_numbers_in_under_twenty_requests(serve, fake_time, key, tmp_path):
    fake = serve(spec_for("klaviyo", contacts=5_000))
    result = _audit(fake, tmp_path)
    assert mismatches("klaviyo", fake, result) == []
    seen = fake.klaviyo.endpoints()
    assert seen["POST /api/campaign-values-reports"] == 2  # 19 months: 11 + 8
    assert seen["POST /api/flow-series-reports"] == 2
    assert seen["POST /api/segment-series-reports"] == 2
    assert seen["GET /api/metrics"] == 2  # 'Placed Order' is on the second page
    assert seen["POST /api/metric-aggregates"] == 2  # the store's revenue, 11 months a call
    assert sum(seen.values()) <= 18
    assert fake.klaviyo.revision_seen == {"2026-07-15"}
    provenance = result.source["provenance"]
    assert provenance["conversion_metric"] == {"name": "Placed Order", "id": "PlacedOrd1"}
    assert provenance["timezone"] == "Europe/Madrid"
    assert result.snapshot["currency"] == "EUR"  # the account's preferred_currency
    # Klaviyo's delivered also leaves out failed sends: not sent less bounces
    july = result.snapshot["monthly"]["2026-07"]
    assert july["emails_delivered"] < july["emails_sent"] - july["bounces"]
    assert "emails_delivered" in provenance["definition_differences"]


def test_every_base_metric_is_measured_or_has_a_true_reason():
    measured = set(KlaviyoConnector.metrics)
    reasons = set(KlaviyoConnector.not_measured)
    assert measured | reasons == set(BASE_BY_ID)
    assert not measured & reasons
    assert set(KlaviyoConnector.metric_sources) == measured


def test_without_a_segment_or_an_order_metric_those_are_not_measured(
    serve, fake_time, key, tmp_path
):
    fake = serve(spec_for("klaviyo", contacts=1_000))
    result = _audit(fake, tmp_path, "  conversion_metric: Ordered Product\n", segment=False)
    reasons = result.snapshot["not_measured"]
    assert "new_contacts_segment" in reasons["leads_new"]
    assert "'Ordered Product'" in reasons["revenue_attributed"]
    assert "'Ordered Product'" in reasons["revenue_total"]
    # a Spanish report says both in Spanish
    assert localize(reasons["leads_new"], "es").startswith("Klaviyo no tiene fecha de lead")
    assert "ninguna métrica llamada 'Ordered Product'" in localize(reasons["revenue_total"], "es")
    assert fake.klaviyo.endpoints()["POST /api/metric-aggregates"] == 0
    assert fake.klaviyo.endpoints()["GET /api/metrics"] == 2  # one pass over both pages
    assert all("leads_new" not in row for row in result.snapshot["monthly"].values())
    assert fake.klaviyo.endpoints()["POST /api/segment-series-reports"] == 0
    assert result.snapshot["monthly"]["2026-07"]["emails_sent"] > 0  # the reports still run


def test_an_account_that_sent_nothing_has_undefined_email_metrics(serve, fake_time, key, tmp_path):
    fake = serve(spec_for("klaviyo", contacts=1_000, campaigns=0, workflows=0))
    result = _audit(fake, tmp_path)
    reasons = result.snapshot["not_measured"]
    assert "no email sent" in reasons["emails_sent"]
    assert localize(reasons["emails_sent"], "es").startswith("Klaviyo no informa de ningún email")
    assert all("emails_sent" not in row for row in result.snapshot["monthly"].values())
    assert result.snapshot["monthly"]["2026-09"]["workflows_active"] == 0


def test_an_account_without_any_metric_asks_no_report(serve, fake_time, key, tmp_path):
    fake = serve(spec_for("klaviyo", contacts=1_000))
    fake.klaviyo.metric_list = []  # a new account: no event was ever recorded
    result = _audit(fake, tmp_path)
    reasons = result.snapshot["not_measured"]
    assert "no email sent" in reasons["emails_sent"]
    assert "no metric named 'Placed Order'" in reasons["revenue_total"]
    seen = fake.klaviyo.endpoints()
    assert seen["POST /api/campaign-values-reports"] == seen["POST /api/flow-series-reports"] == 0
    assert "workflows_active" in result.snapshot["monthly"]["2026-09"]  # flows still read


def test_report_pages_are_followed(serve, fake_time, key, tmp_path, monkeypatch):
    monkeypatch.setattr(fake_klaviyo, "RESULTS_PER_PAGE", 30)
    fake = serve(spec_for("klaviyo", contacts=1_000, campaigns=300))
    result = _audit(fake, tmp_path)
    assert mismatches("klaviyo", fake, result) == []
    assert fake.klaviyo.endpoints()["POST /api/campaign-values-reports"] > 2


def test_a_report_without_results_is_a_source_error_naming_it(
    serve, fake_time, key, tmp_path, monkeypatch
):
    fake = serve(spec_for("klaviyo", contacts=1_000))
    monkeypatch.setattr(
        fake.klaviyo, "flow_series", lambda query, body: {"data": {"attributes": {}}}
    )
    fake.klaviyo.routes = [
        (m, p, fake.klaviyo.flow_series if "flow-series" in p.pattern else h)
        for m, p, h in fake.klaviyo.routes
    ]
    with pytest.raises(SourceResponseError, match="flow-series-reports answered an unexpected"):
        _audit(fake, tmp_path)


def test_a_wrong_key_exits_3_naming_the_variable_never_the_key(
    serve, fake_time, tmp_path, monkeypatch
):
    from auditor.cli.main import main

    fake = serve(spec_for("klaviyo", contacts=1_000))
    monkeypatch.setenv("KLAVIYO_API_KEY", "pk_wrong000000000000000000000000000")
    path = write_config(tmp_path, "klaviyo", fake.url("klaviyo"))
    outcome = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert outcome.exit_code == EXIT_SOURCE
    assert "KLAVIYO_API_KEY" in outcome.stderr
    assert "pk_wrong" not in outcome.output + outcome.stderr
    monkeypatch.setenv("KLAVIYO_API_KEY", KEY)
    ok = CliRunner().invoke(main, ["connectors", "test", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "Klaviyo account KFake1 (Europe/Madrid, EUR)" in ok.output


def test_5xx_and_429_are_retried(serve, fake_time, key, tmp_path):
    fake = serve(spec_for("klaviyo", contacts=1_000))
    fake.klaviyo.storm(2, retry_after=3, path="/api/campaign-values-reports")
    result = _audit(fake, tmp_path)
    assert mismatches("klaviyo", fake, result) == []
    assert result.source["provenance"]["http"]["retries"] == 2
    assert sorted(w for w in fake_time.slept if w == 3.0) == [3.0, 3.0]


def _response(status: int, headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    return response


def test_rate_limit_signals():
    assert klaviyo_wait(_response(429, {"Retry-After": "7"})) is None  # the client honours it
    assert klaviyo_wait(_response(429, {})) == 60.0  # the steady window
    assert klaviyo_wait(_response(200, {"RateLimit-Remaining": "0", "RateLimit-Reset": "12"})) == 12
    assert klaviyo_wait(_response(200, {"RateLimit-Remaining": "5"})) is None
    report = _response(200, {"RateLimit-Remaining": "0", "RateLimit-Reset": "40"})
    report.url = "https://a.klaviyo.com/api/flow-series-reports"
    assert klaviyo_wait(report) is None  # paced by its own bucket, not holding up the rest


def test_reports_span_at_most_eleven_months_on_month_starts():
    months = months_needed(load_config(ROOT / "auditor" / "demo" / "demo.yaml").period)
    runs = list(chunks(months))
    assert [len(r) for r in runs] == [11, len(months) - 11]
    assert timeframe(runs[0]) == {
        "start": f"{runs[0][0]}-01T00:00:00",
        "end": f"{runs[1][0]}-01T00:00:00",
    }
    assert list(chunks(["2026-01", "2026-03"])) == [["2026-01"], ["2026-03"]]


def test_options_are_validated():
    with pytest.raises(ValueError, match="revision"):
        KlaviyoOptions(revision="next week")
    with pytest.raises(ValueError, match="new_contacts_segment"):
        KlaviyoOptions(new_contacts_segment="a b")


def test_the_connector_page_documents_every_option_and_metric():
    page = (ROOT / "docs" / "connectors" / "klaviyo.md").read_text(encoding="utf-8")
    for option in KlaviyoOptions.model_fields:
        assert f"`{option}`" in page, option
    for metric in BASE_BY_ID:
        assert f"`{metric}`" in page, metric


def test_a_campaign_the_listing_misses_is_looked_up_by_id(serve, fake_time, key, tmp_path):
    fake = serve(spec_for("klaviyo", contacts=1_000, campaigns=300))
    for campaign in fake.klaviyo.campaign_list[::3]:  # updated before they were sent
        campaign["_updated"] = campaign["_created"]
    result = _audit(fake, tmp_path)
    assert mismatches("klaviyo", fake, result) == []
    filters = [s.query["filter"][0] for s in fake.klaviyo.requests() if s.path == "/api/campaigns"]
    assert any("any(id,[" in f for f in filters)


def test_series_dates_written_as_utc_instants_keep_their_months(
    serve, fake_time, key, tmp_path, monkeypatch
):
    from datetime import UTC, datetime

    fake = serve(spec_for("klaviyo", contacts=1_000))
    local = fake.klaviyo._date_times

    def in_utc(months: list[str]) -> list[str]:
        return [datetime.fromisoformat(t).astimezone(UTC).isoformat() for t in local(months)]

    monkeypatch.setattr(fake.klaviyo, "_date_times", in_utc)
    assert in_utc(["2026-07"]) == ["2026-06-30T22:00:00+00:00"]  # Madrid's midnight in UTC
    result = _audit(fake, tmp_path)
    assert mismatches("klaviyo", fake, result) == []
