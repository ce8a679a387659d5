"""Benchmark: render time and peak memory of the demo report, PDF and HTML (run on demand).

    .venv/bin/python bench/bench_report.py [--runs 5] [--lang es]

Each measurement runs in its own child process, so that its peak RSS
(`ru_maxrss`) belongs to that format alone and import costs are visible:

- charts: generating every SVG chart of the report (trend lines, funnel,
  sparklines, score ring and bars) from the demo result;
- html: `render_html` (Jinja2, charts, inline CSS and fonts), the standalone file;
- pdf: `render_pdf` (the same HTML through WeasyPrint: layout, then PDF write),
  plus the one-off `import weasyprint`.

The demo result is audited once in the parent and handed to the children as
JSON.  Not part of the test suite: timings belong here, not in asserted tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def demo_result(language: str) -> dict:
    from auditor.core.resources import demo_dir
    from auditor.pipeline.runner import audit_file

    return audit_file(demo_dir() / "demo.yaml", language=language).to_json()


def _charts(result: dict, language: str) -> int:
    """Every chart the report draws, built exactly as the report builds them."""
    from auditor.core.strings import Translator
    from auditor.metrics.catalog import CATEGORIES
    from auditor.outputs.numbers import Formats
    from auditor.outputs.report.sections import funnel_view, trend_charts
    from auditor.outputs.view import finding_view

    t = Translator(language)
    fmt = Formats(language, "EUR")
    count = 0
    for category in CATEGORIES:
        count += sum(c["svg"] is not None for c in trend_charts(category, result, t, fmt))
    funnel_view(result, t, fmt)
    count += 1
    for finding in result["findings"]:
        count += finding_view(finding, result, t, fmt)["spark"] is not None
    return count


def child(kind: str, source: Path, runs: int, language: str) -> None:
    """Runs in a child process: time `runs` renders of one kind, print JSON."""
    result = json.loads(source.read_text(encoding="utf-8"))
    out: dict[str, object] = {"kind": kind}
    samples = []
    if kind == "charts":
        for _ in range(runs):
            start = time.perf_counter()
            out["charts"] = _charts(result, language)
            samples.append(time.perf_counter() - start)
    elif kind == "html":
        from auditor.outputs.report.html import render_html

        for _ in range(runs):
            start = time.perf_counter()
            page = render_html(result, language=language)
            samples.append(time.perf_counter() - start)
        out["size_kb"] = round(len(page.encode()) / 1024)
    else:
        start = time.perf_counter()
        import weasyprint  # noqa: F401

        out["import_s"] = round(time.perf_counter() - start, 3)
        from auditor.outputs.report.pdf import render_pdf

        for _ in range(runs):
            start = time.perf_counter()
            rendered = render_pdf(result, language=language)
            samples.append(time.perf_counter() - start)
        out["pages"] = rendered.pages
        out["size_kb"] = round(len(rendered.data) / 1024)
    out["median_s"] = statistics.median(samples)
    out["min_s"] = min(samples)
    out["max_s"] = max(samples)
    out["first_s"] = samples[0]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lang", default="es", choices=("es", "en"))
    parser.add_argument("--child", choices=("charts", "html", "pdf"), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.source, args.runs, args.lang)
        return
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "demo.json"
        source.write_text(json.dumps(demo_result(args.lang)), encoding="utf-8")
        print(f"demo report, language {args.lang}, {args.runs} runs per kind (one process each)")
        for kind in ("charts", "html", "pdf"):
            runs = args.runs * 20 if kind != "pdf" else args.runs
            proc = subprocess.run(
                [sys.executable, __file__, "--child", kind, "--source", str(source),
                 "--runs", str(runs), "--lang", args.lang],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            extra = {
                k: v for k, v in data.items() if k in ("charts", "pages", "size_kb", "import_s")
            }
            print(
                f"{kind:6s} median {data['median_s'] * 1000:8.1f} ms  min {data['min_s'] * 1000:8.1f}"
                f"  max {data['max_s'] * 1000:8.1f}  first {data['first_s'] * 1000:8.1f}"
                f"  peak RSS {data['peak_rss_mb']:4d} MB  (n={runs}) {extra}"
            )


if __name__ == "__main__":
    main()
