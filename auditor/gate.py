"""When a run fails (exit 1): kept apart so the CLI can parse options without loading the engine."""

from __future__ import annotations

from dataclasses import dataclass

FAIL_ON = ("warn", "fail", "never")


@dataclass(frozen=True)
class Gate:
    """What makes a run exit 1: findings at or above `fail_on`, or a score under `fail_under`."""

    fail_on: str = "fail"
    fail_under: float | None = None
