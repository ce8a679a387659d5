"""The report's compiled templates are kept between processes (core/cache.py's folder):
a second process renders the same HTML without compiling a template."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment

from auditor.core.cache import CACHE_ENV
from auditor.outputs.report import environment
from auditor.outputs.report.html import render_html
from tests.outputs.test_report import sample


def test_a_second_process_renders_the_report_without_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    environment.environment.cache_clear()
    first = render_html(sample(), standalone=False)
    assert list((tmp_path / "report-templates").iterdir())
    environment.environment.cache_clear()  # a new process: no environment in memory

    def no_compiling(*args, **kwargs):
        raise AssertionError("a report template was compiled again")

    monkeypatch.setattr(Environment, "compile", no_compiling)
    assert render_html(sample(), standalone=False) == first
    environment.environment.cache_clear()
