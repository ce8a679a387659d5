"""`auditor rules ...`: inspect, validate, unit-test and explain rule packs (DESIGN.md section 6).

Kept apart from `cli.py` so the audit commands stay small; the same `guarded`
decorator turns bad input into `error: file:line:col: ...` and exit 2.
Exit codes follow the audit's: 0 fine, 1 a rule test failed, 2 bad input.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from auditor.cli.common import DEBUG_OPTION, echo_warning, guarded
from auditor.core.errors import EXIT_BAD_INPUT, EXIT_OK, InputError, Problem

_DEBUG = DEBUG_OPTION
_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def rules() -> None:
    """Inspect, validate, unit-test and explain rule packs.

    \b
    Examples:
      auditor rules list                      # the shipped default pack
      auditor rules validate rules/ client.yaml
      auditor rules test tests/rules/ --junit rule-tests.xml
      auditor rules explain client.yaml       # which file set each threshold
      auditor rules schema -o rule-pack.schema.json
    """


@rules.command("list")
@click.option(
    "--pack",
    "-p",
    "packs",
    multiple=True,
    metavar="PACK",
    help="Shipped pack name or pack file (repeatable; default: default).",
)
@click.option("--shipped", is_flag=True, help="List the packs shipped with auditor instead.")
@_FORMAT
@_DEBUG
@guarded
def list_rules(packs: tuple[str, ...], shipped: bool, fmt: str) -> None:
    """List the effective rules of the given packs, one line per rule.

    Each line shows the rule id, category, weight, metric, the bands (warn/fail)
    or score curve, and flags: compare, low confidence, informative (weight 0),
    disabled, waived.

    \b
    Examples:
      auditor rules list
      auditor rules list --pack default --pack ./agency.yaml
      auditor rules list --shipped
      auditor rules list --format json
    """
    from auditor.rules.explain import list_json, list_text
    from auditor.rules.loader import load_rules

    if shipped:
        _list_shipped(fmt)
        return
    rule_set = load_rules(list(packs) or ["default"], Path.cwd())
    today = date.today()
    if fmt == "json":
        click.echo(json.dumps(list_json(rule_set, today), indent=2, ensure_ascii=False))
    else:
        click.echo(list_text(rule_set, today), nl=False)
    _warnings(rule_set.warnings)


def _list_shipped(fmt: str) -> None:
    from auditor.core.resources import rules_dir
    from auditor.core.yamlpos import load_yaml_file
    from auditor.rules.loader import load_rules, shipped_packs

    entries: list[dict[str, str | int]] = []
    for name in shipped_packs():
        data = load_yaml_file(rules_dir() / f"{name}.yaml").data or {}
        count = len(load_rules([name], Path.cwd()).rules)
        entries.append(
            {
                "name": name,
                "rules": count,
                "description": str(data.get("description") or ""),
                "path": f"rules/{name}.yaml",
            }
        )
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    width = max(len(str(e["name"])) for e in entries) if entries else 0
    for entry in entries:
        click.echo(
            f"{str(entry['name']).ljust(width)}  {entry['rules']} rules  {entry['description']}"
        )


def _warnings(warnings: tuple[Problem, ...] | list[Problem]) -> None:
    for warning in warnings:
        echo_warning(warning)


def _yaml_files(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


@rules.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_DEBUG
@guarded
def validate(paths: tuple[Path, ...]) -> None:
    """Validate rule packs and audit configs; report every problem at once.

    PATH is a pack file, a folder (its *.yaml and *.yml files, not recursive)
    or an audit config (a YAML file with a top-level `client:` key: its packs
    and rule overrides are validated together).  Prints `ok: PATH (N rules)`
    per valid file and `error: file:line:col: key: message` per problem.
    Expired waivers are warnings and do not fail.  Exit 0 when all are valid,
    2 otherwise.

    \b
    Examples:
      auditor rules validate rules/
      auditor rules validate my-pack.yaml clients/aceros.yaml
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = _yaml_files(path)
            if not found:
                problems.append(Problem("no *.yaml or *.yml files in this folder", str(path)))
            files.extend(found)
        else:
            files.append(path)
    for path in dict.fromkeys(files):
        try:
            count, warnings = _validate_one(path)
        except InputError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            continue
        click.echo(f"ok: {path} ({count} rule{'' if count == 1 else 's'})")
        _warnings(warnings)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(EXIT_BAD_INPUT if problems else EXIT_OK)


def _validate_one(path: Path) -> tuple[int, tuple[Problem, ...]]:
    """(effective rule count, warnings) of a pack file or an audit config."""
    from auditor.core.yamlpos import load_yaml_file
    from auditor.rules.loader import load_rules

    located = load_yaml_file(path)
    if isinstance(located.data, dict) and "client" in located.data:
        from auditor.config.loader import load_config
        from auditor.pipeline.runner import load_rule_set

        rule_set = load_rule_set(load_config(path))
    else:
        rule_set = load_rules([str(path.resolve())], Path.cwd())
    return len(rule_set.rules), rule_set.warnings


@rules.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--junit",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the results as JUnit XML to this file (for CI).",
)
@click.option("--verbose", "-v", is_flag=True, help="Also print a PASS line per passing case.")
@_DEBUG
@guarded
def test(paths: tuple[Path, ...], junit: Path | None, verbose: bool) -> None:
    """Run rule unit-test files: metric values in, expected findings out.

    PATH is a test file or a folder of them (*.yaml, *.yml, not recursive).

    \b
    A test file:
      pack: default                  # or a path relative to this file; or packs: [...]
      cases:
        - name: 1.2% unsubscribes fail
          metrics: {unsubscribe_rate: 1.2%, emails_delivered: 20000}
          expect:
            unsubscribe-rate: {status: fail, message_contains: "1.2%"}

    Optional per case: previous, last_year, overrides, today, period,
    language, currency.  A failing case prints only the fields that differ:

    \b
      FAIL tests/rules/default.yaml: "1.2% unsubscribes fail": unsubscribe-rate: status: expected warn, got fail

    The last line is `N passed, M failed`.  Exit 0 when every case passes,
    1 when one fails, 2 when a test file or pack is bad (unknown key, rule id
    or metric).  The file format is in docs/rules-commands.md.

    \b
    Examples:
      auditor rules test tests/rules/
      auditor rules test tests/rules/default.yaml --junit rule-tests.xml
    """
    from auditor.rules.testing import run_test_files

    report = run_test_files(list(paths))
    if verbose:
        for line in report.pass_lines():
            click.echo(line)
    for line in report.failure_lines():
        click.echo(line)
    for problem in report.problems:
        click.echo(f"error: {problem}", err=True)
    if junit is not None:
        from auditor.outputs.files import write_all, write_text

        write_all({junit: write_text(report.junit())})
        click.echo(f"wrote {junit}")
    click.echo(report.summary())
    sys.exit(report.exit_code)


@rules.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the schema to this file instead of stdout.",
)
@_DEBUG
@guarded
def schema(output: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of rule pack files, for editors.

    Generated from the same models the loader validates with.  Rules require
    only `id` in the schema, since a pack that extends another may give only
    the keys it changes; `auditor rules validate` does the full check.  In VS
    Code (YAML extension), put this first line in a pack:

    \b
      # yaml-language-server: $schema=./rule-pack.schema.json

    \b
    Example:
      auditor rules schema -o rule-pack.schema.json
    """
    from auditor.rules.schema import schema_text

    text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    from auditor.outputs.files import write_all, write_text

    write_all({output: write_text(text)})
    click.echo(f"wrote {output}")


@rules.command()
@click.argument("config", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--rule",
    "-r",
    "rule_ids",
    multiple=True,
    metavar="ID",
    help="Only this rule (repeatable).",
)
@click.option("--full", is_flag=True, help="Do not shorten long texts (messages, sources).")
@_FORMAT
@_DEBUG
@guarded
def explain(config: Path, rule_ids: tuple[str, ...], full: bool, fmt: str) -> None:
    """Show the effective rules of an audit config and where each value comes from.

    For each rule: every key with its effective value and the file:line:col
    that set it, marked `(override)` when the client's config set it or
    `(pack NAME)` when a pack did; `(default)` when nothing did.  Disabled
    rules and waivers are shown in the rule's heading.

    \b
    Example:
      auditor rules explain clients/aceros.yaml --rule unsubscribe-rate
    """
    from auditor.config.loader import load_config
    from auditor.core.validation import did_you_mean
    from auditor.pipeline.runner import load_rule_set
    from auditor.rules.explain import explain_json, explain_text

    audit_config = load_config(config)
    rule_set = load_rule_set(audit_config)
    known = {r.id: r for r in rule_set.rules}
    unknown = [r for r in rule_ids if r not in known]
    if unknown:
        raise InputError(
            [Problem(f"--rule {r}: no such rule{did_you_mean(r, known)}") for r in unknown]
        )
    selected = [known[r] for r in dict.fromkeys(rule_ids)] if rule_ids else list(rule_set.rules)
    today = date.today()
    config_file = audit_config.located.file
    if fmt == "json":
        data = explain_json(rule_set, selected, config_file, today)
        data = {"client": audit_config.client, "config": config_file, **data}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        title = f"Effective rules for {audit_config.client} ({config_file})"
        click.echo(explain_text(rule_set, selected, title, config_file, today, full), nl=False)
    _warnings(rule_set.warnings)
