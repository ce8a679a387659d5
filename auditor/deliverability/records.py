"""Tag-value records: DMARC (RFC 7489 section 6.3), DKIM keys (RFC 6376 section 3.6.1),
BIMI (`v=BIMI1`) and MTA-STS (`v=STSv1`) TXT records, and DKIM-Signature headers."""

from __future__ import annotations

import base64
import binascii


def tags(text: str) -> dict[str, str]:
    """`k=v; k=v` as a dict, keys lower-cased, values stripped of folding whitespace."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            out[key.strip().lower()] = "".join(value.split())
    return out


def records_of(texts: list[str], version: str) -> list[dict[str, str]]:
    """The TXT strings whose `v=` is `version`, parsed."""
    found = []
    for text in texts:
        parsed = tags(text)
        if parsed.get("v", "").lower() == version.lower():
            found.append(parsed)
    return found


def rsa_key_bits(public_key_b64: str) -> int | None:
    """The modulus length of a DKIM `p=` RSA key (a DER SubjectPublicKeyInfo), None when
    it is not one."""
    try:
        der = base64.b64decode(public_key_b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        outer = _tlv(der, 0)  # SEQUENCE
        algorithm = _tlv(der, outer[1])  # SEQUENCE (rsaEncryption)
        bits = _tlv(der, algorithm[2])  # BIT STRING
        inner = _tlv(der, bits[1] + 1)  # SEQUENCE { n, e } after the unused-bits byte
        modulus = _tlv(der, inner[1])  # INTEGER n
    except IndexError:
        return None
    value = der[modulus[1] : modulus[2]]
    value = value.lstrip(b"\x00")
    return len(value) * 8 if value else None


def _tlv(der: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at `at`."""
    tag = der[at]
    length = der[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    if start + length > len(der):
        raise IndexError("truncated")
    return tag, start, start + length
