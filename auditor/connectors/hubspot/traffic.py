"""Website traffic from the analytics v2 sources report, one request per month."""

from __future__ import annotations

from datetime import timedelta

from auditor.connectors.http import HttpClient
from auditor.connectors.hubspot.api import ANALYTICS_SOURCES, TRAFFIC_METRICS, _counter, _malformed
from auditor.connectors.hubspot.state import RunState
from auditor.connectors.timeutil import (
    month_bounds,
)
from auditor.core.period import Month


class TrafficSection(RunState):
    """Sessions, visitors, email sessions and form submissions per month."""

    def _traffic(self, client: HttpClient) -> None:
        shown = f"GET {ANALYTICS_SOURCES}"
        found: dict[Month, dict[str, float]] = {}
        for month in self.months:
            first = f"{month.replace('-', '')}01"
            last_day = (month_bounds(month, "UTC")[1] - timedelta(days=1)).day
            page = client.get_json(
                ANALYTICS_SOURCES,
                params={"start": first, "end": f"{month.replace('-', '')}{last_day:02d}"},
            )
            if not isinstance(page, dict):
                raise _malformed(shown, "not an object", page)
            totals = page.get("totals") if isinstance(page.get("totals"), dict) else None
            breakdowns = page.get("breakdowns")
            if breakdowns is not None and not isinstance(breakdowns, list):
                raise _malformed(shown, "'breakdowns' is not a list", page)
            breakdowns = [b for b in breakdowns or [] if isinstance(b, dict)]
            if totals is None and not breakdowns and "totals" not in page:
                raise _malformed(shown, "neither 'totals' nor 'breakdowns'", page)
            values: dict[str, float] = {}
            if totals is not None:
                values["website_sessions"] = _counter(totals, "visits", shown)
                values["conversions"] = _counter(totals, "submissions", shown)
                if "visitors" in totals:
                    values["website_visitors"] = _counter(totals, "visitors", shown)
            else:
                values["website_sessions"] = sum(_counter(b, "visits", shown) for b in breakdowns)
                values["conversions"] = sum(_counter(b, "submissions", shown) for b in breakdowns)
            email = [b for b in breakdowns if "email" in str(b.get("breakdown", "")).lower()]
            if email or breakdowns or values["website_sessions"] == 0:
                values["email_sessions"] = sum(_counter(b, "visits", shown) for b in email)
            else:
                self.traffic_notes.append(f"{month}: no source breakdown, email sessions unknown")
            found[month] = values
        if not any(v["website_sessions"] or v["conversions"] for v in found.values()):
            why = (
                f"HubSpot analytics recorded no website session or form submission from "
                f"{self._span()} (is the HubSpot tracking code installed?): undefined, not 0"
            )
            for metric in TRAFFIC_METRICS:
                self.reasons[metric] = why
            return
        for month, values in found.items():
            self._put(month, values)
