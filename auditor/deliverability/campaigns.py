"""Hard bounces per campaign against the lines at which platforms stop an account.

A quarter's bounce rate is a total; a platform suspends on one send.  HubSpot
and Brevo publish the hard-bounce rate past which they act; Mailchimp and
ActiveCampaign say only that a send "exceeding industry thresholds" can suspend
the account.  So each campaign is judged on its own (docs/deliverability.md,
"Hard bounces per campaign"):

- above 2 % it warns: "many ISPs prefer bounce rates to be under 2%" (HubSpot);
- above its platform's published limit it fails (Brevo 2 %, HubSpot 5 %); for a
  platform that publishes none, above 5 %, the most lenient limit any platform
  publishes;
- a send to fewer than `MIN_SENT` recipients is listed but not judged: one
  bounce there moves its rate by a whole point or more.

Both lines are "higher than", as the platforms word them: exactly 2 % passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from auditor.core.models import CampaignSend
from auditor.deliverability.sources import SOURCES

Verdict = Literal["pass", "warn", "fail", "small"]

CHECK_ID = "campaign-hard-bounces"
MIN_SENT = 100
ISP_LINE = 0.02
"""HubSpot: "For reference, many ISPs prefer bounce rates to be under 2%"."""
PLATFORM_LIMITS: dict[str, tuple[float, str]] = {
    "brevo": (0.02, "brevo-suspension"),
    "hubspot": (0.05, "hubspot-limits"),
}
"""Published hard-bounce limits per platform: (rate, key in sources.SOURCES)."""
LENIENT_LIMIT = PLATFORM_LIMITS["hubspot"]
"""The line for a platform that publishes none: the highest any platform publishes."""
PLATFORM_NAMES = {
    "mailchimp": "Mailchimp",
    "activecampaign": "ActiveCampaign",
    "brevo": "Brevo",
    "hubspot": "HubSpot",
}


@dataclass(frozen=True)
class JudgedSend:
    send: CampaignSend
    rate: float
    verdict: Verdict


@dataclass(frozen=True)
class CampaignBounces:
    """The campaigns of the audited months, each with its verdict."""

    platform: str | None
    fail_line: float
    fail_source: str
    published: bool
    """False when the platform publishes no limit and the lenient one stands in."""
    sends: tuple[JudgedSend, ...]

    @property
    def judged(self) -> list[JudgedSend]:
        return [s for s in self.sends if s.verdict != "small"]

    @property
    def over(self) -> list[JudgedSend]:
        """Sends above the warning line, worst rate first."""
        flagged = [s for s in self.sends if s.verdict in ("warn", "fail")]
        return sorted(flagged, key=lambda s: (-s.rate, -s.send.sent, s.send.sent_on))

    @property
    def worst(self) -> Literal["pass", "warn", "fail", "unknown"]:
        verdicts = {s.verdict for s in self.sends}
        if "fail" in verdicts:
            return "fail"
        if "warn" in verdicts:
            return "warn"
        return "pass" if "pass" in verdicts else "unknown"  # unknown: all too small

    @property
    def platform_name(self) -> str | None:
        """The platform as a reader knows it ("Brevo"); None for a file."""
        return PLATFORM_NAMES.get(self.platform or "", self.platform)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(("hubspot-limits", self.fail_source)))

    def to_json(self) -> dict[str, Any]:
        """The section's data: the lines, the counts, and every send above the warning
        line (name, date, sent, hard bounces, rate, verdict)."""
        return {
            "id": CHECK_ID,
            "status": self.worst,
            "platform": self.platform_name,
            "warn_above": ISP_LINE,
            "fail_above": self.fail_line,
            "limit_published": self.published,
            "min_sent": MIN_SENT,
            "campaigns": len(self.sends),
            "judged": len(self.judged),
            "not_judged": len(self.sends) - len(self.judged),
            "highest_rate": max((s.rate for s in self.judged), default=None),
            "sources": [
                {"key": k, "title": SOURCES[k][0], "url": SOURCES[k][1]} for k in self.sources
            ],
            "over": [
                {
                    "id": s.send.campaign_id,
                    "name": s.send.name,
                    "sent_on": s.send.sent_on.isoformat(),
                    "sent": s.send.sent,
                    "hard_bounces": s.send.hard_bounces,
                    "hard_bounce_rate": s.rate,
                    "status": s.verdict,
                }
                for s in self.over
            ],
        }


def platform_of(connector: str) -> str | None:
    """The platform whose campaigns these are: a merged source's connector is
    "a+b", and only one source carries email metrics."""
    names = [n for n in connector.split("+") if n in PLATFORM_NAMES]
    return names[0] if names else None


def judge_campaigns(
    sends: Iterable[CampaignSend], months: Iterable[str], connector: str
) -> CampaignBounces | None:
    """The verdicts for the sends of `months`; None when there are none to judge."""
    wanted = set(months)
    chosen = [s for s in sends if s.month in wanted]
    if not chosen:
        return None
    platform = platform_of(connector)
    limit = PLATFORM_LIMITS.get(platform or "")
    fail_line, fail_source = limit or LENIENT_LIMIT
    judged = []
    for send in chosen:
        rate = send.hard_bounces / send.sent if send.sent else 0.0
        verdict: Verdict
        if send.sent < MIN_SENT:
            verdict = "small"
        elif rate > fail_line:
            verdict = "fail"
        elif rate > ISP_LINE:
            verdict = "warn"
        else:
            verdict = "pass"
        judged.append(JudgedSend(send, rate, verdict))
    return CampaignBounces(platform, fail_line, fail_source, limit is not None, tuple(judged))
