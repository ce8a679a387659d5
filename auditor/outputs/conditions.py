"""One describer of a finding's thresholds, for every output (terminal, Markdown, JUnit,
GitHub annotations, CI Markdown, HTML and PDF).

A finding is described by two things: the band that fired (`> 0,3 %` for a warning)
and the pass condition, what the value must be to pass.  The pass condition is
what matches no band: with nested bands (warn `> 0.3 %`, fail `> 1 %`) that is the
negation of the lenient one (`≤ 0,3 %`), never the fail band's (`≤ 1 %`, which a
0,37 % warning meets: the contradiction a client reads as a bug).  Bands that do
not nest are negated together (`≥ 10 % and ≤ 90 %`).

Reads only the result dict's `thresholds`, `unit`, `status`; limits are formatted
in the finding's unit for the report's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.core import formatting, strings
from auditor.core.models import JUDGED
from auditor.core.vocabulary import COMPARATORS

TRIGGER = {name: c.symbol for name, c in COMPARATORS.items()}
PASSING = {name: c.negated_symbol for name, c in COMPARATORS.items()}
_UPWARD = ("above", "at_least")  # bands that fire on high values
_DOWNWARD = ("below", "at_most")

WORDS = strings.table("condition")  # report_templates/strings_terminal.yaml


@dataclass(frozen=True)
class Condition:
    """How a finding's thresholds read, formatted (None where there is nothing to say)."""

    passing: str | None
    """What the value must be to pass: `≤ 0,3 %`."""
    fired_level: str | None = None
    """`warn` or `fail` when the finding is one, and its band is known."""
    fired: str | None = None
    """The band that fired, as it triggers: `> 0,3 %`."""
    bands: list[tuple[str, str]] = field(default_factory=list)
    """Every band as it triggers, fail first: [("fail", "> 1 %"), ("warn", "> 0,3 %")]."""


def _status(finding: Mapping[str, Any]) -> str:
    status = str(finding.get("status") or "error")
    if status == "waived" and finding.get("waived_status"):
        return str(finding["waived_status"])
    return status


def _limit(value: Any, unit: str, language: str, currency: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a band's limit is not a number")
    return formatting.metric(float(value), unit, language, currency)


def _parts(band: Any) -> tuple[str, Any]:
    if not isinstance(band, Mapping) or len(band) != 1:
        raise ValueError("unknown band shape")
    ((comparator, limit),) = band.items()
    if comparator != "between" and comparator not in TRIGGER:
        raise ValueError("unknown comparator")
    return str(comparator), limit


def _text(band: Any, unit: str, language: str, currency: str, passing: bool) -> str:
    comparator, limit = _parts(band)
    words = WORDS.get(language, WORDS["en"])
    if comparator == "between":
        low, high = (_limit(v, unit, language, currency) for v in limit)
        return words["outside" if passing else "between"].format(low=low, high=high)
    table = PASSING if passing else TRIGGER
    return f"{table[comparator]} {_limit(limit, unit, language, currency)}"


def _lenient(warn: Any, fail: Any) -> Any | None:
    """The band whose negation alone is the pass condition, when the bands nest."""
    (w_op, w_limit), (f_op, f_limit) = _parts(warn), _parts(fail)
    if "between" in (w_op, f_op):
        return None
    if w_op in _UPWARD and f_op in _UPWARD:
        return warn if w_limit <= f_limit else fail
    if w_op in _DOWNWARD and f_op in _DOWNWARD:
        return warn if w_limit >= f_limit else fail
    return None


def describe(finding: Mapping[str, Any], language: str, currency: str) -> Condition:
    """The finding's thresholds in words; `passing` None when it has no bands this knows
    (a score curve, a newer band shape: callers show the result's raw `threshold`)."""
    bands = finding.get("thresholds")
    if not isinstance(bands, Mapping) or not (bands.get("warn") or bands.get("fail")):
        return Condition(None)
    unit = str(finding.get("unit") or "")
    warn, fail = bands.get("warn"), bands.get("fail")
    try:
        listed = [
            (level, _text(band, unit, language, currency, passing=False))
            for level, band in (("fail", fail), ("warn", warn))
            if band
        ]
        if warn and fail:
            lenient = _lenient(warn, fail)
            if lenient is not None:
                passing = _text(lenient, unit, language, currency, passing=True)
            else:
                joiner = f" {WORDS.get(language, WORDS['en'])['and']} "
                passing = joiner.join(
                    _text(b, unit, language, currency, passing=True) for b in (warn, fail)
                )
        else:
            passing = _text(warn or fail, unit, language, currency, passing=True)
    except (KeyError, TypeError, ValueError):
        return Condition(None)
    status = _status(finding)
    fired = dict(listed).get(status) if status in ("warn", "fail") else None
    return Condition(passing, status if fired else None, fired, listed)


def passing_text(finding: Mapping[str, Any], language: str, currency: str) -> str:
    """The pass condition, or the result's raw `threshold` when the bands say nothing
    (a score curve), or when the rule judged nothing: a change rule stopped before its
    change was computed carries the metric's unit, and its bands would read wrong in it."""
    raw = " ".join(str(finding.get("threshold") or "").split()) or "—"
    if _status(finding) not in JUDGED and not _unit_is_the_bands(finding):
        return raw
    return describe(finding, language, currency).passing or raw


def _unit_is_the_bands(finding: Mapping[str, Any]) -> bool:
    """Whether an unjudged finding's unit is the one its bands compare: always for a rule
    on a value; for a change rule only once its change unit was set."""
    compare = finding.get("compare")
    if not compare:
        return True
    change = compare.get("change") if isinstance(compare, Mapping) else None
    unit = finding.get("unit")
    return (change, unit) in (("relative", "relative"), ("points", "points"))


LEVEL_WORDS = strings.table("condition_level")  # report_templates/strings_terminal.yaml


def condition_line(finding: Mapping[str, Any], language: str, currency: str) -> str:
    """The finding's thresholds on one line, as every output prints it next to the value:
    the band that fired, then the pass condition (`fail ≥ 1 % · pass < 0,3 %`); the pass
    condition alone for a passing finding; the raw threshold for an unjudged one."""
    if _status(finding) not in JUDGED:
        return passing_text(finding, language, currency)
    described = describe(finding, language, currency)
    if described.passing is None:
        return passing_text(finding, language, currency)
    words = LEVEL_WORDS.get(language, LEVEL_WORDS["en"])
    passing = f"{words['pass']} {described.passing}"
    if described.fired is None or described.fired_level is None:
        return passing
    return f"{words[described.fired_level]} {described.fired} · {passing}"


def citation_text(citation: Mapping[str, Any]) -> str:
    """`Publisher, "Title", 2019`: a published source as a client deliverable cites it."""
    parts = [str(citation.get("publisher") or "").strip(), f"“{citation.get('title') or ''}”"]
    if citation.get("year"):
        parts.append(str(citation["year"]))
    return ", ".join(p for p in parts if p and p != "“”")


def source_text(finding: Mapping[str, Any]) -> str:
    """The threshold's source on one line: the reasoning, then the works it cites with
    their links (`Google, “Email sender guidelines”, 2024, https://...`)."""
    note = " ".join(str(finding.get("source") or "").split())
    cited = [
        citation_text(c) + (f", {c['url']}" if c.get("url") else "")
        for c in finding.get("citations") or []
        if isinstance(c, Mapping)
    ]
    return f"{note} ({'; '.join(cited)})" if cited and note else note or "; ".join(cited)
