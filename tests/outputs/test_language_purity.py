"""A report speaks one language (issue 13): the demo and the README walkthrough client,
audited in each language, render no sentence of the other language and name no file the
client never gets; the reason catalogue translates every reason it writes."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from auditor.config.loader import load_config
from auditor.core import reasons
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate
from auditor.outputs.markdown import render_markdown
from auditor.outputs.report.html import render_html
from auditor.pipeline.runner import audit

# Words of one language that the other never uses in running text (at least two in a
# line make it a sentence of that language).
OTHER = {
    "es": r"\b(the|is|not|of|and|with|from|measured|this|are|was|than|below|above|only|has)\b",
    "en": r"\b(el|la|los|las|del|que|y|por|con|sin|para|es|una|se|al|no)\b",
}
INTERNAL = re.compile(r"\b[\w-]+\.md\b|\bdocs/|\bB[1-7]\b|shared/reference")

WALKTHROUGH = """month,emails_sent,emails_delivered,unique_opens,unique_clicks,unsubscribes,bounces,spam_complaints,leads_new,mqls,sqls,customers_new
2026-07,12000,11850,2900,310,41,150,3,130,40,9,6
2026-08,9000,8890,2100,220,35,110,2,95,28,7,4
2026-09,14000,13800,3300,380,52,200,4,150,47,12,7
"""


def _config(tmp_path: Path, client: str, language: str) -> Path:
    if client == "demo":
        for name in ("data.csv", "leads.csv", "demo.yaml"):
            shutil.copy(demo_dir() / name, tmp_path / name)
        text = (tmp_path / "demo.yaml").read_text(encoding="utf-8")
        path = tmp_path / "demo.yaml"
        path.write_text(re.sub(r"(?m)^language: \w+", f"language: {language}", text), "utf-8")
        return path
    (tmp_path / "aceros.csv").write_text(WALKTHROUGH, encoding="utf-8")
    path = tmp_path / "aceros.yaml"
    path.write_text(
        f"client: Aceros del Sur\nperiod: 2026-Q3\nlanguage: {language}\n"
        "source: {connector: file, path: aceros.csv}\n"
        "costs: {currency: EUR, platform: 3600, staff: 9000, services: 0, media: 4500, "
        "sales: 12000, overhead: 1500}\nfinance: {gross_margin: 0.55}\n",
        encoding="utf-8",
    )
    return path


def _lines(page: str) -> list[str]:
    page = re.sub(r"<style>.*?</style>|<svg.*?</svg>|<code[^>]*>.*?</code>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


@pytest.mark.parametrize("client", ["demo", "walkthrough"])
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_report_speaks_only_its_language(tmp_path: Path, client: str, language: str) -> None:
    result = audit(load_config(_config(tmp_path, client, language)), Gate("never")).to_json()
    lines = _lines(render_html(result, language=language))
    # a cited work's title (between “ ”) keeps the language it was published in, and a
    # link is not prose
    unquoted = [re.sub(r"“[^”]*”|https?://\S+", "“”", line) for line in lines]
    other = [line for line in unquoted if len(re.findall(OTHER[language], line)) >= 2]
    assert other == []
    # a published work's address may end in .md (a stored copy on GitHub): not ours
    internal = [line for line in lines if INTERNAL.search(re.sub(r"https?://\S+", "", line))]
    assert internal == []
    # the appendix's provenance is a readable table, never a Python dict
    assert [line for line in lines if "{'" in line or "': " in line] == []
    markdown = render_markdown(result, language=language)
    assert not INTERNAL.search(re.sub(r"`[^`]*`", "", markdown)), "internal file in Markdown"


def test_every_reason_template_translates_and_reads_back() -> None:
    for key, forms in reasons.TEMPLATES.items():
        assert set(forms) == {"en", "es"}, key
        params = {name: f"P{i}" for i, name in enumerate(re.findall(r"\{(\w+)\}", forms["en"]))}
        english = reasons.text(key, **params)
        assert reasons.localize(english, "es") == forms["es"].format(**params), key
        assert reasons.localize(english, "en") == english


def test_nested_reasons_translate_at_every_level() -> None:
    inner = reasons.text("not_measured_in", period="2026-Q3")
    assert reasons.localize(f"cltv: arpa: mrr: {inner}", "es") == (
        "cltv: arpa: mrr: sin datos en 2026-Q3"
    )
    nested = reasons.text("metric_in_previous", metric="mqls", period="2026-Q2", reason=inner)
    assert reasons.localize(nested, "es") == (
        "mqls en el periodo anterior 2026-Q2: sin datos en 2026-Q3"
    )
    # a sentence no template wrote (a connector's own) is left as it is
    assert reasons.localize("HubSpot returned no emails", "es") == "HubSpot returned no emails"


def test_a_hollow_audit_does_not_call_itself_healthy(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from auditor.cli.main import main

    config = _config(tmp_path, "walkthrough", "en")
    result = CliRunner().invoke(main, ["check", str(config)])
    assert result.exit_code == 0
    last = result.output.strip().splitlines()[-1]
    assert last == (
        "Exit 0: no finding at or above 'fail' in what could be judged (10 of 32 rules, 30% "
        "of their weight): the overall score is withheld"
    )
    # and CI can fail it: an overall score is required, and withheld
    gated = CliRunner().invoke(main, ["check", str(config), "--fail-under", "50"])
    assert gated.exit_code == 1
    assert "overall score withheld (coverage too low), required 50" in gated.output


def test_every_connectors_not_measured_reason_reads_in_spanish() -> None:
    from auditor.connectors import registry

    for name in registry.available():
        connector = registry.load(name)
        for metric, sentence in connector.not_measured.items():
            spanish = reasons.localize(sentence, "es")
            assert spanish != sentence, (connector.name, metric)
            assert len(re.findall(OTHER["es"], spanish)) < 2, (connector.name, metric, spanish)


def test_spanish_strings_keep_a_number_and_its_percent_sign_together() -> None:
    """Spanish writes 95 % with a space (RAE); a plain space lets the line break inside it."""
    from auditor.core import strings

    loose = {
        key: text
        for key, text in strings.catalog()["es"].items()
        if re.search(r"(\d|\})[ ]%", text)
    }
    assert loose == {}
