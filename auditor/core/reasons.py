"""Why a number is undefined or a rule not judged: one catalogue of reason templates, in
both report languages.

Producers write a reason with `text(key, **params)`, which gives the English sentence
(the form logs, `--debug` and the machine-readable result have always carried), and the
result and the report print it in the audit's language with `localize(text, language)`.
`localize` recognises a sentence by the same template that wrote it, so the English text
and its translation cannot drift apart; reasons nest (`cltv: arpa: mrr: not measured in
2026-Q3`: a KPI undefined because an input is), and each level is translated.  Metric and
rule ids stay as they are: they are the names the appendix and the catalog use.

A sentence that no template wrote (a connector's own explanation, a plug-in's) is left
as written.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from auditor.core import strings

TEMPLATES = strings.entries("reason")  # report_templates/strings_reasons.yaml


def localize_all(sentences: str, language: str) -> str:
    """Reasons joined with '; ' (an exit reason lists each cause), each localized."""
    return "; ".join(localize(part, language) for part in sentences.split("; "))


EXACT: dict[str, dict[str, str]] = {}
"""Sentences written once, not from a template (a connector's `not_measured`): English
text -> its translations, registered next to the English by the module that writes it."""


def register(
    english: dict[str, str] | Any, translated: dict[str, str] | Any, language: str
) -> None:
    """Translations of a module's fixed reasons, matched by key: `english[k]` reads as
    `translated[k]` in `language` (a key missing from `translated` stays English)."""
    for key, sentence in english.items():
        if key in translated:
            EXACT.setdefault(sentence, {})[language] = translated[key]


_PARAM = re.compile(r"\{(\w+)\}")
_NESTED = "reason"  # the parameter that holds another reason


def text(key: str, **params: Any) -> str:
    """The English sentence of a reason (what the result JSON's `reason` holds in `en`)."""
    return TEMPLATES[key]["en"].format(**{k: str(v) for k, v in params.items()})


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each template's English form as a pattern, the most specific first."""
    found = []
    for key, forms in TEMPLATES.items():
        pieces = _PARAM.split(forms["en"])
        regex = "".join(
            f"(?P<{piece}>.+)"
            if odd and piece == _NESTED
            else f"(?P<{piece}>.+?)"
            if odd
            else re.escape(piece)
            for odd, piece in ((i % 2 == 1, p) for i, p in enumerate(pieces))
        )
        found.append((key, re.compile(regex + r"\Z", re.S)))
    # the most literal text first: "overall score {score} is under {minimum}" before
    # "{category} score {score} is under {minimum}"
    return tuple(sorted(found, key=lambda kp: -len(_PARAM.sub("", TEMPLATES[kp[0]]["en"]))))


_PREFIX = re.compile(r"(?P<name>[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*): (?P<rest>.+)\Z", re.S)


def localize(sentence: str, language: str) -> str:
    """`sentence` in `language`: each level a template wrote is translated, ids kept."""
    if language == "en" or not sentence:
        return sentence
    if sentence in EXACT:
        return EXACT[sentence].get(language, sentence)
    for key, pattern in _patterns():
        found = pattern.match(sentence)
        if found is None:
            continue
        params = found.groupdict()
        if _NESTED in params:
            params[_NESTED] = localize(params[_NESTED], language)
        return TEMPLATES[key].get(language, TEMPLATES[key]["en"]).format(**params)
    prefixed = _PREFIX.match(sentence)
    if prefixed is not None:  # "cltv: <why cltv is undefined>"
        return f"{prefixed['name']}: {localize(prefixed['rest'], language)}"
    return sentence
