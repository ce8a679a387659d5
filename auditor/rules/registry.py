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
from auditor.rules.model import Citation, CitationRegistry

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
