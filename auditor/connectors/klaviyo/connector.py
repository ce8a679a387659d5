"""The Klaviyo connector: email statistics from the reporting API, flows, segment growth."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, time
from typing import Any, ClassVar

from auditor.connectors.base import ConnectorOptions
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy, dig
from auditor.connectors.klaviyo.api import (
    ACCOUNTS,
    BEHAVIOURAL_TRIGGERS,
    CAMPAIGN_VALUES,
    CAMPAIGNS,
    DEFAULT_BASE_URL,
    DEFINITION_DIFFERENCES,
    EMAIL_FROM_STATISTIC,
    EMAIL_METRICS,
    FLOW_PAGE,
    FLOW_SERIES,
    FLOWS,
    LIVE,
    MEASURED,
    METRIC_AGGREGATES,
    METRIC_SOURCES,
    METRICS,
    NO_SEGMENT,
    NOT_MEASURED,
    PLATFORM,
    REPORT_LIMIT,
    REPORT_MONTHS,
    SEGMENT_DATA_FROM,
    SEGMENT_SERIES,
    STATISTICS,
    WORKFLOW_METRICS,
    klaviyo_wait,
    malformed,
    number,
)
from auditor.connectors.klaviyo.options import KlaviyoOptions
from auditor.connectors.timeutil import month_of, parse_instant
from auditor.core.models import SourceData
from auditor.core.period import Month, add_months
from auditor.core.reasons import text

Stats = dict[str, float]


def chunks(months: Sequence[Month]) -> Iterator[list[Month]]:
    """Consecutive runs of at most REPORT_MONTHS months (the span of one report request)."""
    run: list[Month] = []
    for month in sorted(set(months)):
        if run and (add_months(run[-1], 1) != month or len(run) == REPORT_MONTHS):
            yield run
            run = []
        run.append(month)
    if run:
        yield run


def timeframe(run: Sequence[Month]) -> dict[str, str]:
    """The custom timeframe of months `run`: Klaviyo ignores the offset and reads the wall
    time in the account's time zone (CustomTimeframe), so months are the account's."""
    return {"start": f"{run[0]}-01T00:00:00", "end": f"{add_months(run[-1], 1)}-01T00:00:00"}


class KlaviyoConnector(HttpConnector):
    """Campaign and flow email statistics, flows, segment growth and attributed revenue."""

    name: ClassVar[str] = "klaviyo"
    description: ClassVar[str] = (
        "Klaviyo campaign and flow email statistics, flows, segment growth and attributed "
        "revenue (private API key)"
    )
    Options: ClassVar[type[ConnectorOptions]] = KlaviyoOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = NOT_MEASURED
    metric_sources: ClassVar[Mapping[str, str]] = METRIC_SOURCES
    definition_differences: ClassVar[Mapping[str, str]] = DEFINITION_DIFFERENCES
    default_base_url: ClassVar[str | None] = DEFAULT_BASE_URL
    state_at_fetch: ClassVar[frozenset[str]] = frozenset(WORKFLOW_METRICS)
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform=PLATFORM,
        rate=3.0,  # the flows list's S tier: 3/s burst, 60/m steady (one at a time)
        burst=1,
        buckets={
            CAMPAIGN_VALUES: REPORT_LIMIT,
            FLOW_SERIES: REPORT_LIMIT,
            SEGMENT_SERIES: REPORT_LIMIT,
        },
        rate_limit_wait=klaviyo_wait,
        max_wait=90.0,
    )

    def _options(self) -> KlaviyoOptions:
        return self.options_as(KlaviyoOptions)

    def _client(self) -> HttpClient:
        options = self._options()
        key = self.secret("key_env")
        return self.http(
            headers={
                "Authorization": f"Klaviyo-API-Key {key}",
                "revision": options.revision,
                "accept": "application/vnd.api+json",
                "content-type": "application/vnd.api+json",
            },
            credential_env=options.key_env,
        )

    # --- the contract ---

    def check(self) -> str:
        """`GET /api/accounts`: the account the key opens, its time zone and currency."""
        with self._client() as client:
            account = self._account(client)
        return (
            f"Klaviyo account {account.get('id')} ({account.get('timezone')}, "
            f"{account.get('currency')}) at {self.api_base_url()}"
        )

    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Every measured metric for `months`, the account's calendar months."""
        wanted = sorted(set(months))
        options = self._options()
        reasons: dict[str, str] = {}
        monthly: dict[Month, Stats] = {m: {} for m in wanted}
        with self._client() as client:
            account = self._account(client)
            tz = str(account.get("timezone") or self.timezone)
            metric_id, first_metric = self._conversion_metric(client, options.conversion_metric)
            report_metric = metric_id or first_metric
            if wanted:
                campaigns: dict[Month, dict[str, Stats]] = {}
                flows: dict[Month, dict[str, Stats]] = {}
                if report_metric is not None:  # no metric at all: nothing was ever sent
                    sends = self._campaign_months(client, wanted, tz)
                    campaigns = self._campaign_values(client, wanted, report_metric, sends, tz)
                    flows = self._flow_series(client, wanted, report_metric, tz)
                self._put_email(monthly, campaigns, flows, metric_id is not None, reasons)
                self._put_flows(monthly, client, wanted[-1])
                self._put_new_contacts(monthly, client, wanted, options, reasons, tz)
                if metric_id is not None:
                    self._put_store_revenue(monthly, client, wanted, metric_id)
        if metric_id is None:
            for metric in ("revenue_attributed", "revenue_total"):
                reasons[metric] = text("no_conversion_metric", name=options.conversion_metric)
        zone_note = (
            {}
            if tz == self.timezone
            else {
                "timezone_note": (
                    f"Klaviyo's reports use the account's time zone ({tz}); the audit's is "
                    f"{self.timezone}, so a month's edges differ by their offsets"
                )
            }
        )
        provenance = {
            "base_url": self.api_base_url(),
            "account": account.get("id"),
            "timezone": tz,
            "revision": options.revision,
            "conversion_metric": {"name": options.conversion_metric, "id": metric_id},
            "new_contacts_segment": options.new_contacts_segment,
            "segment_data_from": SEGMENT_DATA_FROM,  # no segment report reaches before it
            **zone_note,
        }
        data = self.source_data(
            {m: v for m, v in monthly.items() if v},
            label=f"Klaviyo account {account.get('id')}",
            provenance=provenance,
            not_measured=reasons,
        )
        currency = account.get("currency")
        return data if not isinstance(currency, str) else _with_currency(data, currency)

    # --- account and metrics ---

    def _account(self, client: HttpClient) -> dict[str, Any]:
        shown = f"GET {ACCOUNTS}"
        page = client.get_json(ACCOUNTS)
        rows = dig(page, "data") if isinstance(page, dict) else None
        if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
            raise malformed(shown, "no account in 'data'", page)
        attributes = rows[0].get("attributes") or {}
        if not isinstance(attributes, dict):
            raise malformed(shown, "'attributes' is not an object", page)
        return {
            "id": rows[0].get("id"),
            "timezone": attributes.get("timezone"),
            "currency": attributes.get("preferred_currency"),
        }

    def _metrics(self, client: HttpClient) -> Iterator[dict[str, Any]]:
        for row in client.paginate_next(METRICS, items="data", params={"fields[metric]": "name"}):
            if not isinstance(row, dict) or "id" not in row:
                raise malformed(f"GET {METRICS}", "a metric without an id", row)
            yield row

    def _conversion_metric(self, client: HttpClient, name: str) -> tuple[str | None, str | None]:
        """(the id of the account's metric called `name`, the first metric's id), in one
        pass over the metrics: ids differ between accounts, and the reports require a
        conversion metric even when revenue is not read (any metric then serves)."""
        first: str | None = None
        for row in self._metrics(client):
            first = first or str(row["id"])
            if dig(row, "attributes.name") == name:
                return str(row["id"]), first
        return None, first

    # --- email statistics ---

    def _campaign_months(
        self, client: HttpClient, wanted: Sequence[Month], tz: str
    ) -> dict[str, Month]:
        """Email campaigns sent in `wanted`: id -> the month of its send_time in the account's
        zone.  Campaigns cannot be filtered by send time; one sent in the window was last
        updated at or after its sending, so `updated_at` >= the window's start finds it."""
        start = parse_instant(f"{wanted[0]}-01T00:00:00", tz)
        return self._send_months(
            client, f"greater-or-equal(updated_at,{start.isoformat()})", wanted, tz
        )

    def _send_months(
        self, client: HttpClient, condition: str, wanted: Sequence[Month], tz: str
    ) -> dict[str, Month]:
        """Email campaigns matching `condition`: id -> send month, for those sent in `wanted`."""
        query = {
            "filter": f"and(equals(messages.channel,'email'),{condition})",
            "fields[campaign]": "name,status,send_time",
        }
        found: dict[str, Month] = {}
        for row in client.paginate_next(CAMPAIGNS, items="data", params=query):
            sent = dig(row, "attributes.send_time") if isinstance(row, dict) else None
            if not isinstance(row, dict) or "id" not in row:
                raise malformed(f"GET {CAMPAIGNS}", "a campaign without an id", row)
            if sent:
                month = month_of(str(sent), tz)
                if month in wanted:
                    found[str(row["id"])] = month
        return found

    def _report(
        self, client: HttpClient, path: str, kind: str, attributes: dict[str, Any]
    ) -> Iterator[tuple[dict[str, Any], list[str]]]:
        """Every page of one report: (its attributes, its date_times)."""
        body = {"data": {"type": kind, "attributes": attributes}}
        target: str | None = path
        seen: set[str] = set()
        while target is not None:
            page = client.post_json(target, body, bucket=path)  # each report its own limit
            found = dig(page, "data.attributes") if isinstance(page, dict) else None
            if not isinstance(found, dict) or not isinstance(found.get("results"), list):
                raise malformed(f"POST {path}", "no 'data.attributes.results' list", page)
            yield found, [str(d) for d in found.get("date_times") or []]
            following = dig(page, "links.next")
            if not following or following in seen:
                target = None
            else:
                seen.add(str(following))
                target = str(following)

    def _campaign_values(
        self,
        client: HttpClient,
        wanted: Sequence[Month],
        metric_id: str,
        sends: Mapping[str, Month],
        tz: str,
    ) -> dict[Month, dict[str, Stats]]:
        """Month -> campaign message -> statistics, each campaign in its send month.  A
        campaign the listing by update time missed is looked up by id (`any(id,[...])`),
        so none is dropped for want of its send time."""
        out: dict[Month, dict[str, Stats]] = {}
        shown = f"POST {CAMPAIGN_VALUES}"
        rows: list[tuple[str, str, Stats]] = []
        for run in chunks(wanted):
            attributes = {
                "statistics": list(STATISTICS),
                "timeframe": timeframe(run),
                "conversion_metric_id": metric_id,
                "group_by": ["campaign_id", "campaign_message_id", "send_channel"],
                "filter": 'equals(send_channel,"email")',
            }
            for found, _ in self._report(
                client, CAMPAIGN_VALUES, "campaign-values-report", attributes
            ):
                for row in found["results"]:
                    groupings, stats = _row(row, shown)
                    values = {s: number(stats.get(s), shown, s) for s in STATISTICS}
                    campaign = str(groupings.get("campaign_id"))
                    rows.append((campaign, str(groupings.get("campaign_message_id")), values))
        months = dict(sends)
        missing = sorted({campaign for campaign, _, _ in rows} - set(months))
        for first in range(0, len(missing), 100):  # `any` takes at most 100 values
            ids = ",".join(f'"{c}"' for c in missing[first : first + 100])
            months.update(self._send_months(client, f"any(id,[{ids}])", wanted, tz))
        for campaign, message, values in rows:
            month = months.get(campaign)
            if month is not None:  # else sent outside the wanted months
                out.setdefault(month, {})[message] = values
        return out

    def _flow_series(
        self, client: HttpClient, wanted: Sequence[Month], metric_id: str, tz: str
    ) -> dict[Month, dict[str, Stats]]:
        """Month -> flow message -> statistics, from monthly series."""
        out: dict[Month, dict[str, Stats]] = {}
        shown = f"POST {FLOW_SERIES}"
        for run in chunks(wanted):
            attributes = {
                "statistics": list(STATISTICS),
                "timeframe": timeframe(run),
                "interval": "monthly",
                "conversion_metric_id": metric_id,
                "group_by": ["flow_id", "flow_message_id", "send_channel"],
                "filter": 'equals(send_channel,"email")',
            }
            for found, times in self._report(client, FLOW_SERIES, "flow-series-report", attributes):
                months = [_series_month(t, tz, shown) for t in times]
                for row in found["results"]:
                    groupings, stats = _row(row, shown)
                    message = str(groupings.get("flow_message_id"))
                    for index, month in enumerate(months):
                        if month not in run:
                            continue
                        values = {s: _at(stats.get(s), index, shown, s) for s in STATISTICS}
                        if any(values.values()):
                            out.setdefault(month, {})[message] = values
        return out

    def _put_email(
        self,
        monthly: dict[Month, Stats],
        campaigns: Mapping[Month, Mapping[str, Stats]],
        flows: Mapping[Month, Mapping[str, Stats]],
        with_revenue: bool,
        reasons: dict[str, str],
    ) -> None:
        for month, values in monthly.items():
            here = [*campaigns.get(month, {}).values(), *flows.get(month, {}).values()]
            for metric, statistic in EMAIL_FROM_STATISTIC.items():
                values[metric] = sum(s[statistic] for s in here)
            values["emails_automated"] = sum(s["recipients"] for s in flows.get(month, {}).values())
            values["campaigns_sent"] = float(sum(1 for s in here if s["recipients"] > 0))
            if with_revenue:
                values["revenue_attributed"] = sum(s["conversion_value"] for s in here)
        if not any(v.get("emails_sent") for v in monthly.values()):
            why = text("no_email_sent", platform=PLATFORM, first=min(monthly), last=max(monthly))
            for values in monthly.values():
                for metric in (*EMAIL_METRICS, "revenue_attributed"):
                    values.pop(metric, None)
                    reasons[metric] = why

    def _put_flows(self, monthly: dict[Month, Stats], client: HttpClient, last: Month) -> None:
        """Live flows and the behaviour-triggered ones, as of now, in the latest month."""
        live = behavioural = 0
        query = {"fields[flow]": "name,status,archived,trigger_type", "page[size]": FLOW_PAGE}
        for row in client.paginate_next(FLOWS, items="data", params=query):
            attributes = dig(row, "attributes") if isinstance(row, dict) else None
            if not isinstance(attributes, dict):
                raise malformed(f"GET {FLOWS}", "a flow without attributes", row)
            if attributes.get("status") == LIVE and not attributes.get("archived"):
                live += 1
                behavioural += attributes.get("trigger_type") in BEHAVIOURAL_TRIGGERS
        monthly[last]["workflows_active"] = float(live)
        monthly[last]["workflows_behavioral"] = float(behavioural)

    def _put_store_revenue(
        self, monthly: dict[Month, Stats], client: HttpClient, wanted: Sequence[Month], metric: str
    ) -> None:
        """The conversion metric's value per month (`POST /api/metric-aggregates`,
        `sum_value`, `interval: month`, in the audit's zone: the endpoint takes a
        `timezone`), 11 months a request."""
        shown = f"POST {METRIC_AGGREGATES}"
        for run in chunks(wanted):
            start, end = timeframe(run)["start"], timeframe(run)["end"]
            body = {
                "data": {
                    "type": "metric-aggregate",
                    "attributes": {
                        "metric_id": metric,
                        "measurements": ["sum_value"],
                        "interval": "month",
                        "filter": [
                            f"greater-or-equal(datetime,{start})",
                            f"less-than(datetime,{end})",
                        ],
                        "timezone": self.timezone,
                    },
                }
            }
            page = client.post_json(METRIC_AGGREGATES, body)
            found = dig(page, "data.attributes") if isinstance(page, dict) else None
            if not isinstance(found, dict) or not isinstance(found.get("dates"), list):
                raise malformed(shown, "no 'data.attributes.dates' list", page)
            rows = found.get("data")
            if not isinstance(rows, list):
                raise malformed(shown, "no 'data.attributes.data' list", page)
            totals = [0.0] * len(found["dates"])
            for row in rows:
                values = dig(row, "measurements.sum_value") if isinstance(row, dict) else None
                if not isinstance(values, list) or len(values) != len(totals):
                    raise malformed(shown, "a row whose sum_value does not match dates", row)
                for index, value in enumerate(values):
                    totals[index] += number(value, shown, "sum_value")
            for index, stamp in enumerate(found["dates"]):
                month = _series_month(str(stamp), self.timezone, shown)
                if month in run:
                    monthly[month]["revenue_total"] = totals[index]

    def _put_new_contacts(
        self,
        monthly: dict[Month, Stats],
        client: HttpClient,
        wanted: Sequence[Month],
        options: KlaviyoOptions,
        reasons: dict[str, str],
        tz: str,
    ) -> None:
        segment = options.new_contacts_segment
        if segment is None:
            reasons["leads_new"] = NO_SEGMENT
            return
        reported = [m for m in wanted if m >= SEGMENT_DATA_FROM]
        shown = f"POST {SEGMENT_SERIES}"
        for run in chunks(reported):
            attributes = {
                "statistics": ["members_added"],
                "timeframe": timeframe(run),
                "interval": "monthly",
                "filter": f'equals(segment_id,"{segment}")',
            }
            for found, times in self._report(
                client, SEGMENT_SERIES, "segment-series-report", attributes
            ):
                for row in found["results"]:
                    _, stats = _row(row, shown)
                    for index, stamp in enumerate(times):
                        month = _series_month(stamp, tz, shown)
                        if month in run:
                            added = _at(stats.get("members_added"), index, shown, "members_added")
                            monthly[month]["leads_new"] = added


def _series_month(stamp: str, tz: str, shown: str) -> Month:
    """The month of a series' `date_times` entry: as written when it is a midnight (the
    month start in the account's wall time, whatever offset follows it), else the
    instant's month in the account's time zone."""
    try:
        instant = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise malformed(shown, "a date_times entry that is not a date-time", stamp) from None
    if instant.time() == time(0, 0):
        return stamp[:7]
    return month_of(stamp, tz)


def _row(row: Any, shown: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(row, dict):
        raise malformed(shown, "a result that is not an object", row)
    groupings, stats = row.get("groupings"), row.get("statistics")
    if not isinstance(groupings, dict) or not isinstance(stats, dict):
        raise malformed(shown, "a result without 'groupings' and 'statistics'", row)
    return groupings, stats


def _at(series: Any, index: int, shown: str, what: str) -> float:
    if series is None:
        return 0.0
    if not isinstance(series, list) or index >= len(series):
        raise malformed(shown, f"the series {what} is shorter than date_times", series)
    return number(series[index], shown, what)


def _with_currency(data: SourceData, currency: str) -> SourceData:
    """The data in the account's `preferred_currency`, when it is an ISO 4217 code."""
    if not re.fullmatch(r"[A-Z]{3}", currency):
        return data
    return dataclasses.replace(data, currency=currency)
