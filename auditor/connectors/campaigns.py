"""Per-campaign delivery rows (`SourceData.campaigns`), built the same way by every
connector whose platform reports each send's counts.

A campaign's name is the client's text: it is kept as given (outputs escape it),
cut to `MAX_NAME_CHARS` so a pathological name cannot swell a report, and an empty
one becomes the campaign's id.
"""

from __future__ import annotations

from datetime import datetime

from auditor.connectors.timeutil import zone
from auditor.core.models import CampaignSend

MAX_NAME_CHARS = 200


def campaign_send(
    campaign_id: object,
    name: object,
    sent_at: datetime,
    timezone: str,
    sent: float,
    hard_bounces: float,
) -> CampaignSend:
    """One send, dated in the account's time zone (the zone its months are counted in)."""
    ident = str(campaign_id if campaign_id is not None else "").strip()
    title = " ".join(str(name or "").split())[:MAX_NAME_CHARS] or ident
    return CampaignSend(
        campaign_id=ident,
        name=title,
        sent_on=sent_at.astimezone(zone(timezone)).date(),
        sent=int(sent),
        hard_bounces=int(hard_bounces),
    )
