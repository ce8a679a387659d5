"""The demo's outputs are byte-identical to the reviewed copies in tests/golden/ (issue 14:
the restructure must not change behaviour).  A deliberate change of an output rewrites the
copies with `python -m tests.helpers.golden`, and the diff is reviewed in the commit."""

from __future__ import annotations

import shutil

import pytest

from tests.helpers.golden import GOLDEN, outputs


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return outputs(with_pdf=shutil.which("pdftotext") is not None)


@pytest.mark.parametrize("name", ["demo.json", "demo.txt", "demo.md", "demo.junit.xml"])
def test_the_demo_output_is_unchanged(fresh: dict[str, str], name: str) -> None:
    assert fresh[name] == (GOLDEN / name).read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_demo_pdf_text_is_unchanged(fresh: dict[str, str]) -> None:
    assert fresh["demo.pdf.txt"] == (GOLDEN / "demo.pdf.txt").read_text(encoding="utf-8")
