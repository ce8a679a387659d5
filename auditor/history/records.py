"""What a stored run is: its summary, the key fields indexed, the identity it belongs to,
and the errors reading or writing one raises."""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from auditor.core.errors import InputError
from auditor.core.identity import CLIENT_ID_RULE, ClientIdentity
from auditor.core.shapes import mapping_or_empty
from auditor.history.migrations import CLIENT_ID_SINCE

BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one to finish
APPLICATION_ID = 0x41554454  # "AUDT": marks the file as an auditor history store


class HistoryError(InputError):
    """The store cannot be used (missing, corrupt, foreign or newer file; unknown
    client or period): a bad input, exit 2."""


def pack_hash(result: Mapping[str, Any]) -> str:
    """sha256 (hex) of the result's rule-pack hashes, sorted and joined by newlines."""
    hashes = sorted(str(p.get("sha256", "")) for p in result.get("rule_packs", []))
    return hashlib.sha256("\n".join(hashes).encode("utf-8")).hexdigest()


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such values become null (as in the JSON output)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


@dataclass(frozen=True)
class RunSummary:
    """One recorded run as `auditor history list` shows it."""

    id: int
    client_slug: str
    client: str
    period: str
    period_start: str
    period_end: str
    pack_hash: str
    tool_version: str
    overall: float | None
    exit_code: int | None
    exit_reason: str | None
    generated_at: str | None
    recorded_at: str
    categories: Mapping[str, float | None] = field(default_factory=dict)
    client_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_slug": self.client_slug,
            "client": self.client,
            "client_id": self.client_id,
            "period": self.period,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "pack_hash": self.pack_hash,
            "tool_version": self.tool_version,
            "scores": {"overall": self.overall, **self.categories},
            "exit_code": self.exit_code,
            "exit_reason": self.exit_reason,
            "generated_at": self.generated_at,
            "recorded_at": self.recorded_at,
        }


_SUMMARY_COLUMNS = (
    "id, client_slug, client_name, period_label, period_start, period_end, pack_hash, "
    "tool_version, overall_score, exit_code, exit_reason, generated_at, recorded_at, {client_id}"
)
# The type of each `runs` column `runs()` reads, as `record` writes it (None: NULL allowed).
_SUMMARY_TYPES: tuple[tuple[str, tuple[type, ...]], ...] = (
    ("id", (int,)),
    ("client_slug", (str,)),
    ("client_name", (str,)),
    ("period_label", (str,)),
    ("period_start", (str,)),
    ("period_end", (str,)),
    ("pack_hash", (str,)),
    ("tool_version", (str,)),
    ("overall_score", (int, float, type(None))),
    ("exit_code", (int, type(None))),
    ("exit_reason", (str, type(None))),
    ("generated_at", (str, type(None))),
    ("recorded_at", (str,)),
    ("client_id", (str, type(None))),
)
# Parts of a stored result that readers (show, diff, --baseline) index into.
_RESULT_SHAPE: dict[str, type] = {
    "findings": list,
    "metrics": dict,
    "scores": dict,
    "period": dict,
    "analysis": dict,
}
ClientRef = str | ClientIdentity  # a slug, client_id or name as typed; or an exact identity


def _key_fields(result: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns of a result; a HistoryError if it is not an audit result."""
    missing = []
    for key in ("client", "client_slug", "period", "rule_packs", "scores", "findings"):
        if key not in result:
            missing.append(key)
    period = mapping_or_empty(result.get("period"))
    missing += [f"period.{k}" for k in ("label", "start", "end") if k not in period]
    if missing:
        raise HistoryError(f"cannot record: not an audit result (missing {', '.join(missing)})")
    tool = result.get("tool") or {}
    client_id = result.get("client_id")
    return {
        "client_slug": str(result["client_slug"]),
        "client_name": str(result["client"]),
        "client_id": None if client_id is None else str(client_id),
        "period_label": str(period["label"]),
        "period_start": str(period["start"]),
        "period_end": str(period["end"]),
        "pack_hash": pack_hash(result),
        "tool_version": str(tool.get("version", "unknown")),
        "schema_version": int(result.get("schema_version", 1)),
        "language": result.get("language"),
        "generated_at": result.get("generated_at"),
        "overall_score": result["scores"].get("overall"),
        "exit_code": result.get("exit_code"),
        "exit_reason": result.get("exit_reason"),
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stored_metrics(result: Mapping[str, Any]) -> dict[str, float | None]:
    """A result's metrics by id: defined ones with their value, undefined ones as None."""
    out: dict[str, float | None] = {}
    for metric_id in result.get("undefined") or {}:
        out[metric_id] = None
    for metric_id, info in (result.get("metrics") or {}).items():
        value = info.get("value") if isinstance(info, Mapping) else None
        out[metric_id] = float(value) if isinstance(value, int | float) else None
    return out


def _identity_filter(client: ClientIdentity, id_column: str) -> tuple[str, list[str]]:
    """SQL selecting exactly `client`'s runs: by client_id, or by exact name.

    A config with a client_id also owns the runs recorded under that key, by its
    name, before it had the client_id (they become its own when it next records).
    """
    if client.client_id is not None:
        return (
            f"({id_column} = ? OR ({id_column} IS NULL AND client_slug = ? AND client_name = ?))",
            [client.client_id, client.client_id, client.name],
        )
    return f"({id_column} IS NULL AND client_name = ?)", [client.name]


def _owned_by(client: ClientIdentity, client_id: str | None, name: str) -> bool:
    """Whether a row (under `client`'s own key) with this client_id and name is `client`'s."""
    if client_id is not None:
        return client_id == client.client_id
    return name == client.name


def shared_key_message(key: str, client: ClientIdentity, others: list[ClientIdentity]) -> str:
    """Why `client` may not record under `key`, and what to do about it."""
    held = ", ".join(o.describe() for o in others)
    if client.client_id is None:
        fix = f"add a client_id to the config of {client.describe()} ({CLIENT_ID_RULE})"
    else:
        fix = "choose another client_id for one of them"
    return (
        f"the history key '{key}' already holds the audits of {held}, not of "
        f"{client.describe()}: two clients cannot share one history; {fix}. The history "
        "was not changed"
    )


@dataclass
class _Known:
    """A client recorded in the store, as `auditor history` lists and finds it."""

    identity: ClientIdentity
    keys: list[str]  # every key its runs are under, latest last

    @property
    def key(self) -> str:
        return self.keys[-1]


# SQLite's answers when a read-only user opens a WAL file it cannot make a -shm for.
_READ_ONLY_FOLDER = frozenset(
    {"SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_CANTINIT", "SQLITE_CANTOPEN"}
)


@dataclass(frozen=True)
class _Reader:
    """A read transaction on a store of schema `version` (which may be older than ours)."""

    conn: sqlite3.Connection
    version: int

    @property
    def id_column(self) -> str:
        """`runs.client_id`, or NULL on a store older than client identities."""
        return "client_id" if self.version >= CLIENT_ID_SINCE else "NULL"

    def execute(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, args)


def _listed(known: _Known) -> str:
    identity = known.identity
    if identity.client_id is not None:
        return f"{identity.client_id} ({identity.name})"
    return f"{known.key} ({identity.name})"
