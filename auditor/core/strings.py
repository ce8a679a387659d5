"""Every fixed string a user reads, in Spanish and English, from one catalog.

The catalog is `report_templates/strings.yaml` (shipped with the templates, so
a translator edits text without touching Python).  Each key holds both
languages side by side; loading refuses an entry that lacks one of them or
whose `{placeholders}` differ, so a missing translation is a packaging error
caught by the tests, never a blank in a client's PDF.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from functools import cache, cached_property
from typing import Any

import yaml

from auditor.core.errors import InputError
from auditor.core.resources import templates_dir
from auditor.core.vocabulary import LANGUAGES

CATALOG_FILE = "strings.yaml"
# libyaml's loader when PyYAML was built with it (ten times faster); the files are ours.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(ValueError):
    """The shipped string catalog is malformed: a bug in the installation, not user input."""


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_entry(key: Any, entry: Any, file: str = CATALOG_FILE) -> dict[str, str]:
    if not isinstance(key, str) or not key:
        raise CatalogError(f"{file}: key {key!r} is not a non-empty string")
    if not isinstance(entry, dict) or set(entry) != set(LANGUAGES):
        raise CatalogError(f"{file}: '{key}' needs exactly the languages {LANGUAGES}")
    for language, text in entry.items():
        if not isinstance(text, str) or not text.strip():
            raise CatalogError(f"{file}: '{key}' has no {language} text")
    names = {language: _placeholders(text) for language, text in entry.items()}
    if len({frozenset(n) for n in names.values()}) != 1:
        raise CatalogError(f"{file}: '{key}' has different placeholders: {names}")
    return entry


@cache
def catalog() -> dict[str, dict[str, str]]:
    """Every string by language: `catalog()["es"]["summary.title"]`."""
    out: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    # The main catalog, then one file per report part (strings_<part>.yaml), in name order.
    extra = sorted(templates_dir().glob("strings_*.yaml"))
    for path in [templates_dir() / CATALOG_FILE, *extra]:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        if not isinstance(raw, dict):
            raise CatalogError(f"{path}: expected a mapping of keys to {{es, en}} entries")
        for key, entry in raw.items():
            if key in out[LANGUAGES[0]]:
                raise CatalogError(f"{path.name}: '{key}' is already defined in another file")
            for language, text in _check_entry(key, entry, path.name).items():
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


class _Table(Mapping[str, Mapping[str, str]]):
    """A part of the catalog by language: `table("terminal")["es"]["overall"]`, read from
    the YAML on first use (the CLI's start-up loads no catalog)."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix + "."

    @cached_property
    def _by_language(self) -> dict[str, dict[str, str]]:
        cut = len(self._prefix)
        return {
            language: {k[cut:]: v for k, v in texts.items() if k.startswith(self._prefix)}
            for language, texts in catalog().items()
        }

    def __getitem__(self, language: str) -> Mapping[str, str]:
        return self._by_language[language]

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


class _Entries(Mapping[str, Mapping[str, str]]):
    """A part of the catalog by key: `entries("estimate")["missing"]["es"]`."""

    def __init__(self, prefix: str) -> None:
        self._table = _Table(prefix)

    def __getitem__(self, key: str) -> Mapping[str, str]:
        return {language: self._table[language][key] for language in LANGUAGES}

    def __iter__(self) -> Iterator[str]:
        return iter(self._table[LANGUAGES[0]])

    def __len__(self) -> int:
        return len(self._table[LANGUAGES[0]])


def table(prefix: str) -> Mapping[str, Mapping[str, str]]:
    """The strings under `prefix.` by language, keys without the prefix."""
    return _Table(prefix)


def entries(prefix: str) -> Mapping[str, Mapping[str, str]]:
    """The strings under `prefix.` by key, each with its languages."""
    return _Entries(prefix)
