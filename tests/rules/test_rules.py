"""Rule packs: loading, validation messages, evaluation at every boundary, scoring."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.core.errors import InputError
from auditor.core.models import Finding, MetricValue, PeriodMetrics
from auditor.core.period import parse_period
from auditor.metrics.calculator import calculate
from auditor.rules.engine import evaluate, evaluate_rule, rank
from auditor.rules.loader import load_rules, shipped_packs
from auditor.rules.model import Rule, parse_threshold
from auditor.rules.scoring import score
from tests.helpers import COSTS, q3_data, source

Q3 = parse_period("2026-Q3")

RULE = {
    "id": "unsubscribe-rate",
    "title": {"es": "Bajas", "en": "Unsubscribes"},
    "category": "response",
    "metric": "unsubscribe_rate",
    "weight": 3,
    "thresholds": {"warn": {"at_least": "0.3%"}, "fail": {"at_least": "1%"}},
    "min_sample": {"emails_delivered": 400},
    "source": "test",
    "message": {"es": "Tasa {{ value | pct }}", "en": "Rate {{ value | pct }}"},
    "recommendation": {"es": "Revise", "en": "Review"},
}


def metrics_with(**values: float | None) -> PeriodMetrics:
    from auditor.metrics.catalog import category_of, unit_of

    out = {
        k: MetricValue(
            k,
            category_of(k),
            unit_of(k),
            "base",
            v,
            None if v is not None else "not measured in 2026-Q3",
        )
        for k, v in values.items()
    }
    return PeriodMetrics(Q3, Q3.previous(), out)


def judge(rule: dict, **values: float | None) -> Finding:
    return evaluate_rule(
        Rule.model_validate(rule),
        metrics_with(**values),
        language="en",
        currency="EUR",
        client={"name": "C"},
    )


def write_pack(tmp_path: Path, body: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# ---------------------------------------------------------------- thresholds


def test_percent_literals_are_exact():
    assert parse_threshold("1%") == 100 / 10000
    assert parse_threshold("0.3%") == 3 / 1000
    assert parse_threshold("0.1%") == 1 / 1000
    assert parse_threshold(0.01) == 0.01
    assert parse_threshold("-0.3pp") == -3 / 1000
    with pytest.raises(ValueError, match="expected a number"):
        parse_threshold("lots")


def test_exactly_one_percent_unsubscribes_fails():
    assert judge(RULE, unsubscribe_rate=100 / 10000, emails_delivered=10000).status == "fail"
    assert judge(RULE, unsubscribe_rate=99 / 10000, emails_delivered=10000).status == "warn"
    assert judge(RULE, unsubscribe_rate=3 / 1000, emails_delivered=10000).status == "warn"
    assert judge(RULE, unsubscribe_rate=29 / 10000, emails_delivered=10000).status == "pass"


@pytest.mark.parametrize(
    ("band", "value", "matches"),
    [
        ({"above": 0.5}, 0.5, False),
        ({"above": 0.5}, 0.5000001, True),
        ({"at_least": 0.5}, 0.5, True),
        ({"at_least": 0.5}, 0.4999999, False),
        ({"below": 0.5}, 0.5, False),
        ({"below": 0.5}, 0.4999999, True),
        ({"at_most": 0.5}, 0.5, True),
        ({"at_most": 0.5}, 0.5000001, False),
        ({"between": [0.2, 0.5]}, 0.2, True),
        ({"between": [0.2, 0.5]}, 0.5, True),
        ({"between": [0.2, 0.5]}, 0.51, False),
    ],
)
def test_each_comparator_at_its_boundary(band, value, matches):
    rule = {**RULE, "thresholds": {"fail": band}, "min_sample": {}}
    assert judge(rule, unsubscribe_rate=value).status == ("fail" if matches else "pass")


def test_scores_pass_warn_fail():
    assert judge(RULE, unsubscribe_rate=0.001, emails_delivered=1000).score == 100
    assert judge(RULE, unsubscribe_rate=0.005, emails_delivered=1000).score == 50
    assert judge(RULE, unsubscribe_rate=0.02, emails_delivered=1000).score == 0


def test_missing_metric_is_no_data_never_pass():
    finding = judge(RULE, unsubscribe_rate=None, emails_delivered=1000)
    assert finding.status == "no_data"
    assert finding.score is None
    assert "not measured" in finding.message


@pytest.mark.parametrize("status", ["not_applicable", "warn", "fail"])
def test_on_missing_sets_the_status(status):
    finding = judge({**RULE, "on_missing": status}, unsubscribe_rate=None)
    assert finding.status == status
    assert finding.score == {"warn": 50, "fail": 0}.get(status)


def test_small_sample_is_not_applicable():
    finding = judge(RULE, unsubscribe_rate=0.03, emails_delivered=120)
    assert finding.status == "not_applicable"
    assert finding.score is None
    assert "120" in finding.reason
    assert "400" in finding.reason
    assert judge(RULE, unsubscribe_rate=0.03, emails_delivered=400).status == "fail"


def test_message_uses_language_and_formats_numbers():
    rule = Rule.model_validate(RULE)
    m = metrics_with(unsubscribe_rate=0.0112, emails_delivered=5000)
    es = evaluate_rule(rule, m, language="es", currency="EUR", client={"name": "C"})
    en = evaluate_rule(rule, m, language="en", currency="EUR", client={"name": "C"})
    assert es.message == "Tasa 1,12\u00a0%"
    assert en.message == "Rate 1.12%"
    assert en.recommendation == "Review"
    assert en.threshold == "< 0.003"  # passing means below the warn band, not the fail band


def test_ranking_is_worst_first_by_status_then_impact():
    def f(rule: str, status: str, weight: float) -> Finding:
        score = {"pass": 100, "warn": 50, "fail": 0}.get(status)
        return Finding(rule, "response", status, score, weight, "m", 0.1, "ratio", None, "", "")

    ranked = rank(
        [
            f("a", "pass", 3),
            f("b", "warn", 3),
            f("c", "fail", 1),
            f("d", "fail", 3),
            f("e", "no_data", 2),
        ]
    )
    # status first: a light failure ranks above a heavy warning
    assert [x.rule for x in ranked] == ["d", "c", "b", "e", "a"]


# ---------------------------------------------------------------- scoring


def _finding(category: str, status: str, weight: float) -> Finding:
    score_value = {"pass": 100.0, "warn": 50.0, "fail": 0.0}.get(status)
    return Finding("r", category, status, score_value, weight, "m", None, "ratio", None, "", "")


def test_category_and_overall_scores_are_weighted_means():
    findings = [
        _finding("response", "pass", 3),
        _finding("response", "fail", 1),
        _finding("activity", "warn", 2),
        _finding("activity", "pass", 2),
        _finding("activity", "not_applicable", 5),  # excluded from coverage
        _finding("activity", "pass", 0),  # informative
    ]
    scores = score(findings, {"activity": 20, "response": 30, "efficiency": 25, "value": 25})
    assert scores.categories["response"].score == 75.0  # (100*3 + 0*1) / 4
    assert scores.categories["activity"].score == 75.0  # (50*2 + 100*2) / 4
    assert scores.categories["activity"].coverage == 1.0
    assert scores.categories["efficiency"].score is None
    # efficiency and value have no rules: they do not count against overall coverage
    assert scores.overall == 75.0


def test_low_coverage_withholds_the_score():
    findings = [_finding("value", "pass", 1), _finding("value", "no_data", 3)]
    scores = score(findings, {"activity": 20, "response": 30, "efficiency": 25, "value": 25})
    value = scores.categories["value"]
    assert value.score is None
    assert value.incomplete
    assert value.coverage == 0.25
    assert scores.overall is None


# ---------------------------------------------------------------- loading


def test_shipped_default_pack_loads_and_cites_sources():
    assert "default" in shipped_packs()
    rule_set = load_rules(["default"], Path("."))
    ids = {r.id for r in rule_set.rules}
    for required in (
        "unsubscribe-rate",
        "spam-complaint-rate",
        "bounce-rate",
        "emails-sent",
        "behavioral-workflows-share",
        "mql-to-sql-rate",
        "close-rate",
        "automation-roi",
        "ltv-to-cac",
        "cac-payback",
        "closed-loop-coverage",
    ):
        assert required in ids
    assert all(r.source for r in rule_set.rules)
    assert sum(rule_set.category_weights.values()) == 100


def test_default_pack_on_hand_computed_metrics():
    rule_set = load_rules(["default"], Path("."))
    m = calculate(source(q3_data()), Q3, COSTS, None, 0.5)
    findings = {
        f.rule: f
        for f in evaluate(rule_set, m, language="en", currency="EUR", client={"name": "C"})
    }
    assert findings["unsubscribe-rate"].status == "fail"  # 60 / 5940 = 1.01%
    assert findings["spam-complaint-rate"].status == "pass"  # 0.05%
    assert findings["bounce-rate"].status == "pass"  # exactly 1% of sent, under the 2% line
    assert findings["behavioral-workflows-share"].status == "warn"  # 33%
    assert findings["closed-loop-coverage"].status == "fail"  # 50%
    assert findings["automation-roi"].status == "warn"  # 50%
    assert findings["romi"].status == "fail"  # -37.5%
    assert findings["mql-to-sql-rate"].status == "pass"  # 30%


def _errors(tmp_path: Path, body: str, **kwargs) -> list[str]:
    path = write_pack(tmp_path, body)
    with pytest.raises(InputError) as info:
        load_rules([str(path)], tmp_path, **kwargs)
    return [str(p) for p in info.value.problems]


PACK_HEAD = """\
version: 1
categories: {response: {weight: 30}}
rules:
  - id: unsub
    title: {es: t, en: t}
    category: response
    metric: unsubscribe_rate
    source: s
    message: {es: m, en: m}
    recommendation: {es: r, en: r}
"""


def test_unknown_key_is_located_with_suggestion(tmp_path):
    errors = _errors(tmp_path, PACK_HEAD + "    thresholds: {fail: {abov: 1%}}\n")
    assert len(errors) == 1
    assert errors[0].endswith(
        "pack.yaml:11:25: rules[0].thresholds.fail.abov: unknown key (did you mean 'above'?)"
    )


def test_bare_ratio_above_one_asks_for_percent(tmp_path):
    errors = _errors(tmp_path, PACK_HEAD + "    thresholds: {fail: {at_least: 1}}\n")
    assert errors[0].endswith(
        "pack.yaml:11:25: rules[0].thresholds.fail.at_least: unsubscribe_rate is a ratio (0..1): "
        "1 would mean 100%; did you mean 1%?"
    )


def test_unknown_metric_suggests_closest(tmp_path):
    body = (
        PACK_HEAD.replace("metric: unsubscribe_rate", "metric: unsubscribe_rat")
        + "    thresholds: {fail: {at_least: 1%}}\n"
    )
    errors = _errors(tmp_path, body)
    assert errors[0].endswith(
        "pack.yaml:7:5: rules[0].metric: unknown metric id 'unsubscribe_rat' (did you mean 'unsubscribe_rate'?)"
    )


def test_unreachable_warn_band(tmp_path):
    errors = _errors(
        tmp_path, PACK_HEAD + "    thresholds: {warn: {above: 2%}, fail: {at_least: 1%}}\n"
    )
    assert "warn band can never trigger" in errors[0]
    assert "pack.yaml:11:18: rules[0].thresholds.warn" in errors[0]


def test_opposite_band_directions(tmp_path):
    errors = _errors(
        tmp_path, PACK_HEAD + "    thresholds: {warn: {below: 2%}, fail: {at_least: 1%}}\n"
    )
    assert "opposite directions" in errors[0]


def test_template_with_unknown_variable(tmp_path):
    body = (
        PACK_HEAD.replace("message: {es: m, en: m}", "message: {es: m, en: '{{ valeu }}'}")
        + "    thresholds: {fail: {at_least: 1%}}\n"
    )
    errors = _errors(tmp_path, body)
    assert "pack.yaml:9:22: rules[0].message.en: unknown template variable 'valeu'" in errors[0]


def test_template_syntax_error(tmp_path):
    body = (
        PACK_HEAD.replace("message: {es: m, en: m}", "message: {es: '{{ value | pct', en: m}")
        + "    thresholds: {fail: {at_least: 1%}}\n"
    )
    errors = _errors(tmp_path, body)
    assert "rules[0].message.es: template syntax error" in errors[0]


def test_negative_weight_and_duplicate_id_reported_together(tmp_path):
    body = (
        PACK_HEAD
        + "    weight: -1\n    thresholds: {fail: {at_least: 1%}}\n"
        + PACK_HEAD.split("rules:\n")[1]
    )
    errors = _errors(tmp_path, body)
    joined = "\n".join(errors)
    assert "duplicate rule id 'unsub'" in joined
    assert "rules[0].weight: input should be greater than or equal to 0" in joined


def test_overrides_merge_and_unknown_ids_fail(tmp_path):
    from auditor.core.yamlpos import load_yaml_text

    located = load_yaml_text(
        "rules:\n  overrides:\n    unsubscribe-rate: {thresholds: {fail: {at_least: 2%}}}\n    unsubscrib-rate: {weight: 1}\n",
        "client.yaml",
    )
    overrides = located.data["rules"]["overrides"]
    with pytest.raises(InputError) as info:
        load_rules(["default"], tmp_path, overrides, located)
    assert str(info.value) == (
        "client.yaml:4:5: rules.overrides.unsubscrib-rate: override of unknown rule id "
        "'unsubscrib-rate' (did you mean 'unsubscribe-rate'?)"
    )
    del overrides["unsubscrib-rate"]
    rule_set = load_rules(["default"], tmp_path, overrides, located)
    rule = next(r for r in rule_set.rules if r.id == "unsubscribe-rate")
    assert rule.thresholds.fail.at_least == 0.02
    assert rule.thresholds.warn.at_least == 0.003  # untouched keys survive the merge
    assert rule.min_sample == {"emails_delivered": 400}


def test_extends_merges_by_id_without_duplicates(tmp_path):
    path = write_pack(
        tmp_path,
        """\
        version: 1
        extends: [default]
        rules:
          - id: unsubscribe-rate
            weight: 5
          - id: open-rate
            enabled: false
        """,
    )
    rule_set = load_rules([str(path)], tmp_path)
    ids = [r.id for r in rule_set.rules]
    assert len(ids) == len(set(ids))
    assert next(r for r in rule_set.rules if r.id == "unsubscribe-rate").weight == 5
    assert not next(r for r in rule_set.rules if r.id == "open-rate").enabled
    assert [p.name for p in rule_set.packs] == ["default", "pack"]


def test_unknown_pack_name_lists_shipped(tmp_path):
    with pytest.raises(InputError, match="unknown rule pack 'defualt'; shipped packs: default"):
        load_rules(["defualt"], tmp_path)


def test_loaded_packs_are_cached_until_a_file_changes(tmp_path):
    import os

    path = write_pack(
        tmp_path,
        """\
        version: 1
        extends: [default]
        rules:
          - id: unsubscribe-rate
            weight: 5
        """,
    )
    first = load_rules([str(path)], tmp_path)
    assert load_rules([str(path)], tmp_path) is first  # parsed and compiled once
    path.write_text(path.read_text().replace("weight: 5", "weight: 7"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    changed = load_rules([str(path)], tmp_path)
    assert changed is not first
    assert next(r for r in changed.rules if r.id == "unsubscribe-rate").weight == 7
