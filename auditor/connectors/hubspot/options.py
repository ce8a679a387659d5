"""`source:` of a HubSpot audit: the token's variable, the properties read, what is fetched."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from auditor.connectors.base import EnvVarName, HttpOptions
from auditor.connectors.hubspot.api import _PROPERTY, HOME_AMOUNT


def _property_name(value: str) -> str:
    if not _PROPERTY.match(value):
        raise ValueError(
            "expected a HubSpot property's internal name (letters, digits and _), "
            "e.g. hs_lifecyclestage_marketingqualifiedlead_date"
        )
    return value


PropertyName = Annotated[str, AfterValidator(_property_name)]


class HubSpotOptions(HttpOptions):
    """The `source:` options of the HubSpot connector."""

    token_env: EnvVarName = "HUBSPOT_TOKEN"
    """Variable holding the private-app (static) token, sent as `Authorization: Bearer`."""
    lead_date_property: PropertyName = "createdate"
    """Contact date property whose month makes a new lead (default: the contact's creation)."""
    mql_date_property: PropertyName = "hs_lifecyclestage_marketingqualifiedlead_date"
    sql_date_property: PropertyName = "hs_lifecyclestage_salesqualifiedlead_date"
    customer_date_property: PropertyName = "hs_lifecyclestage_customer_date"
    pipelines: tuple[Annotated[str, AfterValidator(_property_name)], ...] = ()
    """Deal pipeline ids to count (empty: every pipeline)."""
    amount_property: PropertyName = HOME_AMOUNT
    """Deal amount property: the company-currency amount HubSpot keeps for every deal.

    `amount` is each deal's own currency: a won deal in another currency then
    makes revenue not measured (never added); a custom property is taken to
    be in the company currency, as HubSpot shows currency properties.
    """
    source_property: PropertyName = "hs_analytics_source"
    """Deal property holding the original source (closed loop)."""
    non_marketing_sources: tuple[str, ...] = ("OFFLINE",)
    """Original-source values that are not a marketing source (imports, CRM UI, API...)."""
    closedate_as_date: bool = True
    """Read `closedate` as a calendar date (its UTC date), not an instant in `timezone`."""
    search_page_size: int = Field(default=200, ge=1, le=200)
    """Won deals (and contacts, with `leads`) per search page (HubSpot's maximum is 200)."""
    analytics: bool = True
    """Fetch website traffic and form submissions (analytics v2 reports)."""
    leads: bool = False
    """Also fetch lead-level rows (contacts with their score) for the lead-scoring analysis."""
    lead_score_property: PropertyName = "hubspotscore"
    """Contact property holding the lead score (legacy HubSpot score, or a new score's)."""
    max_leads: int = Field(default=10_000, ge=1)
    """Contacts read at most with `leads` (the oldest first); past it the sample is truncated."""
