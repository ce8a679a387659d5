"""`eventlog`: monthly base metrics counted from a JSON event-log API (a worked example).

The API it reads is deliberately small, so the connector shows the contract
and nothing else:

    GET {base_url}/v1/me                      -> {"account": "Acme Corp"}
    GET {base_url}/v1/events?since=..&until=..&limit=..[&after=CURSOR]
        -> {"data": [{"type": "email.sent", "occurred_at": "2026-07-31T23:30:00Z"}, ...],
            "next": "CURSOR" | null}

with `Authorization: Bearer <token>`, the token read from the variable that
`source.token_env` names.  Each event counts once in the month of its
timestamp in the config's time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import ClassVar

from pydantic import Field

from auditor.connectors.base import BaseUrl, ConnectorOptions, EnvVarName, HttpOptions
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy
from auditor.connectors.timeutil import month_of, period_bounds, to_iso_z
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.metrics.catalog import BASE_BY_ID

EVENTS: Mapping[str, str] = {
    "email.sent": "emails_sent",
    "email.bounced": "bounces",
    "email.unsubscribed": "unsubscribes",
    "form.submitted": "conversions",
    "lead.created": "leads_new",
}
MEASURED = tuple(EVENTS.values())


class EventLogOptions(HttpOptions):
    """`source:` options: where the API is, which variable holds the token, page size."""

    base_url: BaseUrl  # required here: an event log has no public default URL
    token_env: EnvVarName = "EVENTLOG_TOKEN"
    page_size: int = Field(default=200, ge=1, le=1000)


class EventLogConnector(HttpConnector):
    """Counts email, form and lead events per month."""

    name: ClassVar[str] = "eventlog"
    description: ClassVar[str] = "Monthly counts from a JSON event-log API (example plugin)"
    Options: ClassVar[type[ConnectorOptions]] = EventLogOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    metric_sources: ClassVar[Mapping[str, str]] = {
        metric: f"GET /v1/events: events of type '{event}'" for event, metric in EVENTS.items()
    }
    not_measured: ClassVar[Mapping[str, str]] = {
        metric: "the event log records only email sends, bounces, unsubscribes, form "
        "submissions and new leads"
        for metric in BASE_BY_ID
        if metric not in MEASURED
    }
    policy: ClassVar[HttpPolicy] = HttpPolicy(platform="Event log", rate=5.0, burst=5)

    def _client(self) -> HttpClient:
        options = self.options
        assert isinstance(options, EventLogOptions)
        token = self.secret("token_env")  # read now; InputError naming the variable if unset
        return self.http(
            headers={"Authorization": f"Bearer {token}"}, credential_env=options.token_env
        )

    def check(self) -> str:
        """One cheap call that needs valid credentials."""
        with self._client() as client:
            me = client.get_json("/v1/me")
        account = me.get("account") if isinstance(me, dict) else None
        return f"account {account or '(unnamed)'} at {self.api_base_url()}"

    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Count every event from the first to the last of `months`."""
        options = self.options
        assert isinstance(options, EventLogOptions)
        start, end = period_bounds(months, self.timezone)
        counts: Counter[tuple[Month, str]] = Counter()
        ignored: Counter[str] = Counter()
        with self._client() as client:
            events = client.paginate_cursor(
                "/v1/events",
                items="data",
                next_cursor="next",
                params={
                    "since": to_iso_z(start),
                    "until": to_iso_z(end),
                    "limit": options.page_size,
                },
                cursor_param="after",
            )
            for event in events:
                metric = EVENTS.get(event.get("type", ""))
                if metric is None:
                    ignored[str(event.get("type"))] += 1
                    continue
                counts[(month_of(event["occurred_at"], self.timezone), metric)] += 1
        extra: dict[str, str] = {}
        monthly: dict[Month, dict[str, float]] = {}
        if counts:
            # Events were found, so a month without one of a kind measured 0 of it.
            monthly = {
                m: {metric: float(counts[(m, metric)]) for metric in MEASURED} for m in months
            }
        else:
            # An empty log measured nothing: undefined, not 0.
            extra = dict.fromkeys(MEASURED, "the event log has no events in the period")
        return self.source_data(
            monthly,
            label=f"event log at {self.api_base_url()}",
            provenance={"window": [to_iso_z(start), to_iso_z(end)], "ignored": dict(ignored)},
            not_measured=extra,
        )
