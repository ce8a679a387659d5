"""The deliverability checks: a sending domain's DNS, and a sample message if there is
one. Each check is pass, warn, fail, info, or unknown ("could not check": a DNS lookup
failed, or nothing to check it with), names the published requirement it rests on
(sources.py) and whether that requirement binds every sender or only bulk senders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auditor.deliverability.dns import DnsFailure, TxtLookup
from auditor.deliverability.message import SampleMessage
from auditor.deliverability.message_checks import message_checks
from auditor.deliverability.model import (
    ALL,
    BULK,
    Check,
    DeliverabilityResult,
    Status,
    organisational_domain,
)
from auditor.deliverability.records import records_of, rsa_key_bits, tags
from auditor.deliverability.spf import LOOKUP_LIMIT, VOID_LIMIT, evaluate_spf


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
    checks.extend(_guard("spf-record", "SPF record", lambda: _spf(domain, dns)))
    dmarc_policy: list[str] = []
    checks.extend(_guard("dmarc-record", "DMARC record", lambda: _dmarc(domain, dns, dmarc_policy)))
    wanted = [(domain, s.lower()) for s in selectors]
    if message is not None:
        wanted += [(s.domain, s.selector) for s in message.signatures]
    checks.extend(_dkim_keys(domain, dns, list(dict.fromkeys(wanted))))
    checks.extend(_guard("bimi", "BIMI logo", lambda: _bimi(domain, dns, dmarc_policy)))
    checks.extend(_guard("mta-sts", "MTA-STS", lambda: _mta_sts(domain, dns)))
    if message is not None:
        checks.extend(message_checks(domain, message))
    result.dns_answers = dict(dns.answers)
    return result


def _guard(check_id: str, title: str, run: Callable[[], list[Check]]) -> list[Check]:
    try:
        return run()
    except DnsFailure as exc:
        return [Check(check_id, "unknown", title, f"could not check: {exc}", ())]


# --- SPF ------------------------------------------------------------------------------


def _spf(domain: str, dns: TxtLookup) -> list[Check]:
    spf = evaluate_spf(domain, dns)
    sources = ("google", "yahoo", "microsoft", "rfc7208")
    if spf.record is None:
        return [
            Check(
                "spf-record",
                "fail",
                "SPF record",
                f"{domain} publishes no SPF record: every sender needs SPF or DKIM, bulk "
                "senders both",
                sources,
                BULK,
            )
        ]
    out = [
        Check(
            "spf-record",
            "fail" if spf.records_found > 1 else "pass",
            "SPF record",
            f"{spf.records_found} SPF records at {domain}: receivers treat that as no SPF"
            if spf.records_found > 1
            else f"{spf.record}",
            sources,
            BULK,
        )
    ]
    over = spf.lookups > LOOKUP_LIMIT or spf.void_lookups > VOID_LIMIT
    broken = [p for p in spf.problems if "permerror" in p]
    status: Status = "fail" if over or broken else "warn" if spf.lookups >= 9 else "pass"
    detail = (
        f"{spf.lookups} DNS lookups (the limit is {LOOKUP_LIMIT}), "
        f"{spf.void_lookups} void (limit {VOID_LIMIT})"
    )
    if broken:
        detail += "; " + "; ".join(broken)
    elif status == "warn":
        detail += ": one more include breaks it"
    out.append(Check("spf-lookups", status, "SPF lookup limit", detail, ("rfc7208",), ALL))
    qualifier = spf.all_qualifier
    if qualifier == "+":
        all_status: Status = "fail"
        all_detail = "+all lets any server on the internet send as this domain"
    elif qualifier in ("-", "~"):
        all_status, all_detail = "pass", f"ends in {qualifier}all"
    else:
        all_status = "warn"
        all_detail = (
            "ends in ?all (neutral): mail from other servers is not marked as failing"
            if qualifier == "?"
            else "no all mechanism: mail from other servers is neutral, not failing"
        )
    out.append(
        Check("spf-all", all_status, "SPF default for other senders", all_detail, ("rfc7208",))
    )
    if spf.uses_ptr:
        out.append(
            Check(
                "spf-ptr",
                "warn",
                "SPF ptr mechanism",
                'the record uses "ptr", which RFC 7208 says SHOULD NOT be used (slow, and '
                "some receivers skip it)",
                ("rfc7208",),
            )
        )
    return out


# --- DMARC ----------------------------------------------------------------------------


def _dmarc(domain: str, dns: TxtLookup, policy_out: list[str]) -> list[Check]:
    sources = ("google", "yahoo", "microsoft", "rfc7489")
    organisational = organisational_domain(domain)
    found = records_of(dns.txt(f"_dmarc.{domain}"), "DMARC1")
    where = domain
    inherited = False
    if not found and organisational != domain:
        found = records_of(dns.txt(f"_dmarc.{organisational}"), "DMARC1")
        where, inherited = organisational, True
    if not found:
        return [
            Check(
                "dmarc-record",
                "fail",
                "DMARC record",
                f"no DMARC record at _dmarc.{domain}"
                + (f" or _dmarc.{organisational}" if organisational != domain else "")
                + ": bulk senders must publish one (p=none is enough to comply)",
                sources,
                BULK,
            )
        ]
    if len(found) > 1:
        return [
            Check(
                "dmarc-record",
                "fail",
                "DMARC record",
                f"{len(found)} DMARC records at _dmarc.{where}: receivers ignore them all",
                sources,
                BULK,
            )
        ]
    record = found[0]
    policy = (record["sp"] if inherited and "sp" in record else record.get("p", "")).lower()
    out = [
        Check(
            "dmarc-record",
            "pass" if policy in ("none", "quarantine", "reject") else "fail",
            "DMARC record",
            f"_dmarc.{where}: p={record.get('p', '(missing)')}"
            + (f" (inherited by {domain})" if inherited else ""),
            sources,
            BULK,
        )
    ]
    if policy not in ("none", "quarantine", "reject"):
        return out
    policy_out.append(policy)
    return out + _dmarc_policy(policy, record)


def _dmarc_policy(policy: str, record: dict[str, str]) -> list[Check]:
    """The policy's strength, its coverage and its reports."""
    out = []
    if policy == "none":
        out.append(
            Check(
                "dmarc-policy",
                "warn",
                "DMARC policy",
                "p=none meets the bulk-sender requirement but asks receivers to do nothing "
                "with mail that fails: the domain can be spoofed",
                ("google", "rfc7489"),
            )
        )
    else:
        out.append(Check("dmarc-policy", "pass", "DMARC policy", f"p={policy}", ("rfc7489",)))
    pct = record.get("pct", "100")
    if pct != "100":
        out.append(
            Check(
                "dmarc-pct",
                "warn",
                "DMARC coverage",
                f"pct={pct}: the policy applies to only part of the failing mail",
                ("rfc7489",),
            )
        )
    rua = record.get("rua")
    out.append(
        Check(
            "dmarc-reports",
            "pass" if rua else "warn",
            "DMARC aggregate reports",
            f"rua={rua}"
            if rua
            else "no rua address: nobody receives the reports that show who sends as this domain",
            ("rfc7489",),
        )
    )
    return out


# --- DKIM -----------------------------------------------------------------------------


def _dkim_keys(domain: str, dns: TxtLookup, wanted: list[tuple[str, str]]) -> list[Check]:
    sources = ("google", "yahoo", "microsoft", "rfc6376", "rfc8301")
    if not wanted:
        return [
            Check(
                "dkim-key",
                "unknown",
                "DKIM key",
                "could not check: a DKIM selector is not discoverable from DNS; give "
                "--selector, or a sample message (--eml) whose signature names it",
                sources,
                BULK,
            )
        ]
    out = []
    for signing_domain, selector in wanted:
        name = f"{selector}._domainkey.{signing_domain}"
        try:
            texts = dns.txt(name)
        except DnsFailure as exc:
            out.append(
                Check("dkim-key", "unknown", "DKIM key", f"could not check: {exc}", sources, BULK)
            )
            continue
        keys = [r for r in (_dkim_record(t) for t in texts) if r is not None]
        if not keys:
            out.append(
                Check("dkim-key", "fail", "DKIM key", f"no DKIM key at {name}", sources, BULK)
            )
            continue
        key = keys[0]
        if not key.get("p"):
            out.append(
                Check(
                    "dkim-key",
                    "fail",
                    "DKIM key",
                    f"{name}: the key is revoked (empty p=)",
                    sources,
                    BULK,
                )
            )
            continue
        bits = rsa_key_bits(key["p"]) if key.get("k", "rsa").lower() == "rsa" else None
        if bits is None:
            status: Status = "pass"
            detail = f"{name}: {key.get('k', 'rsa')} key published"
        elif bits < 1024:
            status, detail = (
                "fail",
                f"{name}: {bits}-bit RSA key; RFC 8301 requires 1024 bits at least",
            )
        elif bits < 2048:
            status, detail = (
                "warn",
                f"{name}: {bits}-bit RSA key; RFC 8301 says signers SHOULD use 2048",
            )
        else:
            status, detail = "pass", f"{name}: {bits}-bit RSA key"
        out.append(Check("dkim-key", status, "DKIM key", detail, sources, BULK))
    return out


def _dkim_record(text: str) -> dict[str, str] | None:
    parsed = tags(text)
    if "p" not in parsed:
        return None
    if parsed.get("v", "DKIM1").upper() != "DKIM1":
        return None
    return parsed


# --- BIMI and MTA-STS (informational) -------------------------------------------------


def _bimi(domain: str, dns: TxtLookup, dmarc_policy: list[str]) -> list[Check]:
    found = records_of(dns.txt(f"default._bimi.{domain}"), "BIMI1")
    if not found:
        return [
            Check(
                "bimi", "info", "BIMI logo", "no BIMI record (default._bimi): optional", ("bimi",)
            )
        ]
    enforced = bool(dmarc_policy) and dmarc_policy[0] in ("quarantine", "reject")
    return [
        Check(
            "bimi",
            "info" if enforced else "warn",
            "BIMI logo",
            f"logo {found[0].get('l') or '(none)'}"
            + ("" if enforced else ": BIMI needs DMARC at quarantine or reject to show it"),
            ("bimi",),
        )
    ]


def _mta_sts(domain: str, dns: TxtLookup) -> list[Check]:
    found = records_of(dns.txt(f"_mta-sts.{domain}"), "STSv1")
    detail = (
        f"policy id {found[0].get('id', '(none)')} (the policy file itself is not fetched)"
        if found
        else "no MTA-STS record: optional, protects mail sent to this domain"
    )
    return [Check("mta-sts", "info", "MTA-STS", detail, ("rfc8461",))]
