"""The history store: every recorded audit result in one SQLite file.

One row per run in `runs`, keyed by (client slug, period label, rule-pack hash,
tool version), holding the full result JSON plus indexed columns for listing
and comparing (client name, period start/end, overall score, exit code,
recorded_at); category scores in `run_scores`, one row per finding in
`run_findings`.  Recording the same key again **replaces** the earlier run
(latest wins): re-running last quarter's audit with the same packs and the same
tool gives one row, not two.  A different pack hash or tool version is a new
row; `latest()` then returns the most recently recorded of them.

Whose run a row is (`ClientIdentity`, auditor/core/identity.py): the config's
`client_id` when it has one (`runs.client_id`, and then also the key), else the
exact client name (`runs.client_name`, client_id NULL).  A key never holds two
clients: recording a client under a key that holds another client's runs is
refused (HistoryError naming both) and changes nothing, and every read of "a
client's runs" selects by identity, never by key alone, so two clients whose names
give one slug ('Acme S.A.', 'ACME, S.A.') never see each other's audits.  Runs of
a client recorded before identities, under its old ASCII slug, are still its own
(they carry its name).

Reading never writes: it opens the file read-only (`mode=ro`), never creates or
migrates it, and reads a store of an older schema as it is.  Only `record`
creates the file and applies the migrations.

Safe for several processes at once (parallel CI jobs, `auditor batch`): the
file is in WAL mode, every connection waits up to `BUSY_TIMEOUT` seconds for a
lock, and every write is one `BEGIN IMMEDIATE` transaction, so a result is
either stored whole or not at all.  Each operation opens and closes its own
connection, so a store object may be handed to worker processes.  WAL needs a
local file system (not a network share)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from auditor.core.errors import Problem, inert
from auditor.core.identity import ClientIdentity, legacy_slug, slugify
from auditor.history.migrations import LATEST_VERSION
from auditor.history.records import (
    _RESULT_SHAPE,
    _SUMMARY_COLUMNS,
    _SUMMARY_TYPES,
    ClientRef,
    HistoryError,
    RunSummary,
    _finite,
    _identity_filter,
    _key_fields,
    _Known,
    _listed,
    _now,
    _owned_by,
    _Reader,
    shared_key_message,
    stored_metrics,
)
from auditor.history.storefile import StoreFile


class HistoryStore(StoreFile):
    """The history database at `path` (created, with its folder, on the first `record`).

    Reading a store whose file does not exist finds nothing (no file is created);
    a file that is not an auditor history store raises HistoryError.  A client is
    given to the reading methods as a `ClientIdentity` (exactly that client's runs)
    or as text: a key, client_id or name, as `identify` finds it.
    """

    def record(self, result: Mapping[str, Any]) -> int:
        """Store one audit result (replacing the run with the same key); its run id.

        Refused (HistoryError, nothing changed) when the result's key holds the runs
        of another client (`shared_key_message`).  Runs this client recorded
        under its key before its config had a client_id, and those under its old
        ASCII slug, are moved to its identity and key in the same transaction.
        """
        fields = _key_fields(result)
        identity = ClientIdentity(fields["client_name"], fields["client_id"])
        key = fields["client_slug"]
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
        self._make_folder()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                others = self._others(_Reader(conn, LATEST_VERSION), key, identity)
                if others:
                    raise HistoryError(
                        Problem(shared_key_message(key, identity, others), str(self.path))
                    )
                self._adopt(conn, key, identity)
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

    @staticmethod
    def _adopt(conn: sqlite3.Connection, key: str, client: ClientIdentity) -> None:
        """Make the client's earlier runs its own: those under its key recorded by name
        take its client_id; those under its old ASCII slug move to its key (a run
        the key already has for that period, packs and tool stays where it is)."""
        if client.client_id is not None:
            conn.execute(
                "UPDATE runs SET client_id = ? "
                "WHERE client_slug = ? AND client_id IS NULL AND client_name = ?",
                (client.client_id, key, client.name),
            )
            return
        old = legacy_slug(client.name)
        if old != key and slugify(client.name) == key:
            conn.execute(
                "UPDATE OR IGNORE runs SET client_slug = ? "
                "WHERE client_slug = ? AND client_id IS NULL AND client_name = ?",
                (key, old, client.name),
            )

    # ------------------------------------------------------------------ reading

    def _known(self, reader: _Reader) -> list[_Known]:
        """Every recorded client, by key (see `_identity_filter` for who owns which run)."""
        rows = reader.execute(
            f"SELECT client_slug, client_name, {reader.id_column} FROM runs "
            "ORDER BY recorded_at, id"
        ).fetchall()
        explicit: dict[str, _Known] = {}
        for _, name, client_id in rows:
            if client_id is not None:  # the latest name of a client_id wins
                explicit[client_id] = _Known(ClientIdentity(name, client_id), [client_id])
        by_name: dict[str, _Known] = {}
        for key, name, client_id in rows:
            if client_id is not None:
                continue
            owner = explicit.get(key)
            if owner is not None and owner.identity.name == name:
                continue  # recorded before its config had the client_id: that client's
            known = by_name.setdefault(name, _Known(ClientIdentity(name), []))
            if key in known.keys:
                known.keys.remove(key)
            known.keys.append(key)
        found = [*explicit.values(), *by_name.values()]
        return sorted(found, key=lambda k: (k.key, k.identity.name))

    def _identify(self, reader: _Reader, client: ClientRef) -> ClientIdentity | None:
        if isinstance(client, ClientIdentity):
            return client
        known = self._known(reader)
        text = client.strip()
        if not text:
            return None
        folded = text.casefold()
        tiers: tuple[Callable[[_Known], bool], ...] = (
            lambda k: k.identity.client_id == text,
            lambda k: k.identity.name == text,
            lambda k: text in k.keys,
            lambda k: any(
                v.casefold() == folded for v in (k.identity.name, *k.keys) if v is not None
            ),
        )
        for matches_tier in tiers:
            matches = [k for k in known if matches_tier(k)]
            if len(matches) == 1:
                return matches[0].identity
            if len(matches) > 1:
                listed = ", ".join(_listed(k) for k in matches)
                raise HistoryError(
                    Problem(
                        f"'{client}' matches more than one recorded client: {listed}; give the "
                        "one you mean by its exact name, client_id or key",
                        str(self.path),
                    )
                )
        return None

    def identify(self, client: ClientRef) -> ClientIdentity | None:
        """The recorded client meant by a key, client_id or name (exact, else ignoring case).

        None if no recorded client matches; HistoryError if several do (two clients
        whose runs share an old key, e.g. two non-Latin names recorded as 'client').
        """
        with self._read() as reader:
            return None if reader is None else self._identify(reader, client)

    def clients(self) -> list[tuple[str, str]]:
        """(key, name) of every recorded client, by key; the latest name wins."""
        with self._read() as reader:
            if reader is None:
                return []
            return [(k.key, k.identity.name) for k in self._known(reader)]

    def resolve_client(self, client: str) -> ClientIdentity:
        """The recorded client meant by `client`; HistoryError listing the known ones."""
        found = self.identify(client)
        if found is not None:
            return found
        with self._read() as reader:
            known = [] if reader is None else self._known(reader)
        listed = ", ".join(_listed(k) for k in known) or "none recorded yet"
        raise HistoryError(
            Problem(f"unknown client '{client}'; known clients: {listed}", str(self.path))
        )

    def other_clients(self, key: str, client: ClientIdentity) -> list[ClientIdentity]:
        """The clients other than `client` whose runs are under `key` (none: it may record)."""
        with self._read() as reader:
            return [] if reader is None else self._others(reader, key, client)

    @staticmethod
    def _others(reader: _Reader, key: str, client: ClientIdentity) -> list[ClientIdentity]:
        rows = reader.execute(
            f"SELECT DISTINCT {reader.id_column}, client_name FROM runs WHERE client_slug = ? "
            "ORDER BY 1, 2",
            (key,),
        ).fetchall()
        others: dict[str | None, ClientIdentity] = {}
        for client_id, name in rows:
            if not _owned_by(client, client_id, name):
                others.setdefault(client_id or name, ClientIdentity(name, client_id))
        return list(others.values())

    def runs(self, client: ClientRef | None = None, period: str | None = None) -> list[RunSummary]:
        """Recorded runs, by key, then period start, then recording time.

        `client` is one client (an identity, or a key, client_id or name: an unknown
        one gives no runs); `period` a label.
        """
        with self._read() as reader:
            if reader is None:
                return []
            where, args = [], []
            if client is not None:
                identity = self._identify(reader, client)
                if identity is None:
                    return []
                clause, values = _identity_filter(identity, reader.id_column)
                where.append(clause)
                args += values
            if period is not None:
                where.append("period_label = ?")
                args.append(period)
            clause = f"WHERE {' AND '.join(where)}" if where else ""
            columns = _SUMMARY_COLUMNS.format(client_id=reader.id_column)
            rows = reader.execute(
                f"SELECT {columns} FROM runs {clause} "
                "ORDER BY client_slug, period_start, period_end, recorded_at, id",
                args,
            ).fetchall()
            scores: dict[int, dict[str, float | None]] = {}
            for run_id, category, score in reader.execute(
                "SELECT run_id, category, score FROM run_scores ORDER BY run_id, rowid"
            ):
                if score is not None and not isinstance(score, int | float):
                    raise self._damaged(run_id, f"its {inert(category, 40)} score is not a number")
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
                client_id=row[13],
            )
            for row in map(self._checked_row, rows)
        ]

    def periods(self, client: ClientRef) -> list[str]:
        """The period labels recorded for a client, oldest first."""
        with self._read() as reader:
            if reader is None or (identity := self._identify(reader, client)) is None:
                return []
            clause, args = _identity_filter(identity, reader.id_column)
            rows = reader.execute(
                f"SELECT period_label FROM runs WHERE {clause} "
                "GROUP BY period_label ORDER BY min(period_start), max(period_end), period_label",
                args,
            ).fetchall()
        return [label for (label,) in rows]

    def _latest_row(self, client: ClientRef, period_label: str) -> tuple[int, str] | None:
        with self._read() as reader:
            if reader is None or (identity := self._identify(reader, client)) is None:
                return None
            clause, args = _identity_filter(identity, reader.id_column)
            row = reader.execute(
                f"SELECT id, result_json FROM runs WHERE {clause} AND period_label = ? "
                "ORDER BY recorded_at DESC, id DESC LIMIT 1",
                (*args, period_label),
            ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def latest_run(
        self, client: ClientRef, period_label: str
    ) -> tuple[RunSummary, dict[str, Any]] | None:
        """The most recently recorded run of a client's period and its full result."""
        found = self._latest_row(client, period_label)
        if found is None:
            return None
        summary = next(r for r in self.runs(client, period_label) if r.id == found[0])
        return summary, self._result(found[0], found[1])

    def latest(self, client: ClientRef, period_label: str) -> dict[str, Any] | None:
        """The full result of the most recently recorded run of that client and period."""
        found = self._latest_row(client, period_label)
        return None if found is None else self._result(found[0], found[1])

    def metric_baselines(
        self, client: ClientRef, period_label: str
    ) -> dict[str, float | None] | None:
        """The stored metrics of that period (undefined ones as None); None if not recorded."""
        result = self.latest(client, period_label)
        return None if result is None else stored_metrics(result)

    def results(
        self, client: ClientRef | None = None
    ) -> Iterator[tuple[RunSummary, dict[str, Any]]]:
        """Every recorded run with its full result, in `runs()` order."""
        summaries = self.runs(client)
        with self._read() as reader:
            if reader is None:
                return
            texts = dict(reader.execute("SELECT id, result_json FROM runs").fetchall())
        for summary in summaries:
            if summary.id in texts:
                yield summary, self._result(summary.id, texts[summary.id])

    def _damaged(self, run_id: Any, what: str) -> HistoryError:
        return HistoryError(
            Problem(
                f"run {inert(run_id, 40)} of this history store is damaged ({what}); "
                "move the file aside (the next --record creates a new one) or point "
                "--store at another file",
                str(self.path),
            )
        )

    def _result(self, run_id: Any, text: Any) -> dict[str, Any]:
        """A stored result, parsed and checked for the shape readers rely on: a damaged
        row is the store's problem (exit 2 naming the store), not a crash."""
        try:
            result = json.loads(text)
        except (TypeError, ValueError, RecursionError) as exc:
            raise self._damaged(run_id, f"its result_json is not JSON: {exc}") from None
        if not isinstance(result, dict):
            raise self._damaged(run_id, "its result_json is not a JSON object")
        for key, kind in _RESULT_SHAPE.items():
            if key in result and not isinstance(result[key], kind):
                raise self._damaged(run_id, f"its result's {key} is not a {kind.__name__}")
        findings = result.get("findings", [])
        if not all(isinstance(f, dict) for f in findings):
            raise self._damaged(run_id, "its result's findings are not all objects")
        return result

    def _checked_row(self, row: Sequence[Any]) -> Sequence[Any]:
        """A `runs` row whose columns have the types written by `record`."""
        for index, (column, kinds) in enumerate(_SUMMARY_TYPES):
            value = row[index]
            if not isinstance(value, kinds) or isinstance(value, bool):
                raise self._damaged(row[0], f"column {column} holds {inert(repr(value), 60)}")
        return row
