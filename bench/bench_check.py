"""Benchmark: CLI start-up and `auditor check` on the demo client (run on demand).

    .venv/bin/python bench/bench_check.py [--runs 10]

Prints median/min/max wall time of `python -X importtime`-free process runs and
the peak RSS of one run.  Not part of the test suite: timings belong here, not
in asserted tests.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "auditor" / "demo" / "demo.yaml"


def timed(cmd: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return samples


def report(name: str, samples: list[float]) -> None:
    print(
        f"{name:40s} median {statistics.median(samples) * 1000:7.1f} ms"
        f"  min {min(samples) * 1000:7.1f}  max {max(samples) * 1000:7.1f}  (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    python = sys.executable
    report("python -c pass", timed([python, "-c", "pass"], args.runs))
    report("import auditor.cli.main", timed([python, "-c", "import auditor.cli.main"], args.runs))
    report("auditor --help", timed([python, "-m", "auditor", "--help"], args.runs))
    check = [python, "-m", "auditor", "check", str(DEMO), "--format", "json"]
    report("auditor check demo --format json", timed(check, args.runs))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(check, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"peak RSS of one check (children max): {max(before, after) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
