"""Deliverability inside an audit: the config's `deliverability:` section runs the
checks with the audit (against a loopback DNS server), they become findings of their own
category that gate the exit code without moving any score, the result carries the full
table, the snapshot records the DNS answers so `--from-snapshot` replays them with no
server, and a wrong section is exit 2 naming its line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.core.resources import demo_dir
from tests.deliverability.test_deliverability import SAMPLES, ZONE
from tests.fakes.dns_server import DnsZone, dns_server

DEMO_ZONE = {
    **ZONE,
    "ebro.example": ["v=spf1 include:_spf.esp.example -all"],
    "_dmarc.ebro.example": ["v=DMARC1; p=none; rua=mailto:d@ebro.example"],
}


def client(folder: Path, section: str = "") -> Path:
    for name in ("data.csv", "leads.csv"):
        shutil.copy(demo_dir() / name, folder / name)
    shutil.copy(SAMPLES / "misaligned.eml", folder / "sample.eml")
    config = folder / "audit.yaml"
    config.write_text(
        (demo_dir() / "demo.yaml").read_text(encoding="utf-8") + section, encoding="utf-8"
    )
    return config


def section(port: int, domains: str = "[ebro.example]") -> str:
    return (
        f"deliverability:\n  domains: {domains}\n  selectors: [s1]\n"
        f"  sample_message: sample.eml\n  nameserver: 127.0.0.1:{port}\n  timeout: 1\n"
    )


def check_json(config: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", str(config), "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output + result.stderr
    return result.exit_code, json.loads(result.output)


def test_the_checks_run_with_the_audit_gate_it_and_move_no_score(tmp_path):
    (tmp_path / "plain").mkdir()
    _, without = check_json(client(tmp_path / "plain"))
    assert "deliverability" not in without["analysis"]
    with dns_server(DnsZone(DEMO_ZONE)) as (_, port):
        folder = tmp_path / "with"
        folder.mkdir()
        code, result = check_json(client(folder, section(port)))
    assert result["scores"] == without["scores"]  # shown, not scored
    ours = {f["rule"]: f for f in result["findings"] if f["category"] == "deliverability"}
    assert ours["deliverability-one-click-unsubscribe"]["status"] == "fail"
    assert ours["deliverability-dkim-alignment"]["status"] == "fail"
    assert ours["deliverability-spf-all"]["status"] == "pass"
    assert ours["deliverability-dmarc-policy"]["status"] == "warn"
    assert ours["deliverability-dkim-key"]["status"] == "fail"  # s1 absent at ebro.example
    assert (
        "ebro.example: no hay clave DKIM en s1._domainkey.ebro.example"
        in ours["deliverability-dkim-key"]["message"]
    )
    assert all(f["weight"] == 0 for f in ours.values())
    assert code == 1
    assert "deliverability-one-click-unsubscribe" in result["exit_reason"]
    table = result["analysis"]["deliverability"]
    assert table["replayed"] is False
    (domain,) = table["domains"]
    assert domain["domain"] == "ebro.example"
    assert domain["message"] == "sample.eml"
    assert {"bimi", "mta-sts"} <= {c["id"] for c in domain["checks"]}  # info: section only
    assert result["snapshot"]["provenance"]["deliverability_dns"]["_dmarc.ebro.example"]


def test_the_snapshot_replays_the_dns_answers_without_a_server(tmp_path):
    with dns_server(DnsZone(DEMO_ZONE)) as (_, port):
        config = client(tmp_path, section(port))
        _, live = check_json(config)
    snapshot = tmp_path / "result.json"
    snapshot.write_text(json.dumps(live), encoding="utf-8")
    _, replayed = check_json(config, "--from-snapshot", str(snapshot))  # the server is gone
    assert replayed["analysis"]["deliverability"]["replayed"] is True

    def statuses(result: dict) -> dict:
        return {
            c["id"] + c["detail"]: c["status"]
            for d in result["analysis"]["deliverability"]["domains"]
            for c in d["checks"]
        }

    assert statuses(replayed) == statuses(live)
    # a snapshot without the answers: every DNS check could not be checked, never a pass
    live["snapshot"]["provenance"].pop("deliverability_dns")
    snapshot.write_text(json.dumps(live), encoding="utf-8")
    _, blind = check_json(config, "--from-snapshot", str(snapshot))
    dns_checks = {
        (c["id"], c["status"])
        for c in blind["analysis"]["deliverability"]["domains"][0]["checks"]
        if c["id"] in ("spf-record", "dmarc-record", "bimi", "mta-sts")
    }
    assert dns_checks == {
        ("spf-record", "unknown"),
        ("dmarc-record", "unknown"),
        ("bimi", "unknown"),
        ("mta-sts", "unknown"),
    }


def test_the_report_section_reads_in_each_language(tmp_path):
    from pypdf import PdfReader

    cases = (
        (
            "es",
            "Antes que abrir",
            ("Baja con un clic", "remitentes masivos", "SPF alineado"),
            ("Sample message", "bulk senders", "missing"),
        ),
        (
            "en",
            "Before anyone opens",
            ("One-click unsubscribe", "bulk senders", "SPF aligned"),
            ("Entregabilidad", "remitentes masivos", "falta"),
        ),
    )
    with dns_server(DnsZone(DEMO_ZONE)) as (_, port):
        config = client(tmp_path, section(port))
        for language, intro, words, foreign in cases:
            out = tmp_path / language
            result = CliRunner().invoke(
                main, ["run", str(config), "-o", str(out), "--format", "pdf", "--lang", language]
            )
            assert result.exit_code in (0, 1), result.output + result.stderr
            pages = [page.extract_text() for page in PdfReader(next(out.glob("*.pdf"))).pages]
            first = next(i for i, text in enumerate(pages) if intro in text)
            part = " ".join(" ".join(pages[first : first + 2]).split())  # the section's pages
            for word in words:
                assert word in part, (language, word)
            for word in foreign:
                assert word not in part, (language, word)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("deliverability:\n  domains: [not a domain]\n", "is not a domain name"),
        ("deliverability:\n  domains: []\n", "domains"),
        (
            "deliverability:\n  domains: [a.example]\n  nameserver: dns.example\n",
            "is not a name server",
        ),
        (
            "deliverability:\n  domains: [a.example]\n  selectors: ['bad selector']\n",
            "is not a DKIM selector",
        ),
        ("deliverability:\n  domains: [a.example]\n  timeout: 0\n", "timeout"),
        ("deliverability:\n  domain: a.example\n", "domain"),
    ],
)
def test_a_wrong_section_is_exit_2_naming_its_line(tmp_path, body, said):
    config = client(tmp_path, body)
    result = CliRunner().invoke(main, ["check", str(config)])
    assert result.exit_code == 2, result.output
    assert "audit.yaml:" in result.stderr, result.stderr
    assert said in result.stderr, result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_an_unreadable_sample_message_is_exit_2(tmp_path):
    config = client(
        tmp_path,
        "deliverability:\n  domains: [a.example]\n  sample_message: gone.eml\n  nameserver: 127.0.0.1:1\n  timeout: 0.2\n",
    )
    result = CliRunner().invoke(main, ["check", str(config)])
    assert result.exit_code == 2, result.output
    assert "cannot read" in result.stderr
    assert "gone.eml" in result.stderr
