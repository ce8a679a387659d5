"""Validated rule sets kept between processes, so a check does not re-validate unchanged
packs (issue 15: about 40 % of a check was parsing the packs with positions and
compiling every message template to prove it renders).

An entry is keyed by the tool's version, the Python version and what `load_rules` was
asked (packs, base folder, overrides, today's date: waivers and expiry warnings depend
on it), and it is valid only while every file the rule set was read from (each pack,
each pack it extends, and the config when it holds overrides) has the same content
(SHA-256) as when it was stored. Only valid rule sets are stored: a broken pack is
re-read, and reported, every time.

The folder is `rules/` in the user's cache folder (`core/cache.py`);
`AUDITOR_NO_CACHE=1` turns the cache off. Entries are pickles, so
the folder is created private (0700) and an entry is read only from a folder and a file
owned by the user that no one else may write. Writing goes through a temporary file
and an atomic rename: processes filling the cache at once each write a whole entry, and
a reader sees a whole entry or none. Every failure (a full disk, a damaged entry) is a
miss, never an error: the cache only saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import auditor
from auditor.core.cache import is_private, private_folder

FOLDER = "rules"  # in the user's cache folder
FORMAT = 1
MAX_HASHED_BYTES = 16 * 1024 * 1024  # larger than any pack or config the loaders accept


def entry_name(key: tuple[Any, ...]) -> str:
    """The entry's file name: the key with the tool's and Python's versions, hashed."""
    text = repr((FORMAT, auditor.__version__, sys.version, key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".pickle"


def _digest(path: Path) -> str | None:
    """The SHA-256 of a regular file of at most MAX_HASHED_BYTES, read in chunks (a
    pack named after a device or a huge file is not cached, and never read whole)."""
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


def load(key: tuple[Any, ...]) -> Any | None:
    """The rule set stored under `key` if every file it was read from is unchanged."""
    folder = private_folder(FOLDER)
    if folder is None:
        return None
    path = folder / entry_name(key)
    if not (path.is_file() and is_private(path)):
        return None
    try:
        with path.open("rb") as handle:  # our own private file (checked above)
            entry = pickle.load(handle)
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        for file, digest in entry["files"]:
            if _digest(Path(file)) != digest:
                return None
        return entry["rule_set"]
    except Exception:  # a damaged or foreign entry is a miss
        return None


def store(key: tuple[Any, ...], rule_set: Any, files: Sequence[Path]) -> None:
    """Keep `rule_set`, read from `files`, for the next process; silently best effort."""
    folder = private_folder(FOLDER)
    if folder is None:
        return
    digests = [(str(file), _digest(file)) for file in files]
    if any(digest is None for _, digest in digests):
        return
    entry = {"format": FORMAT, "files": digests, "rule_set": rule_set}
    temp: str | None = None
    try:
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".entry-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, folder / entry_name(key))
        temp = None
    except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
