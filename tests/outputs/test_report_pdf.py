"""The PDF report: real WeasyPrint renders, checked with poppler-utils and pypdf.

Each PDF is rendered once per module (about 2 s each) and every test reads it.
The hostile render runs against a real HTTP server on 127.0.0.1: WeasyPrint
fetches with urllib, which a mocking library for `requests` could not see.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from auditor.core.resources import templates_dir
from auditor.outputs.report import pdf
from tests.outputs.test_report import SECTIONS_EN, sample

pytestmark = pytest.mark.pdf

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdfdetach")),
    reason="poppler-utils (pdftotext, pdfdetach) is not installed",
)


def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    """Text of a PDF page range with poppler's layout mode."""
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    out = subprocess.run(
        ["pdftotext", *pages, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return out.stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def attachment_count(path: Path) -> int:
    """Embedded files according to `pdfdetach -list`."""
    out = subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, check=True, text=True
    )
    match = re.match(r"(\d+) embedded files", out.stdout)
    assert match, out.stdout
    return int(match.group(1))


def assert_fetched_only_allowed(
    log: pdf.RenderLog, allowed_files: frozenset[Path] = frozenset()
) -> None:
    root = templates_dir().resolve()
    for fetched in log.fetched:
        path = Path(fetched)
        assert path.is_relative_to(root) or path in allowed_files, fetched
    assert log.refused == []
    assert log.errors == []


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def logo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("client") / "logo.svg"
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">'
        '<rect width="120" height="30" rx="4" fill="#173f7a"/></svg>',
        encoding="utf-8",
    )
    return path.resolve()


@pytest.fixture(scope="module")
def en_pdf(
    tmp_path_factory: pytest.TempPathFactory, logo_file: Path
) -> tuple[Path, pdf.RenderedPdf]:
    result = sample()
    result["config"]["report"].update(logo=str(logo_file), agency="Norte Consultores")
    rendered = pdf.render_pdf(result, language="en")
    path = tmp_path_factory.mktemp("en") / "report_en.pdf"
    path.write_bytes(rendered.data)
    return path, rendered


@pytest.fixture(scope="module")
def es_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("es") / "out" / "report_es.pdf"
    pdf.write_pdf(sample(), target, language="es")
    return target


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { background: red }")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A real server on a random local port that records every request it gets."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def hostile_result(base: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The sample with markup, URLs to the server, file URLs and CSS wherever data goes."""
    strings = {
        "client": f'<img src="{base}/client.png">',
        "title": f'<link rel=stylesheet href="{base}/title.css">',
        "label": '<link rel="attachment" href="file:///proc/self/environ">',
        "agency": f'<a rel="attachment" href="{base}/agency.bin">Evil</a>',
        "source": f'x" style="background:url({base}/style.png)',
        "message": f"<style>@import url({base}/import.css);</style>",
        "reason": f'<svg><image href="{base}/svg.png"/></svg>',
    }
    result = sample()
    result["client"] = strings["client"]
    finding = result["findings"][2]  # behavioral-workflows-share, the first card
    finding["title"] = strings["title"]
    finding["labels"] = [strings["label"]]
    finding["message"] = strings["message"]
    finding["recommendation"] = f'<object data="{base}/object"></object>'
    result["source"]["label"] = strings["source"]
    result["source"]["provenance"]["path"] = f"url({base}/provenance.css)"
    result["undefined"]["cac_payback_months"] = strings["reason"]
    result["warnings"] = [f'<base href="{base}/"><img src="relative.png">']
    result["trend"]["periods"][0] = f'<image href="{base}/period.png"/>'
    result["trend"]["metrics"]["emails_sent"][1] = f"url({base}/value)"
    result["config"]["report"].update(
        logo=f"{base}/logo.png",
        agency=strings["agency"],
        accent=f"red;background:url({base}/accent.png)",
        page_size=f"A4; background: url({base}/page.png)",
    )
    return result, strings


@pytest.fixture(scope="module")
def hostile_pdf(
    tmp_path_factory: pytest.TempPathFactory, http_server: tuple[str, list[str]]
) -> tuple[Path, pdf.RenderedPdf, dict[str, str], list[str]]:
    base, hits = http_server
    result, strings = hostile_result(base)
    rendered = pdf.render_pdf(result, language="en")
    path = tmp_path_factory.mktemp("hostile") / "hostile.pdf"
    path.write_bytes(rendered.data)
    return path, rendered, strings, hits


# -------------------------------------------------------------------- tests
@needs_poppler
def test_english_pdf_text_and_metadata(en_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    from pypdf import PdfReader

    path, rendered = en_pdf
    first = pdf_text(path, 1, 1)
    assert "Aceros del Sur, S.A." in first
    assert f"Page 1 of {rendered.pages}" in first
    assert "Norte Consultores" in first
    assert 12 <= rendered.pages <= 24
    reader = PdfReader(path)
    assert len(reader.pages) == rendered.pages
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Aceros del Sur, S.A. — 2026-Q3"
    assert meta.author == "Norte Consultores"
    assert meta.subject == "Marketing automation audit · 2026-Q3"
    assert meta["/Keywords"] == "marketing automation, audit, KPIs, Aceros del Sur, S.A., 2026-Q3"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    # Running header with client and period on every page but the cover.
    for page in range(2, rendered.pages + 1):
        text = pdf_text(path, page, page)
        assert "Aceros del Sur, S.A." in text.splitlines()[0], page
        assert "Marketing automation audit · 2026-Q3" in text.splitlines()[0], page
        assert f"Page {page} of {rendered.pages}" in text, page


@needs_poppler
def test_sections_appear_in_order(en_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    text = pdf_text(en_pdf[0], 2)
    positions = []
    for heading in SECTIONS_EN:
        match = re.search(
            rf"^\s*{re.escape(heading)}\b(?!.*\.\.\.)", text[max(positions or [0]) :], re.M
        )
        assert match, heading
        positions.append(max(positions or [0]) + match.start())
    assert positions == sorted(positions)
    assert "Conversion funnel" in text


@needs_poppler
def test_toc_page_numbers_match_the_bookmarks(en_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    from pypdf import PdfReader

    path, _ = en_pdf
    reader = PdfReader(path)
    outline = reader.outline
    top = [item for item in outline if not isinstance(item, list)]
    titles = [item.title for item in top]
    assert titles == SECTIONS_EN[1:]  # the cover and the contents page are not bookmarked
    pages = {item.title: reader.get_destination_page_number(item) + 1 for item in top}
    toc = pdf_text(path, 2, 2)
    for title, page in pages.items():
        match = re.search(rf"^\s*{re.escape(title)}\s*\.+\s*(\d+)\s*$", toc, re.M)
        assert match, title
        assert int(match.group(1)) == page, title
        assert title in pdf_text(path, page, page)
    # Findings are bookmarked under their section.
    position = next(
        i for i, item in enumerate(outline) if getattr(item, "title", None) == titles[1]
    )
    children = outline[position + 1]
    assert isinstance(children, list)
    assert children[0].title == "Workflows are triggered by behaviour"


@needs_poppler
def test_numbers_are_formatted_per_language(
    en_pdf: tuple[Path, pdf.RenderedPdf], es_pdf: Path
) -> None:
    en, es = flat(pdf_text(en_pdf[0])), flat(pdf_text(es_pdf))
    assert "€14,100" in en
    assert "14.100 €" in es
    assert "Unsubscribe rate 1.25% 0.24% +1 pp" in en
    assert "Tasa de baja 1,25 % 0,24 % +1 pp" in es
    assert "Página 3 de" in es


@needs_poppler
def test_long_tables_repeat_their_header(en_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    path, rendered = en_pdf
    pages = [pdf_text(path, p, p) for p in range(1, rendered.pages + 1)]
    kpi_pages = [i for i, text in enumerate(pages) if "ltv_to_cac" in text and "FORMULA" in text]
    start = next(i for i, text in enumerate(pages) if "KPI definitions and formulas" in text)
    assert kpi_pages
    assert kpi_pages[0] > start
    assert re.search(r"KPI\s+DEFINITION\s+FORMULA", pages[kpi_pages[0]])


@needs_poppler
def test_english_pdf_fetches_only_templates_and_the_logo(
    en_pdf: tuple[Path, pdf.RenderedPdf], logo_file: Path
) -> None:
    path, rendered = en_pdf
    assert_fetched_only_allowed(rendered.log, frozenset({logo_file}))
    assert str(logo_file) in rendered.log.fetched
    assert rendered.log.warnings == []
    assert attachment_count(path) == 0


def test_pdf_embeds_only_the_shipped_fonts(en_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run(["pdffonts", str(en_pdf[0])], capture_output=True, check=True, text=True)
    fonts = [line.split()[0] for line in out.stdout.splitlines()[2:]]
    assert fonts
    # Named after the @font-face family, SVG text included; no system or synthesized face.
    assert {name.split("+")[-1] for name in fonts} == {"Report-Sans", "Report-Sans-Bold"}


@needs_poppler
def test_spanish_pdf_is_written_atomically_with_its_own_strings(es_pdf: Path) -> None:
    from pypdf import PdfReader

    assert [p.name for p in es_pdf.parent.iterdir()] == [es_pdf.name]
    first = pdf_text(es_pdf, 1, 1)
    assert "Aceros del Sur, S.A." in first
    assert "Página 1 de" in first
    assert "auditoría de automatización de marketing" in first.lower()
    text = pdf_text(es_pdf)
    for heading in ("Índice", "Resumen ejecutivo", "Embudo de conversión", "Anexo"):
        assert heading in text
    reader = PdfReader(es_pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == "Aceros del Sur, S.A. — 2026-Q3"
    assert reader.metadata.author == "auditor"
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert attachment_count(es_pdf) == 0


@needs_poppler
def test_hostile_data_fetches_nothing_and_prints_literally(
    hostile_pdf: tuple[Path, pdf.RenderedPdf, dict[str, str], list[str]],
) -> None:
    from pypdf import PdfReader

    path, rendered, strings, hits = hostile_pdf
    assert hits == []  # the server saw zero requests
    assert_fetched_only_allowed(rendered.log)  # and nothing was even attempted
    assert attachment_count(path) == 0
    assert PdfReader(path).attachments == {}
    # Long strings wrap at any line-break opportunity: compare without whitespace.
    text = "".join(pdf_text(path).split())
    for key in ("client", "title", "label", "agency", "source", "reason"):
        assert "".join(strings[key].split()) in text, key
    assert "/import.css);</style>" in text


def test_fetcher_refuses_everything_but_data_templates_and_logo(
    logo_file: Path, tmp_path: Path, http_server: tuple[str, list[str]]
) -> None:
    from weasyprint.urls import FatalURLFetchingError

    base, hits = http_server
    result = sample()
    result["config"]["report"]["logo"] = str(logo_file)
    log = pdf.RenderLog()
    fetcher = pdf.make_fetcher(result, log)
    root = templates_dir().resolve()
    assert fetcher.fetch((root / "report.css").as_uri()).read().startswith(b"/*")
    assert fetcher.fetch(logo_file.as_uri()).read().startswith(b"<svg")
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
    (tmp_path / "escape.css").symlink_to("/etc/passwd")
    refused = [
        "file:///etc/passwd",
        "file:///proc/self/environ",
        root.as_uri() + "/../../../../etc/passwd",
        root.as_uri() + "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        (logo_file.parent / "other.svg").as_uri(),
        (tmp_path / "escape.css").as_uri(),
        "file://remote-host/share/x.css",
        f"{base}/direct.css",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "file:///dev/zero",
    ]
    for url in refused:
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    assert log.refused == [u[:200] for u in refused]
    assert hits == []
    assert all(
        f == "data:" or Path(f).is_relative_to(root) or Path(f) == logo_file for f in log.fetched
    )


def test_failed_render_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A template regression that loads a URL aborts the render; no file, no temp file."""
    original = pdf.render_html

    def leaky(result: dict[str, Any], **kwargs: Any) -> str:
        page = original(result, **kwargs)
        return page.replace(
            "</head>", '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>'
        )

    monkeypatch.setattr(pdf, "render_html", leaky)
    target = tmp_path / "report.pdf"
    with pytest.raises(pdf.RenderError, match=r"127\.0\.0\.1"):
        pdf.write_pdf(sample(), target)
    assert list(tmp_path.iterdir()) == []
    target.write_bytes(b"previous report")
    with pytest.raises(pdf.RenderError):
        pdf.write_pdf(sample(), target)
    assert target.read_bytes() == b"previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_pages_render_to_images(en_pdf: tuple[Path, pdf.RenderedPdf], tmp_path: Path) -> None:
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    path, rendered = en_pdf
    subprocess.run(["pdftoppm", "-png", "-r", "20", str(path), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == rendered.pages
    assert all(image.stat().st_size > 1500 for image in images)  # no blank page
