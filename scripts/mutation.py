"""Mutation testing of the core computations: mutmut over the modules a user's numbers
rest on, group by group, with the kill ratio per module (docs/testing.md).

    .venv/bin/python scripts/mutation.py                 # every group (the full run)
    .venv/bin/python scripts/mutation.py rules gating    # some groups
    .venv/bin/python scripts/mutation.py --check rules   # exit 1 under the floor (CI)

Each group runs in its own copy of the checkout under `.mutation/<group>/` (mutmut
writes its `mutants/` folder beside the sources), mutating only the group's modules and
running only the group's tests. Mutants listed in `tests/mutation/equivalent.toml`
(with the reason each cannot change an observable result) are left out of the ratio;
one listed there that no longer survives, or no longer exists, is reported so the list
stays true.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.toml"
FLOOR = 0.90
COPIED = ("auditor", "tests", "report_templates", "rules", "examples", "docs", "pyproject.toml")


@dataclass(frozen=True)
class Group:
    modules: tuple[str, ...]
    tests: tuple[str, ...]


GROUPS: dict[str, Group] = {
    # What CI runs on every submission (docs/testing.md, "In CI"): the modules that
    # decide the scores a report prints and the exit code a pipeline acts on, against
    # their exact tests only, so it takes minutes.
    "ci": Group(
        (
            "auditor/rules/scoring.py",
            "auditor/core/ranking.py",
            "auditor/gating/gate.py",
            "auditor/gating/select.py",
        ),
        (
            "tests/gating",
            "tests/rules/test_scoring_exact.py",
            "tests/rules/test_ranking_exact.py",
        ),
    ),
    "rules": Group(
        (
            "auditor/rules/scoring.py",
            "auditor/rules/scoring_curves.py",
            "auditor/rules/engine.py",
            "auditor/rules/model.py",
            "auditor/core/ranking.py",
        ),
        ("tests/rules",),
    ),
    "gating": Group(
        ("auditor/gating/gate.py", "auditor/gating/select.py"),
        ("tests/gating", "tests/cli", "tests/outputs/test_outputs_ci.py"),
    ),
    "metrics": Group(
        (
            "auditor/metrics/calculator.py",
            "auditor/metrics/expression.py",
            "auditor/metrics/kpis.py",
        ),
        ("tests/metrics", "tests/rules/test_rule_semantics.py"),
    ),
    "analysis": Group(
        (
            "auditor/analysis/trends.py",
            "auditor/analysis/anomalies.py",
            "auditor/analysis/planning.py",
            "auditor/analysis/lead_scoring.py",
            "auditor/analysis/fit.py",
        ),
        ("tests/analysis",),
    ),
    "history": Group(
        ("auditor/history/diff.py",), ("tests/history", "tests/cli/test_history_cli.py")
    ),
    "connectors": Group(
        ("auditor/connectors/timeutil.py", "auditor/pipeline/currency.py"),
        (
            "tests/connectors/test_timeutil_exact.py",
            "tests/connectors/test_connector_hubspot_spec.py",
            "tests/pipeline/test_currency_exact.py",
        ),
    ),
}


def _copy_checkout(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)


def _configure(target: Path, group: Group) -> None:
    """The group's [tool.mutmut], appended to the copy's pyproject.toml."""
    quoted = lambda items: "[" + ", ".join(json.dumps(i) for i in items) + "]"  # noqa: E731
    also = [n for n in COPIED if n not in ("auditor", "pyproject.toml")]
    block = (
        "\n[tool.mutmut]\n"
        'source_paths = ["auditor"]\n'
        f"only_mutate = {quoted(group.modules)}\n"
        f"pytest_add_cli_args_test_selection = {quoted(group.tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x", "-m", "not slow"]\n'
        f"also_copy = {quoted(also)}\n"
    )
    pyproject = target / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + block, encoding="utf-8")


def _mutmut() -> str:
    found = Path(sys.executable).parent / "mutmut"
    if not found.exists():
        sys.exit("error: mutmut is not installed; run: .venv/bin/pip install -e '.[mutation]'")
    return str(found)


def _results(target: Path) -> dict[str, str]:
    shown = subprocess.run(
        [_mutmut(), "results", "--all", "true"],
        cwd=target,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    out = {}
    for line in shown.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            out[name] = status
    return out


def _module(mutant: str) -> str:
    """auditor.rules.scoring.x_score__mutmut_9 -> auditor/rules/scoring.py"""
    # mutmut names a function's mutants `x_<function>` and a method's `xǁ<Class>ǁ<method>`
    head = re.split(r"\.x(?:_|ǁ)", mutant, maxsplit=1)[0]
    return head.replace(".", "/") + ".py"


def equivalent() -> dict[str, str]:
    if not EQUIVALENT.exists():
        return {}
    table = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))
    return {name: str(entry.get("why", "")) for name, entry in table.get("mutant", {}).items()}


def run_group(name: str, group: Group) -> dict[str, tuple[int, int, int]]:
    """Per module: (killed, survived, equivalent)."""
    target = WORK / name
    _copy_checkout(target)
    _configure(target, group)
    with (target / "mutmut-run.log").open("w", encoding="utf-8") as log:
        subprocess.run([_mutmut(), "run"], cwd=target, check=True, stdout=log, stderr=log)
    results = _results(target)
    known = equivalent()
    tally: dict[str, Counter[str]] = {m: Counter() for m in group.modules}
    for mutant, status in results.items():
        module = _module(mutant)
        if module not in tally:
            continue
        if status == "survived" and mutant in known:
            tally[module]["equivalent"] += 1
        elif status in ("killed", "timeout", "segfault"):
            tally[module]["killed"] += 1
        else:
            tally[module]["survived"] += 1
            print(f"  survived: {mutant}   (mutmut show {mutant}, in {target})")
    for mutant in known:
        if _module(mutant) in tally and results.get(mutant) != "survived":
            print(f"  stale in {EQUIVALENT.name}: {mutant} is {results.get(mutant, 'gone')}")
    return {m: (c["killed"], c["survived"], c["equivalent"]) for m, c in tally.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=", ".join(GROUPS))
    parser.add_argument("--check", action="store_true", help=f"exit 1 under {FLOOR:.0%}")
    args = parser.parse_args()
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {', '.join(unknown)}; the groups are {', '.join(GROUPS)}")
    chosen = args.groups or [g for g in GROUPS if g != "ci"]  # ci repeats modules of others
    below = []
    print(f"mutation run of {date.today().isoformat()}: module, killed / judged (equivalent)")
    for name in chosen:
        print(f"[{name}]")
        for module, (killed, survived, same) in run_group(name, GROUPS[name]).items():
            judged = killed + survived
            ratio = killed / judged if judged else 1.0
            print(f"  {module}: {killed}/{judged} = {ratio:.1%} ({same} equivalent)")
            if ratio < FLOOR:
                below.append(module)
    if below:
        print(f"under {FLOOR:.0%}: {', '.join(below)}")
    return 1 if below and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
