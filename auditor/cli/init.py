"""`auditor init FILE... -o client.yaml`: a first audit config from the files a client sent.

A consultant starts from exports, not from an empty YAML file: this command reads each
file as the file connector would (the project's own layout or a platform export, see
docs/exports.md), says what it holds, writes a commented config that validates (one
`source:` for one file, `sources:` for several) and then audits it once to print what
the audit will judge and what would complete it.

Nothing is written when anything is wrong: every file is read and the config is loaded
from a temporary file before it replaces nothing (an existing config needs `--force`,
and an input file is never overwritten).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from auditor.cli.common import DEBUG_OPTION, guarded, lang_option
from auditor.core.errors import InputError, Problem
from auditor.core.models import JUDGED

COST_OPTIONS = ("platform", "staff", "services", "media", "sales", "overhead")


def _inspect(path: Path) -> tuple[str, list[str], list[str]]:
    """(what the file is, its months, its base metrics), or InputError naming its cells."""
    from auditor.connectors.file import FileConnector, FileOptions
    from auditor.metrics.catalog import BASE_BY_ID

    data = FileConnector(FileOptions(path=path.name), path.parent).fetch([])
    prov = data.provenance
    kind = str(prov.get("layout") or f"{prov.get('format')} form")
    measured = {m for row in data.monthly.values() for m in row}
    return kind, list(data.months), [m for m in BASE_BY_ID if m in measured]


def _default_period(months: list[str]) -> str:
    """The last quarter every month of which the files cover, else the last month."""
    covered = set(months)
    for month in sorted(covered, reverse=True):
        year, mon = int(month[:4]), int(month[5:])
        if mon % 3 == 0 and all(f"{year}-{m:02d}" in covered for m in (mon - 2, mon - 1, mon)):
            return f"{year}-Q{mon // 3}"
    return max(covered) if covered else ""


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def render_config(
    *,
    client: str,
    period: str,
    language: str,
    currency: str,
    costs: dict[str, float],
    files: list[tuple[str, str, list[str], list[str]]],
) -> str:
    """The commented config (files: relative path, kind, months, metrics)."""
    lines = [
        "# Audit config written by `auditor init`; check it, then: auditor run <this file>",
        f"client: {_yaml_text(client)}",
        f"period: {period}            # 2026-Q3, 2026-H2, 2026-07 or 2026",
        f"language: {language}            # es or en: the report's language",
        "timezone: UTC          # the time zone the months are counted in",
    ]
    if len(files) == 1:
        rel, kind, months, metrics = files[0]
        lines += [
            f"# {rel}: {kind}, {len(months)} months, {len(metrics)} base metrics",
            "source:",
            "  connector: file",
            f"  path: {_yaml_text(rel)}",
        ]
    else:
        lines.append("sources:")
        taken: dict[str, str] = {}  # metric -> the earlier file that delivers it
        for rel, kind, months, metrics in files:
            lines.append(f"  # {rel}: {kind}, {len(months)} months, {len(metrics)} base metrics")
            repeated = [m for m in metrics if m in taken]
            own = [m for m in metrics if m not in taken]
            taken.update(dict.fromkeys(own, rel))
            if not repeated:
                lines.append(f"  - {{connector: file, path: {_yaml_text(rel)}}}")
                continue
            for metric in repeated:
                lines.append(f"  # {metric} is taken from {taken[metric]} (listed first)")
            lines.append(
                f"  - {{connector: file, path: {_yaml_text(rel)}, metrics: [{', '.join(own)}]}}"
            )
    lines += ["costs:", f"  currency: {currency}", "  per: month            # amounts per month"]
    for key in COST_OPTIONS:
        if key in costs:
            lines.append(f"  {key}: {costs[key]:g}")
        else:
            lines.append(f"  # {key}: 0          # fill in: the {key} cost per month")
    lines += [
        "rules:",
        "  packs: [default]       # default | saas | ecommerce | deliverability (list health)",
        "# deliverability:        # check the sending domain's SPF, DKIM, DMARC with every audit",
        "#   domains: [news.example.com]",
        "#   sample_message: sample.eml   # an email the platform sent, saved from a mailbox",
        "",
    ]
    return "\n".join(lines)


@click.command("init")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("client.yaml"),
    show_default=True,
    help="The config to write.",
)
@click.option("--client", help="The client's name (asked on a terminal when not given).")
@click.option("--period", help="Period to audit (default: the last quarter the files cover).")
@lang_option("The report language (asked on a terminal when not given).", "language")
@click.option("--currency", default="EUR", show_default=True, help="ISO code of the costs.")
@click.option(
    "--cost",
    "cost_items",
    multiple=True,
    metavar="KEY=AMOUNT",
    help="A monthly cost: platform, staff, services, media, sales or overhead; repeatable.",
)
@click.option("--force", is_flag=True, help="Replace an existing config.")
@DEBUG_OPTION
@guarded
def init(
    files: tuple[Path, ...],
    output: Path,
    client: str | None,
    period: str | None,
    language: str | None,
    currency: str,
    cost_items: tuple[str, ...],
    force: bool,
) -> None:
    """Write a first audit config for the data FILES a client sent (their own exports).

    Each file is read as the file connector reads it (the project's layout or a known
    platform export, detected from its header row); the config gets one source per
    file. The command then audits the config once and prints what the audit can judge
    and what would complete it. Nothing is written when a file or an option is wrong.

    \b
    Example: auditor init campaigns.csv deals.csv --client "Acme S.L." --lang es \\
                 --cost platform=800 --cost staff=2000 -o acme.yaml
    """
    from auditor.config.loader import load_config
    from auditor.gating.gate import Gate
    from auditor.outputs.files import write_all, write_text
    from auditor.pipeline.runner import audit

    problems: list[Problem] = []
    costs = _parse_costs(cost_items, problems)
    target = output if output.is_absolute() else Path.cwd() / output
    folder = target.parent
    inspected = _inspect_files(files, target, problems)
    if target.exists() and not force:
        problems.append(Problem(f"{output} exists; choose another -o or add --force"))
    if problems:
        raise InputError(problems)

    all_months = sorted({m for _, _, months, _ in inspected for m in months})
    interactive = sys.stdin.isatty()
    if not client:
        if not interactive:
            raise InputError(Problem("--client is required when not run on a terminal"))
        client = click.prompt("Client name")
    if not period:
        period = _default_period(all_months)
    if not language:
        language = click.prompt("Language", default="en") if interactive else "en"

    text = render_config(
        client=client,
        period=period,
        language=language,
        currency=currency,
        costs=costs,
        files=inspected,
    )
    # validate from a temporary file in the same folder, before anything is replaced
    probe = folder / f".{target.name}.init-check.yaml"
    try:
        probe.write_text(text, encoding="utf-8")
        config = load_config(probe)
        result = audit(config, Gate("never")).to_json()  # it audits before it is written
    finally:
        probe.unlink(missing_ok=True)
    protected = {
        Path(rel) if Path(rel).is_absolute() else folder / rel: "a data file"
        for rel, *_ in inspected
    }
    write_all({target: write_text(text)}, protected)
    click.echo(f"wrote {output}")
    _print_summary(inspected, period, result, config.language)


def _parse_costs(cost_items: tuple[str, ...], problems: list[Problem]) -> dict[str, float]:
    """`--cost KEY=AMOUNT` options as monthly costs; each bad one a problem."""
    costs: dict[str, float] = {}
    for item in cost_items:
        key, sep, amount = item.partition("=")
        try:
            value = float(amount)
        except ValueError:
            value = -1.0
        if not sep or key not in COST_OPTIONS or not value >= 0:
            problems.append(
                Problem(
                    f"--cost {item!r}: expected KEY=AMOUNT with KEY one of "
                    f"{', '.join(COST_OPTIONS)} and a non-negative amount"
                )
            )
        else:
            costs[key] = value
    return costs


Inspected = tuple[str, str, list[str], list[str]]  # (path as written, kind, months, metrics)


def _inspect_files(
    files: tuple[Path, ...], target: Path, problems: list[Problem]
) -> list[Inspected]:
    """Each data file read as the file connector reads it; a file that adds no base metric
    another one gives, or that is the config itself, is a problem."""
    folder = target.parent
    inspected: list[Inspected] = []
    for file in files:
        path = file if file.is_absolute() else Path.cwd() / file
        if path.resolve() == target.resolve():
            problems.append(Problem(f"{file} is both an input and the config to write"))
            continue
        try:
            kind, months, metrics = _inspect(path)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        try:
            rel = str(path.resolve().relative_to(folder.resolve()))
        except ValueError:
            rel = str(path.resolve())
        inspected.append((rel, kind, months, metrics))
    given: dict[str, str] = {}
    for rel, _, _, metrics in inspected:
        if metrics and all(m in given for m in metrics):
            earlier = ", ".join(sorted({given[m] for m in metrics}))
            problems.append(
                Problem(f"{rel} gives no base metric that {earlier} does not; leave one out")
            )
        for metric in metrics:
            given.setdefault(metric, rel)
    return inspected


def _print_summary(
    inspected: list[Inspected], period: str, result: dict[str, Any], language: str
) -> None:
    """What each file gave, what the audit judges, and what would complete it."""
    from auditor.outputs.text import LABELS, completeness_lines

    for rel, kind, months, metrics in inspected:
        span = f"{months[0]} to {months[-1]}" if months else "no months"
        click.echo(f"  {rel}: {kind}, {len(months)} months ({span}), {len(metrics)} base metrics")
    judged = sum(1 for f in result["findings"] if f.get("status") in JUDGED)
    click.echo(f"the audit of {period} judges {judged} of {len(result['findings'])} findings")
    labels = LABELS.get(language, LABELS["en"])
    for line in completeness_lines(result, language, labels):
        click.echo(line)
