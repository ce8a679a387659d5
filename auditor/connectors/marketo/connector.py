"""The Marketo Engage connector: email and lead activities by month, trigger campaigns."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, ClassVar

from auditor.connectors.base import ConnectorOptions
from auditor.connectors.http import HttpConnector, HttpPolicy
from auditor.connectors.marketo.api import (
    ACTIVITY_NAMES,
    ACTIVITY_TYPES,
    BEHAVIOURAL_TRIGGERS,
    CAMPAIGN_PAGE,
    CHANGE_DATA_VALUE,
    COUNTED,
    DEFINITION_DIFFERENCES,
    DISTINCT,
    EMAIL_METRICS,
    LEAD_FIELDS,
    MEASURED,
    METRIC_SOURCES,
    NO_STAGE_FIELD,
    NOT_MEASURED,
    PLATFORM,
    SEND_EMAIL,
    SMART_CAMPAIGNS,
    SMART_LIST,
    STAGE_FIELDS,
    WORKFLOW_METRICS,
    describe_error,
    malformed,
    marketo_wait,
    retry_marketo,
)
from auditor.connectors.marketo.export import ActivityExport, Job, MonthTally, windows
from auditor.connectors.marketo.options import MarketoOptions
from auditor.connectors.marketo.session import MarketoSession
from auditor.connectors.timeutil import month_bounds
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.core.reasons import text


class MarketoConnector(HttpConnector):
    """Email and lead activities from monthly bulk exports; trigger smart campaigns."""

    name: ClassVar[str] = "marketo"
    description: ClassVar[str] = (
        "Marketo Engage email and new-lead activities (bulk activity export) and trigger "
        "smart campaigns (custom service client id and secret)"
    )
    Options: ClassVar[type[ConnectorOptions]] = MarketoOptions
    metrics: ClassVar[tuple[str, ...]] = MEASURED
    not_measured: ClassVar[Mapping[str, str]] = NOT_MEASURED
    metric_sources: ClassVar[Mapping[str, str]] = METRIC_SOURCES
    definition_differences: ClassVar[Mapping[str, str]] = DEFINITION_DIFFERENCES
    state_at_fetch: ClassVar[frozenset[str]] = frozenset(WORKFLOW_METRICS)
    policy: ClassVar[HttpPolicy] = HttpPolicy(
        platform=PLATFORM,
        rate=4.0,  # "100 calls/20 s" per instance, shared with its other integrations
        burst=5,
        retry_if=retry_marketo,
        rate_limit_wait=marketo_wait,
        describe=describe_error,
    )

    def _options(self) -> MarketoOptions:
        return self.options_as(MarketoOptions)

    def api_base_url(self) -> str:
        """`base_url`, else https://<munchkin id>.mktorest.com (the REST root: /identity,
        /rest and /bulk are under it)."""
        options = self._options()
        if options.base_url:
            return str(options.base_url).rstrip("/")
        return f"https://{options.munchkin_id}.mktorest.com"

    def _wall(self) -> float:
        wall: Callable[[], float] = self.transport.get("wall_clock", time.time)
        return wall()

    def _session(self, stack: ExitStack) -> MarketoSession:
        options = self._options()
        client_id, client_secret = self.secret("client_id_env"), self.secret("client_secret_env")
        variables = f"{options.client_id_env} and {options.client_secret_env}"
        secrets = (client_id, client_secret)
        identity = stack.enter_context(self.http(secrets=secrets, credential_env=variables))
        rest = stack.enter_context(self.http(secrets=secrets, credential_env=variables))
        return MarketoSession(rest, identity, secrets, variables, self._wall)

    # --- the contract ---

    def check(self) -> str:
        """A token from the Identity endpoint, then the activity types (one REST call)."""
        with ExitStack() as stack:
            session = self._session(stack)
            session.renew()
            types = self._activity_types(session)
        user = f" (API user {session.scope})" if session.scope else ""
        found = sum(1 for name in ACTIVITY_NAMES if name in types)
        return (
            f"Marketo instance at {self.api_base_url()}{user}: {len(types)} activity "
            f"types, {found} of the {len(ACTIVITY_NAMES)} this audit reads"
        )

    def fetch(self, months: Sequence[Month]) -> SourceData:
        wanted = sorted(set(months))
        now = datetime.fromtimestamp(self._wall(), UTC)
        reasons: dict[str, str] = {}
        monthly: dict[Month, dict[str, float]] = {m: {} for m in wanted}
        with ExitStack() as stack:
            session = self._session(stack)
            session.renew()
            types = self._activity_types(session)
            campaigns = self._campaigns(session)
            triggers = {str(c.get("id")) for c in campaigns if c.get("type") == "trigger"}
            active = [
                c
                for c in campaigns
                if c.get("type") == "trigger"
                and c.get("isActive") is True
                and not c.get("isSystem")
            ]
            behavioural, seen = self._behavioural(session, active)
            started = [m for m in wanted if month_bounds(m, self.timezone)[0] <= now]
            created = [w for m in started for w in windows(*self._edges(m), now)]
            chosen = {name: types[name] for name in ACTIVITY_NAMES if name in types}
            stage_ids = self._stage_fields(session, types, reasons)
            jobs = [Job(w, list(chosen.values())) for w in created] if chosen else []
            if stage_ids:
                change = types[CHANGE_DATA_VALUE]
                jobs += [Job(w, [change], list(stage_ids.values())) for w in created]
            export = ActivityExport(
                session,
                [chosen[name] for name in DISTINCT.values() if name in chosen],
                chosen.get(SEND_EMAIL),
                types.get(CHANGE_DATA_VALUE) if stage_ids else None,
                self.timezone,
            )
            tallies = export.run(started, jobs)
        for month, tally in tallies.items():
            monthly[month].update(self._values(tally, chosen, triggers))
            for metric, field_id in stage_ids.items():
                monthly[month][metric] = float(len(tally.by_field.get(str(field_id), ())))
        for metric, names in {**COUNTED, **{k: (v,) for k, v in DISTINCT.items()}}.items():
            absent = [n for n in names if n not in types]
            if absent:
                reasons[metric] = text(
                    "activity_type_missing", platform=PLATFORM, names=", ".join(absent)
                )
                for values in monthly.values():
                    values.pop(metric, None)
        if SEND_EMAIL not in types:
            reasons["emails_automated"] = reasons["emails_sent"]
            for values in monthly.values():
                values.pop("emails_automated", None)
        if started and not any(monthly[m].get("emails_sent") for m in started):
            why = text("no_email_sent", platform=PLATFORM, first=wanted[0], last=wanted[-1])
            for metric in (*EMAIL_METRICS, "emails_automated"):
                reasons.setdefault(metric, why)
                for values in monthly.values():
                    values.pop(metric, None)
        if wanted:
            monthly[wanted[-1]]["workflows_active"] = float(len(active))
            monthly[wanted[-1]]["workflows_behavioral"] = float(behavioural)
        provenance: dict[str, Any] = {
            "base_url": self.api_base_url(),
            "api_user": session.scope or None,
            "activity_type_ids": chosen,
            "stage_fields": {
                metric: getattr(self._options(), STAGE_FIELDS[metric]) for metric in stage_ids
            },
            "export_jobs": export.jobs_run,
            "export_bytes": export.bytes_read,
            "trigger_campaigns": len(triggers),
            "active_trigger_campaigns": len(active),
            "triggers_not_behavioural": sorted(seen - BEHAVIOURAL_TRIGGERS),
        }
        return self.source_data(
            {m: v for m, v in monthly.items() if v},
            label=f"Marketo instance {self.api_base_url()}",
            provenance=provenance,
            not_measured=reasons,
        )

    # --- readers ---

    def _edges(self, month: Month) -> tuple[datetime, datetime]:
        start, end = month_bounds(month, self.timezone)
        return start.astimezone(self.zone), end.astimezone(self.zone)

    def _activity_types(self, session: MarketoSession) -> dict[str, int]:
        """Activity type name -> id ("Available activity types vary by subscription")."""
        shown = f"GET {ACTIVITY_TYPES}"
        types: dict[str, int] = {}
        for kind in session.result("GET", ACTIVITY_TYPES):
            if not isinstance(kind, dict) or not isinstance(kind.get("id"), int):
                raise malformed(shown, "an activity type without a numeric 'id'", kind)
            types.setdefault(str(kind.get("name") or ""), kind["id"])
        return types

    def _stage_fields(
        self, session: MarketoSession, types: Mapping[str, int], reasons: dict[str, str]
    ) -> dict[str, int]:
        """MQL/SQL metric -> the id of the date lead field the options name (GET
        /rest/v1/leads/describe.json: `id`, `displayName`, `dataType`, `rest.name`); what
        is not named or not found gets its reason."""
        options = self._options()
        named = {m: getattr(options, o) for m, o in STAGE_FIELDS.items() if getattr(options, o)}
        for metric in STAGE_FIELDS:
            if metric not in named:
                reasons[metric] = NO_STAGE_FIELD
        if not named:
            return {}
        if CHANGE_DATA_VALUE not in types:
            for metric in named:
                reasons[metric] = text(
                    "activity_type_missing", platform=PLATFORM, names=CHANGE_DATA_VALUE
                )
            return {}
        shown = f"GET {LEAD_FIELDS}"
        dates: dict[str, int] = {}
        for lead_field in session.result("GET", LEAD_FIELDS):
            if not isinstance(lead_field, dict) or not isinstance(lead_field.get("id"), int):
                raise malformed(shown, "a lead field without a numeric 'id'", lead_field)
            rest = lead_field.get("rest")
            name = rest.get("name") if isinstance(rest, dict) else None
            if name and lead_field.get("dataType") in ("date", "datetime"):
                dates[str(name)] = lead_field["id"]
        found: dict[str, int] = {}
        for metric, name in named.items():
            if name in dates:
                found[metric] = dates[name]
            else:
                known = ", ".join(sorted(dates)[:12]) or "none"
                reasons[metric] = text(
                    "lead_field_missing", platform=PLATFORM, name=name, found=known
                )
        return found

    def _campaigns(self, session: MarketoSession) -> list[dict[str, Any]]:
        """Every smart campaign (200 a page by `offset`)."""
        shown = f"GET {SMART_CAMPAIGNS}"
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = session.result(
                "GET", SMART_CAMPAIGNS, params={"maxReturn": CAMPAIGN_PAGE, "offset": offset}
            )
            for campaign in page:
                if not isinstance(campaign, dict) or "id" not in campaign:
                    raise malformed(shown, "a smart campaign without 'id'", campaign)
                found.append(campaign)
            if len(page) < CAMPAIGN_PAGE:
                return found
            offset += len(page)
            if offset > 200_000:
                raise malformed(shown, "more than 200,000 smart campaigns", {"offset": offset})

    def _behavioural(
        self, session: MarketoSession, active: list[dict[str, Any]]
    ) -> tuple[int, set[str]]:
        """Active trigger campaigns with a behavioural trigger, and every trigger name seen
        (their smart lists' `rules.triggers`, one request each)."""
        count, seen = 0, set[str]()
        for campaign in active:
            smart_list = campaign.get("smartListId")
            if not isinstance(smart_list, int):
                continue  # no smart list to read: counted active, not behavioural
            path = SMART_LIST.format(id=smart_list)
            found = session.result("GET", path, params={"includeRules": "true"})
            rules = found[0].get("rules") if found and isinstance(found[0], dict) else None
            triggers = rules.get("triggers") if isinstance(rules, dict) else None
            if not isinstance(triggers, list):
                raise malformed(f"GET {SMART_LIST}", "no rules.triggers", found)
            names = {str(t.get("name")) for t in triggers if isinstance(t, dict)}
            seen |= names
            if names & BEHAVIOURAL_TRIGGERS:
                count += 1
        return count, seen

    @staticmethod
    def _values(
        tally: MonthTally, chosen: Mapping[str, int], triggers: set[str]
    ) -> dict[str, float]:
        values: dict[str, float] = {}
        for metric, names in COUNTED.items():
            if all(name in chosen for name in names):
                values[metric] = float(sum(tally.counts.get(chosen[n], 0) for n in names))
        for metric, name in DISTINCT.items():
            if name in chosen:
                values[metric] = float(len(tally.pairs.get(chosen[name], ())))
        if SEND_EMAIL in chosen:
            values["emails_automated"] = float(
                sum(n for campaign, n in tally.by_campaign.items() if campaign in triggers)
            )
        return values
