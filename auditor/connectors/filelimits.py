"""What the data file and the leads file may be: a regular file, of bounded size and rows.

A config names these files, so a careless or hostile `source.path` could point
at `/dev/zero` (endless), a FIFO (blocks forever), `/proc/self/environ` (the
environment, secrets included) or a 50 GB export.  They are read once, whole
and bounded, by `read_regular_file`; the hash and the parser then use the
same bytes, so the hash describes exactly what was audited.

Limits (each named in its error message):

| constant | value | what |
| --- | --- | --- |
| `MAX_DATA_FILE_BYTES` | 100 MiB | a CSV data file (`source.path`) |
| `MAX_RECORDS_FILE_BYTES` | 2 MiB | a JSON or YAML data file: parsed whole, with positions (about 3 s and 120 MB per MiB) |
| `MAX_DATA_ROWS` | 1,000,000 | data rows (CSV) or records (JSON/YAML) in the data file |
| `MAX_CHANNELS` | 200 | distinct `channel` values in the data file (the report has a row for each) |
| `MAX_LEADS_FILE_BYTES` | 100 MiB | the leads CSV (`source.leads`) |
| `MAX_LEADS_ROWS` | 1,000,000 | rows of the leads CSV |
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from auditor.errors import InputError, ProblemCollector

MiB = 1024 * 1024
MAX_DATA_FILE_BYTES = 100 * MiB
MAX_RECORDS_FILE_BYTES = 2 * MiB
MAX_DATA_ROWS = 1_000_000
MAX_CHANNELS = 200
MAX_LEADS_FILE_BYTES = 100 * MiB
MAX_LEADS_ROWS = 1_000_000

COPY_IT = "copy the data into a regular file and name that file"


def size_text(size: int) -> str:
    """Sizes as a user reads them in a file manager: '100 MiB', '3.2 MiB', '512 bytes'."""
    if size < MiB:
        return f"{size:,} bytes"
    value = size / MiB
    return f"{value:.0f} MiB" if value.is_integer() else f"{value:.1f} MiB"


def read_regular_file(
    path: Path,
    limit: int,
    problems: ProblemCollector,
    *,
    not_found: str,
    expected: str,
    too_large_hint: str,
) -> bytes:
    """The whole file, if it is a regular file of at most `limit` bytes; else a clear stop.

    `expected` names what the file should be ("a CSV, JSON or YAML file"), for
    the messages about a folder or a device; `too_large_hint` says what to do
    about a file over the limit.  The type is checked before opening (opening
    a FIFO blocks until someone writes to it; opening some devices acts), and
    again on the open file, opened non-blocking, in case it was swapped between.
    """
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise problems.stop(not_found) from None
    except (OSError, ValueError) as exc:
        raise _unreadable(problems, exc) from None
    _check_type(info, expected, problems)
    if info.st_size > limit:
        raise problems.stop(_too_large(info.st_size, limit, expected, too_large_hint))
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            info = os.fstat(handle.fileno())
            _check_type(info, expected, problems)
            data = handle.read(limit + 1)
    except (OSError, ValueError) as exc:
        raise _unreadable(problems, exc) from None
    if len(data) > limit:
        raise problems.stop(_too_large(None, limit, expected, too_large_hint))
    if len(data) != info.st_size:
        # /proc and /sys files say they are empty regular files, then produce text.
        raise problems.stop(
            f"its content does not match its size ({info.st_size:,} bytes on disk, "
            f"{len(data):,} read): a special file (such as under /proc) or a file still "
            f"being written; {COPY_IT}"
        )
    return data


def _check_type(info: os.stat_result, expected: str, problems: ProblemCollector) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise problems.stop(f"is a folder, expected {expected}")
    if not stat.S_ISREG(info.st_mode):
        raise problems.stop(
            f"is not a regular file (a device, pipe or socket), expected {expected}; {COPY_IT}"
        )


def _too_large(size: int | None, limit: int, expected: str, hint: str) -> str:
    found = f"is {size_text(size)}" if size is not None else "is larger than its size said"
    return f"{found}; the limit for {expected} is {size_text(limit)}; {hint}"


def _unreadable(problems: ProblemCollector, exc: Exception) -> InputError:
    return problems.stop(f"cannot read file: {getattr(exc, 'strerror', None) or exc}")
