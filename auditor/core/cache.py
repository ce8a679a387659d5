"""The user's cache folder: where validated rule sets and compiled templates are kept
between processes (docs/performance.md).

`$AUDITOR_CACHE_DIR`, else `$XDG_CACHE_HOME/auditor`, else `~/.cache/auditor`;
`AUDITOR_NO_CACHE=1` turns every cache off. What is kept there is code (pickles,
compiled templates), so a part of it is used only when it is private: owned by the user
and writable by no one else, created 0700.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path

CACHE_ENV = "AUDITOR_CACHE_DIR"
OFF_ENV = "AUDITOR_NO_CACHE"
MAX_HASHED_BYTES = 64 * 1024 * 1024  # larger than any pack, config or data file read


def cache_root() -> Path | None:
    """The cache folder, or None when the cache is off."""
    if os.environ.get(OFF_ENV, "").strip() not in ("", "0"):
        return None
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "auditor"


def is_private(path: Path) -> bool:
    """Whether only this user can have written `path`."""
    try:
        info = path.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def private_folder(name: str) -> Path | None:
    """The cache's sub-folder `name`, created 0700; None when the cache is off, the folder
    cannot be made, or another user could write to it."""
    root = cache_root()
    if root is None:
        return None
    target = root / name
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return target if is_private(target) and is_private(root) else None


def file_digest(path: Path) -> str | None:
    """The SHA-256 of a regular file of at most MAX_HASHED_BYTES, read in chunks (a
    path naming a device or a huge file gives None: not cached, and never read whole)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_HASHED_BYTES:
            return None
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
                if handle.tell() > MAX_HASHED_BYTES:
                    return None
        return digest.hexdigest()
    except OSError:
        return None


MAX_AGE_SECONDS = 7 * 24 * 3600  # entries are keyed by day: older ones are never read again


def prune(folder: Path, now: float | None = None) -> None:
    """Remove the folder's entries (and stray temporary files) last written over a week
    ago; called when an entry is written, so the folder does not grow day after day."""
    import time

    limit = (time.time() if now is None else now) - MAX_AGE_SECONDS
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < limit:
                        os.unlink(entry.path)
    except OSError:
        return


def atomic_write(folder: Path, name: str, data: bytes) -> None:
    """Write `folder/name` through a temporary file and a rename, so processes writing at
    once each write a whole entry and a reader sees a whole one or none; best effort."""
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, folder / name)
        temp = None
    except OSError:
        return
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    prune(folder)
