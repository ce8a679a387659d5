"""The report's fixed strings, in Spanish and English, from one catalog.

The catalog is `report_templates/strings.yaml` (shipped with the templates, so
a translator edits text without touching Python).  Each key holds both
languages side by side; loading refuses an entry that lacks one of them or
whose `{placeholders}` differ, so a missing translation is a packaging error
caught by the tests, never a blank in a client's PDF.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from typing import Any

import yaml

from auditor.core.errors import InputError
from auditor.core.resources import templates_dir
from auditor.core.vocabulary import LANGUAGES

CATALOG_FILE = "strings.yaml"


class CatalogError(ValueError):
    """The shipped string catalog is malformed: a bug in the installation, not user input."""


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_entry(key: Any, entry: Any) -> dict[str, str]:
    if not isinstance(key, str) or not key:
        raise CatalogError(f"{CATALOG_FILE}: key {key!r} is not a non-empty string")
    if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
        raise CatalogError(f"{CATALOG_FILE}: '{key}' needs exactly the languages {LANGUAGES}")
    for language, text in entry.items():
        if not isinstance(text, str) or not text.strip():
            raise CatalogError(f"{CATALOG_FILE}: '{key}' has no {language} text")
    names = {language: _placeholders(text) for language, text in entry.items()}
    if len({frozenset(n) for n in names.values()}) != 1:
        raise CatalogError(f"{CATALOG_FILE}: '{key}' has different placeholders: {names}")
    return entry


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every string by language: `catalog()["es"]["summary.title"]`."""
    out: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    # The main catalog, then one file per report part (strings_<part>.yaml), in name order.
    extra = sorted(templates_dir().glob("strings_*.yaml"))
    for path in [templates_dir() / CATALOG_FILE, *extra]:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise CatalogError(f"{path}: expected a mapping of keys to {{es, en}} entries")
        for key, entry in raw.items():
            if key in out[LANGUAGES[0]]:
                raise CatalogError(f"{path.name}: '{key}' is already defined in another file")
            for language, text in _check_entry(key, entry).items():
                out[language][key] = text
    return out


def resolve_language(result: Mapping[str, Any], language: str | None = None) -> str:
    """The report's language: the argument, else the audit's own; only es and en exist."""
    chosen = language or result.get("language") or "en"
    if chosen not in LANGUAGES:
        raise InputError(f"report language must be one of {', '.join(LANGUAGES)}, got {chosen!r}")
    return str(chosen)


class Translator:
    """Looks up a key in one language; a missing key is an error, never an empty string."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._strings = catalog()[language]

    def __call__(self, key: str, **params: Any) -> str:
        try:
            text = self._strings[key]
        except KeyError:
            raise KeyError(f"report string '{key}' is not in {CATALOG_FILE}") from None
        return text.format(**params)

    def has(self, key: str) -> bool:
        """Whether the catalog knows `key` (metric ids a rule pack adds may have no name)."""
        return key in self._strings
