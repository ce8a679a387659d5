"""The checks of a sample message: one-click unsubscribe (RFC 8058), DKIM alignment
with the From domain, and the receiver's Authentication-Results."""

from __future__ import annotations

from auditor.deliverability.message import SampleMessage, unsubscribe_uris
from auditor.deliverability.model import Check, Part, Status, check, organisational_domain

UNSUBSCRIBE_SOURCES = ("google", "yahoo", "rfc8058")
FAILED_RESULTS = ("fail", "softfail", "permerror", "temperror", "none")


def message_checks(domain: str, message: SampleMessage) -> list[Check]:
    """The sample message's checks, in the order a reader follows them."""
    out = []
    from_org = organisational_domain(message.from_domain) if message.from_domain else None
    if message.from_addresses > 1:
        out.append(
            check(
                "message-from",
                "fail",
                "message.several_from",
                ("rfc7489",),
                count=message.from_addresses,
            )
        )
    elif from_org and from_org != organisational_domain(domain):
        out.append(
            check(
                "message-from",
                "warn",
                "message.other_from",
                (),
                sender=message.from_domain,
                domain=domain,
            )
        )
    out.extend(_unsubscribe(message))
    out.append(_alignment(message, from_org))
    out.append(_spf_alignment(message, from_org))
    out.append(_results(message))
    return out


def _unsubscribe(message: SampleMessage) -> list[Check]:
    """RFC 8058: an https URI, the One-Click POST header, both under the DKIM signature."""
    uris = unsubscribe_uris(message.list_unsubscribe)
    https = [u for u in uris if u.lower().startswith("https://")]
    one_click = (message.list_unsubscribe_post or "").strip() == "List-Unsubscribe=One-Click"
    missing: list[Part] = []
    if not https and uris:
        schemes = ", ".join(sorted({u.split(":", 1)[0].lower() for u in uris}))
        missing.append(("unsubscribe.only", {"schemes": schemes}))
    elif not https:
        missing.append(("unsubscribe.no_https", {}))
    if not one_click:
        missing.append(("unsubscribe.no_post", {}))
    if missing:
        return [Check("one-click-unsubscribe", "fail", tuple(missing), UNSUBSCRIBE_SOURCES, "bulk")]
    out = [
        check(
            "one-click-unsubscribe",
            "pass",
            "unsubscribe.ok",
            UNSUBSCRIBE_SOURCES,
            "bulk",
            uri=https[0],
        )
    ]
    covering = [
        s
        for s in message.signatures
        if {"list-unsubscribe", "list-unsubscribe-post"} <= set(s.signed_headers)
    ]
    out.append(
        check(
            "unsubscribe-signed",
            "pass",
            "unsubscribe.signed",
            ("rfc8058",),
            "bulk",
            domain=covering[0].domain,
        )
        if covering
        else check("unsubscribe-signed", "fail", "unsubscribe.unsigned", ("rfc8058",), "bulk")
    )
    return out


def _alignment(message: SampleMessage, from_org: str | None) -> Check:
    """A DKIM signature by the From domain's organisation (DMARC's relaxed alignment)."""
    sources = ("google", "rfc7489")
    if not message.signatures:
        return check("dkim-alignment", "fail", "alignment.unsigned", sources, "bulk")
    aligned = [
        s for s in message.signatures if from_org and organisational_domain(s.domain) == from_org
    ]
    if aligned:
        return check(
            "dkim-alignment", "pass", "alignment.ok", sources, "bulk", domain=aligned[0].domain
        )
    signers = ", ".join(sorted({s.domain for s in message.signatures}))
    return check(
        "dkim-alignment",
        "fail",
        "alignment.other",
        sources,
        "bulk",
        signers=signers,
        sender=message.from_domain or "-",
    )


def _spf_alignment(message: SampleMessage, from_org: str | None) -> Check:
    """SPF is evaluated on the Return-Path (envelope) domain: DMARC counts it only when
    that domain is the From domain's organisation. Most platforms bounce to their own
    domain unless a custom return-path is set up, and DMARC then rests on DKIM alone:
    information, not a fault (DKIM alignment is its own check)."""
    bounce = message.return_path_domain
    if bounce is None or from_org is None:
        return check("spf-alignment", "unknown", "spf_alignment.no_return_path", ("rfc7489",))
    if organisational_domain(bounce) == from_org:
        return check("spf-alignment", "pass", "spf_alignment.ok", ("rfc7489",), domain=bounce)
    return check("spf-alignment", "info", "spf_alignment.platform", ("rfc7489",), domain=bounce)


def _results(message: SampleMessage) -> Check:
    """What the receiving server recorded (RFC 8601), when the sample carries it: DMARC's
    verdict decides; a pass beside a failed SPF or DKIM result is a warning."""
    results = message.results
    if not results:
        return check("authentication-results", "unknown", "results.none", ("rfc8601",))
    shown = ", ".join(f"{k}={v}" for k, v in sorted(results.items()))
    failed = [k for k, v in results.items() if v in FAILED_RESULTS]
    dmarc = results.get("dmarc")
    verdict: Status = "fail" if dmarc != "pass" else "warn" if failed else "pass"
    return check(
        "authentication-results", verdict, "results.shown", ("rfc8601", "rfc7489"), results=shown
    )
