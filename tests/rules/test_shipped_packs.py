"""The shipped rule packs: they load cleanly, cite sources, and every rule is unit-tested.

The rule cases themselves live in `tests/rule_cases/<pack>.yaml` (the format of
`auditor rules test`); this module checks that each shipped pack has such a
file, that the file exercises every enabled rule of the pack, and runs them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from auditor.core.resources import rules_dir
from auditor.metrics.catalog import unit_of
from auditor.rules.loader import RuleSet, load_rules, shipped_packs
from auditor.rules.model import RuleSource
from tests.helpers import TESTS

CASES_DIR = TESTS / "rule_cases"
PACKS = shipped_packs()

# Money over money: a ratio of two amounts, not a rate over a sample of
# contacts or deals, so there is no sample size to guard.
MONEY_RATIOS = {"automation_roi", "romi", "marketing_revenue_share"}

# B2B funnel rules the ecommerce pack switches off (a B2C shop has no MQL/SQL
# hand-off and no pipeline of won and lost deals).
ECOMMERCE_DISABLED = {
    "visitor-to-lead-rate",
    "mql-rate",
    "mql-to-sql-rate",
    "lead-to-customer-rate",
    "lead-velocity",
    "mqls-yoy",
    "cost-per-mql-trend",
    "close-rate",
    "closed-loop-coverage",
    "average-deal-size-trend",
}


def _load(name: str) -> RuleSet:
    return load_rules([name], Path("."))


def _case_file(name: str) -> dict:
    return yaml.safe_load((CASES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def test_the_three_packs_are_shipped():
    assert {"default", "saas", "ecommerce"} <= set(PACKS)


@pytest.mark.parametrize("name", PACKS)
def test_pack_loads_without_problems_or_warnings(name):
    rule_set = _load(name)  # raises InputError listing every problem
    assert rule_set.rules
    assert not rule_set.warnings, [str(w) for w in rule_set.warnings]
    assert sum(rule_set.category_weights.values()) == 100


@pytest.mark.parametrize("name", PACKS)
def test_every_rule_cites_its_source_in_both_languages(name):
    """A threshold's source is a client deliverable: both languages, a public citation or
    the words 'project default', and never a file the client does not get."""
    rule_set = _load(name)
    for rule in rule_set.rules:
        assert isinstance(rule.source, RuleSource), rule.id
        en, es = rule.source.note.en, rule.source.note.es
        says_project_default = "Project default" in en and "Criterio del proyecto" in es
        assert rule.source.cites or says_project_default, rule.id
        for text in (en, es):
            assert not re.search(r"\.md\b|\bB[1-7]\b|benchmarks", text), (rule.id, text)
        for cited in rule.source.cites:
            citation = rule_set.citations[cited]
            assert citation.publisher
            assert citation.title
            assert citation.url is None or citation.url.startswith("https://")


@pytest.mark.parametrize("name", PACKS)
def test_rate_and_change_rules_have_a_sample_guard(name):
    for rule in _load(name).rules:
        is_rate = unit_of(rule.metric) == "ratio" and rule.metric not in MONEY_RATIOS
        if is_rate or rule.compare is not None:
            assert rule.min_sample, f"{rule.id} judges a rate or a change without min_sample"


@pytest.mark.parametrize("name", PACKS)
def test_informative_rules_can_never_fail(name):
    """Weight 0 rules are shown, not scored: they warn at most, so they cannot fail CI."""
    for rule in _load(name).rules:
        if rule.weight == 0:
            assert rule.thresholds is not None, f"{rule.id}: a bare score curve could fail"
            assert rule.thresholds.fail is None, f"{rule.id}: informative rule with a fail band"
            assert rule.on_missing in ("no_data", "not_applicable"), rule.id


@pytest.mark.parametrize("name", PACKS)
def test_every_enabled_rule_is_unit_tested(name):
    path = CASES_DIR / f"{name}.yaml"
    assert path.is_file(), f"no rule cases for the shipped pack '{name}' ({path})"
    suite = _case_file(name)
    assert suite["pack"] == name
    tested = {rule_id for case in suite["cases"] for rule_id in case["expect"]}
    enabled = {r.id for r in _load(name).rules if r.enabled}
    assert not enabled - tested, f"rules without a case in {path.name}: {sorted(enabled - tested)}"


@pytest.mark.parametrize("name", PACKS)
def test_every_rule_of_the_pack_file_is_tested_at_each_status(name):
    """Each rule a pack file defines or overrides is seen passing, warning, failing and guarded.

    Rules a pack inherits unchanged are tested at their boundaries with the pack
    that defines them.
    """
    seen: dict[str, set[str]] = {}
    for case in _case_file(name)["cases"]:
        for rule_id, expected in case["expect"].items():
            if "status" in expected:
                seen.setdefault(rule_id, set()).add(expected["status"])
    own = _rule_ids_in_file(name)
    for rule in _load(name).rules:
        if not rule.enabled or rule.id not in own or rule.thresholds is None:
            continue
        wanted = {"pass"}
        wanted |= {"warn"} if rule.thresholds.warn is not None else set()
        wanted |= {"fail"} if rule.thresholds.fail is not None else set()
        wanted |= {"not_applicable"} if rule.min_sample else set()
        missing = wanted - seen.get(rule.id, set())
        assert not missing, f"{name}: {rule.id} has no case with status {sorted(missing)}"


def _rule_ids_in_file(name: str) -> set[str]:
    raw = yaml.safe_load((rules_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    return {rule["id"] for rule in raw["rules"]}


def test_ecommerce_switches_off_the_b2b_funnel_rules():
    rules = {r.id: r for r in _load("ecommerce").rules}
    disabled = {rule_id for rule_id, rule in rules.items() if not rule.enabled}
    assert disabled == ECOMMERCE_DISABLED


def test_saas_makes_subscription_kpis_mandatory():
    default = {r.id: r for r in _load("default").rules}
    saas = {r.id: r for r in _load("saas").rules}
    for rule_id in ("customer-churn", "ltv-to-cac", "cac-payback"):
        assert default[rule_id].on_missing == "not_applicable"
        assert saas[rule_id].on_missing == "no_data"
    for rule_id in ("mrr-churn", "arpa-trend"):
        assert saas[rule_id].on_missing == "no_data"
        assert rule_id not in default


def test_shipped_rule_cases_pass():
    # imported, never skipped: a broken testing module must fail this test, not hide it
    from auditor.rules import testing

    report = testing.run_test_files([CASES_DIR])
    assert report.exit_code == 0, report.text()
    assert report.passed >= len(PACKS)


@pytest.mark.parametrize("name", PACKS)
def test_spanish_texts_keep_a_number_and_its_percent_sign_together(name):
    """A plain space before % lets a report line break inside "1 %": a no-break space."""
    for rule in _load(name).rules:
        texts = [rule.title.es, rule.message.es, rule.recommendation.es]
        if isinstance(rule.source, RuleSource):
            texts.append(rule.source.note.es)
        for text in texts:
            assert not re.search(r"(\d|\}\}) %", text), (rule.id, text)
