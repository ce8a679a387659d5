"""The unengaged share of the mailed contacts, by HubSpot's own graymail rule.

HubSpot's knowledge base ("Understand graymail and avoid sending email to unengaged
contacts") defines it on the contact property *Sends since last engagement*
(`hs_email_sends_since_last_engagement`, where an engagement is an open or a click of a
marketing email): a contact is unengaged when it "has never engaged with a marketing
email from you and hasn't engaged with the last 11 emails you've sent them", or
"previously engaged ... but hasn't engaged with the last 16". Two CRM searches count it
now, one result each (never paging):

- mailed: `hs_email_last_send_date` HAS_PROPERTY (a marketing email was ever sent);
- unengaged: sends since last engagement GTE 16, OR (GTE 11 AND neither
  `hs_email_last_open_date` nor `hs_email_last_click_date` set); filter groups are ORed.
"""

from __future__ import annotations

from typing import Any

from auditor.connectors.http import HttpClient
from auditor.connectors.hubspot.api import CONTACTS_SEARCH, _search_total
from auditor.connectors.hubspot.state import RunState
from auditor.connectors.timeutil import zone
from auditor.core.models import Engagement

SENDS_SINCE = "hs_email_sends_since_last_engagement"
NEVER_ENGAGED_AFTER = 11
ENGAGED_BEFORE_AFTER = 16
DEFINITION = (
    "HubSpot's graymail rule: never opened or clicked a marketing email and 11+ sent since, "
    "or 16+ sent since the last open or click (hs_email_sends_since_last_engagement)"
)


def _filter(name: str, operator: str, value: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"propertyName": name, "operator": operator}
    if value is not None:
        out["value"] = str(value)
    return out


MAILED = [{"filters": [_filter("hs_email_last_send_date", "HAS_PROPERTY")]}]
UNENGAGED = [
    {"filters": [_filter(SENDS_SINCE, "GTE", ENGAGED_BEFORE_AFTER)]},
    {
        "filters": [
            _filter(SENDS_SINCE, "GTE", NEVER_ENGAGED_AFTER),
            _filter("hs_email_last_open_date", "NOT_HAS_PROPERTY"),
            _filter("hs_email_last_click_date", "NOT_HAS_PROPERTY"),
        ]
    },
]


class EngagementSection(RunState):
    """Mailed and unengaged contacts, counted now."""

    def _engagement(self, client: HttpClient) -> None:
        mailed = self._total(client, MAILED)
        unengaged = self._total(client, UNENGAGED)
        self.engagement = Engagement(
            platform="hubspot",
            as_of=self.now.astimezone(zone(self.tz)).date(),
            contacts_emailed=mailed,
            contacts_unengaged=min(unengaged, mailed),
            definition=DEFINITION,
        )

    def _total(self, client: HttpClient, groups: list[dict[str, Any]]) -> int:
        body = {"filterGroups": groups, "properties": ["hs_object_id"], "limit": 1}
        page = client.post_json(CONTACTS_SEARCH, body, bucket="search")
        return _search_total(page, f"POST {CONTACTS_SEARCH}")
