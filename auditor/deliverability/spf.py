"""SPF (RFC 7208): the domain's record, and the DNS lookups a receiver makes to evaluate
it. "SPF implementations MUST limit the total number of those terms to 10 during SPF
evaluation" (the terms `include`, `a`, `mx`, `ptr`, `exists` and the `redirect`
modifier, RFC 7208 section 4.6.4), and "SPF implementations SHOULD limit 'void
lookups' to two"; past either limit the result is permerror, which receivers treat as
no SPF at all."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.deliverability.dns import TxtLookup

LOOKUP_LIMIT = 10
VOID_LIMIT = 2
_COUNTED = ("include", "a", "mx", "ptr", "exists")


@dataclass
class SpfEvaluation:
    """What evaluating a domain's SPF record found."""

    record: str | None = None
    records_found: int = 0
    lookups: int = 0
    void_lookups: int = 0
    all_qualifier: str | None = None
    """The top record's `all` qualifier (`-`, `~`, `?`, `+`), None if it has none."""
    includes: list[str] = field(default_factory=list)
    """Every domain included, at any depth."""
    missing: list[str] = field(default_factory=list)
    """Included or redirected-to domains with no SPF record (a receiver's permerror)."""
    uses_ptr: bool = False


def spf_records(texts: list[str]) -> list[str]:
    """The TXT strings that are SPF records ("v=spf1" then a space or nothing)."""
    return [t for t in texts if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 ")]


def evaluate_spf(domain: str, dns: TxtLookup) -> SpfEvaluation:
    """The domain's SPF record and its lookup counts (DnsFailure propagates: a count
    that could not be finished is no count)."""
    result = SpfEvaluation()
    records = spf_records(dns.txt(domain))
    result.records_found = len(records)
    if not records:
        return result
    result.record = records[0]
    _walk(records[0], dns, result, seen={domain.lower()}, top=True)
    return result


def _walk(record: str, dns: TxtLookup, result: SpfEvaluation, seen: set[str], top: bool) -> None:
    redirect = None
    has_all = False
    for term in record.split()[1:]:
        qualifier = term[0] if term[0] in "+-~?" else "+"
        body = term[1:] if term[0] in "+-~?" else term
        name, _, value = body.partition(":") if ":" in body else body.partition("=")
        name = name.lower().split("/")[0]
        if body.lower().startswith("redirect="):
            redirect = body.split("=", 1)[1]
            continue
        if name == "all":
            has_all = True
            if top:
                result.all_qualifier = qualifier
            continue
        if name not in _COUNTED:
            continue  # ip4, ip6, exp= and unknown modifiers cost no lookup
        result.lookups += 1
        if name == "ptr":
            result.uses_ptr = True
        if name == "include":
            _include(value, dns, result, seen)
    if redirect is not None and not has_all:
        result.lookups += 1
        _include(redirect, dns, result, seen, redirect=True)


def _include(
    target: str, dns: TxtLookup, result: SpfEvaluation, seen: set[str], redirect: bool = False
) -> None:
    if "%" in target:
        return  # a macro: expanded per message, not countable here
    key = target.lower().rstrip(".")
    if key in seen:
        return  # a loop, or the same include twice: counted once, never walked again
    seen.add(key)
    result.includes.append(key)
    records = spf_records(dns.txt(key))
    if not records:
        result.void_lookups += 1
        result.missing.append(f"{'redirect=' if redirect else 'include:'}{key}")
        return
    _walk(records[0], dns, result, seen, top=False)
