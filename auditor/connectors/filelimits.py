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
| `MAX_CAMPAIGNS` | 100,000 | per-campaign rows (`campaigns`) in a snapshot |
"""

from __future__ import annotations

from pathlib import Path

from auditor.core.errors import InputError, ProblemCollector
from auditor.core.userfiles import MiB, read_user_file

MAX_DATA_FILE_BYTES = 100 * MiB
MAX_RECORDS_FILE_BYTES = 2 * MiB
MAX_DATA_ROWS = 1_000_000
MAX_CHANNELS = 200
MAX_CHANNEL_NAME_CHARS = 200  # a name for a report row and a chart label, not a paragraph
MAX_MONTHS = 1_200  # a century of monthly rows per series (snapshots; files are bounded by rows)
MAX_LEADS_FILE_BYTES = 100 * MiB
MAX_LEADS_ROWS = 1_000_000
MAX_CAMPAIGNS = 100_000  # per-send rows in a snapshot: 19 months of 175 sends a day


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

    The one bounded reader (`auditor.core.userfiles.read_user_file`), with its
    problem kept in this file's collector: `expected` names what the file
    should be ("a CSV data file"), `too_large_hint` what to do about a file over
    the limit.
    """
    try:
        return read_user_file(
            path,
            problems.file,
            kind=expected,
            limit=limit,
            not_found=not_found,
            hint=too_large_hint,
        )
    except InputError as exc:
        raise problems.stop(exc.problems[0].message) from None
