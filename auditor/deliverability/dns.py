"""TXT lookups through dnspython, with an explicit resolver and timeouts, every answer
recorded (`answers`), and a replay of recorded answers with no network at all.

A name that does not exist (NXDOMAIN) or has no TXT record is an answer: `[]`. A
lookup that times out or is refused (SERVFAIL, REFUSED, no server) is not: it raises
DnsFailure, and the check that needed it says "could not check"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from auditor.core.errors import SourceError


class DnsFailure(SourceError):
    """The resolver gave no answer for a name (timeout, SERVFAIL, REFUSED): exit 3 when
    nothing at all could be checked."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"no DNS answer for {name} ({why})")
        self.name = name
        self.why = why


class TxtLookup(Protocol):
    def txt(self, name: str) -> list[str]: ...

    @property
    def answers(self) -> Mapping[str, list[str] | None]: ...


class Resolver:
    """Live lookups. `nameservers`: IP addresses (with `port`) to ask instead of the
    system's resolv.conf; `timeout`: seconds for the whole of one lookup."""

    def __init__(
        self, nameservers: Sequence[str] = (), *, port: int = 53, timeout: float = 5.0
    ) -> None:
        import dns.resolver

        self._resolver = dns.resolver.Resolver(configure=not nameservers)
        if nameservers:
            self._resolver.nameservers = list(nameservers)
            self._resolver.port = port
        self._resolver.lifetime = timeout
        self._resolver.timeout = min(timeout, 2.0)
        self._answers: dict[str, list[str] | None] = {}

    @property
    def answers(self) -> Mapping[str, list[str] | None]:
        """Every name asked: its TXT strings, `[]` for none, None for a failed lookup."""
        return dict(self._answers)

    def txt(self, name: str) -> list[str]:
        import dns.exception
        import dns.resolver

        key = name.lower().rstrip(".")
        if key in self._answers:
            found = self._answers[key]
            if found is None:
                raise DnsFailure(key, "failed before")
            return list(found)
        try:
            answer = self._resolver.resolve(key, "TXT", raise_on_no_answer=False)
            texts = [
                b"".join(record.strings).decode("utf-8", "replace")
                for record in (answer.rrset or [])
            ]
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            texts = []
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.YXDOMAIN) as exc:
            self._answers[key] = None
            raise DnsFailure(key, type(exc).__name__) from None
        self._answers[key] = texts
        return list(texts)


class Replay:
    """Recorded answers (a snapshot's): the same checks, no network. A name that was
    never asked is a failure, not an empty answer."""

    def __init__(self, answers: Mapping[str, list[str] | None]) -> None:
        self._answers = {k.lower().rstrip("."): v for k, v in answers.items()}

    @property
    def answers(self) -> Mapping[str, list[str] | None]:
        return dict(self._answers)

    def txt(self, name: str) -> list[str]:
        found = self._answers.get(name.lower().rstrip("."))
        if found is None:
            raise DnsFailure(name, "not recorded")
        return list(found)
