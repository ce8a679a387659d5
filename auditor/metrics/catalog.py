"""The metric catalog of DESIGN.md section 3, as data.

One table for the base metrics connectors deliver and one for the KPIs derived
from them, so that ids, units, categories and formulas live in one place: the
calculator, the rule validator, the report's appendix and the README all read
this module.  The three KPIs that are not plain arithmetic on period totals
(monthly churn means and lead velocity) name a `method` the calculator knows.

A KPI that is a share of a whole (its numerator is part of its denominator by
definition) declares `bounds` (0, 1): a value outside them is a contradiction
in the data, and the calculator reports it as undefined instead of judging it.
Ratios that may legitimately pass 1 (click-to-open, MQL rate, visitor-to-lead,
churn, ROI) declare none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from auditor.core.vocabulary import CATEGORIES as CATEGORIES
from auditor.metrics.expression import Formula

UNITS = ("count", "ratio", "money", "months", "multiple")


@dataclass(frozen=True)
class BaseMetric:
    """A metric a connector delivers per month."""

    id: str
    category: str
    unit: str
    aggregation: str  # "sum" for flows, "last" for stocks
    meaning: str
    definition: str = ""  # what is counted and the inclusion rules (docs/definitions.md)


@dataclass(frozen=True)
class Kpi:
    """A metric derived for the audited period from base metrics and the config's costs."""

    id: str
    category: str
    unit: str
    formula: str
    method: str = "formula"  # or "monthly_churn" / "lead_velocity"
    bounds: tuple[float, float] | None = None  # the only values the KPI can truly take

    @property
    def parsed(self) -> Formula:
        return _PARSED[self.id]


_BASE_METRICS: tuple[BaseMetric, ...] = (
    BaseMetric("emails_sent", "activity", "count", "sum", "marketing emails sent"),
    BaseMetric("emails_delivered", "activity", "count", "sum", "sent minus bounced"),
    BaseMetric("campaigns_sent", "activity", "count", "sum", "distinct campaigns / sends"),
    BaseMetric("workflows_active", "activity", "count", "last", "automation workflows switched on"),
    BaseMetric(
        "workflows_behavioral",
        "activity",
        "count",
        "last",
        "active workflows triggered by a lead's or customer's behaviour "
        "(form, page visit, click, score change), not by a date or a manual list send",
    ),
    BaseMetric(
        "emails_automated",
        "activity",
        "count",
        "sum",
        "marketing emails sent by automations (workflows, journeys, flows), part of emails_sent",
    ),
    BaseMetric("unique_opens", "response", "count", "sum", "unique opens"),
    BaseMetric(
        "unique_opens_human",
        "response",
        "count",
        "sum",
        "unique opens without machine opens (mail privacy proxies such as Apple MPP)",
    ),
    BaseMetric("unique_clicks", "response", "count", "sum", "unique clicks"),
    BaseMetric("unsubscribes", "response", "count", "sum", "unsubscribes"),
    BaseMetric("bounces", "response", "count", "sum", "hard + soft bounces"),
    BaseMetric("spam_complaints", "response", "count", "sum", "spam complaints"),
    BaseMetric(
        "contacts_lost",
        "response",
        "count",
        "sum",
        "contacts who left the marketing audience (unsubscribed, cleaned after bounces, "
        "marked spam, deleted)",
    ),
    BaseMetric("email_sessions", "response", "count", "sum", "website sessions from email"),
    BaseMetric("website_sessions", "response", "count", "sum", "all website sessions"),
    BaseMetric("website_visitors", "response", "count", "sum", "unique website visitors"),
    BaseMetric("conversions", "response", "count", "sum", "form submissions / conversion events"),
    BaseMetric("leads_new", "efficiency", "count", "sum", "new leads (prospects)"),
    BaseMetric("mqls", "efficiency", "count", "sum", "marketing-qualified leads created"),
    BaseMetric("sqls", "efficiency", "count", "sum", "leads accepted by sales (passed to sales)"),
    BaseMetric("customers_new", "efficiency", "count", "sum", "new customers won"),
    BaseMetric("deals_won", "value", "count", "sum", "deals won"),
    BaseMetric("deals_lost", "value", "count", "sum", "deals lost"),
    BaseMetric(
        "deals_won_with_source",
        "value",
        "count",
        "sum",
        "won deals whose original marketing source is known (closed loop)",
    ),
    BaseMetric("revenue_won", "value", "money", "sum", "amount of deals won"),
    BaseMetric("revenue_attributed", "value", "money", "sum", "revenue attributed to marketing"),
    BaseMetric("revenue_total", "value", "money", "sum", "all revenue of the business"),
    BaseMetric("mrr", "value", "money", "last", "monthly recurring revenue at period end"),
    BaseMetric("mrr_churned", "value", "money", "sum", "MRR lost to cancellations and downgrades"),
    BaseMetric("accounts_active", "value", "count", "last", "paying accounts at period end"),
    BaseMetric("accounts_churned", "value", "count", "sum", "paying accounts lost"),
)

# One definition per base metric, the same for every connector (issue 11): a connector that
# cannot follow it says how it differs (`definition_differences` in its provenance), so two
# clients on different platforms are compared on the same figure or told why not.
DEFINITIONS: dict[str, str] = {
    "emails_sent": (
        "every marketing email sent to a recipient in the month, one per recipient: one-off "
        "(bulk) campaigns AND automated emails (workflows, journeys, flows); bounced emails "
        "included; transactional and one-to-one sales emails excluded"
    ),
    "emails_delivered": "emails_sent less hard and soft bounces",
    "campaigns_sent": (
        "distinct marketing emails (one-off campaigns, and automated emails where the platform "
        "reports them per email) with at least one send in the month"
    ),
    "workflows_active": (
        "marketing automations switched on at the month's end (contact or company workflows; "
        "deal, ticket and other object workflows excluded)"
    ),
    "workflows_behavioral": (
        "active workflows enrolled by a contact's behaviour (form, page visit, click, score "
        "change, purchase), not by a date, a list import or a manual enrolment"
    ),
    "emails_automated": (
        "marketing emails sent in the month by automations (workflows, journeys, flows), one "
        "per recipient; part of emails_sent"
    ),
    "unique_opens": (
        "recipients who opened an email of the month at least once, counted once per email; "
        "privacy-proxy (Apple Mail Privacy Protection) opens INCLUDED"
    ),
    "unique_opens_human": (
        "unique_opens less the opens a mail privacy proxy made (Apple MPP and similar machine "
        "opens EXCLUDED); part of unique_opens"
    ),
    "unique_clicks": (
        "recipients who clicked in an email of the month at least once, counted once per email "
        "whatever the number of links clicked (contacts, not (contact, link) pairs)"
    ),
    "unsubscribes": "recipients who unsubscribed from an email of the month",
    "bounces": "hard + soft bounces of the month's sends",
    "spam_complaints": "recipients who marked an email of the month as spam (abuse reports)",
    "contacts_lost": (
        "contacts who left the marketing audience in the month, whatever the email: "
        "unsubscribed, cleaned after hard bounces, complained, deleted"
    ),
    "email_sessions": "website sessions whose source is email, in the month",
    "website_sessions": "all website sessions in the month",
    "website_visitors": "unique website visitors in the month",
    "conversions": "form submissions (or conversion events) in the month",
    "leads_new": "contacts who became leads in the month (by their creation or lead date)",
    "mqls": "contacts who became marketing-qualified in the month",
    "sqls": "contacts accepted by sales (SQL / opportunity stage entered) in the month",
    "customers_new": "contacts who became customers in the month",
    "deals_won": "deals marked won in the month (dated when closed, not when last edited)",
    "deals_lost": "deals marked lost in the month (dated when closed, not when last edited)",
    "deals_won_with_source": "deals won in the month whose original marketing source is known",
    "revenue_won": "amount of the deals won in the month, in one currency (never two added)",
    "revenue_attributed": "revenue of the month the platform attributes to marketing",
    "revenue_total": "all revenue of the business in the month",
    "mrr": "monthly recurring revenue at the month's end",
    "mrr_churned": "monthly recurring revenue lost in the month to cancellations and downgrades",
    "accounts_active": "paying accounts at the month's end",
    "accounts_churned": "paying accounts lost in the month",
}

BASE_METRICS: tuple[BaseMetric, ...] = tuple(
    replace(m, definition=DEFINITIONS[m.id]) for m in _BASE_METRICS
)

SHARE = (0.0, 1.0)

KPIS: tuple[Kpi, ...] = (
    Kpi("open_rate", "response", "ratio", "unique_opens / emails_delivered", bounds=SHARE),
    Kpi(
        "human_open_rate",
        "response",
        "ratio",
        "unique_opens_human / emails_delivered",
        bounds=SHARE,
    ),
    Kpi("click_rate", "response", "ratio", "unique_clicks / emails_delivered", bounds=SHARE),
    Kpi("click_to_open_rate", "response", "ratio", "unique_clicks / unique_opens"),
    Kpi("unsubscribe_rate", "response", "ratio", "unsubscribes / emails_delivered", bounds=SHARE),
    Kpi("bounce_rate", "response", "ratio", "bounces / emails_sent", bounds=SHARE),
    Kpi(
        "spam_complaint_rate",
        "response",
        "ratio",
        "spam_complaints / emails_delivered",
        bounds=SHARE,
    ),
    Kpi(
        "behavioral_workflow_share",
        "activity",
        "ratio",
        "workflows_behavioral / workflows_active",
        bounds=SHARE,
    ),
    Kpi(
        "automated_email_share",
        "activity",
        "ratio",
        "emails_automated / emails_sent",
        bounds=SHARE,
    ),
    Kpi(
        "email_traffic_share",
        "response",
        "ratio",
        "email_sessions / website_sessions",
        bounds=SHARE,
    ),
    Kpi("visitor_to_lead_rate", "efficiency", "ratio", "leads_new / website_visitors"),
    Kpi("mql_rate", "efficiency", "ratio", "mqls / leads_new"),
    Kpi("mql_to_sql_rate", "efficiency", "ratio", "sqls / mqls"),
    Kpi("lead_to_customer_rate", "efficiency", "ratio", "customers_new / leads_new"),
    Kpi("close_rate", "value", "ratio", "deals_won / (deals_won + deals_lost)", bounds=SHARE),
    Kpi("average_deal_size", "value", "money", "revenue_won / deals_won"),
    Kpi(
        "closed_loop_coverage",
        "value",
        "ratio",
        "deals_won_with_source / deals_won",
        bounds=SHARE,
    ),
    Kpi(
        "marketing_cost",
        "efficiency",
        "money",
        "costs.platform + costs.staff + costs.services + costs.media",
    ),
    Kpi("automation_tco", "efficiency", "money", "costs.platform + costs.staff + costs.services"),
    Kpi("cost_per_lead", "efficiency", "money", "marketing_cost / leads_new"),
    Kpi("cost_per_mql", "efficiency", "money", "marketing_cost / mqls"),
    Kpi("cac", "value", "money", "(marketing_cost + costs.sales + costs.overhead) / customers_new"),
    Kpi(
        "automation_roi", "value", "ratio", "(revenue_attributed - automation_tco) / automation_tco"
    ),
    Kpi(
        "romi",
        "value",
        "ratio",
        "(revenue_attributed * finance.gross_margin - marketing_cost) / marketing_cost",
    ),
    Kpi(
        "marketing_revenue_share",
        "value",
        "ratio",
        "revenue_attributed / revenue_total",
        bounds=SHARE,
    ),
    Kpi("arpa", "value", "money", "mrr / accounts_active"),
    Kpi(
        "gross_mrr_churn_rate",
        "value",
        "ratio",
        "mean over the period's months of mrr_churned(month) / mrr(previous month)",
        method="monthly_churn:mrr_churned:mrr",
    ),
    Kpi(
        "customer_churn_rate",
        "value",
        "ratio",
        "mean over the period's months of accounts_churned(month) / accounts_active(previous month)",
        method="monthly_churn:accounts_churned:accounts_active",
    ),
    Kpi("cac_payback_months", "value", "months", "cac / (arpa * finance.gross_margin)"),
    Kpi("cltv", "value", "money", "arpa / customer_churn_rate"),
    Kpi("ltv_to_cac", "value", "multiple", "cltv * finance.gross_margin / cac"),
    Kpi(
        "lead_velocity_rate",
        "efficiency",
        "ratio",
        "(mqls this period - mqls previous period) / mqls previous period",
        method="lead_velocity",
    ),
)

_PARSED = {k.id: Formula.parse(k.formula) for k in KPIS if k.method == "formula"}

BASE_BY_ID: dict[str, BaseMetric] = {m.id: m for m in BASE_METRICS}
KPI_BY_ID: dict[str, Kpi] = {k.id: k for k in KPIS}
ALL_METRIC_IDS: tuple[str, ...] = tuple(BASE_BY_ID) + tuple(KPI_BY_ID)

COST_KEYS = ("platform", "staff", "services", "media", "sales", "overhead")


def category_of(metric_id: str) -> str:
    if metric_id in BASE_BY_ID:
        return BASE_BY_ID[metric_id].category
    return KPI_BY_ID[metric_id].category


def unit_of(metric_id: str) -> str:
    if metric_id in BASE_BY_ID:
        return BASE_BY_ID[metric_id].unit
    return KPI_BY_ID[metric_id].unit
