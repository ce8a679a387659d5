"""The `file` connector: monthly base metrics from a CSV, JSON or YAML file (DESIGN.md section 5).

It is the embedded default, for when a client sends spreadsheets.  Client files
are hand-made, so every bad cell becomes its own located `Problem` and all of
them are raised together in one `InputError`: one run shows everything to fix,
and nothing else (ValueError, csv.Error, UnicodeDecodeError...) ever escapes.

The file is read once, whole but bounded (`filelimits.py`: a regular file, at
most 100 MiB of CSV or 2 MiB of JSON/YAML, 1,000,000 rows, 200 channels), so
its hash describes exactly the bytes parsed.  Every piece of the file that a
message shows goes through `errors.quote` (truncated, control and bidi
characters escaped).

In the wide form a month takes one row, unless a `channel` or `campaign`
column tells its rows apart: a month pasted twice would otherwise add up into
figures twice as large, silently.

The package: `connector.py`, `options.py`, `values.py` (one cell), `totals.py` (rows into
monthly totals), `csv_reader.py`, `structured.py` (JSON and YAML).
"""

from auditor.connectors.file.connector import FileConnector as FileConnector
from auditor.connectors.file.options import DealStages as DealStages
from auditor.connectors.file.options import FileOptions as FileOptions
