"""Lead-scoring quality: does the platform's lead score predict who becomes a customer?

Each method in one sentence a consultant can say to a client:

- **ROC AUC**: the chance that a random customer scored higher than a random
  non-customer (0.5 is a coin toss, 1 a perfect score); its 95% interval comes
  from DeLong's variance formula (DeLong, DeLong & Clarke-Pearson 1988, in the
  fast midrank form of Sun & Xu 2014): exact, no resampling, so deterministic.
- **Lift table**: leads sorted by score into ten bands (deciles); each band's
  conversion rate against the average (lift 2 = twice as likely to buy).
- **Precision and recall at the MQL threshold**: of the leads at or above it,
  the share that became customers; of all customers, the share it caught.
- **Best threshold**: the score that maximises Youden's J (recall minus the
  share of non-customers let through), the point where the score separates best.

Leads created after the audited period, and leads whose outcome is empty (not
known yet), are left out.  Recent leads may still convert: a table whose
newest leads had no time to buy understates recall (docs/analysis-2.md).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

from auditor.analysis import ANALYSIS_LABEL, AnalysisContext, AnalysisOutput, source_note
from auditor.core import formatting, reasons, strings
from auditor.core.models import Finding, Lead

KEY = "lead_scoring"
# DeLong's normal approximation and a ten-band lift table need some cases in each
# class; below this the section says "not enough data" (project default, configurable).
MIN_LEADS = 50
MIN_CUSTOMERS = 10  # and as many non-customers
CONFIDENCE = 0.95
# Hosmer, Lemeshow & Sturdivant, Applied Logistic Regression, 3rd ed. (2013), 5.2.4:
# 0.5 is no discrimination, 0.7-0.8 acceptable; under 0.6 we call it barely predictive.
WEAK_AUC = 0.6
# A threshold change that adds 0.10 to Youden's J moves recall or the false-positive
# rate by ten points: material for sales (project default).
MIN_J_GAIN = 0.10
DECILES = 10
CATEGORY = "efficiency"

TEXT = strings.entries("lead_scoring")  # report_templates/strings_analysis_texts.yaml


def _text(key: str, language: str, **values: Any) -> str:
    entry = TEXT[key]
    return entry.get(language, entry["en"]).format(**values)


# ----------------------------------------------------------------- the methods
def _midranks(values: Any) -> Any:
    """Rank of each value among `values` (1-based), ties sharing their mean rank."""
    import numpy as np

    ordered = np.sort(values, kind="mergesort")
    left = np.searchsorted(ordered, values, side="left")
    right = np.searchsorted(ordered, values, side="right")
    return (left + 1 + right) / 2.0


def delong_auc(scores: Sequence[float], outcomes: Sequence[bool]) -> tuple[float, float]:
    """ROC AUC and its standard error by DeLong's method (ties count one half)."""
    import numpy as np

    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcomes, dtype=bool)
    pos, neg = s[y], s[~y]
    m, n = len(pos), len(neg)
    ranks = _midranks(np.concatenate([pos, neg]))
    auc = (ranks[:m].sum() - m * (m + 1) / 2) / (m * n)
    # Structural components: per customer, the share of non-customers it outscores;
    # per non-customer, the share of customers that outscore it.
    v_pos = (ranks[:m] - _midranks(pos)) / n
    v_neg = 1.0 - (ranks[m:] - _midranks(neg)) / m
    variance = np.var(v_pos, ddof=1) / m + np.var(v_neg, ddof=1) / n
    return float(auc), float(math.sqrt(max(variance, 0.0)))


def auc_interval(
    scores: Sequence[float], outcomes: Sequence[bool], level: float = CONFIDENCE
) -> dict[str, Any]:
    """AUC with DeLong's normal interval, clipped to [0, 1]."""
    auc, se = delong_auc(scores, outcomes)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return {
        "value": _r(auc),
        "low": _r(max(0.0, auc - z * se)),
        "high": _r(min(1.0, auc + z * se)),
        "se": _r(se),
        "level": level,
        "method": "DeLong",
    }


def _mean(values: Any) -> float:
    """The mean of any finite scores: a platform may send +-1e308, whose sum overflows."""
    import numpy as np

    scale = float(np.max(np.abs(values)))
    if scale * len(values) < sys.float_info.max:
        return float(values.mean())
    return float((values / scale).mean()) * scale


def lift_table(scores: Sequence[float], outcomes: Sequence[bool]) -> list[dict[str, Any]]:
    """Ten score bands, highest scores first, with conversion rate and lift.

    A band starts where its first lead falls in the ranking, and leads with the
    same score always share a band: with many ties a band may hold more than a
    tenth of the leads, or none (then it is left out).
    """
    import numpy as np

    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcomes, dtype=bool)
    n, total = len(s), int(y.sum())
    order = np.argsort(-s, kind="mergesort")
    ranked, won = s[order], y[order]
    first = np.searchsorted(-ranked, -ranked, side="left")  # where each tie block starts
    band = first * DECILES // n
    base = total / n
    rows: list[dict[str, Any]] = []
    seen_leads = seen_customers = 0
    for decile in range(DECILES):
        mask = band == decile
        leads = int(mask.sum())
        if not leads:
            continue
        customers = int(won[mask].sum())
        seen_leads += leads
        seen_customers += customers
        rate = customers / leads
        rows.append(
            {
                "decile": decile + 1,
                "score_min": float(ranked[mask].min()),
                "score_max": float(ranked[mask].max()),
                "mean_score": _r(_mean(ranked[mask])),
                "leads": leads,
                "customers": customers,
                "conversion_rate": _r(rate),
                "lift": _r(rate / base) if base else None,
                "cumulative_leads_share": _r(seen_leads / n),
                "cumulative_customers_share": _r(seen_customers / total) if total else None,
            }
        )
    return rows


def at_threshold(
    scores: Sequence[float], outcomes: Sequence[bool], threshold: float
) -> dict[str, Any]:
    """Leads at or above `threshold`: precision, recall, false-positive rate, Youden's J."""
    above = [bool(o) for s, o in zip(scores, outcomes, strict=True) if s >= threshold]
    customers = sum(bool(o) for o in outcomes)
    others = len(outcomes) - customers
    hits = sum(above)
    recall = hits / customers if customers else None
    fpr = (len(above) - hits) / others if others else None
    return {
        "value": float(threshold),
        "leads_at_or_above": len(above),
        "customers_at_or_above": hits,
        "precision": _r(hits / len(above)) if above else None,
        "recall": _r(recall) if recall is not None else None,
        "false_positive_rate": _r(fpr) if fpr is not None else None,
        "youden_j": _r(recall - fpr) if recall is not None and fpr is not None else None,
    }


def best_threshold(scores: Sequence[float], outcomes: Sequence[bool]) -> dict[str, Any]:
    """The score threshold with the highest Youden's J (the highest one among equals).

    The ROC curve's points are the distinct scores, highest first, as in
    scikit-learn's `roc_curve` (the tests check both agree).
    """
    import numpy as np

    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcomes, dtype=bool)
    order = np.argsort(-s, kind="mergesort")
    ranked, won = s[order], y[order]
    # end of each tie block; `!=`, not np.diff, which overflows between scores of +-1e308
    last = np.r_[np.nonzero(ranked[1:] != ranked[:-1])[0], len(ranked) - 1]
    j = np.cumsum(won)[last] / won.sum() - np.cumsum(~won)[last] / (~won).sum()
    first_best = int(np.argmax(j >= j.max() - 1e-12))
    return at_threshold(scores, outcomes, float(ranked[last[first_best]]))


def evaluate(
    scores: Sequence[float],
    outcomes: Sequence[bool],
    mql_threshold: float | None,
) -> dict[str, Any]:
    """Every number of the section for leads with a known outcome (both classes present)."""
    customers = sum(bool(o) for o in outcomes)
    out: dict[str, Any] = {
        "leads": len(scores),
        "customers": customers,
        "conversion_rate": _r(customers / len(scores)),
        "auc": auc_interval(scores, outcomes),
        "lift": lift_table(scores, outcomes),
        "best_threshold": best_threshold(scores, outcomes),
        "mql_threshold": None,
    }
    if mql_threshold is not None:
        out["mql_threshold"] = at_threshold(scores, outcomes, mql_threshold)
    return out


# ------------------------------------------------------------------ the section
def _r(value: float) -> float:
    return round(float(value), 6)


def _options(context: AnalysisContext) -> Mapping[str, Any]:
    found = context.options.get(KEY) if context.options else None
    return found if isinstance(found, Mapping) else {}


def _mql_threshold(leads: Sequence[Lead], configured: float | None) -> dict[str, Any]:
    """The client's MQL threshold: the config's, else the lowest score of an MQL-flagged lead."""
    if configured is not None:
        return {"value": float(configured), "source": "config"}
    flagged = [lead.score for lead in leads if lead.mql]
    if not flagged:
        return {
            "value": None,
            "source": None,
            "reason": "no lead is flagged MQL and analysis.lead_scoring.mql_threshold is not set",
        }
    return {"value": min(flagged), "source": "inferred"}


def _flag_agreement(leads: Sequence[Lead], threshold: float) -> float | None:
    """Share of leads whose MQL flag matches `score >= threshold` (is the flag score-based?)."""
    known = [lead for lead in leads if lead.mql is not None]
    if not known:
        return None
    return _r(sum((lead.score >= threshold) == lead.mql for lead in known) / len(known))


def analyse(context: AnalysisContext) -> AnalysisOutput:
    """The lead-scoring section and its findings (weak score, misplaced MQL threshold)."""
    options = _options(context)
    min_leads = int(options.get("min_leads") or MIN_LEADS)
    min_customers = int(options.get("min_customers") or MIN_CUSTOMERS)
    section: dict[str, Any] = {
        "status": "no_data",
        "minimum": {"leads": min_leads, "customers": min_customers},
    }
    if not context.data.leads:
        section["reason"] = reasons.text("no_lead_data")
        return AnalysisOutput(KEY, section)
    end = context.period.end
    in_time = [lead for lead in context.data.leads if lead.created <= end]
    known = [lead for lead in in_time if lead.customer is not None]
    customers = sum(1 for lead in known if lead.customer)
    section["excluded"] = {
        "created_after_period": len(context.data.leads) - len(in_time),
        "outcome_unknown": len(in_time) - len(known),
    }
    shortfall = _shortfall(len(known), customers, min_leads, min_customers)
    if shortfall:
        section.update(status="not_enough_data", reason=shortfall)
        section.update(leads=len(known), customers=customers)
        return AnalysisOutput(KEY, section)
    mql = _mql_threshold(known, options.get("mql_threshold"))
    scores = [lead.score for lead in known]
    outcomes = [bool(lead.customer) for lead in known]
    section.update(status="ok", **evaluate(scores, outcomes, mql["value"]))
    section["created"] = {
        "first": min(lead.created for lead in known).isoformat(),
        "last": max(lead.created for lead in known).isoformat(),
    }
    if section["mql_threshold"] is not None:
        section["mql_threshold"].update(
            source=mql["source"], flag_agreement=_flag_agreement(known, mql["value"])
        )
    else:
        section["mql_threshold_reason"] = mql["reason"]
    return AnalysisOutput(KEY, section, tuple(_findings(section, context.language)))


def _shortfall(leads: int, customers: int, min_leads: int, min_customers: int) -> str | None:
    others = leads - customers
    if leads < min_leads:
        return f"{leads} leads with a known outcome; at least {min_leads} are needed"
    if customers < min_customers:
        return f"{customers} of {leads} leads became customers; at least {min_customers} needed"
    if others < min_customers:
        return (
            f"only {others} of {leads} leads did not become customers; at least "
            f"{min_customers} are needed"
        )
    return None


# ------------------------------------------------------------------- findings
def _finding(
    rule: str, metric: str, value: float | None, threshold: str, language: str, **text: str
) -> Finding:
    return Finding(
        rule=rule,
        category=CATEGORY,
        status="warn",
        score=None,
        weight=0.0,
        metric=metric,
        value=value,
        unit="score",
        threshold=threshold,
        message=text["message"],
        recommendation=text["recommendation"],
        title=text["title"],
        source=source_note("lead_scoring", language),
        labels=(ANALYSIS_LABEL,),
    )


def _findings(section: Mapping[str, Any], language: str) -> list[Finding]:
    out: list[Finding] = []
    auc = section["auc"]

    def pct(value: float | None) -> str:
        return formatting.pct(value, language, 1)

    def num(value: float | None) -> str:
        return formatting.number(value, language, 2)

    if auc["value"] < WEAK_AUC or auc["low"] <= 0.5:
        values = {
            "auc": num(auc["value"]),
            "low": num(auc["low"]),
            "high": num(auc["high"]),
            "n": formatting.number(section["leads"], language),
            "customers": formatting.number(section["customers"], language),
            "share": pct(auc["value"]),
        }
        out.append(
            _finding(
                "analysis-lead-score-auc",
                "lead_score_auc",
                auc["value"],
                _text("weak.threshold", language, auc=num(WEAK_AUC)),
                language,
                title=_text("weak.title", language),
                message=_text("weak.message", language, **values),
                recommendation=_text("weak.recommendation", language),
            )
        )
    mql, best = section["mql_threshold"], section["best_threshold"]
    if mql is not None and mql["youden_j"] is not None and best["youden_j"] is not None:
        gain = best["youden_j"] - mql["youden_j"]
        if gain >= MIN_J_GAIN:
            values = {
                "mql": num(mql["value"]),
                "best": num(best["value"]),
                "j_mql": num(mql["youden_j"]),
                "j_best": num(best["youden_j"]),
                "p_mql": pct(mql["precision"]),
                "p_best": pct(best["precision"]),
                "r_mql": pct(mql["recall"]),
                "r_best": pct(best["recall"]),
            }
            advice = "mql.raise" if best["value"] > mql["value"] else "mql.lower"
            out.append(
                _finding(
                    "analysis-mql-threshold",
                    "mql_threshold",
                    mql["value"],
                    _text("mql.threshold", language, gain=num(MIN_J_GAIN)),
                    language,
                    title=_text("mql.title", language),
                    message=_text("mql.message", language, **values),
                    recommendation=_text(advice, language, **values),
                )
            )
    return out
