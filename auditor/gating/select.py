"""`--select`/`--ignore`, `--fail-under` and how exit codes combine, on the result dict.

Pure functions of the audit result (`AuditResult.to_json()`): each returns a
NEW dict or a value and never changes its argument.

Selecting: a selector matches a finding when it equals (or, as an `fnmatch`
glob such as `click-*`, matches) the finding's rule id, its category or one of
its labels, case-insensitively.  `--select` keeps the findings some selector
matches (all when there is none); `--ignore` then drops the ones an ignore
selector matches.  Scores are recomputed from the kept findings with the same
code as the audit (`auditor.rules.scoring.score`, the category weights recorded in
`result["categories"][c]["weight"]`), and so is the exit code
(`auditor.gating.gate.exit_status`): the findings are rebuilt as `Finding` objects,
so there is one implementation of the rules, not two that could drift.

A `--select` selector that matches nothing is an input error (exit 2): a typo
must not turn into a green build that checked nothing.  An `--ignore` selector
that matches nothing is a warning (added to `result["warnings"]`): it cannot
hide a failure.

Exit codes (DESIGN.md section 6) combine by precedence 2 > 3 > 1 > 0 (bad input,
then source unreachable / nothing evaluated, then findings, then healthy): a CI
job never reads 1 when the data was not all there, nor 0 when anything failed.
A code outside 0-3 (e.g. 130, interrupted) ranks above all of them.
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from auditor.core import reasons
from auditor.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_SOURCE,
    InputError,
    Problem,
)
from auditor.core.models import Finding, Scores
from auditor.gating.gate import Gate, exit_status
from auditor.metrics.catalog import CATEGORIES
from auditor.rules.scoring import score

PRECEDENCE = (EXIT_BAD_INPUT, EXIT_SOURCE, EXIT_FINDINGS, EXIT_OK)


# ---------------------------------------------------------------- exit codes
def _rank(code: int) -> int:
    """Lower is more important; unknown codes (signals, crashes) come first."""
    return PRECEDENCE.index(code) if code in PRECEDENCE else -1


def combine_exit_codes(codes: Iterable[int]) -> int:
    """The one exit code for several outcomes: 2 > 3 > 1 > 0 (0 for none at all)."""
    codes = list(codes)
    return min(codes, key=_rank) if codes else EXIT_OK


def combine_outcomes(outcomes: Iterable[tuple[int, str]]) -> tuple[int, str]:
    """Exit code and reason for several (code, reason) outcomes.

    The code is `combine_exit_codes`; the reason lists the winning code's
    reasons first, then those of the other non-zero codes (so "3: nothing could
    be evaluated; score under 70" keeps both facts).  When everything is 0 the
    first healthy reason is kept.
    """
    outcomes = [(int(c), str(r or "")) for c, r in outcomes]
    code = combine_exit_codes(c for c, _ in outcomes)
    if code == EXIT_OK:
        return code, next((r for _, r in outcomes if r), "healthy")
    ordered = sorted((o for o in outcomes if o[0] != EXIT_OK), key=lambda o: _rank(o[0]))
    reasons = list(dict.fromkeys(r for _, r in ordered if r))
    return code, "; ".join(reasons)


def with_exit(result: Mapping[str, Any], code: int, reason: str) -> dict[str, Any]:
    """A copy of `result` with this exit code and reason."""
    out = copy.deepcopy(dict(result))
    out["exit_code"], out["exit_reason"] = code, reason
    return out


# ----------------------------------------------------------------- selecting
def split_selectors(values: Iterable[str] | None) -> list[str]:
    """`["a,b", " c "]` -> `["a", "b", "c"]`: repeated options and comma lists alike."""
    out: list[str] = []
    for value in values or []:
        out += [part.strip() for part in str(value).split(",") if part.strip()]
    return list(dict.fromkeys(out))


def _keys(finding: Mapping[str, Any]) -> list[str]:
    labels = finding.get("labels") or []
    return [str(finding.get("rule") or ""), str(finding.get("category") or "")] + [
        str(label) for label in labels
    ]


def matches(finding: Mapping[str, Any], selector: str) -> bool:
    """Whether `selector` (an id, category, label or glob) matches the finding."""
    pattern = selector.strip().lower()
    return any(fnmatch.fnmatchcase(key.lower(), pattern) for key in _keys(finding) if key)


def _unmatched(findings: Sequence[Mapping[str, Any]], selectors: Sequence[str]) -> list[str]:
    return [
        s
        for s in selectors
        if s.lower() not in CATEGORIES and not any(matches(f, s) for f in findings)
    ]


def _suggest(selector: str, findings: Sequence[Mapping[str, Any]]) -> str:
    known = sorted({k for f in findings for k in _keys(f) if k} | set(CATEGORIES))
    close = difflib.get_close_matches(selector.lower(), known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def finding_from_json(data: Mapping[str, Any]) -> Finding:
    """Rebuild a `Finding` from its `to_json()` form (extra keys such as `impact` ignored)."""
    names = {f.name for f in fields(Finding)}
    kwargs: dict[str, Any] = {k: v for k, v in data.items() if k in names}
    kwargs.setdefault("rule", "")
    kwargs.setdefault("category", "")
    kwargs.setdefault("status", "error")
    kwargs.setdefault("score", None)
    kwargs.setdefault("weight", 0.0)
    kwargs.setdefault("metric", "")
    kwargs.setdefault("value", None)
    kwargs.setdefault("unit", "")
    kwargs.setdefault("threshold", None)
    kwargs.setdefault("message", "")
    kwargs.setdefault("recommendation", "")
    kwargs["weight"] = float(kwargs["weight"] or 0.0)
    kwargs["thresholds"] = dict(kwargs.get("thresholds") or {})
    kwargs["labels"] = tuple(kwargs.get("labels") or ())
    for key in ("title", "source", "pack"):
        kwargs[key] = kwargs.get(key) or ""
    kwargs["confidence"] = kwargs.get("confidence") or "normal"
    return Finding(**kwargs)


def category_weights(result: Mapping[str, Any]) -> dict[str, float]:
    """The category weights the audit scored with, as the result records them."""
    return {
        str(name): float(info.get("weight") or 0.0)
        for name, info in (result.get("categories") or {}).items()
        if isinstance(info, Mapping)
    }


def rescore(result: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> Scores:
    """Category and overall scores of `findings`, with the result's category weights."""
    return score([finding_from_json(f) for f in findings], category_weights(result))


def select_findings(
    result: Mapping[str, Any],
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    *,
    gate: Gate | None = None,
    known: Sequence[str] = (),
) -> dict[str, Any]:
    """A new result with only the selected findings, its scores and exit code recomputed.

    Rule ids in `known` (failures already present in a baseline run) are
    reported as usual but do not trip `--fail-on`.

    `gate` must be the run's (`--fail-on`); its `fail_under`, if any, is applied
    to the recomputed overall score exactly as the audit does.  Raises
    `InputError` (exit 2) for a `select` selector that matches no finding.
    """
    gate = gate or Gate()
    select, ignore = split_selectors(select), split_selectors(ignore)
    findings = list(result.get("findings") or [])
    missing = _unmatched(findings, select)
    if missing:
        raise InputError(
            [
                Problem(
                    f"--select '{s}' matches no rule id, category or label{_suggest(s, findings)}"
                )
                for s in missing
            ]
        )
    kept = [f for f in findings if not select or any(matches(f, s) for s in select)]
    kept = [f for f in kept if not any(matches(f, s) for s in ignore)]
    scores = rescore(result, kept)
    code, reason = exit_status([finding_from_json(f) for f in kept], scores, gate)
    if known and code == 1:
        new = [f for f in kept if f["rule"] not in known]
        gated, gated_reason = exit_status([finding_from_json(f) for f in new], scores, gate)
        if gated == 3 or gated == 0:  # only known failures are left
            code = 0
            reason = reasons.text("exit_known_only", rules=", ".join(sorted(known)))
        else:
            code, reason = gated, gated_reason

    out = copy.deepcopy(dict(result))
    out["findings"] = copy.deepcopy(kept)
    out["scores"] = {"overall": scores.overall} | {c: s.score for c, s in scores.categories.items()}
    out["categories"] = {c: s.to_json() for c, s in scores.categories.items()}
    out["overall_coverage"] = scores.overall_coverage
    out["exit_code"], out["exit_reason"] = code, reason
    if select or ignore:
        out["selection"] = {
            "select": select,
            "ignore": ignore,
            "dropped": len(findings) - len(kept),
        }
    warnings = list(out.get("warnings") or [])
    for s in _unmatched(findings, ignore):
        warnings.append(f"--ignore '{s}' matches no finding{_suggest(s, findings)}")
    out["warnings"] = warnings
    return out


# ---------------------------------------------------------------- fail-under
def _threshold(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option}: '{text}' is not a number (0-100)") from None
    if not 0 <= value <= 100:
        raise InputError(f"{option}: {value:g} is outside 0-100")
    return value


def parse_fail_under(values: Iterable[str] | None) -> tuple[float | None, dict[str, float]]:
    """`--fail-under 70`, `--fail-under overall=70`, `--fail-under value=60,response=50`.

    Returns (overall minimum or None, {category: minimum}); a later value for the
    same target replaces an earlier one.  Raises `InputError` (exit 2) for an
    unknown category or a number outside 0-100.
    """
    overall: float | None = None
    per_category: dict[str, float] = {}
    for item in split_selectors(values):
        if "=" not in item:
            overall = _threshold(item, "--fail-under")
            continue
        name, _, number = (part.strip() for part in item.partition("="))
        name = name.lower()
        if name == "overall":
            overall = _threshold(number, "--fail-under overall")
        elif name in CATEGORIES:
            per_category[name] = _threshold(number, f"--fail-under {name}")
        else:
            close = difflib.get_close_matches(name, [*CATEGORIES, "overall"], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(
                f"--fail-under: unknown category '{name}'{hint}; "
                f"use overall or one of {', '.join(CATEGORIES)}"
            )
    return overall, per_category


def fail_under(
    result: Mapping[str, Any],
    overall: float | None,
    per_category: Mapping[str, float] | None = None,
) -> tuple[int, str]:
    """(1, reasons) when a score is under its minimum or withheld, else (0, reason).

    A withheld score (coverage too low, "incomplete") fails its minimum: a score
    that could not be computed is not a score above the bar.
    """
    scores = result.get("scores") or {}
    categories = result.get("categories") or {}
    causes: list[str] = []
    if overall is not None:
        value = scores.get("overall")
        if value is None:
            causes.append(reasons.text("exit_overall_withheld", minimum=f"{overall:g}"))
        elif value < overall:
            causes.append(
                reasons.text("exit_overall_under", score=f"{value:g}", minimum=f"{overall:g}")
            )
    for name, minimum in (per_category or {}).items():
        if name not in CATEGORIES and name not in categories:
            raise InputError(f"--fail-under: unknown category '{name}'")
        info = categories.get(name) or {}
        value = scores.get(name, info.get("score"))
        if value is None and not info.get("counts"):
            causes.append(
                reasons.text("exit_category_empty", category=name, minimum=f"{minimum:g}")
            )
        elif value is None:
            causes.append(
                reasons.text("exit_category_withheld", category=name, minimum=f"{minimum:g}")
            )
        elif value < minimum:
            causes.append(
                reasons.text(
                    "exit_category_under",
                    category=name,
                    score=f"{value:g}",
                    minimum=f"{minimum:g}",
                )
            )
    if causes:
        return EXIT_FINDINGS, "; ".join(causes)
    if overall is None and not per_category:
        return EXIT_OK, ""
    return EXIT_OK, reasons.text("exit_scores_ok")


def finalize(
    result: Mapping[str, Any],
    *,
    gate: Gate | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    fail_under_values: Iterable[str] | None = None,
    known: Sequence[str] = (),
) -> dict[str, Any]:
    """Everything `auditor check` applies after the audit, in one call.

    Selection first (scores and the `--fail-on` exit recomputed on what is
    kept), then every `--fail-under` minimum (the gate's own `fail_under`
    counts as an overall minimum unless `fail_under_values` sets one), then the
    outcomes combined by precedence.  Returns the result every output renders.
    """
    gate = gate or Gate()
    overall, per_category = parse_fail_under(fail_under_values)
    if overall is None:
        overall = gate.fail_under
    selected = select_findings(result, select, ignore, gate=Gate(gate.fail_on), known=known)
    outcome = fail_under(selected, overall, per_category)
    code, reason = combine_outcomes([(selected["exit_code"], selected["exit_reason"]), outcome])
    return with_exit(selected, code, reason)
