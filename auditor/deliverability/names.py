"""What a sending domain and a name server look like: checked where a user gives them
(the command line, the config), before any lookup."""

from __future__ import annotations

import ipaddress
import re

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def sending_domain(text: str) -> str:
    """`text` as a DNS name (IDNA for non-ASCII), or ValueError saying what it is not."""
    name = text.strip().lower().rstrip(".")
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if len(labels) < 2 or len(ascii_name) > 253 or not all(_LABEL.match(x) for x in labels):
        raise ValueError(f"{text!r} is not a domain name (expected e.g. news.example.com)")
    return ascii_name


def name_server(text: str) -> tuple[str, int]:
    """`IP` or `IP:PORT` (IPv4), or a bare IPv6 address, as (host, port)."""
    host, _, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    try:
        ipaddress.ip_address(host)
        number = int(port) if port else 53
    except ValueError:
        raise ValueError(f"{text!r} is not a name server's IP address[:port]") from None
    if not 0 < number < 65536:
        raise ValueError(f"{text!r}: the port must be 1 to 65535")
    return host, number


def selector(text: str) -> str:
    """A DKIM selector: one or more DNS labels."""
    name = text.strip().lower()
    if not name or not all(_LABEL.match(x) for x in name.split(".")):
        raise ValueError(f"{text!r} is not a DKIM selector (DNS labels such as s1 or k1.mail)")
    return name
