"""The portfolio of a batch: clients ranked, regressions and common failures, the batch's
exit code and language, and its three files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.core.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_SOURCE
from auditor.core.models import ACTIONABLE
from auditor.core.vocabulary import LANGUAGES
from auditor.gating.select import PRECEDENCE, combine_exit_codes
from auditor.pipeline.batch import BatchOptions


def _overall(outcome: Mapping[str, Any]) -> float | None:
    value = (outcome.get("scores") or {}).get("overall")
    return float(value) if isinstance(value, int | float) else None


def _rank_key(outcome: Mapping[str, Any]) -> tuple[Any, ...]:
    """Audited before errored, scored before withheld, best score first, then by name."""
    overall = _overall(outcome)
    name = str(outcome.get("client") or outcome.get("config") or "")
    return (
        outcome.get("error") is not None,
        overall is None,
        -(overall or 0.0),
        name.casefold(),
        str(outcome.get("config")),
    )


def _worst_delta(regression: Mapping[str, Any]) -> tuple[str | None, float | None]:
    """The score (overall or a category) that fell the most, and by how much."""
    worst: tuple[str | None, float | None] = (None, None)
    for name, row in (regression.get("scores") or {}).items():
        delta = row.get("delta")
        if delta is not None and (worst[1] is None or delta < worst[1]):
            worst = (name, delta)
    return worst


def regressions_list(outcomes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Clients whose score fell, or with new failures, since their recorded previous
    period: the overall drop first (biggest first), then the worst category drop."""
    rows = []
    for outcome in outcomes:
        regression = outcome.get("regression")
        if outcome.get("error") is not None or not regression:
            continue
        scores = regression.get("scores") or {}
        worst_name, worst_delta = _worst_delta(regression)
        fell = worst_delta is not None and worst_delta < 0
        if not fell and not regression.get("new_failures"):
            continue
        rows.append(
            {
                "client": outcome.get("client"),
                "client_slug": outcome.get("client_slug"),
                "config": outcome.get("config"),
                "period": outcome.get("period"),
                "previous_period": regression.get("previous_period"),
                "overall": scores.get("overall") or {"before": None, "after": None, "delta": None},
                "worst": {"score": worst_name, "delta": worst_delta} if fell else None,
                "scores": scores,
                "new_failures": list(regression.get("new_failures") or []),
                "resolved": list(regression.get("resolved") or []),
            }
        )

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        overall = row["overall"].get("delta")
        worst = (row["worst"] or {}).get("delta")
        return (
            overall if overall is not None else 0.0,
            worst if worst is not None else 0.0,
            -len(row["new_failures"]),
            str(row["client_slug"]),
        )

    return sorted(rows, key=key)


def common_failures(outcomes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rules failing or warning across clients: most failures first, then warnings."""
    rules: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        if outcome.get("error") is not None:
            continue
        for finding in outcome.get("failing") or []:
            rule = str(finding["rule"])
            entry = rules.setdefault(
                rule,
                {
                    "rule": rule,
                    "title": finding.get("title") or "",
                    "category": finding.get("category"),
                    "fail": 0,
                    "warn": 0,
                    "clients": {"fail": [], "warn": []},
                },
            )
            status = finding.get("status")
            if status in ACTIONABLE:
                entry[status] += 1
                entry["clients"][status].append(outcome.get("client_slug"))
    return sorted(rules.values(), key=lambda e: (-e["fail"], -e["warn"], e["rule"]))


EXIT_LABELS = {
    EXIT_BAD_INPUT: "bad input",
    EXIT_SOURCE: "source unreachable or nothing evaluated",
    EXIT_FINDINGS: "findings",
    EXIT_OK: "healthy",
}


def batch_exit(outcomes: Sequence[Mapping[str, Any]]) -> tuple[int, str]:
    """The batch's exit code (2 > 3 > 1 > 0 over the clients) and a reason naming them."""
    codes = [int(o["exit_code"]) for o in outcomes]
    code = combine_exit_codes(codes)
    if not outcomes:
        return code, "no client audited"
    groups: dict[int, list[str]] = {}
    for outcome in outcomes:
        name = outcome.get("client_slug") or outcome.get("config")
        groups.setdefault(int(outcome["exit_code"]), []).append(str(name))
    order = sorted(groups, key=lambda c: PRECEDENCE.index(c) if c in PRECEDENCE else -1)
    parts = []
    for group in order:
        names = groups[group]
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        label = EXIT_LABELS.get(group, "interrupted or crashed")
        parts.append(f"{len(names)} client(s) exit {group} ({label}): {shown}")
    return code, "; ".join(parts)


def portfolio_language(outcomes: Sequence[Mapping[str, Any]], requested: str | None) -> str:
    """--lang if given, else the language every audited client shares, else English."""
    if requested in LANGUAGES:
        return requested
    languages = {o.get("language") for o in outcomes if o.get("error") is None}
    if len(languages) == 1 and languages <= set(LANGUAGES):
        return str(languages.pop())
    return "en"


@dataclass
class BatchRun:
    """What a batch did, for `build_portfolio`."""

    outcomes: list[dict[str, Any]]
    options: BatchOptions
    jobs: int
    seconds: float
    started_at: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def build_portfolio(run: BatchRun) -> dict[str, Any]:
    """The portfolio summary: everything `portfolio.html`, `.csv` and `.json` show."""
    outcomes = run.outcomes
    ranked = sorted(outcomes, key=_rank_key)
    clients = []
    position = 0
    for outcome in ranked:
        row = {k: v for k, v in outcome.items() if k != "traceback"}
        counts = outcome.get("counts") or {}
        row["fail"] = counts.get("fail", 0) if counts else None  # None: not audited
        row["warn"] = counts.get("warn", 0) if counts else None
        if outcome.get("error") is None:
            position += 1
            row = {"rank": position, **row}
        else:
            row = {"rank": None, **row}
        clients.append(row)
    code, reason = batch_exit(outcomes)
    by_code = Counter(int(o["exit_code"]) for o in outcomes)
    errored = [o for o in outcomes if o.get("error") is not None]
    return {
        "schema_version": 1,
        "kind": "portfolio",
        "tool": {"name": "auditor", "version": __version__},
        "started_at": run.started_at,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": portfolio_language(outcomes, run.options.language),
        "periods": sorted({str(o["period"]) for o in outcomes if o.get("period")}),
        "options": run.options.to_json() | {"jobs": run.jobs},
        "seconds": round(run.seconds, 3),
        "exit_code": code,
        "exit_reason": reason,
        "counts": {
            "clients": len(outcomes),
            "audited": len(outcomes) - len(errored),
            "errored": len(errored),
            "by_exit_code": {str(c): by_code[c] for c in sorted(by_code)},
        },
        "clients": clients,
        "regressions": regressions_list(outcomes),
        "common_failures": common_failures(outcomes),
        "errors": [
            {
                "config": o["config"],
                "client": o.get("client"),
                "client_slug": o.get("client_slug"),
                "period": o.get("period"),
                "exit_code": o["exit_code"],
                "error": o["error"],
            }
            for o in sorted(errored, key=lambda o: str(o["config"]))
        ],
    }


def write_portfolio(portfolio: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """portfolio.html, .csv and .json in `out_dir`: all written, or none."""
    from auditor.outputs.files import write_all, write_text
    from auditor.outputs.portfolio import render_csv, render_html, render_json

    return write_all(
        {
            out_dir / "portfolio.html": write_text(render_html(portfolio)),
            out_dir / "portfolio.csv": write_text(render_csv(portfolio)),
            out_dir / "portfolio.json": write_text(render_json(portfolio)),
        }
    )
