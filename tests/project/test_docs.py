"""The README documents every metric, rule, config key and command option (docs cannot drift)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from auditor.cli.main import main
from auditor.config.schema import ConfigModel
from auditor.connectors.file import FileConnector
from auditor.metrics.catalog import ALL_METRIC_IDS
from auditor.rules.loader import load_rules, shipped_packs
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("metric_id", ALL_METRIC_IDS)
def test_every_metric_is_documented(metric_id):
    assert f"`{metric_id}`" in README


PACKS_DOC = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("pack", shipped_packs())
def test_every_shipped_rule_is_documented(pack):
    for rule in load_rules([pack], Path(".")).rules:
        assert f"`{rule.id}`" in PACKS_DOC, rule.id


def _config_keys(model, prefix=""):
    for name, field in model.model_fields.items():
        yield prefix + name
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and hasattr(candidate, "model_fields"):
                yield from _config_keys(candidate, prefix + name + ".")


def test_every_config_key_is_documented():
    for key in _config_keys(ConfigModel):
        assert f"`{key}`" in README or f"`{key}." in README, key
    for option in FileConnector.Options.model_fields:
        assert f"`{option}`" in README, option


def test_every_command_option_is_documented():
    ctx = click.Context(main)
    names = main.list_commands(ctx)
    assert {"run", "check", "batch", "history", "init", "rules"} <= set(names)  # lazy ones too
    for name in names:
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert f"auditor {name}" in README
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "debug":
                assert any(opt in README for opt in param.opts), (name, param.opts)


def test_exit_codes_are_documented():
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in README
