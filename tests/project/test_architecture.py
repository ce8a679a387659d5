"""The house rules a reader relies on (docs/architecture.md): small modules, short functions.

Layers and import cycles are checked by import-linter (`lint-imports`, in `.ci/run`);
types by `mypy --strict`. These two limits have no tool in the project's lint set.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGE = ROOT / "auditor"
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert not long, f"modules over {MAX_FILE_LINES} lines (split them by job): {long}"


def test_no_function_is_longer_than_the_limit() -> None:
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}"] = length
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_the_limits_are_measured_on_the_package() -> None:
    # the two tests above would pass on an empty or moved package: make sure they read it
    assert len(_modules()) > 100
    assert (PACKAGE / "pipeline" / "runner.py").is_file()
