"""A finished audit kept between processes, for a client whose every input is a local file.

`auditor check` in a pre-commit hook or a CI job runs again and again on the same
files; recomputing the same audit costs 400 ms of imports and arithmetic for an
answer that only the files can change (issue 15: a check at the speed of a
linter).  So, like a linter's cache, the finished result of an audit is kept and
given back while nothing it was computed from has changed.  This module imports
no config, connector, metric or analysis code: a hit costs the command line's own
imports, hashing the inputs and reading one JSON file.

The key (the entry's file name) is a hash of: the tool's and Python's versions, a
fingerprint of the installed package (every file's size and modification time,
so an edited module or rule pack in a checkout is never served stale), the
working folder, today's date (periods like `last-quarter`, waivers and their
expiry), the variables the config expands (`${NAME}`) plus `HOME`, `TZ` and
every `AUDITOR_*`, every field of the request (period, language, gates,
selection, snapshot, baseline), and the config file's content.

The entry lists every other file the audit read with its SHA-256 (the rule packs
and the packs they extend, the data and leads files, the logo, the snapshot) and
the history store's size and modification time (baselines and reused months come
from it; its `-wal` file too).  A hit needs every one unchanged.  Only audits of
local sources are kept (`Connector.local_only`: a platform's numbers change
without any file changing), and only finished ones: an error is reported again
every time.  The result given back is the stored one with `generated_at` set to
now.  `AUDITOR_NO_CACHE=1` turns it off with every other cache,
`AUDITOR_NO_RESULT_CACHE=1` alone; the folder is `results/` in the user's
cache folder (`core/cache.py`), private; any damaged entry is a miss.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import auditor
from auditor.core.cache import atomic_write, file_digest, is_private, private_folder


@dataclasses.dataclass(frozen=True)
class Kept:
    """A finished audit as stored: the result, where it is to be recorded, what it read."""

    result: dict[str, Any]
    store: Path | None
    inputs: dict[Path, str]


FOLDER = "results"
FORMAT = 1
OFF_ENV = "AUDITOR_NO_RESULT_CACHE"  # turns this cache off, the others on
_EXPANDED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PACKAGE = Path(auditor.__file__).resolve().parent


@functools.cache
def _package_fingerprint() -> str:
    """Every file of the installed package by name, size and modification time; walked
    once per process (a miss asks for the entry's name to read it, then to write it)."""
    digest = hashlib.sha256()
    for folder, subfolders, names in os.walk(_PACKAGE):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            try:
                info = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _environment(config_text: str) -> dict[str, str]:
    names = set(_EXPANDED.findall(config_text)) | {"HOME", "TZ"}
    names |= {name for name in os.environ if name.startswith("AUDITOR_")}
    return {name: os.environ.get(name, "\0unset") for name in sorted(names)}


def entry_name(config: Path, request: Mapping[str, Any]) -> str | None:
    """The entry's file name for an audit of `config` with the request's fields
    (`session.AuditRequest`); None when the config cannot be read (the audit reports it)."""
    try:
        config_bytes = config.read_bytes()
    except OSError:
        return None
    key = {
        "format": FORMAT,
        "tool": auditor.__version__,
        "python": sys.version,
        "package": _package_fingerprint(),
        "cwd": os.getcwd(),
        "config": os.path.abspath(config),
        "config_sha256": hashlib.sha256(config_bytes).hexdigest(),
        "today": date.today().isoformat(),
        "environment": _environment(config_bytes.decode("utf-8", "replace")),
        "request": dict(request),
    }
    text = json.dumps(key, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".json"


def _folder() -> Path | None:
    if os.environ.get(OFF_ENV, "").strip() not in ("", "0"):
        return None
    return private_folder(FOLDER)


def _store_state(store: Path) -> list[str]:
    """The history store's size and modification time, and its write-ahead log's."""
    state = []
    for path in (store, Path(f"{store}-wal")):
        try:
            info = path.stat()
            state.append(f"{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            state.append("absent")
    return state


def load(config: Path, request: Mapping[str, Any]) -> Kept | None:
    """The stored finished audit of `config` for `request` if nothing it read has changed."""
    folder = _folder()
    name = entry_name(config, request) if folder is not None else None
    if folder is None or name is None:
        return None
    path = folder / name
    if not (path.is_file() and is_private(path)):
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        for file, digest in entry["files"]:
            if file_digest(Path(file)) != digest:
                return None
        if _store_state(Path(entry["history"])) != entry["history_state"]:
            return None
        result = entry["result"]
        result["generated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        store = None if entry["record_in"] is None else Path(entry["record_in"])
        inputs = {Path(p): str(what) for p, what in entry["inputs"]}
        return Kept(result, store, inputs)
    except Exception:  # a damaged or foreign entry is a miss
        return None


def save(
    config: Path, request: Mapping[str, Any], finished: Kept, read: Iterable[Path], history: Path
) -> None:
    """Keep `finished` for the next process: `read` are the files the audit read, `history`
    the store it read baselines and months from.  Silently best effort."""
    folder = _folder()
    name = entry_name(config, request) if folder is not None else None
    if folder is None or name is None:
        return
    files = sorted({str(Path(p).resolve()) for p in read})
    digests = [(file, file_digest(Path(file))) for file in files]
    if any(digest is None for _, digest in digests):
        return
    entry: Mapping[str, Any] = {
        "format": FORMAT,
        "files": digests,
        "history": str(history),
        "history_state": _store_state(history),
        "record_in": None if finished.store is None else str(finished.store),
        "inputs": [(str(p), what) for p, what in finished.inputs.items()],
        "result": finished.result,
    }
    try:
        data = json.dumps(entry, ensure_ascii=False, allow_nan=True).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return
    atomic_write(folder, name, data)
