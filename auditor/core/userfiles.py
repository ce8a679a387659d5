"""Reading a file the user named, with limits, so no path can hang or exhaust the auditor.

A config, rule pack, rule-test file, snapshot, leads file or JSON/YAML data
file is whatever path the user (or a config someone else wrote) points at:
`/dev/zero`, a FIFO nobody writes to, `/proc/kmsg`, a 10 GB log.  Reading one
with `Path.read_bytes()` hangs or runs out of memory, so every reader of such
a file goes through `read_user_file`, which

- refuses anything but a regular file before reading a byte (opened without
  blocking, so a FIFO cannot hold the open; checked again on the open file);
- refuses a file larger than the limit for its kind, and reads at most the
  limit plus one byte, so a file that lies about its size (`/proc`) or grows
  while read still stops at the limit.

The limits, each generous for real files of its kind:

| constant | value | for | why this size |
| --- | --- | --- | --- |
| `MAX_DOCUMENT_BYTES` | 2 MiB | audit config, rule pack, rule tests | 40x the largest shipped pack; PyYAML (pure Python, kept for positions) reads ~1 MB in 3 s |
| `MAX_SNAPSHOT_BYTES` | 50 MiB | `--from-snapshot` (snapshot or result JSON) | a snapshot is kilobytes; a result JSON embedding one well under 1 MB |

The data file and the leads file have their own limits (size, rows, channels)
in `auditor/connectors/filelimits.py`, and are read through this function too.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from auditor.core.errors import InputError, Problem

MiB = 1024 * 1024
MAX_DOCUMENT_BYTES = 2 * MiB
MAX_SNAPSHOT_BYTES = 50 * MiB

_CHUNK = MiB
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO would otherwise block the open until a writer comes
    | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
    | getattr(os, "O_CLOEXEC", 0)
)


def size_text(size: int) -> str:
    """Bytes as users read them: '2 MiB', '1.5 GiB', '812 bytes'."""
    for unit, factor in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def read_user_file(
    path: Path,
    display: str,
    *,
    kind: str,
    limit: int,
    not_found: str = "file not found",
    hint: str = "is it the right file?",
) -> bytes:
    """The bytes of the regular file at `path`; an InputError (exit 2) naming `display` otherwise.

    `kind` completes "expected ..." in messages (e.g. "a YAML file"); `limit`
    is a size limit in bytes (this module's constants, or the data file's in
    `auditor.connectors.filelimits`); `hint` says what to do about a file over it.
    """

    def refuse(message: str) -> InputError:
        return InputError(Problem(message, display))

    try:
        before = os.stat(path)
    except FileNotFoundError:
        raise refuse(not_found) from None
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    _check_kind(before, kind, limit, hint, refuse)  # before opening: opening a device can act
    try:
        handle = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise refuse(not_found) from None
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    try:
        _check_kind(os.fstat(handle), kind, limit, hint, refuse)  # the file may have been swapped
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(handle, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise refuse(_too_big(kind, limit, hint))
        size_on_disk = os.fstat(handle).st_size
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(handle)
    if total != size_on_disk:
        # /proc and /sys files say they are empty regular files, then produce text
        # (/proc/self/environ: the environment, secrets included).
        raise refuse(
            f"its content does not match its size ({size_on_disk:,} bytes on disk, "
            f"{total:,} read): a special file (such as under /proc) or a file still being "
            "written; copy the data into a regular file and name that file"
        )
    return b"".join(chunks)


def _check_kind(
    info: os.stat_result, kind: str, limit: int, hint: str, refuse: Callable[[str], InputError]
) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise refuse(f"is a folder, expected {kind}")
    if not stat.S_ISREG(info.st_mode):
        raise refuse(
            f"is not a regular file (a device, pipe or socket); expected {kind} saved as a file"
        )
    if info.st_size > limit:
        raise refuse(_too_big(kind, limit, hint, info.st_size))


def _too_big(kind: str, limit: int, hint: str, size: int | None = None) -> str:
    if size is None:
        found = "is larger than that"
    elif size_text(size) == size_text(limit):
        found = f"is just over that ({size:,} bytes)"
    else:
        found = f"is {size_text(size)}"
    return (
        f"the file is too large for {kind}: the limit is {size_text(limit)} and this file "
        f"{found}; {hint}"
    )
