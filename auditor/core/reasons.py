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

TEMPLATES: dict[str, dict[str, str]] = {
    "not_measured_in": {
        "en": "not measured in {period}",
        "es": "sin datos en {period}",
    },
    "partial_period": {
        "en": "not measured in {missing} ({present} of {total} months of {period} measured; "
        "a partial total would understate it)",
        "es": "sin datos en {missing} ({present} de {total} meses de {period} con datos; "
        "un total parcial lo subestimaría)",
    },
    "metric_not_measured_in": {
        "en": "{metric} is not measured in {period}",
        "es": "{metric} no tiene datos en {period}",
    },
    "metric_not_measured_before": {
        "en": "{metric} is not measured in {before} (the month before {month})",
        "es": "{metric} no tiene datos en {before} (el mes anterior a {month})",
    },
    "metric_zero_before": {
        "en": "{metric} is 0 in {before} (the month before {month})",
        "es": "{metric} es 0 en {before} (el mes anterior a {month})",
    },
    "metric_not_measured_previous": {
        "en": "{metric} is not measured in the previous period {period}",
        "es": "{metric} no tiene datos en el periodo anterior {period}",
    },
    "metric_zero_previous": {
        "en": "{metric} is 0 in the previous period {period}",
        "es": "{metric} es 0 en el periodo anterior {period}",
    },
    "metric_in_previous": {
        "en": "{metric} in the previous period {period}: {reason}",
        "es": "{metric} en el periodo anterior {period}: {reason}",
    },
    "metric_not_measured": {
        "en": "{metric} is not measured",
        "es": "{metric} no tiene datos",
    },
    "metric_not_available": {
        "en": "{metric} is not available",
        "es": "{metric} no está disponible",
    },
    "not_finite": {
        "en": "{expression} is not a finite number",
        "es": "{expression} no es un número finito",
    },
    "zero_denominator": {
        "en": "{expression} is 0",
        "es": "{expression} es 0",
    },
    "sample_not_measured": {
        "en": "sample size {metric} is not measured",
        "es": "el tamaño de muestra {metric} no tiene datos",
    },
    "sample_not_measured_baseline": {
        "en": "sample size {metric} is not measured in the baseline period {period}",
        "es": "el tamaño de muestra {metric} no tiene datos en el periodo de referencia {period}",
    },
    "sample_not_finite": {
        "en": "sample size {metric} is not a finite number",
        "es": "el tamaño de muestra {metric} no es un número finito",
    },
    "sample_not_finite_baseline": {
        "en": "sample size {metric} is not a finite number in the baseline period {period}",
        "es": "el tamaño de muestra {metric} no es un número finito en el periodo de "
        "referencia {period}",
    },
    "sample_too_small": {
        "en": "sample too small to judge: {metric} is {value}, below the minimum of {minimum}",
        "es": "muestra demasiado pequeña para juzgar: {metric} es {value}, por debajo del "
        "mínimo de {minimum}",
    },
    "sample_too_small_baseline": {
        "en": "sample too small to judge: {metric} is {value} in the baseline period {period}, "
        "below the minimum of {minimum}",
        "es": "muestra demasiado pequeña para juzgar: {metric} es {value} en el periodo de "
        "referencia {period}, por debajo del mínimo de {minimum}",
    },
    "no_baseline": {
        "en": "no baseline: {metric} is not measured in {period}",
        "es": "sin referencia: {metric} no tiene datos en {period}",
    },
    "zero_baseline": {
        "en": "{metric} is 0 in {period}: a relative change is undefined",
        "es": "{metric} es 0 en {period}: un cambio relativo no está definido",
    },
    "with_status": {
        "en": "{reason} ({option}: {status})",
        "es": "{reason} ({option}: {status})",
    },
    "never_measured_through": {
        "en": "not measured in any month up to {month}",
        "es": "sin datos en ningún mes hasta {month}",
    },
    "no_lead_data": {
        "en": "no lead-level data: give the file connector a leads table (source.leads)",
        "es": "no hay datos por lead: añada una tabla de leads al conector de ficheros "
        "(source.leads)",
    },
    "no_channel_data": {
        "en": "no data broken down by channel in {period} (the long file format's channel column)",
        "es": "no hay datos desglosados por canal en {period} (la columna channel del formato "
        "largo de fichero)",
    },
    "channel_not_measured_in": {
        "en": "{metric} is not measured for this channel in {period}",
        "es": "{metric} no tiene datos de este canal en {period}",
    },
    "channel_partial": {
        "en": "{metric} is not measured for this channel in {missing}; a partial total would "
        "understate it",
        "es": "{metric} no tiene datos de este canal en {missing}; un total parcial lo "
        "subestimaría",
    },
}

TEMPLATES.update(
    {
        "not_set": {
            "en": "not set in the audit config",
            "es": "no figura en la configuración de la auditoría",
        },
        "costs_period_only": {
            "en": "costs are given for the audited period only (costs.per: period)",
            "es": "los costes se dan solo para el periodo auditado (costs.per: period)",
        },
        "exceeds_once": {
            "en": "{part} ({part_value}) exceed {whole} ({whole_value}) in {month}: the data is "
            "inconsistent",
            "es": "{part} ({part_value}) supera a {whole} ({whole_value}) en {month}: los datos "
            "son incoherentes",
        },
        "exceeds": {
            "en": "{part} exceed {whole} in {months}: the data is inconsistent",
            "es": "{part} supera a {whole} en {months}: los datos son incoherentes",
        },
        "outside_range": {
            "en": "{metric} would be {value} ({formula}), outside its possible range {low} to "
            "{high}: the data is inconsistent",
            "es": "{metric} sería {value} ({formula}), fuera de su rango posible de {low} a "
            "{high}: los datos son incoherentes",
        },
    }
)

TEMPLATES.update(
    {
        "exit_nothing_judged": {
            "en": "nothing could be evaluated: no rule had the data it needs",
            "es": "no se pudo evaluar nada: ninguna regla tenía los datos que necesita",
        },
        "exit_findings": {
            "en": "{count} finding(s) at or above '{level}': {rules}",
            "es": "{count} hallazgo(s) de nivel '{level}' o peor: {rules}",
        },
        "exit_overall_withheld": {
            "en": "overall score withheld (coverage too low), required {minimum}",
            "es": "nota global retenida (cobertura insuficiente), se exige {minimum}",
        },
        "exit_overall_under": {
            "en": "overall score {score} is under {minimum}",
            "es": "la nota global {score} está por debajo de {minimum}",
        },
        "exit_category_empty": {
            "en": "{category} has no score: no finding in it (none enabled or selected), "
            "required {minimum}",
            "es": "{category} no tiene nota: ningún hallazgo (ninguno activo o seleccionado), "
            "se exige {minimum}",
        },
        "exit_category_withheld": {
            "en": "{category} score withheld (incomplete), required {minimum}",
            "es": "nota de {category} retenida (incompleta), se exige {minimum}",
        },
        "exit_category_under": {
            "en": "{category} score {score} is under {minimum}",
            "es": "la nota de {category} ({score}) está por debajo de {minimum}",
        },
        "exit_never": {
            "en": "findings never fail this run (--fail-on never)",
            "es": "los hallazgos nunca hacen fallar esta ejecución (--fail-on never)",
        },
        "exit_healthy": {
            "en": "healthy: no finding at or above '{level}'",
            "es": "sin problemas: ningún hallazgo de nivel '{level}' o peor",
        },
        "exit_healthy_partial": {
            "en": "no finding at or above '{level}' in what could be judged ({judged} of {rules} "
            "rules, {coverage}% of their weight): the overall score is withheld",
            "es": "ningún hallazgo de nivel '{level}' o peor en lo que se pudo juzgar ({judged} "
            "de {rules} reglas, el {coverage} % de su peso): la nota global queda retenida",
        },
        "exit_known_only": {
            "en": "only failures already present in the baseline ({rules})",
            "es": "solo fallos que ya estaban en la referencia ({rules})",
        },
        "exit_scores_ok": {
            "en": "scores at or above --fail-under",
            "es": "notas iguales o superiores a --fail-under",
        },
    }
)


TEMPLATES.update(
    {
        "export_blank": {
            "en": "the export leaves {columns} empty or n/a in some rows of {months}: not "
            "measured in those months",
            "es": "la exportación deja {columns} vacío o n/a en algunas filas de {months}: sin "
            "datos en esos meses",
        },
        "export_no_column": {
            "en": "the export has no {columns} column: add it to the export to measure it",
            "es": "la exportación no tiene la columna {columns}: añádala a la exportación para "
            "medirla",
        },
        "export_no_value": {
            "en": "the export holds no value for it",
            "es": "la exportación no da ningún valor",
        },
        "export_no_figure": {
            "en": "the {layout} has no such figure",
            "es": "la exportación ({layout}) no da esta cifra",
        },
    }
)


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
