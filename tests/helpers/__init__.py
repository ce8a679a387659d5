"""Small builders shared by the tests, and where the repository's files are.

The test modules live in folders that mirror the package's; they find fixtures and the
repository through `ROOT` and `TESTS`, never through their own location.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from auditor.core.models import Finding, SourceData

ROOT = Path(__file__).resolve().parents[2]  # the repository
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"


def make_finding(
    rule: str = "r",
    status: str = "pass",
    score: float | None = None,
    weight: float = 1.0,
    category: str = "response",
    labels: tuple[str, ...] = (),
) -> Finding:
    """A Finding with only what scoring, ranking and gating read set (metric `m`, a ratio)."""
    return Finding(
        rule=rule,
        category=category,
        status=status,
        score=score,
        weight=weight,
        metric="m",
        value=None,
        unit="ratio",
        threshold=None,
        message="",
        recommendation="",
        labels=labels,
    )


def source(monthly: Mapping[str, Mapping[str, float]], **kwargs: object) -> SourceData:
    """A SourceData as the file connector would deliver it."""
    return SourceData(
        connector="test",
        label="test-data.csv",
        monthly={m: dict(v) for m, v in monthly.items()},
        fetched_at="2026-11-23T00:00:00Z",
        **kwargs,  # type: ignore[arg-type]
    )


Q3_MONTH = {
    "emails_sent": 0,  # replaced per month below
    "unique_opens": 300,
    "unique_clicks": 50,
    "unsubscribes": 20,
    "spam_complaints": 1,
    "campaigns_sent": 4,
    "email_sessions": 100,
    "website_sessions": 1000,
    "website_visitors": 800,
    "conversions": 60,
    "leads_new": 40,
    "mqls": 10,
    "sqls": 3,
    "customers_new": 2,
    "deals_won": 2,
    "deals_lost": 6,
    "deals_won_with_source": 1,
    "revenue_won": 10000,
    "revenue_attributed": 5000,
    "revenue_total": 100000,
}


def q3_data() -> dict[str, dict[str, float]]:
    """Three months of 2026-Q3 plus the June stocks churn needs, and Q2 MQLs."""
    months: dict[str, dict[str, float]] = {}
    per_month = {
        "2026-07": (1000, 10, 10, 3, 51000, 500, 102, 2),
        "2026-08": (2000, 20, 11, 3, 52000, 1040, 104, 1),
        "2026-09": (3000, 30, 12, 4, 53000, 520, 106, 3),
    }
    for month, (sent, bounces, wf, wf_beh, mrr, mrr_ch, acc, acc_ch) in per_month.items():
        row = dict(Q3_MONTH)
        row.update(
            emails_sent=sent,
            bounces=bounces,
            emails_delivered=sent - bounces,
            workflows_active=wf,
            workflows_behavioral=wf_beh,
            mrr=mrr,
            mrr_churned=mrr_ch,
            accounts_active=acc,
            accounts_churned=acc_ch,
        )
        months[month] = row
    months["2026-04"] = {"mqls": 8, "emails_sent": 900}
    months["2026-05"] = {"mqls": 8, "emails_sent": 900}
    months["2026-06"] = {"mqls": 8, "emails_sent": 900, "mrr": 50000, "accounts_active": 100}
    return months


COSTS = {
    "platform": 3000,
    "staff": 6000,
    "services": 1000,
    "media": 2000,
    "sales": 4000,
    "overhead": 1000,
}


def write_wide_csv(path, monthly: Mapping[str, Mapping[str, float]]) -> None:
    """Write months as a wide CSV (month + one column per metric), empty = not measured."""
    from auditor.metrics.catalog import BASE_METRICS

    columns = [m.id for m in BASE_METRICS]
    lines = [",".join(["month", *columns])]
    for month in sorted(monthly):
        row = monthly[month]
        cells = ["" if c not in row else f"{row[c]:g}" for c in columns]
        lines.append(",".join([month, *cells]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


CONFIG = """\
client: Aceros del Sur
period: 2026-Q3
language: en
source:
  connector: file
  path: data.csv
costs: {currency: EUR, platform: 3000, staff: 6000, services: 1000, media: 2000, sales: 4000, overhead: 1000}
finance: {gross_margin: 0.5}
"""


class FakeTime:
    """The clocks an HTTP connector reads, moving when the client sleeps (sleeping returns
    at once): the monotonic `clock` starts at 100 s, the `wall` clock at `wall_start`
    (epoch seconds) and moves with it. With `base` (e.g. `time.monotonic`), `clock` is
    that real clock plus the time slept, for a fake server that counts real time."""

    def __init__(
        self, wall_start: float = 1_800_000_000.0, base: Callable[[], float] | None = None
    ) -> None:
        self.now = 100.0
        self.wall_start = wall_start
        self.base = base
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        if self.base is not None:
            return self.base() + self.now - 100.0
        return self.now

    def wall(self) -> float:
        return self.wall_start + self.now - 100.0
