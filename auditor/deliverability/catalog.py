"""Every deliverability check, by id: what `auditor rules list` shows for the
`deliverability` pack, and what the tests hold the checks' words to.

The checks are findings of their own, not metric rules (docs/decisions.md, "Deliverability
checks are findings, not metric rules"): each judges DNS records, a message's headers or
per-send rows with its own logic and sources. Their rule id is `deliverability-<id>`.
"""

from __future__ import annotations

from typing import Literal

When = Literal["domain", "message", "campaigns", "engagement"]

CHECKS: dict[str, When] = {
    "spf-record": "domain",
    "spf-lookups": "domain",
    "spf-all": "domain",
    "spf-ptr": "domain",
    "dmarc-record": "domain",
    "dmarc-policy": "domain",
    "dmarc-pct": "domain",
    "dmarc-reports": "domain",
    "dkim-key": "domain",
    "bimi": "domain",
    "mta-sts": "domain",
    "message-from": "message",
    "one-click-unsubscribe": "message",
    "unsubscribe-signed": "message",
    "dkim-alignment": "message",
    "spf-alignment": "message",
    "authentication-results": "message",
    "campaign-hard-bounces": "campaigns",
    "unengaged-share": "engagement",
}
"""Check id -> what makes it run: `domain` and `message`, a config's `deliverability:`
section (its domains; its sample message); `campaigns`, a source with per-send rows;
`engagement`, a source that counts its unengaged contacts. BIMI and MTA-STS are
information: shown in the section, never a finding."""

INFORMATION_ONLY = frozenset({"bimi", "mta-sts"})
