"""Analysis no platform report gives (issue 7): trends and targets, anomalies,
lead-scoring quality, profit planning, channels.

Each method module exposes `analyse(context) -> AnalysisOutput`: a JSON section
for `result["analysis"][key]` and informative findings.  Analysis findings
never move a score (weight 0) and never fail a CI run: they carry the label
`analysis`, which the exit-code gate skips (RULES.md; STYLE.md trap 6).
scikit-learn and numpy are imported inside the methods, never at CLI start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.core.models import ANALYSIS_LABEL as ANALYSIS_LABEL
from auditor.core.models import Finding, PeriodMetrics, SourceData
from auditor.core.period import Period

SOURCES: dict[str, dict[str, str]] = {
    "anomalies": {
        "en": "Analysis of the client's own history: months the trend and seasonal model does "
        "not explain (robust residuals)",
        "es": "Análisis del histórico del propio cliente: meses que el modelo de tendencia y "
        "estacionalidad no explica (residuos robustos)",
    },
    "trends": {
        "en": "Analysis of the client's own history: trend and seasonal forecast",
        "es": "Análisis del histórico del propio cliente: previsión de tendencia y estacionalidad",
    },
    "channels": {
        "en": "Analysis of the client's own data: cost and return by channel",
        "es": "Análisis de los datos del propio cliente: coste y retorno por canal",
    },
    "lead_scoring": {
        "en": "Analysis of the client's own leads: how well the lead score tells customers apart",
        "es": "Análisis de los leads del propio cliente: cuánto distingue la puntuación a los "
        "clientes",
    },
}
"""The `source` of each analysis's findings: what it rests on, in both report languages."""


def source_note(method: str, language: str) -> str:
    return SOURCES[method].get(language, SOURCES[method]["en"])


# module name -> section key in result["analysis"]; run in this order
METHODS: tuple[str, ...] = ("trends", "anomalies", "lead_scoring", "planning", "channels")


@dataclass(frozen=True)
class AnalysisContext:
    """What every method may read: the data, the period's metrics and the config's goals."""

    data: SourceData
    period: Period
    metrics: PeriodMetrics
    targets: Mapping[str, float]
    costs: Mapping[str, float]  # the audited period's cost items
    gross_margin: float | None
    language: str
    currency: str
    options: Mapping[str, Any] = field(default_factory=dict)  # the config's `analysis:` key


@dataclass(frozen=True)
class AnalysisOutput:
    """One method's result: its JSON section and its informative findings."""

    key: str
    section: Mapping[str, Any]
    findings: tuple[Finding, ...] = ()


def run_analysis(context: AnalysisContext) -> tuple[dict[str, Any], list[Finding]]:
    """Every available method's section and findings; a method module not present is skipped."""
    sections: dict[str, Any] = {}
    findings: list[Finding] = []
    for name in METHODS:
        try:
            module = importlib.import_module(f"auditor.analysis.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"auditor.analysis.{name}":
                continue
            raise
        output: AnalysisOutput = module.analyse(context)
        sections[output.key] = dict(output.section)
        findings.extend(output.findings)
    return sections, findings
