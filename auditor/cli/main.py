"""Command line: parsing, output formats and exit codes only (DESIGN.md section 6).

Orchestration lives in `runner`; this module turns arguments into a run and
errors into messages.  Heavy libraries (WeasyPrint) are imported only by the
commands that write a PDF.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any, ClassVar

import click

from auditor import __version__
from auditor.cli.common import (
    CHECK_FORMATS,
    DEBUG_OPTION,
    RUN_FORMATS,
    F,
    _formats,
    audit_options,
    echo_warning,
    guarded,
    lang_option,
    output_dir_option,
    run_formats_option,
)
from auditor.core.errors import inert


def _common(func: F) -> F:
    """The options `run` and `check` share."""
    options = [
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
        DEBUG_OPTION,
    ]
    for option in reversed(options):
        func = option(func)
    return audit_options(func)


def _request(config: Path, **options: Any) -> Any:
    from auditor.pipeline.session import AuditRequest

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
        refetch=options["refetch"],
    )


class LazyGroup(click.Group):
    """The command group, loading each sub-command's module only when it is run (or the
    help lists it): `auditor check` does not import batch, history or init."""

    LAZY: ClassVar[dict[str, str]] = {
        "rules": "auditor.cli.rules:rules",
        "connectors": "auditor.cli.connectors:connectors",
        "history": "auditor.cli.history:history",
        "plan": "auditor.cli.plan:plan",
        "batch": "auditor.cli.batch:batch",
        "init": "auditor.cli.init:init",
        "deliverability": "auditor.cli.deliverability:deliverability",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.LAZY])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY:
            module, name = self.LAZY[cmd_name].split(":")
            command = getattr(importlib.import_module(module), name)
            return command if isinstance(command, click.Command) else None
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="auditor")
@DEBUG_OPTION
def main(debug: bool) -> None:
    """Audit a marketing-automation platform: is it used, does it work, does it pay?

    Exit codes: 0 healthy, 1 findings at or above --fail-on (or score under
    --fail-under), 2 bad input (config, rule pack, data file, usage),
    3 data source unreachable or nothing could be evaluated.
    """


def _print_warnings(result: dict[str, Any]) -> None:
    for warning in result.get("warnings", []):
        echo_warning(warning)


def _run(request: Any, out_dir: Path, formats: list[str]) -> None:
    from auditor.outputs.formats import output_writers
    from auditor.outputs.text import render_text, terminal_width, use_colour
    from auditor.pipeline.session import run_audit

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
@output_dir_option("Folder for <client-slug>_<period>.<ext> files.")
@run_formats_option("pdf,json", f"Comma-separated outputs: {', '.join(RUN_FORMATS)}.")
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
    from auditor.outputs.formats import printed_renderer

    render = printed_renderer(fmt)
    if fmt == "text" and to_terminal:
        from auditor.outputs.text import terminal_width, use_colour

        return render(result, colour=use_colour(sys.stdout), width=terminal_width(sys.stdout))
    return render(result)


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
    from auditor.pipeline.session import run_audit

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
@output_dir_option("Folder for the demo's PDF and JSON.", default="auditor-demo")
@lang_option("Report language (the demo client's is es).")
@run_formats_option("pdf,json", f"Comma-separated outputs: {', '.join(RUN_FORMATS)}.")
@DEBUG_OPTION
@guarded
def demo(output_dir: Path, lang: str | None, formats: list[str]) -> None:
    """Audit the bundled demo client (a Spanish industrial supplier) end to end.

    No network and no config needed.  Exits 0 even though the demo has
    failing findings (it runs with --fail-on never).
    """
    from auditor.core.resources import demo_dir
    from auditor.pipeline.session import AuditRequest

    _run(
        AuditRequest(demo_dir() / "demo.yaml", language=lang, fail_on="never"), output_dir, formats
    )


if __name__ == "__main__":  # pragma: no cover
    main()
