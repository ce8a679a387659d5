"""What every command shares: error handling (`guarded`), the format options' parser and
warnings printed inert.  The sub-commands import it, never `auditor.cli.main`, so the commands
form no import cycle."""

from __future__ import annotations

import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.core.errors import EXIT_BAD_INPUT, AuditorError, inert
from auditor.core.redaction import hide_environment
from auditor.core.vocabulary import LANGUAGES
from auditor.outputs.formats import CHECK_FORMATS as CHECK_FORMATS
from auditor.outputs.formats import RUN_FORMATS as RUN_FORMATS

F = TypeVar("F", bound=Callable[..., Any])

MESSAGE_LINE_CHARS = 2000  # one line of an error message; longer lines end in '...'


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


class Terminated(KeyboardInterrupt):
    """SIGTERM (what CI timeouts, `kill` and container stops send), raised like Ctrl-C so
    that every `finally` runs: no temporary file is left behind (exit 143 = 128 + 15)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the run is already on its way out
    raise Terminated


def _catch_sigterm() -> Any:
    """Install the SIGTERM handler; the previous one, or None where signals cannot be set."""
    try:
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (an embedding application): leave it alone
        return None


def guarded(func: F) -> F:
    """Turn expected errors into a message and exit code; tracebacks only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.pop("debug", False) or bool(
            click.get_current_context().find_root().params.get("debug")
        )
        previous = _catch_sigterm()
        try:
            return func(*args, **kwargs)
        except AuditorError as exc:
            if debug:
                traceback.print_exc()
            # every line inert: no message, whatever it quotes, can drive the terminal
            lines = [
                inert(line, MESSAGE_LINE_CHARS) for line in hide_environment(str(exc)).splitlines()
            ] or [exc.__class__.__name__]
            _fail("\n".join(f"error: {line}" for line in lines), exc.exit_code)
        except BrokenPipeError:
            # the reader went away (`auditor ... | head`): stop quietly, as Unix tools do;
            # stdout goes to /dev/null so the interpreter's last flush cannot fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(128 + signal.SIGPIPE)
        except Terminated:
            _fail("terminated", 128 + signal.SIGTERM)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:
            if debug:
                raise
            _fail(
                hide_environment(f"internal error: {exc.__class__.__name__}: {exc}") + "\n"
                "This is a bug in auditor; run again with --debug for the traceback.",
                EXIT_BAD_INPUT,
            )
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return None

    return wrapper  # type: ignore[return-value]


def _formats(
    allowed: tuple[str, ...],
) -> Callable[[click.Context, click.Parameter, str], list[str]]:
    def parse(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
        names = [v.strip().lower() for v in value.split(",") if v.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise click.BadParameter(
                f"unknown format {', '.join(repr(u) for u in unknown) or '(empty)'}; "
                f"choose from {', '.join(allowed)} (comma-separated)"
            )
        return list(dict.fromkeys(names))

    return parse


def echo_warning(warning: object, prefix: str = "") -> None:
    """Print a warning on stderr as errors are printed: each line inert and bounded, so
    text from a file (a waiver's reason, a channel name) cannot drive the terminal."""
    lines = hide_environment(str(warning)).splitlines() or [""]
    for line in lines:
        click.echo(f"warning: {prefix}{inert(line, MESSAGE_LINE_CHARS)}", err=True)


def lang_option(help: str, dest: str = "lang") -> Callable[[F], F]:
    """`--lang`, declared once: one of the report languages (click validates it)."""
    return click.option("--lang", dest, type=click.Choice(LANGUAGES), default=None, help=help)


def output_dir_option(help: str, default: str = ".") -> Callable[[F], F]:
    """`--output-dir/-o`, declared once: the folder the files are written to."""
    return click.option(
        "--output-dir",
        "-o",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path(default),
        show_default=True,
        help=help,
    )


def run_formats_option(default: str, help: str) -> Callable[[F], F]:
    """`--format` of the commands that write files (`run`, `demo`, `batch`)."""
    return click.option(
        "--format",
        "formats",
        default=default,
        show_default=True,
        callback=_formats(RUN_FORMATS),
        help=help,
    )


def audit_options(func: F, *, batch: bool = False) -> F:
    """The audit's options, declared once for `run`, `check` and `batch` (a batch applies
    them to every client): --period, --lang, --fail-on, --fail-under, --select,
    --ignore, --record, --refetch."""
    from auditor.gating.gate import FAIL_ON

    who = "A client exits 1" if batch else "Exit 1"
    score = "its overall score" if batch else "the overall score"
    scope = "overrides each config" if batch else "overrides the config"
    options = [
        click.option(
            "--period",
            "-p",
            help=f"Period to audit{' for every client' if batch else ''}: 2026-Q3, 2026-H2, "
            f"2026-07 or 2026 ({scope}).",
        ),
        lang_option(
            "Language of messages, reports and the portfolio (overrides each config)."
            if batch
            else "Language of messages and reports (overrides the config)."
        ),
        click.option(
            "--fail-on",
            type=click.Choice(FAIL_ON),
            default="fail",
            show_default=True,
            help=f"{who} when a finding has this status or worse.",
        ),
        click.option(
            "--fail-under",
            multiple=True,
            metavar="[CATEGORY=]N",
            help=f"{who} when {score} (N) or a category's (value=70) is under N; repeatable.",
        ),
        click.option(
            "--select",
            multiple=True,
            metavar="RULE|CATEGORY|LABEL",
            help="Judge only these rules (ids, categories or labels; globs like 'click-*'); "
            "repeatable or comma-separated.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="RULE|CATEGORY|LABEL",
            help="Leave out these rules (ids, categories, labels or globs).",
        ),
        click.option(
            "--record",
            is_flag=True,
            help="Record every client's result in its history store (as `auditor run --record`)."
            if batch
            else "Record the result in the history (history.path of the config, default "
            ".auditor/history.sqlite next to it).",
        ),
        click.option(
            "--refetch",
            is_flag=True,
            help="Ask the platform for every month, even the closed months an earlier "
            "recorded audit already fetched (history.reuse_months).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


DEBUG_OPTION = click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
"""`--debug`, declared once: every command accepts it after its name too."""
