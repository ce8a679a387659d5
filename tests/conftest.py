"""Shared fixtures: a client folder with a config and a data file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import CONFIG, q3_data, write_wide_csv


@pytest.fixture
def client_dir(tmp_path: Path) -> Path:
    """A folder with audit.yaml and data.csv (the hand-computed 2026-Q3 data)."""
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "audit.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path
