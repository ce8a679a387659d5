"""One describer of a finding's thresholds (`outputs/conditions.py`), used by every output:
the band that fired and the pass condition read the same in the terminal, Markdown,
JUnit, GitHub annotations, CI Markdown and the HTML/PDF report (issue 13)."""

from __future__ import annotations

import html
from typing import Any

import pytest

from auditor.config.loader import load_config
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate
from auditor.outputs import conditions
from auditor.outputs.ci_markdown import render_ci_markdown
from auditor.outputs.github import render_github
from auditor.outputs.junit import render_junit
from auditor.outputs.markdown import render_markdown
from auditor.outputs.report.html import render_html
from auditor.outputs.text import currency_of, language_of, render_text
from auditor.pipeline.runner import audit


def finding(status: str, warn: Any, fail: Any, unit: str = "ratio") -> dict[str, Any]:
    bands = {k: v for k, v in (("warn", warn), ("fail", fail)) if v is not None}
    return {"status": status, "unit": unit, "threshold": "raw", "thresholds": bands}


def test_a_warning_shows_its_band_and_a_pass_condition_it_does_not_meet() -> None:
    # the case: 0.37 % unsubscribes is a warning; "< 1 %" would say it passes
    unsubscribes = finding("warn", {"at_least": 0.003}, {"at_least": 0.01})
    assert conditions.condition_line(unsubscribes, "en", "EUR") == "warning ≥ 0.3% · pass < 0.3%"
    assert conditions.condition_line(unsubscribes, "es", "EUR") == (
        "aviso ≥ 0,3\u00a0% · correcto < 0,3\u00a0%"
    )
    # and the other: 17.42 % of MQLs accepted warns below 25 %, fails below 13 %
    accepted = finding("warn", {"below": 0.25}, {"below": 0.13})
    assert conditions.condition_line(accepted, "en", "EUR") == "warning < 25% · pass ≥ 25%"


def test_the_pass_condition_is_what_matches_no_band() -> None:
    fail_only = finding("fail", None, {"above": 0.003})
    assert conditions.describe(fail_only, "en", "EUR").passing == "≤ 0.3%"
    warn_only = finding("pass", {"at_most": 0.2}, None)
    assert conditions.condition_line(warn_only, "en", "EUR") == "pass > 20%"
    # a fail band written wider than the warn band: the wider one decides passing
    inverted = finding("fail", {"at_least": 0.05}, {"at_least": 0.02})
    assert conditions.describe(inverted, "en", "EUR").passing == "< 2%"
    apart = finding("fail", {"at_most": 0.1}, {"at_least": 0.9})
    described = conditions.describe(apart, "es", "EUR")
    assert described.passing == "> 10\u00a0% y < 90\u00a0%"
    assert described.fired == "≥ 90\u00a0%"
    between = finding("warn", {"between": [100, 250]}, None, unit="money")
    assert conditions.condition_line(between, "en", "EUR") == (
        "warning between €100 and €250 · pass outside €100 – €250"
    )


def test_unjudged_findings_and_unknown_bands_keep_the_raw_threshold() -> None:
    # a rule on a value: its bands read in its unit even when it was not judged
    assert conditions.condition_line(finding("no_data", None, {"above": 1}), "en", "EUR") == (
        "≤ 100%"
    )
    # a change rule stopped before its change was computed still has the metric's unit
    stopped = finding("no_data", None, {"above": 0.25}, unit="money")
    stopped["compare"] = {"to": "previous_period", "change": "relative"}
    assert conditions.condition_line(stopped, "en", "EUR") == "raw"
    stopped["unit"] = "relative"  # its change unit was set: the bands read as changes
    assert conditions.condition_line(stopped, "en", "EUR") == "≤ +25%"
    odd = {"status": "fail", "unit": "count", "threshold": "> 3", "thresholds": {"fail": {"x": 1}}}
    assert conditions.condition_line(odd, "en", "EUR") == "> 3"


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()


def test_every_output_describes_a_warning_with_the_same_words(demo: dict[str, Any]) -> None:
    warning = next(f for f in demo["findings"] if f["status"] == "warn" and f.get("thresholds"))
    line = conditions.condition_line(warning, language_of(demo), currency_of(demo))
    assert " · " in line  # the band that fired, then the pass condition
    outputs = {
        "text": render_text(demo),
        "markdown": render_markdown(demo).replace("\\<", "<").replace("\\>", ">"),
        "ci-markdown": html.unescape(render_ci_markdown(demo)),
        "junit": html.unescape(render_junit(demo)),
        "github": render_github(demo).replace("%25", "%"),
        "html": html.unescape(render_html(demo)),
    }
    for name, text in outputs.items():
        assert line in text, name


def test_the_summary_counts_equal_the_portfolios_and_top_findings_fail_first(
    demo: dict[str, Any],
) -> None:
    import re

    from auditor.pipeline.batch import summarize

    page = render_html(demo)
    summary = page[page.index('<p class="counts">') :]
    summary = summary[: summary.index("</p>")]
    counts = dict(
        re.findall(r'class="pill pill-(\w+)">[^<]*</span>&nbsp;<strong>(\d+)</strong>', summary)
    )
    portfolio = summarize(demo)["counts"]
    assert counts
    assert {s: int(n) for s, n in counts.items()} == {
        s: n for s, n in portfolio.items() if n or s in ("fail", "warn", "pass")
    }
    top = re.findall(r'<div class="top-finding top-(\w+)">', page)
    assert top
    assert top == sorted(top, key=lambda s: ("fail", "warn").index(s))
