"""The user's cache folder: where validated rule sets and compiled templates are kept
between processes (docs/performance.md).

`$AUDITOR_CACHE_DIR`, else `$XDG_CACHE_HOME/auditor`, else `~/.cache/auditor`;
`AUDITOR_NO_CACHE=1` turns every cache off. What is kept there is code (pickles,
compiled templates), so a part of it is used only when it is private: owned by the user
and writable by no one else, created 0700.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CACHE_ENV = "AUDITOR_CACHE_DIR"
OFF_ENV = "AUDITOR_NO_CACHE"


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
