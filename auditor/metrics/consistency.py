"""Base metrics that contradict each other: a data problem, never a KPI to judge.

Some base metrics are part of another by definition (delivered emails are sent
emails; a won deal with a known source is a won deal).  When a month's part
exceeds its whole, at least one of the two figures is wrong, and every KPI that
reads either of them would be judged on a number that cannot be true (a 428 %
click rate that "passes").  The calculator asks `suspect_metrics` for the
months of a period and makes those KPIs undefined with the reason; the runner
adds `warnings` to the result.  The check runs on `SourceData`, so it covers
the data file, every API connector and a replayed snapshot alike.

Only constraints that hold by definition are listed (docs/decisions.md,
"Consistency of base metrics"): clicks may exceed opens (images blocked), MQLs
may exceed the month's new leads (older leads qualify), and so on.  Response
counts are compared within a month because every connector counts them in the
month of the send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from auditor.core import reasons
from auditor.core.period import Month

MONTHS_SHOWN = 3  # months named per contradiction in a reason; the rest are counted


@dataclass(frozen=True)
class Constraint:
    """`part` can never exceed `whole` in the same month (`fallback` when `whole` is missing)."""

    part: str
    whole: str
    why: str
    fallback: str | None = None


CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("emails_delivered", "emails_sent", "delivered emails are sent emails"),
    Constraint(
        "emails_automated",
        "emails_sent",
        "emails sent by automations are part of all marketing emails sent",
    ),
    Constraint("bounces", "emails_sent", "a bounce is a sent email that was not delivered"),
    Constraint(
        "unique_opens",
        "emails_delivered",
        "a recipient opens an email delivered to them, once at most as a unique open",
        "emails_sent",
    ),
    Constraint(
        "unique_opens_human",
        "unique_opens",
        "human opens are the unique opens less the privacy-proxy (machine) opens",
    ),
    Constraint(
        "unique_clicks",
        "emails_delivered",
        "a recipient clicks in an email delivered to them, once at most as a unique click",
        "emails_sent",
    ),
    Constraint(
        "unsubscribes",
        "emails_delivered",
        "an email's unsubscribes come from recipients it was delivered to",
        "emails_sent",
    ),
    Constraint(
        "spam_complaints",
        "emails_delivered",
        "a spam complaint comes from a recipient the email was delivered to",
        "emails_sent",
    ),
    Constraint(
        "workflows_behavioral",
        "workflows_active",
        "behavioural workflows are active workflows of one kind",
    ),
    Constraint("deals_won_with_source", "deals_won", "deals won with a known source are deals won"),
    Constraint("email_sessions", "website_sessions", "sessions from email are website sessions"),
)


@dataclass(frozen=True)
class Contradiction:
    """One month where a part exceeds its whole."""

    month: Month
    part: str
    part_value: float
    whole: str
    whole_value: float
    instead_of: str | None = None  # the whole that was not measured, when the fallback was used


def contradictions(
    monthly: Mapping[Month, Mapping[str, float]], months: Iterable[Month]
) -> list[Contradiction]:
    """Every broken constraint in `months`, in month order."""
    found: list[Contradiction] = []
    for month in sorted(months):
        values = monthly.get(month)
        if not values:
            continue
        for rule in CONSTRAINTS:
            part = values.get(rule.part)
            if part is None:
                continue
            whole_id, instead_of = rule.whole, None
            if whole_id not in values and rule.fallback is not None:
                whole_id, instead_of = rule.fallback, rule.whole
            whole = values.get(whole_id)
            if whole is not None and part > whole:
                found.append(Contradiction(month, rule.part, part, whole_id, whole, instead_of))
    return found


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def describe(found: Sequence[Contradiction]) -> str:
    """One pair's contradictions as a sentence: '... exceed ... in 2026-08: the data is inconsistent'.

    `found` holds the months of one (part, whole) pair.
    """
    first = found[0]
    missing = sorted({c.instead_of for c in found if c.instead_of})
    if len(found) == 1 and not missing:
        return reasons.text(
            "exceeds_once",
            part=first.part,
            part_value=_count(first.part_value),
            whole=first.whole,
            whole_value=_count(first.whole_value),
            month=first.month,
        )
    if len(found) == 1:
        text = (
            f"{first.part} ({_count(first.part_value)}) exceed {first.whole} "
            f"({_count(first.whole_value)}) in {first.month}"
        )
    else:
        months = ", ".join(
            f"{c.month} ({_count(c.part_value)} > {_count(c.whole_value)})"
            for c in found[:MONTHS_SHOWN]
        )
        more = len(found) - MONTHS_SHOWN
        if more > 0:
            months += f" (+{more})"
        if not missing:
            return reasons.text("exceeds", part=first.part, whole=first.whole, months=months)
        text = f"{first.part} exceed {first.whole} in {months}"
    if missing:
        text += f" ({', '.join(missing)} not measured)"
    return f"{text}: the data is inconsistent"


def _by_pair(found: Iterable[Contradiction]) -> dict[tuple[str, str], list[Contradiction]]:
    pairs: dict[tuple[str, str], list[Contradiction]] = {}
    for item in found:
        pairs.setdefault((item.part, item.whole), []).append(item)
    return pairs


def suspect_metrics(
    monthly: Mapping[Month, Mapping[str, float]], months: Iterable[Month]
) -> dict[str, tuple[str, ...]]:
    """Base metric id -> why no KPI may read it in these months ({} when all is consistent)."""
    reasons: dict[str, tuple[str, ...]] = {}
    for (part, whole), items in _by_pair(contradictions(monthly, months)).items():
        sentence = describe(items)
        for metric in (part, whole):
            reasons[metric] = (*reasons.get(metric, ()), sentence)
    return reasons


def suspicion(names: Iterable[str], suspects: Mapping[str, tuple[str, ...]]) -> str | None:
    """Why a formula reading `names` cannot be computed, or None: each contradiction once."""
    sentences = [s for name in names for s in suspects.get(name, ())]
    return "; ".join(dict.fromkeys(sentences)) or None


def consistency_warnings(monthly: Mapping[Month, Mapping[str, float]]) -> list[str]:
    """One warning per broken constraint, over every month of the data."""
    return [
        f"{describe(items)}; KPIs that read {part} or {whole} are undefined for periods "
        "that include these months"
        for (part, whole), items in _by_pair(contradictions(monthly, monthly)).items()
    ]
