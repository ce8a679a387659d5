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

import hashlib
import json
import pickle
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import auditor
from auditor.core.cache import atomic_write, file_digest, is_private, private_folder
from auditor.core.yamlpos import Located

FOLDER = "rules"  # in the user's cache folder
FORMAT = 2  # raised when a pickled model changes shape (2: Citation.wording)


def entry_name(key: tuple[Any, ...]) -> str:
    """The entry's file name: the key with the tool's and Python's versions, hashed."""
    text = repr((FORMAT, auditor.__version__, sys.version, key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".pickle"


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
            if file_digest(Path(file)) != digest:
                return None
        return entry["rule_set"]
    except Exception:  # a damaged or foreign entry is a miss
        return None


def store(key: tuple[Any, ...], rule_set: Any, files: Sequence[Path]) -> None:
    """Keep `rule_set`, read from `files`, for the next process; silently best effort."""
    folder = private_folder(FOLDER)
    if folder is None:
        return
    digests = [(str(file), file_digest(file)) for file in files]
    if any(digest is None for _, digest in digests):
        return
    entry = {"format": FORMAT, "files": digests, "rule_set": rule_set}
    try:
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    atomic_write(folder, entry_name(key), data)


def cache_key(
    packs: Sequence[str],
    base: Path,
    overrides: Mapping[str, Mapping[str, Any]] | None,
    located: Located | None,
    today: date,
) -> tuple[Any, ...] | None:
    """What `load_rules` was asked, as a cache key; None when the overrides cannot be
    written down (nothing is cached then)."""
    try:
        frozen = json.dumps(overrides or {}, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    # Without overrides nothing in the rule set comes from the config file itself, so
    # clients that share packs share one entry.
    source = located.file if located is not None and overrides else None
    return (tuple(packs), str(base.resolve()), frozen, source, today)


def stamp(path: Path) -> Any:
    """A file's size and modification time: the in-process cache's cheap check."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)
