"""'What would complete this audit' (issue 12): an audit from a partial source says which
rules went unjudged and which base metric, from which source, would let them be judged."""

from __future__ import annotations

import shutil
from pathlib import Path

from auditor.analysis.completeness import gaps, source_text
from auditor.config.loader import load_config
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate
from auditor.outputs.text import render_text
from auditor.pipeline.runner import audit
from tests.helpers import TESTS

EXPORT = TESTS / "fixtures" / "exports" / "mailchimp-campaigns.csv"


def export_audit(tmp_path: Path, language: str = "en") -> dict:
    shutil.copy(EXPORT, tmp_path / "campaigns.csv")
    (tmp_path / "client.yaml").write_text(
        "client: Export Co\nperiod: 2026-04\n"
        f"language: {language}\n"
        "source: {connector: file, path: campaigns.csv}\n"
        "costs: {platform: 1000}\n",
        encoding="utf-8",
    )
    return audit(load_config(tmp_path / "client.yaml"), Gate("never")).to_json()


def test_a_partial_source_lists_the_unjudged_rules_and_what_would_judge_them(tmp_path):
    result = export_audit(tmp_path)
    by_category = {gap.category: gap for gap in gaps(result)}
    activity = by_category["activity"]
    assert "workflows-active" in activity.rules
    assert activity.metrics == ("workflows_active", "workflows_behavioral", "emails_automated")
    assert activity.coverage == result["categories"]["activity"]["coverage"]
    value = by_category["value"]
    assert "revenue_attributed" in value.metrics  # n/a in the export's April rows
    assert "costs.staff" in value.costs  # automation_tco needs it
    assert "emails_sent" not in {m for gap in by_category.values() for m in gap.metrics}

    text = render_text(result)
    section = text[text.index("What would complete this audit") :]
    assert "activity (30% of its weight judged): not judged " in section
    assert (
        "workflows_active: the HubSpot or Mailchimp or ActiveCampaign connector; "
        "a 'workflows_active' column in a data file"
    ) in section
    assert "export mailchimp-campaigns" in section  # revenue_attributed's export layout
    assert "needs costs.media, costs.overhead, costs.sales, costs.services, costs.staff" in section


def test_the_list_is_in_the_audits_language(tmp_path):
    result = export_audit(tmp_path, "es")
    text = render_text(result)
    assert "Qué completaría esta auditoría" in text
    assert "sin juzgar" in text
    assert source_text(result, "mqls", "es") == (
        "el conector HubSpot; la exportación hubspot-contacts; una columna «mqls» en un "
        "fichero de datos"
    )


def test_a_complete_audit_has_no_list():
    result = audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()
    assert gaps(result) == []
    assert "What would complete" not in render_text(result)
    assert "Qué completaría" not in render_text(result)


def test_the_report_shows_the_list_in_its_summary(tmp_path):
    from auditor.outputs.report.html import render_html

    result = export_audit(tmp_path, "es")
    html = render_html(result, language="es")
    summary = html[html.index('id="sec-summary"') : html.index('id="sec-findings"')]
    assert "Qué completaría esta auditoría" in summary
    assert "sin juzgar" in summary
    assert "una columna «mqls» en un fichero de datos" in summary
    complete = audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()
    assert 'id="completeness"' not in render_html(complete, language="es")
