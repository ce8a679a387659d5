"""The unengaged share: mailed contacts the platform itself counts as unengaged.

Mailbox providers filter on engagement: HubSpot's graymail page warns that "sending to
unengaged contacts will increase the likelihood that your future emails will be
automatically moved to the recipient's spam or junk folder". No platform or provider
publishes a share at which that starts, so the lines are the project's defaults
(docs/deliverability.md, "The unengaged share"):

- above 25 % warns: a quarter of every send goes to people who have ignored the last
  11 to 16 emails in a row;
- above 50 % fails: most of every send does;
- under 100 mailed contacts the share is shown, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from auditor.core.models import Engagement
from auditor.deliverability.sources import SOURCES

CHECK_ID = "unengaged-share"
WARN_ABOVE = 0.25
FAIL_ABOVE = 0.50
MIN_MAILED = 100
PLATFORM_SOURCES = {"hubspot": "hubspot-graymail"}


@dataclass(frozen=True)
class UnengagedShare:
    engagement: Engagement

    @property
    def share(self) -> float | None:
        mailed = self.engagement.contacts_emailed
        return self.engagement.contacts_unengaged / mailed if mailed else None

    @property
    def status(self) -> Literal["pass", "warn", "fail", "unknown"]:
        share = self.share
        if share is None or self.engagement.contacts_emailed < MIN_MAILED:
            return "unknown"
        if share > FAIL_ABOVE:
            return "fail"
        return "warn" if share > WARN_ABOVE else "pass"

    @property
    def sources(self) -> tuple[str, ...]:
        found = PLATFORM_SOURCES.get(self.engagement.platform)
        return (found,) if found else ()

    def to_json(self) -> dict[str, Any]:
        e = self.engagement
        return {
            "id": CHECK_ID,
            "status": self.status,
            "platform": e.platform,
            "as_of": e.as_of.isoformat(),
            "contacts_emailed": e.contacts_emailed,
            "contacts_unengaged": e.contacts_unengaged,
            "share": self.share,
            "warn_above": WARN_ABOVE,
            "fail_above": FAIL_ABOVE,
            "min_emailed": MIN_MAILED,
            "definition": e.definition,
            "sources": [
                {"key": k, "title": SOURCES[k][0], "url": SOURCES[k][1]} for k in self.sources
            ],
        }
