"""Shared fixtures: a client folder with a config and a data file."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.pipeline.result_cache import OFF_ENV as RESULTS_OFF
from tests.helpers import CONFIG, q3_data, write_wide_csv


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The rule-set cache (auditor/rules/cache.py) of the test session lives in a temporary
    folder, never in the developer's ~/.cache; processes the tests start inherit it.

    Finished results are not kept (auditor/pipeline/result_cache.py): tests that patch
    the code or the clock must see their audit computed; tests/pipeline/test_result_cache.py
    turns it on where it is the subject."""
    previous = {name: os.environ.get(name) for name in ("AUDITOR_CACHE_DIR", RESULTS_OFF)}
    os.environ["AUDITOR_CACHE_DIR"] = str(tmp_path_factory.mktemp("auditor-cache"))
    os.environ[RESULTS_OFF] = "1"
    yield
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def client_dir(tmp_path: Path) -> Path:
    """A folder with audit.yaml and data.csv (the hand-computed 2026-Q3 data)."""
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "audit.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


# ------------------------------------------------------------------ the slow set
# `pytest -m "not slow"` runs the fast set (README "Tests"): everything but the tests that
# start other processes (the CLI as a real process, batch workers, parallel writers) or
# render PDFs and browsers. The whole-module entries are the batch, hostile-output and
# example-workflow suites, which start processes in most of their tests.
SLOW_MODULES = frozenset(
    {
        "tests.pipeline.test_batch",
        "tests.hostile.test_hostile_outputs",
        "tests.hostile.test_hostile_identity",
        "tests.config.test_examples",
        "tests.outputs.test_report_pdf",
        "tests.outputs.test_report_browser",
        "tests.outputs.test_golden_outputs",
        "tests.project.test_packaging",
    }
)
STARTS_A_PROCESS = ("subprocess.", "sys.executable", "ProcessPool", "multiprocessing")


def _starts_a_process(item: pytest.Item) -> bool:
    function = getattr(item, "function", None)
    try:
        source = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        return False
    return any(word in source for word in STARTS_A_PROCESS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow = pytest.mark.slow
    for item in items:
        module = getattr(item, "module", None)
        if (
            item.get_closest_marker("pdf")
            or item.get_closest_marker("browser")
            or getattr(module, "__name__", "") in SLOW_MODULES
            or _starts_a_process(item)
        ):
            item.add_marker(slow)
