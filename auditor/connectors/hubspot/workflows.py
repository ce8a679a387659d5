"""Workflows: the enabled marketing flows, and which of them enrol on behaviour."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from auditor.connectors.http import HttpClient, dig
from auditor.connectors.hubspot.api import (
    BATCH_SIZE,
    BEHAVIORAL_FILTERS,
    FLOWS,
    FLOWS_BATCH,
    MARKETING_OBJECTS,
    OBJECT_NAMES,
    _malformed,
)
from auditor.connectors.hubspot.state import RunState
from auditor.connectors.timeutil import (
    month_bounds,
    parse_instant,
    to_iso_z,
)
from auditor.core.errors import (
    SourceNotFoundError,
    SourceResponseError,
)


class WorkflowSection(RunState):
    """The flows stock as of the latest fetched month."""

    def _workflows(self, client: HttpClient) -> None:
        as_of = self.months[-1]
        end = min(month_bounds(as_of, self.tz)[1], self.now)
        listing = list(client.paginate_cursor(FLOWS, items="results", params={"limit": 100}))
        counted: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        others: Counter[str] = Counter()  # enabled flows of other objects, by object
        for flow in listing:
            if not isinstance(flow, dict) or "id" not in flow:
                raise _malformed(f"GET {FLOWS}", "a flow without an id", flow)
            why_not = _not_counted(flow, end)
            row = {
                "id": str(flow["id"]),
                "name": flow.get("name"),
                "enabled": flow.get("isEnabled") is True,
                "flowType": flow.get("flowType"),
                "objectTypeId": _object_type(flow),
                "counted": why_not is None,
            }
            if why_not:
                row["why"] = why_not
                if why_not.startswith("enrolls "):
                    others[_object_name(_object_type(flow))] += 1
            else:
                counted.append(flow)
            rows.append(row)
        details = self._flow_details(client, [str(f["id"]) for f in counted])
        behavioral = 0
        by_id = {r["id"]: r for r in rows}
        for flow in counted:
            trigger, is_behavioral, why = classify_trigger(details.get(str(flow["id"])))
            by_id[str(flow["id"])].update(trigger=trigger, behavioral=is_behavioral, why=why)
            behavioral += is_behavioral
        self._put(
            as_of,
            {"workflows_active": float(len(counted)), "workflows_behavioral": float(behavioral)},
        )
        self.workflows = {
            "as_of_month": as_of,
            "state_read_at": to_iso_z(self.now),
            "note": (
                "the flows API (v4) gives no history of a flow's on/off state: the count is the "
                f"flows enabled when fetched and created before {to_iso_z(end)}, given to {as_of} "
                "only; earlier months are not measured"
            ),
            "counted_objects": "contacts (objectTypeId 0-1) and companies (0-2)",
            "enabled_other_objects": dict(sorted(others.items())),
            "flows": rows,
        }

    def _flow_details(self, client: HttpClient, ids: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        try:
            for at in range(0, len(ids), BATCH_SIZE):
                chunk = ids[at : at + BATCH_SIZE]
                body = {"inputs": [{"type": "FLOW_ID", "flowId": i} for i in chunk]}
                page = client.post_json(FLOWS_BATCH, body)
                results = page.get("results") if isinstance(page, dict) else None
                if not isinstance(results, list):
                    raise _malformed(f"POST {FLOWS_BATCH}", "no 'results' list", page)
                for flow in results:
                    if isinstance(flow, dict) and "id" in flow:
                        found[str(flow["id"])] = flow
        except SourceNotFoundError:
            # A server without the batch endpoint: read the enabled flows one by one.
            for flow_id in ids:
                if flow_id in found:
                    continue
                try:
                    flow = client.get_json(f"{FLOWS}/{flow_id}")
                except SourceNotFoundError:
                    continue  # deleted since the listing: its trigger stays unknown
                if isinstance(flow, dict):
                    found[flow_id] = flow
        return found


def classify_trigger(flow: Mapping[str, Any] | None) -> tuple[str, bool, str]:
    """(trigger kind, behavioural?, why) of a v4 flow's enrollment settings."""
    if not isinstance(flow, Mapping):
        return "UNKNOWN", False, "the flow's details could not be read"
    if flow.get("enrollmentSchedule"):
        kind = dig(flow, "enrollmentSchedule.type") or "SCHEDULED"
        return f"SCHEDULED_{kind}", False, "enrolls on a schedule (date-based)"
    if flow.get("eventAnchor"):
        return "DATE_ANCHORED", False, "centred on a date (contact property or fixed date)"
    criteria = flow.get("enrollmentCriteria")
    kind = str(criteria.get("type", "")).upper() if isinstance(criteria, Mapping) else ""
    if kind == "EVENT_BASED":
        return kind, True, "enrolls when an event happens"
    if kind == "MANUAL":
        return kind, False, "enrolled by hand"
    if kind == "LIST_BASED":
        found = sorted(_behavior_filters(criteria))
        if found:
            return kind, True, f"list-based on behaviour: {', '.join(found)}"
        return kind, False, "list-based on properties or list membership only"
    return kind or "UNKNOWN", False, "no recognised enrollment criteria"


def _behavior_filters(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, Mapping):
        kind = str(node.get("filterType", "")).upper()
        if kind in BEHAVIORAL_FILTERS:
            found.add(kind)
        elif kind == "PROPERTY" and "score" in str(node.get("property", "")).lower():
            found.add(f"score property {node.get('property')}")
        if str(node.get("filterBranchType", "")).upper() == "UNIFIED_EVENTS":
            found.add("UNIFIED_EVENTS")
        for value in node.values():
            found |= _behavior_filters(value)
    elif isinstance(node, list):
        for item in node:
            found |= _behavior_filters(item)
    return found


def _object_type(flow: Mapping[str, Any]) -> str | None:
    """A flow's objectTypeId as a string (None when absent or not a scalar)."""
    value = flow.get("objectTypeId")
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _object_name(code: str | None) -> str:
    """'deals (0-3)', 'custom objects (2-123)', 'an unknown object' for a flow's objectTypeId."""
    if code is None:
        return "an unknown object (no objectTypeId)"
    name = OBJECT_NAMES.get(code) or ("custom objects" if code.startswith("2-") else "objects")
    return f"{name} ({code})"


def _not_counted(flow: Mapping[str, Any], end: datetime) -> str | None:
    """Why an enabled flow is not counted as marketing automation (None: it is)."""
    if flow.get("isEnabled") is not True:
        return "disabled"
    if str(flow.get("flowType", "")).upper() == "ACTION_SET":
        return "an action set, not a workflow"
    if _object_type(flow) not in MARKETING_OBJECTS:
        return (
            f"enrolls {_object_name(_object_type(flow))}, not contacts or companies: "
            "not marketing automation"
        )
    created = flow.get("createdAt")
    if created:
        try:
            if parse_instant(created) >= end:
                return "created after the month"
        except SourceResponseError:
            pass
    return None


def _codes(value: Any) -> list[str]:
    """The currency codes of a list (anything else: none), as the portal gave them."""
    return [str(code) for code in value] if isinstance(value, list) else []
