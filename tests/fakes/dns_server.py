"""A DNS server on loopback answering TXT questions from test zones, so the
deliverability checks run through dnspython's real resolver with no network.

`zone` maps a name to its TXT strings (a string longer than 255 bytes is split into
character-strings as a zone file would); `servfail` names answer SERVFAIL; `silent`
names and every name under them get no answer at all (the resolver times out). Every question is recorded."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from dns.rdtypes.ANY.TXT import TXT


@dataclass
class DnsZone:
    zone: Mapping[str, list[str]]
    servfail: set[str] = field(default_factory=set)
    silent: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    def answer(self, wire: bytes) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        self.asked.append(name)
        if any(name == s or name.endswith(f".{s}") for s in self.silent):
            return None  # the domain's servers are down: the resolver times out
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name in self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name not in self.zone:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            rrset = dns.rrset.RRset(question.name, dns.rdataclass.IN, dns.rdatatype.TXT)
            for text in self.zone[name]:
                raw = text.encode()
                chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
                rrset.add(TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks), ttl=300)
            response.answer.append(rrset)
        return response.to_wire(max_size=65535)


@contextmanager
def dns_server(zone: DnsZone) -> Iterator[tuple[str, int]]:
    """(host, port) of a UDP server answering from `zone` until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = zone.answer(wire)
            if reply is not None:
                sock.sendto(reply, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()
