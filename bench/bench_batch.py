"""Benchmark: `auditor batch` over many generated clients (run on demand).

    .venv/bin/python bench/bench_batch.py [--clients 200] [--jobs N]... [--record] [--keep DIR]
        [--format json|pdf|...]

Generates N clients in a temporary folder: one config and one CSV each, derived
from the demo client's 24 months with varied numbers (volume scaled per client,
response and funnel rates moved per client, monthly noise, always consistent:
delivered = sent - bounces, clicks <= opens, sqls <= mqls <= leads...).  Then runs
`auditor batch FOLDER -o OUT --format json` once per `--jobs` value and prints:

- wall time of the whole command (start-up, workers, portfolio) and clients/s;
- per-client time as measured inside the workers (median, p95, max, sum);
- peak RSS: the largest single process (getrusage of the children), and the
  whole process tree at its peak (sampled from /proc every 20 ms, Linux only).

Not part of the test suite: timings belong here, not in asserted tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "auditor" / "demo"

VOLUME = {  # scale with the size of the client
    "emails_sent",
    "campaigns_sent",
    "email_sessions",
    "website_sessions",
    "website_visitors",
    "conversions",
    "leads_new",
    "revenue_total",
    "mrr",
    "accounts_active",
}
RATES = {  # a share of another metric: moved per client, then kept under its base
    "bounces": "emails_sent",
    "unique_opens": "emails_delivered",
    "unique_clicks": "unique_opens",
    "unsubscribes": "emails_delivered",
    "spam_complaints": "emails_delivered",
    "mqls": "leads_new",
    "sqls": "mqls",
    "customers_new": "sqls",
    "deals_won": "sqls",
    "deals_lost": "sqls",
    "deals_won_with_source": "deals_won",
    "workflows_behavioral": "workflows_active",
    "accounts_churned": "accounts_active",
}
CAPPED = {"unique_clicks", "mqls", "sqls", "customers_new", "deals_won_with_source", "bounces"}
MONEY_PER_DEAL = {"revenue_won", "revenue_attributed"}


def generate(folder: Path, count: int, seed: int = 7) -> list[Path]:
    """`count` clients (config + CSV) in `folder`, reproducible for a seed."""
    rng = random.Random(seed)
    with (DEMO / "data.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = list(rows[0])
    template = (DEMO / "demo.yaml").read_text(encoding="utf-8")
    configs = []
    for n in range(1, count + 1):
        size = rng.lognormvariate(0, 0.8)
        rate = {m: rng.uniform(0.5, 1.6) for m in RATES}
        workflows = rng.randint(2, 30)
        out_rows = []
        for row in rows:
            demo = {k: float(v) if v else None for k, v in row.items() if k != "month"}
            new: dict[str, float] = {}
            noise = rng.uniform(0.85, 1.15)
            for metric in VOLUME:
                if demo.get(metric) is not None:
                    new[metric] = demo[metric] * size * noise
            new["workflows_active"] = workflows
            for metric, base in RATES.items():
                demo_base = demo.get(base) or demo.get("emails_sent")
                share = (demo.get(metric) or 0) / demo_base if demo_base else 0
                if base == "emails_delivered":
                    new.setdefault("emails_delivered", new["emails_sent"] - new.get("bounces", 0))
                value = share * rate[metric] * rng.uniform(0.9, 1.1) * new.get(base, 0)
                if metric in CAPPED:
                    value = min(value, new.get(base, 0))
                new[metric] = value
                if metric == "bounces":
                    new["emails_delivered"] = new["emails_sent"] - value
            won = max(new.get("deals_won", 0), 0)
            deal = (demo["revenue_won"] or 0) / max(demo["deals_won"] or 1, 1)
            new["revenue_won"] = won * deal * rng.uniform(0.8, 1.2)
            new["revenue_attributed"] = new["revenue_won"] * rng.uniform(0.2, 0.9)
            new["mrr_churned"] = new["mrr"] * (demo["mrr_churned"] / demo["mrr"]) * rate["bounces"]
            line = {"month": row["month"]}
            for column in columns[1:]:
                value = new.get(column)
                if column in (
                    "revenue_won",
                    "revenue_attributed",
                    "revenue_total",
                    "mrr",
                    "mrr_churned",
                ):
                    line[column] = f"{max(value or 0, 0):.2f}"
                else:
                    line[column] = str(max(round(value or 0), 0))
            out_rows.append(line)
        stem = f"client-{n:03d}"
        with (folder / f"{stem}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(out_rows)
        config = template.replace(
            "client: Suministros Industriales Ebro, S.L.", f"client: Cliente {n:03d}, S.L."
        ).replace("path: data.csv", f"path: {stem}.csv")
        # the generated clients have monthly data only (no leads table)
        config = "\n".join(line for line in config.splitlines() if "leads: leads.csv" not in line)
        if n % 2:
            config = config.replace("language: es", "language: en")
        (folder / f"{stem}.yaml").write_text(config, encoding="utf-8")
        configs.append(folder / f"{stem}.yaml")
    return configs


def _tree_rss_kb(root: int) -> int:
    """RSS (kB) of `root` and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8") as handle:
                status = handle.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0] or 0)
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in tree)


def run_batch(
    folder: Path, out: Path, jobs: int | None, record: bool, formats: str = "json"
) -> dict:
    command = [sys.executable, "-m", "auditor", "batch", str(folder), "-o", str(out)]
    command += ["--format", formats]
    if jobs:
        command += ["--jobs", str(jobs)]
    if record:
        command.append("--record")
    peak = [0]
    start = time.perf_counter()
    # every client computed: a result kept by an earlier run (pipeline/result_cache.py)
    # would time a cache, not the batch
    env = {**os.environ, "AUDITOR_NO_RESULT_CACHE": "1"}
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            if os.path.isdir("/proc"):
                peak[0] = max(peak[0], _tree_rss_kb(process.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    portfolio = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    return {
        "exit": code,
        "wall": wall,
        "portfolio": portfolio,
        "tree_peak_mb": peak[0] / 1024,
        "largest_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def renderer_floor(out: Path, samples: int = 6) -> float:
    """The renderer's own time per client, warm: WeasyPrint turning the report HTML of
    the batch's first results into PDF in this process (imports and a first render
    done beforehand, as in a batch worker).  The median over `samples` clients."""
    sys.path.insert(0, str(ROOT))
    from weasyprint import HTML

    from auditor.core.resources import templates_dir
    from auditor.outputs.report.html import render_html

    pages = []
    for path in sorted(out.glob("*.json"))[: samples + 1]:
        if path.name == "portfolio.json" or path.name.endswith(".snapshot.json"):
            continue
        pages.append(render_html(json.loads(path.read_text(encoding="utf-8")), standalone=False))
    times = []
    with tempfile.TemporaryDirectory() as folder:
        for index, page in enumerate(pages):
            start = time.perf_counter()
            HTML(string=page, base_url=str(templates_dir())).write_pdf(Path(folder) / "r.pdf")
            if index:  # the first is the warm-up
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--jobs", type=int, action="append", help="repeatable; default: auto")
    parser.add_argument("--record", action="store_true", help="also --record every client")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--format", default="json", help="the batch's --format (e.g. pdf)")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    clients = base / "clients"
    clients.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    generate(clients, args.clients)
    print(f"generated {args.clients} clients in {clients} ({time.perf_counter() - start:.1f} s)")
    print(f"CPUs: {os.cpu_count()}, Python {sys.version.split()[0]}")
    formats = args.format
    if "pdf" in formats.split(",") and "json" not in formats.split(","):
        formats += ",json"  # the renderer's floor is measured on the results
    for jobs in args.jobs or [None]:
        out = base / f"out-jobs-{jobs or 'auto'}"
        stats = run_batch(clients, out, jobs, args.record, formats)
        portfolio = stats["portfolio"]
        seconds = sorted(c["seconds"] for c in portfolio["clients"])
        p95 = seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))]
        counts = portfolio["counts"]
        print(
            f"\njobs={portfolio['options']['jobs']}: exit {stats['exit']}, "
            f"{counts['audited']} audited, {counts['errored']} errored, "
            f"by exit code {counts['by_exit_code']}"
        )
        print(
            f"  wall {stats['wall']:.2f} s  ({len(seconds) / stats['wall']:.1f} clients/s, "
            f"{stats['wall'] / len(seconds) * 1000:.0f} ms per client overall)"
        )
        print(
            f"  per client (in the worker): median {statistics.median(seconds) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms, "
            f"sum {sum(seconds):.1f} s"
        )
        print(
            f"  peak RSS: largest process {stats['largest_mb']:.0f} MB, "
            f"whole tree {stats['tree_peak_mb']:.0f} MB"
        )
        if "pdf" in formats.split(","):
            floor = renderer_floor(out)
            print(
                f"  the renderer alone (WeasyPrint, warm, this process): {floor * 1000:.0f} ms "
                f"per client; the worker's median is {statistics.median(seconds) / floor:.2f}x"
            )
    if not args.keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
