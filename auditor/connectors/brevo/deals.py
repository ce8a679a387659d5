"""Brevo's CRM deals: won and lost deals and the amount won, by the month they closed.

Brevo's pipelines, stages and deal attributes are the account's own, so nothing is
assumed: the won and lost stages are named in the options (by name or id) and looked
up in `GET /crm/pipeline/details/all`; the amount and close-date attributes are checked
in `GET /crm/attributes/deals` before a deal is read.  Deals are then listed stage by
stage (`GET /crm/deals?filters[attributes.deal_stage]=<stage id>`, "Pass the stage id,
retrievable from GET /crm/pipeline/details/{pipelineID}"), only those modified since the
window's start (a deal moved to a won stage in the window was modified then), and each
counts in the month of its close-date attribute.  What is missing in the account leaves
the deal metrics not measured with the reason, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditor.connectors.brevo.api import PLATFORM, malformed
from auditor.connectors.brevo.options import BrevoOptions
from auditor.connectors.http import HttpClient
from auditor.connectors.timeutil import month_of
from auditor.core.period import Month
from auditor.core.reasons import text

PIPELINES = "/crm/pipeline/details/all"
DEAL_ATTRIBUTES = "/crm/attributes/deals"
DEALS = "/crm/deals"
DEAL_PAGE = 50  # `limit`: "Number of documents per page" (default 50)
STAGE_FILTER = "filters[attributes.deal_stage]"
DEAL_METRICS = ("deals_won", "revenue_won", "deals_lost")


@dataclass
class Stage:
    """One stage of one pipeline."""

    id: str
    name: str
    pipeline: str


@dataclass
class DealsRead:
    """What the deals gave: monthly values, reasons for what they could not, provenance."""

    monthly: dict[Month, dict[str, float]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


def pipelines(client: HttpClient, bucket: str) -> list[Stage]:
    """Every stage of every pipeline (`pipeline`, `pipeline_name`, `stages[{id, name}]`)."""
    shown = f"GET {PIPELINES}"
    page = client.get_json(PIPELINES, bucket=bucket)
    if not isinstance(page, list):
        raise malformed(shown, "not a list of pipelines", page)
    stages = []
    for pipeline in page:
        if not isinstance(pipeline, dict) or not isinstance(pipeline.get("stages"), list):
            raise malformed(shown, "a pipeline without 'stages'", pipeline)
        name = str(pipeline.get("pipeline_name") or pipeline.get("pipeline") or "")
        for stage in pipeline["stages"]:
            if not isinstance(stage, dict) or not stage.get("id"):
                raise malformed(shown, "a stage without 'id'", stage)
            stages.append(Stage(str(stage["id"]), str(stage.get("name") or ""), name))
    return stages


def _resolve(wanted: Sequence[str], stages: Sequence[Stage]) -> tuple[list[Stage], list[str]]:
    """The stages named by id or by name (a name may be in several pipelines), and the
    names matching none."""
    found: list[Stage] = []
    missing: list[str] = []
    for ref in wanted:
        matches = [s for s in stages if ref == s.id or ref.casefold() == s.name.casefold()]
        if not matches:
            missing.append(ref)
        found.extend(s for s in matches if s not in found)
    return found, missing


def _attribute_types(client: HttpClient, bucket: str) -> dict[str, str]:
    """Deal attributes: internalName -> attributeTypeName."""
    shown = f"GET {DEAL_ATTRIBUTES}"
    page = client.get_json(DEAL_ATTRIBUTES, bucket=bucket)
    if not isinstance(page, list):
        raise malformed(shown, "not a list of attributes", page)
    types = {}
    for attribute in page:
        if not isinstance(attribute, dict) or not attribute.get("internalName"):
            raise malformed(shown, "an attribute without 'internalName'", attribute)
        types[str(attribute["internalName"])] = str(attribute.get("attributeTypeName") or "")
    return types


def _amount(deal: Mapping[str, Any], name: str, shown: str) -> float | None:
    value = deal.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise malformed(shown, f"a deal whose '{name}' is not a number", deal)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise malformed(shown, f"a deal whose '{name}' is not a number", deal) from None
    if not math.isfinite(number) or number < 0:
        raise malformed(shown, f"a deal whose '{name}' is not an amount", deal)
    return number


def read_deals(
    client: HttpClient,
    options: BrevoOptions,
    wanted: Sequence[Month],
    since: datetime,
    timezone: str,
    bucket: str,
) -> DealsRead:
    """Won and lost deals by close month, and the amounts won."""
    read = DealsRead()
    if not options.won_stages:
        for metric in DEAL_METRICS:
            read.reasons[metric] = text("deal_stages_unset", platform=PLATFORM)
        return read
    stages = pipelines(client, bucket)
    won, missing = _resolve(options.won_stages, stages)
    lost, missing_lost = _resolve(options.lost_stages, stages)
    missing += missing_lost
    if missing:
        known = ", ".join(sorted({f"{s.name} ({s.id})" for s in stages})) or "none"
        why = text("deal_stage_unknown", platform=PLATFORM, stages=", ".join(missing), known=known)
        for metric in DEAL_METRICS:
            read.reasons[metric] = why
        return read
    types = _attribute_types(client, bucket)
    closed, amount = options.deal_closed_attribute, options.deal_amount_attribute
    if types.get(closed) != "date":
        dates = ", ".join(sorted(k for k, v in types.items() if v == "date")) or "none"
        why = text("deal_attribute_missing", name=closed, kind="date", found=dates)
        for metric in DEAL_METRICS:
            read.reasons[metric] = why
        return read
    amount_known = types.get(amount) == "number"
    if not amount_known:
        numbers = ", ".join(sorted(k for k, v in types.items() if v == "number")) or "none"
        read.reasons["revenue_won"] = text(
            "deal_attribute_missing", name=amount, kind="number", found=numbers
        )
    for month in wanted:
        read.monthly[month] = {"deals_won": 0.0, "deals_lost": 0.0}
        if amount_known:
            read.monthly[month]["revenue_won"] = 0.0
    if not lost:
        read.reasons["deals_lost"] = text("deal_lost_unset", platform=PLATFORM)
        for values in read.monthly.values():
            values.pop("deals_lost")
    without_amount = 0
    for outcome, chosen in (("deals_won", won), ("deals_lost", lost)):
        for stage in chosen:
            for deal in _deals_in(client, stage, since, bucket):
                attributes = deal["attributes"]
                shown = f"GET {DEALS}"
                when = attributes.get(closed)
                if when in (None, ""):
                    continue  # closed with no date: no month to count it in
                # a date attribute is a calendar date, sent as midnight UTC: its date
                # part is the day, whatever the audit's zone
                month = month_of(str(when)[:10], timezone)
                if month not in read.monthly:
                    continue
                read.monthly[month][outcome] += 1.0
                if outcome == "deals_won" and amount_known:
                    value = _amount(attributes, amount, shown)
                    if value is None:
                        without_amount += 1
                    else:
                        read.monthly[month]["revenue_won"] += value
    read.provenance = {
        "won_stages": [f"{s.pipeline} / {s.name} ({s.id})" for s in won],
        "lost_stages": [f"{s.pipeline} / {s.name} ({s.id})" for s in lost],
        "deal_closed_attribute": closed,
        "deal_amount_attribute": amount if amount_known else None,
        "deals_won_without_amount": without_amount,
    }
    return read


def _deals_in(
    client: HttpClient, stage: Stage, since: datetime, bucket: str
) -> list[dict[str, Any]]:
    """Deals now in `stage`, modified since `since`."""
    shown = f"GET {DEALS}"
    params = {
        STAGE_FILTER: stage.id,
        "modifiedSince": since.isoformat(timespec="milliseconds"),
        "sort": "asc",
    }
    out = []
    for deal in client.paginate_offset(
        DEALS,
        items="items",
        params=params,
        limit_param="limit",
        page_size=DEAL_PAGE,
        bucket=bucket,
    ):
        if not isinstance(deal, dict) or not isinstance(deal.get("attributes"), dict):
            raise malformed(shown, "a deal without 'attributes'", deal)
        if str(deal["attributes"].get("deal_stage", stage.id)) != stage.id:
            continue  # the filter is Brevo's; a deal in another stage is not counted
        out.append(deal)
    return out
