"""One audit as the command line runs it: the audit, then what CI adds on top.

`runner.audit` produces the result; this module applies, in order, the
selection (`--select`/`--ignore`), the gates (`--fail-on`, `--fail-under`,
`--baseline`), and records the result in the history when asked.  Keeping it
here leaves `cli.py` to parsing and printing, and `runner.py` to the flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.config import load_config
from auditor.errors import InputError, Problem
from auditor.gate import Gate


@dataclass(frozen=True)
class AuditRequest:
    """Everything a `run` or `check` invocation asks for."""

    config: Path
    period: str | None = None
    language: str | None = None
    fail_on: str = "fail"
    fail_under: Sequence[str] = ()
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    snapshot: Path | None = None
    record: bool = False
    baseline: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_audit(request: AuditRequest) -> dict[str, Any]:
    """The finished result dict of one invocation (exit code and reason included)."""
    from auditor.outputs.select import finalize
    from auditor.runner import audit

    config = load_config(request.config, request.period)
    data = None
    if request.snapshot is not None:
        from auditor.snapshot import load_snapshot

        data = load_snapshot(request.snapshot)
    result = audit(config, Gate(request.fail_on), request.language, data).to_json()

    known: list[str] = []
    baseline_info: dict[str, Any] | None = None
    if request.baseline is not None:
        known, baseline_info = _baseline(config, result, request.baseline)
    result = finalize(
        result,
        gate=Gate(request.fail_on),
        select=list(request.select),
        ignore=list(request.ignore),
        fail_under_values=list(request.fail_under),
        known=known,
    )
    if baseline_info is not None:
        result["baseline"] = baseline_info
    if request.record or config.history_record:
        from auditor.history import configured_store_path, record_result

        record_result(result, configured_store_path(config))
    return result


def _baseline(config: Any, result: dict[str, Any], period: str) -> tuple[list[str], dict[str, Any]]:
    """Failures of the recorded `period` that are still failing now: known, not new."""
    from auditor.history import HistoryStore, configured_store_path, new_failures
    from auditor.period import PeriodError, parse_period

    try:
        label = parse_period(period).label
    except PeriodError as exc:
        raise InputError(Problem(f"--baseline: {exc}")) from None
    store = HistoryStore(configured_store_path(config))
    recorded = store.latest(config.slug, label)
    if recorded is None:
        periods = store.periods(config.slug)
        known = ", ".join(periods) if periods else "none (record runs with --record)"
        raise InputError(
            Problem(
                f"--baseline {label}: no recorded audit of {config.slug} for that period; "
                f"recorded periods: {known}"
            )
        )
    severity = {"fail": 2, "warn": 1}
    before = {f["rule"]: severity.get(f["status"], 0) for f in recorded.get("findings", [])}
    failing = [f for f in result["findings"] if f["status"] in severity]
    # New: failing now and not before, or worse than before (a warning that became a failure).
    new = set(new_failures(result, recorded)) | {
        f["rule"] for f in failing if severity[f["status"]] > before.get(f["rule"], 0)
    }
    failing_ids = [f["rule"] for f in failing]
    known_failures = [r for r in failing_ids if r not in new]
    return known_failures, {
        "period": label,
        "new_failures": sorted(new & set(failing_ids)),
        "known_failures": sorted(known_failures),
    }
