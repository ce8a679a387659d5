"""One definition per base metric (issue 11): the catalog, the report appendix that shows
it with this client's source fields, the connectors' declared differences, and the
docs page generated from them."""

from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from auditor.connectors.base import Connector, contract_problems
from auditor.connectors.registry import load
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.core.strings import Translator, catalog
from auditor.metrics.catalog import BASE_BY_ID, BASE_METRICS
from auditor.outputs.report.definitions import definition_rows
from auditor.outputs.report.html import render_html
from tests.helpers import ROOT, TESTS

FIXTURE = TESTS / "fixtures" / "result_sample.json"


def sample() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def text_of(fragment: str) -> str:
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def definitions_section(html: str) -> str:
    start = html.index('<h2 id="sec-definitions"')
    return html[start : html.index("<h2", start + 10)]


# ---------------------------------------------------------------- the catalog


def test_every_base_metric_has_one_definition_in_both_languages() -> None:
    strings = catalog()
    for metric in BASE_METRICS:
        # the definition lives in the metric catalog only, in every language
        assert metric.definition.es
        assert metric.definition.en
        assert metric.definition.es != metric.definition.en
        assert f"definition.{metric.id}" not in strings["en"]


def test_definitions_state_the_inclusion_rules_that_differ_between_platforms() -> None:
    english = {m.id: m.definition.en for m in BASE_METRICS}
    assert "AND automated emails" in english["emails_sent"]
    assert "opens INCLUDED" in english["unique_opens"]
    assert "EXCLUDED" in english["unique_opens_human"]
    assert "not (contact, link) pairs" in english["unique_clicks"]
    assert english["bounces"].startswith("hard + soft")
    assert "not when last edited" in english["deals_won"]
    assert "never two added" in english["revenue_won"]


# ---------------------------------------------------------------- connectors


MEASURED = ("emails_sent", "unique_clicks", "bounces")


class _Platform(Connector):
    name = "acme-platform"
    description = "A test platform."
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = {
        m: "not in this test platform" for m in BASE_BY_ID if m not in MEASURED
    }
    metric_sources: ClassVar[Mapping[str, str]] = {
        "emails_sent": "GET /v1/stats: sent",
        "unique_clicks": "GET /v1/stats: clickers",
        "bounces": "GET /v1/stats: bounced",
    }
    definition_differences: ClassVar[Mapping[str, str]] = {"bounces": "hard bounces only"}

    def fetch(self, months: Sequence[Month]) -> SourceData:
        return self.source_data(
            {"2026-07": {"emails_sent": 100.0, "unique_clicks": 4.0}}, label="acme"
        )

    def check(self) -> str:
        return "ok"


def test_source_data_stamps_the_sources_and_differences_of_what_was_measured() -> None:
    data = _Platform(_Platform.Options(), Path(".")).fetch(["2026-07"])
    assert data.provenance["metric_sources"] == {
        "emails_sent": "GET /v1/stats: sent",
        "unique_clicks": "GET /v1/stats: clickers",
    }
    # bounces were declared different but not measured in this run: nothing to flag
    assert data.provenance["definition_differences"] == {}


def test_contract_refuses_differences_for_metrics_the_connector_does_not_measure() -> None:
    class Wrong(_Platform):
        definition_differences: ClassVar[Mapping[str, str]] = {"mqls": "counted differently"}

    assert contract_problems(Wrong) == ["definition_differences names unmeasured ids: mqls"]
    assert contract_problems(_Platform) == []


@pytest.mark.parametrize("name", ["file", "hubspot", "mailchimp", "activecampaign"])
def test_every_shipped_difference_is_translated_for_the_report(name: str) -> None:
    cls = load(name)
    strings = catalog()
    for metric_id in cls.definition_differences:
        for language in ("es", "en"):
            assert f"difference.{name}.{metric_id}" in strings[language], (name, metric_id)


# ---------------------------------------------------------------- the appendix


def _with_source(connector: str, provenance: Mapping[str, Any]) -> dict[str, Any]:
    result = sample()
    result["source"]["connector"] = connector
    result["source"]["provenance"] = dict(provenance)
    return result


def test_appendix_names_the_file_column_of_each_measured_metric_in_spanish() -> None:
    result = _with_source(
        "file",
        {"format": "wide", "metric_sources": {"emails_sent": "emails_sent", "bounces": "bounces"}},
    )
    part = text_of(definitions_section(render_html(result, language="es")))
    assert part.startswith("Métricas base: definición y fuente")
    assert (
        "Emails enviados emails_sent Todos los emails de marketing enviados a un destinatario "
        "en el mes, uno por destinatario" in part
    )
    assert "columna «emails_sent» del fichero de datos" in part
    # a measured metric the file did not name (older snapshot) says so, never a blank cell
    assert "la fuente no indica el campo" in part
    # only metrics with a value in the period are listed
    measured = {
        m for m, v in result["metrics"].items() if m in BASE_BY_ID and v["value"] is not None
    }
    assert len(definition_rows(result, Translator("es"))) == len(measured)
    unmeasured = [m for m in BASE_BY_ID if m not in measured]
    assert unmeasured
    assert not any(f" {m} " in part for m in unmeasured)


def test_appendix_shows_platform_fields_as_code_and_translated_differences() -> None:
    result = _with_source(
        "mailchimp",
        {
            "metric_sources": {"emails_sent": "GET /3.0/reports: emails_sent"},
            "definition_differences": {"emails_sent": "one-off campaigns only: ..."},
        },
    )
    html = definitions_section(render_html(result, language="es"))
    assert '<code class="small">GET /3.0/reports: emails_sent</code>' in html
    part = text_of(html)
    assert "Difiere de la definición común: solo campañas puntuales" in part
    assert "one-off campaigns only" not in part  # the Spanish report says it in Spanish
    english = text_of(definitions_section(render_html(result, language="en")))
    assert "Differs from the common definition: one-off campaigns only" in english


def test_a_plugins_own_difference_and_source_are_escaped_and_bounded() -> None:
    hostile = '<img src="file:///etc/passwd">' + "x" * 1000
    result = _with_source(
        "acme-platform",
        {
            "metric_sources": {"emails_sent": hostile},
            "definition_differences": {"emails_sent": "<script>alert(1)</script>"},
        },
    )
    html = definitions_section(render_html(result, language="en"))
    assert "<img" not in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "x" * 1000 not in html


def test_provenance_table_leaves_the_definitions_to_their_own_table() -> None:
    result = _with_source(
        "mailchimp", {"metric_sources": {"emails_sent": "GET /3.0/reports: emails_sent"}}
    )
    html = render_html(result, language="en")
    sources = html[html.index('id="sec-sources"') : html.index('id="sec-unmeasured"')]
    assert "metric_sources" not in sources


def test_demo_report_lists_its_file_columns() -> None:
    from auditor.config.loader import load_config
    from auditor.core.resources import demo_dir
    from auditor.gating.gate import Gate
    from auditor.pipeline.runner import audit

    result = audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()
    rows = definition_rows(result, Translator("en"))
    assert [r["id"] for r in rows] == [
        m.id for m in BASE_METRICS if (result["metrics"].get(m.id) or {}).get("value") is not None
    ]
    assert rows[0]["source"] == "column 'emails_sent' of the data file"
    assert all(r["difference"] is None for r in rows)


# ---------------------------------------------------------------- docs/definitions.md


def test_definitions_page_is_current() -> None:
    """docs/definitions.md is generated from the catalog and the connectors: regenerate it
    with `python scripts/make_definitions_doc.py` when either changes."""
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_definitions_doc.py"), "--stdout"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8") == generated


def test_markdown_report_has_the_same_definitions_table() -> None:
    from auditor.outputs.markdown import render_markdown

    result = _with_source(
        "mailchimp",
        {
            "metric_sources": {"emails_sent": "GET /3.0/reports: emails_sent | x"},
            "definition_differences": {"emails_sent": "one-off campaigns only: ..."},
        },
    )
    text = render_markdown(result, language="es")
    assert "## Métricas base: definición y fuente" in text
    row = next(line for line in text.splitlines() if "`emails_sent`" in line)
    assert "Todos los emails de marketing enviados" in row
    assert "**Difiere de la definición común:** solo campañas puntuales" in row
    # a pipe in a connector's source cannot split the table cell
    assert "GET /3.0/reports: emails\\_sent \\| x" in row


def test_appendix_names_a_native_exports_columns_and_rows() -> None:
    result = _with_source(
        "file",
        {
            "format": "mailchimp-campaigns",
            "metric_sources": {"emails_sent": "Total Recipients", "bounces": "x"},
            "export_sources": {
                "emails_sent": {"dated_by": "Send Date", "columns": ["Total Recipients"]},
                "bounces": {"dated_by": "Send Date", "columns": ["Soft Bounces", "Hard Bounces"]},
                "campaigns_sent": {"dated_by": "Send Date", "rows": "counted"},
                "deals_won": {
                    "dated_by": "Close Date",
                    "rows": "counted",
                    "where": "Deal Stage = Closed Won",
                },
            },
        },
    )
    rows = {r["id"]: r["source"] for r in definition_rows(result, Translator("es"))}
    assert rows["emails_sent"] == (
        "columna(s) «Total Recipients» de la exportación, por mes de «Send Date»"
    )
    assert rows["bounces"].startswith("columna(s) «Soft Bounces» + «Hard Bounces»")
    english = {r["id"]: r["source"] for r in definition_rows(result, Translator("en"))}
    assert english["campaigns_sent"] == "export rows, by month of 'Send Date'"
    assert english["deals_won"] == (
        "export rows, by month of 'Close Date' (only rows with Deal Stage = Closed Won)"
    )
