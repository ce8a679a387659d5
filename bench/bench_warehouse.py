"""Benchmark: a quarterly audit read from a DuckDB warehouse in Fivetran's HubSpot layout,
as the email events grow (5, 20 and 50 million) with 2 million contacts.

Run on demand, not in the tests:

    .venv/bin/python bench/bench_warehouse.py [--sizes 5,20,50] [--contacts 2000000]

The tables are generated inside DuckDB (generate_series), with the layout's real table
and column names. Each audit runs in a fresh process, so its peak memory (ru_maxrss) is
the auditor's own: it should stay flat as the tables grow, since only a few numbers a
month come back; DuckDB itself runs in a child process (the connector's duckdb_worker),
whose peak is shown apart. The DuckDB files go to a temporary folder and are removed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BUILD = """
SET enable_progress_bar = false;
CREATE SCHEMA hubspot;
USE hubspot;
CREATE TABLE email_event AS
SELECT
  'e' || i AS id,
  CASE WHEN i % 10 < 4 THEN 'SENT' WHEN i % 10 < 7 THEN 'DELIVERED' WHEN i % 10 < 9 THEN 'OPEN'
       ELSE 'CLICK' END AS type,
  TIMESTAMP '2024-01-01' + to_seconds((i * 7919) % 94608000) AS created,
  'send' || (i // 10) AS sent_by_id,
  (i % 97 = 0) AS filtered_event,
  i % 500 AS email_campaign_id
FROM range({events}) t(i);
CREATE TABLE email_event_status_change AS
SELECT 'e' || i AS id, 'UNSUBSCRIBED' AS portal_subscription_status FROM range(0, {events}, 997) t(i);
CREATE TABLE contact AS
SELECT i AS id, TIMESTAMP '2024-01-01' + to_seconds((i * 104729) % 94608000) AS property_createdate,
       (i % 53 = 0) AS _fivetran_deleted
FROM range({contacts}) t(i);
CREATE TABLE contact_property_history AS
SELECT i AS contact_id, TIMESTAMP '2024-01-01' + to_seconds((i * 15485863) % 94608000) AS timestamp,
       'lifecyclestage' AS name,
       CASE WHEN i % 3 = 0 THEN 'marketingqualifiedlead' WHEN i % 3 = 1 THEN 'salesqualifiedlead'
            ELSE 'customer' END AS value
FROM range({contacts}) t(i);
CREATE TABLE deal_pipeline_stage AS
SELECT * FROM (VALUES ('won', TRUE, TRUE), ('lost', FALSE, TRUE), ('open', FALSE, FALSE))
  v(stage_id, closed_won, is_closed);
CREATE TABLE deal AS
SELECT i AS deal_id, CASE i % 3 WHEN 0 THEN 'won' WHEN 1 THEN 'lost' ELSE 'open' END
         AS deal_pipeline_stage_id,
       TIMESTAMP '2024-01-01' + to_seconds((i * 7919) % 94608000) AS property_closedate,
       (i % 1000) * 10.0 AS property_amount, FALSE AS is_deleted, FALSE AS _fivetran_deleted
FROM range({contacts} // 20) t(i);
CHECKPOINT;
"""

AUDIT = """
import json, resource, sys, time
from pathlib import Path
from auditor.connectors.warehouse import WarehouseConnector, WarehouseOptions
from auditor.core.period import parse_period
from auditor.pipeline.runner import months_needed
path = Path(sys.argv[1])
started = time.perf_counter()
data = WarehouseConnector(
    WarehouseOptions(database=path, schema="hubspot"), path.parent, "Europe/Madrid"
).fetch(months_needed(parse_period("2026-Q3")))
seconds = time.perf_counter() - started
sent = sum(v.get("emails_sent", 0) for v in data.monthly.values())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
engine = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "engine_mb": engine / 1024,
                  "sent": sent}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5,20,50", help="millions of email events")
    parser.add_argument("--contacts", type=int, default=2_000_000)
    args = parser.parse_args()

    print(f"== quarterly audit (19 months) from DuckDB, {args.contacts:,} contacts")
    print(
        f"{'events':>12} {'build s':>9} {'file MB':>9} {'audit s':>9} {'audit MB':>9} "
        f"{'engine MB':>10}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for millions in (int(s) for s in args.sizes.split(",")):
            path = Path(folder) / f"wh{millions}.duckdb"
            started = time.perf_counter()
            # built in its own process: a process's peak memory (ru_maxrss) carries over a
            # fork and an exec, so the audit must not be forked from a big one
            sql = BUILD.format(events=millions * 1_000_000, contacts=args.contacts)
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(sys.argv[2])",
                    str(path),
                    sql,
                ],
                check=True,
            )
            built = time.perf_counter() - started
            run = subprocess.run(
                [sys.executable, "-c", AUDIT, str(path)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            out = json.loads(run.stdout.strip().splitlines()[-1])
            size = path.stat().st_size / 1e6
            print(
                f"{millions * 1_000_000:>12,} {built:>9.1f} {size:>9.0f} "
                f"{out['seconds']:>9.2f} {out['peak_mb']:>9.0f} {out['engine_mb']:>10.0f}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
