"""Comparing two audit results (JSON form) of one client: what changed between periods.

Pure functions on result dicts, no store and no I/O, so `check --baseline`,
`auditor history diff` and the portfolio summary all agree:

- `new_failures`: rules that fail or warn now and did not then (absent then counts as not);
- `resolved_findings`: rules that failed or warned then and pass now;
- `regressions`: score deltas, overall and per category;
- `diff_results`: all of the above plus the metrics and finding statuses that changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from auditor.core.models import ACTIONABLE


def _rule_findings(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rules' findings: analysis findings inform, they are never new or resolved failures."""
    return [f for f in result.get("findings", []) if "analysis" not in (f.get("labels") or [])]


def _findings(result: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {f["rule"]: f for f in _rule_findings(result)}


def new_failures(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[str]:
    """Rule ids failing or warning in `current` that were not failing or warning in
    `baseline` (including rules the baseline did not have), in `current`'s order."""
    before = _findings(baseline)
    return [
        f["rule"]
        for f in _rule_findings(current)
        if f["status"] in ACTIONABLE and before.get(f["rule"], {}).get("status") not in ACTIONABLE
    ]


def resolved_findings(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[str]:
    """Rule ids that failed or warned in `baseline` and pass in `current`, in `baseline`'s order."""
    now = _findings(current)
    return [
        f["rule"]
        for f in _rule_findings(baseline)
        if f["status"] in ACTIONABLE and now.get(f["rule"], {}).get("status") == "pass"
    ]


def _delta(after: float | None, before: float | None) -> float | None:
    if after is None or before is None:
        return None
    return round(after - before, 6)


def regressions(current: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """Score deltas, `overall` first, then each category of either result:

        {"overall": {"before": 86.2, "after": 69.5, "delta": -16.7}, "response": {...}}

    `delta` is after - before (negative = worse), None where either score is
    withheld (incomplete coverage) or absent.
    """
    after_scores = current.get("scores", {})
    before_scores = previous.get("scores", {})
    names = ["overall"] + [
        n for n in dict.fromkeys([*before_scores, *after_scores]) if n != "overall"
    ]
    out: dict[str, Any] = {}
    for name in names:
        before, after = before_scores.get(name), after_scores.get(name)
        out[name] = {"before": before, "after": after, "delta": _delta(after, before)}
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def _metric_values(result: Mapping[str, Any]) -> dict[str, tuple[float | None, str]]:
    out: dict[str, tuple[float | None, str]] = {}
    for metric_id in result.get("undefined") or {}:
        out[metric_id] = (None, "")
    for metric_id, info in (result.get("metrics") or {}).items():
        out[metric_id] = (info.get("value"), info.get("unit", ""))
    return out


def diff_results(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What changed from `before` (the earlier period) to `after`.

    `metrics`: every metric whose value differs (including defined <-> undefined),
    with `before`, `after`, `delta` (after - before) and `change` (relative,
    None when before is 0 or either side undefined); in the later result's order.
    `findings`: every rule whose status differs.  `new` and `resolved` as in
    `new_failures` and `resolved_findings`, with status and message.
    """
    old_metrics, new_metrics = _metric_values(before), _metric_values(after)
    metrics = []
    for metric_id in dict.fromkeys([*new_metrics, *old_metrics]):
        was, unit_before = old_metrics.get(metric_id, (None, ""))
        now, unit_after = new_metrics.get(metric_id, (None, ""))
        if _same(was, now):
            continue
        change = None
        if was is not None and now is not None and was != 0:
            change = (now - was) / abs(was)
        metrics.append(
            {
                "metric": metric_id,
                "unit": unit_after or unit_before,
                "before": was,
                "after": now,
                "delta": None if was is None or now is None else now - was,
                "change": change,
            }
        )

    old_findings, new_findings = _findings(before), _findings(after)
    changed = []
    for rule in dict.fromkeys([*new_findings, *old_findings]):
        was_f, now_f = old_findings.get(rule, {}), new_findings.get(rule, {})
        if was_f.get("status") == now_f.get("status"):
            continue
        changed.append(
            {
                "rule": rule,
                "category": now_f.get("category") or was_f.get("category"),
                "before": was_f.get("status"),
                "after": now_f.get("status"),
                "value_before": was_f.get("value"),
                "value_after": now_f.get("value"),
                "unit": now_f.get("unit") or was_f.get("unit", ""),
            }
        )

    def brief(finding: Mapping[str, Any], was: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "rule": finding["rule"],
            "category": finding.get("category"),
            "status": finding.get("status"),
            "was": was.get("status"),
            "value": finding.get("value"),
            "unit": finding.get("unit", ""),
            "message": finding.get("message", ""),
        }

    return {
        "client": after.get("client", before.get("client")),
        "client_slug": after.get("client_slug", before.get("client_slug")),
        "before": before.get("period", {}).get("label"),
        "after": after.get("period", {}).get("label"),
        "scores": regressions(after, before),
        "new": [
            brief(new_findings[rule], old_findings.get(rule, {}))
            for rule in new_failures(after, before)
        ],
        "resolved": [
            brief(new_findings[rule], old_findings[rule])
            for rule in resolved_findings(after, before)
        ],
        "findings": changed,
        "metrics": metrics,
    }


def render_diff_text(diff: Mapping[str, Any], language: str = "en", currency: str = "EUR") -> str:
    """`auditor history diff` as a terminal table."""
    from auditor.core import formatting

    def fmt(value: float | None, unit: str) -> str:
        return formatting.metric(value, unit, language, currency) if value is not None else "—"

    p1, p2 = diff["before"], diff["after"]
    lines = [f"{diff['client']} ({diff['client_slug']}): {p1} -> {p2}", ""]
    width = max(len(p1), len(p2), 7)
    lines.append(f"{'score':<12} {p1:>{width}} {p2:>{width}} {'delta':>7}")
    for name, row in diff["scores"].items():
        delta = "—" if row["delta"] is None else f"{row['delta']:+.1f}"
        before = "—" if row["before"] is None else f"{row['before']:.1f}"
        after = "—" if row["after"] is None else f"{row['after']:.1f}"
        lines.append(f"{name:<12} {before:>{width}} {after:>{width}} {delta:>7}")

    def section(title: str, rows: list[str]) -> None:
        lines.append("")
        lines.append(f"{title} ({len(rows) if rows else 'none'})")
        lines.extend(rows)

    rule_width = max(
        (len(f["rule"]) for f in [*diff["new"], *diff["resolved"], *diff["findings"]]), default=4
    )
    section(
        "New findings: fail or warn now, not then",
        [
            f"  {f['status'].upper():<5} {f['rule']:<{rule_width}}  {f['message']}"
            for f in diff["new"]
        ],
    )
    section(
        "Resolved findings: fail or warn then, pass now",
        [f"  {f['was'].upper():<5} {f['rule']:<{rule_width}}  -> pass" for f in diff["resolved"]],
    )
    section(
        "Findings whose status changed",
        [
            f"  {f['rule']:<{rule_width}}  {f['before'] or '(absent)':>14} -> "
            f"{f['after'] or '(absent)':<14} {fmt(f['value_before'], f['unit']):>10} -> "
            f"{fmt(f['value_after'], f['unit'])}"
            for f in diff["findings"]
        ],
    )
    metric_width = max((len(m["metric"]) for m in diff["metrics"]), default=6)
    section(
        "Metrics that changed",
        [
            f"  {m['metric']:<{metric_width}}  {fmt(m['before'], m['unit']):>14} -> "
            f"{fmt(m['after'], m['unit']):>14}  "
            f"{formatting.signed_pct(m['change'], language) if m['change'] is not None else '—':>8}"
            for m in diff["metrics"]
        ],
    )
    return "\n".join(lines) + "\n"
