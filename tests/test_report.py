"""The HTML/PDF report: rendered only from the result dict, escaped, bilingual, fetch-restricted.

Most tests read the HTML string (milliseconds).  The few marked `pdf` render a
real PDF with WeasyPrint, once per case per session, and check it with pypdf
and poppler-utils.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import AuditorError, InputError
from auditor.metrics.catalog import ALL_METRIC_IDS
from auditor.report import charts, pdf
from auditor.report.html import (
    DEFAULT_ACCENT,
    Formats,
    describe_bands,
    logo_path,
    rank_urgent,
    render_html,
)
from auditor.report.i18n import CatalogError, Translator, _check_entry, _placeholders, catalog
from auditor.resources import templates_dir

FIXTURE = Path(__file__).parent / "fixtures" / "result_sample.json"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_MESSAGE = '<link rel="attachment" href="file:///etc/passwd">'
HOSTILE_IMG = '<img src="file:///etc/passwd">'
# The expected ranking of the fixture's fail/warn findings: impact, then score, then id.
RANKED = [
    "behavioral-workflows-share",
    "unsubscribe-rate",
    "closed-loop-coverage",
    "mql-to-sql-rate",
    "spam-complaint-rate",
    "bounce-rate",
    "click-to-open-rate",
]


def sample() -> dict[str, Any]:
    """A fresh copy of the hand-written result (tests may change it)."""
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def hostile() -> dict[str, Any]:
    """The sample with markup, file URLs and CSS in every field a client controls."""
    result = sample()
    result["client"] = HOSTILE_NAME
    result["findings"][2]["message"] = f"{HOSTILE_MESSAGE} {HOSTILE_IMG}"
    result["findings"][2]["title"] = '<a rel="attachment" href="file:///etc/hostname">x</a>'
    result["findings"][2]["recommendation"] = "<script>alert(1)</script>"
    result["source"]["label"] = '<object data="file:///etc/passwd"></object>'
    result["undefined"]["cac_payback_months"] = "<style>@import url(http://127.0.0.1:9/x);</style>"
    result["config"]["report"].update(
        logo="/nonexistent/logo.png",
        agency="<b>Evil &amp; Co</b>",
        accent="red;background:url(http://127.0.0.1:9/css)",
        page_size="A4; margin: 0",
    )
    return result


@pytest.fixture(scope="module")
def html_en() -> str:
    return render_html(sample(), language="en")


@pytest.fixture(scope="module")
def html_es() -> str:
    return render_html(sample(), language="es")


def section(html: str, name: str) -> str:
    """One top-level <section class="name"> of the report."""
    match = re.search(rf'<section class="{name}">(.*?)</section>', html, re.S)
    assert match, f"no section {name}"
    return match.group(1)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# ---------------------------------------------------------------- catalog
def test_catalog_has_the_same_keys_in_both_languages() -> None:
    strings = catalog()
    assert set(strings) == {"es", "en"}
    assert strings["es"].keys() == strings["en"].keys()
    for key in strings["en"]:
        assert _placeholders(strings["es"][key]) == _placeholders(strings["en"][key]), key


def test_catalog_names_and_defines_every_catalog_metric() -> None:
    keys = catalog()["en"].keys()
    missing = [m for m in ALL_METRIC_IDS if f"metric.{m}" not in keys or f"define.{m}" not in keys]
    assert missing == []


@pytest.mark.parametrize(
    "entry",
    [{"es": "hola"}, {"es": "a {x}", "en": "b {y}"}, {"es": "", "en": "b"}, "text"],
)
def test_catalog_refuses_incomplete_entries(entry: object) -> None:
    with pytest.raises(CatalogError):
        _check_entry("some.key", entry)


def test_translator_refuses_unknown_keys() -> None:
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        Translator("en")("no.such.key")


def test_templates_hold_no_human_text_and_no_safe_filter() -> None:
    """Every visible word comes from the catalog; nothing bypasses autoescape."""
    for template in templates_dir().rglob("*.j2"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b", source), template
        stripped = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
        stripped = re.sub(r"<style>.*?</style>|<[^>]+>|&nbsp;", " ", stripped, flags=re.S)
        assert re.sub(r"[\s·:–—()]", "", stripped) == "", (template, stripped.split())


# ------------------------------------------------------------- languages
@pytest.mark.parametrize(
    ("language", "own", "other"),
    [
        ("en", ["Executive summary", "Findings ranked by impact", "Appendix"], "Resumen ejecutivo"),
        ("es", ["Resumen ejecutivo", "Hallazgos por impacto", "Anexo"], "Executive summary"),
    ],
)
def test_each_language_renders_with_its_own_strings(
    language: str, own: list[str], other: str, html_en: str, html_es: str
) -> None:
    html = html_en if language == "en" else html_es
    assert f'<html lang="{language}">' in html
    for text in own:
        assert text in html
    assert other not in html
    t = Translator(language)
    assert t("page.label") in html
    assert t("status.fail") in html


def test_language_defaults_to_the_audits_own() -> None:
    result = sample()
    assert '<html lang="en">' in render_html(result)
    result["language"] = "es"
    assert '<html lang="es">' in render_html(result)


def test_unknown_language_is_bad_input() -> None:
    with pytest.raises(InputError, match="es, en"):
        render_html(sample(), language="fr")


def test_numbers_follow_the_language(html_en: str, html_es: str) -> None:
    assert "€14,100" in html_en
    assert "14.100\u00a0€" in html_es
    assert "1.25%" in html_en
    assert "1,25\u00a0%" in html_es


# ---------------------------------------------------------------- escaping
def test_hostile_client_data_is_escaped_everywhere() -> None:
    html = render_html(hostile(), language="en")
    for raw in (HOSTILE_NAME, HOSTILE_MESSAGE, HOSTILE_IMG, "<script>", "<object", "<b>Evil"):
        assert raw not in html
    assert htmllib.escape(HOSTILE_NAME, quote=False) in html
    assert "&lt;link rel=&#34;attachment&#34; href=&#34;file:///etc/passwd&#34;&gt;" in html
    assert f"<title>{htmllib.escape(HOSTILE_NAME, quote=False)} — 2026-Q3</title>" in html
    assert "&lt;b&gt;Evil &amp;amp; Co&lt;/b&gt;" in html
    # No element that can load anything, and no url() outside the shipped stylesheet.
    assert not re.search(r"<(img|link|a|object|embed|iframe|script|image|base)\b", html)
    shipped, generated = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert "url(" not in generated
    assert "127.0.0.1" not in shipped + generated


def test_hostile_accent_and_page_size_never_reach_css() -> None:
    html = render_html(hostile(), language="en")
    assert f"--accent: {DEFAULT_ACCENT};" in html
    assert "@page { size: A4; }" in html
    assert "background:url" not in html
    generated = re.findall(r"<style>(.*?)</style>", html, re.S)[1]
    assert " ".join(generated.split()) == (
        "@page { size: A4; } :root { --accent: #0b5fff; --accent-soft: #e7efff; }"
    )


def test_valid_accent_and_letter_size_are_used() -> None:
    result = sample()
    result["config"]["report"].update(accent="#AA3300", page_size="Letter")
    html = render_html(result)
    assert "--accent: #aa3300;" in html
    assert "@page { size: letter; }" in html


def test_missing_or_relative_logo_is_left_out(tmp_path: Path) -> None:
    result = sample()
    for logo in ("/nonexistent/logo.png", "logo.png", str(tmp_path / "notes.txt")):
        result["config"]["report"]["logo"] = logo
        assert logo_path(result) is None
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    result["config"]["report"]["logo"] = str(tmp_path / "logo.svg")
    assert logo_path(result) == (tmp_path / "logo.svg").resolve()
    assert f'src="{(tmp_path / "logo.svg").resolve().as_uri()}"' in render_html(result)


# ------------------------------------------------------------------ content
def test_cover_shows_client_period_and_dates(html_en: str) -> None:
    cover = text_of(section(html_en, "cover"))
    assert "Aceros del Sur, S.A." in cover
    assert "2026-Q3 1 July 2026 to 30 September 2026" in cover
    assert "2026-Q2" in cover
    assert "6 October 2026" in cover


def test_undefined_metrics_show_their_reason_never_zero(html_en: str) -> None:
    row = re.search(r'<tr id="metric-cac_payback_months">(.*?)</tr>', html_en, re.S)
    assert row
    assert text_of(row.group(1)) == (
        "CAC payback (months) not measurable: arpa: mrr: not measured in 2026-Q3"
    )
    summary = text_of(section(html_en, "summary"))
    assert "Automation ROI not measurable: revenue_attributed: not measured in 2026-Q3" in summary
    assert "Revenue attributed to marketing not measurable: not measured in 2026-Q3" in summary
    assert "Total cost of automation €14,100" in summary
    assert "Customer acquisition cost (CAC) €1,888" in summary
    for metric in sample()["undefined"]:
        row = re.search(rf'<tr id="metric-{metric}">(.*?)</tr>', html_en, re.S)
        assert row, metric
        assert "not measurable" in row.group(1)
        assert not re.search(r">\s*(€?0|0\s*%|0%)\s*<", row.group(1)), metric


def test_every_metric_is_listed(html_en: str) -> None:
    result = sample()
    for metric in ALL_METRIC_IDS:
        assert metric in result["metrics"] or metric in result["undefined"]
        assert f'id="metric-{metric}"' in html_en


def test_findings_are_ranked_by_impact_then_score(html_en: str) -> None:
    findings = section(html_en, "findings")
    shown = re.findall(
        r'<article class="finding finding-(?:fail|warn)">.*?<code>([^<]+)</code>', findings, re.S
    )
    assert shown == RANKED
    top = re.findall(r'<div class="top-finding top-(\w+)">', section(html_en, "summary"))
    assert top == ["fail", "fail", "fail"]
    summary = text_of(section(html_en, "summary"))
    titles = [f["title"] for f in sample()["findings"] if f["rule"] in RANKED[:3]]
    assert all(title in summary for title in titles)


def test_ranking_breaks_ties_on_score_then_rule() -> None:
    findings = [
        {"rule": "b", "status": "warn", "impact": 4.0, "score": 50.0},
        {"rule": "a", "status": "fail", "impact": 4.0, "score": 0.0},
        {"rule": "c", "status": "pass", "impact": 0.0, "score": 100.0},
        {"rule": "d", "status": "fail", "impact": 6.0, "score": 0.0},
        {"rule": "e", "status": "warn", "impact": 4.0, "score": 50.0},
    ]
    assert [f["rule"] for f in rank_urgent(findings)] == ["d", "a", "b", "e"]


def test_finding_shows_evidence(html_en: str) -> None:
    article = re.search(r'<article class="finding finding-fail">(.*?)</article>', html_en, re.S)
    assert article
    text = text_of(article.group(1))
    for expected in (
        "Workflows are triggered by behaviour",
        "Fail",
        "Measured Pass condition Previous (2026-Q2) Change Confidence",
        "15.38% ≥ 30% Bands: warning < 50% · fail < 30% 25% -9.6 pp normal",
        "Recommendation",
        "Threshold source: Project default",
    ):
        assert expected in text, expected


def test_low_confidence_findings_carry_the_mail_privacy_note(html_en: str) -> None:
    note = "mail-privacy proxies (such as Apple Mail Privacy Protection)"
    findings = section(html_en, "findings")
    assert findings.count(note) == 1
    ctor = findings.split("click-to-open-rate")[1].split("</article>")[0]
    assert note in ctor


def test_other_findings_table_lists_reasons(html_en: str) -> None:
    others = text_of(section(html_en, "findings").split('class="data others"')[1])
    assert "No data" in others
    assert "Not applicable" in others
    assert "revenue_attributed: not measured in 2026-Q3" in others
    assert "accounts_churned is not measured in 2026-07" in others
    assert others.count("Pass") == 7


def test_summary_counts_scores_and_incomplete_category(html_en: str) -> None:
    summary = text_of(section(html_en, "summary"))
    assert "Fail 3 Warning 4 Pass 7 No data 2 Not applicable 3" in summary
    assert "59.9" in summary
    assert "incomplete (coverage 44%)" in summary
    assert 'font-family="Report Sans"' in section(html_en, "summary")


def test_appendix_has_formulas_sources_packs_and_caveats(html_en: str) -> None:
    appendix = text_of(section(html_en, "appendix"))
    assert "(revenue_attributed - automation_tco) / automation_tco" in appendix
    assert "aceros-del-sur_2024-10_2026-09.csv" in appendix
    assert "fa9e57d2473a8d168fc5efbd5409e3247b1b79e98ee93de2ff4b95d2bfc53f0e" in appendix
    assert "Apple Mail Privacy Protection" in appendix
    assert "lower bound" in appendix


# ------------------------------------------------------------- formatting
def test_bands_are_formatted_in_the_metric_unit() -> None:
    t, fmt = Translator("en"), Formats("en", "EUR")
    finding = {
        "unit": "ratio",
        "threshold": "< 0.01",
        "thresholds": {"warn": {"at_least": 0.003}, "fail": {"at_least": 0.01}},
    }
    assert describe_bands(finding, t, fmt) == ("< 1%", ["warning ≥ 0.3%", "fail ≥ 1%"])
    finding = {"unit": "money", "threshold": "x", "thresholds": {"fail": {"between": [100, 250]}}}
    assert describe_bands(finding, t, fmt) == (
        "outside €100 – €250",
        ["fail between €100 and €250"],
    )
    assert describe_bands(
        {"unit": "count", "threshold": "> 3", "thresholds": {"fail": {"odd": 1}}}, t, fmt
    ) == ("> 3", [])


def test_changes_are_points_for_rates_and_relative_otherwise() -> None:
    en = Formats("en", "EUR")
    assert en.change(0.0125, 0.0024, 4.2, "ratio") == "+1\u00a0pp"
    assert en.change(120.0, 100.0, 0.2, "count") == "+20%"
    assert en.change(80.0, 100.0, -0.2, "money") == "-20%"
    assert en.change(5.0, None, None, "count") == "—"
    assert Formats("es", "EUR").change(80.0, 100.0, -0.2, "count") == "-20\u00a0%"


def test_chart_labels_are_escaped_and_use_the_report_font() -> None:
    svg = charts.score_bars([charts.Bar("<b>x</b>", 120.0, "<i>")], title='"t"')
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert "&lt;i&gt;" in svg
    assert svg.startswith("<svg")
    assert 'font-family="Report Sans"' in svg
    assert 'width="260.0"' in svg  # clamped to 100
    ring = charts.score_ring(None, text="—", caption="c", title="t")
    assert 'font-family="Report Sans"' in ring
    assert "stroke-dasharray" not in ring
    bad = charts.Bar("x", "50); <script>", "y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="could not convert"):
        charts.score_bars([bad], title="t")


# -------------------------------------------------------- import behaviour
def test_cli_and_report_modules_do_not_import_weasyprint() -> None:
    code = (
        "import sys, auditor.cli, auditor.report.pdf, auditor.report.html; "
        "sys.exit(1 if 'weasyprint' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_missing_system_libraries_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str) -> None:
        raise OSError("cannot load library 'libpango-1.0-0': No such file")

    monkeypatch.setattr(pdf, "import_module", broken)
    with pytest.raises(pdf.RendererUnavailable) as caught:
        pdf.write_pdf(sample(), Path("/nonexistent/never.pdf"))
    assert isinstance(caught.value, AuditorError)
    assert caught.value.exit_code == 2
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in str(
        caught.value
    )


# ------------------------------------------------------------ real PDFs
def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    """Text of a PDF (poppler when available, else pypdf)."""
    if shutil.which("pdftotext"):
        pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
        out = subprocess.run(
            ["pdftotext", *pages, "-layout", str(path), "-"],
            capture_output=True,
            check=True,
            text=True,
        )
        return out.stdout
    from pypdf import PdfReader

    reader = PdfReader(path)
    chosen = reader.pages[(first or 1) - 1 : last or len(reader.pages)]
    return "\n".join(page.extract_text() for page in chosen)


def attachment_count(path: Path) -> int | None:
    """Embedded files according to `pdfdetach -list`; None when the tool is missing."""
    if not shutil.which("pdfdetach"):
        return None
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


@pytest.fixture(scope="session")
def logo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("logo") / "logo.svg"
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30">'
        '<rect width="120" height="30" rx="4" fill="#ffffff"/></svg>',
        encoding="utf-8",
    )
    return path.resolve()


@pytest.fixture(scope="session")
def en_pdf(
    tmp_path_factory: pytest.TempPathFactory, logo_file: Path
) -> tuple[Path, pdf.RenderedPdf]:
    result = sample()
    result["config"]["report"].update(logo=str(logo_file), agency="Norte Consultores")
    rendered = pdf.render_pdf(result, language="en")
    path = tmp_path_factory.mktemp("en") / "report_en.pdf"
    path.write_bytes(rendered.data)
    return path, rendered


@pytest.fixture(scope="session")
def es_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("es") / "out" / "report_es.pdf"
    pdf.write_pdf(sample(), target, language="es")
    return target


@pytest.fixture(scope="session")
def hostile_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pdf.RenderedPdf]:
    rendered = pdf.render_pdf(hostile(), language="en")
    path = tmp_path_factory.mktemp("hostile") / "hostile.pdf"
    path.write_bytes(rendered.data)
    return path, rendered


@pytest.mark.pdf
def test_english_pdf_text_and_metadata(en_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    from pypdf import PdfReader

    path, rendered = en_pdf
    first = pdf_text(path, 1, 1)
    assert "Aceros del Sur, S.A." in first
    assert f"Page 1 of {rendered.pages}" in first
    assert "Norte Consultores" in first
    assert 8 <= rendered.pages <= 20
    reader = PdfReader(path)
    assert len(reader.pages) == rendered.pages
    assert reader.metadata is not None
    assert reader.metadata.title == "Aceros del Sur, S.A. — 2026-Q3"
    assert reader.metadata.author == "Norte Consultores"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Executive summary" in pdf_text(path, 2, 2)


@pytest.mark.pdf
def test_english_pdf_fetches_only_templates_and_the_logo(
    en_pdf: tuple[Path, pdf.RenderedPdf], logo_file: Path
) -> None:
    path, rendered = en_pdf
    assert_fetched_only_allowed(rendered.log, frozenset({logo_file}))
    assert str(logo_file) in rendered.log.fetched
    assert rendered.log.warnings == []
    assert attachment_count(path) in (0, None)


@pytest.mark.pdf
def test_pdf_embeds_only_the_shipped_fonts(en_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run(["pdffonts", str(en_pdf[0])], capture_output=True, check=True, text=True)
    fonts = [line.split()[0] for line in out.stdout.splitlines()[2:]]
    assert fonts
    # Named after the @font-face family; no synthesized or system face (e.g. an oblique).
    assert {name.split("+")[-1] for name in fonts} == {"Report-Sans", "Report-Sans-Bold"}


@pytest.mark.pdf
def test_spanish_pdf_is_written_atomically_with_its_own_strings(es_pdf: Path) -> None:
    from pypdf import PdfReader

    assert [p.name for p in es_pdf.parent.iterdir()] == [es_pdf.name]
    first = pdf_text(es_pdf, 1, 1)
    assert "Aceros del Sur, S.A." in first
    assert "Página 1 de" in first
    assert "auditoría de automatización de marketing" in first.lower()
    reader = PdfReader(es_pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == "Aceros del Sur, S.A. — 2026-Q3"
    assert reader.metadata.author == "auditor"
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert attachment_count(es_pdf) in (0, None)


@pytest.mark.pdf
def test_hostile_result_reads_no_other_file(hostile_pdf: tuple[Path, pdf.RenderedPdf]) -> None:
    path, rendered = hostile_pdf
    assert_fetched_only_allowed(rendered.log)
    assert not any("passwd" in f or "nonexistent" in f for f in rendered.log.fetched)
    text = " ".join(pdf_text(path).split())
    assert HOSTILE_NAME in text
    assert "/etc/passwd" in text  # printed as text, never fetched
    assert attachment_count(path) in (0, None)
    from pypdf import PdfReader

    assert PdfReader(path).attachments == {}


@pytest.mark.pdf
def test_fetcher_refuses_everything_but_data_templates_and_logo(
    logo_file: Path, tmp_path: Path
) -> None:
    from weasyprint.urls import FatalURLFetchingError

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
        root.as_uri() + "/../../../../etc/passwd",
        root.as_uri() + "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        (logo_file.parent / "other.svg").as_uri(),
        (tmp_path / "escape.css").as_uri(),
        "file://remote-host/share/x.css",
        "http://127.0.0.1:9/x.css",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "file:///dev/zero",
    ]
    for url in refused:
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    assert log.refused == [u[:200] for u in refused]
    assert all(
        f == "data:" or Path(f).is_relative_to(root) or Path(f) == logo_file for f in log.fetched
    )


@pytest.mark.pdf
def test_failed_render_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A template regression that loads a URL aborts the render; no file, no temp file."""
    original = pdf.render_html

    def leaky(result: dict[str, Any], *, language: str | None = None) -> str:
        page = original(result, language=language)
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


@pytest.mark.pdf
def test_first_page_renders_to_an_image(
    en_pdf: tuple[Path, pdf.RenderedPdf], tmp_path: Path
) -> None:
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "30",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(en_pdf[0]),
            str(tmp_path / "p1"),
        ],
        check=True,
    )
    assert (tmp_path / "p1.png").stat().st_size > 2000
