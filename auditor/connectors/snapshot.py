"""Data snapshots: the monthly metrics a connector fetched, saved so an audit can be re-run offline.

A snapshot holds exactly what the connector returned (`SourceData`), so
`auditor run --from-snapshot FILE` computes identical numbers without
touching the platform again: the basis of reproducible, reviewable audits.
The result JSON embeds the same object under `snapshot`, so either file works.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

from auditor.connectors.filelimits import (
    MAX_CAMPAIGNS,
    MAX_CHANNEL_NAME_CHARS,
    MAX_CHANNELS,
    MAX_MONTHS,
)
from auditor.core.errors import InputError, Problem, ProblemCollector, inert, quote
from auditor.core.models import CampaignSend, Engagement, SourceData
from auditor.core.period import PeriodError, parse_month
from auditor.core.shapes import mapping_or_empty
from auditor.core.userfiles import MAX_SNAPSHOT_BYTES, read_user_file
from auditor.metrics.catalog import BASE_BY_ID

SNAPSHOT_VERSION = 1
KIND = "auditor-snapshot"
MAX_PROBLEMS = 50  # as for data files
MAX_JSON_DEPTH = 100  # far beyond a snapshot's 4 levels; json itself fails near 1,000
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def snapshot_to_json(
    data: SourceData, client: str | None = None, client_slug: str | None = None
) -> dict[str, Any]:
    """The snapshot object (plain JSON types); `currency` only when the source stated one;
    `client` and `client_slug` say whose data it is, so it is never replayed for another."""
    out: dict[str, Any] = {
        "kind": KIND,
        "schema_version": SNAPSHOT_VERSION,
        "connector": data.connector,
        "label": data.label,
        "fetched_at": data.fetched_at,
        "monthly": {m: dict(sorted(v.items())) for m, v in sorted(data.monthly.items())},
        "by_channel": {
            c: {m: dict(v) for m, v in sorted(months.items())}
            for c, months in sorted(data.by_channel.items())
        },
        "not_measured": dict(data.not_measured),
        "provenance": dict(data.provenance),
    }
    if data.currency:
        out["currency"] = data.currency
    if data.campaigns:
        out["campaigns"] = [
            {
                "id": c.campaign_id,
                "name": c.name,
                "sent_on": c.sent_on.isoformat(),
                "sent": c.sent,
                "hard_bounces": c.hard_bounces,
            }
            for c in data.campaigns
        ]
    if data.engagement is not None:
        e = data.engagement
        out["engagement"] = {
            "platform": e.platform,
            "as_of": e.as_of.isoformat(),
            "contacts_emailed": e.contacts_emailed,
            "contacts_unengaged": e.contacts_unengaged,
            "definition": e.definition,
        }
    if client is not None:
        out["client"], out["client_slug"] = client, client_slug
    return out


def snapshot_owner(document: Any) -> tuple[str, str] | None:
    """(client, client_slug) a snapshot (or a result JSON embedding one) was taken for;
    None for one written before snapshots named their client."""
    if not isinstance(document, dict):
        return None
    own = document.get("snapshot") if document.get("schema_version") else None
    for source in (own, document):
        if isinstance(source, dict) and isinstance(source.get("client_slug"), str):
            return str(source.get("client") or ""), source["client_slug"]
    return None


def _check_owner(document: Any, file: str, client: tuple[str, str], allow_other: bool) -> None:
    """Refuse (exit 2) a snapshot of another client, unless the user said it is meant."""
    owner = snapshot_owner(document)
    if owner is None or allow_other or owner[1] == client[1]:
        return
    raise InputError(
        Problem(
            f"this snapshot is of client {quote(owner[0])} ({quote(owner[1])}), but the config "
            f"audits {quote(client[0])} ({quote(client[1])}): replaying it would put one "
            "client's data in another's report; pass --snapshot-of-another-client if that is "
            "meant",
            file,
        )
    )


def _months(
    value: Any, where: str, file: str, problems: ProblemCollector
) -> dict[str, dict[str, float]]:
    if not isinstance(value, dict):
        problems.add(f"{where} must be an object of months")
        return {}
    if len(value) > MAX_MONTHS:
        raise problems.stop(
            f"{where} holds {len(value):,} months; the limit is {MAX_MONTHS:,} per series"
        )
    out: dict[str, dict[str, float]] = {}
    for month, metrics in value.items():
        try:
            parse_month(str(month))
        except PeriodError as exc:
            problems.add(f"{where}: {exc}")
            continue
        if not isinstance(metrics, dict):
            problems.add(f"{where}.{quote(month, 20)} must be an object of metric values")
            continue
        row: dict[str, float] = {}
        for metric_id, number in metrics.items():
            if metric_id not in BASE_BY_ID:
                problems.add(f"{where}.{month}: unknown base metric {quote(metric_id)}")
            elif (
                not isinstance(number, int | float)
                or isinstance(number, bool)
                or not math.isfinite(number)
                or number < 0
            ):
                problems.add(
                    f"{where}.{month}.{metric_id}: expected a number >= 0, got {inert(repr(number), 40)}"
                )
            else:
                row[metric_id] = float(number)
        out[str(month)] = row
    return out


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0 or value != int(value):
        return None
    return int(value)


def _campaigns(value: Any, problems: ProblemCollector) -> tuple[CampaignSend, ...]:
    """The per-send rows: each an object of id, name, sent_on (YYYY-MM-DD), sent and
    hard_bounces (whole numbers >= 0, hard bounces at most sent)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.add("campaigns must be a list of campaign objects")
        return ()
    if len(value) > MAX_CAMPAIGNS:
        raise problems.stop(f"campaigns holds {len(value):,} rows; the limit is {MAX_CAMPAIGNS:,}")
    out = []
    for number, row in enumerate(value, 1):
        where = f"campaigns[{number}]"
        if not isinstance(row, dict):
            problems.add(f"{where} must be an object with id, name, sent_on, sent, hard_bounces")
            continue
        sent, hard = _count(row.get("sent")), _count(row.get("hard_bounces"))
        try:
            day = date.fromisoformat(str(row.get("sent_on")))
        except ValueError:
            problems.add(
                f"{where}.sent_on: expected a date YYYY-MM-DD, got {inert(repr(row.get('sent_on')), 40)}"
            )
            continue
        if sent is None or hard is None or hard > sent:
            problems.add(
                f"{where}: sent and hard_bounces must be whole numbers >= 0, hard_bounces "
                f"at most sent; got sent={inert(repr(row.get('sent')), 20)}, "
                f"hard_bounces={inert(repr(row.get('hard_bounces')), 20)}"
            )
            continue
        ident = str(row.get("id") or "")[:MAX_CHANNEL_NAME_CHARS]
        name = str(row.get("name") or ident)[:MAX_CHANNEL_NAME_CHARS]
        out.append(CampaignSend(ident, name, day, sent, hard))
    return tuple(out)


def _engagement(value: Any, problems: ProblemCollector) -> Engagement | None:
    """The unengaged count: platform, as_of (YYYY-MM-DD), contacts_emailed and
    contacts_unengaged (whole numbers >= 0, unengaged at most emailed), definition."""
    if value is None:
        return None
    shape = (
        "engagement must be an object with platform, as_of (YYYY-MM-DD), contacts_emailed, "
        "contacts_unengaged (whole numbers >= 0, unengaged at most emailed) and definition"
    )
    if not isinstance(value, dict):
        problems.add(shape)
        return None
    mailed, unengaged = (
        _count(value.get("contacts_emailed")),
        _count(value.get("contacts_unengaged")),
    )
    platform, definition = value.get("platform"), value.get("definition")
    try:
        day = date.fromisoformat(str(value.get("as_of")))
    except ValueError:
        day = None
    if (
        day is None
        or mailed is None
        or unengaged is None
        or unengaged > mailed
        or not isinstance(platform, str)
        or not isinstance(definition, str)
    ):
        problems.add(f"{shape}; got {inert(repr(value), 120)}")
        return None
    return Engagement(platform[:40], day, mailed, unengaged, definition[:500])


def snapshot_from_json(document: Any, file: str) -> SourceData:
    """Rebuild SourceData from a snapshot object, or from a result JSON that embeds one."""
    if isinstance(document, dict) and "snapshot" in document and document.get("schema_version"):
        document = document["snapshot"]
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise InputError(
            Problem(
                "not an auditor data snapshot (expected a *.snapshot.json written by "
                "'auditor run', or an audit result JSON that contains one)",
                file,
            )
        )
    if document.get("schema_version") != SNAPSHOT_VERSION:
        raise InputError(
            Problem(
                f"snapshot schema_version {document.get('schema_version')!r} is not supported "
                f"(this auditor reads {SNAPSHOT_VERSION})",
                file,
            )
        )
    problems = ProblemCollector(file, MAX_PROBLEMS)
    monthly = _months(document.get("monthly"), "monthly", file, problems)
    by_channel_raw = document.get("by_channel") or {}
    by_channel = {}
    if isinstance(by_channel_raw, dict):
        if len(by_channel_raw) > MAX_CHANNELS:
            raise problems.stop(
                f"by_channel holds {len(by_channel_raw):,} channels; the limit is "
                f"{MAX_CHANNELS:,} channels, as for data files"
            )
        for channel, months in by_channel_raw.items():
            name = str(channel)
            if len(name) > MAX_CHANNEL_NAME_CHARS:
                problems.add(
                    f"by_channel: channel name {quote(name, 40)} is {len(name):,} characters; "
                    f"the limit is {MAX_CHANNEL_NAME_CHARS}, as for data files"
                )
                continue
            by_channel[name] = _months(months, f"by_channel.{quote(name)}", file, problems)
    not_measured = document.get("not_measured") or {}
    if not isinstance(not_measured, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in not_measured.items()
    ):
        problems.add("not_measured must map metric ids to reasons")
        not_measured = {}
    currency = document.get("currency")
    if currency is not None and not (isinstance(currency, str) and _CURRENCY.match(currency)):
        problems.add("currency must be an ISO 4217 code such as EUR or USD")
        currency = None
    campaigns = _campaigns(document.get("campaigns"), problems)
    engagement = _engagement(document.get("engagement"), problems)
    if problems.items:
        raise problems.error()
    provenance = mapping_or_empty(document.get("provenance"))
    return SourceData(
        connector=str(document.get("connector", "snapshot")),
        label=str(document.get("label", file)),
        monthly=monthly,
        fetched_at=str(document.get("fetched_at", "")),
        by_channel=by_channel,
        not_measured=not_measured,
        provenance={**provenance, "replayed_from": file},
        currency=currency,
        campaigns=campaigns,
        engagement=engagement,
    )


def load_snapshot(
    path: Path, client: tuple[str, str] | None = None, allow_other_client: bool = False
) -> SourceData:
    """Read a snapshot file; unreadable or malformed files are input errors (exit 2).

    The file is read through `read_user_file` (a regular file of at most
    `MAX_SNAPSHOT_BYTES`), and JSON nested deeper than Python can decode is
    refused at the place it passes `MAX_JSON_DEPTH`.  With `client` (name, slug), a
    snapshot taken for another client is refused unless `allow_other_client`.
    """
    name = str(path)
    raw = read_user_file(
        path,
        name,
        kind="a snapshot JSON file",
        limit=MAX_SNAPSHOT_BYTES,
        not_found="snapshot file not found",
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem(f"cannot read snapshot: not UTF-8 text (byte {exc.start})", name, line)
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"invalid JSON: {exc.msg}", name, exc.lineno, exc.colno)) from None
    except RecursionError:
        deep_line, deep_col = too_deep_at(text, MAX_JSON_DEPTH)
        raise InputError(
            Problem(
                f"invalid JSON: nested more than {MAX_JSON_DEPTH} levels deep; the limit is "
                f"{MAX_JSON_DEPTH} levels",
                name,
                deep_line,
                deep_col,
            )
        ) from None
    except ValueError as exc:  # e.g. a number with more digits than Python converts
        reason = str(exc).split(";")[0]
        raise InputError(Problem(f"invalid JSON: {reason}", name)) from None
    if client is not None:
        _check_owner(document, name, client, allow_other_client)
    return snapshot_from_json(document, name)


def too_deep_at(text: str, limit: int) -> tuple[int | None, int | None]:
    """(line, column) where JSON `text` opens its (limit+1)-th nested level, if it does."""
    depth = 0
    in_string = escaped = False
    line, line_start = 1, 0
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line, index - line_start + 1
        elif char in "]}":
            depth -= 1
        if char == "\n":
            line, line_start = line + 1, index + 1
    return None, None
