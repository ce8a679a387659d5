"""The wheel ships the rule packs, report templates, fonts and demo client."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("auditor-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_contains_shipped_data(wheel_names):
    for pack in (ROOT / "rules").glob("*.yaml"):
        assert f"auditor/_data/rules/{pack.name}" in wheel_names
    assert "auditor/_data/rules/registry/citations.yaml" in wheel_names
    for template in (ROOT / "report_templates").rglob("*"):
        if template.is_file():
            relative = template.relative_to(ROOT / "report_templates").as_posix()
            assert f"auditor/_data/report_templates/{relative}" in wheel_names
    assert "auditor/demo/demo.yaml" in wheel_names
    assert "auditor/demo/data.csv" in wheel_names


def test_wheel_registers_the_file_connector(wheel, wheel_names):
    (name,) = [n for n in wheel_names if n.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(name).decode()
    section = text.split("[auditor.connectors]")[1].split("[")[0]
    assert "file = auditor.connectors.file:FileConnector" in section
    assert "auditor = auditor.cli.main:main" in text


def test_the_built_in_connectors_are_the_registered_ones() -> None:
    """The registry knows the built-ins directly (a source checkout needs no install) and
    pyproject.toml registers them as entry points, as plug-ins are: the two never drift."""
    import tomllib

    from auditor.connectors import registry

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    registered = project["project"]["entry-points"]["auditor.connectors"]
    assert registered == registry._BUILTIN
