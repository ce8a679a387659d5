"""Several sources per client (issue 12): `sources:` blocks each deliver what they have, and
the audit is the same as from one file holding it all."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.config.loader import load_config
from auditor.connectors.multi import MultiConnector
from auditor.core.errors import InputError
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate
from auditor.pipeline.runner import audit

EMAIL = [
    "emails_sent", "emails_delivered", "campaigns_sent", "workflows_active",
    "workflows_behavioral", "emails_automated", "unique_opens", "unique_opens_human",
    "unique_clicks", "unsubscribes", "bounces", "spam_complaints", "contacts_lost",
]  # fmt: skip
TRAFFIC = ["email_sessions", "website_sessions", "website_visitors", "conversions"]
FINANCE = ["revenue_total", "mrr", "mrr_churned", "accounts_active", "accounts_churned"]

SOURCES = """sources:
  - {connector: file, path: email.csv, name: email}
  - {connector: file, path: crm.csv, leads: leads.csv}
  - {connector: file, path: finance.csv}
  - {connector: file, path: traffic.csv}
"""
ONE_SOURCE = """source:
  connector: file
  path: data.csv
  leads: leads.csv      # one row per lead, for the lead-scoring analysis
"""


def split_demo(folder: Path) -> None:
    """The demo's data as four files (email platform, CRM, finance, web analytics) and as one."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_dir() / "data.csv", folder / "data.csv")
    shutil.copy(demo_dir() / "leads.csv", folder / "leads.csv")
    with (demo_dir() / "data.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = list(rows[0])
    crm = [c for c in columns if c != "month" and c not in EMAIL + TRAFFIC + FINANCE]
    for name, keep in (("email", EMAIL), ("traffic", TRAFFIC), ("finance", FINANCE), ("crm", crm)):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["month", *keep])
            writer.writeheader()
            for row in rows:
                writer.writerow({k: row[k] for k in ["month", *keep]})
    text = (demo_dir() / "demo.yaml").read_text(encoding="utf-8")
    assert ONE_SOURCE in text
    (folder / "single.yaml").write_text(text, encoding="utf-8")
    (folder / "multi.yaml").write_text(text.replace(ONE_SOURCE, SOURCES), encoding="utf-8")


def test_four_sources_give_the_same_audit_as_one_file(tmp_path: Path) -> None:
    split_demo(tmp_path)
    multi = audit(load_config(tmp_path / "multi.yaml"), Gate("never")).to_json()
    single = audit(load_config(tmp_path / "single.yaml"), Gate("never")).to_json()
    assert multi["scores"] == single["scores"]
    assert multi["metrics"] == single["metrics"]
    assert multi["undefined"] == single["undefined"]
    pick = ("rule", "status", "message", "value")
    assert [{k: f.get(k) for k in pick} for f in multi["findings"]] == [
        {k: f.get(k) for k in pick} for f in single["findings"]
    ]
    source = multi["source"]
    assert source["connector"] == "file"
    assert source["label"] == "email.csv + crm.csv + finance.csv + traffic.csv"
    parts = source["provenance"]["sources"]
    assert list(parts) == ["email", "crm.csv", "finance.csv", "traffic.csv"]
    assert parts["finance.csv"]["metrics"] == FINANCE
    assert source["provenance"]["metric_sources"]["mrr"] == "mrr"


def test_two_sources_delivering_one_metric_is_an_error_unless_one_is_chosen(
    tmp_path: Path,
) -> None:
    split_demo(tmp_path)
    config = tmp_path / "multi.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "  - {connector: file, path: traffic.csv}\n",
            "  - {connector: file, path: traffic.csv}\n  - {connector: file, path: data.csv}\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        audit(load_config(config), Gate("never"))
    messages = [p.message for p in caught.value.problems]
    assert (
        "sources: 'email' and 'data.csv' both deliver emails_sent; say which one does with a "
        "`metrics:` list on one of them"
    ) in messages
    # the whole file only for what no other source gives: no conflict, same audit
    config.write_text(
        text.replace(
            "  - {connector: file, path: traffic.csv}\n",
            "  - {connector: file, path: traffic.csv}\n"
            "  - {connector: file, path: data.csv, metrics: [revenue_total]}\n",
        ).replace("  - {connector: file, path: finance.csv}\n", ""),
        encoding="utf-8",
    )
    result = audit(load_config(config), Gate("never")).to_json()
    assert result["metrics"]["revenue_total"]["value"] is not None
    assert result["source"]["provenance"]["sources"]["data.csv"]["metrics"] == ["revenue_total"]


@pytest.mark.parametrize(
    ("block", "where", "fragment"),
    [
        (
            "source: {connector: file, path: a.csv}\nsources:\n  - {connector: file, path: b.csv}\n",
            "sources",
            "give either source: or sources:, not both",
        ),
        (
            "sources:\n  - {connector: file, path: a.csv, name: x}\n"
            "  - {connector: file, path: b.csv, name: x}\n",
            "sources.1.name",
            "two sources are named 'x' (sources 1 and 2)",
        ),
        (
            "sources:\n  - {connector: file, path: a.csv, metrics: [mql]}\n",
            "sources.0.metrics",
            "unknown base metric id 'mql' (did you mean 'mqls'?)",
        ),
        (
            "sources:\n  - {connector: file, pth: a.csv}\n",
            "sources.0",
            "unknown key (did you mean 'path'?)",
        ),
    ],
)
def test_bad_sources_are_located(tmp_path: Path, block: str, where: str, fragment: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"client: X\nperiod: 2026-Q3\n{block}", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(config)
    found = [p for p in caught.value.problems if fragment in p.message]
    assert found, [p.message for p in caught.value.problems]
    assert found[0].line is not None


def test_connectors_test_checks_each_source(tmp_path: Path) -> None:
    split_demo(tmp_path)
    result = CliRunner().invoke(main, ["connectors", "test", str(tmp_path / "multi.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: 4 sources answered in ")
    assert "email (file): email.csv: CSV (wide form), 24 months" in result.output
    assert "finance.csv (file): finance.csv:" in result.output


def test_every_sources_files_are_protected_and_snapshots_replay(tmp_path: Path) -> None:
    split_demo(tmp_path)
    config = load_config(tmp_path / "multi.yaml")
    connector = config.connector(config.connector_options, config.folder, config.timezone)
    assert isinstance(connector, MultiConnector)
    names = sorted(p.name for p in connector.input_files())
    assert names == ["crm.csv", "email.csv", "finance.csv", "leads.csv", "traffic.csv"]
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main, ["run", str(tmp_path / "multi.yaml"), "-o", str(out), "--format", "json"]
    )
    assert run.exit_code in (0, 1), run.output
    snapshot = next(out.glob("*.snapshot.json"))
    again = CliRunner().invoke(
        main,
        [
            "check",
            str(tmp_path / "multi.yaml"),
            "--from-snapshot",
            str(snapshot),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    )
    assert again.exit_code == 0, again.output
    assert '"overall": 71.0' in again.output


def test_a_closed_pipe_ends_quietly_not_as_an_internal_error(tmp_path: Path) -> None:
    """`auditor connectors test ... | head -n 1`: the reader leaves after one line, the next
    write hits a closed pipe; the run ends with the SIGPIPE status, not an internal error."""
    import subprocess
    import sys

    split_demo(tmp_path)
    command = (
        f"{sys.executable} -m auditor connectors test {tmp_path / 'multi.yaml'} "
        "| head -n 1 >/dev/null; exit ${PIPESTATUS[0]}"
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert "internal error" not in done.stderr, done.stderr
    # 141 when a write met the closed pipe (nearly always); 0 if all fitted before head left
    assert done.returncode in (141, 0), done.stderr


def test_a_live_connector_and_a_finance_file_mix(tmp_path: Path, monkeypatch) -> None:
    """Mailchimp's API (served by `responses` from its documented payloads) for email, a
    finance CSV for MRR and accounts: one audit, each metric from its own source."""
    import responses

    from tests.connectors.test_connector_mailchimp import KEY, URL, load, register

    monkeypatch.setenv("MAILCHIMP_API_KEY", KEY)
    (tmp_path / "finance.csv").write_text(
        "month,mrr,accounts_active,mrr_churned,accounts_churned\n"
        "2026-06,20000,200,0,0\n2026-07,21000,205,400,3\n"
        "2026-08,21500,207,300,2\n2026-09,22000,210,500,4\n",
        encoding="utf-8",
    )
    (tmp_path / "client.yaml").write_text(
        "client: Mixed Co\nperiod: 2026-Q3\ntimezone: Europe/Madrid\n"
        f"sources:\n  - {{connector: mailchimp, base_url: '{URL}', name: email}}\n"
        "  - {connector: file, path: finance.csv}\n",
        encoding="utf-8",
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        register(api, stores=load("stores"))
        result = audit(load_config(tmp_path / "client.yaml"), Gate("never")).to_json()
    source = result["source"]
    assert source["connector"] == "mailchimp+file"
    assert source["provenance"]["metric_connectors"]["emails_sent"] == "mailchimp"
    assert source["provenance"]["metric_connectors"]["mrr"] == "file"
    assert result["metrics"]["emails_sent"]["value"] == 1000 + 2000 + 1500
    assert result["metrics"]["mrr"]["value"] == 22000
    # the definitions appendix names each metric's own source
    from auditor.core.strings import Translator
    from auditor.outputs.report.definitions import definition_rows

    rows = {r["id"]: r for r in definition_rows(result, Translator("en"))}
    assert rows["mrr"]["source"] == "column 'mrr' of the data file"
    assert rows["emails_sent"]["source_is_field"] is True
    assert rows["emails_sent"]["difference"].startswith("one-off campaigns only")


def test_platform_exports_and_a_finance_file_match_the_equivalent_wide_file(
    tmp_path: Path,
) -> None:
    """A Mailchimp campaigns export, HubSpot contacts and deals exports, GA4 downloads and a
    finance CSV give the same metrics and KPIs as one wide file holding their monthly sums."""
    from tests.connectors.test_exports import FIXTURES

    for name in (
        "mailchimp-campaigns.csv",
        "hubspot-contacts.csv",
        "hubspot-deals.csv",
        "ga4-traffic-acquisition.csv",
        "ga4-monthly-users.csv",
    ):
        shutil.copy(FIXTURES / name, tmp_path / name)
    (tmp_path / "finance.csv").write_text(
        "month,revenue_total\n2026-04,50000\n2026-05,52000\n", encoding="utf-8"
    )
    exports = (
        "sources:\n"
        "  - {connector: file, path: mailchimp-campaigns.csv}\n"
        "  - {connector: file, path: hubspot-contacts.csv}\n"
        "  - {connector: file, path: hubspot-deals.csv}\n"
        "  - {connector: file, path: finance.csv}\n"
        "  - {connector: file, path: ga4-traffic-acquisition.csv}\n"
        # its Sessions column repeats the traffic report's: only its users are taken
        "  - {connector: file, path: ga4-monthly-users.csv, metrics: [website_visitors]}\n"
    )
    (tmp_path / "wide.csv").write_text(
        "month,emails_sent,emails_delivered,campaigns_sent,unique_opens,unique_clicks,"
        "unsubscribes,bounces,spam_complaints,conversions,revenue_attributed,leads_new,mqls,"
        "sqls,customers_new,deals_won,deals_lost,revenue_won,revenue_total,website_sessions,"
        "email_sessions,website_visitors\n"
        "2026-04,3690,3652,2,1356,215,10,38,1,,,3,2,1,0,2,1,5920.5,50000,2293,251,1688\n"
        "2026-05,1900,1881,1,720,101,3,19,2,2,200,1,2,0,1,1,0,13950,52000,1872,0,1472\n",
        encoding="utf-8",
    )
    head = "client: Export Co\nperiod: 2026-05\ncosts: {platform: 1000, staff: 500}\n"
    (tmp_path / "exports.yaml").write_text(head + exports, encoding="utf-8")
    (tmp_path / "wide.yaml").write_text(
        head + "source: {connector: file, path: wide.csv}\n", encoding="utf-8"
    )
    from_exports = audit(load_config(tmp_path / "exports.yaml"), Gate("never")).to_json()
    from_wide = audit(load_config(tmp_path / "wide.yaml"), Gate("never")).to_json()
    values = {k: v["value"] for k, v in from_exports["metrics"].items()}
    assert values == {k: v["value"] for k, v in from_wide["metrics"].items()}
    assert values["click_rate"] == 101 / 1881
    assert values["close_rate"] == 1.0
    assert values["visitor_to_lead_rate"] == 1 / 1472
    assert values["email_traffic_share"] == 0.0
    assert from_exports["scores"] == from_wide["scores"]
