"""The history store's schema, as numbered migrations applied in order.

The database records the schema it is at in `PRAGMA user_version` (0 for a new,
empty file).  Opening a store to write applies every migration above that number, in
order, inside one `BEGIN IMMEDIATE` transaction together with the new
`user_version`: a crash half-way leaves the file at the old version, and two
processes opening a new file at once cannot both apply a migration (the second
waits for the first, then finds nothing left to do).

Rules for adding one: append, never edit a released migration; keep each step
a list of single statements (the transaction is ours, so no `executescript`,
which would commit it); a data backfill is plain SQL over `runs.result_json`.  Reading never migrates
(`auditor history` may read a store it cannot write): the reading queries of
store.py must also work on every older version, e.g. `client_id` is read as NULL
below version 3 (`CLIENT_ID_SINCE`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "runs keyed by client, period, rule-pack hash and tool version; category scores",
        (
            """
            CREATE TABLE runs (
                id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused
                client_slug    TEXT    NOT NULL,
                client_name    TEXT    NOT NULL,
                period_label   TEXT    NOT NULL,
                period_start   TEXT    NOT NULL,
                period_end     TEXT    NOT NULL,
                pack_hash      TEXT    NOT NULL,
                tool_version   TEXT    NOT NULL,
                schema_version INTEGER NOT NULL,
                language       TEXT,
                generated_at   TEXT,
                recorded_at    TEXT    NOT NULL,
                overall_score  REAL,
                exit_code      INTEGER,
                exit_reason    TEXT,
                result_json    TEXT    NOT NULL,
                UNIQUE (client_slug, period_label, pack_hash, tool_version)
            )
            """,
            "CREATE INDEX runs_by_client_period ON runs (client_slug, period_start, recorded_at)",
            "CREATE INDEX runs_by_recorded ON runs (recorded_at)",
            """
            CREATE TABLE run_scores (
                run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                category   TEXT    NOT NULL,
                score      REAL,
                coverage   REAL,
                incomplete INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (run_id, category)
            )
            """,
        ),
    ),
    Migration(
        2,
        "one row per finding (rule, status, score) for queries across runs and clients",
        (
            """
            CREATE TABLE run_findings (
                run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                rule     TEXT    NOT NULL,
                category TEXT    NOT NULL,
                status   TEXT    NOT NULL,
                score    REAL,
                metric   TEXT,
                PRIMARY KEY (run_id, rule)
            )
            """,
            "CREATE INDEX run_findings_by_status ON run_findings (status, rule)",
            # Backfill the runs recorded before this table existed.
            """
            INSERT OR IGNORE INTO run_findings (run_id, rule, category, status, score, metric)
            SELECT runs.id,
                   json_extract(f.value, '$.rule'),
                   json_extract(f.value, '$.category'),
                   json_extract(f.value, '$.status'),
                   json_extract(f.value, '$.score'),
                   json_extract(f.value, '$.metric')
            FROM runs, json_each(runs.result_json, '$.findings') AS f
            """,
        ),
    ),
    Migration(
        3,
        "client identity: the config's client_id with each run (NULL: the client's name is "
        "its identity)",
        (
            # Results never carried a client_id before this version: nothing to backfill.
            "ALTER TABLE runs ADD COLUMN client_id TEXT",
            "CREATE INDEX runs_by_client_id ON runs (client_id, period_label)",
            "CREATE INDEX runs_by_client_name ON runs (client_name, period_label)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
CLIENT_ID_SINCE = 3  # first version whose runs have a client_id column
