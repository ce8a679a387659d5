"""The demo's outputs as they are, frozen for the restructure of issue 14 (behaviour must
not change): the result JSON, the terminal text, the Markdown report, the JUnit XML and
the PDF's text, with the clock fixed.

`python -m tests.helpers.golden` rewrites the files in tests/golden/ (review the diff);
`tests/test_golden_outputs.py` compares a fresh run with them.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CLOCK = "2026-10-06T09:30:00Z"
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")


def demo_result() -> dict[str, Any]:
    from auditor.config.loader import load_config
    from auditor.core.resources import demo_dir
    from auditor.gating.gate import Gate
    from auditor.pipeline.runner import audit

    result = audit(load_config(demo_dir() / "demo.yaml"), Gate("fail")).to_json()
    # the clock is the only thing that changes between two runs
    return json.loads(_STAMP.sub(CLOCK, json.dumps(result)))


def outputs(with_pdf: bool = True) -> dict[str, str]:
    from auditor.outputs.junit import render_junit
    from auditor.outputs.markdown import render_markdown
    from auditor.outputs.text import render_text

    result = demo_result()
    found = {
        "demo.json": json.dumps(result, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
        "demo.txt": render_text(result) + "\n",
        "demo.md": render_markdown(result),
        "demo.junit.xml": render_junit(result),
    }
    if with_pdf:
        from auditor.outputs.report.pdf import render_pdf

        with tempfile.TemporaryDirectory() as folder:
            pdf = Path(folder) / "demo.pdf"
            pdf.write_bytes(render_pdf(result).data)
            text = subprocess.run(
                ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
        # the words in reading order, one line each: spacing is poppler's, not the report's
        lines = (" ".join(line.split()) for line in text.splitlines())
        found["demo.pdf.txt"] = "\n".join(line for line in lines if line) + "\n"
    return found


WAREHOUSE_DIALECTS = ("duckdb", "postgres", "bigquery", "snowflake", "databricks", "trino")


def warehouse_sql(layout: str, dialect: str) -> str:
    """Every query of a warehouse layout for 2026-07 and 2026-08 in Madrid, in `dialect`
    (tests/golden/warehouse/<layout>.<dialect>.sql)."""
    from auditor.connectors.timeutil import month_bounds
    from auditor.connectors.warehouse.layouts import LAYOUTS
    from auditor.connectors.warehouse.query import monthly_query, to_sql

    months = ["2026-07", "2026-08"]
    bounds = {m: month_bounds(m, "Europe/Madrid") for m in months}
    parts = []
    for metric, spec in LAYOUTS[layout].items():
        query = monthly_query(spec, months, bounds, schema="hubspot")
        parts.append(f"-- {metric}\n{to_sql(query, dialect)};\n")
    return "\n".join(parts)


if __name__ == "__main__":
    from auditor.connectors.warehouse.layouts import LAYOUTS

    GOLDEN.mkdir(exist_ok=True)
    for name, text in outputs().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print("wrote", GOLDEN / name)
    for layout in LAYOUTS:
        for dialect in WAREHOUSE_DIALECTS:
            path = GOLDEN / "warehouse" / f"{layout}.{dialect}.sql"
            path.write_text(warehouse_sql(layout, dialect), encoding="utf-8")
            print("wrote", path)
