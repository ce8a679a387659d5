"""Command line: parsing, output formats and exit codes only (DESIGN.md section 6).

Orchestration lives in `runner`; this module turns arguments into a run and
errors into messages.  Heavy libraries (WeasyPrint) are imported only by the
commands that write a PDF.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor import __version__
from auditor.errors import EXIT_BAD_INPUT, AuditorError
from auditor.gate import FAIL_ON, Gate

F = TypeVar("F", bound=Callable[..., Any])
RUN_FORMATS = ("pdf", "html", "json")
CHECK_FORMATS = ("text", "json")


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def guarded(func: F) -> F:
    """Turn expected errors into a message and exit code; tracebacks only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = kwargs.pop("debug", False) or bool(
            click.get_current_context().find_root().params.get("debug")
        )
        try:
            return func(*args, **kwargs)
        except AuditorError as exc:
            if debug:
                traceback.print_exc()
            lines = str(exc).splitlines() or [exc.__class__.__name__]
            _fail("\n".join(f"error: {line}" for line in lines), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:
            if debug:
                raise
            _fail(
                f"internal error: {exc.__class__.__name__}: {exc}\n"
                "This is a bug in auditor; run again with --debug for the traceback.",
                EXIT_BAD_INPUT,
            )
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
            type=click.FloatRange(0, 100),
            help="Also exit 1 when the overall score is under this number (0-100).",
        ),
        click.option(
            "--from-snapshot",
            "snapshot",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Re-run offline from a data snapshot (a *.snapshot.json or a result .json) "
            "instead of fetching from the source.",
        ),
        click.option("--debug", is_flag=True, help="Show tracebacks for errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="auditor")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """Audit a marketing-automation platform: is it used, does it work, does it pay?

    Exit codes: 0 healthy, 1 findings at or above --fail-on (or score under
    --fail-under), 2 bad input (config, rule pack, data file, usage),
    3 data source unreachable or nothing could be evaluated.
    """


def _write_outputs(result: dict[str, Any], out_dir: Path, formats: list[str]) -> list[Path]:
    from auditor.outputs.files import Writer, write_all, write_text
    from auditor.outputs.json_out import render_json

    stem = f"{result['client_slug']}_{result['period']['label']}"
    outputs: dict[Path, Writer] = {}
    if result.get("snapshot"):  # always kept: the data this audit was computed from
        outputs[out_dir / f"{stem}.snapshot.json"] = write_text(render_json(result["snapshot"]))
    for fmt in formats:
        target = out_dir / f"{stem}.{fmt}"
        if fmt == "json":
            outputs[target] = write_text(render_json(result))
        elif fmt == "html":
            from auditor.report.html import render_html

            outputs[target] = write_text(render_html(result))
        elif fmt == "pdf":
            from auditor.report.pdf import write_pdf

            outputs[target] = functools.partial(_pdf_writer, write_pdf, result)
    return write_all(outputs)


def _print_warnings(result: dict[str, Any]) -> None:
    for warning in result.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)


def _pdf_writer(write_pdf: Callable[..., None], result: dict[str, Any], path: Path) -> None:
    write_pdf(result, path)


def _run(
    config: Path,
    period: str | None,
    lang: str | None,
    gate: Gate,
    out_dir: Path,
    formats: list[str],
    snapshot: Path | None = None,
) -> None:
    from auditor.outputs.text import render_text, use_colour
    from auditor.runner import audit_file

    result = audit_file(config, period, gate, lang, snapshot).to_json()
    _print_warnings(result)
    paths = _write_outputs(result, out_dir, formats)
    click.echo(render_text(result, colour=use_colour(sys.stdout)), nl=False)
    click.echo("")
    for path in paths:
        click.echo(f"wrote {path}")
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
def run(
    config: Path,
    output_dir: Path,
    formats: list[str],
    period: str | None,
    lang: str | None,
    fail_on: str,
    fail_under: float | None,
    snapshot: Path | None,
) -> None:
    """Run the full audit of CONFIG and write the report files.

    Besides the chosen formats, <client-slug>_<period>.snapshot.json keeps the
    monthly data fetched, so `--from-snapshot` can re-run the audit offline.

    Example: auditor run client.yaml --period 2026-Q3 -o reports/
    """
    _run(config, period, lang, Gate(fail_on, fail_under), output_dir, formats, snapshot)


@main.command()
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(CHECK_FORMATS),
    default="text",
    show_default=True,
    help="What to print on stdout.",
)
@_common
@guarded
def check(
    config: Path,
    fmt: str,
    period: str | None,
    lang: str | None,
    fail_on: str,
    fail_under: float | None,
    snapshot: Path | None,
) -> None:
    """Audit CONFIG without writing a report; print the result and exit with a CI code.

    Example: auditor check client.yaml --format json --fail-on warn
    """
    from auditor.runner import audit_file

    result = audit_file(config, period, Gate(fail_on, fail_under), lang, snapshot).to_json()
    _print_warnings(result)
    if fmt == "json":
        from auditor.outputs.json_out import render_json

        click.echo(render_json(result), nl=False)
    else:
        from auditor.outputs.text import render_text, use_colour

        click.echo(render_text(result, colour=use_colour(sys.stdout)), nl=False)
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

    _run(demo_dir() / "demo.yaml", None, lang, Gate("never"), output_dir, formats)


if __name__ == "__main__":  # pragma: no cover
    main()

from auditor.cli_rules import rules  # noqa: E402

main.add_command(rules)

from auditor.cli_connectors import connectors  # noqa: E402

main.add_command(connectors)

from auditor.cli_history import history  # noqa: E402

main.add_command(history)
