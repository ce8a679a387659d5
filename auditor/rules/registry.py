"""The shipped citation registry (`rules/registry/citations.yaml`, docs/citations.md):
every public source a shipped pack's thresholds rest on, with the source's own words and
what its figure measures. Packs cite its entries by key."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from auditor.core.errors import InputError
from auditor.core.resources import rules_dir
from auditor.core.validation import problems_from
from auditor.core.yamlpos import load_yaml_file_bytes
from auditor.rules.model import Citation, CitationRegistry, Rule, RuleSource

REGISTRY = Path("registry") / "citations.yaml"  # under the shipped rules folder


def registry_path() -> Path:
    """The shipped citation registry file."""
    return rules_dir() / REGISTRY


@cache
def citation_registry() -> Mapping[str, Citation]:
    """The registry's entries by key, read once per process; a broken registry is a
    packaging error, reported with its file and line like any other YAML problem."""
    path = registry_path()
    located, _ = load_yaml_file_bytes(path, display=f"rules/{REGISTRY.as_posix()}")
    try:
        return CitationRegistry.model_validate(located.data).citations
    except ValidationError as exc:
        raise InputError(problems_from(exc, located, CitationRegistry)) from None


def rule_citations(
    rule: Rule, citations: Mapping[str, Citation] | None
) -> list[tuple[str, Citation]]:
    """The works a rule's source cites, by key, as the loaded rule set holds them (the
    loader has already refused a key it does not know)."""
    if not isinstance(rule.source, RuleSource) or not citations:
        return []
    return [(key, citations[key]) for key in rule.source.cites if key in citations]
