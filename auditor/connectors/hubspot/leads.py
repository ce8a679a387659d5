"""Lead-level data (opt-in): the contacts behind the lead-scoring analysis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from auditor.connectors.http import HttpClient, dig
from auditor.connectors.hubspot import api
from auditor.connectors.hubspot.api import (
    CONTACTS_SEARCH,
    LEAD_MATURITY_DAYS,
    LEAD_MONTHS,
    _float,
    _is_set,
    _malformed,
    _more_pages,
    _results,
    _search_total,
)
from auditor.connectors.hubspot.state import RunState
from auditor.connectors.timeutil import (
    month_bounds,
    parse_instant,
    to_epoch_ms,
    zone,
)
from auditor.core.models import Lead
from auditor.core.period import add_months


class LeadSection(RunState):
    """Contacts created in the months up to the last one fetched, with score and outcome."""

    def _leads(self, client: HttpClient) -> None:
        """Contacts created in the LEAD_MONTHS calendar months ending with the last month
        fetched, oldest first: the same window when the older months were fetched or
        taken from the history (auditor/pipeline/recorded.py)."""
        options = self.options
        last = self.months[-1]
        first = add_months(last, 1 - LEAD_MONTHS)
        start = month_bounds(first, self.tz)[0]
        end = min(month_bounds(last, self.tz)[1], self.now)
        self.lead_notes = {
            "months": f"{first} to {last} (the last {LEAD_MONTHS} months)",
            "windows_split_at_10000": 0,
        }
        room = [options.max_leads]
        contacts = self._contacts(client, to_epoch_ms(start), to_epoch_ms(end), room)
        truncated = bool(self.lead_notes.pop("_more", False))
        here = zone(self.tz)
        unknown_after = self.now - timedelta(days=LEAD_MATURITY_DAYS)
        skipped = unreadable = too_recent = 0
        seen: set[str] = set()
        for contact in contacts:
            if not isinstance(contact, dict) or contact.get("id") in (None, ""):
                raise _malformed(f"POST {CONTACTS_SEARCH}", "a contact without an id", contact)
            lead_id = str(contact["id"])
            if lead_id in seen:
                continue
            seen.add(lead_id)
            props = contact.get("properties")
            props = props if isinstance(props, dict) else {}
            raw = props.get(options.lead_score_property)
            if not _is_set(raw):
                skipped += 1
                continue
            score = _float(raw.strip() if isinstance(raw, str) else raw)
            if score is None:
                unreadable += 1
                continue
            created_at = parse_instant(props.get("createdate"))
            customer: bool | None = _is_set(props.get(options.customer_date_property))
            if not customer and created_at >= unknown_after:
                customer = None
                too_recent += 1
            self.leads.append(
                Lead(
                    lead_id=lead_id,
                    created=created_at.astimezone(here).date(),
                    score=score,
                    mql=_is_set(props.get(options.mql_date_property)),
                    customer=customer,
                )
            )
        self.lead_notes.update(
            contacts_read=len(seen),
            leads=len(self.leads),
            skipped_without_score=skipped,
            skipped_unreadable_score=unreadable,
            customer_unknown_too_recent=too_recent,
            truncated=truncated,
        )
        if truncated:
            self.lead_notes["truncated_note"] = (
                f"stopped at max_leads ({options.max_leads}) contacts, the oldest first: "
                "the sample is truncated and leaves out the newest leads"
            )

    def _contacts(self, client: HttpClient, lo: int, hi: int, room: list[int]) -> list[Any]:
        """Contacts created in [lo, hi) ms, createdate ascending, split past the 10,000 cap.

        `room[0]` counts down the contacts still wanted (max_leads); once it is 0,
        a window that still holds contacts only sets lead_notes['_more'] (truncated).
        """
        options = self.options
        shown = f"POST {CONTACTS_SEARCH}"
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "createdate",
                            "operator": "BETWEEN",
                            "value": str(lo),
                            "highValue": str(hi - 1),
                        }
                    ]
                }
            ],
            "properties": [
                "createdate",
                options.lead_score_property,
                options.mql_date_property,
                options.customer_date_property,
            ],
            "sorts": [{"propertyName": "createdate", "direction": "ASCENDING"}],
            "limit": options.search_page_size,
        }
        first = client.post_json(CONTACTS_SEARCH, body, bucket="search")
        client.log.pages += 1
        total = _search_total(first, shown)
        if total > room[0]:
            self.lead_notes["_more"] = True
        if room[0] <= 0:
            return []
        if total > api.SEARCH_CAP and hi - lo > 1:
            self.lead_notes.pop("_more", None)  # the halves say whether max_leads cut
            self.lead_notes["windows_split_at_10000"] += 1
            middle = (lo + hi) // 2
            older = self._contacts(client, lo, middle, room)
            return older + self._contacts(client, middle, hi, room)
        rows = _results(first, shown)
        after = dig(first, "paging.next.after")
        if after not in (None, "") and rows and len(rows) < room[0]:
            for row in _more_pages(client, CONTACTS_SEARCH, body, str(after)):
                rows.append(row)
                if len(rows) >= room[0]:
                    break
        rows = rows[: room[0]]
        room[0] -= len(rows)
        return rows
