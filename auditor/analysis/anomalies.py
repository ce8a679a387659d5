"""Anomalies (issue 7): months far from what the trend and the season predict.

The model is the one trends use (`series.fit_series`): a line plus month effects
(from 24 months), fitted after setting aside, one at a time, the months whose
robust z — the residual over 1.4826 x the median absolute residual, adjusted for
leverage — exceeds 3.5.  Those months are the anomalies, each compared with
what the model fitted on the other months expects, and its 95% prediction
interval.  A metric needs 12 measured months; under that the section says so.

Only anomalies in the audited period become findings, one `warn` per metric
(label "analysis", weight 0: they never move a score or fail a CI run);
earlier ones stay in the section as context.  An isolation forest across the
key metrics' residuals can be switched on (`analysis.anomalies.isolation_forest`):
a secondary view, listed in the section only, because scikit-learn's import
costs about twice a whole audit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from auditor.analysis import ANALYSIS_LABEL, AnalysisContext, AnalysisOutput, source_note
from auditor.analysis.fit import Fit, fitted
from auditor.analysis.series import (
    ANOMALY_DEFAULTS,
    TREND_DEFAULTS,
    metric_name,
    model_settings,
    read_options,
    rounded,
    show,
)
from auditor.core import formatting, strings
from auditor.core.models import Finding
from auditor.core.period import parse_month

KEY = "anomalies"
FOREST_SHARE = 0.05  # the isolation forest marks the 5% most isolated months: a ranking, not a test

TEXT = strings.table("anomaly")  # report_templates/strings_analysis_texts.yaml


def analyse(context: AnalysisContext) -> AnalysisOutput:
    """Months far from each key metric's trend and season; findings for the audited period."""
    options = read_options(context.options, KEY, ANOMALY_DEFAULTS)
    trend_options = read_options(context.options, "trends", TREND_DEFAULTS)
    settings = model_settings(context.options)
    both = fitted(context, trend_options["metrics"])
    text = TEXT.get(context.language, TEXT["en"])
    metrics: dict[str, Any] = {}
    fits: dict[str, Fit] = {}
    findings: list[Finding] = []
    for metric_id, (one, fit) in both.items():
        months = len(one.observed)
        needed = max(options["min_months"], settings["min_months"])
        if months < needed or not isinstance(fit, Fit):
            metrics[metric_id] = {
                "status": "not_enough_data",
                "metric": metric_id,
                "months": months,
                "needed": needed,
                "reason": one.reason or text["short"].format(months=months, needed=needed),
                "finding": None,
            }
            continue
        fits[metric_id] = fit
        found = [_anomaly(fit, int(i), context) for i in np.flatnonzero(~fit.inlier)]
        metrics[metric_id] = {
            "status": "ok",
            "metric": metric_id,
            "unit": one.unit,
            "category": one.category,
            "method": "trend_season" if fit.seasonal else "trend",
            "months": months,
            "robust_sd": rounded(fit.robust_sd),
            "anomalies": found,
            "finding": None,
        }
        current = [a for a in found if a["in_period"]]
        if current:
            finding = _finding(fit, current, context)
            metrics[metric_id]["finding"] = finding.rule
            findings.append(finding)
    section: dict[str, Any] = {
        "method": "robust residuals (median absolute deviation) of the trend + season model",
        "threshold": settings["threshold"],
        "min_months": options["min_months"],
        "window": {"findings": list(context.period.months), "label": context.period.label},
        "metrics": metrics,
        "multivariate": (
            isolation_forest(fits, context, int(options["seed"]))
            if options["isolation_forest"]
            else {"status": "off"}
        ),
    }
    return AnalysisOutput(KEY, section, tuple(findings))


def _anomaly(fit: Fit, index: int, context: AnalysisContext) -> dict[str, Any]:
    month = fit.months[index]
    expected = fit.predict([month], (0.95,))[0]
    value = float(fit.y[index])
    calendar = parse_month(month)[1]
    same = [
        m
        for m, keep in zip(fit.months, fit.inlier, strict=True)
        if keep and parse_month(m)[1] == calendar
    ]
    low, high = expected.bounds[0.95]
    return {
        "month": month,
        "value": rounded(value),
        "expected": rounded(expected.value),
        "interval_95": [rounded(low), rounded(high)],
        "deviation": rounded(value - expected.value),
        "deviation_pct": rounded(value / expected.value - 1) if expected.value > 0 else None,
        "robust_z": rounded(float(fit.z[index]), 3),
        "direction": "above" if value > expected.value else "below",
        "in_period": month in context.period.months,
        "compared_with": same if fit.seasonal else [],
        "ambiguous": bool(fit.ambiguous[index]),
        "confidence": "normal" if fit.seasonal and not fit.ambiguous[index] else "low",
    }


def _finding(fit: Fit, current: list[dict[str, Any]], context: AnalysisContext) -> Finding:
    language, currency = context.language, context.currency
    text = TEXT.get(language, TEXT["en"])
    unit = fit.series.unit
    metric_id = fit.series.metric
    months = len(fit.months)
    model = (
        text["model_season"].format(months=months)
        if fit.seasonal
        else text["model_trend"].format(months=months, note=_no_season(fit, text))
    )
    sentences = []
    for item in current:
        low, high = item["interval_95"]
        sentences.append(
            text["one"].format(
                month=item["month"],
                name=metric_name(metric_id, language, capital=True),
                value=show(item["value"], unit, language, currency),
                expected=show(item["expected"], unit, language, currency),
                model=model,
                low=show(low, unit, language, currency),
                high=show(high, unit, language, currency),
                z=_z_text(item["robust_z"], language),
                direction=text[item["direction"]],
            )
        )
        if item["ambiguous"]:
            sentences.append(
                text["ambiguous"].format(
                    month=item["month"], other=", ".join(item["compared_with"])
                )
            )
    worst = max(current, key=lambda a: abs(a["robust_z"]))
    names = text["and"].join(a["month"] for a in current)
    title_key = "title" if fit.seasonal else "title_trend"
    return Finding(
        rule=f"analysis-anomaly-{metric_id}",
        category=fit.series.category,
        status="warn",
        score=None,
        weight=0.0,
        metric=metric_id,
        value=worst["value"],
        unit=unit,
        threshold=text["threshold"].format(threshold=_z_text(fit.threshold, language)),
        message=" ".join(sentences),
        recommendation=text["advice"],
        title=text[title_key].format(
            name=metric_name(metric_id, language, capital=True), months=names
        ),
        confidence=worst["confidence"],
        source=source_note("anomalies", language),
        pack="analysis",
        labels=(ANALYSIS_LABEL,),
    )


def _no_season(fit: Fit, text: Any) -> str:
    """Why the model has no month effects, in the finding's language (Fit.season_note is English)."""
    months = len(fit.months)
    if months < fit.season_months:
        return str(text["no_season_short"].format(months=months, needed=fit.season_months))
    return str(text["no_season_gap"])


def _z_text(z: float, language: str) -> str:
    size = abs(z)
    return formatting.number(size, language, 0 if size >= 10 else 1)


# ------------------------------------------------------------ isolation forest
def isolation_forest(fits: dict[str, Fit], context: AnalysisContext, seed: int) -> dict[str, Any]:
    """Months unusual across several metrics at once, from their robust z (seeded).

    Secondary to the per-metric check: it catches a month that is a little odd
    everywhere, which no single metric flags, and is listed without findings.
    """
    names = sorted(fits)
    if len(names) < 2:
        return {"status": "not_enough_data", "metrics": names, "reason": "needs 2 metrics"}
    by_month = [
        {m: float(z) for m, z in zip(fits[k].months, fits[k].z, strict=True)} for k in names
    ]
    months = sorted(
        m
        for m in set.intersection(*(set(b) for b in by_month))
        if all(math.isfinite(b[m]) for b in by_month)
    )
    if len(months) < 12:
        return {"status": "not_enough_data", "months": len(months), "needed": 12}
    from sklearn.ensemble import IsolationForest

    x = np.array([[b[m] for b in by_month] for m in months])
    model = IsolationForest(n_estimators=200, contamination=FOREST_SHARE, random_state=seed).fit(x)
    scores = -model.score_samples(x)  # higher = easier to isolate = more unusual
    flagged = model.predict(x) == -1
    order = np.argsort(-scores, kind="stable")
    return {
        "status": "ok",
        "method": "isolation forest (scikit-learn, 200 trees) on the metrics' robust z; "
        f"the {FOREST_SHARE:.0%} most isolated months are flagged",
        "seed": seed,
        "metrics": names,
        "months": [
            {
                "month": months[i],
                "score": rounded(float(scores[i]), 4),
                "flagged": bool(flagged[i]),
                "in_period": months[i] in context.period.months,
            }
            for i in order[:5]
        ],
    }
