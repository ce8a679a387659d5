"""Command line: parsing, output formats and exit codes only (DESIGN.md section 6).

Orchestration lives in `runner`; this module turns arguments into a run and
errors into messages.  Heavy libraries (WeasyPrint) are imported only by the
commands that write a PDF.
"""

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

from auditor import __version__
from auditor.errors import EXIT_BAD_INPUT, AuditorError, inert
from auditor.gate import FAIL_ON
from auditor.redaction import hide_environment

F = TypeVar("F", bound=Callable[..., Any])
RUN_FORMATS = ("pdf", "html", "json", "md")
CHECK_FORMATS = ("text", "json", "junit", "md", "github")
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


def _common(func: F) -> F:
    """The options `run` and `check` share."""
    options = [
        click.option(
            "--period",
            "-p",
            help="Period to audit: 2026-Q3, 2026-H2, 2026-07 or 2026 (overrides the config).",
        ),
        click.option(
            "--lang",
            type=click.Choice(["es", "en"]),
            help="Language of messages and reports (overrides the config).",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(FAIL_ON),
            default="fail",
            show_default=True,
            help="Exit 1 when a finding has this status or worse.",
        ),
        click.option(
            "--fail-under",
            multiple=True,
            metavar="[CATEGORY=]N",
            help="Exit 1 when the overall score (N) or a category's (value=70) is under N; "
            "repeatable.",
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
            help="Record the result in the history (history.path of the config, default "
            ".auditor/history.sqlite next to it).",
        ),
        click.option(
            "--from-snapshot",
            "snapshot",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Re-run offline from a data snapshot (a *.snapshot.json or a result .json) "
            "instead of fetching from the source.",
        ),
        click.option(
            "--snapshot-of-another-client",
            is_flag=True,
            help="Replay a snapshot taken for another client (refused otherwise: one "
            "client's data must not land in another's report).",
        ),
        click.option("--debug", is_flag=True, help="Show tracebacks for errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _request(config: Path, **options: Any) -> Any:
    from auditor.session import AuditRequest

    return AuditRequest(
        config=config,
        period=options["period"],
        language=options["lang"],
        fail_on=options["fail_on"],
        fail_under=tuple(options["fail_under"]),
        select=tuple(options["select"]),
        ignore=tuple(options["ignore"]),
        snapshot=options["snapshot"],
        snapshot_of_another_client=options.get("snapshot_of_another_client", False),
        record=options["record"],
        baseline=options.get("baseline"),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="auditor")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """Audit a marketing-automation platform: is it used, does it work, does it pay?

    Exit codes: 0 healthy, 1 findings at or above --fail-on (or score under
    --fail-under), 2 bad input (config, rule pack, data file, usage),
    3 data source unreachable or nothing could be evaluated.
    """


def echo_warning(warning: object, prefix: str = "") -> None:
    """Print a warning on stderr as errors are printed: each line inert and bounded, so
    text from a file (a waiver's reason, a channel name) cannot drive the terminal."""
    lines = hide_environment(str(warning)).splitlines() or [""]
    for line in lines:
        click.echo(f"warning: {prefix}{inert(line, MESSAGE_LINE_CHARS)}", err=True)


def _print_warnings(result: dict[str, Any]) -> None:
    for warning in result.get("warnings", []):
        echo_warning(warning)


def _run(request: Any, out_dir: Path, formats: list[str]) -> None:
    from auditor.outputs.files import output_writers
    from auditor.outputs.text import render_text, terminal_width, use_colour
    from auditor.session import run_audit

    finished = run_audit(request)
    result = finished.result
    _print_warnings(result)
    paths = finished.write(output_writers(result, out_dir, formats))
    width = terminal_width(sys.stdout)
    click.echo(render_text(result, colour=use_colour(sys.stdout), width=width), nl=False)
    click.echo("")
    for path in paths:
        click.echo(f"wrote {path}")
    finished.record(paths)  # only now: every output is in place
    sys.exit(result["exit_code"])


@main.command()
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Folder for <client-slug>_<period>.<ext> files.",
)
@click.option(
    "--format",
    "formats",
    default="pdf,json",
    show_default=True,
    callback=_formats(RUN_FORMATS),
    help=f"Comma-separated outputs: {', '.join(RUN_FORMATS)}.",
)
@_common
@guarded
def run(config: Path, output_dir: Path, formats: list[str], **options: Any) -> None:
    """Run the full audit of CONFIG and write the report files.

    Besides the chosen formats, <client-slug>_<period>.snapshot.json keeps the
    monthly data fetched, so `--from-snapshot` can re-run the audit offline.

    Example: auditor run client.yaml --period 2026-Q3 -o reports/
    """
    _run(_request(config, **options), output_dir, formats)


def _outputs(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for value in values:
        fmt, sep, path = value.partition("=")
        fmt = fmt.strip().lower()
        if not sep or not path or fmt not in CHECK_FORMATS:
            raise click.BadParameter(
                f"expected FORMAT=PATH with FORMAT one of {', '.join(CHECK_FORMATS)}, got {value!r}"
            )
        if fmt in out:
            raise click.BadParameter(
                f"{fmt} is given twice ({inert(str(out[fmt]), 200)} and {inert(path, 200)}); "
                "give each format one --output"
            )
        from auditor.outputs.files import same_file

        for other, earlier in out.items():
            if same_file(Path(path), earlier):
                raise click.BadParameter(
                    f"{other} and {fmt} would both be written to {inert(path, 200)}; "
                    "give each format its own file"
                )
        out[fmt] = Path(path)
    return out


def _render_check(result: dict[str, Any], fmt: str, to_terminal: bool) -> str:
    if fmt == "json":
        from auditor.outputs.json_out import render_json

        return render_json(result)
    if fmt == "junit":
        from auditor.outputs.junit import render_junit

        return render_junit(result)
    if fmt == "md":
        from auditor.outputs.ci_markdown import render_ci_markdown

        return render_ci_markdown(result)
    if fmt == "github":
        from auditor.outputs.github import render_github

        return render_github(result)
    from auditor.outputs.text import render_text, terminal_width, use_colour

    if to_terminal:
        width = terminal_width(sys.stdout)
        return render_text(result, colour=use_colour(sys.stdout), width=width)
    return render_text(result)


@main.command()
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "formats",
    default="text",
    show_default=True,
    callback=_formats(CHECK_FORMATS),
    help=f"Comma-separated: {', '.join(CHECK_FORMATS)}. Each goes to its --output, else stdout "
    "(only one may use stdout).",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT=PATH",
    callback=_outputs,
    help="Write FORMAT to PATH instead of stdout, e.g. --output junit=report.xml; repeatable.",
)
@click.option(
    "--baseline",
    metavar="PERIOD",
    help="Exit 1 only on failures that are new since the recorded audit of PERIOD (history).",
)
@_common
@guarded
def check(config: Path, formats: list[str], outputs: dict[str, Path], **options: Any) -> None:
    """Audit CONFIG without a report; print the result and exit with a CI code.

    Examples:
      auditor check client.yaml --format json --fail-on warn
      auditor check client.yaml --format text,junit --output junit=audit.xml
      auditor check client.yaml --format github --fail-under 70 --fail-under value=60
    """
    formats = list(dict.fromkeys([*formats, *outputs]))
    on_stdout = [f for f in formats if f not in outputs]
    if len(on_stdout) > 1:
        raise click.UsageError(
            f"{', '.join(on_stdout)} would all go to stdout: give all but one an --output "
            "FORMAT=PATH"
        )
    from auditor.outputs.files import write_text
    from auditor.session import run_audit

    finished = run_audit(_request(config, **options))
    result = finished.result
    _print_warnings(result)
    written = finished.write(
        {path: write_text(_render_check(result, fmt, False)) for fmt, path in outputs.items()}
    )
    for fmt in on_stdout:
        click.echo(_render_check(result, fmt, True), nl=False)
    finished.record(written)  # only now: every output is in place
    sys.exit(result["exit_code"])


@main.command()
@click.option(
    "--output-dir",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("auditor-demo"),
    show_default=True,
    help="Folder for the demo's PDF and JSON.",
)
@click.option(
    "--lang", type=click.Choice(["es", "en"]), help="Report language (the demo client's is es)."
)
@click.option(
    "--format",
    "formats",
    default="pdf,json",
    show_default=True,
    callback=_formats(RUN_FORMATS),
    help=f"Comma-separated outputs: {', '.join(RUN_FORMATS)}.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@guarded
def demo(output_dir: Path, lang: str | None, formats: list[str]) -> None:
    """Audit the bundled demo client (a Spanish industrial supplier) end to end.

    No network and no config needed.  Exits 0 even though the demo has
    failing findings (it runs with --fail-on never).
    """
    from auditor.resources import demo_dir
    from auditor.session import AuditRequest

    _run(
        AuditRequest(demo_dir() / "demo.yaml", language=lang, fail_on="never"), output_dir, formats
    )


if __name__ == "__main__":  # pragma: no cover
    main()

from auditor.cli_rules import rules  # noqa: E402

main.add_command(rules)

from auditor.cli_connectors import connectors  # noqa: E402

main.add_command(connectors)

from auditor.cli_history import history  # noqa: E402

main.add_command(history)

from auditor.cli_plan import plan  # noqa: E402

main.add_command(plan)

from auditor.cli_batch import batch  # noqa: E402
from auditor.cli_init import init  # noqa: E402

main.add_command(batch)
main.add_command(init)
