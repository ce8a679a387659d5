"""The audit result as GitHub Actions workflow commands (annotations).

Printed on a step's stdout, each line becomes an annotation on the run's page:

- `fail` -> `::error title=...::message` (red),
- `warn` -> `::warning title=...::message` (yellow), so warn and fail differ,
- `error` and `no_data` -> `::notice title=...::message`: the rule could not
  be judged; a notice keeps that visible without looking like a warning,
- `pass`, `not_applicable` and `waived` -> nothing.

Worst first, as the result ranks them (GitHub shows at most 10 annotations of
each level per step, so the worst are the ones kept).

Escaping follows GitHub's toolkit (`@actions/core`, command.ts): in the message
`%` -> `%25`, CR -> `%0D`, LF -> `%0A`; in a property value also `:` -> `%3A`
and `,` -> `%2C`.  The message therefore stays on one line whatever the client
data holds, so no text can start a command of its own (`::stop-commands::`,
`::add-mask::`...).  Other control characters are dropped, and bidi controls
(U+202E...) are shown as `[U+202E]`, so they cannot reorder the annotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.core import formatting
from auditor.outputs.text import (
    STATUS_WORDS,
    clean,
    details,
    headline,
)

LEVELS = {"fail": "error", "warn": "warning", "error": "notice", "no_data": "notice"}
SILENT = ("pass", "not_applicable", "waived")


def escape_data(text: Any) -> str:
    """A workflow command's message: `%`, CR and LF percent-encoded, other control
    characters dropped, bidi controls shown as [U+202E] (`formatting.visible`)."""
    text = formatting.visible("" if text is None else str(text), control="", keep="\r\n")
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: Any) -> str:
    """A workflow command's property value: as `escape_data`, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str) -> str:
    """One workflow command line, e.g. `::error title=x::message`."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def _message(finding: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """First line: value against threshold and the message; then the details."""
    rest = details(finding, result, message=False)[1:]  # the title is the annotation's
    return "\n".join([headline(finding, result), *rest])


def render_github(result: Mapping[str, Any]) -> str:
    """The workflow commands for one audit result; empty when nothing failed or warned."""
    lines = []
    for finding in result.get("findings") or []:
        status = str(finding.get("status") or "error")
        if status in SILENT:
            continue
        level = LEVELS.get(status, "notice")  # a status a newer auditor adds: still shown
        title = clean(finding.get("title"))
        rule = clean(finding.get("rule"))
        word = STATUS_WORDS.get(status, status.upper())
        heading = f"{word} {rule}" + (f": {title}" if title else "")
        lines.append(command(level, _message(finding, result), title=heading))
    return "".join(line + "\n" for line in lines)
