"""Campaign reports: sends, opens, clicks, bounces, complaints, and store revenue."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditor.connectors.campaigns import campaign_send
from auditor.connectors.http import HttpClient, dig
from auditor.connectors.mailchimp.api import (
    AUTOMATION_REPORT_TYPES,
    ECOMMERCE_METRICS,
    HUMAN_OPENS,
    PLATFORM,
    REPORT_FIELDS,
    STORE_FIELDS,
    _count,
    _object,
)
from auditor.connectors.mailchimp.base import MailchimpBase
from auditor.connectors.timeutil import (
    month_of,
    parse_instant,
)
from auditor.core.errors import (
    SourceResponseError,
)
from auditor.core.models import CampaignSend
from auditor.core.period import Month


@dataclass
class _Tally:
    """Campaign reports summed per month, and what was left out and why."""

    monthly: dict[Month, Counter[str]] = field(default_factory=dict)
    revenue: dict[Month, float] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    seen: int = 0
    counted: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    automation_emails: int = 0
    other_audience: int = 0
    outside_months: int = 0
    duplicates: int = 0
    first_send: datetime | None = None
    no_proxy_excluded: Counter[Month] = field(default_factory=Counter)
    """Campaigns per month whose report has no `opens.proxy_excluded_unique_opens`."""
    sends: list[CampaignSend] = field(default_factory=list)

    def add(self, month: Month, counts: Mapping[str, float], revenue: float) -> None:
        self.monthly.setdefault(month, Counter()).update(counts)
        self.revenue[month] = self.revenue.get(month, 0.0) + revenue
        self.counted += 1

    def provenance(self) -> dict[str, Any]:
        return {
            "in_window": self.seen,
            "counted": self.counted,
            "by_type": dict(sorted(self.by_type.items())),
            "automation_emails_excluded": self.automation_emails,
            "other_audience": self.other_audience,
            "outside_requested_months": self.outside_months,
            "duplicates": self.duplicates,
        }


class ReportsSection(MailchimpBase):
    """The month's one-off campaign reports, added up."""

    def _reports(self, client: HttpClient, since: str, before: str, wanted: list[Month]) -> _Tally:
        options = self._options()
        tally = _Tally()
        months = set(wanted)
        ids: set[str] = set()
        pages = client.paginate_offset(
            "/reports",
            items="reports",
            params={
                "since_send_time": since,
                "before_send_time": before,
                "fields": REPORT_FIELDS,
            },
            page_size=options.page_size,
            total="total_items",
        )
        for raw in pages:
            report = _object(raw, "a report of GET /reports")
            tally.seen += 1
            ident = report.get("id")
            if isinstance(ident, str) and ident:
                if ident in ids:
                    tally.duplicates += 1
                    continue
                ids.add(ident)
            kind = str(report.get("type") or "unknown")
            if kind in AUTOMATION_REPORT_TYPES:
                tally.automation_emails += 1
                continue
            if options.list_id is not None and report.get("list_id") != options.list_id:
                tally.other_audience += 1
                continue
            sent = report.get("send_time")
            if sent in (None, ""):
                raise SourceResponseError(
                    f"Mailchimp: campaign report {ident!r} in GET /reports has no send_time",
                    platform=PLATFORM,
                )
            month = month_of(sent, self.timezone)
            if month not in months:
                tally.outside_months += 1
                continue
            instant = parse_instant(sent, self.timezone)
            if tally.first_send is None or instant < tally.first_send:
                tally.first_send = instant
            tally.by_type[kind] += 1
            sent_count = _count(report, "emails_sent")
            hard = _count(report, "bounces.hard_bounces")
            bounces = hard + _count(report, "bounces.soft_bounces")
            tally.sends.append(
                campaign_send(
                    ident, report.get("campaign_title"), instant, self.timezone, sent_count, hard
                )
            )
            counts = {
                "emails_sent": sent_count,
                "bounces": bounces,
                "unique_opens": _count(report, "opens.unique_opens"),
                "unique_clicks": _count(report, "clicks.unique_subscriber_clicks"),
                "unsubscribes": _count(report, "unsubscribed"),
                "spam_complaints": _count(report, "abuse_reports"),
                "campaigns_sent": 1,
                "conversions": _count(report, "ecommerce.total_orders", missing=0.0),
            }
            human = dig(report, "opens.proxy_excluded_unique_opens")
            if human is None:
                tally.no_proxy_excluded[month] += 1
            else:
                counts[HUMAN_OPENS] = _count(report, "opens.proxy_excluded_unique_opens")
            revenue = _count(report, "ecommerce.total_revenue", missing=0.0)
            currency = dig(report, "ecommerce.currency_code")
            if revenue and isinstance(currency, str) and currency.strip():
                tally.currencies.add(currency.strip().upper())
            tally.add(month, counts, revenue)
        return tally

    def _human_opens(
        self,
        tally: _Tally,
        live: list[Month],
        monthly: dict[Month, dict[str, float]],
        reasons: dict[str, str],
    ) -> None:
        """Proxy-excluded unique opens, in the months where every campaign report gives them.

        The field is optional in the spec: a month summed over some of its campaigns only
        would be understated, so such a month gets no value, and the reason says which.
        """
        lacking = sorted(m for m in tally.no_proxy_excluded if m in live)
        for month in live:
            if month not in tally.no_proxy_excluded:
                monthly[month][HUMAN_OPENS] = float(
                    tally.monthly.get(month, Counter())[HUMAN_OPENS]
                )
        if lacking:
            shown = ", ".join(f"{m} ({tally.no_proxy_excluded[m]})" for m in lacking)
            reasons[HUMAN_OPENS] = (
                "Mailchimp gave no opens.proxy_excluded_unique_opens for some campaign reports "
                f"of {shown}: human opens are not measured in those months"
            )

    def _ecommerce(
        self,
        tally: _Tally,
        stores: list[dict[str, Any]] | None,
        monthly: dict[Month, dict[str, float]],
        reasons: dict[str, str],
        audience_name: str | None,
        provenance: dict[str, Any],
    ) -> None:
        """Orders and revenue, when a store is connected and the revenue has one currency."""
        if stores is None:  # the endpoint was refused: the reason is already set
            return
        store_currencies = sorted(
            {str(s["currency_code"]).upper() for s in stores if s.get("currency_code")}
        )
        summary: dict[str, Any] = {
            "stores": len(stores),
            "store_currencies": store_currencies,
            "revenue_currencies": sorted(tally.currencies),
        }
        provenance["ecommerce"] = summary
        if not stores:
            where = f" for audience {audience_name}" if audience_name else ""
            why = (
                f"no e-commerce store is connected to Mailchimp{where} (GET /ecommerce/stores "
                "lists none): attributed orders and revenue are not measured"
            )
            reasons.update(dict.fromkeys(ECOMMERCE_METRICS, why))
            return
        for month, row in monthly.items():
            row["conversions"] = float(tally.monthly.get(month, Counter())["conversions"])
        if len(tally.currencies) > 1:
            shown = ", ".join(sorted(tally.currencies))
            reasons["revenue_attributed"] = (
                f"Mailchimp attributes campaign revenue in several currencies ({shown}): it is "
                "not added up, so attributed revenue is not measured"
            )
            return
        currencies = tally.currencies or set(store_currencies)
        summary["currency"] = next(iter(currencies)) if len(currencies) == 1 else None
        for month, row in monthly.items():
            row["revenue_attributed"] = round(tally.revenue.get(month, 0.0), 2)

    def _stores(self, client: HttpClient, reasons: dict[str, str]) -> list[dict[str, Any]] | None:
        options = self._options()
        rows = self._listing(
            client,
            "/ecommerce/stores",
            "stores",
            STORE_FIELDS,
            what="a store",
            unmeasured=ECOMMERCE_METRICS,
            why=": attributed orders and revenue are not measured",
            reasons=reasons,
        )
        if rows is None:
            return None
        if options.list_id is not None:
            rows = [r for r in rows if r.get("list_id") == options.list_id]
        return rows
