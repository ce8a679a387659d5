"""The view every document output shares (report, Markdown): findings ranked and described,
metric names and units, the key figures, the cost estimates and the action plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from auditor.core.models import ACTIONABLE, finding_rank_key, is_analysis
from auditor.core.shapes import mapping_or_empty
from auditor.core.strings import Translator
from auditor.metrics import catalog
from auditor.metrics.catalog import BASE_BY_ID, KPI_BY_ID
from auditor.outputs import charts, conditions
from auditor.outputs.numbers import Formats, _num

VALUED = (*ACTIONABLE, "pass", "waived")  # statuses whose finding shows its measured value
# Within a category: what needs action first, then what could not be judged, passes last.
KEY_FIGURES = ("automation_roi", "cac", "cac_payback_months")


# ---------------------------------------------------------------------- view
def rank_urgent(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Fail and warn findings, worst first (`models.rank_key`: every failure first)."""
    return sorted((f for f in findings if f.get("status") in ACTIONABLE), key=finding_rank_key)


def rank_in_category(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A category's findings, in the one worst-first order."""
    return sorted(findings, key=finding_rank_key)


def describe_bands(
    finding: Mapping[str, Any], t: Translator, fmt: Formats
) -> tuple[str, list[str]]:
    """The pass condition and each band as it triggers (fail first), from the one
    describer every output uses (`outputs/conditions.py`)."""
    described = conditions.describe(finding, fmt.language, fmt.currency)
    condition = conditions.passing_text(finding, fmt.language, fmt.currency)
    if described.passing is None:
        return condition, []
    return condition, [f"{t('band.' + level)} {text}" for level, text in described.bands]


def metric_name(metric_id: str, t: Translator) -> str:
    """The name of a metric in the report's language: the catalog's; for a metric a rule
    pack derives, the string catalog's `metric.<id>`, else its id."""
    name = catalog.metric_name(metric_id, t.language)
    if name is not None:
        return name
    key = f"metric.{metric_id}"
    return t(key) if t.has(key) else metric_id


def metric_definition(metric_id: str, t: Translator) -> str:
    """What the metric is, in the report's language (the catalog's definition)."""
    found = catalog.metric(metric_id)
    return "" if found is None else found.definition[t.language]


def short_name(metric_id: str, t: Translator) -> str:
    """The short name used as a chart's direct label."""
    return catalog.short_name(metric_id, t.language) or metric_name(metric_id, t)


def metric_unit(metric_id: str, result: Mapping[str, Any], default: str = "count") -> str:
    """A metric's unit: the result's own, else the catalog's, else `default`."""
    info = (result.get("metrics") or {}).get(metric_id) or {}
    if info.get("unit"):
        return str(info["unit"])
    if metric_id in BASE_BY_ID:
        return BASE_BY_ID[metric_id].unit
    if metric_id in KPI_BY_ID:
        return KPI_BY_ID[metric_id].unit
    return default


def _status_label(status: str, t: Translator) -> str:
    key = f"status.{status}"
    return t(key) if t.has(key) else status


def trend_values(result: Mapping[str, Any], metric_id: str) -> list[float | None] | None:
    """A metric's values over `trend.periods` (None = a gap), or None when the trend lacks it."""
    trend = result.get("trend") or {}
    periods = trend.get("periods") or []
    values = (trend.get("metrics") or {}).get(metric_id)
    if not periods or not isinstance(values, list) or len(values) != len(periods):
        return None
    return [_num(v) for v in values]


def finding_view(
    finding: Mapping[str, Any], result: Mapping[str, Any], t: Translator, fmt: Formats
) -> dict[str, Any]:
    """Everything printed about one finding, formatted: the card and the short row read this."""
    unit = str(finding.get("unit") or "")
    compare = finding.get("compare") or None
    value = _num(finding.get("value"))
    condition, bands = describe_bands(finding, t, fmt)
    condition_line = conditions.condition_line(finding, fmt.language, fmt.currency)
    if value is None or finding.get("status") not in VALUED:
        # An unjudged rule's value is the raw metric, not what its bands compare
        # (a change rule's bands are changes): printing both would contradict.
        measured = None
    elif compare and compare.get("change") == "relative":
        measured = fmt.signed_pct(value)
    else:
        measured = fmt.metric(value, unit)
    missing = t("common.not_measurable", reason=finding.get("reason") or t("common.none"))
    confidence = str(finding.get("confidence") or "normal")
    confidence_text = (
        t(f"confidence.{confidence}") if t.has(f"confidence.{confidence}") else confidence
    )
    facts = _facts(finding, result, t, fmt, measured or missing, condition)
    facts.append((t("findings.confidence"), confidence_text))
    spark = _sparkline(finding, result, t)
    waiver = finding.get("waiver") or None
    waived_note = None
    if finding.get("status") == "waived" and waiver:
        waived_note = t(
            "findings.waived_note",
            status=_status_label(str(finding.get("waived_status") or "—"), t),
            until=fmt.long_date(waiver.get("until")),
            reason=str(waiver.get("reason") or "—"),
        )
    # the analysis tag is ours, in the report's words; a pack's own labels are its author's
    labels = [
        t(f"label.{label}") if t.has(f"label.{label}") else str(label)
        for label in finding.get("labels") or []
    ]
    return {
        "f": finding,
        "measured": measured,
        "missing": missing,
        "condition": condition,
        "condition_line": condition_line,
        "bands": bands,
        "facts": facts,
        "spark": spark,
        "waived_note": waived_note,
        "labels": labels,
        # an analysis finding comes from a check of the data, not from a rule of a pack
        "id_label": t("findings.check") if is_analysis(finding) else t("findings.rule"),
        "detail": finding.get("reason") or None,
    }


def _facts(
    finding: Mapping[str, Any],
    result: Mapping[str, Any],
    t: Translator,
    fmt: Formats,
    measured: str,
    condition: str,
) -> list[tuple[str, str]]:
    """The finding's facts: what was measured against what, and the change (for a change
    rule, the current value and its baseline)."""
    unit = str(finding.get("unit") or "")
    compare = finding.get("compare") or None
    base_unit = metric_unit(str(finding.get("metric") or ""), result, unit)
    value = _num(finding.get("value"))
    facts: list[tuple[str, str]]
    if compare:
        to = str(compare.get("to") or "previous_period")
        base_key = f"findings.baseline.{to}"
        facts = [
            (t("findings.measured_change"), measured),
            (t("findings.pass_condition"), condition),
            (
                t("findings.value_in", period=result["period"]["label"]),
                fmt.metric(_num(compare.get("current")), base_unit),
            ),
            (
                t(
                    base_key if t.has(base_key) else "findings.baseline.other",
                    period=str(compare.get("period") or "—"),
                ),
                fmt.metric(_num(compare.get("baseline")), base_unit),
            ),
        ]
    else:
        facts = [
            (t("findings.measured"), measured),
            (t("findings.pass_condition"), condition),
            (
                t("findings.previous", period=result["previous_period"]["label"]),
                fmt.metric(_num(finding.get("previous")), unit),
            ),
            (
                t("findings.change"),
                fmt.change(value, _num(finding.get("previous")), _num(finding.get("change")), unit),
            ),
        ]
    return facts


def _sparkline(
    finding: Mapping[str, Any], result: Mapping[str, Any], t: Translator
) -> dict[str, Any] | None:
    """The metric's line over the trend's periods, when it has two values or more."""
    spark = None
    values = trend_values(result, str(finding.get("metric") or ""))
    periods = (result.get("trend") or {}).get("periods") or []
    if values and sum(v is not None for v in values) >= 2:
        spark = {
            "svg": charts.sparkline(
                values,
                title=t(
                    "findings.trend_label",
                    metric=metric_name(str(finding.get("metric")), t),
                    first=str(periods[0]),
                    last=str(periods[-1]),
                ),
            ),
            "caption": t("findings.trend_caption", first=str(periods[0]), last=str(periods[-1])),
        }
    return spark


def _figure(
    metric_id: str, result: Mapping[str, Any], t: Translator, fmt: Formats
) -> dict[str, Any]:
    """A headline number, or the reason it cannot be measured (never a 0)."""
    metrics: Mapping[str, Any] = result.get("metrics") or {}
    undefined: Mapping[str, Any] = result.get("undefined") or {}
    info = metrics.get(metric_id)
    if info and _num(info.get("value")) is not None:
        value, unit = float(info["value"]), info.get("unit", "count")
        # A headline ROI of 416 % reads better than 415.87 %; small rates keep a decimal.
        if unit == "ratio":
            text = fmt.pct(value, 0 if abs(value) >= 1 else 1)
        else:
            text = fmt.metric(value, unit)
        previous = _num(info.get("previous"))
        change = fmt.change(value, previous, _num(info.get("change")), unit)
        return {
            "id": metric_id,
            "label": metric_name(metric_id, t),
            "text": text,
            "missing": None,
            "trend": t(
                "summary.vs_previous", period=result["previous_period"]["label"], change=change
            )
            if previous is not None and change != "—"
            else None,
        }
    reason = str(undefined.get(metric_id) or t("common.not_reported"))
    return {
        "id": metric_id,
        "label": metric_name(metric_id, t),
        "text": None,
        "missing": t("common.not_measurable", reason=reason),
        "trend": None,
    }


def _estimates(result: Mapping[str, Any]) -> Mapping[str, Any]:
    found = (result.get("analysis") or {}).get("estimates")
    return found if isinstance(found, Mapping) else {}


def _input_text(
    name: str,
    value: Any,
    finding_unit: str,
    result: Mapping[str, Any],
    t: Translator,
    fmt: Formats,
) -> str:
    """One input of an estimate, named and formatted in its unit."""
    number = _num(value)
    if name == "pass_line":
        return f"{t('estimate.pass_line')} {fmt.metric(number, finding_unit)}"
    if name == "quarter_factor":
        return f"{t('estimate.quarter_factor')} {fmt.number(number, 2)}"
    metric = name.removesuffix(" (previous)")
    label = metric_name(metric, t)
    if metric != name:
        label += f" ({t('findings.previous_short')})"
    return f"{label} {fmt.metric(number, metric_unit(metric, result))}"


def _costs(result: Mapping[str, Any], t: Translator, fmt: Formats) -> dict[str, Any]:
    """Each finding's estimate, formatted for its card: value, formula, inputs, or reason."""
    units = {str(f.get("rule")): str(f.get("unit") or "") for f in result.get("findings") or []}
    out: dict[str, Any] = {}
    for item in _estimates(result).get("items") or []:
        if not isinstance(item, Mapping):
            continue
        rule = str(item.get("rule"))
        value = _num(item.get("value"))
        inputs = mapping_or_empty(item.get("inputs"))
        out[rule] = {
            "value": fmt.metric(value, "money") if value is not None else None,
            "reason": item.get("reason"),
            "formula": item.get("formula"),
            "assumptions": item.get("assumptions"),
            "inputs": " · ".join(
                _input_text(str(k), v, units.get(rule, ""), result, t, fmt)
                for k, v in inputs.items()
            ),
        }
    return out


def action_plan(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[dict[str, Any]]:
    def word(prefix: str, value: Any) -> str:
        key = f"{prefix}.{value}"
        return t(key) if value and t.has(key) else "—"

    rows = []
    for item in _estimates(result).get("action_plan") or []:
        if not isinstance(item, Mapping):
            continue
        value = _num(item.get("value"))
        rows.append(
            {
                "status": str(item.get("status") or ""),
                "title": item.get("title") or item.get("rule"),
                "recommendation": item.get("recommendation") or "",
                "owner": word("owner", item.get("owner")),
                "effort": word("effort", item.get("effort")),
                "value": fmt.metric(value, "money") if value is not None else "—",
            }
        )
    return rows
