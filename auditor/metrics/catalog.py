"""The metric catalog of DESIGN.md section 3: every metric declared once, with every fact.

The tables are `base_metrics.py` (what connectors deliver) and `kpis.py` (what is derived
from them); their types are in `model.py`. Everything else reads this module: the
calculator, the rule validator, the connectors, the report's names, short names and
definitions in every language, the trend's sense of better, the README and
docs/definitions.md. `tests/metrics/test_catalog.py` checks every metric is complete in
every report language and every metric id a rule pack, a template or a connector names
exists here.
"""

from __future__ import annotations

from auditor.core.vocabulary import CATEGORIES as CATEGORIES
from auditor.metrics.base_metrics import BASE_METRICS as BASE_METRICS
from auditor.metrics.kpis import KPIS as KPIS
from auditor.metrics.kpis import SHARE as SHARE
from auditor.metrics.model import BaseMetric as BaseMetric
from auditor.metrics.model import Kpi as Kpi
from auditor.metrics.model import Text as Text
from auditor.metrics.model import inline

UNITS = ("count", "ratio", "money", "months", "multiple")

# Every formula parsed once at import: a typo in the table fails the first import, not an audit.
_PARSED = {k.id: k.parsed for k in KPIS if k.method == "formula"}

BASE_BY_ID: dict[str, BaseMetric] = {m.id: m for m in BASE_METRICS}
KPI_BY_ID: dict[str, Kpi] = {k.id: k for k in KPIS}
ALL_METRIC_IDS: tuple[str, ...] = tuple(BASE_BY_ID) + tuple(KPI_BY_ID)

COST_KEYS = ("platform", "staff", "services", "media", "sales", "overhead")


def category_of(metric_id: str) -> str:
    if metric_id in BASE_BY_ID:
        return BASE_BY_ID[metric_id].category
    return KPI_BY_ID[metric_id].category


def unit_of(metric_id: str) -> str:
    if metric_id in BASE_BY_ID:
        return BASE_BY_ID[metric_id].unit
    return KPI_BY_ID[metric_id].unit


def metric(metric_id: str) -> BaseMetric | Kpi | None:
    """The catalog's declaration of `metric_id`; None for a metric a rule pack derives."""
    return BASE_BY_ID.get(metric_id) or KPI_BY_ID.get(metric_id)


def metric_name(metric_id: str, language: str) -> str | None:
    """The metric's name in `language` ('Unsubscribe rate'); None outside the catalog."""
    found = metric(metric_id)
    return None if found is None else found.name[language]


def short_name(metric_id: str, language: str) -> str | None:
    """The metric's short name for a chart legend, else its name; None outside the catalog."""
    found = metric(metric_id)
    if found is None:
        return None
    return (found.short or found.name)[language]


def inline_name(metric_id: str, language: str) -> str | None:
    """The metric's name inside a sentence ('the unsubscribe rate ...')."""
    name = metric_name(metric_id, language)
    return None if name is None else inline(name)


def lower_is_better(metric_id: str) -> bool:
    """Whether less of the metric is better (costs, churn, unsubscribes ...)."""
    found = metric(metric_id)
    return found is not None and found.better == "lower"
