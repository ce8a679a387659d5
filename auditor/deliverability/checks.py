"""The deliverability checks of a sending domain's DNS (and of a sample message, through
message_checks.py). Each check is pass, warn, fail, info, or unknown ("could not
check": a DNS lookup failed, or nothing to check it with), names the published
requirements it rests on (sources.py) and whether they bind every sender or only bulk
senders. The words are in the string catalog (strings_deliverability.yaml), in both
report languages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.deliverability.dns import DnsFailure, TxtLookup
from auditor.deliverability.message import SampleMessage
from auditor.deliverability.message_checks import message_checks
from auditor.deliverability.model import (
    Check,
    DeliverabilityResult,
    Part,
    Status,
    check,
    organisational_domain,
)
from auditor.deliverability.records import records_of, rsa_key_bits, tags
from auditor.deliverability.spf import LOOKUP_LIMIT, VOID_LIMIT, evaluate_spf

SPF_SOURCES = ("google", "yahoo", "microsoft", "rfc7208")
DMARC_SOURCES = ("google", "yahoo", "microsoft", "rfc7489")
DKIM_SOURCES = ("google", "yahoo", "microsoft", "rfc6376", "rfc8301")


def check_domain(
    domain: str,
    dns: TxtLookup,
    *,
    selectors: Sequence[str] = (),
    message: SampleMessage | None = None,
) -> DeliverabilityResult:
    """Every check for `domain`, with `message`'s when given (its DKIM selectors are
    checked too)."""
    domain = domain.lower().rstrip(".")
    result = DeliverabilityResult(domain, message=message.path.name if message else None)
    checks = result.checks
    checks.extend(_guard("spf-record", SPF_SOURCES, lambda: _spf(domain, dns)))
    dmarc_policy: list[str] = []
    checks.extend(_guard("dmarc-record", DMARC_SOURCES, lambda: _dmarc(domain, dns, dmarc_policy)))
    wanted = [(domain, s.lower()) for s in selectors]
    if message is not None:
        wanted += [(s.domain, s.selector) for s in message.signatures]
    checks.extend(_dkim_keys(domain, dns, list(dict.fromkeys(wanted))))
    checks.extend(_guard("bimi", ("bimi",), lambda: _bimi(domain, dns, dmarc_policy)))
    checks.extend(_guard("mta-sts", ("rfc8461",), lambda: _mta_sts(domain, dns)))
    if message is not None:
        checks.extend(message_checks(domain, message))
    result.dns_answers = dict(dns.answers)
    return result


def _failed(check_id: str, exc: DnsFailure, sources: tuple[str, ...]) -> Check:
    return check(check_id, "unknown", "dns_failed", sources, name=exc.name, why=exc.why)


def _guard(check_id: str, sources: tuple[str, ...], run: Callable[[], list[Check]]) -> list[Check]:
    try:
        return run()
    except DnsFailure as exc:
        return [_failed(check_id, exc, sources)]


# --- SPF ------------------------------------------------------------------------------


def _shown(text: str, limit: int = 300) -> str:
    """A DNS record as a report shows it: anyone can publish 64 KB of TXT."""
    return text if len(text) <= limit else text[:limit] + "…"


def _spf(domain: str, dns: TxtLookup) -> list[Check]:
    spf = evaluate_spf(domain, dns)
    if spf.record is None:
        return [check("spf-record", "fail", "spf.none", SPF_SOURCES, "bulk", domain=domain)]
    if spf.records_found > 1:
        first = check(
            "spf-record",
            "fail",
            "spf.several",
            SPF_SOURCES,
            "bulk",
            count=spf.records_found,
            domain=domain,
        )
    else:
        first = check(
            "spf-record", "pass", "spf.record", SPF_SOURCES, "bulk", record=_shown(spf.record)
        )
    counts = {
        "lookups": str(spf.lookups),
        "limit": str(LOOKUP_LIMIT),
        "void": str(spf.void_lookups),
        "void_limit": str(VOID_LIMIT),
    }
    parts: list[Part] = [("spf.lookups", counts)]
    if spf.missing:
        parts.append(("spf.no_record_at", {"targets": ", ".join(spf.missing)}))
    over = spf.lookups > LOOKUP_LIMIT or spf.void_lookups > VOID_LIMIT
    status: Status = "fail" if over or spf.missing else "warn" if spf.lookups >= 9 else "pass"
    if status == "warn":
        parts.append(("spf.near_limit", {}))
    out = [first, Check("spf-lookups", status, tuple(parts), ("rfc7208",))]
    qualifier = spf.all_qualifier
    if qualifier == "+":
        out.append(check("spf-all", "fail", "spf.all_plus", ("rfc7208",)))
    elif qualifier in ("-", "~"):
        out.append(check("spf-all", "pass", "spf.all_ok", ("rfc7208",), qualifier=qualifier))
    else:
        key = "spf.all_neutral" if qualifier == "?" else "spf.all_none"
        out.append(check("spf-all", "warn", key, ("rfc7208",)))
    if spf.uses_ptr:
        out.append(check("spf-ptr", "warn", "spf.ptr", ("rfc7208",)))
    return out


# --- DMARC ----------------------------------------------------------------------------


def _dmarc(domain: str, dns: TxtLookup, policy_out: list[str]) -> list[Check]:
    organisational = organisational_domain(domain)
    found = records_of(dns.txt(f"_dmarc.{domain}"), "DMARC1")
    where = domain
    inherited = False
    if not found and organisational != domain:
        found = records_of(dns.txt(f"_dmarc.{organisational}"), "DMARC1")
        where, inherited = organisational, True
    if not found:
        names = f"_dmarc.{domain}" + (
            f", _dmarc.{organisational}" if organisational != domain else ""
        )
        return [check("dmarc-record", "fail", "dmarc.none", DMARC_SOURCES, "bulk", names=names)]
    if len(found) > 1:
        return [
            check(
                "dmarc-record",
                "fail",
                "dmarc.several",
                DMARC_SOURCES,
                "bulk",
                count=len(found),
                domain=where,
            )
        ]
    record = found[0]
    policy = (record["sp"] if inherited and "sp" in record else record.get("p", "")).lower()
    valid = policy in ("none", "quarantine", "reject")
    shown = record.get("p", "-")
    first = (
        check(
            "dmarc-record",
            "pass" if valid else "fail",
            "dmarc.inherited",
            DMARC_SOURCES,
            "bulk",
            domain=where,
            policy=shown,
            subdomain=domain,
        )
        if inherited
        else check(
            "dmarc-record",
            "pass" if valid else "fail",
            "dmarc.record",
            DMARC_SOURCES,
            "bulk",
            domain=where,
            policy=shown,
        )
    )
    if not valid:
        return [first]
    policy_out.append(policy)
    return [first, *_dmarc_policy(policy, record)]


def _dmarc_policy(policy: str, record: dict[str, str]) -> list[Check]:
    """The policy's strength, its coverage and its reports."""
    out = [
        check("dmarc-policy", "warn", "dmarc.policy_none", ("google", "rfc7489"))
        if policy == "none"
        else check("dmarc-policy", "pass", "dmarc.policy", ("rfc7489",), policy=policy)
    ]
    pct = record.get("pct", "100")
    if pct != "100":
        out.append(check("dmarc-pct", "warn", "dmarc.pct", ("rfc7489",), pct=pct))
    rua = record.get("rua")
    out.append(
        check("dmarc-reports", "pass", "dmarc.rua", ("rfc7489",), rua=rua)
        if rua
        else check("dmarc-reports", "warn", "dmarc.no_rua", ("rfc7489",))
    )
    return out


# --- DKIM -----------------------------------------------------------------------------


def _dkim_keys(domain: str, dns: TxtLookup, wanted: list[tuple[str, str]]) -> list[Check]:
    if not wanted:
        return [check("dkim-key", "unknown", "dkim.no_selector", DKIM_SOURCES, "bulk")]
    out = []
    for signing_domain, selector in wanted:
        name = f"{selector}._domainkey.{signing_domain}"
        try:
            texts = dns.txt(name)
        except DnsFailure as exc:
            out.append(_failed("dkim-key", exc, DKIM_SOURCES))
            continue
        out.append(_dkim_key(name, [r for r in (_dkim_record(t) for t in texts) if r is not None]))
    return out


def _dkim_key(name: str, keys: list[dict[str, str]]) -> Check:
    if not keys:
        return check("dkim-key", "fail", "dkim.missing", DKIM_SOURCES, "bulk", name=name)
    key = keys[0]
    if not key.get("p"):
        return check("dkim-key", "fail", "dkim.revoked", DKIM_SOURCES, "bulk", name=name)
    kind = key.get("k", "rsa").lower()
    bits = rsa_key_bits(key["p"]) if kind == "rsa" else None
    if bits is None:
        return check(
            "dkim-key", "pass", "dkim.published", DKIM_SOURCES, "bulk", name=name, kind=kind
        )
    status: Status = "fail" if bits < 1024 else "warn" if bits < 2048 else "pass"
    which = {"fail": "dkim.short", "warn": "dkim.weak", "pass": "dkim.ok"}[status]
    return check("dkim-key", status, which, DKIM_SOURCES, "bulk", name=name, bits=bits)


def _dkim_record(text: str) -> dict[str, str] | None:
    parsed = tags(text)
    if "p" not in parsed or parsed.get("v", "DKIM1").upper() != "DKIM1":
        return None
    return parsed


# --- BIMI and MTA-STS (informational) -------------------------------------------------


def _bimi(domain: str, dns: TxtLookup, dmarc_policy: list[str]) -> list[Check]:
    found = records_of(dns.txt(f"default._bimi.{domain}"), "BIMI1")
    if not found:
        return [check("bimi", "info", "bimi.none", ("bimi",))]
    logo = found[0].get("l") or "-"
    if dmarc_policy and dmarc_policy[0] in ("quarantine", "reject"):
        return [check("bimi", "info", "bimi.logo", ("bimi",), logo=logo)]
    return [check("bimi", "warn", "bimi.unenforced", ("bimi",), logo=logo)]


def _mta_sts(domain: str, dns: TxtLookup) -> list[Check]:
    found = records_of(dns.txt(f"_mta-sts.{domain}"), "STSv1")
    if found:
        return [
            check("mta-sts", "info", "mta_sts.policy", ("rfc8461",), id=found[0].get("id", "-"))
        ]
    return [check("mta-sts", "info", "mta_sts.none", ("rfc8461",))]
