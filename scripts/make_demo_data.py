"""Generate the bundled demo client's data: ``auditor/demo/data.csv`` and ``leads.csv``.

The client is a fictional Spanish B2B industrial supplier, Suministros Industriales Ebro, S.L.
(Zaragoza), that runs its marketing automation on HubSpot.  The file is the wide form of the file
connector's input (DESIGN.md section 5): a ``month`` column and the 31 base metrics, 24 months
from 2024-10 to 2026-09.  Problems are planted in 2026-Q3 (the demo period) so that the default
rule pack has something to find; see ``auditor/demo/README.md``.

Standard library only and deterministic (``random.Random(2026)``): running it twice writes the
same bytes.  Before writing, every month is checked for internal consistency and the 2026-Q2 and
2026-Q3 KPIs are computed from the generated rows and asserted against the ranges the demo
promises; the achieved values are printed.

The leads table (``leads.csv``, the file connector's ``leads:`` option) has one row per new lead
of the 24 months, consistent with the monthly rows: per month, as many leads as ``leads_new``,
as many MQL flags as ``mqls`` (score >= 60, or >= 40 from 2026-07) and as many customers as
``customers_new``; the leads of the last two months have no outcome yet.  The score predicts the
outcome only moderately (AUC about 0.70) and separates best well above 40.  It uses its own
``random.Random`` so that ``data.csv`` does not depend on it.

    python scripts/make_demo_data.py            # (re)write auditor/demo/data.csv and leads.csv
    python scripts/make_demo_data.py --check    # exit 1 if a committed file is out of date
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import csv
import io
import math
import os
import random
import sys
import tempfile
from pathlib import Path

SEED = 2026
OUT = Path(__file__).resolve().parents[1] / "auditor" / "demo" / "data.csv"
LEADS_OUT = OUT.with_name("leads.csv")
LEADS_SEED = 20260701  # a separate stream: data.csv never depends on the leads
# A separate stream for the three columns added with issue 11 (emails_automated is read from the
# main stream's workflow draw), so that the 28 older columns keep their values.
EXTRA_SEED = 20261103

# DESIGN.md section 3 order (contract ids).
COLUMNS = (
    "emails_sent",
    "emails_delivered",
    "campaigns_sent",
    "workflows_active",
    "workflows_behavioral",
    "emails_automated",
    "unique_opens",
    "unique_opens_human",
    "unique_clicks",
    "unsubscribes",
    "bounces",
    "spam_complaints",
    "contacts_lost",
    "email_sessions",
    "website_sessions",
    "website_visitors",
    "conversions",
    "leads_new",
    "mqls",
    "sqls",
    "customers_new",
    "deals_won",
    "deals_lost",
    "deals_won_with_source",
    "revenue_won",
    "revenue_attributed",
    "revenue_total",
    "mrr",
    "mrr_churned",
    "accounts_active",
    "accounts_churned",
)
MONEY = frozenset({"revenue_won", "revenue_attributed", "revenue_total", "mrr", "mrr_churned"})

FIRST_MONTH = (2024, 10)
N_MONTHS = 24

# Demand by calendar month (leads, web, deals, revenue): factories close in August and over
# Christmas; Q1 (budgets, plant maintenance stops) and the autumn are strong.
DEMAND = {1: 1.08, 2: 1.12, 3: 1.14, 4: 0.98, 5: 1.04, 6: 1.00}
DEMAND |= {7: 0.90, 8: 0.66, 9: 1.04, 10: 1.12, 11: 1.10, 12: 0.84}
# The email calendar is flatter than demand: newsletters keep going, fewer promos in August.
EMAIL = {1: 1.10, 2: 1.10, 3: 1.12, 4: 0.98, 5: 1.04, 6: 1.00}
EMAIL |= {7: 0.92, 8: 0.74, 9: 1.06, 10: 1.10, 11: 1.08, 12: 0.86}
GROWTH_PER_YEAR = 0.045

# HubSpot workflow inventory at month end, from the given month on: (active, behavioural).
# 2026-07: the quote-request form workflow is switched off during the website relaunch;
# 2026-08: a date-based follow-up sequence for the bought list is added.
WORKFLOWS = (
    ("2024-10", 10, 2),
    ("2025-02", 11, 2),
    ("2025-06", 11, 3),
    ("2025-11", 12, 3),
    ("2026-07", 12, 2),
    ("2026-08", 13, 2),
)

# Planted incidents.
BOUGHT_LIST_MONTH = "2026-08"  # one blast to a purchased list of workshop contacts
BOUGHT_LIST_SIZE = 7400
BOUGHT_LIST_RATES = {  # bounces per sent; the rest per delivered
    "bounce": 0.072,
    "open": 0.09,
    "click": 0.012,
    "unsubscribe": 0.055,
    "complaint": 0.0070,
}
MQL_THRESHOLD_LOWERED = "2026-07"  # lead-score threshold for MQL cut from 60 to 40 points
ERP_DEALS_FROM = "2026-07"  # deals created by the ERP quote sync, without contact or source

# Ranges asserted before writing (ratios 0..1; money in EUR).
Q3_EXPECT = {
    "unsubscribe_rate": (0.011, 0.014),
    "spam_complaint_rate": (0.0012, 0.002),
    "bounce_rate": (0.015, 0.025),
    "behavioral_workflow_share": (0.14, 0.17),
    "closed_loop_coverage": (0.40, 0.50),
    "mql_to_sql_rate": (0.15, 0.20),
    "click_rate": (0.025, 0.030),
    "close_rate": (0.25, 0.30),
    "customer_churn_rate": (0.010, 0.015),
    "revenue_attributed": (45_000.0, 120_000.0),  # platform TCO is 15,000 EUR a quarter
}
EARLIER_EXPECT = {  # every full quarter before 2026-Q3
    "unsubscribe_rate": (0.002, 0.0035),
    "spam_complaint_rate": (0.0003, 0.0005),
    "bounce_rate": (0.006, 0.010),
    "behavioral_workflow_share": (0.18, 0.28),
    "closed_loop_coverage": (0.55, 0.65),
    "mql_to_sql_rate": (0.25, 0.30),
    "click_rate": (0.025, 0.032),
    "close_rate": (0.25, 0.30),
    "customer_churn_rate": (0.010, 0.015),
    "revenue_attributed": (60_000.0, 150_000.0),
}


# Leads table.  Scores are whole points 0..100, drawn from a band mixture per outcome
# (uniform inside a band).  Customers sit mostly at 72+ or under 40 (the score misses the
# customers that come through field sales); non-customers fill 40..71 much more than
# customers do, so the best threshold is well above 40 and the AUC is moderate.
SCORE_BANDS = ((0, 19), (20, 39), (40, 59), (60, 71), (72, 84), (85, 100))
SCORE_WEIGHTS = {  # per band, for leads that became customers / did not
    True: (0.14, 0.20, 0.04, 0.04, 0.28, 0.30),
    False: (0.34, 0.30, 0.07, 0.12, 0.11, 0.06),
}
MQL_BEFORE, MQL_AFTER = 60, 40  # the MQL score threshold, cut in MQL_THRESHOLD_LOWERED
OUTCOME_UNKNOWN_FROM = "2026-08"  # leads too recent to know whether they buy
LEADS_EXPECT = {"auc": (0.66, 0.74), "best_threshold": (60, 90), "j_gain": (0.10, 1.0)}


def month_labels() -> list[str]:
    """The 24 ``YYYY-MM`` labels of the demo data, oldest first."""
    year, month = FIRST_MONTH
    labels = []
    for _ in range(N_MONTHS):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def workflows_at(label: str) -> tuple[int, int]:
    """Active and behaviour-triggered workflows at the end of the month."""
    active, behavioral = WORKFLOWS[0][1:]
    for start, n_active, n_behavioral in WORKFLOWS:
        if label >= start:
            active, behavioral = n_active, n_behavioral
    return active, behavioral


def generate(rng: random.Random) -> list[dict[str, int | float]]:
    """One dict per month with every base metric; money already rounded to cents."""

    def jitter(sd: float) -> float:
        return max(0.0, 1.0 + rng.gauss(0.0, sd))

    rows: list[dict[str, int | float]] = []
    accounts = 255  # paying accounts at the end of 2024-09
    arpa = 590.0  # EUR a month per supply contract; indexed every January
    mrr_prev = accounts * arpa
    deal_mu = math.log(7400.0) - 0.35**2 / 2  # lognormal deal sizes, mean ~7,400 EUR
    for i, label in enumerate(month_labels()):
        month = int(label[5:])
        growth = (1.0 + GROWTH_PER_YEAR) ** (i / 12)
        demand = DEMAND[month]
        row: dict[str, int | float] = {}

        # Activity: campaigns and workflow emails.
        active, behavioral = workflows_at(label)
        campaigns = min(14, max(8, round(11 * EMAIL[month] * jitter(0.08))))
        recipients = 880 * growth * jitter(0.05)
        workflow_emails = active * rng.uniform(95, 135)  # sent by the workflows: automated
        sent = round(campaigns * recipients + workflow_emails)
        bounces = round(sent * 0.0080 * jitter(0.10))
        delivered = sent - bounces
        opens = round(delivered * 0.27 * jitter(0.04))
        clicks = round(delivered * 0.0295 * jitter(0.05))
        unsubscribes = round(delivered * 0.0027 * jitter(0.10))
        complaints = round(delivered * 0.0004 * jitter(0.15))
        if label == BOUGHT_LIST_MONTH:
            r = BOUGHT_LIST_RATES
            campaigns += 1
            b_bounces = round(BOUGHT_LIST_SIZE * r["bounce"])
            b_delivered = BOUGHT_LIST_SIZE - b_bounces
            sent += BOUGHT_LIST_SIZE
            bounces += b_bounces
            delivered += b_delivered
            opens += round(b_delivered * r["open"])
            clicks += round(b_delivered * r["click"])
            unsubscribes += round(b_delivered * r["unsubscribe"])
            complaints += round(b_delivered * r["complaint"])
        row |= {
            "emails_sent": sent,
            "emails_delivered": delivered,
            "campaigns_sent": campaigns,
            "workflows_active": active,
            "workflows_behavioral": behavioral,
            "emails_automated": round(workflow_emails),
            "unique_opens": opens,
            "unique_clicks": clicks,
            "unsubscribes": unsubscribes,
            "bounces": bounces,
            "spam_complaints": complaints,
        }

        # Response: website.
        sessions = round(7300 * (1 + 0.7 * (demand - 1)) * growth * jitter(0.04))
        row["email_sessions"] = round(clicks * rng.uniform(1.15, 1.35))
        row["website_sessions"] = sessions
        row["website_visitors"] = round(sessions * rng.uniform(0.66, 0.71))

        # Efficiency: funnel.
        leads = round(118 * (1 + 0.85 * (demand - 1)) * growth * jitter(0.06))
        lowered = label >= MQL_THRESHOLD_LOWERED
        mqls = round(leads * (0.37 if lowered else 0.30) * jitter(0.05))
        sqls = round(mqls * (0.17 if lowered else 0.275) * jitter(0.06))
        customers = max(2, round(6.3 * demand * growth + rng.gauss(0.0, 0.8)))
        row["conversions"] = round(leads * rng.uniform(1.45, 1.75))
        row |= {"leads_new": leads, "mqls": mqls, "sqls": sqls, "customers_new": customers}

        # Value: deals (some won deals are new contracts with existing accounts).
        won = customers + rng.randint(1, 3)
        close = 0.272 * jitter(0.04)
        coverage = 0.46 if label >= ERP_DEALS_FROM else 0.60
        with_source = min(won, round(won * coverage * jitter(0.05)))
        amounts = [rng.lognormvariate(deal_mu, 0.35) for _ in range(won)]
        revenue_won = round(sum(amounts), 2)
        attributed = round(sum(amounts[:with_source]) * rng.uniform(0.82, 0.92), 2)
        revenue_total = 800_000 * (1 + 0.9 * (demand - 1)) * growth * jitter(0.03)
        row |= {
            "deals_won": won,
            "deals_lost": round(won * (1 - close) / close),
            "deals_won_with_source": with_source,
            "revenue_won": revenue_won,
            "revenue_attributed": attributed,
            "revenue_total": round(max(revenue_total, revenue_won), 2),
        }

        # Value: recurring supply contracts.
        if month == 1:
            arpa *= 1.03  # yearly price indexation of the contracts
        churned = max(0, round(accounts * 0.0125 + rng.gauss(0.0, 0.5)))
        accounts = accounts + customers - churned
        month_arpa = arpa * jitter(0.003)
        mrr = round(accounts * month_arpa, 2)
        downgrades = mrr_prev * rng.uniform(0.001, 0.003)
        mrr_churned = round(churned * month_arpa * rng.uniform(0.8, 1.2) + downgrades, 2)
        row |= {
            "mrr": mrr,
            "mrr_churned": mrr_churned,
            "accounts_active": accounts,
            "accounts_churned": churned,
        }
        mrr_prev = mrr
        rows.append(row)
    return rows


def add_audience_columns(rows: list[dict[str, int | float]], rng: random.Random) -> None:
    """Fill ``unique_opens_human`` and ``contacts_lost`` (issue 11) from their own stream.

    Human opens: the unique opens less the privacy-proxy (Apple MPP) opens, 30 to 38 % of the
    opens of this B2B audience.  Contacts lost: every unsubscribe and spam complaint, the
    addresses cleaned after a hard bounce (35 to 50 % of the bounces) and a few deleted by hand.
    Rows are rebuilt in column order.
    """
    for i, r in enumerate(rows):
        human = round(r["unique_opens"] * rng.uniform(0.62, 0.70))
        cleaned = round(r["bounces"] * rng.uniform(0.35, 0.50))
        lost = r["unsubscribes"] + r["spam_complaints"] + cleaned + rng.randint(2, 12)
        extra = {"unique_opens_human": human, "contacts_lost": lost}
        rows[i] = {k: extra[k] if k in extra else r[k] for k in COLUMNS}


def generate_leads(
    labels: list[str], rows: list[dict[str, int | float]], rng: random.Random
) -> list[tuple[str, str, int, int, int | None]]:
    """One ``(lead_id, created, score, mql, became_customer)`` per new lead, oldest first.

    Per month exactly ``leads_new`` leads, ``mqls`` of them at or above the month's MQL
    threshold (flagged MQL) and ``customers_new`` customers (their outcome left empty from
    OUTCOME_UNKNOWN_FROM).  Customers are placed above or below the threshold by their own
    band weights, then every score is drawn from its outcome's bands on its side.
    """

    def above_share(customer: bool, threshold: int) -> float:
        return sum(
            w
            for (lo, hi), w in zip(SCORE_BANDS, SCORE_WEIGHTS[customer], strict=True)
            if lo >= threshold
        )

    def draw(customer: bool, threshold: int, above: bool) -> int:
        bands = [
            (max(lo, threshold) if above else lo, hi if above else min(hi, threshold - 1), w)
            for (lo, hi), w in zip(SCORE_BANDS, SCORE_WEIGHTS[customer], strict=True)
            if (hi >= threshold if above else lo < threshold)
        ]
        lo, hi, _ = rng.choices(bands, weights=[w for *_, w in bands])[0]
        return rng.randint(lo, hi)

    leads: list[tuple[str, str, int, int, int | None]] = []
    for label, r in zip(labels, rows, strict=True):
        year, month = int(label[:4]), int(label[5:])
        days = calendar.monthrange(year, month)[1]
        n, k, c = int(r["leads_new"]), int(r["mqls"]), int(r["customers_new"])
        threshold = MQL_AFTER if label >= MQL_THRESHOLD_LOWERED else MQL_BEFORE
        p = above_share(True, threshold)
        c_above = min(k, sum(rng.random() < p for _ in range(c)))
        c_above = max(c_above, c - (n - k))
        flags = [(True, True)] * c_above + [(True, False)] * (c - c_above)
        flags += [(False, True)] * (k - c_above) + [(False, False)] * (n - k - c + c_above)
        rng.shuffle(flags)
        month_leads = []
        for customer, above in flags:
            score = draw(customer, threshold, above)
            day = rng.randint(1, days)
            month_leads.append((f"{label}-{day:02d}", score, int(above), int(customer)))
        if label == MQL_THRESHOLD_LOWERED:  # the first lead let in by the new threshold
            i = min(range(n), key=lambda j: (not month_leads[j][2], month_leads[j][1]))
            created, _, mql, customer = month_leads[i]
            month_leads[i] = (created, MQL_AFTER, mql, customer)
        month_leads.sort(key=lambda lead: lead[0])  # stable: same-day leads keep their order
        known = label < OUTCOME_UNKNOWN_FROM
        for created, score, mql, customer in month_leads:
            lead_id = f"L-{len(leads) + 10001}"
            leads.append((lead_id, created, score, mql, customer if known else None))
    return leads


def lead_scoring_kpis(leads: list[tuple[str, str, int, int, int | None]]) -> dict[str, float]:
    """What the lead-scoring analysis computes: AUC, best Youden threshold, gain over 40."""
    known = [(score, outcome) for _, _, score, _, outcome in leads if outcome is not None]
    pos = sorted(s for s, o in known if o)
    neg = sorted(s for s, o in known if not o)
    # AUC (Mann-Whitney): customers outscoring non-customers, ties counting one half.
    wins = sum(
        bisect.bisect_left(neg, s)
        + 0.5 * (bisect.bisect_right(neg, s) - bisect.bisect_left(neg, s))
        for s in pos
    )

    def youden(t: float) -> float:
        recall = (len(pos) - bisect.bisect_left(pos, t)) / len(pos)
        fpr = (len(neg) - bisect.bisect_left(neg, t)) / len(neg)
        return recall - fpr

    best = max(sorted({s for s, _ in known}, reverse=True), key=youden)
    return {
        "leads": len(known),
        "customers": len(pos),
        "auc": wins / (len(pos) * len(neg)),
        "best_threshold": best,
        "j_best": youden(best),
        "j_mql": youden(MQL_AFTER),
        "j_gain": youden(best) - youden(MQL_AFTER),
    }


def check_leads(
    labels: list[str],
    rows: list[dict[str, int | float]],
    leads: list[tuple[str, str, int, int, int | None]],
) -> dict[str, float]:
    """Assert the leads agree with the monthly rows; return the lead-scoring KPIs."""
    for label, r in zip(labels, rows, strict=True):
        month = [lead for lead in leads if lead[1][:7] == label]
        threshold = MQL_AFTER if label >= MQL_THRESHOLD_LOWERED else MQL_BEFORE
        assert len(month) == r["leads_new"], f"{label}: leads"
        assert sum(lead[3] for lead in month) == r["mqls"], f"{label}: mqls"
        assert all(lead[3] == (lead[2] >= threshold) for lead in month), f"{label}: mql flag"
        assert all(0 <= lead[2] <= 100 for lead in month), f"{label}: score"
        if label < OUTCOME_UNKNOWN_FROM:
            assert sum(lead[4] for lead in month) == r["customers_new"], f"{label}: customers"
        else:
            assert all(lead[4] is None for lead in month), f"{label}: outcome"
    assert len({lead[0] for lead in leads}) == len(leads), "lead ids"
    kpis = lead_scoring_kpis(leads)
    check_ranges("leads", kpis, LEADS_EXPECT)
    return kpis


def render_leads(leads: list[tuple[str, str, int, int, int | None]]) -> str:
    """The leads CSV text: ``lead_id,created,score,mql,became_customer``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("lead_id", "created", "score", "mql", "became_customer"))
    for lead_id, created, score, mql, customer in leads:
        writer.writerow((lead_id, created, score, mql, "" if customer is None else customer))
    return buf.getvalue()


def check_consistency(labels: list[str], rows: list[dict[str, int | float]]) -> None:
    """Assert the relations between metrics that hold in every month."""
    prev_accounts = None
    for label, r in zip(labels, rows, strict=True):
        where = f"{label}: "
        assert list(r) == list(COLUMNS), where + "columns out of order"
        for key, value in r.items():
            assert value >= 0, where + key
            if key in MONEY:
                assert round(value, 2) == value, where + key
            else:
                assert isinstance(value, int), where + key
        assert r["emails_delivered"] == r["emails_sent"] - r["bounces"], where + "delivered"
        assert r["unique_clicks"] <= r["unique_opens"] <= r["emails_delivered"], where + "opens"
        assert r["unique_opens_human"] <= r["unique_opens"], where + "human opens"
        assert r["emails_automated"] <= r["emails_sent"], where + "automated"
        assert r["contacts_lost"] >= r["unsubscribes"] + r["spam_complaints"], where + "lost"
        assert r["unsubscribes"] < 0.1 * r["emails_delivered"], where + "unsubscribes"
        assert r["spam_complaints"] < 0.01 * r["emails_delivered"], where + "complaints"
        assert r["email_sessions"] <= r["website_sessions"], where + "email sessions"
        assert r["website_visitors"] <= r["website_sessions"], where + "visitors"
        assert r["sqls"] <= r["mqls"] <= r["leads_new"], where + "funnel"
        assert r["customers_new"] <= r["deals_won"], where + "customers"
        assert r["deals_won_with_source"] <= r["deals_won"], where + "closed loop"
        assert r["revenue_attributed"] <= r["revenue_won"] <= r["revenue_total"], where + "revenue"
        assert r["workflows_behavioral"] <= r["workflows_active"], where + "workflows"
        if prev_accounts is not None:
            expected = prev_accounts + r["customers_new"] - r["accounts_churned"]
            assert r["accounts_active"] == expected, where + "accounts"
        prev_accounts = r["accounts_active"]
        assert 500 <= r["mrr"] / r["accounts_active"] <= 700, where + "arpa"


def quarter_kpis(
    labels: list[str], rows: list[dict[str, int | float]], quarter: str
) -> dict[str, float]:
    """The period totals and KPIs of one quarter (``YYYY-Qn``) as DESIGN.md defines them."""
    year, q = int(quarter[:4]), int(quarter[-1])
    months = [f"{year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    idx = [labels.index(m) for m in months]
    s = {k: sum(rows[i][k] for i in idx) for k in COLUMNS}
    last = rows[idx[-1]]
    # Monthly rates need the previous month; the first month of the data has none.
    churn = [rows[i]["accounts_churned"] / rows[i - 1]["accounts_active"] for i in idx if i]
    mrr_churn = [rows[i]["mrr_churned"] / rows[i - 1]["mrr"] for i in idx if i]
    return {
        "emails_sent": s["emails_sent"],
        "emails_delivered": s["emails_delivered"],
        "unsubscribes": s["unsubscribes"],
        "spam_complaints": s["spam_complaints"],
        "bounces": s["bounces"],
        "unique_opens": s["unique_opens"],
        "unique_clicks": s["unique_clicks"],
        "emails_automated": s["emails_automated"],
        "unique_opens_human": s["unique_opens_human"],
        "contacts_lost": s["contacts_lost"],
        "workflows_active": last["workflows_active"],
        "workflows_behavioral": last["workflows_behavioral"],
        "leads_new": s["leads_new"],
        "mqls": s["mqls"],
        "sqls": s["sqls"],
        "customers_new": s["customers_new"],
        "deals_won": s["deals_won"],
        "deals_lost": s["deals_lost"],
        "deals_won_with_source": s["deals_won_with_source"],
        "revenue_won": round(s["revenue_won"], 2),
        "revenue_attributed": round(s["revenue_attributed"], 2),
        "revenue_total": round(s["revenue_total"], 2),
        "accounts_active": last["accounts_active"],
        "accounts_churned": s["accounts_churned"],
        "mrr": last["mrr"],
        "unsubscribe_rate": s["unsubscribes"] / s["emails_delivered"],
        "spam_complaint_rate": s["spam_complaints"] / s["emails_delivered"],
        "bounce_rate": s["bounces"] / s["emails_sent"],
        "open_rate": s["unique_opens"] / s["emails_delivered"],
        "human_open_rate": s["unique_opens_human"] / s["emails_delivered"],
        "automated_email_share": s["emails_automated"] / s["emails_sent"],
        "click_rate": s["unique_clicks"] / s["emails_delivered"],
        "click_to_open_rate": s["unique_clicks"] / s["unique_opens"],
        "behavioral_workflow_share": last["workflows_behavioral"] / last["workflows_active"],
        "email_traffic_share": s["email_sessions"] / s["website_sessions"],
        "visitor_to_lead_rate": s["leads_new"] / s["website_visitors"],
        "mql_rate": s["mqls"] / s["leads_new"],
        "mql_to_sql_rate": s["sqls"] / s["mqls"],
        "lead_to_customer_rate": s["customers_new"] / s["leads_new"],
        "close_rate": s["deals_won"] / (s["deals_won"] + s["deals_lost"]),
        "closed_loop_coverage": s["deals_won_with_source"] / s["deals_won"],
        "average_deal_size": s["revenue_won"] / s["deals_won"],
        "marketing_revenue_share": s["revenue_attributed"] / s["revenue_total"],
        "arpa": last["mrr"] / last["accounts_active"],
        "customer_churn_rate": sum(churn) / len(churn),
        "gross_mrr_churn_rate": sum(mrr_churn) / len(mrr_churn),
    }


def check_ranges(quarter: str, kpis: dict[str, float], expect: dict[str, tuple]) -> None:
    """Assert each KPI of ``expect`` lies in its closed range."""
    for key, (lo, hi) in expect.items():
        value = kpis[key]
        assert lo <= value <= hi, f"{quarter} {key} = {value:.6g}, expected {lo}..{hi}"


def render_csv(labels: list[str], rows: list[dict[str, int | float]]) -> str:
    """The wide CSV text: ``month`` + the base metrics, money with two decimals."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("month", *COLUMNS))
    for label, r in zip(labels, rows, strict=True):
        cells = [f"{r[k]:.2f}" if k in MONEY else str(r[k]) for k in COLUMNS]
        writer.writerow((label, *cells))
    return buf.getvalue()


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 (no BOM) so that a failed run leaves the old file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".data-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def print_report(q2: dict[str, float], q3: dict[str, float]) -> None:
    """Print the achieved 2026-Q2 and 2026-Q3 values side by side."""
    ratios = (
        ("unsubscribe_rate", "unsubscribes", "emails_delivered"),
        ("spam_complaint_rate", "spam_complaints", "emails_delivered"),
        ("bounce_rate", "bounces", "emails_sent"),
        ("behavioral_workflow_share", "workflows_behavioral", "workflows_active"),
        ("closed_loop_coverage", "deals_won_with_source", "deals_won"),
        ("mql_to_sql_rate", "sqls", "mqls"),
        ("click_rate", "unique_clicks", "emails_delivered"),
        ("open_rate", "unique_opens", "emails_delivered"),
        ("human_open_rate", "unique_opens_human", "emails_delivered"),
        ("automated_email_share", "emails_automated", "emails_sent"),
        ("click_to_open_rate", "unique_clicks", "unique_opens"),
        ("mql_rate", "mqls", "leads_new"),
        ("lead_to_customer_rate", "customers_new", "leads_new"),
        ("close_rate", "deals_won", None),
        ("email_traffic_share", None, None),
        ("visitor_to_lead_rate", None, None),
        ("marketing_revenue_share", None, None),
        ("customer_churn_rate", None, None),
        ("gross_mrr_churn_rate", None, None),
    )
    print(f"{'KPI':<28}{'2026-Q2':>24}{'2026-Q3':>24}")
    for key, num, den in ratios:
        cells = []
        for k in (q2, q3):
            detail = ""
            if num and den:
                detail = f" ({k[num]:,}/{k[den]:,})"
            elif num:
                detail = f" ({k[num]}/{k[num] + k['deals_lost']})"
            cells.append(f"{k[key]:.2%}{detail}")
        print(f"{key:<28}{cells[0]:>24}{cells[1]:>24}")
    for key in ("revenue_attributed", "revenue_won", "revenue_total", "average_deal_size", "arpa"):
        print(f"{key:<28}{q2[key]:>24,.2f}{q3[key]:>24,.2f}")
    for key in (
        "emails_sent",
        "emails_automated",
        "contacts_lost",
        "leads_new",
        "customers_new",
        "accounts_active",
        "mrr",
    ):
        print(f"{key:<28}{q2[key]:>24,}{q3[key]:>24,}")


def main(argv: list[str] | None = None) -> int:
    """Generate, check and write (or compare) the demo data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUT, help=f"default: {OUT}")
    parser.add_argument("--leads", type=Path, default=LEADS_OUT, help=f"default: {LEADS_OUT}")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the file differs"
    )
    args = parser.parse_args(argv)

    labels = month_labels()
    rows = generate(random.Random(SEED))
    add_audience_columns(rows, random.Random(EXTRA_SEED))
    check_consistency(labels, rows)
    quarters = [f"{y}-Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)]
    quarters = [q for q in quarters if "2024-Q4" <= q <= "2026-Q2"]
    for quarter in quarters:
        check_ranges(quarter, quarter_kpis(labels, rows, quarter), EARLIER_EXPECT)
    q2 = quarter_kpis(labels, rows, "2026-Q2")
    q3 = quarter_kpis(labels, rows, "2026-Q3")
    check_ranges("2026-Q3", q3, Q3_EXPECT)
    print_report(q2, q3)
    leads = generate_leads(labels, rows, random.Random(LEADS_SEED))
    scoring = check_leads(labels, rows, leads)
    print(
        f"leads: {len(leads):,} ({scoring['leads']:,} with an outcome, "
        f"{scoring['customers']} customers); AUC {scoring['auc']:.4f}; best threshold "
        f"{scoring['best_threshold']} (J {scoring['j_best']:.3f}) against 40 "
        f"(J {scoring['j_mql']:.3f})"
    )

    outputs = ((args.output, render_csv(labels, rows)), (args.leads, render_leads(leads)))
    if args.check:
        stale = 0
        for path, text in outputs:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                print(f"{path} is out of date: run python scripts/make_demo_data.py")
                stale += 1
            else:
                print(f"{path} is up to date")
        return 1 if stale else 0
    for path, text in outputs:
        write_atomic(path, text)
    print(f"wrote {args.output} ({len(rows)} months, {len(COLUMNS)} metrics)")
    print(f"wrote {args.leads} ({len(leads)} leads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
