"""`auditor init` (issue 12): a first config from the files a client sent, end to end and
non-interactively; refusals write nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.config.loader import load_config
from auditor.core.resources import demo_dir
from tests.helpers import TESTS

EXPORT = TESTS / "fixtures" / "exports" / "mailchimp-campaigns.csv"


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_on_a_mailchimp_export_writes_a_config_that_audits(cwd: Path) -> None:
    shutil.copy(EXPORT, cwd / "campaigns.csv")
    result = CliRunner().invoke(
        main,
        ["init", "campaigns.csv", "--client", "Export Co", "--period", "2026-04",
         "--cost", "platform=900", "-o", "export.yaml"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote export.yaml\n")
    assert "campaigns.csv: Mailchimp campaign reports export, 2 months (2026-04 to 2026-05)" in (
        result.output
    )
    assert "What would complete this audit" in result.output
    text = (cwd / "export.yaml").read_text(encoding="utf-8")
    assert 'client: "Export Co"' in text
    assert "  platform: 900" in text
    assert "  # staff: 0" in text  # the costs to fill in are written as comments
    config = load_config(cwd / "export.yaml")
    assert config.client == "Export Co"
    audited = CliRunner().invoke(
        main, ["check", "export.yaml", "--format", "json", "--fail-on", "never"]
    )
    assert audited.exit_code == 0, audited.output
    assert '"emails_sent"' in audited.output


def test_init_on_the_demo_file_picks_the_last_full_quarter(cwd: Path) -> None:
    shutil.copy(demo_dir() / "data.csv", cwd / "data.csv")
    result = CliRunner().invoke(main, ["init", "data.csv", "--client", "Demo", "--lang", "es"])
    assert result.exit_code == 0, result.output
    text = (cwd / "client.yaml").read_text(encoding="utf-8")
    assert "period: 2026-Q3" in text
    assert 'source:\n  connector: file\n  path: "data.csv"' in text
    assert "sources:" not in text


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["campaigns.csv", "-o", "campaigns.csv", "--client", "X"], "both an input and the config"),
        (["campaigns.csv"], "--client is required when not run on a terminal"),
        (["campaigns.csv", "--client", "X", "--cost", "licence=3"], "--cost 'licence=3'"),
        (["strange.csv", "--client", "X"], "strange.csv:1: no 'month' column"),
        (["missing.csv", "--client", "X"], "file not found"),
    ],
)
def test_refusals_are_exit_2_and_write_nothing(cwd: Path, args, fragment) -> None:
    shutil.copy(EXPORT, cwd / "campaigns.csv")
    (cwd / "strange.csv").write_text("Date,Visitors\n2026-04-01,5\n", encoding="utf-8")
    before = sorted(p.name for p in cwd.iterdir())
    result = CliRunner().invoke(main, ["init", *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in cwd.iterdir()) == before


def test_an_existing_config_needs_force(cwd: Path) -> None:
    shutil.copy(EXPORT, cwd / "campaigns.csv")
    (cwd / "client.yaml").write_text("mine\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["init", "campaigns.csv", "--client", "X"])
    assert refused.exit_code == 2
    assert "client.yaml exists; choose another -o or add --force" in refused.output
    assert (cwd / "client.yaml").read_text(encoding="utf-8") == "mine\n"
    forced = CliRunner().invoke(main, ["init", "campaigns.csv", "--client", "X", "--force"])
    assert forced.exit_code == 0, forced.output
    assert 'client: "X"' in (cwd / "client.yaml").read_text(encoding="utf-8")


def test_on_a_terminal_the_missing_answers_are_asked(
    cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    import auditor.cli.init as cli_init

    monkeypatch.setattr(
        cli_init, "sys", SimpleNamespace(stdin=SimpleNamespace(isatty=lambda: True))
    )
    shutil.copy(EXPORT, cwd / "campaigns.csv")
    result = CliRunner().invoke(main, ["init", "campaigns.csv"], input="Prompted Co\nes\n")
    assert result.exit_code == 0, result.output
    assert "Client name: Prompted Co" in result.output
    text = (cwd / "client.yaml").read_text(encoding="utf-8")
    assert 'client: "Prompted Co"' in text
    assert "language: es" in text
    assert "Qué completaría esta auditoría" in result.output


def test_init_on_email_deals_and_ga4_exports_gives_each_metric_one_source(cwd: Path) -> None:
    """GA4's users-by-month download repeats the traffic report's sessions: init takes them
    from the file listed first and limits the second to what only it gives."""
    names = ("klaviyo-campaigns", "hubspot-deals", "ga4-traffic-acquisition", "ga4-monthly-users")
    for name in names:
        shutil.copy(EXPORT.parent / f"{name}.csv", cwd / f"{name}.csv")
    result = CliRunner().invoke(
        main,
        ["init", *(f"{n}.csv" for n in names), "--client", "Shop", "--period", "2026-05"],
    )
    assert result.exit_code == 0, result.output
    text = (cwd / "client.yaml").read_text(encoding="utf-8")
    assert "# website_sessions is taken from ga4-traffic-acquisition.csv (listed first)" in text
    assert '- {connector: file, path: "ga4-monthly-users.csv", metrics: [website_visitors]}' in text
    audited = CliRunner().invoke(
        main, ["check", "client.yaml", "--format", "json", "--fail-on", "never"]
    )
    assert audited.exit_code == 0, audited.output
    assert '"visitor_to_lead_rate"' in audited.output


def test_init_writes_nothing_when_the_files_cannot_be_audited_together(cwd: Path) -> None:
    # the same export twice: every metric is delivered twice and the second gets none
    shutil.copy(EXPORT, cwd / "a.csv")
    shutil.copy(EXPORT, cwd / "b.csv")
    result = CliRunner().invoke(main, ["init", "a.csv", "b.csv", "--client", "Twice"])
    assert result.exit_code == 2, result.output
    assert "b.csv gives no base metric that a.csv does not; leave one out" in result.output
    assert not (cwd / "client.yaml").exists()
