"""`auditor batch CONFIG... | FOLDER`: many clients in parallel, one portfolio (docs/batch.md).

Only parsing and printing here; `auditor.pipeline.batch` runs the clients and builds the
portfolio, `auditor.outputs.portfolio` renders it.  Both are imported when the
command runs, so `auditor check` never pays for them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from auditor.cli.common import (
    DEBUG_OPTION,
    RUN_FORMATS,
    F,
    audit_options,
    echo_warning,
    guarded,
    output_dir_option,
    run_formats_option,
)

if TYPE_CHECKING:
    from auditor.pipeline.batch import BatchOptions


class Progress:
    """A progress bar on a terminal (stderr); one plain line per client otherwise."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self.bar: Any = None

    def __enter__(self) -> Progress:
        if self.tty:
            self.bar = click.progressbar(
                length=self.total,
                label="Auditing",
                file=self.stream,
                show_pos=True,
                show_eta=True,
                item_show_func=lambda item: item,
            )
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, outcome: dict[str, Any]) -> None:
        from auditor.outputs.portfolio import client_name, first_line, score_text
        from auditor.outputs.text import clean, truncate

        self.done += 1
        name = clean(client_name(outcome))
        if self.bar is not None:
            self.bar.update(1, truncate(name, 30))
            return
        width = len(str(self.total))
        head = f"[{self.done:>{width}}/{self.total}] exit {outcome['exit_code']}"
        if outcome.get("error") is not None:
            line = f"{head}  {outcome['config']}: {clean(first_line(outcome['error']))}"
        else:
            score = score_text(outcome["scores"].get("overall"), "en")
            line = (
                f"{head}  {score:>5}  {name} {clean(outcome.get('period'))} "
                f"({outcome['seconds']:.2f} s)"
            )
        click.echo(line, file=self.stream)


def _check_options(period: str | None, fail_under: tuple[str, ...]) -> None:
    """Options every client shares are checked once: a typo is one error, not N."""
    from auditor.core.errors import InputError, Problem
    from auditor.gating.select import parse_fail_under

    parse_fail_under(fail_under)
    if period is not None:
        from auditor.core.period import PeriodError, parse_period

        try:
            parse_period(period)
        except PeriodError as exc:
            raise InputError(Problem(f"--period: {exc}")) from None


def _batch_audit_options(func: F) -> F:
    return audit_options(func, batch=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_dir_option(
    "Folder for each client's <client-slug>_<period>.<ext> files and portfolio.html, "
    "portfolio.csv, portfolio.json."
)
@run_formats_option(
    "json", f"Each client's outputs, comma-separated: {', '.join(RUN_FORMATS)} (as `auditor run`)."
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes auditing clients in parallel [default: min(CPUs, 4)].",
)
@click.option(
    "--recursive",
    "-r",
    is_flag=True,
    help="Also look for configs in the subfolders of a FOLDER (hidden folders skipped).",
)
@_batch_audit_options
@DEBUG_OPTION
@guarded
def batch(
    paths: tuple[Path, ...],
    output_dir: Path,
    formats: list[str],
    jobs: int | None,
    recursive: bool,
    **options: Any,
) -> None:
    """Audit many clients in parallel and write a portfolio summary.

    PATHS are audit configs, or folders: every *.yaml / *.yml in a folder with
    a top-level `client:` key is audited (subfolders too with --recursive).
    One client that fails (bad config, broken data file, unreachable source)
    never stops the others: its error is reported, and the exit code is the
    most serious of all the clients' (2 > 3 > 1 > 0).

    Examples:
      auditor batch clients/ -o reports/2026-Q3
      auditor batch clients/ --period 2026-Q3 --record --format pdf,json -j 8
    """
    from auditor.core.errors import InputError, Problem
    from auditor.outputs.portfolio import render_text
    from auditor.outputs.text import clean, terminal_width
    from auditor.pipeline.batch import (
        default_jobs,
        discover,
        duplicate_clients,
        run_batch,
    )
    from auditor.pipeline.portfolio import BatchRun, build_portfolio, write_portfolio

    ctx = click.get_current_context()  # `guarded` took --debug out of the keyword arguments
    debug = bool(ctx.params.get("debug")) or bool(ctx.find_root().params.get("debug"))
    _check_options(options["period"], tuple(options["fail_under"]))
    configs = discover(paths, recursive)
    if not configs:
        listed = ", ".join(str(p) for p in paths)
        raise InputError(
            Problem(
                f"no audit config found in {listed}: a config is a *.yaml or *.yml file with a "
                f"top-level 'client:' key{'' if recursive else ' (subfolders: --recursive)'}"
            )
        )
    batch_options = _batch_options(output_dir, formats, debug, options)
    jobs = min(jobs or default_jobs(), len(configs))
    start = time.perf_counter()
    with Progress(len(configs)) as progress:
        outcomes = run_batch(
            configs,
            batch_options,
            jobs,
            progress,
            skip=duplicate_clients(configs, options["period"]),
        )
    run = BatchRun(outcomes, batch_options, jobs, time.perf_counter() - start)
    portfolio = build_portfolio(run)
    for outcome in outcomes:
        name = clean(outcome.get("client_slug") or outcome["config"])
        for warning in outcome.get("warnings") or []:
            echo_warning(warning, f"{name}: ")
        if outcome.get("traceback"):
            click.echo(f"{outcome['config']}:\n{outcome['traceback']}", err=True)
    written = write_portfolio(portfolio, output_dir)
    click.echo(render_text(portfolio, width=terminal_width(sys.stdout)), nl=False)
    files = sum(len(o.get("outputs") or []) for o in outcomes)
    click.echo(f"wrote {files} client file(s) in {output_dir}")
    for path in written:
        click.echo(f"wrote {path}")
    sys.exit(portfolio["exit_code"])


def _batch_options(
    output_dir: Path, formats: list[str], debug: bool, options: dict[str, Any]
) -> BatchOptions:
    """What every client's audit is run with."""
    from auditor.pipeline.batch import BatchOptions

    return BatchOptions(
        output_dir=output_dir,
        formats=tuple(formats),
        period=options["period"],
        language=options["lang"],
        fail_on=options["fail_on"],
        fail_under=tuple(options["fail_under"]),
        select=tuple(options["select"]),
        ignore=tuple(options["ignore"]),
        record=options["record"],
        refetch=options["refetch"],
        debug=debug,
    )
