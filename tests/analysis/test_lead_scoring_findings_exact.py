"""Lead-scoring findings and section states as a client reads them, in both languages (issue 20).

The sections are written by hand so that each line of a finding comes from a known number.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from auditor.analysis import AnalysisContext
from auditor.analysis import lead_scoring as scoring
from auditor.core.models import Finding, Lead
from auditor.core.period import parse_period
from auditor.metrics.calculator import calculate
from tests.helpers import q3_data, source

Q3 = parse_period("2026-Q3")
NBSP = "\xa0"


def section(
    auc: tuple[float, float, float] = (0.5512, 0.4823, 0.6201),
    mql: tuple[float, float] | None = (40.0, 0.25),
    best: tuple[float, float] = (62.5, 0.375),
) -> dict[str, Any]:
    """A section as `evaluate` writes it: AUC (value, low, high), thresholds (score, J)."""

    def threshold(value: float, j: float, precision: float, recall: float) -> dict[str, Any]:
        return {"value": value, "youden_j": j, "precision": precision, "recall": recall}

    return {
        "leads": 1234,
        "customers": 1056,
        "auc": {"value": auc[0], "low": auc[1], "high": auc[2]},
        "mql_threshold": None if mql is None else threshold(*mql, 0.123, 0.8),
        "best_threshold": threshold(*best, 0.2345, 0.6),
    }


def shown(finding: Finding) -> dict[str, Any]:
    fields = ("rule", "category", "status", "score", "weight", "metric", "value", "unit")
    fields += ("threshold", "title", "message", "recommendation", "source", "labels")
    return {name: getattr(finding, name) for name in fields}


COMMON = {"category": "efficiency", "status": "warn", "score": None, "weight": 0.0}
COMMON |= {"unit": "score", "labels": ("analysis",)}
SOURCE = {
    "es": "Análisis de los leads del propio cliente: cuánto distingue la puntuación a los clientes",
    "en": "Analysis of the client's own leads: how well the lead score tells customers apart",
}


def test_weak_score_and_misplaced_threshold_in_spanish() -> None:
    weak, threshold = scoring._findings(section(), "es")
    assert shown(weak) == COMMON | {
        "rule": "analysis-lead-score-auc",
        "metric": "lead_score_auc",
        "value": 0.5512,
        "threshold": "AUC >= 0,6 con su intervalo por encima de 0,5",
        "title": "La puntuación de leads apenas predice quién se convierte en cliente",
        "message": (
            f"El AUC de la puntuación de leads es 0,55 (intervalo del 95{NBSP}%: 0,48 a 0,62) sobre "
            "1.234 leads y 1.056 clientes: un cliente supera en puntuación a un no cliente solo "
            f"el 55,1{NBSP}% de las veces, y el 50{NBSP}% sería lanzar una moneda."
        ),
        "recommendation": (
            "Contraste los criterios de puntuación con los negocios ganados: mantenga los "
            "atributos y comportamientos cuyos leads convierten (la tabla de lift muestra dónde "
            "funciona la puntuación), elimine el resto y vuelva a medir el AUC el próximo "
            "trimestre."
        ),
        "source": SOURCE["es"],
    }
    assert shown(threshold) == COMMON | {
        "rule": "analysis-mql-threshold",
        "metric": "mql_threshold",
        "value": 40.0,
        "threshold": "J de Youden a menos de 0,1 de la del mejor umbral",
        "title": "El umbral de MQL no está donde la puntuación mejor separa a los clientes",
        "message": (
            "Los MQL empiezan en una puntuación de 40; un umbral de 62,5 separa mejor a "
            "clientes de no clientes (J de Youden 0,25 a 0,38): precisión "
            f"12,3{NBSP}% a 23,4{NBSP}%, exhaustividad 80{NBSP}% a 60{NBSP}%."
        ),
        "recommendation": (
            "Suba el umbral de MQL hacia 62,5: ventas recibiría menos leads que convierten más "
            f"a menudo (23,4{NBSP}% en lugar de 12,3{NBSP}%)."
        ),
        "source": SOURCE["es"],
    }


def test_weak_score_and_misplaced_threshold_in_english() -> None:
    weak, threshold = scoring._findings(section(), "en")
    assert (weak.threshold, weak.title, weak.source) == (
        "AUC >= 0.6 with its interval above 0.5",
        "The lead score barely predicts who becomes a customer",
        SOURCE["en"],
    )
    assert weak.message == (
        "The lead score's AUC is 0.55 (95% interval 0.48 to 0.62) over 1,234 leads and 1,056 "
        "customers: a customer outscores a non-customer only 55.1% of the time, where 50% is "
        "a coin toss."
    )
    assert weak.recommendation.startswith("Check the scoring criteria against won deals")
    assert (threshold.threshold, threshold.title) == (
        "Youden's J within 0.1 of the best threshold's",
        "The MQL threshold is not where the score best separates customers",
    )
    assert threshold.message == (
        "MQLs start at a score of 40; a threshold of 62.5 separates customers from "
        "non-customers better (Youden's J 0.25 to 0.38): precision 12.3% to 23.4%, recall "
        "80% to 60%."
    )
    assert threshold.recommendation == (
        "Raise the MQL threshold towards 62.5: sales would receive fewer leads that convert "
        "more often (23.4% instead of 12.3%)."
    )


def test_a_lower_best_threshold_says_lower_and_an_equal_one_too() -> None:
    (lower,) = scoring._findings(section(auc=(0.8, 0.7, 0.9), best=(30.0, 0.375)), "en")
    assert lower.recommendation == (
        "Lower the MQL threshold towards 30: it would catch 60% of the leads that become "
        "customers instead of 80%."
    )
    (same,) = scoring._findings(section(auc=(0.8, 0.7, 0.9), best=(40.0, 0.375)), "en")
    assert same.recommendation.startswith("Lower the MQL threshold towards 40")


@pytest.mark.parametrize(
    ("auc", "weak"),
    [
        ((0.6, 0.51, 0.69), False),  # at 0.6, interval clear of 0.5: acceptable
        ((0.5999, 0.51, 0.69), True),  # under 0.6
        ((0.7, 0.5, 0.9), True),  # interval touches 0.5: not shown to beat a coin toss
        ((0.7, 0.5001, 0.9), False),
        ((0.59, 0.55, 0.63), True),  # under 0.6 though the interval is clear of 0.5
    ],
)
def test_a_weak_score_is_under_0_6_or_an_interval_reaching_0_5(auc: tuple, weak: bool) -> None:
    rules = [f.rule for f in scoring._findings(section(auc=auc, mql=None), "en")]
    assert rules == (["analysis-lead-score-auc"] if weak else [])


@pytest.mark.parametrize(
    ("mql_j", "best_j", "flagged"),
    [(0.0, 0.1, True), (0.25, 0.3499, False), (0.25, 0.375, True)],  # 0.1 - 0.0 is exactly 0.1
)
def test_the_threshold_finding_needs_a_gain_of_0_1_in_j(
    mql_j: float, best_j: float, flagged: bool
) -> None:
    found = scoring._findings(
        section(auc=(0.8, 0.7, 0.9), mql=(40.0, mql_j), best=(62.5, best_j)), "en"
    )
    assert [f.rule for f in found] == (["analysis-mql-threshold"] if flagged else [])


# ---------------------------------------------------------------- section states
def context(leads: list[Lead], language: str = "en", **options: Any) -> AnalysisContext:
    data = source(q3_data(), leads=tuple(leads))
    return AnalysisContext(
        data=data,
        period=Q3,
        metrics=calculate(data, Q3, None, None, None),
        targets={},
        costs={},
        gross_margin=None,
        language=language,
        currency="EUR",
        options={"lead_scoring": options} if options else {},
    )


def leads(scores: list[float], won: list[bool], mql: bool | None = None) -> list[Lead]:
    return [
        Lead(f"L{i}", date(2026, 8, 1), s, mql, w)
        for i, (s, w) in enumerate(zip(scores, won, strict=True))
    ]


def test_no_lead_table_is_said_with_the_minimum() -> None:
    out = scoring.analyse(context([]))
    assert out.key == "lead_scoring"
    assert out.section == {
        "status": "no_data",
        "minimum": {"leads": 50, "customers": 10},
        "reason": "no lead-level data: give the file connector a leads table (source.leads)",
    }
    assert out.findings == ()


def test_too_few_leads_is_said_with_the_counts() -> None:
    out = scoring.analyse(context(leads([1.0] * 30, [True] * 5 + [False] * 25)))
    assert out.key == "lead_scoring"
    assert out.section == {
        "status": "not_enough_data",
        "minimum": {"leads": 50, "customers": 10},
        "excluded": {"created_after_period": 0, "outcome_unknown": 0},
        "reason": "30 leads with a known outcome; at least 50 are needed",
        "leads": 30,
        "customers": 5,
    }


def test_exactly_the_minimum_of_each_class_is_enough() -> None:
    assert scoring._shortfall(20, 10, 20, 10) is None
    assert scoring._shortfall(19, 10, 20, 10) == (
        "19 leads with a known outcome; at least 20 are needed"
    )
    assert scoring._shortfall(20, 9, 20, 9 + 1) == (
        "9 of 20 leads became customers; at least 10 needed"
    )
    assert scoring._shortfall(20, 11, 20, 10) == (
        "only 9 of 20 leads did not become customers; at least 10 are needed"
    )


def test_no_mql_flag_and_no_configured_threshold_says_why() -> None:
    assert scoring._mql_threshold(leads([1.0], [True], mql=False), None) == {
        "value": None,
        "source": None,
        "reason": "no lead is flagged MQL and analysis.lead_scoring.mql_threshold is not set",
    }


def test_a_weak_score_in_a_spanish_audit_is_written_in_spanish() -> None:
    rng = np.random.default_rng(3)
    scores = [float(s) for s in rng.normal(0, 1, 60)]
    out = scoring.analyse(context(leads(scores, [i % 3 == 0 for i in range(60)]), "es"))
    assert out.section["status"] == "ok"
    (weak,) = [f for f in out.findings if f.rule == "analysis-lead-score-auc"]
    assert weak.title == "La puntuación de leads apenas predice quién se convierte en cliente"


# ---------------------------------------------------------------- numerics
def test_mean_of_scores_whose_sum_overflows() -> None:
    assert scoring._mean(np.array([1e308, 1e308])) == 1e308
    assert scoring._mean(np.array([1e308, -1e308, 1e308, 1e308])) == pytest.approx(5e307)
    assert scoring._mean(np.array([2.0, 4.0])) == 3.0


def test_a_score_that_ranks_backwards_is_best_cut_at_its_lowest_value() -> None:
    # every threshold lets more non-customers through than customers (J < 0) but the
    # lowest, where everyone passes (J = 0)
    best = scoring.best_threshold([5.0, 4.0, 3.0, 2.0, 1.0], [False, False, False, True, True])
    assert best["value"] == 1.0
    assert best["youden_j"] == 0.0
