"""HubSpot's endpoints, what each section of a fetch measures, and reading its CRM search and
statistics responses defensively."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from auditor.connectors.http import HttpClient, unexpected_body
from auditor.connectors.timeutil import (
    to_epoch_ms,
)
from auditor.core.errors import (
    SourceAuthError,
    SourceResponseError,
)

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.hubapi.com"
SEARCH_CAP = 10_000
"""CRM search returns at most this many results per query (paging past it is HTTP 400)."""
BATCH_SIZE = 100
"""Flows read per `POST /automation/v4/flows/batch/read`."""
LEAD_MONTHS = 12
"""Lead-level data covers the last this many fetched months (`leads: true`)."""
LEAD_MATURITY_DAYS = 60
"""Leads younger than this when read, and not customers yet, have an unknown outcome."""

EMAIL_STATS = "/marketing/v3/emails/statistics/list"
MARKETING_EMAILS = "/marketing/v3/emails"
AUTOMATED_TYPES = ("AUTOMATED_EMAIL", "AUTOMATED_AB_EMAIL")
"""`type` values of GET /marketing/v3/emails for emails sent by workflows."""
EMAIL_IDS_PER_REQUEST = 100
"""emailIds sent per statistics request (a query string stays short)."""
FLOWS = "/automation/v4/flows"
FLOWS_BATCH = "/automation/v4/flows/batch/read"
CONTACTS_SEARCH = "/crm/v3/objects/contacts/search"
DEALS_SEARCH = "/crm/v3/objects/deals/search"
ANALYTICS_SOURCES = "/analytics/v2/reports/sources/total"
ACCOUNT_DETAILS = "/account-info/v3/details"

HOME_AMOUNT = "amount_in_home_currency"
"""Deal property: the amount in the portal's company currency ("Amount in company currency")."""
DEAL_AMOUNT = "amount"
"""Deal property: the amount in the deal's own currency (`deal_currency_code`)."""
DEAL_CURRENCY = "deal_currency_code"
MARKETING_OBJECTS: Mapping[str, str] = {"0-1": "contacts", "0-2": "companies"}
"""Flow `objectTypeId`s whose workflows are marketing automation (what they enroll)."""
OBJECT_NAMES: Mapping[str, str] = {
    **MARKETING_OBJECTS,
    "0-3": "deals",
    "0-5": "tickets",
    "0-136": "leads",
}
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")

EMAIL_METRICS = (
    "emails_sent",
    "emails_delivered",
    "unique_opens",
    "unique_clicks",
    "unsubscribes",
    "bounces",
    "spam_complaints",
    "campaigns_sent",
    "emails_automated",
    "contacts_lost",
)
WORKFLOW_METRICS = ("workflows_active", "workflows_behavioral")
STAGE_METRICS = ("leads_new", "mqls", "sqls", "customers_new")
DEAL_METRICS = (
    "deals_won",
    "deals_lost",
    "revenue_won",
    "deals_won_with_source",
    "revenue_attributed",
)
MONEY_METRICS = ("revenue_won", "revenue_attributed")
TRAFFIC_METRICS = ("website_sessions", "website_visitors", "email_sessions", "conversions")
MEASURED = EMAIL_METRICS + WORKFLOW_METRICS + TRAFFIC_METRICS + STAGE_METRICS + DEAL_METRICS

NO_BILLING = (
    "not read from HubSpot: its commerce subscriptions (/crm/v3/objects/subscriptions) exist "
    "only in portals that bill through HubSpot payments or Stripe, and this connector does not "
    "read them yet; mrr, mrr_churned, accounts_active and accounts_churned are not measured "
    "(take them from the billing system)"
)

# Enrollment filters that fire on something a lead or customer DID (list-based flows).
BEHAVIORAL_FILTERS = frozenset(
    {
        "PAGE_VIEW",
        "CTA",
        "EVENT",
        "FORM_SUBMISSION",
        "FORM_SUBMISSION_ON_PAGE",
        "INTEGRATION_EVENT",
        "SURVEY_MONKEY",
        "SURVEY_MONKEY_VALUE",
        "WEBINAR",
        "EMAIL_EVENT",
        "UNIFIED_EVENTS",
        "ADS_SEARCH",
        "ADS_TIME",
    }
)

_PROPERTY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _refused_scope(exc: SourceAuthError) -> bool:
    """A 403 (scope or product missing); a 401 (bad or expired token) stops the run."""
    return exc.status == 403


def _ran(run: Callable[[], object]) -> bool:
    """A section's run as `_optional` takes it: done (True) unless it was refused."""
    return bool(run() or True)


def _is_set(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _more_pages(client: HttpClient, path: str, body: Mapping[str, Any], after: str) -> Any:
    """The search pages after the first (the cursor goes into the body)."""
    return client.paginate_cursor(
        path,
        items="results",
        method="POST",
        json=body,
        start=after,
        bucket="search",
        stop_on_empty=False,
        max_pages=math.ceil(SEARCH_CAP / int(body["limit"])) + 1,
    )


def _between(prop: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "propertyName": prop,
        "operator": "BETWEEN",
        "value": str(to_epoch_ms(start)),
        "highValue": str(to_epoch_ms(end) - 1),
    }


def _iso_ms(end: datetime) -> str:
    """The last millisecond before `end`, ISO 8601 in UTC (inclusive end bounds)."""
    last = end.astimezone(UTC) - timedelta(milliseconds=1)
    return last.strftime("%Y-%m-%dT%H:%M:%S.") + f"{last.microsecond // 1000:03d}Z"


def _counter(data: Mapping[str, Any], name: str, shown: str) -> float:
    value = data.get(name)
    if value is None:
        return 0.0
    number = _float(value)
    if number is None or number < 0:
        raise _malformed(shown, f"'{name}' is not a count", {name: value})
    return number


def _count(client: HttpClient, path: str, filters: list[dict[str, Any]]) -> int:
    """A CRM search's `total` for `filters`, asking for one result only (never paging)."""
    body: dict[str, Any] = {"properties": ["hs_object_id"], "limit": 1}
    if filters:
        body["filterGroups"] = [{"filters": filters}]
    page = client.post_json(path, body, bucket="search")
    return _search_total(page, f"POST {path}")


def _search_total(page: Any, shown: str) -> int:
    total = page.get("total") if isinstance(page, dict) else None
    number = _float(total)
    if number is None or number < 0:
        raise _malformed(shown, "no numeric 'total'", page)
    return int(number)


def _results(page: Any, shown: str) -> list[Any]:
    results = page.get("results") if isinstance(page, dict) else None
    if results is None:
        return []
    if not isinstance(results, list):
        raise _malformed(shown, "'results' is not a list", page)
    return list(results)


def _malformed(shown: str, what: str, data: Any) -> SourceResponseError:
    return unexpected_body("HubSpot", shown, what, data)
