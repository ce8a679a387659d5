"""The terminal summary: scores, then findings worst first.

Colour only on a terminal and never when NO_COLOR is set (no-color.org);
the text itself carries the status, so nothing depends on colour.
"""

from __future__ import annotations

import os
from typing import Any

from auditor import formatting

_COLOURS = {"fail": "31", "warn": "33", "pass": "32"}
_LABELS = {
    "en": {
        "overall": "Overall score",
        "incomplete": "incomplete",
        "findings": "Findings (worst first)",
        "exit": "Exit",
        "activity": "activity",
        "response": "response",
        "efficiency": "efficiency",
        "value": "value",
    },
    "es": {
        "overall": "Puntuación global",
        "incomplete": "incompleta",
        "findings": "Hallazgos (de peor a mejor)",
        "exit": "Salida",
        "activity": "actividad",
        "response": "respuesta",
        "efficiency": "eficiencia",
        "value": "valor",
    },
}


def use_colour(stream: Any) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and bool(getattr(stream, "isatty", lambda: False)())


def _paint(text: str, status: str, colour: bool) -> str:
    code = _COLOURS.get(status)
    return f"\033[{code}m{text}\033[0m" if colour and code else text


def _score(value: float | None, language: str) -> str:
    return formatting.number(value, language, 1) if value is not None else "—"


def render_text(result: dict[str, Any], colour: bool = False) -> str:
    """A compact, ranked summary of one audit result."""
    language = result.get("language", "en")
    labels = _LABELS.get(language, _LABELS["en"])
    currency = result.get("config", {}).get("currency", "EUR")
    lines = [f"{result['client']} · {result['period']['label']}"]
    scores = result["scores"]
    overall = scores.get("overall")
    lines.append(f"{labels['overall']}: {_score(overall, language)}")
    parts = []
    for name, info in result.get("categories", {}).items():
        if info["incomplete"]:
            coverage = formatting.pct(info["coverage"], language, 0)
            parts.append(f"{labels[name]} {labels['incomplete']} ({coverage})")
        else:
            parts.append(f"{labels[name]} {_score(info['score'], language)}")
    lines.append("  " + " · ".join(parts))
    lines.append("")
    lines.append(labels["findings"])
    width = max((len(f["rule"]) for f in result["findings"]), default=10)
    for finding in result["findings"]:
        status = finding["status"].upper().ljust(14)
        value = formatting.metric(finding["value"], finding["unit"], language, currency)
        if finding["value"] is None:
            value = "—"
        head = f"  {_paint(status, finding['status'], colour)} {finding['rule'].ljust(width)}  "
        lines.append(f"{head}{value.rjust(10)}  {finding['message']}")
    lines.append("")
    lines.append(f"{labels['exit']} {result['exit_code']}: {result['exit_reason']}")
    return "\n".join(lines) + "\n"
