"""The Brevo connector: classic email campaigns' global statistics and new contacts."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from auditor.connectors.base import ConnectorOptions
from auditor.connectors.brevo.api import (
    ACCOUNT,
    CAMPAIGN_PAGE,
    CAMPAIGNS,
    CONTACTS,
    DEFAULT_BASE_URL,
    DEFINITION_DIFFERENCES,
    EMAIL_METRICS,
    GLOBAL_STATS,
    MEASURED,
    METRIC_SOURCES,
    NOT_MEASURED,
    PLATFORM,
    STATS_MONTHS,
    WORKFLOWS,
    brevo_wait,
    counter,
    malformed,
)
from auditor.connectors.brevo.deals import pipelines, read_deals
from auditor.connectors.brevo.options import BrevoOptions
from auditor.connectors.campaigns import campaign_send
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy, dig
from auditor.connectors.timeutil import month_bounds, month_of, parse_instant
from auditor.core.errors import SourceAuthError, SourceNotFoundError
from auditor.core.models import CampaignSend, SourceData
from auditor.core.period import Month, add_months
from auditor.core.reasons import text

CAMPAIGN_BUCKET = "hourly"
"""`/emailCampaigns` and `/account` are in Brevo's "all other endpoints" group: 100
requests an hour on the General tier (developers.brevo.com/docs/api-limits)."""


def _iso(instant: datetime) -> str:
    """'2026-07-01T00:00:00.000+02:00': the documented format with the zone's offset
    ("Prefer to pass your timezone in date-time format for accurate result")."""
    return instant.isoformat(timespec="milliseconds")


class BrevoConnector(HttpConnector):
    """Classic email campaigns' statistics by send month, and contacts created per month."""

    name: ClassVar[str] = "brevo"
    description: ClassVar[str] = (
        "Brevo email campaign statistics (the last six months), new contacts, active "
        "workflows and CRM deals won and lost (API key)"
    )
    Options: ClassVar[type[ConnectorOptions]] = BrevoOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = NOT_MEASURED
    metric_sources: ClassVar[Mapping[str, str]] = METRIC_SOURCES
    definition_differences: ClassVar[Mapping[str, str]] = DEFINITION_DIFFERENCES
    default_base_url: ClassVar[str | None] = DEFAULT_BASE_URL
    state_at_fetch: ClassVar[frozenset[str]] = frozenset({"workflows_active"})
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform=PLATFORM,
        rate=10.0,  # /contacts: 10 requests a second
        burst=1,
        buckets={CAMPAIGN_BUCKET: (100 / 3600, 20)},
        rate_limit_wait=brevo_wait,
    )

    def _options(self) -> BrevoOptions:
        return self.options_as(BrevoOptions)

    def _client(self) -> HttpClient:
        options = self._options()
        key = self.secret("api_key_env")
        return self.http(
            headers={"api-key": key, "accept": "application/json"},
            credential_env=options.api_key_env,
        )

    def _now(self) -> datetime:
        wall: Callable[[], float] = self.transport.get("wall_clock", time.time)
        return datetime.fromtimestamp(wall(), UTC)

    # --- the contract ---

    def check(self) -> str:
        """`GET /account`: the company the key belongs to; with deal stages to find, the
        account's pipelines and stages (what `won_stages` and `lost_stages` name)."""
        with self._client() as client:
            account = self._account(client)
            stages = pipelines(client, CAMPAIGN_BUCKET) if self._options().won_stages else []
        company = account.get("companyName") or "(no company name)"
        lines = [f"Brevo account {company} at {self.api_base_url()}"]
        lines += [f"  deal stage: {s.pipeline} / {s.name} (id {s.id})" for s in stages]
        return "\n".join(lines)

    def fetch(self, months: Sequence[Month]) -> SourceData:
        wanted = sorted(set(months))
        now = self._now()
        cutoff = add_months(month_of(now.isoformat(), self.timezone), -STATS_MONTHS + 1)
        reported = [m for m in wanted if m >= cutoff]
        reasons: dict[str, str] = {}
        monthly: dict[Month, dict[str, float]] = {m: {} for m in wanted}
        sends: list[CampaignSend] = []
        with self._client() as client:
            account = self._account(client)
            if reported:
                sends = self._put_campaigns(client, monthly, reported)
            self._put_new_contacts(client, monthly, wanted, now)
            if wanted:
                self._put_workflows(client, monthly, wanted[-1], reasons)
                since = month_bounds(wanted[0], self.timezone)[0].astimezone(self.zone)
                deals = read_deals(
                    client, self._options(), wanted, since, self.timezone, CAMPAIGN_BUCKET
                )
                for month, values in deals.monthly.items():
                    monthly[month].update(values)
                reasons.update(deals.reasons)
        if wanted and not any(v.get("emails_sent") for v in monthly.values()):
            if reported:
                why = text("no_email_sent", platform=PLATFORM, first=reported[0], last=reported[-1])
            else:
                why = text(
                    "campaign_stats_window",
                    platform=PLATFORM,
                    months=STATS_MONTHS,
                    since=cutoff,
                    first=wanted[0],
                    last=wanted[-1],
                )
            for values in monthly.values():
                for metric in EMAIL_METRICS:
                    values.pop(metric, None)
            for metric in EMAIL_METRICS:
                reasons[metric] = why
        provenance = {
            "base_url": self.api_base_url(),
            "company": account.get("companyName"),
            "statistics_from": cutoff,
            "months_without_statistics": [m for m in wanted if m < cutoff],
            **(deals.provenance if wanted else {}),
        }
        return self.source_data(
            {m: v for m, v in monthly.items() if v},
            label=f"Brevo account {account.get('companyName') or ''}".strip(),
            provenance=provenance,
            not_measured=reasons,
            campaigns=sends,
        )

    # --- readers ---

    def _account(self, client: HttpClient) -> dict[str, Any]:
        page = client.get_json(ACCOUNT, bucket=CAMPAIGN_BUCKET)
        if not isinstance(page, dict) or "email" not in page:
            raise malformed(f"GET {ACCOUNT}", "no 'email'", page)
        return page

    def _put_campaigns(
        self, client: HttpClient, monthly: dict[Month, dict[str, float]], reported: list[Month]
    ) -> list[CampaignSend]:
        """Classic campaigns sent in `reported`, each in the month of its sentDate; each
        campaign's send is returned too."""
        sends: list[CampaignSend] = []
        shown = f"GET {CAMPAIGNS}"
        start = month_bounds(reported[0], self.timezone)[0].astimezone(self.zone)
        end = month_bounds(reported[-1], self.timezone)[1].astimezone(self.zone)
        query = {
            "type": "classic",
            "status": "sent",
            "statistics": "globalStats",
            "startDate": _iso(start),
            "endDate": _iso(end),
            "excludeHtmlContent": "true",
            "sort": "asc",
        }
        for month in reported:
            monthly[month].update(dict.fromkeys(EMAIL_METRICS, 0.0))
        for campaign in client.paginate_offset(
            CAMPAIGNS,
            items="campaigns",
            params=query,
            limit_param="limit",
            page_size=CAMPAIGN_PAGE,
            total="count",
            bucket=CAMPAIGN_BUCKET,
        ):
            if not isinstance(campaign, dict):
                raise malformed(shown, "a campaign that is not an object", campaign)
            sent = campaign.get("sentDate")
            sent_in = month_of(str(sent), self.timezone) if sent else None
            if sent_in is None or sent_in not in reported:
                continue  # sent outside the window (the filter's edges are Brevo's)
            stats = dig(campaign, "statistics.globalStats")
            if not isinstance(stats, dict):
                raise malformed(shown, "a campaign without statistics.globalStats", campaign)
            values = monthly[sent_in]
            for metric, fields in GLOBAL_STATS.items():
                values[metric] += sum(counter(stats, f, shown) for f in fields)
            values["campaigns_sent"] += 1.0
            sends.append(
                campaign_send(
                    campaign.get("id"),
                    campaign.get("name"),
                    parse_instant(str(sent), self.timezone),
                    self.timezone,
                    counter(stats, "sent", shown),
                    counter(stats, "hardBounces", shown),
                )
            )
        return sends

    def _put_workflows(
        self,
        client: HttpClient,
        monthly: dict[Month, dict[str, float]],
        last: Month,
        reasons: dict[str, str],
    ) -> None:
        """Active workflows now: the automation API's count (in Brevo's reference since
        30 November 2026); an account or key that cannot read it is told, not failed."""
        shown = f"GET {WORKFLOWS}"
        try:
            page = client.get_json(
                WORKFLOWS, params={"status": "active", "limit": 1}, bucket=CAMPAIGN_BUCKET
            )
        except (SourceNotFoundError, SourceAuthError) as exc:
            reasons["workflows_active"] = text(
                "automation_api_refused",
                platform=PLATFORM,
                request=shown,
                error=type(exc).__name__,
            )
            return
        if not isinstance(page, dict):
            raise malformed(shown, "not an object", page)
        monthly[last]["workflows_active"] = counter(page, "total_workflows_count", shown)

    def _put_new_contacts(
        self,
        client: HttpClient,
        monthly: dict[Month, dict[str, float]],
        wanted: list[Month],
        now: datetime,
    ) -> None:
        """Contacts created in each month: the count created since its start less the count
        created since the next month's start (one request per boundary, `limit=1`)."""
        shown = f"GET {CONTACTS}"
        since: dict[Month, float] = {}
        for month in [*wanted, add_months(wanted[-1], 1)]:
            start = month_bounds(month, self.timezone)[0]
            if start > now:
                since[month] = 0.0
                continue
            page = client.get_json(
                CONTACTS,
                params={"limit": 1, "createdSince": _iso(start.astimezone(self.zone))},
            )
            if not isinstance(page, dict):
                raise malformed(shown, "not an object", page)
            since[month] = counter(page, "count", shown)
        for month in wanted:
            started = month_bounds(month, self.timezone)[0] <= now
            if started:
                created = since[month] - since[add_months(month, 1)]
                monthly[month]["leads_new"] = max(0.0, created)
