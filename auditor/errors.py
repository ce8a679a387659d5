"""Every error the auditor raises on purpose, grouped by what the user must do next.

The CLI maps each class to one exit code (DESIGN.md section 6), so the class is
chosen by recovery strategy, not by where the error happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_SOURCE = 3


@dataclass(frozen=True)
class Problem:
    """One located problem in a user's file: enough to jump to it in an editor."""

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class AuditorError(Exception):
    """Base of the errors that end a run with a message instead of a traceback."""

    exit_code = EXIT_BAD_INPUT


class InputError(AuditorError):
    """Bad config, rule pack, data file or CLI usage: the user must fix a file (exit 2).

    Carries every problem found, so one run reports them all at once.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: Problem | str | Iterable[Problem]) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceError(AuditorError):
    """The data source was unreachable or refused us (network, auth, API error): exit 3."""

    exit_code = EXIT_SOURCE
