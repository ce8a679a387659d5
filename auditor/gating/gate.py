"""When a run fails: the gate (`--fail-on`, `--fail-under`) and the one function that
decides the exit code of an audit from its typed findings and scores.  Light on purpose:
the CLI parses its options with it without loading the engine."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.core import reasons
from auditor.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_SOURCE
from auditor.core.models import Finding, Scores

FAIL_ON = ("warn", "fail", "never")


@dataclass(frozen=True)
class Gate:
    """What makes a run exit 1: findings at or above `fail_on`, or a score under `fail_under`."""

    fail_on: str = "fail"
    fail_under: float | None = None


def exit_status(findings: list[Finding], scores: Scores, gate: Gate) -> tuple[int, str]:
    """Exit code and its reason: 3 when nothing could be judged, 1 on the gate, else 0."""
    # Analysis findings (label "analysis") inform; they never decide an exit code.
    findings = [f for f in findings if "analysis" not in f.labels]
    judged = [f for f in findings if f.status in ("pass", "warn", "fail")]
    if not judged:
        return EXIT_SOURCE, reasons.text("exit_nothing_judged")
    causes: list[str] = []
    if gate.fail_on != "never":
        levels = ("fail",) if gate.fail_on == "fail" else ("warn", "fail")
        hits = [f.rule for f in findings if f.status in levels]
        if hits:
            causes.append(
                reasons.text(
                    "exit_findings", count=len(hits), level=gate.fail_on, rules=", ".join(hits)
                )
            )
    if gate.fail_under is not None:
        if scores.overall is None:
            causes.append(reasons.text("exit_overall_withheld", minimum=f"{gate.fail_under:g}"))
        elif scores.overall < gate.fail_under:
            causes.append(
                reasons.text(
                    "exit_overall_under",
                    score=f"{scores.overall:g}",
                    minimum=f"{gate.fail_under:g}",
                )
            )
    if causes:
        return EXIT_FINDINGS, "; ".join(causes)
    if gate.fail_on == "never":
        return EXIT_OK, reasons.text("exit_never")
    if scores.overall is None:  # a hollow audit does not call itself healthy
        return EXIT_OK, reasons.text(
            "exit_healthy_partial",
            level=gate.fail_on,
            judged=len(judged),
            rules=len(findings),
            coverage=f"{scores.overall_coverage * 100:.0f}",
        )
    return EXIT_OK, reasons.text("exit_healthy", level=gate.fail_on)
