"""The benchmarks in bench/ still run against the package as it is (they are run on
demand, so nothing else would notice a renamed function until someone needs a number)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from tests.helpers import ROOT

BENCHES = sorted((ROOT / "bench").glob("bench_*.py"))


def _load(name: str) -> ModuleType:
    path = ROOT / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", BENCHES, ids=lambda p: p.stem)
def test_every_benchmark_imports_and_has_a_main(path) -> None:
    module = _load(path.stem)
    assert callable(module.main)


def test_the_report_benchmark_draws_every_chart_of_the_demo() -> None:
    bench = _load("bench_report")
    result = bench.demo_result("en")
    assert bench._charts(result, "en") > 10
