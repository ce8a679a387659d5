"""The checks of a sample message: one-click unsubscribe (RFC 8058), DKIM alignment
with the From domain, and the receiver's Authentication-Results."""

from __future__ import annotations

from auditor.deliverability.message import SampleMessage, unsubscribe_uris
from auditor.deliverability.model import BULK, Check, Status, organisational_domain


def message_checks(domain: str, message: SampleMessage) -> list[Check]:
    """The sample message's checks, in the order a reader follows them."""
    out = []
    from_org = organisational_domain(message.from_domain) if message.from_domain else None
    if from_org and from_org != organisational_domain(domain):
        out.append(
            Check(
                "message-from",
                "warn",
                "Sample message's sender",
                f"the message is from {message.from_domain}, not {domain}: its checks below "
                "are about that domain",
                (),
            )
        )
    out.extend(_unsubscribe(message))
    out.append(_alignment(message, from_org))
    out.append(_results(message))
    return out


def _unsubscribe(message: SampleMessage) -> list[Check]:
    """RFC 8058: an https URI, the One-Click POST header, both under the DKIM signature."""
    out = []
    uris = unsubscribe_uris(message.list_unsubscribe)
    https = [u for u in uris if u.lower().startswith("https://")]
    one_click = (message.list_unsubscribe_post or "").strip() == "List-Unsubscribe=One-Click"
    missing = []
    if not https:
        missing.append(
            "a List-Unsubscribe header with an https URI"
            + (f" (it has {', '.join(u.split(':')[0] for u in uris)} only)" if uris else "")
        )
    if not one_click:
        missing.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    out.append(
        Check(
            "one-click-unsubscribe",
            "fail" if missing else "pass",
            "One-click unsubscribe",
            ("missing " + " and ".join(missing))
            if missing
            else f"{https[0]} with List-Unsubscribe-Post",
            ("google", "yahoo", "rfc8058"),
            BULK,
        )
    )
    if not missing:
        covering = [
            s
            for s in message.signatures
            if {"list-unsubscribe", "list-unsubscribe-post"} <= set(s.signed_headers)
        ]
        out.append(
            Check(
                "unsubscribe-signed",
                "pass" if covering else "fail",
                "Unsubscribe headers signed",
                f"covered by the DKIM signature of {covering[0].domain}"
                if covering
                else "no DKIM signature covers both List-Unsubscribe headers (h=): RFC 8058 "
                "requires it, and receivers may ignore unsigned ones",
                ("rfc8058",),
                BULK,
            )
        )
    return out


def _alignment(message: SampleMessage, from_org: str | None) -> Check:
    """A DKIM signature by the From domain's organisation (DMARC's relaxed alignment)."""
    aligned = [
        s for s in message.signatures if from_org and organisational_domain(s.domain) == from_org
    ]
    status: Status
    if not message.signatures:
        detail, status = "the message carries no DKIM signature", "fail"
    elif aligned:
        detail, status = f"signed by {aligned[0].domain}, aligned with the From domain", "pass"
    else:
        signers = ", ".join(sorted({s.domain for s in message.signatures}))
        detail = (
            f"signed only by {signers}, not by {message.from_domain}: DMARC cannot pass on DKIM "
            "(set up the platform's custom DKIM for your domain)"
        )
        status = "fail"
    return Check(
        "dkim-alignment", status, "DKIM aligned with From", detail, ("google", "rfc7489"), BULK
    )


def _results(message: SampleMessage) -> Check:
    """What the receiving server recorded (RFC 8601), when the sample carries it: DMARC's
    verdict decides; a pass beside a failed SPF or DKIM result is a warning."""
    results = message.results
    if not results:
        return Check(
            "authentication-results",
            "unknown",
            "Receiver's authentication results",
            "could not check: the message has no Authentication-Results header (save it "
            "from a mailbox it was delivered to, not from the platform)",
            ("rfc8601",),
        )
    shown = ", ".join(f"{k}={v}" for k, v in sorted(results.items()))
    failed = [
        k for k, v in results.items() if v in ("fail", "softfail", "permerror", "temperror", "none")
    ]
    dmarc = results.get("dmarc")
    verdict: Status = "fail" if dmarc != "pass" else "warn" if failed else "pass"
    return Check(
        "authentication-results",
        verdict,
        "Receiver's authentication results",
        shown,
        ("rfc8601", "rfc7489"),
    )
