"""Benchmark: each command against its floor, in paired runs (issue 15; run on demand).

    .venv/bin/python bench/bench_paired.py [--runs 11]
        [--only check|check-changed|pdf|pdf-changed]

A benchmark on a shared machine drifts with whatever else runs; timing a command and its
floor alternately (A B A B ...) lets both see the same drift, and the ratio of their
medians is what docs/performance.md reports:

- check: `auditor check demo.yaml --format json` against `python -c pass` (the cost of
  starting Python at all), the audit's inputs unchanged since the last run (its result
  is kept: auditor/pipeline/result_cache.py);
- check-changed: the same, as after an edit of the data (every run is given another
  `AUDITOR_BENCH_RUN` value, which is part of the result cache's key, so no result is
  reused; the rule packs' and templates' caches still are);
- pdf: `auditor run demo.yaml --format pdf` against a bare WeasyPrint render of the same
  report HTML in a fresh process (the renderer's own cost, with its import), the audit
  kept; pdf-changed: the same with the audit computed (as check-changed).

Every run is a fresh process, as a user's is. Not part of the test suite: timings belong
here, not in asserted tests.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "auditor" / "demo" / "demo.yaml"
PYTHON = sys.executable

BARE_RENDER = """
import sys
from weasyprint import HTML
HTML(string=open(sys.argv[1], encoding="utf-8").read(), base_url=sys.argv[2]).write_pdf(sys.argv[3])
"""


_RUNS = itertools.count()


def _time(cmd: list[str], fresh: bool = False) -> float:
    env = {**os.environ, "AUDITOR_BENCH_RUN": str(next(_RUNS))} if fresh else None
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-500:]!r}")
    return elapsed


def paired(a: list[str], b: list[str], runs: int, fresh: bool = False) -> tuple[float, float]:
    """Medians of `a` and `b`, timed alternately after one warm-up of each; `fresh`: `a`
    never finds its result kept."""
    _time(a), _time(b)
    times_a, times_b = [], []
    for _ in range(runs):
        times_a.append(_time(a, fresh))
        times_b.append(_time(b))
    return statistics.median(times_a), statistics.median(times_b)


def _row(what: str, command: float, floor: float) -> str:
    return f"| {what} | {command * 1000:.0f} ms | {floor * 1000:.0f} ms | {command / floor:.2f}x |"


def check_row(runs: int) -> str:
    check = [PYTHON, "-m", "auditor", "check", str(DEMO), "--format", "json"]
    command, floor = paired(check, [PYTHON, "-c", "pass"], runs)
    return _row("`auditor check demo.yaml --format json` / `python -c pass`", command, floor)


def check_changed_row(runs: int) -> str:
    check = [PYTHON, "-m", "auditor", "check", str(DEMO), "--format", "json"]
    command, floor = paired(check, [PYTHON, "-c", "pass"], runs, fresh=True)
    return _row(
        "`auditor check demo.yaml --format json`, inputs changed / `python -c pass`",
        command,
        floor,
    )


def pdf_row(runs: int, fresh: bool = False) -> str:
    sys.path.insert(0, str(ROOT))
    from auditor.core.resources import demo_dir, templates_dir
    from auditor.outputs.report.html import render_html
    from auditor.pipeline.runner import audit_file

    result = audit_file(demo_dir() / "demo.yaml").to_json()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        page = work / "report.html"
        page.write_text(render_html(result, standalone=False), encoding="utf-8")
        (work / "render.py").write_text(BARE_RENDER, encoding="utf-8")
        bare = [
            PYTHON,
            str(work / "render.py"),
            str(page),
            str(templates_dir()),
            str(work / "b.pdf"),
        ]
        run = [
            PYTHON,
            "-m",
            "auditor",
            "run",
            str(DEMO),
            "-o",
            str(work / "out"),
            "--format",
            "pdf",
        ]
        command, floor = paired(run, bare, runs, fresh)
    changed = ", inputs changed" if fresh else ""
    return _row(
        f"`auditor run demo.yaml --format pdf`{changed} / bare WeasyPrint render", command, floor
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--only", choices=("check", "check-changed", "pdf", "pdf-changed"))
    args = parser.parse_args()
    print("| what | command (median) | floor (median) | ratio |")
    print("| --- | --- | --- | --- |")
    rows = {
        "check": check_row,
        "check-changed": check_changed_row,
        "pdf": pdf_row,
        "pdf-changed": lambda runs: pdf_row(runs, fresh=True),
    }
    for name, row in rows.items():
        if args.only in (None, name):
            print(row(args.runs), flush=True)
    print(json.dumps({"python": sys.version.split()[0], "runs": args.runs}))


if __name__ == "__main__":
    main()
