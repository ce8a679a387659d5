"""The audience's growth history, the classic automations, and when the account existed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from auditor.connectors.http import HttpClient, dig
from auditor.connectors.mailchimp.api import (
    _MONTH,
    AUTOMATION_FIELDS,
    CONTACTS_LOST,
    GROWTH_FIELDS,
    GROWTH_LOST_FIELDS,
    PLATFORM,
    WORKFLOW_METRICS,
    WORKFLOW_TRIGGERS,
    _growth_count,
    _object,
    _refusal,
)
from auditor.connectors.mailchimp.base import MailchimpBase
from auditor.connectors.mailchimp.reports import _Tally
from auditor.connectors.timeutil import (
    month_bounds,
    parse_instant,
)
from auditor.core.errors import (
    SourceAuthError,
    SourceNotFoundError,
    SourceResponseError,
)
from auditor.core.period import Month


class AudienceSection(MailchimpBase):
    """Contacts lost, workflows, and the account's first month."""

    def _growth(
        self, client: HttpClient, wanted: set[Month], reasons: dict[str, str]
    ) -> tuple[dict[Month, float], int] | None:
        """Members who left each audience per month: the growth history's newly unsubscribed,
        cleaned (hard-bounced) and deleted members, summed over the audited audiences."""
        options = self._options()
        try:
            if options.list_id is not None:
                list_ids = [options.list_id]
            else:
                list_ids = [
                    str(_object(raw, "an audience of GET /lists").get("id"))
                    for raw in client.paginate_offset(
                        "/lists",
                        items="lists",
                        params={"fields": "lists.id,total_items"},
                        page_size=options.page_size,
                        total="total_items",
                    )
                ]
            lost: dict[Month, float] = {}
            for list_id in list_ids:
                for raw in client.paginate_offset(
                    f"/lists/{list_id}/growth-history",
                    items="history",
                    params={"fields": GROWTH_FIELDS},
                    page_size=options.page_size,
                    total="total_items",
                ):
                    row = _object(raw, f"a month of GET /lists/{list_id}/growth-history")
                    month = str(row.get("month") or "")
                    if not _MONTH.fullmatch(month):
                        raise SourceResponseError(
                            f"Mailchimp: GET /lists/{list_id}/growth-history has a month "
                            f"{month[:20]!r}; expected YYYY-MM",
                            platform=PLATFORM,
                        )
                    if month not in wanted:
                        continue
                    left = sum(_growth_count(row, field, list_id) for field in GROWTH_LOST_FIELDS)
                    lost[month] = lost.get(month, 0.0) + left
        except (SourceAuthError, SourceNotFoundError) as exc:
            reasons[CONTACTS_LOST] = (
                f"{_refusal(exc, 'GET /lists/{list_id}/growth-history')}: contacts lost are "
                "not measured"
            )
            return None
        return lost, len(list_ids)

    # --- automations ----------------------------------------------------------------------

    def _automations(
        self, client: HttpClient, reasons: dict[str, str]
    ) -> list[dict[str, Any]] | None:
        options = self._options()
        rows = self._listing(
            client,
            "/automations",
            "automations",
            AUTOMATION_FIELDS,
            what="an automation",
            unmeasured=WORKFLOW_METRICS,
            why=" (classic automations): active workflows are not measured",
            reasons=reasons,
        )
        if rows is None:
            return None
        if options.list_id is not None:
            rows = [r for r in rows if dig(r, "recipients.list_id") == options.list_id]
        return rows

    def _workflows(
        self,
        automations: list[dict[str, Any]],
        live: list[Month],
        monthly: dict[Month, dict[str, float]],
        reasons: dict[str, str],
        audience_name: str | None,
    ) -> dict[str, Any]:
        statuses = Counter(str(a.get("status") or "unknown") for a in automations)
        types = Counter(
            str(dig(a, "trigger_settings.workflow_type") or "unknown") for a in automations
        )
        unknown = sorted(t for t in types if t not in WORKFLOW_TRIGGERS)
        summary = {
            "total": len(automations),
            "by_status": dict(sorted(statuses.items())),
            "by_workflow_type": dict(sorted(types.items())),
            "unclassified_types": unknown,
            "behavioral_types": sorted(t for t, (b, _) in WORKFLOW_TRIGGERS.items() if b),
        }
        if not automations:
            where = f" for audience {audience_name}" if audience_name else ""
            why = (
                f"Mailchimp lists no classic automation{where}, and Customer Journeys (its "
                "current automation builder) cannot be listed through the Marketing API: "
                "active workflows are not measured"
            )
            reasons.update(dict.fromkeys(WORKFLOW_METRICS, why))
            return summary
        sending: list[tuple[datetime | None, bool]] = []
        for automation in automations:
            if automation.get("status") != "sending":
                continue
            started = automation.get("start_time") or automation.get("create_time")
            instant = parse_instant(started, self.timezone) if started else None
            kind = str(dig(automation, "trigger_settings.workflow_type") or "unknown")
            behavioral = WORKFLOW_TRIGGERS.get(kind, (False, ""))[0]
            sending.append((instant, behavioral))
        current = max(live) if live else None
        for month in live:
            month_end = month_bounds(month, self.timezone)[1]
            # An automation with no start or creation time counts only in the latest month.
            active = [
                b
                for instant, b in sending
                if (instant is not None and instant < month_end)
                or (instant is None and month == current)
            ]
            monthly[month]["workflows_active"] = float(len(active))
            monthly[month]["workflows_behavioral"] = float(sum(active))
        return summary

    # --- when the account existed ---------------------------------------------------------

    def _born(
        self,
        account: Mapping[str, Any],
        audience: Mapping[str, Any] | None,
        tally: _Tally,
        automations: list[dict[str, Any]] | None,
    ) -> datetime | None:
        """When the account (or the audience) started: months before it are left out.

        Without `member_since`, the earliest activity seen stands in for it.
        """
        known = [
            parse_instant(value, self.timezone)
            for value in (account.get("member_since"), (audience or {}).get("date_created"))
            if value
        ]
        if known:
            return max(known)
        seen = [tally.first_send] if tally.first_send else []
        for automation in automations or ():
            started = automation.get("start_time") or automation.get("create_time")
            if started:
                seen.append(parse_instant(started, self.timezone))
        return min(seen) if seen else None

    def _month_lived(self, month: Month, born: datetime | None, now: datetime) -> bool:
        start, end = month_bounds(month, self.timezone)
        return born is not None and end > born and start <= now
