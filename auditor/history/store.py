"""The history store: every recorded audit result in one SQLite file.

One row per run in `runs`, keyed by (client slug, period label, rule-pack hash,
tool version), holding the full result JSON plus indexed columns for listing
and comparing (client name, period start/end, overall score, exit code,
recorded_at); category scores in `run_scores`, one row per finding in
`run_findings`.  Recording the same key again **replaces** the earlier run
(latest wins): re-running last quarter's audit with the same packs and the same
tool gives one row, not two.  A different pack hash or tool version is a new
row; `latest()` then returns the most recently recorded of them.

Safe for several processes at once (parallel CI jobs, `auditor batch`): the
file is in WAL mode, every connection waits up to `BUSY_TIMEOUT` seconds for a
lock, and every write is one `BEGIN IMMEDIATE` transaction, so a result is
either stored whole or not at all.  Each operation opens and closes its own
connection, so a store object may be handed to worker processes.  WAL needs a
local file system (not a network share).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.errors import InputError, Problem
from auditor.history.migrations import LATEST_VERSION, MIGRATIONS

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

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_slug": self.client_slug,
            "client": self.client,
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
    "tool_version, overall_score, exit_code, exit_reason, generated_at, recorded_at"
)


def _key_fields(result: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns of a result; a HistoryError if it is not an audit result."""
    missing = []
    for key in ("client", "client_slug", "period", "rule_packs", "scores", "findings"):
        if key not in result:
            missing.append(key)
    period = result.get("period") if isinstance(result.get("period"), Mapping) else {}
    missing += [f"period.{k}" for k in ("label", "start", "end") if k not in period]
    if missing:
        raise HistoryError(f"cannot record: not an audit result (missing {', '.join(missing)})")
    tool = result.get("tool") or {}
    return {
        "client_slug": str(result["client_slug"]),
        "client_name": str(result["client"]),
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


class HistoryStore:
    """The history database at `path` (created, with its folder, on the first `record`).

    Reading a store whose file does not exist finds nothing (no file is created);
    a file that is not an auditor history store raises HistoryError.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    # ------------------------------------------------------------------ connection

    def _error(self, exc: sqlite3.Error) -> HistoryError:
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
            return HistoryError(
                Problem(
                    f"history store is busy: another process held it for more than "
                    f"{BUSY_TIMEOUT:g} s ({text}); try again",
                    str(self.path),
                )
            )
        return HistoryError(
            Problem(
                f"not a readable auditor history store ({text}); move the file aside "
                "(the next --record creates a new one) or point --store at another file",
                str(self.path),
            )
        )

    def _open(self) -> sqlite3.Connection:
        """A prepared connection (WAL, latest schema).

        SQLite answers "database is locked" at once, without waiting for the busy
        timeout, in a few cases that only concurrent creation of a new store
        meets (switching a fresh file to WAL while another process migrates it):
        those are retried briefly, never turned into a lost record.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            except sqlite3.Error as exc:
                raise self._error(exc) from None
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
                conn.execute("PRAGMA foreign_keys = ON")
                self._prepare(conn)
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() > deadline:
                    raise self._error(exc) from None
                time.sleep(0.02 + random.random() * 0.08)
            except sqlite3.Error as exc:
                conn.close()
                raise self._error(exc) from None
            except BaseException:
                conn.close()
                raise

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            yield conn
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.rollback()
            raise self._error(exc) from None
        finally:
            conn.close()

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """WAL mode and the latest schema, applying pending migrations in one transaction."""
        # Read version and tables in ONE transaction: between two autocommit reads another
        # process may commit its migration, and version 0 with tables would look foreign.
        conn.execute("BEGIN")
        try:
            version = self._check_file(conn)
        finally:
            conn.execute("COMMIT")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        if version >= LATEST_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._check_file(conn)  # another process may have migrated meanwhile
            for migration in MIGRATIONS:
                if migration.version > version:
                    for statement in migration.statements:
                        conn.execute(statement)
            if version < LATEST_VERSION:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {LATEST_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise

    def _check_file(self, conn: sqlite3.Connection) -> int:
        """The schema version; a HistoryError for a foreign or newer database."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id not in (0, APPLICATION_ID) or (
            version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        ):
            raise HistoryError(
                Problem(
                    "this SQLite database is not an auditor history store (it holds other "
                    "tables); point --store at another file",
                    str(self.path),
                )
            )
        if version > LATEST_VERSION:
            raise HistoryError(
                Problem(
                    f"the history store has schema version {version}, written by a newer "
                    f"auditor; this one knows up to {LATEST_VERSION}: upgrade auditor",
                    str(self.path),
                )
            )
        return int(version)

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        """A read transaction (one consistent snapshot), or None if there is no file."""
        if not self.exists:
            yield None
            return
        with self._connect() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    def schema_version(self) -> int:
        """The schema version of the file (opening it applies pending migrations)."""
        with self._read() as conn:
            return 0 if conn is None else int(conn.execute("PRAGMA user_version").fetchone()[0])

    # ------------------------------------------------------------------ writing

    def record(self, result: Mapping[str, Any]) -> int:
        """Store one audit result (replacing the run with the same key); its run id."""
        fields = _key_fields(result)
        text = json.dumps(_finite(dict(result)), ensure_ascii=False, allow_nan=False)
        categories = result.get("categories") or {}
        scores = result["scores"]
        score_rows = [
            (
                name,
                scores.get(name, info.get("score") if isinstance(info, Mapping) else None),
                info.get("coverage") if isinstance(info, Mapping) else None,
                int(bool(info.get("incomplete"))) if isinstance(info, Mapping) else 0,
            )
            for name, info in categories.items()
        ]
        score_rows += [
            (name, value, None, int(value is None))
            for name, value in scores.items()
            if name != "overall" and name not in categories
        ]
        finding_rows = [
            (f["rule"], f.get("category", ""), f.get("status", ""), f.get("score"), f.get("metric"))
            for f in result["findings"]
        ]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    "DELETE FROM runs WHERE client_slug = ? AND period_label = ? "
                    "AND pack_hash = ? AND tool_version = ?",
                    (
                        fields["client_slug"],
                        fields["period_label"],
                        fields["pack_hash"],
                        fields["tool_version"],
                    ),
                )
                columns = [*fields, "recorded_at", "result_json"]
                cursor = conn.execute(
                    f"INSERT INTO runs ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' for _ in columns)})",
                    (*fields.values(), _now(), text),
                )
                run_id = int(cursor.lastrowid or 0)
                conn.executemany(
                    "INSERT OR REPLACE INTO run_scores (run_id, category, score, coverage, "
                    "incomplete) VALUES (?, ?, ?, ?, ?)",
                    [(run_id, *row) for row in score_rows],
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO run_findings (run_id, rule, category, status, "
                    "score, metric) VALUES (?, ?, ?, ?, ?, ?)",
                    [(run_id, *row) for row in finding_rows],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()
                raise
        return run_id

    # ------------------------------------------------------------------ reading

    def clients(self) -> list[tuple[str, str]]:
        """(slug, name) of every recorded client, by slug; the latest name wins."""
        with self._read() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT client_slug, client_name FROM runs AS r WHERE id = ("
                "SELECT id FROM runs WHERE client_slug = r.client_slug "
                "ORDER BY recorded_at DESC, id DESC LIMIT 1) ORDER BY client_slug"
            ).fetchall()
        return [(slug, name) for slug, name in rows]

    def resolve_client(self, client: str) -> str:
        """The slug of a client given by slug or by name; HistoryError listing the known ones."""
        from auditor.config import slugify

        known = self.clients()
        text = client.strip()
        for slug, name in known:
            if text in (slug, name) or text.casefold() == name.casefold():
                return slug
        for slug, _ in known:
            if slugify(text) == slug:
                return slug
        listed = ", ".join(f"{slug} ({name})" for slug, name in known) or "none recorded yet"
        raise HistoryError(
            Problem(f"unknown client '{client}'; known clients: {listed}", str(self.path))
        )

    def runs(self, client: str | None = None, period: str | None = None) -> list[RunSummary]:
        """Recorded runs, by client slug, then period start, then recording time.

        `client` is a slug or a name (an unknown one gives no runs); `period` a label.
        """
        with self._read() as conn:
            if conn is None:
                return []
            where, args = [], []
            if client is not None:
                names = {slug for slug, name in self._clients(conn) if client in (slug, name)}
                if not names:
                    return []
                where.append(f"client_slug IN ({', '.join('?' for _ in names)})")
                args += sorted(names)
            if period is not None:
                where.append("period_label = ?")
                args.append(period)
            clause = f"WHERE {' AND '.join(where)}" if where else ""
            rows = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs {clause} "
                "ORDER BY client_slug, period_start, period_end, recorded_at, id",
                args,
            ).fetchall()
            scores: dict[int, dict[str, float | None]] = {}
            for run_id, category, score in conn.execute(
                "SELECT run_id, category, score FROM run_scores ORDER BY run_id, rowid"
            ):
                scores.setdefault(run_id, {})[category] = score
        return [
            RunSummary(
                id=row[0],
                client_slug=row[1],
                client=row[2],
                period=row[3],
                period_start=row[4],
                period_end=row[5],
                pack_hash=row[6],
                tool_version=row[7],
                overall=row[8],
                exit_code=row[9],
                exit_reason=row[10],
                generated_at=row[11],
                recorded_at=row[12],
                categories=scores.get(row[0], {}),
            )
            for row in rows
        ]

    @staticmethod
    def _clients(conn: sqlite3.Connection) -> list[tuple[str, str]]:
        return conn.execute("SELECT DISTINCT client_slug, client_name FROM runs").fetchall()

    def periods(self, client_slug: str) -> list[str]:
        """The period labels recorded for a client, oldest first."""
        with self._read() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT period_label FROM runs WHERE client_slug = ? "
                "GROUP BY period_label ORDER BY min(period_start), max(period_end), period_label",
                (client_slug,),
            ).fetchall()
        return [label for (label,) in rows]

    def latest_run(self, client_slug: str, period_label: str) -> tuple[RunSummary, dict] | None:
        """The most recently recorded run of a client's period and its full result."""
        with self._read() as conn:
            if conn is None:
                return None
            row = conn.execute(
                "SELECT id, result_json FROM runs WHERE client_slug = ? AND period_label = ? "
                "ORDER BY recorded_at DESC, id DESC LIMIT 1",
                (client_slug, period_label),
            ).fetchone()
        if row is None:
            return None
        summary = next(r for r in self.runs(client_slug, period_label) if r.id == row[0])
        return summary, json.loads(row[1])

    def latest(self, client_slug: str, period_label: str) -> dict[str, Any] | None:
        """The full result of the most recently recorded run of that client and period."""
        with self._read() as conn:
            if conn is None:
                return None
            row = conn.execute(
                "SELECT result_json FROM runs WHERE client_slug = ? AND period_label = ? "
                "ORDER BY recorded_at DESC, id DESC LIMIT 1",
                (client_slug, period_label),
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def metric_baselines(
        self, client_slug: str, period_label: str
    ) -> dict[str, float | None] | None:
        """The stored metrics of that period (undefined ones as None); None if not recorded."""
        result = self.latest(client_slug, period_label)
        return None if result is None else stored_metrics(result)

    def results(self, client: str | None = None) -> Iterator[tuple[RunSummary, dict[str, Any]]]:
        """Every recorded run with its full result, in `runs()` order."""
        summaries = self.runs(client)
        with self._read() as conn:
            if conn is None:
                return
            texts = dict(conn.execute("SELECT id, result_json FROM runs").fetchall())
        for summary in summaries:
            if summary.id in texts:
                yield summary, json.loads(texts[summary.id])
