"""A sample message's headers (an .eml file the client sends to the consultant): who it
is from, how it is signed, how it offers to unsubscribe, and what the receiving server
recorded in Authentication-Results (RFC 8601)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path

from auditor.core.errors import InputError, Problem
from auditor.deliverability.records import tags


@dataclass(frozen=True)
class DkimSignature:
    domain: str
    selector: str
    signed_headers: tuple[str, ...]
    """`h=`, lower-cased."""


@dataclass
class SampleMessage:
    path: Path
    from_domain: str | None
    return_path_domain: str | None
    list_unsubscribe: str | None
    list_unsubscribe_post: str | None
    signatures: list[DkimSignature] = field(default_factory=list)
    results: dict[str, str] = field(default_factory=dict)
    """The first Authentication-Results' method -> result (`spf`, `dkim`, `dmarc`)."""
    from_addresses: int = 1
    """Addresses in all From headers together: RFC 5322 allows one header, and DMARC
    (RFC 7489, 6.6.1) lets receivers reject a message whose From names several."""


HEADER_BYTES = 512 * 1024
"""Read at most this much of a sample message: far more than any header block."""
_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)


def _domain(address: str | None) -> str | None:
    if not address:
        return None
    found = getaddresses([address])
    mail = found[0][1] if found else ""
    return mail.rsplit("@", 1)[1].lower().rstrip(".>") if "@" in mail else None


def _header(message: Message, name: str) -> str | None:
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else None


def read_message(path: Path) -> SampleMessage:
    """The headers of `path`, or InputError (exit 2) when it is not a message."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(HEADER_BYTES)  # the headers come first; the body is not read
    except OSError as exc:
        raise InputError(Problem(f"cannot read {path} ({exc.strerror})", path="--eml")) from None
    message = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    if not message.keys() or message.get("From") is None:
        raise InputError(
            Problem(
                f"{path.name} is not an email message (expected the headers of an .eml "
                "file, with a From header)",
                path="--eml",
            )
        )
    signatures = []
    for header in message.get_all("DKIM-Signature") or []:
        parsed = tags(" ".join(str(header).split()))
        if parsed.get("d") and parsed.get("s"):
            signatures.append(
                DkimSignature(
                    parsed["d"].lower(),
                    parsed["s"].lower(),
                    tuple(h.strip().lower() for h in parsed.get("h", "").split(":") if h.strip()),
                )
            )
    results: dict[str, str] = {}
    first = message.get("Authentication-Results")
    if first is not None:
        for method, result in _RESULT.findall(" ".join(str(first).split())):
            results.setdefault(method.lower(), result.lower())
    return SampleMessage(
        path=path,
        from_domain=_domain(_header(message, "From")),
        return_path_domain=_domain(_header(message, "Return-Path")),
        list_unsubscribe=_header(message, "List-Unsubscribe"),
        list_unsubscribe_post=_header(message, "List-Unsubscribe-Post"),
        signatures=signatures,
        results=results,
        from_addresses=len(
            [a for _, a in getaddresses([str(v) for v in message.get_all("From") or []]) if a]
        ),
    )


def unsubscribe_uris(header: str | None) -> list[str]:
    """The URIs of a List-Unsubscribe header (RFC 2369: each in angle brackets)."""
    return re.findall(r"<([^>]+)>", header or "")
