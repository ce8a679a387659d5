"""Text and JSON views of an effective rule set: `auditor rules list` and `rules explain`.

Thresholds are shown in the unit of what the bands judge (`0.3%` on a ratio,
`-0.3pp` on a change in points, `3` on a count), which is how a valid pack
writes them: the loader rejects a bare `1` on a ratio, so `0.3%` and `0.003`
are the only spellings and both print as `0.3%`.

`explain` answers "why is this threshold 1.5% for this client?": every key a
rule's effective value has, and the file, line and column it was written at
(a pack, or the client's config as an override), from `RuleSet.origins`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from auditor.core.errors import Problem
from auditor.core.vocabulary import COMPARATORS
from auditor.core.yamlpos import KeyPath, format_path
from auditor.metrics.catalog import ALL_METRIC_IDS, unit_of
from auditor.rules.loader import RuleSet
from auditor.rules.model import Band, Citation, Rule
from auditor.rules.registry import rule_citations

# keys shown with their default value when no file sets them: the ones that change a verdict
_DEFAULTS: tuple[str, ...] = ("weight", "on_missing", "confidence", "enabled")
TEXT_WIDTH = 60


def units_of(rule_set: RuleSet) -> dict[str, str]:
    """Metric id -> unit, for the catalog and the packs' own metrics."""
    return {m: unit_of(m) for m in ALL_METRIC_IDS} | {
        k: unit for k, (_, unit, _) in rule_set.derived.items()
    }


def judged_unit(rule: Rule, units: Mapping[str, str]) -> str:
    """The unit of the number the bands compare: the metric's, or its change's."""
    unit = units.get(rule.metric, "")
    if rule.compare is not None:
        return {"relative": "ratio", "points": "points"}.get(rule.compare.change, unit)
    return unit


def decimal_text(value: float) -> str:
    """A float without binary noise or exponent: 3.0 -> '3', 1e6 -> '1000000'."""
    return format(Decimal(repr(float(value))).normalize(), "f")


def literal(value: float, unit: str) -> str:
    """A threshold as a pack writes it: ratios in %, changes in points in pp."""
    if unit in ("ratio", "points"):
        hundred = format((Decimal(repr(float(value))) * 100).normalize(), "f")
        return f"{hundred}{'%' if unit == 'ratio' else 'pp'}"
    return decimal_text(value)


def band_text(band: Band, unit: str) -> str:
    """`>= 1%`, `< -0.3pp`, `between 1% and 2%`."""
    if band.comparator == "between":
        low, high = band.limit
        return f"between {literal(low, unit)} and {literal(high, unit)}"
    return f"{COMPARATORS[band.comparator].ascii} {literal(band.limit, unit)}"


def judgement_text(rule: Rule, units: Mapping[str, str]) -> str:
    """Bands and/or curve: `warn >= 0.3%  fail >= 1%`, `curve higher_is_better good 30% ...`."""
    parts: list[str] = []
    unit = judged_unit(rule, units)
    if rule.thresholds is not None:
        for level in ("warn", "fail"):
            band = getattr(rule.thresholds, level)
            if band is not None:
                parts.append(f"{level} {band_text(band, unit)}")
    if rule.score is not None:
        metric_unit = units.get(rule.metric, "")
        parts.append(
            f"curve {rule.score.direction}: good {literal(rule.score.good, metric_unit)}, "
            f"median {literal(rule.score.median, metric_unit)}"
        )
    return "  ".join(parts)


def flags(rule: Rule, today: date) -> list[str]:
    """What changes how a rule counts: a change rule, low confidence, disabled, waived."""
    out: list[str] = []
    if rule.compare is not None:
        out.append(f"compare {rule.compare.to} ({rule.compare.change})")
    if rule.confidence == "low":
        out.append("low confidence")
    if rule.weight == 0:
        out.append("informative")
    if not rule.enabled:
        out.append("disabled")
    if rule.waiver is not None:
        if rule.waiver.until >= today:
            out.append(f"waived until {rule.waiver.until.isoformat()}")
        else:
            out.append(f"waiver expired {rule.waiver.until.isoformat()}")
    return out


# ---------------------------------------------------------------- list


def list_json(rule_set: RuleSet, today: date) -> dict[str, Any]:
    """`rules list --format json`: the packs, the category weights and every rule."""
    units = units_of(rule_set)
    return {
        "packs": [p.to_json() for p in rule_set.packs],
        "category_weights": dict(rule_set.category_weights),
        "rules": [
            {
                "id": rule.id,
                "pack": rule_set.rule_pack.get(rule.id, ""),
                "category": rule.category,
                "weight": rule.weight,
                "metric": rule.metric,
                "unit": judged_unit(rule, units),
                "judgement": judgement_text(rule, units),
                "thresholds": rule.thresholds.to_json() if rule.thresholds else None,
                "score": rule.score.model_dump() if rule.score else None,
                "compare": rule.compare.model_dump() if rule.compare else None,
                "confidence": rule.confidence,
                "enabled": rule.enabled,
                "waiver": rule.waiver.model_dump(mode="json") if rule.waiver else None,
                "flags": flags(rule, today),
            }
            for rule in rule_set.rules
        ],
        "warnings": [str(w) for w in rule_set.warnings],
        **(
            {"deliverability_checks": deliverability_checks()}
            if _with_deliverability(rule_set)
            else {}
        ),
    }


def list_text(rule_set: RuleSet, today: date) -> str:
    """`rules list`: one aligned line per rule, then which packs they came from."""
    units = units_of(rule_set)
    header = ("ID", "CATEGORY", "WEIGHT", "METRIC", "BANDS / CURVE", "FLAGS")
    rows = [
        (
            rule.id,
            rule.category,
            decimal_text(rule.weight),
            rule.metric,
            judgement_text(rule, units),
            ", ".join(flags(rule, today)),
        )
        for rule in rule_set.rules
    ]
    lines = _table([header, *rows])
    packs = ", ".join(f"{p.name} ({p.path})" for p in rule_set.packs)
    lines.append("")
    lines.append(f"{len(rows)} rules from {packs}")
    if _with_deliverability(rule_set):
        lines.extend(["", *_deliverability_lines()])
    return "\n".join(lines) + "\n"


def _with_deliverability(rule_set: RuleSet) -> bool:
    return any(p.name == "deliverability" for p in rule_set.packs)


def deliverability_checks() -> list[dict[str, str]]:
    """The deliverability checks (auditor/deliverability/catalog.py): findings of their
    own, listed with the pack that documents them."""
    from auditor.core.strings import Translator
    from auditor.deliverability.catalog import CHECKS, INFORMATION_ONLY

    say = Translator("en")
    return [
        {
            "id": f"deliverability-{check}",
            "title": say(f"deliverability.title.{check}"),
            "runs_with": when,
            "finding": "no" if check in INFORMATION_ONLY else "yes",
        }
        for check, when in CHECKS.items()
    ]


_RUNS_WITH = {
    "domain": "config deliverability.domains",
    "message": "config deliverability.sample_message",
    "campaigns": "a source with per-campaign rows",
    "engagement": "a source that counts unengaged contacts",
}


def _deliverability_lines() -> list[str]:
    checks = deliverability_checks()
    rows = [
        (
            c["id"],
            c["title"],
            _RUNS_WITH[c["runs_with"]] + ("" if c["finding"] == "yes" else ", information only"),
        )
        for c in checks
    ]
    return [
        "Deliverability checks: findings of category deliverability, weight 0 (shown and",
        "gated by --fail-on, never scored); each cites the requirement it rests on",
        "(docs/deliverability.md).",
        "",
        *_table([("ID", "CHECK", "RUNS WITH"), *rows]),
        "",
        f"{len(checks)} deliverability checks",
    ]


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


# ---------------------------------------------------------------- explain


@dataclass(frozen=True)
class KeyOrigin:
    """One effective key of a rule: its value and where it was written."""

    key: str
    value: Any
    text: str
    origin: Problem | None  # None: the model's default, written nowhere
    source: str  # "override" | "pack NAME" | "default"

    def where(self) -> str:
        if self.origin is None:
            return "(default)"
        location = str(Problem("", self.origin.file, self.origin.line, self.origin.col))
        return f"{location.removesuffix(': ')} ({self.source})"


def _walk(data: Any, path: KeyPath) -> tuple[bool, Any]:
    for part in path:
        in_map = isinstance(data, Mapping) and part in data
        in_list = isinstance(data, list | tuple) and isinstance(part, int) and part < len(data)
        if not (in_map or in_list):
            return False, None
        data = data[part]
    return True, data


def _value_text(rule: Rule, path: KeyPath, value: Any, units: Mapping[str, str], full: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        if path[:1] == ("thresholds",):
            return literal(value, judged_unit(rule, units))
        if path[:1] == ("score",) and path[-1] in ("good", "median"):
            return literal(value, units.get(rule.metric, ""))
        if path[:1] == ("min_sample",) and len(path) == 2:
            return literal(value, units.get(str(path[1]), ""))
        return decimal_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        if value and all(c.isalnum() or c in "_-." for c in value):
            return value
        if not full and len(value) > TEXT_WIDTH:
            value = value[: TEXT_WIDTH - 1] + "…"
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)


def key_origins(
    rule: Rule, rule_set: RuleSet, config_file: str | None, full: bool = False
) -> list[KeyOrigin]:
    """Every effective key of `rule` (leaves), with its value and the file that set it."""
    origins = rule_set.origins.get(rule.id, {})
    pack_names = {p.path: p.name for p in rule_set.packs}
    dumped = rule.model_dump()
    units = units_of(rule_set)
    paths = list(origins)
    out: list[KeyOrigin] = []
    for path in paths:
        if not path or path == ("id",):
            continue
        if any(other[: len(path)] == path and len(other) > len(path) for other in paths):
            continue  # a map or list: its leaves are shown
        found, value = _walk(dumped, path)
        if not found:
            continue  # replaced by a shorter list or a scalar in a later file
        origin = origins[path]
        if config_file is not None and origin.file == config_file:
            source = "override"
        else:
            source = f"pack {pack_names.get(origin.file or '', origin.file or '?')}"
        out.append(
            KeyOrigin(
                format_path(path),
                value,
                _value_text(rule, path, value, units, full),
                origin,
                source,
            )
        )
    written = {path[0] for path in paths if path}
    for key in _DEFAULTS:
        if key not in written:
            value = dumped[key]
            out.append(
                KeyOrigin(
                    key, value, _value_text(rule, (key,), value, units, full), None, "default"
                )
            )
    return out


def _status_line(rule: Rule, rule_set: RuleSet, today: date, keys: Sequence[KeyOrigin]) -> str:
    pack = rule_set.rule_pack.get(rule.id, "?")
    notes = [f"pack {pack}"]
    changed = [k.source for k in keys if k.origin is not None and k.source != f"pack {pack}"]
    packs = [c for c in dict.fromkeys(changed) if c != "override"]
    if packs:
        notes.append("changed by " + ", ".join(packs))
    if "override" in changed:
        notes.append("overridden by the config")
    if not rule.enabled:
        notes.append("DISABLED: not evaluated")
    if rule.waiver is not None:
        if rule.waiver.until >= today:
            notes.append(
                f"WAIVED until {rule.waiver.until.isoformat()}: evaluated, shown as waived "
                f"({rule.waiver.reason})"
            )
        else:
            notes.append(
                f"waiver EXPIRED on {rule.waiver.until.isoformat()}: judged normally "
                f"({rule.waiver.reason})"
            )
    return f"{rule.id}  [{'; '.join(notes)}]"


def explain_text(
    rule_set: RuleSet,
    rules: Sequence[Rule],
    title: str,
    config_file: str | None,
    today: date,
    full: bool = False,
) -> str:
    """`rules explain`: per rule, `key = value   file:line:col (override | pack NAME)`."""
    lines = [title]
    lines.append("packs: " + ", ".join(f"{p.name} ({p.path})" for p in rule_set.packs))
    weights = ", ".join(f"{c} {decimal_text(w)}" for c, w in rule_set.category_weights.items())
    lines.append(f"categories: {weights}")
    overridden = sum(
        any(config_file is not None and o.file == config_file for o in origin.values())
        for origin in rule_set.origins.values()
    )
    disabled = sum(not r.enabled for r in rule_set.rules)
    waived = sum(r.waiver is not None and r.waiver.until >= today for r in rule_set.rules)
    lines.append(
        f"{len(rule_set.rules)} rules: {overridden} overridden by the config, "
        f"{disabled} disabled, {waived} waived"
    )
    explained = [(rule, key_origins(rule, rule_set, config_file, full)) for rule in rules]
    widths = [len(k.key) + 3 + len(k.text) for _, keys in explained for k in keys]
    width = min(max(widths, default=0), TEXT_WIDTH + 40)
    for rule, keys in explained:
        lines.append("")
        lines.append(_status_line(rule, rule_set, today, keys))
        for item in keys:
            assignment = f"{item.key} = {item.text}"
            lines.append(f"  {assignment.ljust(width)}   {item.where()}")
        for key, citation in rule_citations(rule, rule_set.citations):
            lines.extend(_citation_lines(key, citation, full))
    return "\n".join(lines) + "\n"


def _citation_lines(key: str, citation: Citation, full: bool) -> list[str]:
    """`cites KEY: Publisher, "Title", year, url`, then what the figure measures and the
    source's own words, so a consultant can read out where a threshold comes from."""
    head = ", ".join(
        str(part)
        for part in (citation.publisher, f"“{citation.title}”", citation.year, citation.url)
        if part
    )
    out = [f"  cites {key}: {head}"]
    if citation.measures is not None:
        out.append(f"    measures: {citation.measures.en}")
    if citation.quote:
        quote = citation.quote
        if not full and len(quote) > TEXT_WIDTH * 2:
            quote = quote[: TEXT_WIDTH * 2 - 1] + "…"
        label = (
            "summary (a third party's words, not the source's)"
            if citation.wording == "summary"
            else "quote"
        )
        out.append(f"    {label}: “{quote}”")
    if citation.read_at:
        out.append(f"    read at: {citation.read_at}")
    return out


def explain_json(
    rule_set: RuleSet, rules: Sequence[Rule], config_file: str | None, today: date
) -> dict[str, Any]:
    """`rules explain --format json`: the same, for tools."""
    return {
        "packs": [p.to_json() for p in rule_set.packs],
        "category_weights": dict(rule_set.category_weights),
        "rules": [
            {
                "id": rule.id,
                "pack": rule_set.rule_pack.get(rule.id, ""),
                "enabled": rule.enabled,
                "waived": rule.waiver is not None and rule.waiver.until >= today,
                "keys": [
                    {
                        "key": k.key,
                        "value": json.loads(json.dumps(k.value, default=str)),
                        "text": k.text,
                        "source": k.source,
                        "file": k.origin.file if k.origin else None,
                        "line": k.origin.line if k.origin else None,
                        "col": k.origin.col if k.origin else None,
                    }
                    for k in key_origins(rule, rule_set, config_file, full=True)
                ],
                "citations": [
                    {"key": key, **citation.to_json()}
                    for key, citation in rule_citations(rule, rule_set.citations)
                ],
            }
            for rule in rules
        ],
        "warnings": [str(w) for w in rule_set.warnings],
    }
