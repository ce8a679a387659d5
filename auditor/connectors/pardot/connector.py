"""The Account Engagement (Pardot) connector: prospects, lifecycle stages, opportunities and
Engagement Studio programs through API v5."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar, TypeVar

from auditor.connectors.base import ConnectorOptions
from auditor.connectors.http import HttpClient, HttpConnector, HttpPolicy
from auditor.connectors.pardot.api import (
    ACCOUNT,
    ACTIVITIES,
    ACTIVITY_COUNTS,
    ACTIVITY_PAIRS,
    BUSINESS_UNIT_HEADER,
    DEAL_METRICS,
    DEFAULT_BASE_URL,
    DEFINITION_DIFFERENCES,
    EMAIL_METRICS,
    EMAIL_OFF,
    HISTORIES,
    MEASURED,
    METRIC_SOURCES,
    NOT_MEASURED,
    OPPORTUNITIES,
    PAGE,
    PLATFORM,
    PROGRAMS,
    PROSPECTS,
    STAGE_METRICS,
    STAGES,
    TOKEN,
    malformed,
    pardot_wait,
    retry_pardot,
)
from auditor.connectors.pardot.options import PardotOptions
from auditor.connectors.timeutil import month_bounds, month_of
from auditor.core.errors import SourceAuthError, SourceResponseError
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.core.reasons import text

T = TypeVar("T")


def _iso(instant: datetime) -> str:
    """ISO 8601 with the offset, no fraction ('a `+` must be URL-encoded': the client
    encodes the query)."""
    return instant.isoformat(timespec="seconds")


@dataclass
class EmailTally:
    """Email activities by the month they happened: counts by type, and the distinct
    (prospect, email) pairs of opens and clicks across every query."""

    counts: dict[Month, dict[int, int]] = field(default_factory=dict)
    pairs: dict[Month, dict[int, set[tuple[Any, Any]]]] = field(default_factory=dict)
    types: frozenset[int] = frozenset(
        {t for types in ACTIVITY_COUNTS.values() for t in types} | set(ACTIVITY_PAIRS.values())
    )

    def merge(self, other: EmailTally) -> None:
        for month, by_type in other.counts.items():
            mine = self.counts.setdefault(month, {})
            for kind, n in by_type.items():
                mine[kind] = mine.get(kind, 0) + n
        for month, by_kind in other.pairs.items():
            for kind, found in by_kind.items():
                self.pairs.setdefault(month, {}).setdefault(kind, set()).update(found)

    def values(self, month: Month) -> dict[str, float]:
        if month not in self.counts:
            return {}
        by_type = self.counts[month]
        values = {
            metric: float(sum(by_type.get(t, 0) for t in types))
            for metric, types in ACTIVITY_COUNTS.items()
        }
        for metric, kind in ACTIVITY_PAIRS.items():
            values[metric] = float(len(self.pairs.get(month, {}).get(kind, ())))
        return values


class PardotConnector(HttpConnector):
    """Prospects created, MQL/SQL from lifecycle histories, opportunities, programs."""

    name: ClassVar[str] = "pardot"
    description: ClassVar[str] = (
        "Account Engagement (Pardot) prospects, MQL/SQL lifecycle, opportunities won and "
        "lost, Engagement Studio programs (Salesforce connected app)"
    )
    Options: ClassVar[type[ConnectorOptions]] = PardotOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = NOT_MEASURED
    metric_sources: ClassVar[Mapping[str, str]] = METRIC_SOURCES
    definition_differences: ClassVar[Mapping[str, str]] = DEFINITION_DIFFERENCES
    default_base_url: ClassVar[str | None] = DEFAULT_BASE_URL
    state_at_fetch: ClassVar[frozenset[str]] = frozenset({"workflows_active"})
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform=PLATFORM,
        rate=5.0,
        burst=5,
        retry_if=retry_pardot,
        rate_limit_wait=pardot_wait,
    )

    def _options(self) -> PardotOptions:
        return self.options_as(PardotOptions)

    # --- the token ---

    def _clients(self, stack: ExitStack) -> tuple[HttpClient, Callable[[], None]]:
        """The API client and a function that (re)news its token (client credentials)."""
        options = self._options()
        client_id, secret = self.secret("client_id_env"), self.secret("client_secret_env")
        variables = f"{options.client_id_env} and {options.client_secret_env}"
        login = stack.enter_context(
            self.http(
                secrets=(client_id, secret), credential_env=variables, base_url=options.login_url
            )
        )
        api = stack.enter_context(
            self.http(
                headers={BUSINESS_UNIT_HEADER: options.business_unit_id},
                secrets=(client_id, secret),
                credential_env=variables,
            )
        )

        def renew() -> None:
            form = {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            }
            try:
                page = login.parse_json(login.request("POST", TOKEN, data=form))
            except SourceResponseError as exc:
                if exc.status in (400, 401):  # "invalid_client", "invalid_grant"
                    raise SourceAuthError(
                        f"Salesforce refused the connected app's credentials in {variables} "
                        f"at {options.login_url}{TOKEN} (HTTP {exc.status}). Check the "
                        "consumer key and secret, that the client credentials flow is "
                        "enabled with a run-as user, and that login_url is the org's My Domain",
                        platform=PLATFORM,
                        variable=variables,
                        status=401,
                    ) from None
                raise
            token = page.get("access_token") if isinstance(page, dict) else None
            if not isinstance(token, str) or not token:
                raise malformed(f"POST {TOKEN}", "no 'access_token'", sorted(page or {}))
            api.add_secret(token)
            api.session.headers["Authorization"] = f"Bearer {token}"

        return api, renew

    def _retrying(self, renew: Callable[[], None], read: Callable[[], T]) -> T:
        """`read()`, once more with a new token if the API says the token expired (401)."""
        try:
            return read()
        except SourceAuthError as exc:
            if exc.status != 401:
                raise
            renew()
            return read()

    def _values(
        self, api: HttpClient, path: str, fields: str, params: Mapping[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Every record of a v5 query ("`fields=` is required on every read"), following
        `nextPageUrl`."""
        shown = f"GET {path}"
        for record in api.paginate_next(
            path,
            items="values",
            next_page="nextPageUrl",
            params={"fields": fields, "limit": PAGE, **params},
        ):
            if not isinstance(record, dict):
                raise malformed(shown, "a record that is not an object", record)
            yield record

    # --- the contract ---

    def check(self) -> str:
        """A token, then the account (its daily API call allowance and use)."""
        with ExitStack() as stack:
            api, renew = self._clients(stack)
            renew()
            account = self._account(api)
        used = account.get("apiCallsUsed")
        limit = account.get("maximumDailyApiCalls")
        calls = f": {used} of {limit} API calls used today" if limit is not None else ""
        return f"Account Engagement account {account.get('company') or account.get('id')}{calls}"

    def fetch(self, months: Sequence[Month]) -> SourceData:
        wanted = sorted(set(months))
        reasons: dict[str, str] = {}
        monthly: dict[Month, dict[str, float]] = {m: {} for m in wanted}
        email = EmailTally()
        with ExitStack() as stack:
            api, renew = self._clients(stack)
            renew()
            account = self._retrying(renew, partial(self._account, api))
            for month in wanted:
                edges = self._edges(month)
                created = self._retrying(renew, partial(self._created, api, *edges))
                monthly[month]["leads_new"] = float(created)
            stages = self._retrying(renew, partial(self._stages, api))
            wanted_stages = self._stage_ids(stages, reasons)
            if wanted_stages:
                for month in wanted:
                    edges = self._edges(month)
                    moves = partial(self._moves, api, *edges, wanted_stages)
                    monthly[month].update(self._retrying(renew, moves))
            deals, undated = self._retrying(renew, partial(self._opportunities, api, wanted))
            for month, values in deals.items():
                monthly[month].update(values)
            programs = self._retrying(renew, partial(self._programs, api))
            if self._options().read_email_activities:
                for month in wanted:
                    tally = EmailTally()  # a month's query again from scratch on a retry
                    start, end = self._edges(month)
                    # the last query reaches now: an activity updated after the window
                    # (rare) is still read, and counted in the month it happened
                    until = None if month == wanted[-1] else end
                    self._retrying(renew, partial(self._activities, api, start, until, tally))
                    email.merge(tally)
                for month in wanted:
                    monthly[month].update(email.values(month))
                self._finish_email(monthly, wanted, reasons)
            else:
                reasons.update(dict.fromkeys(EMAIL_METRICS, EMAIL_OFF))
        if wanted:
            running = [p for p in programs if str(p.get("status") or "").lower() == "running"]
            monthly[wanted[-1]]["workflows_active"] = float(len(running))
        provenance = {
            "base_url": self.api_base_url(),
            "business_unit_id": self._options().business_unit_id,
            "account": account.get("company") or account.get("id"),
            "lifecycle_stages": dict(wanted_stages),
            "opportunities_closed_without_date": undated,
            "program_statuses": sorted({str(p.get("status")) for p in programs}),
        }
        return self.source_data(
            {m: v for m, v in monthly.items() if v},
            label=f"Account Engagement {account.get('company') or ''}".strip(),
            provenance=provenance,
            not_measured=reasons,
        )

    # --- readers ---

    def _edges(self, month: Month) -> tuple[datetime, datetime]:
        """A month as the inclusive range the v5 `...AfterOrEqualTo` and
        `...BeforeOrEqualTo` filters take, in the audit's zone."""
        start, end = month_bounds(month, self.timezone)
        return start.astimezone(self.zone), (end - timedelta(seconds=1)).astimezone(self.zone)

    def _account(self, api: HttpClient) -> dict[str, Any]:
        fields = "id,company,maximumDailyApiCalls,apiCallsUsed"
        page = api.get_json(ACCOUNT, params={"fields": fields})
        if not isinstance(page, dict) or "id" not in page:
            raise malformed(f"GET {ACCOUNT}", "no 'id'", page)
        return page

    def _created(self, api: HttpClient, start: datetime, end: datetime) -> int:
        """Prospects created between `start` and `end` (not deleted)."""
        params = {
            "createdAtAfterOrEqualTo": _iso(start),
            "createdAtBeforeOrEqualTo": _iso(end),
            "orderBy": "createdAt ASC",
        }
        return sum(1 for _ in self._values(api, PROSPECTS, "id,createdAt", params))

    def _stages(self, api: HttpClient) -> dict[str, int]:
        """Lifecycle stage name -> id (not deleted)."""
        found: dict[str, int] = {}
        for stage in self._values(api, STAGES, "id,name,isDeleted", {}):
            if stage.get("isDeleted") is True:
                continue
            if not isinstance(stage.get("id"), int):
                raise malformed(f"GET {STAGES}", "a stage without a numeric 'id'", stage)
            found[str(stage.get("name") or "")] = stage["id"]
        return found

    def _stage_ids(self, stages: Mapping[str, int], reasons: dict[str, str]) -> dict[str, int]:
        options = self._options()
        chosen: dict[str, int] = {}
        by_name = {name.casefold(): number for name, number in stages.items()}
        for metric, option in STAGE_METRICS.items():
            name = getattr(options, option)
            if name.casefold() in by_name:
                chosen[metric] = by_name[name.casefold()]
            else:
                reasons[metric] = text(
                    "lifecycle_stage_missing",
                    platform=PLATFORM,
                    name=name,
                    option=option,
                    found=", ".join(sorted(stages)) or "none",
                )
        return chosen

    def _moves(
        self, api: HttpClient, start: datetime, end: datetime, stage_ids: Mapping[str, int]
    ) -> dict[str, float]:
        """Distinct prospects moving into each chosen stage between `start` and `end`."""
        params = {
            "createdAtAfterOrEqualTo": _iso(start),
            "createdAtBeforeOrEqualTo": _iso(end),
            "orderBy": "createdAt ASC",
        }
        into: dict[int, set[Any]] = {number: set() for number in stage_ids.values()}
        fields = "id,prospectId,previousStageId,nextStageId,createdAt"
        for history in self._values(api, HISTORIES, fields, params):
            target = history.get("nextStageId")
            if target in into:
                into[target].add(history.get("prospectId"))
        return {metric: float(len(into[number])) for metric, number in stage_ids.items()}

    def _opportunities(
        self, api: HttpClient, wanted: Sequence[Month]
    ) -> tuple[dict[Month, dict[str, float]], int]:
        """Won and lost opportunities by the month of `closedAt`: those updated since the
        window's start (closing one updates it)."""
        shown = f"GET {OPPORTUNITIES}"
        months = set(wanted)
        out = {m: dict.fromkeys(DEAL_METRICS, 0.0) for m in wanted}
        undated = 0
        if not wanted:
            return out, undated
        params = {"updatedAtAfterOrEqualTo": _iso(self._edges(wanted[0])[0])}
        fields = "id,closedAt,status,value,campaignId,updatedAt"
        for opportunity in self._values(api, OPPORTUNITIES, fields, params):
            status = str(opportunity.get("status") or "").lower()
            if status not in ("won", "lost"):
                continue
            closed = opportunity.get("closedAt")
            if not closed:
                undated += 1  # "if this is left blank, the closed_at timestamp ... is not set"
                continue
            month = month_of(str(closed), self.timezone)
            if month not in months:
                continue
            values = out[month]
            if status == "lost":
                values["deals_lost"] += 1
                continue
            values["deals_won"] += 1
            value = opportunity.get("value")
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise malformed(shown, "an opportunity whose 'value' is not a number", value)
                if not math.isfinite(value) or value < 0:
                    raise malformed(shown, "an opportunity whose 'value' is not an amount", value)
                values["revenue_won"] += float(value)
            if opportunity.get("campaignId") is not None:
                values["deals_won_with_source"] += 1
        return out, undated

    def _activities(
        self, api: HttpClient, start: datetime, end: datetime | None, tally: EmailTally
    ) -> None:
        """Email activities updated between `start` and `end` added to `tally` (the months
        partition every activity once; one is rarely updated after it happens), each in the
        month it happened (`createdAt`)."""
        shown = f"GET {ACTIVITIES}"
        params = {"updatedAtAfterOrEqualTo": _iso(start), "orderBy": "updatedAt ASC"}
        if end is not None:
            params["updatedAtBeforeOrEqualTo"] = _iso(end)
        fields = "id,prospectId,type,emailId,listEmailId,createdAt,updatedAt"
        for activity in self._values(api, ACTIVITIES, fields, params):
            kind = activity.get("type")
            if kind not in tally.types:
                continue
            if not isinstance(kind, int) or isinstance(kind, bool):
                raise malformed(shown, "an activity whose 'type' is not a number", activity)
            email = activity.get("emailId") or activity.get("listEmailId")
            if kind == ACTIVITY_PAIRS["unique_clicks"] and email is None:
                continue  # a click on a page or a custom redirect, not in an email
            month = month_of(str(activity.get("createdAt")), self.timezone)
            by_type = tally.counts.setdefault(month, {})
            by_type[kind] = by_type.get(kind, 0) + 1
            if kind in ACTIVITY_PAIRS.values():
                pair = (activity.get("prospectId"), email)
                tally.pairs.setdefault(month, {}).setdefault(kind, set()).add(pair)

    @staticmethod
    def _finish_email(
        monthly: dict[Month, dict[str, float]], wanted: Sequence[Month], reasons: dict[str, str]
    ) -> None:
        """Every month read has every email metric (0 where nothing happened), delivered
        derived; no Sent activity at all leaves email undefined, not 0."""
        if not wanted:
            return
        if not any(monthly[m].get("emails_sent") for m in wanted):
            why = text("no_email_sent", platform=PLATFORM, first=wanted[0], last=wanted[-1])
            for values in monthly.values():
                for metric in EMAIL_METRICS:
                    values.pop(metric, None)
            reasons.update(dict.fromkeys(EMAIL_METRICS, why))
            return
        for month in wanted:
            values = monthly[month]
            for metric in (*ACTIVITY_COUNTS, *ACTIVITY_PAIRS):
                values.setdefault(metric, 0.0)
            values["emails_delivered"] = max(0.0, values["emails_sent"] - values["bounces"])

    def _programs(self, api: HttpClient) -> list[dict[str, Any]]:
        """Engagement Studio programs, not deleted."""
        fields = "id,name,status,isDeleted"
        return [
            p for p in self._values(api, PROGRAMS, fields, {}) if p.get("isDeleted") is not True
        ]
