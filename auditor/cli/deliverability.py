"""`auditor deliverability DOMAIN`: will the emails arrive? A quick check of a sending
domain (and a sample message) without a full audit.

Exit codes: 0 no check failed, 1 a check failed, 2 bad input (a domain that is not
one, an unreadable message, a bad option), 3 no check could be made (DNS unreachable).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from auditor.cli.common import DEBUG_OPTION, guarded
from auditor.core.errors import EXIT_FINDINGS, EXIT_OK, InputError, Problem

if TYPE_CHECKING:
    from auditor.deliverability.model import DeliverabilityResult

T = TypeVar("T")
STATUSES = ("fail", "unknown", "warn", "info", "pass")


def _valid(check: Callable[[str], T], text: str, where: str) -> T:
    try:
        return check(text)
    except ValueError as exc:
        raise InputError(Problem(str(exc), path=where)) from None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("domain")
@click.option(
    "--eml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A sample message (.eml) sent from the platform.",
)
@click.option(
    "--selector", "selectors", multiple=True, help="A DKIM selector to check (repeatable)."
)
@click.option("--nameserver", help="Ask this DNS server (IP[:port]) instead of the system's.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 60),
    default=5.0,
    show_default=True,
    help="Seconds for each DNS lookup.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--lang",
    type=click.Choice(["es", "en"]),
    default="en",
    show_default=True,
    help="Language of the checks' words.",
)
@DEBUG_OPTION
@guarded
def deliverability(
    domain: str,
    eml: Path | None,
    selectors: tuple[str, ...],
    nameserver: str | None,
    timeout: float,
    fmt: str,
    lang: str,
) -> None:
    """Check a sending domain's SPF, DKIM, DMARC, BIMI and MTA-STS records, and a sample
    message's one-click unsubscribe and DKIM alignment, against Gmail's, Yahoo's and
    Outlook.com's sender requirements.

    \b
    Examples:
      auditor deliverability news.example.com
      auditor deliverability example.com --eml sample.eml --format json
      auditor deliverability example.com --selector s1 --selector s2
    """
    from auditor.core.errors import SourceError
    from auditor.deliverability import names
    from auditor.deliverability.checks import check_domain
    from auditor.deliverability.dns import Resolver
    from auditor.deliverability.message import read_message

    name = _valid(names.sending_domain, domain, "DOMAIN")
    wanted = [_valid(names.selector, s, "--selector") for s in selectors]
    message = read_message(eml) if eml is not None else None
    servers = [_valid(names.name_server, nameserver, "--nameserver")] if nameserver else []
    resolver = Resolver(
        [h for h, _ in servers], port=servers[0][1] if servers else 53, timeout=timeout
    )
    result = check_domain(name, resolver, selectors=wanted, message=message)
    measured = [c for c in result.checks if c.status != "unknown"]
    if not measured:
        failed = sorted(
            {
                params["name"]
                for c in result.checks
                for key, params in c.parts
                if key == "dns_failed"
            }
        )
        raise SourceError(
            f"no check of {name} could be made: no DNS answer for {', '.join(failed)[:400]}"
        )
    if fmt == "json":
        click.echo(json.dumps(as_json(result, lang), indent=2, ensure_ascii=False))
    else:
        click.echo(as_text(result, lang))
    sys.exit(EXIT_FINDINGS if any(c.status == "fail" for c in result.checks) else EXIT_OK)


def as_json(result: DeliverabilityResult, language: str) -> dict[str, Any]:
    return {
        "domain": result.domain,
        "message": result.message,
        "language": language,
        "worst": result.worst,
        "checks": [c.to_json(language) for c in result.checks],
        "dns_answers": result.dns_answers,
    }


def as_text(result: DeliverabilityResult, language: str) -> str:
    from auditor.core.errors import inert
    from auditor.core.strings import Translator
    from auditor.deliverability.sources import SOURCES

    say = Translator(language)
    marks = {s: say(f"deliverability.status.{s}") for s in STATUSES}
    width = max(len(m) for m in marks.values())
    heading = say("deliverability.cli.heading", domain=result.domain)
    if result.message:
        heading += " " + say("deliverability.cli.sample", name=inert(result.message, 80))
    lines = [heading]
    for c in result.checks:
        lines.append(
            f"  {marks[c.status]:<{width}}  {c.title_in(language)}: {inert(c.detail_in(language), 300)}"
        )
        if c.status in ("fail", "warn") and c.sources:
            note = say(
                "deliverability.cli.required",
                applies=c.applies_in(language),
                url=SOURCES[c.sources[0]][1],
            )
            lines.append(f"  {'':<{width}}  {note}")
    counts = ", ".join(
        f"{sum(c.status == s for c in result.checks)} {marks[s]}"
        for s in STATUSES
        if any(c.status == s for c in result.checks)
    )
    lines.append("  " + say("deliverability.cli.counts", counts=counts))
    return "\n".join(lines)
