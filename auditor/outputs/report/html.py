"""The audit report as HTML, rendered only from the result dict (DESIGN.md sections 7, 10).

Jinja2 with `autoescape=True` (select_autoescape would miss `.html.j2`) and
StrictUndefined, so every value from the result is escaped and a typo in a
template fails loudly; every output also goes through `formatting.visible`
(bidi controls shown as `[U+202E]`, control characters as spaces).  This module prepares a small view of the result
(ranking, formatted numbers, chart SVG) so the templates stay declarative.
The only result values that reach CSS or a URL are the accent colour, checked
against a hex pattern, and the logo, checked to be an existing image file (the
config loader also keeps it inside the config's folder).

Two flavours of the same document:

- for the PDF (`standalone=False`), fonts and logo are `file:` URLs that the
  PDF renderer's restricted fetcher serves (the full DejaVu fonts, so any
  client name prints);
- the HTML file (`standalone=True`, the default) carries everything inline:
  CSS, SVG charts, a Latin subset of the same fonts as WOFF2 `data:` URIs
  (about 19 KB each) and the logo as a `data:` URI, so it opens anywhere and
  loads nothing.
"""

from __future__ import annotations

import base64
import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import get_currency_symbol
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from auditor.analysis import completeness
from auditor.core import formatting
from auditor.core.logos import LOGO_TYPES, logo_problem
from auditor.core.models import finding_rank_key, is_analysis
from auditor.core.resources import templates_dir
from auditor.core.shapes import mapping_or_empty
from auditor.metrics.catalog import BASE_BY_ID, BASE_METRICS, CATEGORIES, KPI_BY_ID, KPIS
from auditor.outputs import conditions
from auditor.outputs.report import charts
from auditor.outputs.report.definitions import definition_rows
from auditor.outputs.report.i18n import Translator, resolve_language

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
DEFAULT_ACCENT = "#0b5fff"
PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
URGENT = ("fail", "warn")
JUDGED = ("fail", "warn", "pass", "waived")
# Within a category: what needs action first, then what could not be judged, passes last.
STATUS_ORDER = ("fail", "warn", "pass", "error", "no_data", "not_applicable", "waived")
KEY_FIGURES = ("automation_roi", "cac", "cac_payback_months")
FUNNEL = ("website_visitors", "leads_new", "mqls", "sqls", "customers_new")
# Trend charts per category section: (catalog key, metrics drawn on one axis, same unit).
TREND_CHARTS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "activity": (
        ("emails", ("emails_sent",)),
        ("workflows", ("workflows_active", "workflows_behavioral")),
    ),
    "response": (
        ("list_health", ("unsubscribe_rate", "bounce_rate", "spam_complaint_rate")),
        ("clicks", ("click_rate",)),
    ),
    "efficiency": (
        ("pipeline", ("leads_new", "mqls", "customers_new")),
        ("conversion", ("mql_to_sql_rate", "lead_to_customer_rate")),
    ),
    "value": (
        ("return", ("revenue_attributed", "automation_tco")),
        ("cac", ("cac",)),
    ),
}
FONTS = (  # (weight, file for the PDF, Latin subset for the standalone HTML)
    ("normal", "fonts/DejaVuSans.ttf", "fonts/DejaVuSans-web.woff2"),
    ("bold", "fonts/DejaVuSans-Bold.ttf", "fonts/DejaVuSans-Bold-web.woff2"),
)
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


# ------------------------------------------------------------------ settings
def report_settings(result: Mapping[str, Any]) -> Mapping[str, Any]:
    """`config.report` of the result, empty when absent."""
    return (result.get("config") or {}).get("report") or {}


def accent_colour(result: Mapping[str, Any]) -> str:
    """The configured accent if it is a hex colour, else the default: never raw text into CSS."""
    accent = report_settings(result).get("accent")
    if isinstance(accent, str) and _HEX_COLOUR.fullmatch(accent):
        return accent.lower()
    return DEFAULT_ACCENT


def _tint(hex_colour: str, white: float) -> str:
    """The colour mixed with `white` parts of white: soft backgrounds without CSS color-mix."""
    digits = hex_colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(c + (255 - c) * white) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def page_size(result: Mapping[str, Any]) -> str:
    """CSS `size` keyword for the configured page size; A4 for anything unknown."""
    return PAGE_SIZES.get(str(report_settings(result).get("page_size") or "A4"), "A4")


def logo_path(result: Mapping[str, Any]) -> Path | None:
    """The configured logo, only if it is an absolute path to an image the report can show.

    The PDF fetcher allows exactly this file.  The config loader refuses any logo
    that `logo_problem` would leave out, so one is dropped here only if the file
    changed since, or the result comes from elsewhere (another machine's JSON).
    """
    logo = report_settings(result).get("logo")
    if not isinstance(logo, str) or not logo:
        return None
    path = Path(logo)
    if not path.is_absolute():
        return None
    resolved = path.resolve()
    return None if logo_problem(resolved) else resolved


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def logo_uri(result: Mapping[str, Any], *, standalone: bool) -> str | None:
    """The logo as the PDF fetcher's `file:` URL, or inline for the standalone HTML."""
    path = logo_path(result)
    if path is None:
        return None
    return _data_uri(path, LOGO_TYPES[path.suffix.lower()]) if standalone else path.as_uri()


@cache
def font_faces(standalone: bool) -> Markup:
    """The @font-face rules: shipped files for the PDF, inline WOFF2 subsets for the HTML."""
    rules = []
    for weight, full, subset in FONTS:
        if standalone:
            source = _data_uri(templates_dir() / subset, "font/woff2")
            src = f'url({source}) format("woff2")'
        else:
            src = f"url({full})"
        rules.append(
            f'@font-face {{ font-family: "Report Sans"; src: {src}; font-weight: {weight}; }}'
        )
    return Markup("\n".join(rules))


# ---------------------------------------------------------------- formatting
def _unsign_zero(text: str) -> str:
    """'-0 pp' / '+0 %' read as a change that did not happen: print them unsigned."""
    if text[:1] in "+-" and not re.search(r"[1-9]", text):
        return text[1:]
    return text


def _num(value: Any) -> float | None:
    """A finite number from the result, else None (a missing value is never a 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class Formats:
    """Number and date formatting in the report's language and the client's currency."""

    def __init__(self, language: str, currency: str) -> None:
        self.language = language
        self.currency = currency
        self._locale = formatting.LOCALES.get(language, "en_GB")

    def metric(self, value: float | None, unit: str) -> str:
        """By unit; `points` (a change between two rates) in percentage points."""
        if unit == "points":
            return _unsign_zero(formatting.pp(value, self.language, 2))
        return formatting.metric(value, unit, self.language, self.currency)

    def pct(self, value: float | None, digits: int = 1) -> str:
        return formatting.pct(value, self.language, digits)

    def signed_pct(self, value: float | None, digits: int = 1) -> str:
        """A relative change with its sign: +16.6% / -9.1%."""
        if value is None:
            return "—"
        sign = "+" if value > 0 else "-" if value < 0 else ""
        return _unsign_zero(sign + formatting.pct(abs(value), self.language, digits))

    def score(self, value: float | None) -> str:
        return formatting.number(value, self.language, 1)

    def number(self, value: float | None, digits: int = 0) -> str:
        return formatting.number(value, self.language, digits)

    def money(self, value: float | None, digits: int = 0) -> str:
        return formatting.money(value, self.currency, self.language, digits)

    def currency_symbol(self) -> str:
        return str(get_currency_symbol(self.currency, locale=self._locale))

    def change(
        self, value: float | None, previous: float | None, change: float | None, unit: str
    ) -> str:
        """Rates change in percentage points, everything else relatively; '—' when unknown."""
        if unit == "ratio":
            if value is None or previous is None:
                return "—"
            return _unsign_zero(formatting.pp(value - previous, self.language, 1))
        return self.signed_pct(change)

    def tick(self, unit: str) -> Callable[[float, float], str]:
        """A y-axis tick formatter for `unit`, with as many decimals as the step needs."""

        def decimals(step: float) -> int:
            for digits in range(4):
                if abs(round(step, digits) - step) < 1e-9:
                    return digits
            return 4

        def format_tick(value: float, step: float) -> str:
            if unit == "ratio":
                return formatting.pct(value, self.language, decimals(step * 100))
            if unit == "money":
                return formatting.money(value, self.currency, self.language, 0)
            return formatting.number(value, self.language, decimals(step))

        return format_tick

    def long_date(self, iso: str | None) -> str:
        if not iso:
            return "—"
        try:
            day = date.fromisoformat(str(iso)[:10])
        except ValueError:
            return str(iso)
        return format_date(day, "long", locale=self._locale)

    def timestamp(self, iso: str | None) -> str:
        if not iso:
            return "—"
        try:
            moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
        except ValueError:
            return str(iso)
        text = format_datetime(moment, "medium", tzinfo=moment.tzinfo, locale=self._locale)
        return f"{text} UTC" if moment.utcoffset() is not None and not moment.utcoffset() else text


def _fmt(ctx: Context) -> Formats:
    return ctx["fmt"]  # type: ignore[no-any-return]


@pass_context
def _metric_filter(ctx: Context, value: float | None, unit: str) -> str:
    return _fmt(ctx).metric(value, unit)


@pass_context
def _pct_filter(ctx: Context, value: float | None, digits: int = 1) -> str:
    return _fmt(ctx).pct(value, digits)


@pass_context
def _score_filter(ctx: Context, value: float | None) -> str:
    return _fmt(ctx).score(value)


@pass_context
def _number_filter(ctx: Context, value: float | None, digits: int = 0) -> str:
    return _fmt(ctx).number(value, digits)


@pass_context
def _change_filter(ctx: Context, item: Mapping[str, Any]) -> str:
    """`{{ metric | change }}`: reads value, previous, change and unit."""
    return _fmt(ctx).change(
        item.get("value"), item.get("previous"), item.get("change"), item.get("unit", "")
    )


@pass_context
def _date_filter(ctx: Context, iso: str | None) -> str:
    return _fmt(ctx).long_date(iso)


@pass_context
def _datetime_filter(ctx: Context, iso: str | None) -> str:
    return _fmt(ctx).timestamp(iso)


def _visible(value: Any) -> Any:
    """Every `{{ }}` output: control characters as spaces and bidi controls as [U+202E]
    (`formatting.visible`), so a campaign name cannot reorder the sentence around it.
    Markup (chart SVG, whose text came escaped from the same data) stays Markup."""
    if isinstance(value, Markup):
        return Markup(formatting.visible(str(value)))
    if isinstance(value, str):
        return formatting.visible(value)
    return value


@cache
def environment() -> Environment:
    """One Environment per process: templates compile once, filters read the render's context."""
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=True,
        finalize=_visible,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        metric=_metric_filter,
        pct=_pct_filter,
        score=_score_filter,
        number=_number_filter,
        change=_change_filter,
        date=_date_filter,
        datetime=_datetime_filter,
    )
    env.globals["cite"] = conditions.citation_text
    return env


@cache
def _stylesheet() -> Markup:
    """The shipped stylesheet, inlined so the HTML output also reads well on its own."""
    css = (templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    if "</" in css:  # would close the <style> element early
        raise ValueError(f"{STYLESHEET} must not contain '</'")
    return Markup(css)


# ---------------------------------------------------------------------- view
def rank_urgent(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Fail and warn findings, worst first (`models.rank_key`: every failure first)."""
    return sorted((f for f in findings if f.get("status") in URGENT), key=finding_rank_key)


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
    """The translated name of a catalog metric; a pack's own metric keeps its id."""
    key = f"metric.{metric_id}"
    return t(key) if t.has(key) else metric_id


def short_name(metric_id: str, t: Translator) -> str:
    """The short name used as a chart's direct label."""
    key = f"short.{metric_id}"
    return t(key) if t.has(key) else metric_name(metric_id, t)


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
    base_unit = metric_unit(str(finding.get("metric") or ""), result, unit)
    value = _num(finding.get("value"))
    condition, bands = describe_bands(finding, t, fmt)
    condition_line = conditions.condition_line(finding, fmt.language, fmt.currency)
    if value is None or finding.get("status") not in JUDGED:
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
    facts: list[tuple[str, str]]
    if compare:
        to = str(compare.get("to") or "previous_period")
        base_key = f"findings.baseline.{to}"
        facts = [
            (t("findings.measured_change"), measured or missing),
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
            (t("findings.measured"), measured or missing),
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
    facts.append((t("findings.confidence"), confidence_text))
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
    waiver = finding.get("waiver") or None
    waived_note = None
    if finding.get("status") == "waived" and waiver:
        waived_note = t(
            "findings.waived_note",
            status=_status_label(str(finding.get("waived_status") or "—"), t),
            until=fmt.long_date(waiver.get("until")),
            reason=str(waiver.get("reason") or "—"),
        )
    labels = [str(label) for label in finding.get("labels") or []]
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
        "detail": finding.get("reason") or None,
    }


def _metric_rows(result: Mapping[str, Any], t: Translator) -> list[dict[str, Any]]:
    """Per category, every metric of the catalog (then any extra ones) with value or reason."""
    metrics: Mapping[str, Any] = result.get("metrics") or {}
    undefined: Mapping[str, Any] = result.get("undefined") or {}
    catalog = [(m.id, m.category, m.unit) for m in BASE_METRICS] + [
        (k.id, k.category, k.unit) for k in KPIS
    ]
    known = {metric_id for metric_id, _, _ in catalog}
    extra = sorted((set(metrics) | set(undefined)) - known)
    for metric_id in extra:
        info = metrics.get(metric_id) or {}
        catalog.append((metric_id, str(info.get("category", "")), str(info.get("unit", "count"))))
    groups: list[dict[str, Any]] = []
    for category in (*CATEGORIES, ""):
        rows = []
        for metric_id, cat, unit in catalog:
            if (cat if cat in CATEGORIES else "") != category:
                continue
            if metric_id in metrics:
                info = dict(metrics[metric_id])
                info.setdefault("unit", unit)
                rows.append(
                    {"id": metric_id, "name": metric_name(metric_id, t), "m": info, "reason": None}
                )
            elif metric_id in undefined:
                rows.append(
                    {
                        "id": metric_id,
                        "name": metric_name(metric_id, t),
                        "m": None,
                        "reason": str(undefined[metric_id]),
                    }
                )
        groups.append({"id": category or "other", "rows": rows})
    return groups


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


def trend_charts(
    category: str, result: Mapping[str, Any], t: Translator, fmt: Formats
) -> list[dict[str, Any]]:
    """The category's trend charts from `result["trend"]`.

    A chart is drawn when one of its series has values in at least two periods;
    a series with no value at all is left out and named in the chart's note.
    """
    periods = [str(p) for p in (result.get("trend") or {}).get("periods") or []]
    out = []
    for key, metric_ids in TREND_CHARTS.get(category, ()):
        unit = metric_unit(metric_ids[0], result)
        series, absent = [], []
        for metric_id in metric_ids:
            values = trend_values(result, metric_id)
            if values is None or all(v is None for v in values):
                absent.append(metric_name(metric_id, t))
            else:
                series.append(charts.Series(short_name(metric_id, t), values))
        drawable = any(sum(v is not None for v in s.values) >= 2 for s in series)
        title = t(f"chart.{key}")
        svg = None
        if drawable:
            y_title = (
                t("axis.money", currency=fmt.currency_symbol())
                if unit == "money"
                else t(f"axis.{unit}")
                if t.has(f"axis.{unit}")
                else ""
            )
            svg = charts.line_chart(
                periods,
                series,
                title=title,
                y_title=y_title,
                x_title=t("axis.period"),
                tick=fmt.tick(unit),
                value=functools.partial(fmt.metric, unit=unit),
            )
        notes = []
        if not drawable:
            notes.append(t("chart.not_enough"))
        if absent and drawable:
            notes.append(t("chart.absent", metrics=", ".join(absent)))
        out.append({"key": key, "title": title, "svg": svg, "notes": notes})
    return out


def funnel_view(result: Mapping[str, Any], t: Translator, fmt: Formats) -> dict[str, Any]:
    """The funnel: each stage's count (None = not measured) and the rate between stages."""
    metrics: Mapping[str, Any] = result.get("metrics") or {}
    undefined: Mapping[str, Any] = result.get("undefined") or {}
    stages: list[dict[str, Any]] = []
    steps: list[charts.Step] = []
    rates = []
    previous_label = result["previous_period"]["label"]
    for metric_id in FUNNEL:
        info = metrics.get(metric_id) or {}
        value = _num(info.get("value"))
        stages.append(
            {
                "id": metric_id,
                "name": metric_name(metric_id, t),
                "value": value,
                "previous": _num(info.get("previous")),
                "text": fmt.number(value) if value is not None else None,
                "reason": None if value is not None else str(undefined.get(metric_id) or "—"),
            }
        )
    for upper, lower in itertools.pairwise(stages):
        rate = _ratio(lower["value"], upper["value"])
        before = _ratio(lower["previous"], upper["previous"])
        rates.append(rate)
        steps.append(
            charts.Step(
                fmt.pct(rate, 1) if rate is not None else "—",
                t("funnel.previous", period=previous_label, rate=fmt.pct(before, 1))
                if before is not None
                else "",
            )
        )
    overall = _ratio(stages[-1]["value"], stages[0]["value"])
    svg = charts.funnel_chart(
        [charts.Stage(s["name"], s["value"], s["text"] or "") for s in stages],
        steps,
        title=t("funnel.title"),
        missing=t("funnel.not_measured"),
    )
    return {
        "stages": stages,
        "rates": rates,
        "svg": svg,
        "overall": fmt.pct(overall, 2) if overall is not None else None,
        "missing": [s for s in stages if s["value"] is None],
    }


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _categories(
    result: Mapping[str, Any],
    t: Translator,
    fmt: Formats,
    views: Mapping[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    info: Mapping[str, Any] = result.get("categories") or {}
    scores: Mapping[str, Any] = result.get("scores") or {}
    findings: list[Mapping[str, Any]] = list(result.get("findings") or [])
    groups = {g["id"]: g["rows"] for g in _metric_rows(result, t)}
    out = []
    for category in CATEGORIES:
        data = info.get(category) or {}
        score = _num(scores.get(category, data.get("score")))
        coverage = _num(data.get("coverage"))
        incomplete = score is None
        text = (
            t("summary.incomplete", coverage=fmt.pct(coverage, 0))
            if incomplete
            else fmt.score(score)
        )
        own = rank_in_category([f for f in findings if f.get("category") == category])
        counts = Counter(str(f.get("status")) for f in own)
        out.append(
            {
                "id": category,
                "name": t(f"category.{category}"),
                "question": t(f"category.{category}.question"),
                "score": score,
                "coverage": coverage,
                "incomplete": incomplete,
                "text": text,
                "weight": _num(data.get("weight")),
                "counts": [(s, counts[s]) for s in STATUS_ORDER if counts[s]],
                "ring": charts.score_ring(
                    score,
                    text=fmt.score(score) if score is not None else "—",
                    caption=t("summary.out_of"),
                    title=t("category.score_label", category=t(f"category.{category}")),
                    size=84,
                ),
                "findings": [views[id(f)] for f in own],
                "rows": groups.get(category, []),
                "charts": trend_charts(category, result, t, fmt),
                "funnel": funnel_view(result, t, fmt) if category == "efficiency" else None,
            }
        )
    return out


def _unmeasured(result: Mapping[str, Any], t: Translator) -> list[dict[str, str]]:
    """What could not be measured and why: the source's own list, then undefined metrics."""
    source = result.get("source") or {}
    rows = [
        {"name": metric_name(str(k), t), "id": str(k), "reason": str(v), "origin": "source"}
        for k, v in (source.get("not_measured") or {}).items()
    ]
    order = {m: i for i, m in enumerate([*BASE_BY_ID, *KPI_BY_ID])}
    undefined = result.get("undefined") or {}
    for metric_id in sorted(undefined, key=lambda m: (order.get(m, len(order)), m)):
        rows.append(
            {
                "name": metric_name(str(metric_id), t),
                "id": str(metric_id),
                "reason": str(undefined[metric_id]),
                "origin": "audit",
            }
        )
    return rows


SHOWN_WITH_DEFINITIONS = frozenset({"metric_sources", "definition_differences"})


def _provenance_label(key: str, t: Translator) -> str:
    """A provenance key in words: the catalog's label, a metric's name, else the key's words."""
    for candidate in (f"prov.{key}", f"metric.{key}"):
        if t.has(candidate):
            return t(candidate)
    return key.replace("_", " ").capitalize()


def _provenance_value(value: Any, t: Translator, depth: int = 0) -> str:
    """A provenance value in words: nested maps as `label: value` pairs, never a dict."""
    if isinstance(value, Mapping):
        if depth >= 2:
            return "…"
        parts = [
            f"{_provenance_label(str(k), t)}: {_provenance_value(v, t, depth + 1)}"
            for k, v in value.items()
        ]
        return "; ".join(parts) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_provenance_value(v, t, depth + 1) for v in value) or "—"
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and t.has(f"provval.{value}"):
        return t(f"provval.{value}")
    return str(value)


def _provenance(result: Mapping[str, Any], t: Translator) -> list[tuple[str, str]]:
    """The connector's provenance as readable label/value rows (it is connector-specific)."""
    provenance = (result.get("source") or {}).get("provenance") or {}
    if not isinstance(provenance, Mapping):
        return []
    # metric_sources and definition_differences have their own table (definitions.py)
    shown = {k: v for k, v in provenance.items() if k not in SHOWN_WITH_DEFINITIONS}
    rows = []
    for key, value in shown.items():
        text = _provenance_value(value, t)
        rows.append((_provenance_label(str(key), t), text[:600] + ("…" if len(text) > 600 else "")))
    return rows


def _toc(
    t: Translator, categories: list[dict[str, Any]], analysis: Mapping[str, Any]
) -> list[dict[str, Any]]:
    entries = [
        {"href": "#sec-summary", "label": t("summary.title"), "level": 1},
        {"href": "#sec-findings", "label": t("findings.title"), "level": 1},
    ]
    for c in categories:
        entries.append({"href": f"#sec-{c['id']}", "label": c["name"], "level": 1})
        if c["funnel"]:
            entries.append({"href": "#sec-funnel", "label": t("funnel.title"), "level": 2})
    if "trends" in analysis or "anomalies" in analysis:
        entries.append({"href": "#sec-trends", "label": t("trends.title"), "level": 1})
        if "anomalies" in analysis:
            entries.append({"href": "#sec-anomalies", "label": t("anomalies.title"), "level": 2})
    business = [
        (key, anchor, label)
        for key, anchor, label in (
            ("lead_scoring", "#sec-lead-scoring", "business.lead.title"),
            ("plan", "#sec-plan", "business.plan.title"),
            ("channels", "#sec-channels", "business.channels.title"),
        )
        if key in analysis
    ]
    if business:
        entries.append({"href": "#sec-business", "label": t("business.title"), "level": 1})
        for _, anchor, label in business:
            entries.append({"href": anchor, "label": t(label), "level": 2})
    entries.append({"href": "#sec-appendix", "label": t("appendix.title"), "level": 1})
    for key in ("kpis", "definitions", "sources", "unmeasured", "packs", "caveats"):
        entries.append({"href": f"#sec-{key}", "label": t(f"appendix.{key}"), "level": 2})
    return entries


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


def build_view(
    result: Mapping[str, Any], language: str, *, standalone: bool = True
) -> dict[str, Any]:
    """Everything the templates read: the result itself plus ranked, formatted, charted views."""
    t = Translator(language)
    currency = str((result.get("config") or {}).get("currency") or "EUR")
    fmt = Formats(language, currency)
    findings: list[Mapping[str, Any]] = list(result.get("findings") or [])
    views = {id(f): finding_view(f, result, t, fmt) for f in findings}
    urgent = rank_urgent(findings)
    # rule findings only, as the portfolio and the exit code count them: analysis findings
    # are informative and counted apart
    informative = [f for f in findings if is_analysis(f)]
    counts = Counter(str(f.get("status")) for f in findings if f not in informative)
    categories = _categories(result, t, fmt, views)
    overall = _num((result.get("scores") or {}).get("overall"))
    settings = report_settings(result)
    accent = accent_colour(result)
    period = result["period"]
    agency = settings.get("agency") or None
    trend_periods = [str(p) for p in (result.get("trend") or {}).get("periods") or []]
    return {
        "r": result,
        "t": t,
        "fmt": fmt,
        "lang": language,
        "doc_title": f"{result['client']} — {period['label']}",
        "subject": t("doc.subject", period=period["label"]),
        "keywords": ", ".join([t("doc.keywords"), str(result["client"]), str(period["label"])]),
        "author": agency or t("doc.author_default"),
        "agency": agency,
        "logo_uri": logo_uri(result, standalone=standalone),
        "font_faces": font_faces(standalone),
        "accent": accent,
        "accent_soft": _tint(accent, 0.9),
        "page_size": page_size(result),
        "stylesheet": _stylesheet(),
        "toc": _toc(t, categories, result.get("analysis") or {}),
        "urgent": [views[id(f)] for f in urgent],
        "top": urgent[:3],
        "action_plan": action_plan(result, t, fmt),
        "costs": _costs(result, t, fmt),
        "counts": [
            (s, counts[s]) for s in STATUS_ORDER if counts[s] or s in ("fail", "warn", "pass")
        ],
        "informative_count": len(informative),
        "categories": categories,
        "overall": overall,
        "overall_coverage": _num(result.get("overall_coverage")),
        "ring": charts.score_ring(
            overall,
            text=fmt.score(overall),
            caption=t("summary.out_of"),
            title=t("summary.overall"),
        ),
        "bars": charts.score_bars(
            [charts.Bar(c["name"], c["score"], c["text"]) for c in categories],
            title=t("summary.chart_label"),
        ),
        "any_incomplete": any(c["incomplete"] for c in categories),
        "revenue": _figure("revenue_attributed", result, t, fmt),
        "tco": _figure("automation_tco", result, t, fmt),
        "figures": [_figure(m, result, t, fmt) for m in KEY_FIGURES],
        "other_metrics": next(g["rows"] for g in _metric_rows(result, t) if g["id"] == "other"),
        "unmeasured": _unmeasured(result, t),
        "provenance": _provenance(result, t),
        "definitions": definition_rows(result, t),
        "completeness": completeness.view(
            result, language, {c: t(f"category.{c}") for c in CATEGORIES}
        ),
        "warnings": [str(w) for w in result.get("warnings") or []],
        "trend_span": (trend_periods[0], trend_periods[-1]) if trend_periods else None,
        "kpis": KPIS,
    }


def render_html(
    result: Mapping[str, Any], *, language: str | None = None, standalone: bool = True
) -> str:
    """The full report as one HTML document, in `language` or the audit's own.

    `standalone=True` (the HTML output) inlines fonts and logo as `data:` URIs;
    the PDF renderer asks for `standalone=False` and serves them from files.
    """
    chosen = resolve_language(result, language)
    view = build_view(result, chosen, standalone=standalone)
    return environment().get_template(TEMPLATE).render(view)
