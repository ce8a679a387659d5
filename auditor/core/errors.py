"""Every error the auditor raises on purpose, grouped by what the user must do next.

The CLI maps each class to one exit code (DESIGN.md section 6), so the class is
chosen by recovery strategy, not by where the error happened.

`quote` is how any piece of a user's file (a header name, a cell, a key) enters
a message: at most QUOTE_CHARS characters, one line, and no character that a
terminal would act on.  Limit: QUOTE_CHARS = 40 characters shown per quoted piece.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_SOURCE = 3

QUOTE_CHARS = 40
"""How much of one piece of file content a message shows: enough to find it, never a page."""


MAX_SHOWN_PROBLEMS = 100
"""Problems an error message lists; the rest are counted (a file with 100,000 unknown
keys gives a readable message, fast).  Above the data readers' own cap of 50 plus
their closing lines, so their messages are unchanged."""
PATH_CHARS = 120  # a key path in a message: long enough for any real one


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """`value` as it may appear in a message: quoted, truncated with '...', and inert.

    Control characters (ANSI escape sequences start with one), line breaks,
    bidi overrides (U+202A-U+202E, U+2066-U+2069) and every other character
    Python calls unprintable are written as their escape (\\x1b, \\u202e), so a
    header name can neither drive the terminal nor hide or reorder the text
    around it.  Only the first `limit` + 1 characters are looked at: a 10 MB
    "header" costs nothing.
    """
    return f"'{inert(value, limit)}'"


def inert(value: object, limit: int) -> str:
    """`quote` without the quotes, for a whole message made by a library from file content."""
    text = str(value)
    shown = ""
    for char in text[: limit + 1]:
        piece = char if char.isprintable() else repr(char)[1:-1]
        if len(shown) + len(piece) > limit:
            return f"{shown}..."  # never half an escape
        shown += piece
    return shown


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
        # a key path is made of the file's own keys: shown inert, like any file content
        key = f"{inert(self.path, PATH_CHARS)}: " if self.path else ""
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
        shown = [str(p) for p in self.problems[:MAX_SHOWN_PROBLEMS]]
        if len(self.problems) > MAX_SHOWN_PROBLEMS:
            more = len(self.problems) - MAX_SHOWN_PROBLEMS
            shown.append(f"... and {more:,} more problems (fix these first)")
        super().__init__("\n".join(shown))


class SourceError(AuditorError):
    """The data source was unreachable or refused us (network, auth, API error): exit 3."""

    exit_code = EXIT_SOURCE


# --- data-source errors, split by what the user does next ------------------------------
# Every message is built by the HTTP client with secrets already redacted; none of these
# classes ever holds a credential's value, only the NAME of the variable it came from.


class SourceAuthError(SourceError):
    """The platform refused the credentials (HTTP 401/403): fix the token, then rerun."""

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        variable: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.platform = platform
        self.variable = variable
        self.status = status  # 401: bad or expired credential; 403: not allowed to read this


class SourceNotFoundError(SourceError):
    """The platform has no such resource (HTTP 404): check base_url, account or ids."""

    def __init__(self, message: str, *, platform: str, path: str) -> None:
        super().__init__(message)
        self.platform = platform
        self.path = path


class SourceResponseError(SourceError):
    """The platform answered something unreadable (not JSON, wrong shape, bad timestamp),
    or refused the request itself (another 4xx): report it, retrying will not help."""

    def __init__(self, message: str, *, platform: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.platform = platform
        self.status = status


class SourceUnavailableError(SourceError):
    """Retries ran out on a transient failure (connection, timeout, 429, 5xx): rerun later."""

    def __init__(self, message: str, *, platform: str, last_status: int | None = None) -> None:
        super().__init__(message)
        self.platform = platform
        self.last_status = last_status


class SourceQuotaError(SourceError):
    """The platform asked for a wait longer than we are willing to sleep (a daily quota):
    rerun after `retry_at` (UTC, ISO 8601)."""

    def __init__(self, message: str, *, platform: str, wait_seconds: float, retry_at: str) -> None:
        super().__init__(message)
        self.platform = platform
        self.wait_seconds = wait_seconds
        self.retry_at = retry_at


class SourcePaginationError(SourceError):
    """Paging did not converge (repeated cursor, URL or page; page cap reached): a bug in
    the connector or the platform, or a window too wide; narrowing the period may help."""

    def __init__(self, message: str, *, platform: str) -> None:
        super().__init__(message)
        self.platform = platform


class ProblemCollector:
    """Located problems of one input file: report them all at once, capped.

    The first `cap` problems are kept and the rest only counted, so a file
    broken on every line still gives a readable message.
    """

    def __init__(self, file: str, cap: int = 50) -> None:
        self.file = file
        self.cap = cap
        self.items: list[Problem] = []
        self.dropped = 0

    def add(self, message: str, line: int | None = None, col: int | None = None) -> None:
        if len(self.items) < self.cap:
            self.items.append(Problem(message, self.file, line, col))
        else:
            self.dropped += 1

    def stop(self, message: str, line: int | None = None, col: int | None = None) -> InputError:
        """The error that stops reading; its problem is kept even past the cap (it says why)."""
        self.items.append(Problem(message, self.file, line, col))
        return self.error()

    def error(self) -> InputError:
        """Every problem so far, in file order, and how many more there were."""
        out = sorted(self.items, key=lambda p: (p.line or 0, p.col or 0))
        if self.dropped:
            out.append(Problem(f"... and {self.dropped} more problems", self.file))
        return InputError(out)

    def raise_if_any(self) -> None:
        if self.items or self.dropped:
            raise self.error()
