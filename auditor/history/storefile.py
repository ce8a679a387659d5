"""The store's SQLite file: opened for writing (created with its folder, checked, migrated)
or for reading (never created, read-only folders tolerated)."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.core.errors import Problem
from auditor.history.migrations import LATEST_VERSION, MIGRATIONS
from auditor.history.records import (
    _READ_ONLY_FOLDER,
    APPLICATION_ID,
    BUSY_TIMEOUT,
    HistoryError,
    _Reader,
)


class StoreFile:
    """The file behind a `HistoryStore`; reading and writing go through it."""

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

    # ------------------------------------------------------------------ writing

    def _open_read(self) -> sqlite3.Connection:
        """A read-only connection: never creates, migrates or otherwise writes the file.

        A WAL file in a folder this user may not write (no `-shm` can be made) is
        opened `immutable`, as SQLite documents for read-only media.
        """
        base = self.path.absolute().as_uri() + "?mode=ro"
        deadline = time.monotonic() + BUSY_TIMEOUT
        for uri in (base, base + "&immutable=1"):
            while True:
                try:
                    conn = sqlite3.connect(
                        uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None
                    )
                except sqlite3.Error as exc:
                    raise self._error(exc) from None
                try:
                    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
                    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                    return conn
                except sqlite3.Error as exc:
                    conn.close()
                    name = getattr(exc, "sqlite_errorname", "")
                    if name in _READ_ONLY_FOLDER and not uri.endswith("immutable=1"):
                        break  # try immutable
                    text = str(exc)
                    busy = "locked" in text or "busy" in text
                    if not busy or time.monotonic() > deadline:
                        raise self._error(exc) from None
                    time.sleep(0.02 + random.random() * 0.08)
        raise HistoryError(Problem("cannot open the history store read-only", str(self.path)))

    @contextmanager
    def _read(self) -> Iterator[_Reader | None]:
        """A read transaction (one consistent snapshot), or None if nothing is recorded."""
        if not self.exists:
            yield None
            return
        conn = self._open_read()
        try:
            conn.execute("BEGIN")
            try:
                version = self._check_file(conn)
                yield None if version == 0 else _Reader(conn, version)
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            conn.close()

    def _make_folder(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                Problem(
                    f"cannot create the history store's folder: {exc.strerror or exc}",
                    str(self.path.parent),
                )
            ) from None

    def migrate(self) -> int:
        """Create the file if need be and apply the pending migrations; the version now."""
        self._make_folder()
        with self._connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def schema_version(self) -> int:
        """The schema version of the file as it is (reading never migrates it)."""
        with self._read() as reader:
            return 0 if reader is None else reader.version
