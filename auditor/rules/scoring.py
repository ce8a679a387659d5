"""Category and overall scores: small weighted means (RULES.md "Scores").

Only pass/warn/fail carry a score.  Coverage is the evaluated weight over the
weight that could have been evaluated (enabled, not waived, not
not_applicable); under 75% the score is withheld (`None`, "incomplete")
rather than computed from the few rules that happened to have data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from auditor.core.models import JUDGED, CategoryScore, Finding, Scores
from auditor.metrics.catalog import CATEGORIES

MIN_COVERAGE = 0.75
SCORED = JUDGED
EXCLUDED = ("not_applicable", "waived")


def _weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    return sum(s * w for s, w in pairs) / total


def category_score(category: str, weight: float, findings: Sequence[Finding]) -> CategoryScore:
    mine = [f for f in findings if f.category == category]
    counts = Counter(f.status for f in mine)
    enabled = sum(f.weight for f in mine if f.status not in EXCLUDED)
    scored = [(f.score, f.weight) for f in mine if f.status in SCORED and f.score is not None]
    evaluated = sum(w for _, w in scored)
    coverage = evaluated / enabled if enabled > 0 else 0.0
    mean = _weighted_mean(scored)
    score = round(mean, 1) if mean is not None and coverage >= MIN_COVERAGE else None
    return CategoryScore(
        category, score, weight, round(coverage, 4), evaluated, enabled, dict(counts)
    )


def score(findings: Sequence[Finding], category_weights: Mapping[str, float]) -> Scores:
    """Per-category scores, then the overall weighted mean of the categories that have one."""
    categories = {c: category_score(c, category_weights.get(c, 0.0), findings) for c in CATEGORIES}
    total_weight = sum(c.weight for c in categories.values() if c.enabled_weight > 0)
    present = [(c.score, c.weight) for c in categories.values() if c.score is not None]
    present_weight = sum(w for _, w in present)
    coverage = present_weight / total_weight if total_weight > 0 else 0.0
    overall = _weighted_mean(present)
    overall = round(overall, 1) if overall is not None and coverage >= MIN_COVERAGE else None
    return Scores(overall, round(coverage, 4), categories)
