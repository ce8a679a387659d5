"""The audit report as HTML, rendered only from the result dict (DESIGN.md sections 7, 10).

Jinja2 with `autoescape=True` (select_autoescape would miss `.html.j2`) and
StrictUndefined, so every value from the result is escaped and a typo in a
template fails loudly.  This module prepares a small view of the result
(ranking, formatted numbers, chart SVG) so the templates stay declarative;
the only result values that reach CSS or a URL are the accent colour, checked
against a hex pattern, and the logo, checked to be an existing image file and
fetched by the PDF renderer's restricted fetcher.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from auditor import formatting
from auditor.metrics.catalog import BASE_METRICS, CATEGORIES, KPIS
from auditor.report import charts
from auditor.report.i18n import Translator, resolve_language
from auditor.resources import templates_dir

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
DEFAULT_ACCENT = "#0b5fff"
PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
LOGO_TYPES = (".png", ".jpg", ".jpeg", ".svg")
URGENT = ("fail", "warn")
# Other findings: what could not be judged first, passes last.
OTHER_ORDER = ("error", "no_data", "not_applicable", "waived", "pass")
STATUS_ORDER = ("fail", "warn", "pass", "error", "no_data", "not_applicable", "waived")
KEY_FIGURES = ("automation_roi", "cac", "cac_payback_months")
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_NEGATION = {"above": "≤", "below": "≥", "at_least": "<", "at_most": ">"}
_OPERATOR = {"above": ">", "below": "<", "at_least": "≥", "at_most": "≤"}


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
    """The configured logo, only if it is an absolute path to an existing image file.

    The PDF fetcher allows exactly this file; a missing or odd logo is left out
    rather than failing the report (the config loader already reported it).
    """
    logo = report_settings(result).get("logo")
    if not isinstance(logo, str) or not logo:
        return None
    path = Path(logo)
    if not path.is_absolute() or path.suffix.lower() not in LOGO_TYPES:
        return None
    resolved = path.resolve()
    return resolved if resolved.is_file() else None


# ---------------------------------------------------------------- formatting
class Formats:
    """Number and date formatting in the report's language and the client's currency."""

    def __init__(self, language: str, currency: str) -> None:
        self.language = language
        self.currency = currency
        self._locale = formatting.LOCALES.get(language, "en_GB")

    def metric(self, value: float | None, unit: str) -> str:
        return formatting.metric(value, unit, self.language, self.currency)

    def pct(self, value: float | None, digits: int = 1) -> str:
        return formatting.pct(value, self.language, digits)

    def score(self, value: float | None) -> str:
        return formatting.number(value, self.language, 1)

    def number(self, value: float | None, digits: int = 0) -> str:
        return formatting.number(value, self.language, digits)

    def change(
        self, value: float | None, previous: float | None, change: float | None, unit: str
    ) -> str:
        """Rates change in percentage points, everything else relatively; '—' when unknown."""
        if unit == "ratio":
            if value is None or previous is None:
                return "—"
            return formatting.pp(value - previous, self.language, 1)
        if change is None:
            return "—"
        sign = "+" if change > 0 else "-" if change < 0 else ""
        return sign + formatting.pct(abs(change), self.language, 1)

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
    """`{{ metric_or_finding | change }}`: reads value, previous, change and unit."""
    return _fmt(ctx).change(
        item.get("value"), item.get("previous"), item.get("change"), item.get("unit", "")
    )


@pass_context
def _date_filter(ctx: Context, iso: str | None) -> str:
    return _fmt(ctx).long_date(iso)


@pass_context
def _datetime_filter(ctx: Context, iso: str | None) -> str:
    return _fmt(ctx).timestamp(iso)


@cache
def environment() -> Environment:
    """One Environment per process: templates compile once, filters read the render's context."""
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=True,
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
    return env


@cache
def _stylesheet() -> Markup:
    """The shipped stylesheet, inlined so the HTML output also reads well on its own."""
    css = (templates_dir() / STYLESHEET).read_text(encoding="utf-8")
    if "</" in css:  # would close the <style> element early
        raise ValueError(f"{STYLESHEET} must not contain '</'")
    return Markup(css)


# ---------------------------------------------------------------------- view
def rank_urgent(findings: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Fail and warn findings, highest impact first, then lowest score, then rule id."""
    urgent = [f for f in findings if f.get("status") in URGENT]
    return sorted(
        urgent,
        key=lambda f: (
            -float(f.get("impact") or 0),
            float(f["score"]) if f.get("score") is not None else 101.0,
            str(f.get("rule", "")),
        ),
    )


def other_findings(findings: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Everything not fail/warn: unjudged first, passes last, by category within a status."""
    category_rank = {c: i for i, c in enumerate(CATEGORIES)}
    status_rank = {s: i for i, s in enumerate(OTHER_ORDER)}
    rest = [f for f in findings if f.get("status") not in URGENT]
    return sorted(
        rest,
        key=lambda f: (
            status_rank.get(str(f.get("status")), len(OTHER_ORDER)),
            category_rank.get(str(f.get("category")), len(CATEGORIES)),
            str(f.get("rule", "")),
        ),
    )


def _limit(value: Any, unit: str, fmt: Formats) -> str:
    return fmt.metric(float(value), unit)


def describe_bands(
    finding: Mapping[str, Any], t: Translator, fmt: Formats
) -> tuple[str, list[str]]:
    """The pass condition and each band, formatted in the metric's unit.

    Falls back to the raw `threshold` text when the bands are absent or of a
    shape this renderer does not know (a newer rule language).
    """
    unit = str(finding.get("unit") or "")
    bands = finding.get("thresholds") or {}
    raw = str(finding.get("threshold") or "—")
    described: list[str] = []
    condition: str | None = None
    try:
        for level in ("warn", "fail"):
            band = bands.get(level)
            if not band:
                continue
            ((comparator, limit),) = band.items()
            if comparator == "between":
                low, high = (_limit(v, unit, fmt) for v in limit)
                text = t("compare.between", low=low, high=high)
                passing = t("compare.outside", low=low, high=high)
            else:
                text = f"{_OPERATOR[comparator]} {_limit(limit, unit, fmt)}"
                passing = f"{_NEGATION[comparator]} {_limit(limit, unit, fmt)}"
            described.append(f"{t('band.' + level)} {text}")
            if level == "fail" or condition is None:
                condition = passing
    except (KeyError, TypeError, ValueError, AttributeError):
        return raw, []
    return condition or raw, described


def metric_name(metric_id: str, t: Translator) -> str:
    """The translated name of a catalog metric; a pack's own metric keeps its id."""
    key = f"metric.{metric_id}"
    return t(key) if t.has(key) else metric_id


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
        if rows:
            groups.append(
                {
                    "id": category or "other",
                    "name": t(f"category.{category}") if category else "—",
                    "question": t(f"category.{category}.question") if category else "",
                    "rows": rows,
                }
            )
    return groups


def _figure(
    metric_id: str, result: Mapping[str, Any], t: Translator, fmt: Formats
) -> dict[str, Any]:
    """A headline number, or the reason it cannot be measured (never a 0)."""
    metrics: Mapping[str, Any] = result.get("metrics") or {}
    undefined: Mapping[str, Any] = result.get("undefined") or {}
    info = metrics.get(metric_id)
    if info and info.get("value") is not None:
        value, unit = info["value"], info.get("unit", "count")
        # A headline ROI of 416 % reads better than 415.87 %; small rates keep a decimal.
        if unit == "ratio":
            text = fmt.pct(value, 0 if abs(value) >= 1 else 1)
        else:
            text = fmt.metric(value, unit)
        return {
            "id": metric_id,
            "label": metric_name(metric_id, t),
            "text": text,
            "missing": None,
        }
    reason = str(undefined.get(metric_id) or t("common.not_reported"))
    return {
        "id": metric_id,
        "label": metric_name(metric_id, t),
        "text": None,
        "missing": t("common.not_measurable", reason=reason),
    }


def _categories(result: Mapping[str, Any], t: Translator, fmt: Formats) -> list[dict[str, Any]]:
    info: Mapping[str, Any] = result.get("categories") or {}
    scores: Mapping[str, Any] = result.get("scores") or {}
    out = []
    for category in CATEGORIES:
        data = info.get(category) or {}
        score = scores.get(category, data.get("score"))
        coverage = data.get("coverage")
        incomplete = score is None
        text = (
            t("summary.incomplete", coverage=fmt.pct(coverage, 0))
            if incomplete
            else fmt.score(score)
        )
        out.append(
            {
                "id": category,
                "name": t(f"category.{category}"),
                "question": t(f"category.{category}.question"),
                "score": score,
                "coverage": coverage,
                "incomplete": incomplete,
                "text": text,
                "counts": dict(data.get("counts") or {}),
            }
        )
    return out


def build_view(result: Mapping[str, Any], language: str) -> dict[str, Any]:
    """Everything the templates read: the result itself plus ranked, formatted, charted views."""
    t = Translator(language)
    currency = str((result.get("config") or {}).get("currency") or "EUR")
    fmt = Formats(language, currency)
    findings: list[Mapping[str, Any]] = list(result.get("findings") or [])
    urgent = rank_urgent(findings)
    counts = Counter(str(f.get("status")) for f in findings)
    categories = _categories(result, t, fmt)
    overall = (result.get("scores") or {}).get("overall")
    settings = report_settings(result)
    accent = accent_colour(result)
    logo = logo_path(result)
    period = result["period"]
    agency = settings.get("agency") or None
    return {
        "r": result,
        "t": t,
        "fmt": fmt,
        "lang": language,
        "doc_title": f"{result['client']} — {period['label']}",
        "author": agency or t("doc.author_default"),
        "agency": agency,
        "logo_uri": logo.as_uri() if logo else None,
        "accent": accent,
        "accent_soft": _tint(accent, 0.9),
        "page_size": page_size(result),
        "stylesheet": _stylesheet(),
        "urgent": [{"f": f, "bands": describe_bands(f, t, fmt)} for f in urgent],
        "top": urgent[:3],
        "others": other_findings(findings),
        "counts": [
            (s, counts[s]) for s in STATUS_ORDER if counts[s] or s in ("fail", "warn", "pass")
        ],
        "categories": categories,
        "overall": overall,
        "overall_coverage": result.get("overall_coverage"),
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
        "metric_groups": _metric_rows(result, t),
        "kpis": KPIS,
        "base_metrics": BASE_METRICS,
    }


def render_html(result: Mapping[str, Any], *, language: str | None = None) -> str:
    """The full report as one HTML document, in `language` or the audit's own."""
    chosen = resolve_language(result, language)
    return environment().get_template(TEMPLATE).render(build_view(result, chosen))
