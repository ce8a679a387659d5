"""The HTML report: rendered only from the result dict, escaped, bilingual, charted.

These tests read the HTML string (milliseconds).  The PDF is checked in
test_report_pdf.py and the standalone HTML in a real browser in
test_report_browser.py.
"""

from __future__ import annotations

import html as htmllib
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.core.errors import AuditorError, InputError
from auditor.core.resources import templates_dir
from auditor.core.strings import (
    CatalogError,
    Translator,
    _check_entry,
    _placeholders,
    catalog,
)
from auditor.metrics.catalog import ALL_METRIC_IDS, CATEGORIES
from auditor.metrics.catalog import short_name as catalog_short_name
from auditor.outputs import charts
from auditor.outputs.charts import svg as chart_svg
from auditor.outputs.numbers import Formats
from auditor.outputs.report import pdf
from auditor.outputs.report.html import render_html
from auditor.outputs.report.sections import FUNNEL, TREND_CHARTS
from auditor.outputs.report.settings import DEFAULT_ACCENT, logo_path
from auditor.outputs.view import describe_bands, rank_urgent
from tests.helpers import TESTS

FIXTURE = TESTS / "fixtures" / "result_sample.json"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_MESSAGE = '<link rel="attachment" href="file:///etc/passwd">'
HOSTILE_IMG = '<img src="file:///etc/passwd">'
# The expected ranking of the fixture's fail/warn findings: impact, then score, then id.
RANKED = [  # every failure above every warning, then impact within a status
    "behavioral-workflows-share",
    "unsubscribe-rate",
    "closed-loop-coverage",
    "unsubscribe-rate-trend",
    "mql-to-sql-rate",
    "spam-complaint-rate",
    "bounce-rate",
    "click-to-open-rate",
]
SECTIONS_EN = [
    "Contents",
    "Executive summary",
    "Findings ranked by impact",
    "Activity",
    "Response",
    "Efficiency",
    "Value",
    "Appendix",
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
    result["findings"][2]["labels"] = ['<img src="file:///etc/passwd">']
    result["source"]["label"] = '<object data="file:///etc/passwd"></object>'
    result["source"]["provenance"]["path"] = "<embed src=file:///etc/passwd>"
    result["undefined"]["cac_payback_months"] = "<style>@import url(http://127.0.0.1:9/x);</style>"
    result["warnings"] = ['<base href="file:///etc/">']
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
    """One top-level <section class="name" ...> (or id="sec-name") of the report."""
    match = re.search(rf'<section class="{name}"[^>]*>(.*?)</section>', html, re.S) or re.search(
        rf'<section class="[^"]*" id="sec-{name}">(.*?)</section>', html, re.S
    )
    assert match, f"no section {name}"
    return match.group(1)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment (no <title> or <style>), whitespace collapsed."""
    fragment = re.sub(r"<(title|style)>.*?</\1>", " ", fragment, flags=re.S)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()  # keeps no-break spaces


def svgs(fragment: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", fragment, re.S)


# ---------------------------------------------------------------- catalog
def test_catalog_has_the_same_keys_in_both_languages() -> None:
    strings = catalog()
    assert set(strings) == {"es", "en"}
    assert strings["es"].keys() == strings["en"].keys()
    for key in strings["en"]:
        assert _placeholders(strings["es"][key]) == _placeholders(strings["en"][key]), key


def test_every_charted_metric_has_a_short_name_or_a_name() -> None:
    charted = {m for charts_ in TREND_CHARTS.values() for _, ids in charts_ for m in ids}
    for metric_id in charted:
        for language in ("es", "en"):
            assert catalog_short_name(metric_id, language), (metric_id, language)


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
        ("en", SECTIONS_EN, "Resumen ejecutivo"),
        (
            "es",
            ["Índice", "Resumen ejecutivo", "Hallazgos por impacto", "Embudo de conversión"],
            "Executive summary",
        ),
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
    summary_en, summary_es = (
        text_of(section(html_en, "summary")),
        text_of(section(html_es, "summary")),
    )
    assert "Customer acquisition cost (CAC) €1,888" in summary_en
    assert "Coste de captación de cliente (CAC) 1.888\u00a0€" in summary_es
    assert "€14,100" in summary_en
    assert "14.100\u00a0€" in summary_es
    row_en = re.search(r'<tr id="metric-unsubscribe_rate">(.*?)</tr>', html_en, re.S)
    row_es = re.search(r'<tr id="metric-unsubscribe_rate">(.*?)</tr>', html_es, re.S)
    assert row_en
    assert row_es
    assert text_of(row_en.group(1)) == "Unsubscribe rate 1.25% 0.24% +1\u00a0pp"
    assert text_of(row_es.group(1)) == "Tasa de baja 1,25\u00a0% 0,24\u00a0% +1\u00a0pp"
    # Numbers sit in right-aligned cells.
    assert '<td class="num strong">1.25%</td>' in html_en


# ---------------------------------------------------------------- escaping
def test_hostile_client_data_is_escaped_everywhere() -> None:
    html = render_html(hostile(), language="en")
    for raw in (HOSTILE_NAME, HOSTILE_MESSAGE, HOSTILE_IMG, "<script>", "<object", "<b>Evil"):
        assert raw not in html
    assert htmllib.escape(HOSTILE_NAME, quote=False) in html
    assert "&lt;link rel=&#34;attachment&#34; href=&#34;file:///etc/passwd&#34;&gt;" in html
    assert f"<title>{htmllib.escape(HOSTILE_NAME, quote=False)} — 2026-Q3</title>" in html
    assert "&lt;b&gt;Evil &amp;amp; Co&lt;/b&gt;" in html
    assert "&lt;embed src=file:///etc/passwd&gt;" in html
    assert "&lt;base href=&#34;file:///etc/&#34;&gt;" in html
    # No element that can load anything; links only to the report's own anchors.
    assert not re.search(r"<(img|link|object|embed|iframe|script|image|base)\b", html)
    assert set(re.findall(r"<a\b[^>]*>", html)) <= {
        f'<a href="#sec-{name}">'
        for name in (
            "summary",
            "findings",
            *CATEGORIES,
            "funnel",
            "appendix",
            "kpis",
            "definitions",
            "sources",
            "unmeasured",
            "packs",
            "caveats",
        )
    }
    assert not re.search(r"\b(src|href|style)=\"(?!#|data:)", html.split("</head>")[1])
    faces, shipped, generated = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert re.findall(r"url\((?!data:)", faces + generated) == []
    assert "url(" not in shipped
    assert "127.0.0.1" not in faces + shipped + generated


def test_hostile_accent_and_page_size_never_reach_css() -> None:
    html = render_html(hostile(), language="en")
    assert f"--accent: {DEFAULT_ACCENT};" in html
    assert "@page { size: A4; }" in html
    assert "background:url" not in html
    generated = re.findall(r"<style>(.*?)</style>", html, re.S)[2]
    assert " ".join(generated.split()) == (
        "@page { size: A4; } :root { --accent: #0b5fff; --accent-soft: #e7efff; }"
    )


def test_valid_accent_and_letter_size_are_used() -> None:
    result = sample()
    result["config"]["report"].update(accent="#AA3300", page_size="Letter")
    html = render_html(result)
    assert "--accent: #aa3300;" in html
    assert "@page { size: letter; }" in html


def test_logo_is_inline_in_the_html_and_a_file_for_the_pdf(tmp_path: Path) -> None:
    result = sample()
    for logo in ("/nonexistent/logo.png", "logo.png", str(tmp_path / "notes.txt")):
        result["config"]["report"]["logo"] = logo
        assert logo_path(result) is None
        assert "<img" not in render_html(result)
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    result["config"]["report"]["logo"] = str(tmp_path / "logo.svg")
    assert logo_path(result) == (tmp_path / "logo.svg").resolve()
    assert 'src="data:image/svg+xml;base64,' in render_html(result)
    for_pdf = render_html(result, standalone=False)
    assert f'src="{(tmp_path / "logo.svg").resolve().as_uri()}"' in for_pdf


def test_fonts_are_inline_in_the_html_and_files_for_the_pdf() -> None:
    standalone = render_html(sample())
    for_pdf = render_html(sample(), standalone=False)
    assert standalone.count("url(data:font/woff2;base64,") == 2
    assert "fonts/DejaVuSans" not in standalone
    assert "url(fonts/DejaVuSans.ttf)" in for_pdf
    assert "url(fonts/DejaVuSans-Bold.ttf)" in for_pdf
    assert "data:font" not in for_pdf
    assert len(standalone.encode()) < 400_000


# ------------------------------------------------------------------ content
def test_sections_come_in_order(html_en: str) -> None:
    headings = [text_of(h) for h in re.findall(r"<h1\b[^>]*>(.*?)</h1>", html_en, re.S)]
    assert [h.split(" · ")[0] for h in headings[1:]] == SECTIONS_EN
    assert headings[0] == "Aceros del Sur, S.A."


def test_table_of_contents_links_every_section(html_en: str) -> None:
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', html_en, re.S)
    assert toc
    entries = re.findall(r'<li class="toc-(\d)"><a href="#([\w-]+)">(.*?)</a>', toc.group(1))
    assert [label for level, _, label in entries if level == "1"] == SECTIONS_EN[1:]
    assert ("2", "sec-funnel", "Conversion funnel") in entries
    for _, anchor, _ in entries:
        assert f'id="{anchor}"' in html_en, anchor


def test_cover_shows_client_period_and_dates(html_en: str) -> None:
    cover = text_of(section(html_en, "cover"))
    assert "Aceros del Sur, S.A." in cover
    assert "2026-Q3 1 July 2026 to 30 September 2026" in cover
    assert "2026-Q2" in cover
    assert "6 October 2026" in cover


def test_metadata_for_the_pdf(html_en: str, html_es: str) -> None:
    head = html_en.split("</head>")[0]
    assert "<title>Aceros del Sur, S.A. — 2026-Q3</title>" in head
    assert '<meta name="author" content="auditor">' in head
    assert '<meta name="description" content="Marketing automation audit · 2026-Q3">' in head
    assert (
        '<meta name="keywords" content="marketing automation, audit, KPIs, '
        'Aceros del Sur, S.A., 2026-Q3">' in head
    )
    assert '<meta name="description" content="Auditoría de automatización de marketing' in html_es


def test_undefined_metrics_show_their_reason_never_zero(html_en: str) -> None:
    row = re.search(r'<tr id="metric-cac_payback_months">(.*?)</tr>', html_en, re.S)
    assert row
    assert text_of(row.group(1)) == (
        "CAC payback (months) not measurable: arpa: mrr: not measured in 2026-Q3"
    )
    summary = text_of(section(html_en, "summary"))
    assert "Automation ROI not measurable: revenue_attributed: not measured in 2026-Q3" in summary
    assert "Revenue attributed to marketing not measurable: not measured in 2026-Q3" in summary
    assert "Total cost of automation €14,100 0% vs. 2026-Q2" in summary
    assert "Customer acquisition cost (CAC) €1,888 +41.2% vs. 2026-Q2" in summary
    for metric in sample()["undefined"]:
        row = re.search(rf'<tr id="metric-{metric}">(.*?)</tr>', html_en, re.S)
        assert row, metric
        assert "not measurable" in row.group(1)
        assert not re.search(r">\s*(€?0|0\s*%|0%)\s*<", row.group(1)), metric


def test_every_metric_is_listed_in_its_category(html_en: str) -> None:
    result = sample()
    for metric in ALL_METRIC_IDS:
        assert metric in result["metrics"] or metric in result["undefined"]
        assert html_en.count(f'id="metric-{metric}"') == 1
    activity = section(html_en, "activity")
    assert 'id="metric-emails_sent"' in activity
    assert 'id="metric-cac"' not in activity


def test_findings_are_ranked_by_impact_then_score(html_en: str) -> None:
    findings = section(html_en, "findings")
    shown = re.findall(
        r'<article class="finding finding-(?:fail|warn)"[^>]*>.*?<code>([^<]+)</code>',
        findings,
        re.S,
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


def _card(html: str, rule: str) -> str:
    for card in re.findall(r"<article\b.*?</article>", html, re.S):
        if f"<code>{rule}</code>" in card:
            return card
    raise AssertionError(f"no card for {rule}")


def test_finding_shows_evidence_and_trend(html_en: str) -> None:
    card = _card(html_en, "behavioral-workflows-share")
    text = text_of(card)
    for expected in (
        "Workflows are triggered by behaviour",
        "Fail",
        "Measured Pass condition Previous (2026-Q2) Change Confidence Trend",
        # pass means matching neither band: at least the warn band's 50%
        "15.38% ≥ 50% Bands: fail < 30% · warning < 50% 25% -9.6\u00a0pp normal",
        "2024-Q4 – 2026-Q3",
        "Recommendation",
        "Threshold source: Project default",
    ):
        assert expected in text, expected
    (spark,) = svgs(card)
    values = sample()["trend"]["metrics"]["behavioral_workflow_share"]
    assert spark.count('class="mk"') == sum(v is not None for v in values)


def test_change_finding_in_points_shows_both_values(html_en: str, html_es: str) -> None:
    text = text_of(_card(html_en, "unsubscribe-rate-trend"))
    assert (
        "Measured change Pass condition Value in 2026-Q3 Previous period (2026-Q2) Confidence"
    ) in text
    assert (
        "+1.01\u00a0pp < +0.2\u00a0pp Bands: fail ≥ +0.5\u00a0pp · warning ≥ +0.2\u00a0pp" in text
    )
    assert "1.25% 0.24% normal" in text
    text_es = text_of(_card(html_es, "unsubscribe-rate-trend"))
    assert "+1,01\u00a0pp < +0,2\u00a0pp" in text_es
    assert "Periodo anterior (2026-Q2)" in text_es


def test_short_findings_per_category(html_en: str) -> None:
    efficiency = section(html_en, "efficiency")
    table = re.search(r'<table class="data short-findings">(.*?)</table>', efficiency, re.S)
    assert table
    rows = re.findall(r"<tr class=\"row-(\w+)\">(.*?)</tr>", table.group(1), re.S)
    assert [status for status, _ in rows] == ["warn", "waived", "pass", "pass", "pass"]
    texts = {status: text_of(row) for status, row in rows if status != "pass"}
    # the band that fired, then the pass condition (never the fail band's, which 17.42% meets)
    assert (
        "Sales accept at least 25% of MQLs mql-to-sql-rate 17.42% warning < 25% · pass ≥ 25%"
        in texts["warn"]
    )
    waived = texts["waived"]
    assert "Cost per lead does not jump against the previous period cost-per-lead-trend" in waived
    assert "cost quarterly-review" in waived
    assert (
        "Waived until 31 December 2026 (Q3 trade-fair spend approved by the CMO); "
        "without the waiver: Warning." in waived
    )
    assert "+30% warning ≥ 25% · pass < 25%" in waived  # as evaluated without the waiver
    leads = next(text_of(r) for _, r in rows if "leads-new-yoy" in r)
    assert "+16.6% pass > -20%" in leads
    value = text_of(section(html_en, "value"))
    assert "Not applicable Monthly customer churn under 3% customer-churn" in value
    assert "accounts_churned: the CSV export has no subscription data" in value


def test_category_sections_carry_score_findings_charts_and_metrics(html_en: str) -> None:
    result = sample()
    for category in CATEGORIES:
        body = section(html_en, category)
        text = text_of(body)
        assert text.startswith(Translator("en")(f"category.{category}"))
        info = result["categories"][category]
        if info["score"] is None:
            assert "Score: incomplete (coverage 44%)" in text
        else:
            assert f"Score: {Formats('en', 'EUR').score(info['score'])}" in text
        assert "Findings" in text
        assert "Trends" in text
        assert "Metrics" in text
        titles = re.findall(r'<div class="chart-title">(.*?)</div>', body)
        assert len(titles) == len(TREND_CHARTS[category])
    # Low-confidence note only where it applies.
    note = "mail-privacy proxies (such as Apple Mail Privacy Protection)"
    assert section(html_en, "findings").count(note) == 1
    assert note in _card(html_en, "click-to-open-rate")


def test_summary_counts_scores_and_incomplete_category(html_en: str) -> None:
    summary = re.sub(r"[\s\u00a0]+", " ", text_of(section(html_en, "summary")))
    assert "Fail 4 Warning 4 Pass 8 No data 2 Not applicable 3 Waived 1" in summary
    assert "59.9" in summary
    assert "incomplete (coverage 44%)" in summary


def test_appendix_has_formulas_sources_unmeasured_packs_caveats_warnings(html_en: str) -> None:
    appendix = text_of(section(html_en, "appendix"))
    assert "(revenue_attributed - automation_tco) / automation_tco" in appendix
    assert "aceros-del-sur_2024-10_2026-09.csv" in appendix
    assert "Trend periods 2024-Q4 – 2026-Q3" in appendix
    assert (
        "SHA-256 fingerprint 022e169e75e00d864f240b207dc106fc5acf7c9faf5016dea3cbc5e32b5cea78"
        in (appendix)
    )
    assert (
        "Active paying accounts accounts_active data source "
        "the CSV export has no subscription data (billing system not connected)"
    ) in appendix
    assert "Automation ROI automation_roi calculation revenue_attributed: not measured" in appendix
    assert "default 1 fa9e57d2" in appendix  # the pack by name, no file path
    assert "fa9e57d2473a8d168fc5efbd5409e3247b1b79e98ee93de2ff4b95d2bfc53f0e" in appendix
    assert "Apple Mail Privacy Protection" in appendix
    assert "lower bound" in appendix
    assert "Audit warnings rules/aceros.yaml:14: waiver expired on 2026-06-30" in appendix
    result = sample()
    result["warnings"] = []
    empty = text_of(section(render_html(result, language="en"), "appendix"))
    assert "Audit warnings The audit raised no warnings." in empty


# ------------------------------------------------------------------ funnel
def _funnel_svg(html: str) -> str:
    (svg,) = [s for s in svgs(section(html, "efficiency")) if 'class="chart funnel"' in s]
    return svg


def test_funnel_rates_are_computed_from_the_results_numbers(html_en: str) -> None:
    result = sample()
    values = [result["metrics"][m]["value"] for m in FUNNEL]
    previous = [result["metrics"][m]["previous"] for m in FUNNEL]
    svg = _funnel_svg(html_en)
    rates = re.findall(r'<text class="rate"[^>]*>([^<]+)</text>', svg)
    fmt = Formats("en", "EUR")
    assert rates == [fmt.pct(b / a, 1) for a, b in itertools.pairwise(values)]
    assert rates == ["2.5%", "36.9%", "17.4%", "73.9%"]
    for a, b in itertools.pairwise(previous):
        assert f"2026-Q2: {fmt.pct(b / a, 1)}" in svg
    for value in values:
        assert f">{fmt.number(value)}</text>" in svg
    widths = [float(w) for w in re.findall(r'<rect class="stage" [^>]*width="([\d.]+)"', svg)]
    assert widths[0] == 360.0
    assert widths[1] == pytest.approx(max(360 * values[1] / values[0], 2.0), abs=0.1)
    text = text_of(section(html_en, "efficiency"))
    assert f"Visitor to new customer: {fmt.pct(values[-1] / values[0], 2)}." in text


def test_unmeasured_funnel_stage_is_not_measured_never_zero() -> None:
    result = sample()
    del result["metrics"]["sqls"]
    result["undefined"]["sqls"] = "not measured in 2026-Q3"
    html = render_html(result, language="en")
    svg = _funnel_svg(html)
    assert svg.count('class="stage missing"') == 1
    assert "not measured" in svg
    rates = re.findall(r'<text class="rate"[^>]*>([^<]+)</text>', svg)
    assert rates == ["2.5%", "36.9%", "—", "—"]
    assert ">0<" not in svg
    assert "SQLs: not measured (not measured in 2026-Q3)." in text_of(section(html, "efficiency"))


# ------------------------------------------------------------------- trends
def _trend_svg(html: str, category: str, title: str) -> str:
    body = section(html, category)
    cells = re.findall(r'<td class="chart-cell">(.*?)</td>', body, re.S)
    for cell in cells:
        if f'<div class="chart-title">{htmllib.escape(title, quote=False)}</div>' in cell:
            found = svgs(cell)
            assert found, title
            return found[0]
    raise AssertionError(f"no chart {title}")


def test_trend_chart_has_one_point_per_value_and_gaps_stay_gaps(html_en: str) -> None:
    trend = sample()["trend"]
    svg = _trend_svg(html_en, "value", "Attributed revenue vs. cost (TCO)")
    series = re.findall(r'<g class="series" data-series="(\d)">(.*?)</g>', svg, re.S)
    revenue = trend["metrics"]["revenue_attributed"]
    cost = trend["metrics"]["automation_tco"]
    assert None in revenue
    for (_, body), values in zip(series, (revenue, cost), strict=True):
        assert body.count('class="mk"') == sum(v is not None for v in values)
    # revenue: 5 values, a gap, 1 value, a gap -> one polyline for the run of 5 only.
    assert series[0][1].count("<polyline") == 1
    assert len(re.search(r'points="([^"]+)"', series[0][1]).group(1).split()) == 5
    assert series[1][1].count("<polyline") == 1
    # Direct labels with the last known value, periods as two-line axis labels.
    assert "Revenue <tspan" in svg
    assert "Cost <tspan" in svg
    assert ">€14,100</tspan>" in svg
    assert ">Q3</text>" in svg
    assert ">2025</text>" in svg
    assert "Amount (€)" in svg
    assert ">Period</text>" in svg


def test_trend_needs_two_values_and_names_missing_series(html_en: str) -> None:
    result = sample()
    result["trend"]["metrics"]["cac"] = [None] * 7 + [1888.2]
    result["trend"]["metrics"]["revenue_attributed"] = [None] * 8
    html = render_html(result, language="en")
    value = section(html, "value")
    cells = re.findall(r'<td class="chart-cell">(.*?)</td>', value, re.S)
    assert len(svgs(cells[1])) == 0
    assert "at least two periods with a value are needed" in cells[1]
    assert len(svgs(cells[0])) == 1
    assert "No data: Revenue attributed to marketing." in text_of(cells[0])
    assert "Revenue <tspan" not in cells[0]


def test_report_without_trend_still_renders() -> None:
    result = sample()
    del result["trend"]
    html = render_html(result, language="en")
    assert html.count("at least two periods with a value are needed") == 8
    assert 'class="spark"' not in html


# ------------------------------------------------------------- chart units
def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert charts.nice_ticks(0, 36954) == [0, 10000, 20000, 30000, 40000]
    assert charts.nice_ticks(0, 0.0207) == [0, 0.01, 0.02, 0.03]
    assert charts.nice_ticks(0, 0.0187) == [0, 0.005, 0.01, 0.015, 0.02]
    assert charts.nice_ticks(-0.03, 0.1) == [-0.05, 0, 0.05, 0.1]
    assert charts.nice_ticks(0, 0) == [0, 0.25, 0.5, 0.75, 1.0]


def test_line_chart_escapes_labels_and_reads_in_greyscale() -> None:
    svg = charts.line_chart(
        ["2026-Q2", "<b>", "2026-Q3"],
        [
            charts.Series("<script>a</script>", [1.0, None, 3.0]),
            charts.Series("b", [2.0, 2.5, None]),
        ],
        title='"t"',
        y_title="<y>",
        x_title="x",
        tick=lambda v, step: f"{v:g}",
        value=lambda v: f"<{v:g}>",
    )
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "<y>" not in svg
    assert "&lt;script&gt;a&lt;/script&gt;" in svg
    assert "&lt;3&gt;" in svg
    assert "&lt;2.5&gt;" in svg
    assert svg.count('class="mk"') == 4
    assert "stroke-dasharray" in svg  # the second series is dashed
    assert '<rect class="mk"' in svg  # and has square markers
    assert " id=" not in svg
    assert "<use" not in svg
    assert svg.startswith("<svg")
    assert "font-family=\"'Report Sans'" in svg
    with pytest.raises(ValueError, match="one value per period"):
        charts.line_chart(
            ["a"], [charts.Series("s", [1.0, 2.0])], title="", y_title="", x_title="",
            tick=str, value=str,
        )  # fmt: skip


def test_chart_labels_are_escaped_and_use_the_report_font() -> None:
    svg = charts.score_bars([charts.Bar("<b>x</b>", 120.0, "<i>")], title='"t"')
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    assert "&lt;i&gt;" in svg
    assert svg.startswith("<svg")
    assert "font-family=\"'Report Sans'" in svg
    assert 'width="260.0"' in svg  # clamped to 100
    ring = charts.score_ring(None, text="—", caption="c", title="t")
    assert "'Report Sans'" in ring
    assert "stroke-dasharray" not in ring
    bad = charts.Bar("x", "50); <script>", "y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="could not convert"):
        charts.score_bars([bad], title="t")
    funnel = charts.funnel_chart(
        [charts.Stage("<a>", 10.0, "<10>"), charts.Stage("b", None, "")],
        [charts.Step("<r>", "<p>")],
        title="f",
        missing="<m>",
    )
    assert "<a>" not in funnel
    assert "&lt;a&gt;" in funnel
    assert "&lt;m&gt;" in funnel


def test_label_spreading_keeps_order_and_bounds() -> None:
    assert chart_svg._spread([50.0, 52.0, 100.0], 12, 0, 200) == [50.0, 62.0, 100.0]
    placed = chart_svg._spread([195.0, 198.0, 199.0], 12, 0, 200)
    assert placed == [176.0, 188.0, 200.0]


# ------------------------------------------------------------- formatting
def test_bands_are_formatted_in_the_finding_unit() -> None:
    t, fmt = Translator("en"), Formats("en", "EUR")
    finding = {
        "status": "fail",
        "unit": "ratio",
        "threshold": "< 0.003",
        "thresholds": {"warn": {"at_least": 0.003}, "fail": {"at_least": 0.01}},
    }
    # passing means matching neither band: below the warn band, not merely the fail band
    assert describe_bands(finding, t, fmt) == ("< 0.3%", ["fail ≥ 1%", "warning ≥ 0.3%"])
    finding = {
        "status": "fail",
        "unit": "money",
        "threshold": "x",
        "thresholds": {"fail": {"between": [100, 250]}},
    }
    assert describe_bands(finding, t, fmt) == (
        "outside €100 – €250",
        ["fail between €100 and €250"],
    )
    finding = {
        "status": "pass",
        "unit": "points",
        "threshold": "x",
        "thresholds": {"fail": {"at_most": -0.01}},
    }
    assert describe_bands(finding, t, fmt) == ("> -1\u00a0pp", ["fail ≤ -1\u00a0pp"])
    odd = {
        "status": "fail",
        "unit": "count",
        "threshold": "> 3",
        "thresholds": {"fail": {"odd": 1}},
    }
    assert describe_bands(odd, t, fmt) == ("> 3", [])
    # bands that do not nest: passing is matching neither, said as both negations
    apart = {
        "status": "warn",
        "unit": "ratio",
        "threshold": "x",
        "thresholds": {"warn": {"at_most": 0.1}, "fail": {"at_least": 0.9}},
    }
    assert describe_bands(apart, t, fmt)[0] == "> 10% and < 90%"


def test_changes_are_points_for_rates_and_relative_otherwise() -> None:
    en = Formats("en", "EUR")
    assert en.change(0.0125, 0.0024, 4.2, "ratio") == "+1\u00a0pp"
    assert en.change(120.0, 100.0, 0.2, "count") == "+20%"
    assert en.change(80.0, 100.0, -0.2, "money") == "-20%"
    assert en.change(5.0, None, None, "count") == "—"
    assert Formats("es", "EUR").change(80.0, 100.0, -0.2, "count") == "-20\u00a0%"
    assert en.metric(0.0101, "points") == "+1.01\u00a0pp"
    assert Formats("es", "EUR").metric(-0.0027, "points") == "-0,27\u00a0pp"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", ["1.234,5\u00a0€", "1,1\u00a0%"]), ("en", ["€1,234.5", "1.1%"])],
)
def test_number_forms_of_the_issue(language: str, expected: list[str]) -> None:
    fmt = Formats(language, "EUR")
    assert [fmt.money(1234.5, 1), fmt.pct(0.011, 1)] == expected


def test_axis_ticks_have_the_decimals_the_step_needs() -> None:
    es = Formats("es", "EUR")
    assert es.tick("ratio")(0.015, 0.005) == "1,5\u00a0%"
    assert es.tick("ratio")(0.02, 0.005) == "2\u00a0%"
    assert es.tick("money")(150000, 50000) == "150.000\u00a0€"
    assert es.tick("count")(2.5, 2.5) == "2,5"


# -------------------------------------------------------- import behaviour
def test_cli_and_report_modules_do_not_import_weasyprint() -> None:
    code = (
        "import sys, auditor.cli.main, auditor.outputs.report.pdf, auditor.outputs.report.html, "
        "auditor.outputs.markdown; sys.exit(1 if 'weasyprint' in sys.modules else 0)"
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


def test_a_files_delimiter_is_named_not_left_as_bare_punctuation() -> None:
    """`Separador: ;` beside the row's own `;` read as a typo ("Separador: ;;")."""
    result = sample()
    result["source"]["provenance"].update(
        {"delimiter": ";", "decimal_separator": ",", "leads_file": {"delimiter": "\t"}}
    )
    page = render_html(result, language="es")
    assert "punto y coma (;)" in page
    assert "coma (,)" in page
    assert "Separador: tabulador" in page
    page = render_html(result, language="en")
    assert "semicolon (;)" in page
    assert "Delimiter: tab" in page


@pytest.mark.parametrize(
    ("connector", "language", "shown"),
    [
        ("file", "es", "Fichero exportado"),
        ("file", "en", "Exported file"),
        ("multi", "es", "Varias fuentes"),
        ("hubspot", "es", "HubSpot (API)"),
        ("someday-crm", "en", "someday-crm"),  # a plugin the catalog does not know
    ],
)
def test_the_appendix_names_the_connector_in_the_reports_words(
    connector: str, language: str, shown: str
) -> None:
    result = sample()
    result["source"]["connector"] = connector
    appendix = section(render_html(result, language=language), "appendix")
    assert re.search(rf"<th scope=\"row\">[^<]+</th><td>{re.escape(shown)}</td>", appendix)


def test_the_analysis_tag_is_in_the_reports_language_and_a_packs_label_as_written() -> None:
    result = sample()
    result["findings"][0]["labels"] = ["analysis", "q3-review"]
    page = render_html(result, language="es")
    assert '<span class="tag">análisis</span>' in page
    assert '<span class="tag">q3-review</span>' in page  # its author's word, kept
    assert '<span class="tag">analysis</span>' not in page
    assert '<span class="tag">analysis</span>' in render_html(result, language="en")


def test_an_analysis_finding_is_a_check_not_a_rule() -> None:
    result = sample()
    shown = [f for f in result["findings"] if f["status"] in ("fail", "warn")]
    shown[0]["labels"] = ["analysis"]
    page = render_html(result, language="es")
    assert f"Comprobación <code>{shown[0]['rule']}</code>" in page
    assert f"Regla <code>{shown[0]['rule']}</code>" not in page
    assert f"Regla <code>{shown[1]['rule']}</code>" in page


def test_the_average_line_of_value_bars_runs_behind_the_value_labels() -> None:
    """The decile chart's dashed average crossed the labels it passed ("4,6 %¦ lift")."""
    svg = str(
        charts.value_bars(
            [charts.ValueBar("D1", 17.8, "17,8 % · lift 3,2"), charts.ValueBar("D2", 4.6, "4,6 %")],
            title="t",
            label_width=80,
            x0=90,
            track=420,
            top_pad=6,
            extra_height=24,
            average=(5.6, "media 5,6 %"),
        )
    )
    line = svg.index("<line ")
    for label in ("17,8 % · lift 3,2", "4,6 %"):
        at = svg.index(f">{label}</text>")
        ground = svg.rindex('fill="#ffffff"', 0, at)
        assert line < ground < at  # the line first, a white ground, then the text over both
