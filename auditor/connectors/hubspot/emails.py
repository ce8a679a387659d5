"""Marketing email statistics: one request per month in the config's time zone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.connectors.http import HttpClient
from auditor.connectors.hubspot.api import (
    AUTOMATED_TYPES,
    EMAIL_IDS_PER_REQUEST,
    EMAIL_METRICS,
    EMAIL_STATS,
    MARKETING_EMAILS,
    _counter,
    _iso_ms,
    _malformed,
)
from auditor.connectors.hubspot.state import RunState
from auditor.connectors.timeutil import (
    month_bounds,
    to_iso_z,
)
from auditor.core.period import Month


class EmailSection(RunState):
    """Sends, opens, clicks, bounces, unsubscribes and complaints per month."""

    def _automated_ids(self, client: HttpClient) -> list[str]:
        """Ids of the portal's automated (workflow) emails, both types, each once."""
        ids: list[str] = []
        for kind in AUTOMATED_TYPES:
            for email in client.paginate_cursor(
                MARKETING_EMAILS, items="results", params={"type": kind, "limit": 100}
            ):
                if not isinstance(email, dict) or "id" not in email:
                    raise _malformed(f"GET {MARKETING_EMAILS}", "an email without an id", email)
                if str(email["id"]) not in ids:
                    ids.append(str(email["id"]))
        return ids

    def _automated_sent(
        self, client: HttpClient, ids: list[str], params: Mapping[str, str]
    ) -> float:
        """Sends of the automated emails in the month: the statistics filtered by emailIds."""
        shown = f"GET {EMAIL_STATS}?emailIds="
        sent = 0.0
        for first in range(0, len(ids), EMAIL_IDS_PER_REQUEST):
            chunk = ids[first : first + EMAIL_IDS_PER_REQUEST]
            page = client.get_json(EMAIL_STATS, params={**params, "emailIds": chunk})
            if not isinstance(page, dict) or not isinstance(page.get("aggregate"), dict):
                raise _malformed(shown, "no 'aggregate' object", page)
            counters = page["aggregate"].get("counters") or {}
            if not isinstance(counters, dict):
                raise _malformed(shown, "'aggregate.counters' is not an object", page)
            sent += _counter(counters, "sent", shown)
        return sent

    def _emails(self, client: HttpClient) -> None:
        found: dict[Month, dict[str, float]] = {}
        shown = f"GET {EMAIL_STATS}"
        automated = self._automated_ids(client)
        self.automated_emails = len(automated)
        for month in self.months:
            start, end = month_bounds(month, self.tz)
            window = {"startTimestamp": to_iso_z(start), "endTimestamp": _iso_ms(end)}
            page = client.get_json(EMAIL_STATS, params=window)
            if not isinstance(page, dict) or not isinstance(page.get("aggregate"), dict):
                raise _malformed(shown, "no 'aggregate' object", page)
            counters = page["aggregate"].get("counters") or {}
            if not isinstance(counters, dict):
                raise _malformed(shown, "'aggregate.counters' is not an object", page)
            emails = page.get("emails")
            if emails is not None and not isinstance(emails, list):
                raise _malformed(shown, "'emails' is not a list", page)

            def count(name: str, counters: dict[str, Any] = counters) -> float:
                return _counter(counters, name, shown)

            # `bounce` is documented with the words of `hardbounced` (hard only): the
            # base metric is hard + soft, so the two counters are added.
            hard = count("hardbounced") if "hardbounced" in counters else count("bounce")
            bounces = hard + count("softbounced")
            if "softbounced" not in counters and count("sent"):
                self.hard_only.append(month)
            found[month] = {
                "emails_sent": count("sent"),
                "emails_delivered": count("delivered"),
                "unique_opens": count("open"),
                "unique_clicks": count("click"),
                "unsubscribes": count("unsubscribed"),
                "bounces": bounces,
                "spam_complaints": count("spamreport"),
            }
            if emails is not None or not found[month]["emails_sent"]:
                found[month]["campaigns_sent"] = float(len({str(e) for e in emails or []}))
            if "contactslost" in counters:  # contacts the month's emails lost
                found[month]["contacts_lost"] = count("contactslost")
            elif not count("sent"):  # no email sent: HubSpot gives no counters at all
                found[month]["contacts_lost"] = 0.0
            sent_here = {str(e) for e in emails or []}
            ours = [i for i in automated if i in sent_here] if emails is not None else automated
            found[month]["emails_automated"] = (
                self._automated_sent(client, ours, window) if ours else 0.0
            )
        self._keep_unless_all_zero(
            found,
            "emails_sent",
            EMAIL_METRICS,
            f"HubSpot reports no marketing email sent from {self._span()}: email metrics "
            "are undefined, not 0",
        )
