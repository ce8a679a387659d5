"""One currency per audit, exactly (auditor/pipeline/currency.py): the source's currency
taken when the config does not set one, with the warning's words; a config that sets
another is bad input naming the line and the money metrics; a source without a currency
changes nothing (docs/testing.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from auditor.config.loader import load_config
from auditor.core.errors import InputError
from auditor.core.models import SourceData
from auditor.pipeline.currency import money_metrics, reconcile_currency
from tests.helpers import CONFIG


def source(currency: str | None, **monthly_rows) -> SourceData:
    return SourceData(
        connector="hubspot",
        label="HubSpot portal 1",
        monthly=monthly_rows
        or {"2026-07": {"revenue_won": 10.0, "deals_won": 1.0, "revenue_attributed": 5.0}},
        fetched_at="2026-10-01T00:00:00Z",
        currency=currency,
    )


def config_with(tmp_path: Path, currency: str) -> object:
    """The test config, its `costs.currency` replaced (or removed when empty)."""
    assert "currency: EUR, " in CONFIG
    text = CONFIG.replace("currency: EUR, ", f"currency: {currency}, " if currency else "", 1)
    path = tmp_path / "audit.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "data.csv").write_text("month,emails_sent\n2026-07,1\n", encoding="utf-8")
    return load_config(path)


def test_money_metrics_are_the_measured_money_base_metrics_in_order():
    data = source(
        None,
        **{
            "2026-07": {"revenue_won": 1.0, "deals_won": 2.0},
            "2026-08": {"revenue_attributed": 3.0},
        },
    )
    assert money_metrics(data) == ["revenue_attributed", "revenue_won"]
    assert money_metrics(source(None, **{"2026-07": {"emails_sent": 1.0}})) == []


def test_a_source_without_a_currency_or_with_the_configs_changes_nothing(tmp_path):
    config = config_with(tmp_path, "")
    assert reconcile_currency(config, source(None)) == (config, [])
    assert reconcile_currency(config, source(config.currency)) == (config, [])


def test_an_unset_currency_takes_the_sources_with_a_warning(tmp_path):
    config = config_with(tmp_path, "")
    assert not config.currency_set
    settled, warnings = reconcile_currency(config, source("USD"))
    assert settled == dataclasses.replace(config, currency="USD")
    costs = config.costs or config.channel_costs
    tail = "; the costs in the config are read as USD" if costs else ""
    assert warnings == [
        "costs.currency is not set: the audit's money is in USD, the currency of HubSpot "
        f"portal 1 (not the default {config.currency}){tail}. Write costs.currency: USD to "
        "make it explicit"
    ]


def test_a_set_currency_that_differs_is_bad_input_naming_the_line(tmp_path):
    config = config_with(tmp_path, "GBP")
    assert config.currency_set
    with pytest.raises(InputError) as caught:
        reconcile_currency(config, source("USD"))
    said = str(caught.value)
    assert "audit.yaml" in said
    assert (
        "is GBP, but HubSpot portal 1 states its money (revenue_attributed, revenue_won) in USD"
        in said
    )
    assert said.endswith(
        "costs and revenue would be two currencies read as one. Set costs.currency: USD and "
        "give the costs in USD (the audit never converts or adds two currencies)"
    )
    with pytest.raises(InputError) as none:
        reconcile_currency(config, source("USD", **{"2026-07": {"deals_won": 1.0}}))
    assert "states its money (its money metrics) in USD" in str(none.value)


def test_without_costs_the_warning_does_not_mention_them(tmp_path):
    assert "costs: {currency: EUR, " in CONFIG
    start = CONFIG.index("costs: {")
    end = CONFIG.index("}", start) + 1
    path = tmp_path / "audit.yaml"
    path.write_text(CONFIG[:start] + "costs: {}" + CONFIG[end:], encoding="utf-8")
    (tmp_path / "data.csv").write_text("month,emails_sent\n2026-07,1\n", encoding="utf-8")
    config = load_config(path)
    assert not config.costs
    assert not config.channel_costs
    _, warnings = reconcile_currency(config, source("USD"))
    assert warnings == [
        "costs.currency is not set: the audit's money is in USD, the currency of HubSpot "
        f"portal 1 (not the default {config.currency}). Write costs.currency: USD to make it "
        "explicit"
    ]
