"""The report lists each published work its findings cite once, with what the figure
measures in the report's language and the work's own words (issue 21)."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.outputs.report.citations import cited_works
from auditor.outputs.report.html import render_html

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "demo.json"
WORK = {
    "publisher": "Recurly Research",
    "title": "Churn rate benchmarks",
    "url": "https://recurly.com/research/churn-rate-benchmarks/",
    "quote": "B2B 4.91% B2C 6.77%",
    "measures": {"en": "Average monthly churn.", "es": "Baja mensual media."},
}


def test_each_work_once_in_first_cited_order_in_the_reports_language() -> None:
    other = {"publisher": "Litmus", "title": "MPP", "read_at": "https://example.org/copy"}
    result = {"findings": [{"citations": [WORK, other]}, {"citations": [WORK]}, {}]}
    assert cited_works(result, "es") == [
        {
            "text": "Recurly Research, “Churn rate benchmarks”",
            "url": "https://recurly.com/research/churn-rate-benchmarks/",
            "read_at": "",
            "measures": "Baja mensual media.",
            "quote": "“B2B 4.91% B2C 6.77%”",
            "summary": "",
        },
        {
            "text": "Litmus, “MPP”",
            "url": "https://example.org/copy",  # no publisher page: where it was read
            "read_at": "",  # ... and not named twice
            "measures": "",
            "quote": "",
            "summary": "",
        },
    ]
    assert cited_works({"findings": []}, "en") == []


def test_the_demo_report_lists_its_sources_and_escapes_what_a_pack_wrote() -> None:
    result = json.loads(GOLDEN.read_text(encoding="utf-8"))
    page = render_html(result, language="es")
    assert "Fuentes publicadas de los umbrales" in page
    assert (
        page.count("Recurly Research, “Churn rate benchmarks”") <= 2
    )  # once here, maybe in a finding
    hostile = {**WORK, "quote": "<img src=x onerror=alert(1)>", "title": "<b>t</b>"}
    result["findings"][0]["citations"] = [hostile]
    page = render_html(result, language="en")
    assert "Published sources of the thresholds" in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_summary_is_labelled_and_a_republication_named_beside_the_publishers_page() -> None:
    """A client who looks a figure up must not take a third party's summary for the
    source's words, nor find a newer edition at the publisher's address and no figure."""
    summary = {
        "publisher": "David Skok",
        "title": "SaaS Metrics 2.0",
        "url": "https://www.forentrepreneurs.com/saas-metrics-2/",
        "read_at": "https://example.org/summary",
        "wording": "summary",
        "quote": "LTV at least 3x CAC",
        "measures": {"en": "Two targets.", "es": "Dos objetivos."},
    }
    result = json.loads(GOLDEN.read_text(encoding="utf-8"))
    result["findings"][0]["citations"] = [summary, WORK]
    works = cited_works(result, "en")
    assert works[0]["summary"] == "yes"
    assert works[0]["read_at"] == "https://example.org/summary"
    assert works[1]["summary"] == ""
    assert works[1]["read_at"] == ""
    page = render_html(result, language="en")
    assert (
        '<p class="small quote"><span class="quote-label">A third party&#39;s summary, not the '
        "source&#39;s own words:</span> “LTV at least 3x CAC”</p>"
    ) in page
    assert 'Quoted from: <a class="small" href="https://example.org/summary">' in page
    assert "“B2B 4.91% B2C 6.77%”</p>" in page
    assert "A third party" not in page.split("B2B 4.91%")[0][-200:]  # a verbatim quote: no label
    page = render_html(result, language="es")
    assert "Resumen de un tercero, no palabras de la fuente:</span> “LTV at least 3x CAC”" in page
    assert "Cita leída en: <a" in page
