"""Deliverability checks through dnspython's real resolver against a DNS server on
loopback serving test zones (tests/fakes/dns_server.py): each pass, warn and fail case,
a DNS failure as "could not check", sample messages shaped like what large platforms
send, and the `auditor deliverability` command's output and exit codes."""

from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.deliverability.checks import check_domain
from auditor.deliverability.dns import Replay, Resolver
from auditor.deliverability.message import read_message
from auditor.deliverability.model import Check, organisational_domain
from auditor.deliverability.records import rsa_key_bits
from auditor.deliverability.spf import evaluate_spf
from tests.fakes.dns_server import DnsZone, dns_server
from tests.helpers import ROOT

SAMPLES = ROOT / "tests" / "fixtures" / "deliverability"


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 128:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def rsa_key(bits: int) -> str:
    """A DKIM p= value: an RSA SubjectPublicKeyInfo whose modulus has `bits` bits."""
    modulus = b"\x00" + b"\xc1" + b"\x5a" * (bits // 8 - 1)
    key = _der(0x30, _der(0x02, modulus) + _der(0x02, b"\x01\x00\x01"))
    algorithm = _der(0x30, _der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    return base64.b64encode(_der(0x30, algorithm + _der(0x03, b"\x00" + key))).decode()


def spf_chain(prefix: str, includes: int) -> dict[str, list[str]]:
    """A record with `includes` include: terms, each to a record costing no lookup."""
    zone = {
        prefix: ["v=spf1 " + " ".join(f"include:i{n}.{prefix}" for n in range(includes)) + " -all"]
    }
    zone.update({f"i{n}.{prefix}": [f"v=spf1 ip4:192.0.2.{n} -all"] for n in range(includes)})
    return zone


ZONE: dict[str, list[str]] = {
    # a sender that does everything right
    "good.example": [
        "google-site-verification=abc",
        "v=spf1 include:_spf.esp.example ip4:192.0.2.0/24 -all",
    ],
    "_spf.esp.example": ["v=spf1 include:_spf2.esp.example a mx ~all"],
    "_spf2.esp.example": ["v=spf1 ip4:198.51.100.0/24 ~all"],
    "_dmarc.good.example": ["v=DMARC1; p=reject; rua=mailto:dmarc@good.example; adkim=r"],
    "s1._domainkey.good.example": [f"v=DKIM1; k=rsa; p={rsa_key(2048)}"],
    "k1._domainkey.esp-mail.example": [f"v=DKIM1; k=rsa; p={rsa_key(1024)}"],
    "default._bimi.good.example": ["v=BIMI1; l=https://good.example/bimi/logo.svg; a="],
    "_mta-sts.good.example": ["v=STSv1; id=20261201"],
    # the common half-done setup
    "lax.example": ["v=spf1 include:_spf.esp.example ?all"],
    "_dmarc.lax.example": ["v=DMARC1; p=none; pct=50"],
    "old._domainkey.lax.example": [f"v=DKIM1; p={rsa_key(512)}"],
    "gone._domainkey.lax.example": ["v=DKIM1; k=rsa; p="],
    "default._bimi.lax.example": ["v=BIMI1; l=https://lax.example/logo.svg"],
    # broken SPF
    "plusall.example": ["v=spf1 +all"],
    "twice.example": ["v=spf1 -all", "v=spf1 ip4:192.0.2.1 -all"],
    "void.example": [
        "v=spf1 include:missing.example include:also-missing.example include:_spf2.esp.example -all"
    ],
    "ptr.example": ["v=spf1 ptr -all"],
    **spf_chain("eleven.example", 11),
    **spf_chain("ten.example", 10),
    "redirected.example": ["v=spf1 redirect=_spf.esp.example"],
    # a subdomain sending, its organisational domain publishing DMARC with sp=
    "news.org.example": ["v=spf1 -all"],
    "_dmarc.org.example": ["v=DMARC1; p=reject; sp=quarantine; rua=mailto:r@org.example"],
    # DNS that fails
    "flaky.example": ["v=spf1 -all"],
    # a record far longer than a report line
    "long.example": ["v=spf1 " + " ".join(f"ip4:192.0.2.{n % 250}" for n in range(400)) + " -all"],
}


@pytest.fixture(scope="module")
def server():
    zone = DnsZone(ZONE, servfail={"_dmarc.flaky.example"}, silent={"down.example"})
    with dns_server(zone) as address:
        yield address


def resolver(server) -> Resolver:
    host, port = server
    return Resolver([host], port=port, timeout=1.0)


def by_id(checks: list[Check]) -> dict[str, Check]:
    return {c.id: c for c in checks}


def test_a_sender_that_does_everything_right_passes(server):
    result = check_domain("good.example", resolver(server), selectors=["s1"])
    checks = by_id(result.checks)
    for check in (
        "spf-record",
        "spf-lookups",
        "spf-all",
        "dmarc-record",
        "dmarc-policy",
        "dmarc-reports",
        "dkim-key",
    ):
        assert checks[check].status == "pass", checks[check]
    assert checks["spf-lookups"].detail.startswith("4 DNS lookups")  # include, include, a, mx
    assert "2048-bit" in checks["dkim-key"].detail
    assert checks["bimi"].status == "info"
    assert "logo.svg" in checks["bimi"].detail
    assert checks["mta-sts"].status == "info"
    assert "20261201" in checks["mta-sts"].detail
    assert result.worst == "info"
    assert result.dns_answers["_dmarc.good.example"] == ZONE["_dmarc.good.example"]


def test_the_half_done_setup_warns_and_fails_where_it_should(server):
    result = check_domain("lax.example", resolver(server), selectors=["old", "gone", "absent"])
    checks = by_id(result.checks)
    assert checks["spf-all"].status == "warn"
    assert "?all" in checks["spf-all"].detail
    assert checks["dmarc-record"].status == "pass"  # p=none complies
    assert checks["dmarc-policy"].status == "warn"
    assert "spoofed" in checks["dmarc-policy"].detail
    assert checks["dmarc-pct"].status == "warn"
    assert checks["dmarc-reports"].status == "warn"
    assert checks["bimi"].status == "warn"  # BIMI without DMARC enforcement shows nothing
    keys = [c for c in result.checks if c.id == "dkim-key"]
    assert [c.status for c in keys] == ["fail", "fail", "fail"]
    assert "512-bit" in keys[0].detail
    assert "revoked" in keys[1].detail
    assert "no DKIM key at absent._domainkey.lax.example" in keys[2].detail


@pytest.mark.parametrize(
    ("domain", "check", "status", "said"),
    [
        ("plusall.example", "spf-all", "fail", "+all lets any server"),
        ("twice.example", "spf-record", "fail", "2 SPF records"),
        ("void.example", "spf-lookups", "fail", "no SPF record at include:missing.example"),
        ("eleven.example", "spf-lookups", "fail", "11 DNS lookups (the limit is 10)"),
        ("ten.example", "spf-lookups", "warn", "10 DNS lookups"),
        ("ptr.example", "spf-ptr", "warn", "SHOULD NOT"),
        ("redirected.example", "spf-lookups", "pass", "4 DNS lookups"),  # redirect, include, a, mx
        ("nothing.example", "spf-record", "fail", "publishes no SPF record"),
        ("nothing.example", "dmarc-record", "fail", "no DMARC record"),
    ],
)
def test_each_spf_and_dmarc_case(server, domain, check, status, said):
    found = [c for c in check_domain(domain, resolver(server)).checks if c.id == check]
    assert found, (domain, check)
    assert found[0].status == status, found[0]
    assert said in found[0].detail, found[0].detail


def test_void_lookups_over_two_are_counted(server):
    spf = evaluate_spf("void.example", resolver(server))
    assert (spf.lookups, spf.void_lookups) == (3, 2)


def test_a_subdomain_inherits_the_organisational_domains_dmarc_with_sp(server):
    checks = by_id(check_domain("news.org.example", resolver(server)).checks)
    assert checks["dmarc-record"].status == "pass"
    assert "inherited by news.org.example" in checks["dmarc-record"].detail
    assert checks["dmarc-policy"].detail == "p=quarantine"  # sp=, not p=
    assert organisational_domain("news.example.co.uk") == "example.co.uk"


def test_a_dns_failure_is_could_not_check_never_a_pass(server):
    checks = by_id(check_domain("flaky.example", resolver(server)).checks)
    assert checks["spf-record"].status == "pass"
    assert checks["dmarc-record"].status == "unknown"
    assert checks["dmarc-record"].detail.startswith(
        "could not check: no DNS answer for _dmarc.flaky.example"
    )


def test_recorded_answers_replay_the_same_checks_without_a_server(server):
    live = check_domain("good.example", resolver(server), selectors=["s1"])
    replayed = check_domain("good.example", Replay(live.dns_answers), selectors=["s1"])
    assert replayed.checks == live.checks
    missing = check_domain("good.example", Replay({}), selectors=["s1"])
    assert {c.status for c in missing.checks} == {"unknown"}


def test_a_sample_message_from_a_well_set_up_platform(server):
    message = read_message(SAMPLES / "good.eml")
    assert message.from_domain == "good.example"
    assert [(s.domain, s.selector) for s in message.signatures] == [
        ("good.example", "s1"),
        ("esp-mail.example", "k1"),
    ]
    assert message.results == {"dkim": "pass", "spf": "pass", "dmarc": "pass"}
    result = check_domain("good.example", resolver(server), message=message)
    checks = by_id(result.checks)
    for check in (
        "one-click-unsubscribe",
        "unsubscribe-signed",
        "dkim-alignment",
        "spf-alignment",  # Return-Path bounce.good.example: the From's organisation
        "authentication-results",
    ):
        assert checks[check].status == "pass", checks[check]
    assert "https://esp.example/unsubscribe/abc123" in checks["one-click-unsubscribe"].detail
    keys = [c for c in result.checks if c.id == "dkim-key"]  # both selectors the message names
    assert [c.status for c in keys] == ["pass", "warn"]
    assert "k1._domainkey.esp-mail.example: 1024-bit" in keys[1].detail


def test_a_message_signed_only_by_the_platform_without_one_click_fails(server):
    checks = by_id(
        check_domain(
            "good.example", resolver(server), message=read_message(SAMPLES / "misaligned.eml")
        ).checks
    )
    assert checks["one-click-unsubscribe"].status == "fail"
    detail = checks["one-click-unsubscribe"].detail
    assert "https URI (it has mailto only)" in detail
    assert "List-Unsubscribe=One-Click" in detail
    assert checks["dkim-alignment"].status == "fail"
    assert "signed only by esp-mail.example" in checks["dkim-alignment"].detail
    assert checks["spf-alignment"].status == "info"  # bounces to the platform's domain
    assert "esp-mail.example" in checks["spf-alignment"].detail
    assert checks["authentication-results"].status == "fail"


def test_one_click_headers_outside_the_signature_fail(server):
    message = read_message(SAMPLES / "unsigned-unsubscribe.eml")
    checks = by_id(check_domain("good.example", resolver(server), message=message).checks)
    assert checks["one-click-unsubscribe"].status == "pass"
    assert checks["unsubscribe-signed"].status == "fail"
    assert checks["dkim-alignment"].status == "pass"
    assert checks["authentication-results"].status == "unknown"
    assert checks["spf-alignment"].status == "unknown"  # no Return-Path in this sample


def test_long_records_and_huge_messages_are_bounded(server, tmp_path):
    (record,) = [
        c for c in check_domain("long.example", resolver(server)).checks if c.id == "spf-record"
    ]
    assert record.status == "pass"
    assert len(record.detail) == 301
    assert record.detail.endswith("…")
    huge = tmp_path / "huge.eml"
    header = (SAMPLES / "good.eml").read_bytes().split(b"\n\n", 1)[0]
    huge.write_bytes(header + b"\n\n" + b"x" * (3 * 1024 * 1024))
    assert read_message(huge).from_domain == "good.example"  # the body is never read


def test_rsa_key_bits_reads_the_modulus():
    assert [rsa_key_bits(rsa_key(b)) for b in (512, 1024, 2048, 4096)] == [512, 1024, 2048, 4096]
    assert rsa_key_bits("not base64!") is None
    assert rsa_key_bits(base64.b64encode(b"\x30\x05short").decode()) is None


# --- the command ----------------------------------------------------------------------


def run(server, *args: str):
    host, port = server
    return CliRunner().invoke(
        main, ["deliverability", *args, "--nameserver", f"{host}:{port}", "--timeout", "1"]
    )


def test_the_command_prints_each_check_and_exits_1_on_a_failure(server):
    good = run(server, "good.example", "--selector", "s1")
    assert good.exit_code == 0, good.output
    lines = [" ".join(line.split()) for line in good.output.splitlines()]
    assert "PASS DMARC record: _dmarc.good.example: p=reject" in lines
    bad = run(server, "lax.example", "--eml", str(SAMPLES / "misaligned.eml"))
    assert bad.exit_code == 1, bad.output
    assert "FAIL One-click unsubscribe" in " ".join(bad.output.split())
    assert "required of bulk senders (5,000+ messages a day" in bad.output


def test_the_command_speaks_spanish(server):
    result = run(server, "lax.example", "--eml", str(SAMPLES / "misaligned.eml"), "--lang", "es")
    assert result.exit_code == 1, result.output
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    assert lines[0] == "Entregabilidad de lax.example (muestra: misaligned.eml)"
    assert "AVISO Política DMARC: p=none cumple el requisito" in " | ".join(lines)
    assert (
        "FALLO Baja con un clic: falta una cabecera List-Unsubscribe con URI https (solo tiene "
        "mailto); falta List-Unsubscribe-Post: List-Unsubscribe=One-Click"
    ) in lines
    assert "exigido a remitentes masivos (5.000 o más mensajes al día" in result.output
    for english in ("missing", "signed only", "required of", "could not check"):
        assert english not in result.output, english


def test_every_check_reads_in_both_languages(server):
    """Every check the test zones produce has its title and detail in each language,
    and the two differ wherever the sentence has words to translate."""
    results = [
        check_domain(
            d, resolver(server), selectors=["s1", "old", "gone"], message=read_message(SAMPLES / m)
        )
        for d, m in (
            ("good.example", "good.eml"),
            ("lax.example", "misaligned.eml"),
            ("flaky.example", "unsigned-unsubscribe.eml"),
        )
    ]
    seen = {c.id for r in results for c in r.checks}
    assert len(seen) >= 14
    for result in results:
        for c in result.checks:
            assert c.title_in("es")
            assert c.detail_in("es")
            assert c.applies_in("es")


def test_the_json_output_carries_sources_and_the_dns_answers(server):
    result = run(server, "good.example", "--eml", str(SAMPLES / "good.eml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["domain"] == "good.example"
    assert data["message"] == "good.eml"
    unsubscribe = next(c for c in data["checks"] if c["id"] == "one-click-unsubscribe")
    assert {s["key"] for s in unsubscribe["sources"]} == {"google", "yahoo", "rfc8058"}
    assert unsubscribe["sources"][-1]["url"] == "https://www.rfc-editor.org/rfc/rfc8058"
    assert data["dns_answers"]["s1._domainkey.good.example"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["not a domain"], "is not a domain name"),
        (["localhost"], "is not a domain name"),
        (["good.example", "--eml", "missing.eml"], "cannot read"),
        (["good.example", "--eml", str(SAMPLES / "notes.eml")], "is not an email message"),
    ],
)
def test_bad_input_is_exit_2_without_a_traceback(server, args, said):
    result = run(server, *args)
    assert result.exit_code == 2, result.output
    assert said in result.output + (result.stderr or ""), result.output
    assert "Traceback" not in result.output


def test_a_bad_nameserver_is_exit_2():
    result = CliRunner().invoke(
        main, ["deliverability", "good.example", "--nameserver", "dns.example"]
    )
    assert result.exit_code == 2
    assert "is not a name server's IP address" in result.stderr


def test_dns_that_never_answers_is_exit_3(server):
    result = run(server, "down.example")
    assert result.exit_code == 3, result.output
    assert "no check of down.example could be made" in result.stderr


def test_every_check_made_is_in_the_catalog_with_its_words_in_both_languages(server):
    from auditor.core.strings import catalog
    from auditor.deliverability.catalog import CHECKS, INFORMATION_ONLY

    made = {
        c.id
        for domain in ("good.example", "lax.example", "flaky.example", "news.org.example")
        for sample in (
            None,
            *(SAMPLES / f"{n}.eml" for n in ("good", "misaligned", "unsigned-unsubscribe")),
        )
        for c in check_domain(
            domain,
            resolver(server),
            selectors=["s1", "old", "gone"],
            message=read_message(sample) if sample else None,
        ).checks
    }
    assert made <= set(CHECKS)
    assert len(made) >= 15  # the fixtures reach nearly every check
    words = catalog()  # the loader has checked every key has both languages
    titled = {k.split(".", 2)[2] for k in words["en"] if k.startswith("deliverability.title.")}
    assert titled == set(CHECKS)
    for check in set(CHECKS) - INFORMATION_ONLY:
        assert f"deliverability.advice.{check}" in words["es"], check


def test_the_deliverability_pack_lists_its_checks_and_the_default_does_not():
    listed = CliRunner().invoke(main, ["rules", "list", "--pack", "deliverability"])
    assert listed.exit_code == 0, listed.output
    assert "deliverability-spf-lookups" in listed.output
    assert "deliverability-campaign-hard-bounces" in listed.output
    assert "19 deliverability checks" in listed.output
    default = CliRunner().invoke(main, ["rules", "list"])
    assert "deliverability-spf-lookups" not in default.output
    as_json = CliRunner().invoke(
        main, ["rules", "list", "--pack", "deliverability", "--format", "json"]
    )
    checks = {c["id"]: c for c in json.loads(as_json.output)["deliverability_checks"]}
    assert checks["deliverability-bimi"]["finding"] == "no"
    assert checks["deliverability-unengaged-share"]["runs_with"] == "engagement"


def test_a_message_with_two_from_addresses_fails(server, tmp_path):
    for name, headers in (
        ("two-headers.eml", b"From: a@good.example\nFrom: b@other.example\n"),
        ("two-addresses.eml", b"From: a@good.example, b@other.example\n"),
    ):
        sample = tmp_path / name
        sample.write_bytes(headers + b"Subject: x\n\nbody\n")
        checks = by_id(
            check_domain("good.example", resolver(server), message=read_message(sample)).checks
        )
        assert checks["message-from"].status == "fail", name
        assert "names 2 From addresses" in checks["message-from"].detail
    one = tmp_path / "one.eml"
    one.write_bytes(b'From: "Shop, Inc." <news@good.example>\nSubject: x\n\n')
    found = check_domain("good.example", resolver(server), message=read_message(one)).checks
    assert "message-from" not in by_id(found)  # a comma inside the display name is one address
