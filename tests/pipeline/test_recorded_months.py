"""Closed months an earlier recorded audit fetched are taken from the history store
(auditor/pipeline/recorded.py), against the fake platforms' documented APIs.

Each platform: 2026-Q2 audited and recorded, then 2026-Q3.  The second audit asks
only for the months the store does not hold, and its monthly numbers are exactly
those of a full fetch (`refetch`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from auditor.config.loader import load_config
from auditor.connectors.base import Connector
from auditor.core.models import AuditResult, SourceData
from auditor.core.period import Month, parse_period
from auditor.history import HistoryStore
from auditor.pipeline import recorded
from auditor.pipeline.runner import audit, months_needed
from tests.connectors import test_fake_platforms as platforms
from tests.connectors.test_fake_platforms import (
    PLATFORMS,
    SETUP,
    mismatches,
    spec_for,
    write_config,
)
from tests.fakes.platforms import DEFAULT_TOKENS

serve = platforms.serve  # the fake platforms' fixtures: servers, time injected
fake_time = platforms.fake_time
Q3_FROM_STORE = months_needed(parse_period("2026-Q3"))[:-3]  # 2025-05 .. 2026-06


def _audit(
    platform: str,
    fake: Any,
    folder: Path,
    period: str,
    *,
    refetch: bool = False,
    source: str = "",
    top: str = "",
) -> AuditResult:
    """An audit of `period`; `source` adds lines under `source:`, `top` at the top level."""
    path = write_config(folder, platform, fake.url(platform))
    text = path.read_text(encoding="utf-8").replace("period: 2026-Q3", f"period: {period}")
    text = text.replace("source:\n", f"source:\n{source}") + top
    path.write_text(text, encoding="utf-8")
    return audit(load_config(path), refetch=refetch)


def _record(folder: Path, result: AuditResult) -> None:
    HistoryStore(folder / ".auditor" / "history.sqlite").record(result.to_json())


def _requests(fake: Any, platform: str) -> int:
    return len(fake.platforms[platform].requests())


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for platform in PLATFORMS:
        monkeypatch.setenv(SETUP[platform][0], DEFAULT_TOKENS[platform])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_quarter_after_a_recorded_one_asks_only_its_own_months(
    platform, serve, fake_time, credentials, tmp_path
):
    fake = serve(spec_for(platform, contacts=1_000))
    _record(tmp_path, _audit(platform, fake, tmp_path, "2026-Q2"))
    before = _requests(fake, platform)

    reused = _audit(platform, fake, tmp_path, "2026-Q3")
    asked_reusing = _requests(fake, platform) - before
    full = _audit(platform, fake, tmp_path, "2026-Q3", refetch=True)
    asked_full = _requests(fake, platform) - before - asked_reusing

    assert reused.snapshot["monthly"] == full.snapshot["monthly"]
    assert mismatches(platform, fake, reused) == []
    assert asked_reusing <= asked_full  # Mailchimp pages campaigns by range: often equal
    provenance = reused.source["provenance"]
    assert provenance["recorded_months"]["months"] == Q3_FROM_STORE
    [run_id] = provenance["recorded_months"]["runs"]
    assert provenance["recorded_months"]["runs"][run_id] == Q3_FROM_STORE
    assert "recorded_months" not in full.source["provenance"]
    # the snapshot replays the same numbers (months from the store included)
    assert sorted(reused.snapshot["monthly"]) == months_needed(reused.period)


def test_a_hubspot_quarter_after_a_recorded_one_takes_under_40_requests(
    serve, fake_time, credentials, tmp_path
):
    fake = serve(spec_for("hubspot", contacts=1_000))
    _record(tmp_path, _audit("hubspot", fake, tmp_path, "2026-Q2"))
    before = _requests(fake, "hubspot")
    result = _audit("hubspot", fake, tmp_path, "2026-Q3")
    asked = _requests(fake, "hubspot") - before
    assert asked <= 40
    assert result.source["provenance"]["http"]["requests"] == asked


def test_connectors_test_says_how_many_months_a_run_would_ask(
    serve, fake_time, credentials, tmp_path
):
    from click.testing import CliRunner

    from auditor.cli.main import main

    fake = serve(spec_for("hubspot", contacts=1_000))
    _record(tmp_path, _audit("hubspot", fake, tmp_path, "2026-Q2"))
    write_config(tmp_path, "hubspot", fake.url("hubspot"))  # 2026-Q3
    args = ["connectors", "test", str(tmp_path / "audit.yaml")]
    shown = CliRunner().invoke(main, [*args, "--format", "json"])
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.stdout)
    assert payload["months"] == {"needed": 19, "recorded": 16, "asked": 3}
    assert payload["requests"] == 1
    text = CliRunner().invoke(main, args).stdout
    assert "asks the source for 3 of the 19 months it reads (16 closed months come from" in text


def test_other_options_or_another_tool_version_are_not_reused(
    serve, fake_time, credentials, tmp_path, monkeypatch
):
    fake = serve(spec_for("hubspot", contacts=1_000))
    _record(tmp_path, _audit("hubspot", fake, tmp_path, "2026-Q2"))
    other = _audit("hubspot", fake, tmp_path, "2026-Q3", source="  analytics: false\n")
    assert "recorded_months" not in other.source["provenance"]
    monkeypatch.setattr(recorded, "__version__", "99.0.0")
    upgraded = _audit("hubspot", fake, tmp_path, "2026-Q3")
    assert "recorded_months" not in upgraded.source["provenance"]


def test_the_config_can_turn_reuse_off(serve, fake_time, credentials, tmp_path):
    fake = serve(spec_for("hubspot", contacts=1_000))
    _record(tmp_path, _audit("hubspot", fake, tmp_path, "2026-Q2"))
    off = _audit("hubspot", fake, tmp_path, "2026-Q3", top="history: {reuse_months: false}\n")
    assert "recorded_months" not in off.source["provenance"]
    assert len(off.snapshot["monthly"]) == 19


def test_a_month_still_open_when_recorded_is_asked_again(serve, fake_time, credentials, tmp_path):
    fake = serve(spec_for("hubspot", contacts=1_000))
    first = _audit("hubspot", fake, tmp_path, "2026-Q2").to_json()
    first["snapshot"]["fetched_at"] = "2026-03-15T10:00:00Z"  # as if fetched in March 2026
    HistoryStore(tmp_path / ".auditor" / "history.sqlite").record(first)
    config = load_config(tmp_path / "audit.yaml")
    found = recorded.recorded_months(config, months_needed(config.period), config.period)
    assert found is not None
    # February 2026 ended in Madrid before the fetch; March had not
    assert list(found.monthly)[-1] == "2026-02"


def test_a_file_source_never_reuses(tmp_path):
    from tests.helpers import ROOT

    config = load_config(ROOT / "auditor" / "demo" / "demo.yaml")
    assert config.connector.reuses_recorded_months is False
    assert recorded.recorded_months(config, months_needed(config.period), config.period) is None


# --- a verdict only a full fetch can give --------------------------------------------------


class _Recorder(Connector):
    """Serves the months asked; says `emails_sent` is not measured when no month before
    2026-07 is asked (as HubSpot does for months with no email at all)."""

    name: ClassVar[str] = "recorder"
    asked: ClassVar[list[list[Month]]] = []

    def fetch(self, months: Sequence[Month]) -> SourceData:
        type(self).asked.append(list(months))
        quiet = all(m >= "2026-07" for m in months)
        monthly: Mapping[Month, Mapping[str, float]] = {
            m: {} if quiet else {"emails_sent": 0.0 if m >= "2026-07" else 10.0} for m in months
        }
        reasons = {"emails_sent": "no email in these months"} if quiet else {}
        return self.source_data(monthly, label="recorder", not_measured=reasons)

    def check(self) -> str:
        return "ok"


def test_a_metric_the_fresh_months_lose_makes_every_month_asked_again(monkeypatch, tmp_path):
    months = ["2026-05", "2026-06", "2026-07", "2026-08"]
    found = recorded.RecordedMonths(
        monthly={"2026-05": {"emails_sent": 10.0}, "2026-06": {"emails_sent": 10.0}},
        runs={"2026-05": 1, "2026-06": 1},
    )
    monkeypatch.setattr(recorded, "recorded_months", lambda *_: found)
    monkeypatch.setattr(recorded, "source_key", lambda _: "key")
    config: Any = type(
        "Config", (), {"connector": type("C", (), {"reuses_recorded_months": True})}
    )()
    _Recorder.asked = []
    connector = _Recorder(Connector.Options(), tmp_path)
    data = recorded.fetch_with_recorded(config, connector, months, parse_period("2026-07"))
    assert _Recorder.asked == [["2026-07", "2026-08"], months]
    assert data.monthly["2026-08"] == {"emails_sent": 0.0}
    assert "recorded_months" not in data.provenance
    assert data.provenance["source_key"] == "key"
