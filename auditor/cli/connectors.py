"""`auditor connectors ...`: what is installed, and whether a config's source answers.

Kept apart from `cli.py`, and importing the registry only inside the commands,
so `auditor --help` loads no connector module.  Exit codes follow the audit's:
0 fine, 2 bad config or a connector that cannot be loaded, 3 the source is
unreachable or refused the credentials.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from auditor.cli.common import DEBUG_OPTION, guarded
from auditor.core.errors import EXIT_BAD_INPUT, InputError

if TYPE_CHECKING:
    from auditor.connectors.base import Connector
    from auditor.connectors.registry import Installed

_DEBUG = DEBUG_OPTION
_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
WIDTH = 100


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def connectors() -> None:
    """List the installed connectors and test a config's connection.

    \b
    Examples:
      auditor connectors list                 # name, options, what each measures
      auditor connectors list --format json
      auditor connectors test client.yaml     # credentials and reachability
    """


def _options(cls: type[Connector]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, info in cls.Options.model_fields.items():
        entry: dict[str, Any] = {"required": info.is_required()}
        if not info.is_required():
            entry["default"] = info.get_default(call_default_factory=True)
        out[info.alias or name] = entry  # what users write (`schema`, not `schema_name`)
    return out


def _describe(cls: type[Connector]) -> dict[str, Any]:
    from auditor.connectors.base import undeclared_metrics

    return {
        "name": cls.name,
        "description": cls.description,
        "options": _options(cls),
        "metrics": list(cls.metrics),
        "metric_sources": dict(cls.metric_sources),
        "not_measured": dict(cls.not_measured),
        "undeclared": undeclared_metrics(cls),
    }


def _entry_json(entry: Installed) -> dict[str, Any]:
    if entry.cls is None:
        return {"name": entry.name, "ref": entry.ref, "error": entry.error}
    return {**_describe(entry.cls), "ref": entry.ref, "error": None}


def _wrap(label: str, words: list[str]) -> list[str]:
    text = f"{label}: {', '.join(words) if words else 'none'}"
    return textwrap.wrap(text, WIDTH, initial_indent="  ", subsequent_indent="    ")


def _option_words(cls: type[Connector]) -> list[str]:
    words = []
    for name, entry in _options(cls).items():
        words.append(f"{name} (required)" if entry["required"] else f"{name}={entry['default']}")
    return words


def _not_measured_lines(cls: type[Connector]) -> list[str]:
    """Metrics grouped by their reason: one reason often covers several (no CRM)."""
    from auditor.connectors.base import undeclared_metrics

    by_reason: dict[str, list[str]] = {}
    for metric, reason in cls.not_measured.items():
        by_reason.setdefault(reason, []).append(metric)
    undeclared = undeclared_metrics(cls)
    if undeclared:
        by_reason.setdefault("the connector does not say (written for an older catalog)", [])
        by_reason["the connector does not say (written for an older catalog)"] += undeclared
    if not by_reason:
        return ["  not measured: none"]
    lines = [f"  not measured ({sum(len(v) for v in by_reason.values())}):"]
    for reason, metrics in by_reason.items():
        lines += textwrap.wrap(
            f"{', '.join(metrics)}: {reason}",
            WIDTH,
            initial_indent="    ",
            subsequent_indent="      ",
        )
    return lines


def _measured_lines(cls: type[Connector]) -> list[str]:
    if not cls.metric_sources:
        return _wrap(f"measures ({len(cls.metrics)})", list(cls.metrics))
    lines = [f"  measures ({len(cls.metrics)}):"]
    for metric in cls.metrics:
        where = cls.metric_sources.get(metric)
        lines += textwrap.wrap(
            f"{metric}: {where}" if where else metric,
            WIDTH,
            initial_indent="    ",
            subsequent_indent="      ",
        )
    return lines


def _connector_text(cls: type[Connector]) -> list[str]:
    return [
        f"{cls.name}: {cls.description}",
        *_wrap("options", _option_words(cls)),
        *_measured_lines(cls),
        *_not_measured_lines(cls),
    ]


@connectors.command("list")
@_FORMAT
@_DEBUG
@guarded
def list_connectors(fmt: str) -> None:
    """List the installed connectors: options, metrics measured, and why the others are not.

    A connector whose package fails to import (or breaks the connector
    contract) is listed with the reason, and the command exits 2.

    \b
    Examples:
      auditor connectors list
      auditor connectors list --format json
    """
    from auditor.connectors.registry import installed

    entries = installed()
    if fmt == "json":
        click.echo(json.dumps({"connectors": [_entry_json(e) for e in entries]}, indent=2))
    else:
        blocks = []
        for entry in entries:
            if entry.cls is None:
                blocks.append(f"{entry.name}: cannot be used\n  error: {entry.error}")
            else:
                blocks.append("\n".join(_connector_text(entry.cls)))
        click.echo("\n\n".join(blocks))
    broken = [e for e in entries if e.cls is None]
    for entry in broken:
        click.echo(f"error: {entry.error}", err=True)
    if broken:
        sys.exit(EXIT_BAD_INPUT)


def _period_if_missing(path: Path) -> str | None:
    """`connectors test` needs no period; lend the current month to a config without one."""
    from auditor.core.yamlpos import load_yaml_file

    try:
        data = load_yaml_file(path).data
    except InputError:
        return None  # load_config reports it with the rest
    if isinstance(data, dict) and data.get("period") is None:
        return date.today().strftime("%Y-%m")
    return None


def _fetch_plan(config: Any, connector: Any) -> dict[str, Any]:
    """What the check cost and what a run of the config's period would ask for: its
    months, and those an earlier recorded audit already fetched (pipeline/recorded.py)."""
    from auditor.connectors.http import HttpConnector
    from auditor.pipeline.recorded import recorded_months
    from auditor.pipeline.runner import months_needed

    months = months_needed(config.period)
    found = None
    if config.history_reuse_months:
        found = recorded_months(config, months, config.period)
    recorded = len(found.monthly) if found else 0
    plan: dict[str, Any] = {
        "period": config.period.label,
        "months": {"needed": len(months), "recorded": recorded, "asked": len(months) - recorded},
    }
    if isinstance(connector, HttpConnector):
        plan["requests"] = connector.request_log().requests
    return plan


def _plan_line(plan: dict[str, Any]) -> str:
    months = plan["months"]
    spent = f"the check made {plan['requests']} request(s); " if "requests" in plan else ""
    recorded = (
        f" ({months['recorded']} closed months come from the history store)"
        if months["recorded"]
        else ""
    )
    return (
        f"{spent}an audit of {plan['period']} asks the source for {months['asked']} of the "
        f"{months['needed']} months it reads{recorded}"
    )


def _planned_sql(loaded: Any, connector: Any) -> dict[str, str] | None:
    """The SQL a warehouse source would send for the config's months (None: not SQL)."""
    from auditor.pipeline.runner import months_needed

    planned = getattr(connector, "planned_sql", None)
    if planned is None:
        return None
    return dict(planned(months_needed(loaded.period)))


@connectors.command("test")
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--show-sql",
    is_flag=True,
    help="Also print the SQL a warehouse source would run for the config's months.",
)
@_FORMAT
@_DEBUG
@guarded
def test_connection(config: Path, fmt: str, show_sql: bool) -> None:
    """Check CONFIG's source: credentials and reachability with the cheapest call.

    Prints what was reached and what each metric will come from.  Exit 0 when
    the source answered, 2 for a bad config or a missing credential variable,
    3 when it is unreachable or refuses the credentials.

    \b
    Example: HUBSPOT_TOKEN=... auditor connectors test client.yaml
    """
    from auditor.config.loader import load_config

    loaded = load_config(config, _period_if_missing(config))
    cls = loaded.connector
    connector = cls(loaded.connector_options, loaded.folder, loaded.timezone)
    started = time.monotonic()
    reached = connector.check()
    seconds = time.monotonic() - started
    plan = _fetch_plan(loaded, connector)
    sql = _planned_sql(loaded, connector) if show_sql else None
    if fmt == "json":
        payload = {
            "ok": True,
            "check": reached,
            "seconds": round(seconds, 3),
            **plan,
            **_describe(cls),
            **({"sql": sql} if show_sql else {}),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    from auditor.connectors.multi import MultiConnector

    if isinstance(connector, MultiConnector):  # several sources: one block per source
        click.echo(f"ok: {len(connector.parts())} sources answered in {seconds:.1f} s")
        click.echo(_plan_line(plan))
        for spec, part in connector.parts():
            click.echo(f"{spec.name} ({type(part).name}): {part.check()}")
            lines = [*_measured_lines(type(part)), *_not_measured_lines(type(part))]
            click.echo("\n".join("  " + line for line in lines))
        return
    click.echo(f"ok: {cls.name} answered in {seconds:.1f} s: {reached}")
    click.echo(_plan_line(plan))
    click.echo("\n".join([*_measured_lines(cls), *_not_measured_lines(cls)]))
    if show_sql:
        if not sql:
            click.echo(f"\n{cls.name} sends no SQL (--show-sql is for warehouse sources)")
        for metric, text in (sql or {}).items():
            click.echo(f"\n-- {metric}\n{text};")
