"""What each problem costs: an estimate per quarter, in the client's currency, for the
findings an honest model exists for, and the action plan ranked by it.

Every estimate is built from the client's own numbers of the audited period and the
rule's pass line; its formula, inputs and assumptions travel with it, so a consultant
can check it by hand.  Where an input is missing the estimate is undefined with the
reason; where no honest model exists (complaints and bounces without inbox-placement
data, a tracking gap that is not a loss) it says so.  Estimates are analysis: they are
never part of a score or of the exit code.

Per quarter: a period of `m` months is scaled by 3/m (a quarter audit: as measured).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.core import strings
from auditor.core.models import ACTIONABLE, Finding, PeriodMetrics, finding_rank_key

KEY = "estimates"

TEXT = strings.entries("estimate")  # report_templates/strings_analysis_texts.yaml


def _t(key: str, language: str, **values: Any) -> str:
    entry = TEXT[key]
    return entry.get(language, entry["en"]).format(**values)


@dataclass
class Estimate:
    """One finding's estimate: `value` per quarter, or None with `reason`."""

    rule: str
    value: float | None = None
    reason: str | None = None
    formula: str = ""
    inputs: dict[str, float] = field(default_factory=dict)
    assumptions: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "value": self.value,
            "reason": self.reason,
            "formula": self.formula,
            "inputs": dict(self.inputs),
            "assumptions": self.assumptions,
        }


class _Missing(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def pass_line(finding: Finding) -> float | None:
    """The limit of the lenient band: what the value must reach to pass."""
    band = finding.thresholds.get("warn") or finding.thresholds.get("fail")
    if not isinstance(band, Mapping) or len(band) != 1:
        return None
    ((comparator, limit),) = band.items()
    if comparator == "between" or not isinstance(limit, int | float):
        return None
    return float(limit)


class _Inputs:
    """The period's metrics, read with the reason a missing one leaves."""

    def __init__(self, metrics: PeriodMetrics, language: str) -> None:
        self.metrics = metrics
        self.language = language
        self.used: dict[str, float] = {}

    def __call__(self, metric: str, *, nonzero: bool = False, previous: bool = False) -> float:
        found = self.metrics.values.get(metric)
        value = (found.previous if previous else found.value) if found else None
        name = f"{metric} (previous)" if previous else metric
        if value is None:
            raise _Missing(_t("missing", self.language, metric=name))
        if nonzero and value == 0:
            raise _Missing(_t("zero", self.language, metric=name))
        self.used[name] = value
        return value


def _unsubscribes(finding: Finding, get: _Inputs, line: float) -> float:
    excess = get("unsubscribes") - line * get("emails_delivered")
    audience = get("emails_delivered", nonzero=True) / get("campaigns_sent", nonzero=True)
    return max(excess, 0.0) * get("revenue_attributed") / audience


def _close_rate(finding: Finding, get: _Inputs, line: float) -> float:
    closed = get("deals_won") + get("deals_lost")
    average = get("revenue_won") / get("deals_won", nonzero=True)
    return max(line - get("close_rate"), 0.0) * closed * average


def _mql_to_sql(finding: Finding, get: _Inputs, line: float) -> float:
    missing = max(line - get("mql_to_sql_rate"), 0.0) * get("mqls")
    per_sql = get("customers_new") / get("sqls", nonzero=True)
    average = get("revenue_won") / get("deals_won", nonzero=True)
    return missing * per_sql * average


def _click_rate(finding: Finding, get: _Inputs, line: float) -> float:
    missing = max(line - get("click_rate"), 0.0) * get("emails_delivered")
    return missing * get("revenue_attributed") / get("unique_clicks", nonzero=True)


def _trend(metric: str, volume: str) -> Callable[[Finding, _Inputs, float], float]:
    def model(finding: Finding, get: _Inputs, line: float) -> float:
        rise = get(metric) - get(metric, previous=True)
        return max(rise, 0.0) * get(volume)

    return model


Model = Callable[[Finding, _Inputs, float], float]
MODELS: dict[str, tuple[Model, str, bool]] = {
    # rule id -> (model, text key, needs a pass line)
    "unsubscribe-rate": (_unsubscribes, "unsubscribe-rate", True),
    "close-rate": (_close_rate, "close-rate", True),
    "mql-to-sql-rate": (_mql_to_sql, "mql-to-sql-rate", True),
    "click-rate": (_click_rate, "click-rate", True),
}
TRENDS: dict[str, tuple[str, str]] = {
    # rule id -> (unit cost metric, volume metric): (cost - previous cost) x volume
    "cac-trend": ("cac", "customers_new"),
    "cost-per-lead-trend": ("cost_per_lead", "leads_new"),
    "cost-per-mql-trend": ("cost_per_mql", "mqls"),
}
MODELS.update({rule: (_trend(*names), "trend", False) for rule, names in TRENDS.items()})
NO_MODEL = {
    "behavioral-workflows-share": "no_model.triggered",
    "automated-email-share": "no_model.triggered",
    "spam-complaint-rate": "no_model.deliverability",
    "bounce-rate": "no_model.deliverability",
    "closed-loop-coverage": "no_model.tracking",
}


def estimate(finding: Finding, metrics: PeriodMetrics, language: str) -> Estimate | None:
    """The finding's cost per quarter; None when no model applies to its rule."""
    if finding.rule in NO_MODEL:
        return Estimate(finding.rule, reason=_t(NO_MODEL[finding.rule], language))
    if finding.rule not in MODELS:
        return None
    model, key, needs_line = MODELS[finding.rule]
    if key == "trend":
        metric, volume = TRENDS[finding.rule]
        formula = _t("trend.formula", language, metric=metric, volume=volume)
    else:
        formula = _t(f"{key}.formula", language)
    out = Estimate(finding.rule, formula=formula, assumptions=_t(f"{key}.assumptions", language))
    line = pass_line(finding) if needs_line else 0.0
    if line is None:
        out.reason = _t("no_line", language)
        return out
    get = _Inputs(metrics, language)
    try:
        value = model(finding, get, line)
    except _Missing as missing:
        out.reason = missing.reason
        return out
    months = metrics.period.count
    out.inputs = dict(get.used)
    if needs_line:
        out.inputs["pass_line"] = line
    out.inputs["quarter_factor"] = 3 / months
    out.value = value * 3 / months
    return out


def estimates(findings: Sequence[Finding], metrics: PeriodMetrics, language: str) -> dict[str, Any]:
    """`analysis.estimates` and `analysis.action_plan` of the result."""
    urgent = [f for f in findings if f.status in ACTIONABLE and "analysis" not in f.labels]
    found = {f.rule: e for f in urgent if (e := estimate(f, metrics, language)) is not None}
    plan = sorted(
        urgent,
        key=lambda f: (
            -(found[f.rule].value or 0.0) if f.rule in found else 0.0,
            finding_rank_key(f.to_json()),
        ),
    )
    return {
        "per": "quarter",
        "items": [e.to_json() for e in found.values()],
        "action_plan": [
            {
                "rule": f.rule,
                "title": f.title,
                "status": f.status,
                "recommendation": f.recommendation,
                "owner": f.owner,
                "effort": f.effort,
                "value": found[f.rule].value if f.rule in found else None,
            }
            for f in plan
        ],
    }
