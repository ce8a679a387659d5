"""The metric catalog declares every metric once and completely (issue 14).

Each metric's id, category, unit, aggregation or formula, direction, names, short names
and definitions in every report language live in `auditor/metrics/`; everything else
reads them. These tests fail when a metric lacks a language, when a string catalog
repeats a catalog fact, or when a rule pack, the report or a connector names a metric the
catalog does not have.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.connectors import exports, registry
from auditor.core.strings import catalog
from auditor.core.vocabulary import CATEGORIES, LANGUAGES
from auditor.metrics.catalog import (
    ALL_METRIC_IDS,
    BASE_BY_ID,
    BASE_METRICS,
    KPIS,
    UNITS,
    inline_name,
    lower_is_better,
    metric_name,
    short_name,
)
from auditor.outputs.report.sections import FUNNEL, TREND_CHARTS
from auditor.outputs.view import KEY_FIGURES
from auditor.rules.loader import load_rules, shipped_packs

METRICS = (*BASE_METRICS, *KPIS)


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.id)
def test_every_metric_is_complete_in_every_language(metric) -> None:
    assert metric.category in CATEGORIES
    assert metric.unit in UNITS
    assert metric.better in ("higher", "lower")
    for language in LANGUAGES:
        assert metric.name[language].strip(), (metric.id, language)
        assert metric.definition[language].strip(), (metric.id, language)
        if metric.short is not None:
            assert metric.short[language].strip(), (metric.id, language)
    # the two languages are translations, not copies (acronyms such as MQL aside)
    assert metric.definition.es != metric.definition.en


def test_ids_are_unique_and_base_metrics_say_how_months_add_up() -> None:
    ids = [m.id for m in METRICS]
    assert len(ids) == len(set(ids))
    assert {m.aggregation for m in BASE_METRICS} <= {"sum", "last"}


def test_names_derive_from_the_one_declaration() -> None:
    assert metric_name("unsubscribe_rate", "es") == "Tasa de baja"
    assert inline_name("unsubscribe_rate", "en") == "unsubscribe rate"
    assert inline_name("mqls", "en") == "MQLs"  # an acronym keeps its capitals
    assert short_name("emails_sent", "es") == "Enviados"
    assert short_name("open_rate", "en") == metric_name("open_rate", "en")  # no short: name
    assert metric_name("deals_closed", "en") is None  # a pack's own metric is not here
    assert lower_is_better("cac")
    assert not lower_is_better("click_rate")


def test_no_string_catalog_repeats_a_catalog_metric() -> None:
    keys = catalog()["en"]
    repeated = [
        f"{prefix}.{metric_id}"
        for metric_id in ALL_METRIC_IDS
        for prefix in ("metric", "short", "define", "definition", "inline_name")
        if f"{prefix}.{metric_id}" in keys
    ]
    assert repeated == []


def test_every_metric_a_shipped_pack_judges_exists() -> None:
    names = catalog()["en"]
    for pack in shipped_packs():
        rule_set = load_rules([pack], Path.cwd())
        for rule in rule_set.rules:
            assert rule.metric in ALL_METRIC_IDS or rule.metric in rule_set.derived, (
                pack,
                rule.id,
            )
        for derived in rule_set.derived:
            # a pack's own metric has its name in the string catalog, both languages
            assert f"metric.{derived}" in names, (pack, derived)


def test_every_metric_the_report_draws_exists() -> None:
    drawn = {m for charts in TREND_CHARTS.values() for _, ids in charts for m in ids}
    for metric_id in drawn | set(FUNNEL) | set(KEY_FIGURES):
        assert metric_id in ALL_METRIC_IDS, metric_id
    assert set(TREND_CHARTS) == set(CATEGORIES)


def test_every_metric_a_connector_or_an_export_names_exists() -> None:
    for name in registry.available():
        connector = registry.load(name)
        named = {
            *connector.metrics,
            *connector.not_measured,
            *connector.metric_sources,
            *connector.definition_differences,
        }
        assert named <= set(BASE_BY_ID), (name, sorted(named - set(BASE_BY_ID)))
    for layout in exports.LAYOUTS:
        named = {m.metric for m in layout.measures} | set(layout.not_given)
        assert named <= set(BASE_BY_ID), (layout.id, sorted(named - set(BASE_BY_ID)))
