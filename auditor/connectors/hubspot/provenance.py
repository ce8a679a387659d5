"""What a HubSpot fetch read, from where, and how each metric is defined there."""

from __future__ import annotations

from typing import Any

from auditor.connectors.hubspot.api import (
    ACCOUNT_DETAILS,
    ANALYTICS_SOURCES,
    CONTACTS_SEARCH,
    DEAL_AMOUNT,
    DEALS_SEARCH,
    EMAIL_STATS,
    FLOWS,
    FLOWS_BATCH,
    LEAD_MATURITY_DAYS,
)
from auditor.connectors.hubspot.engagement import MAILED, UNENGAGED
from auditor.connectors.hubspot.state import RunState
from auditor.connectors.hubspot.workflows import _codes
from auditor.core.period import Month

ENDPOINTS: dict[str, str] = {
    "account": f"GET {ACCOUNT_DETAILS}",
    "email": f"GET {EMAIL_STATS} (one per month, startTimestamp/endTimestamp)",
    "workflows": f"GET {FLOWS} (paged), POST {FLOWS_BATCH}",
    "lifecycle": f"POST {CONTACTS_SEARCH} (limit 1, total; one per month and stage)",
    "deals": f"POST {DEALS_SEARCH} (won paged; lost limit 1, total)",
    "traffic": f"GET {ANALYTICS_SOURCES} (one per month, start/end YYYYMMDD)",
}


class ProvenanceSection(RunState):
    """The provenance block of the fetch's SourceData."""

    def provenance(self, skipped: list[Month]) -> dict[str, Any]:
        options = self.options
        account_tz = (self.account or {}).get("timeZone")
        out: dict[str, Any] = {
            "base_url": self.connector.api_base_url(),
            "account": self.account or {},
            "timezone": self.tz,
            "months_fetched": list(self.months),
            "months_not_started": skipped,
            "endpoints": dict(ENDPOINTS),
            "properties": {
                "leads_new": options.lead_date_property,
                "mqls": options.mql_date_property,
                "sqls": options.sql_date_property,
                "customers_new": options.customer_date_property,
                "deal_amount": options.amount_property,
                "deal_source": options.source_property,
                "deal_closedate": "closedate"
                + (
                    " (as a UTC calendar date)" if options.closedate_as_date else f" (in {self.tz})"
                ),
                "pipelines": list(options.pipelines) or "all",
            },
            "definitions": self._definitions(),
            "deals": {**self.deal_notes, "windows_split_at_10000": self.splits},
            "currency": {
                "company": self.home_currency,
                "additional": _codes((self.account or {}).get("additionalCurrencies")),
                "money_in": self.money_currency(),
                "amount_property": options.amount_property,
                "won_deals_amount_used_for_home_amount": self.home_from_amount,
                "won_deals_in_other_currencies": dict(sorted(self.foreign.items())),
            },
            "workflows": self.workflows,
            "refused": {name: str(exc) for name, exc in self.refused.items()},
        }
        if self.engagement is not None:
            out["engagement"] = {
                "as_of": self.engagement.as_of.isoformat(),
                "contacts_emailed": self.engagement.contacts_emailed,
                "contacts_unengaged": self.engagement.contacts_unengaged,
                "definition": self.engagement.definition,
                "searches": {"emailed": MAILED, "unengaged": UNENGAGED},
            }
        if options.leads:
            out["leads"] = self._lead_notes()
        if self.traffic_notes:
            out["traffic_notes"] = self.traffic_notes
        if account_tz and account_tz != self.tz and self.options.analytics:
            out["traffic_days"] = (
                f"analytics v2 days follow the portal's time zone ({account_tz}), not {self.tz}"
            )
        return out

    def _definitions(self) -> dict[str, str]:
        """How each metric is defined in this portal, with the properties the config names."""
        options = self.options
        return {
            "unique_opens/unique_clicks": (
                "HubSpot's open and click counters count recipients (open rate = opened "
                "contacts / delivered), so they are used as unique opens and clicks"
            ),
            "emails_sent": (
                "every marketing email HubSpot counts as sent in the month (the statistics "
                "are not filtered by type: batch and automated/workflow emails alike)"
            ),
            "bounces": (
                "hardbounced + softbounced; HubSpot's 'bounce' counter is documented as "
                "the hard bounces, so it is used only when 'hardbounced' is missing"
                + (
                    f"; no softbounced counter in {', '.join(self.hard_only)}: hard "
                    "bounces only there"
                    if self.hard_only
                    else ""
                )
            ),
            "campaigns_sent": (
                "distinct marketing emails (batch or automated) with sends in the month"
            ),
            "workflows_active": (
                "enabled flows (flowType WORKFLOW, not ACTION_SET) enrolling contacts "
                "(objectTypeId 0-1) or companies (0-2), created before the month's end; "
                "deal, ticket and custom-object flows are counted apart "
                "(workflows.enabled_other_objects), not as marketing automation"
            ),
            "leads_new": f"contacts whose {options.lead_date_property} falls in the month",
            "workflows_behavioral": (
                "enabled flows enrolling on events (EVENT_BASED), or list-based flows whose "
                "filters include a behaviour (form submission, page view, CTA, email event, "
                "custom or integration event, webinar, ads, or a score property); manual, "
                "scheduled, date-anchored and property/list-only flows are not behavioural"
            ),
            "deals_won_with_source": (
                f"won deals whose {options.source_property} is set and not one of "
                f"{', '.join(options.non_marketing_sources) or '(none)'}"
            ),
            "revenue_won": (
                f"sum of {options.amount_property} of the won deals, in the portal's "
                f"company currency ({self.home_currency or 'unknown'}); a deal without "
                f"it but with an {DEAL_AMOUNT} in that currency adds that {DEAL_AMOUNT}; "
                "deals without an amount add 0"
            ),
            "revenue_attributed": (
                f"sum of {options.amount_property} of those deals (first-touch: the deal's "
                "original source); deals without an amount add 0"
            ),
            "email_sessions": "visits of the analytics sources breakdown named like 'email'",
            "conversions": "form submissions (analytics totals.submissions)",
        }

    def _lead_notes(self) -> dict[str, Any]:
        """Where the lead-level data came from and how each field is read."""
        options = self.options
        return {
            **self.lead_notes,
            "endpoint": f"POST {CONTACTS_SEARCH} (paged, createdate ascending)",
            "properties": {
                "created": "createdate",
                "score": options.lead_score_property,
                "mql": options.mql_date_property,
                "customer": options.customer_date_property,
            },
            "definitions": {
                "created": f"createdate's calendar date in {self.tz}",
                "score": (
                    f"{options.lead_score_property} as read now; contacts without one are skipped"
                ),
                "mql": f"{options.mql_date_property} is set (as read now)",
                "customer": (
                    f"{options.customer_date_property} is set (as read now); unknown for "
                    f"non-customers created less than {LEAD_MATURITY_DAYS} days before "
                    "the data was read (too early to know)"
                ),
            },
        }
