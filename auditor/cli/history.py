"""`auditor history ...`: list, show, diff and export the recorded audits (docs/history.md).

The store is `--store PATH`, else the one of `--config CONFIG` (its
`history.path`, default `.auditor/history.sqlite` next to the config), else
`.auditor/history.sqlite` in the current folder.  Unknown clients or periods,
and a missing or unreadable store, are bad input: a message and exit 2.

Every command here only reads: the store is opened read-only, never created or
migrated (a store of an older schema is read as it is), so it works on a store
this user may not write.  A client is one recorded client (`ClientIdentity`):
given by key, client_id or name, never two clients mixed under one slug.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.cli.common import DEBUG_OPTION, guarded
from auditor.core.errors import Problem
from auditor.core.vocabulary import CATEGORIES
from auditor.history import (
    DEFAULT_STORE,
    ClientIdentity,
    HistoryError,
    HistoryStore,
    RunSummary,
)

F = TypeVar("F", bound=Callable[..., Any])
STANDARD_CATEGORIES = CATEGORIES


def _store_options(func: F) -> F:
    options = [
        click.option(
            "--store",
            type=click.Path(path_type=Path, dir_okay=False),
            help="History database (default: .auditor/history.sqlite in the current folder, "
            "or the one of --config).",
        ),
        click.option(
            "--config",
            "config",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Use the history store of this audit config (its history.path, or "
            ".auditor/history.sqlite next to it).",
        ),
        DEBUG_OPTION,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _format_option(choices: tuple[str, ...], default: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def store_path_for(store: Path | None, config: Path | None) -> Path:
    """Which database the history commands read (see the module docstring)."""
    if store is not None:
        return store
    if config is None:
        return Path.cwd() / DEFAULT_STORE
    if not config.is_file():
        raise HistoryError(Problem("config file not found", str(config)))
    from auditor.core.errors import InputError
    from auditor.core.yamlpos import load_yaml_file  # the audit's own reader, with its limits

    try:
        data = load_yaml_file(config).data
    except InputError as exc:
        raise HistoryError(exc.problems) from None
    history = data.get("history") if isinstance(data, dict) else None
    path = history.get("path") if isinstance(history, dict) else None
    if isinstance(path, str) and path.strip():
        return config.parent / Path(path).expanduser()
    return config.parent / DEFAULT_STORE


def _open(store: Path | None, config: Path | None) -> HistoryStore:
    path = store_path_for(store, config)
    history = HistoryStore(path)
    if not history.exists:
        raise HistoryError(
            Problem(
                "no history store here (nothing recorded yet): record audits with "
                "`auditor run CONFIG --record` or `auditor check CONFIG --record`, or "
                "point --store / --config at an existing store",
                str(path),
            )
        )
    history.schema_version()  # a corrupt or foreign file fails here, with its message
    return history


def _period_of(history: HistoryStore, client: ClientIdentity, period: str) -> str:
    """The recorded label meant by `period` ('2026-q2' is 2026-Q2)."""
    from auditor.core.period import PeriodError, parse_period

    known = history.periods(client)
    if period not in known:
        with contextlib.suppress(PeriodError):
            period = parse_period(period).label
    if period not in known:
        raise HistoryError(
            Problem(
                f"no recorded run of '{client.key}' for period '{period}'; recorded periods: "
                f"{', '.join(known) or 'none'}",
                str(history.path),
            )
        )
    return period


def _categories(runs: list[RunSummary]) -> list[str]:
    seen = dict.fromkeys(c for r in runs for c in r.categories)
    return [c for c in STANDARD_CATEGORIES if c in seen] + sorted(
        c for c in seen if c not in STANDARD_CATEGORIES
    )


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        parts = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)]) + "\n"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def history() -> None:
    """List, show, compare and export the audits recorded with --record.

    \b
    Examples:
      auditor history list
      auditor history show aceros-del-sur --period 2026-Q2
      auditor history diff aceros-del-sur 2026-Q2 2026-Q3
      auditor history export --format csv --output history.csv
      auditor history list --config clients/aceros/audit.yaml
    """


@history.command("list")
@click.option("--client", help="Only this client (slug or name).")
@_format_option(("text", "json"), "text")
@_store_options
@guarded
def list_runs(client: str | None, fmt: str, store: Path | None, config: Path | None) -> None:
    """One line per recorded run: client, period, overall and category scores, exit code."""
    history_store = _open(store, config)
    chosen = history_store.resolve_client(client) if client is not None else None
    runs = history_store.runs(chosen)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in runs], ensure_ascii=False, indent=2))
        return
    if not runs:
        click.echo(f"no runs recorded in {history_store.path}")
        return
    categories = _categories(runs)
    headers = ["client", "period", "overall", *categories, "exit", "recorded", "tool", "packs"]
    rows = [
        [
            r.client_slug,
            r.period,
            _score(r.overall),
            *(_score(r.categories.get(c)) for c in categories),
            "—" if r.exit_code is None else str(r.exit_code),
            r.recorded_at[:19].replace("T", " "),
            r.tool_version,
            r.pack_hash[:12],
        ]
        for r in runs
    ]
    right = set(range(2, 3 + len(categories) + 1))
    click.echo(_table(headers, rows, right), nl=False)


@history.command()
@click.argument("client")
@click.option("--period", "-p", help="Period label (default: the latest recorded one).")
@_format_option(("text", "json"), "text")
@_store_options
@guarded
def show(
    client: str, period: str | None, fmt: str, store: Path | None, config: Path | None
) -> None:
    """The stored summary and findings of CLIENT (slug or name) for one period."""
    history_store = _open(store, config)
    chosen = history_store.resolve_client(client)
    period = _period_of(history_store, chosen, period or history_store.periods(chosen)[-1])
    found = history_store.latest_run(chosen, period)
    assert found is not None
    summary, result = found
    if fmt == "json":
        click.echo(
            json.dumps({"run": summary.to_json(), "result": result}, ensure_ascii=False, indent=2)
        )
        return
    from auditor.outputs.text import render_text

    others = len(history_store.runs(chosen, period)) - 1
    packs = ", ".join(
        f"{p.get('name')} ({str(p.get('sha256', ''))[:12]})" for p in result.get("rule_packs", [])
    )
    click.echo(
        f"run {summary.id}: recorded {summary.recorded_at}, generated {summary.generated_at}, "
        f"auditor {summary.tool_version}, rule packs {packs or '—'}"
    )
    if others:
        click.echo(
            f"({others} other run(s) of {period} recorded with other rule packs or tool "
            "versions: auditor history list)"
        )
    click.echo(render_text(result), nl=False)


@history.command()
@click.argument("client")
@click.argument("period1")
@click.argument("period2")
@_format_option(("text", "json"), "text")
@_store_options
@guarded
def diff(
    client: str,
    period1: str,
    period2: str,
    fmt: str,
    store: Path | None,
    config: Path | None,
) -> None:
    """What changed for CLIENT from PERIOD1 to PERIOD2: scores, metrics, findings.

    New findings fail or warn in PERIOD2 and did not in PERIOD1; resolved ones
    failed or warned in PERIOD1 and pass in PERIOD2.

    \b
    Example: auditor history diff aceros-del-sur 2026-Q2 2026-Q3 --format json
    """
    from auditor.history.diff import diff_results, render_diff_text

    history_store = _open(store, config)
    chosen = history_store.resolve_client(client)
    before = history_store.latest(chosen, _period_of(history_store, chosen, period1))
    after = history_store.latest(chosen, _period_of(history_store, chosen, period2))
    assert before is not None
    assert after is not None
    result = diff_results(before, after)
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    currency = after.get("config", {}).get("currency", "EUR")
    click.echo(render_diff_text(result, after.get("language", "en"), currency), nl=False)


CSV_COLUMNS = (
    "run_id",
    "client_slug",
    "client",
    "period",
    "period_start",
    "period_end",
    "overall",
)


@history.command()
@click.option("--client", help="Only this client (slug or name).")
@_format_option(("csv", "json"), "csv")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file (atomically) instead of stdout.",
)
@_store_options
@guarded
def export(
    client: str | None,
    fmt: str,
    output: Path | None,
    store: Path | None,
    config: Path | None,
) -> None:
    """Every recorded run: CSV (one row per run with its scores) or JSON (full results)."""
    history_store = _open(store, config)
    chosen = history_store.resolve_client(client) if client is not None else None
    if fmt == "json":
        text = json.dumps(
            [{"run": s.to_json(), "result": r} for s, r in history_store.results(chosen)],
            ensure_ascii=False,
            indent=2,
        )
    else:
        from auditor.outputs.spreadsheet import csv_cell

        runs = history_store.runs(chosen)
        categories = _categories(runs)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            [
                *CSV_COLUMNS,
                *categories,
                "exit_code",
                "exit_reason",
                "tool_version",
                "pack_hash",
                "generated_at",
                "recorded_at",
                "client_id",
            ]
        )
        for r in runs:  # client data (names, reasons) neutralised as in portfolio.csv
            writer.writerow(
                [
                    csv_cell(value)
                    for value in (
                        r.id,
                        r.client_slug,
                        r.client,
                        r.period,
                        r.period_start,
                        r.period_end,
                        r.overall,
                        *(r.categories.get(c) for c in categories),
                        r.exit_code,
                        r.exit_reason,
                        r.tool_version,
                        r.pack_hash,
                        r.generated_at,
                        r.recorded_at,
                        r.client_id,
                    )
                ]
            )
        text = buffer.getvalue()
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    from auditor.outputs.files import write_all, write_text

    write_all({output: write_text(text)})
    click.echo(f"wrote {output}", err=True)
