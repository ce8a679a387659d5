"""Hostile and careless input against the outputs (issue 10): huge numbers, file-system
failures, SIGTERM, logos, bidi text and numpy overflow.

End-to-end cases run the CLI in a real process (`tests.helpers.hostile`); the inner
functions (formatting, `write_all`, the analyses) are also checked directly.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.core import formatting
from auditor.core.errors import InputError
from auditor.core.resources import demo_dir
from tests.helpers.hostile import (
    PLANTED_SECRET,
    PLANTED_VARIABLE,
    assert_clean_failure,
    hostile_run,
)

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reverses the text after it on screen
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
JPEG_START = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
HUGE = (1e28, 1e30, 1e300)
FLOAT_MAX = sys.float_info.max


def demo_copy(folder: Path) -> Path:
    """The bundled demo client (config, monthly data, leads) in `folder`."""
    shutil.copytree(demo_dir(), folder, dirs_exist_ok=True)
    return folder


def set_costs(folder: Path, value: str) -> None:
    """Every monthly cost of the demo config set to `value`."""
    config = folder / "demo.yaml"
    lines = []
    for line in config.read_text(encoding="utf-8").splitlines():
        key = line.strip().split(":")[0]
        if key in ("platform", "staff", "services", "media", "sales", "overhead"):
            line = f"  {key}: {value}"
        lines.append(line)
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def set_revenue(folder: Path, digits: str) -> None:
    """Every money column of the demo data set to `digits` (plain digits: the file's form)."""
    data = folder / "data.csv"
    rows = data.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    money = {i for i, name in enumerate(header) if name.startswith(("revenue_", "mrr"))}
    out = [rows[0]]
    for row in rows[1:]:
        cells = row.split(",")
        out.append(",".join(digits if i in money else c for i, c in enumerate(cells)))
    data.write_text("\n".join(out) + "\n", encoding="utf-8")


def assert_ran(outcome, code: int = 0) -> None:
    assert outcome.code == code, outcome.stderr[-3000:]
    assert "Traceback" not in outcome.output, outcome.output[-3000:]
    assert "internal error" not in outcome.output
    assert "Warning" not in outcome.stderr, outcome.stderr[-3000:]  # numpy's RuntimeWarning
    assert PLANTED_SECRET not in outcome.output


# ------------------------------------------------------------------ huge numbers
@pytest.mark.parametrize("value", [*HUGE, FLOAT_MAX, -1e30, -FLOAT_MAX])
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_formatter_takes_any_finite_float(value: float, language: str) -> None:
    shown = [
        formatting.money(value, "EUR", language),
        formatting.money(value, "USD", language, digits=2),
        formatting.number(value, language, 2),
        formatting.pct(value, language),
        formatting.pp(value, language),
        formatting.signed_pct(value, language),
        *(formatting.metric(value, unit, language) for unit in ("money", "ratio", "multiple")),
    ]
    for text in shown:
        assert "E" in text, text
        assert "∞" not in text, text
        assert "nan" not in text.lower(), text
    mantissa = "1,8E308" if language == "es" else "1.8E308"
    if value == FLOAT_MAX:
        assert mantissa in formatting.money(value, "EUR", language)
        assert mantissa.replace("308", "310") in formatting.pct(value, language)  # x100, no inf


@pytest.mark.parametrize("value", HUGE)
def test_huge_costs_and_revenue_through_run_and_check(tmp_path: Path, value: float) -> None:
    folder = demo_copy(tmp_path / "client")
    set_costs(folder, repr(value))
    set_revenue(folder, "1" + "0" * 300)
    run = hostile_run(
        "run", "demo.yaml", "--format", "html,md,json", "-o", "out", "--fail-on", "never",
        cwd=folder,
    )  # fmt: skip
    assert_ran(run)
    md = next((folder / "out").glob("*_2026-Q3.md")).read_text(encoding="utf-8")
    assert "E300\u00a0€" in md  # revenue of 1e300 in Spanish, readable
    check = hostile_run(
        "check", "demo.yaml", "--format", "text,md,junit,github", "--lang", "en",
        "--output", "md=c.md", "--output", "junit=c.xml", "--output", "github=gh.txt",
        "--fail-on", "never", cwd=folder,
    )  # fmt: skip
    assert_ran(check)
    assert "€3E300" in (folder / "c.md").read_text(encoding="utf-8")  # a quarter's revenue


@pytest.mark.pdf
def test_huge_costs_render_in_the_pdf(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path / "client")
    set_costs(folder, "1e300")
    outcome = hostile_run(
        "run", "demo.yaml", "--format", "pdf", "-o", "out", "--fail-on", "never", cwd=folder
    )
    assert_ran(outcome)
    assert next((folder / "out").glob("*.pdf")).read_bytes().startswith(b"%PDF")


def test_plan_with_absurd_targets_answers_or_refuses_cleanly(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path / "client")
    outcome = hostile_run("plan", "demo.yaml", "--target-revenue", "1e30", cwd=folder)
    assert_ran(outcome)
    assert "E30\u00a0€" in outcome.stdout
    for option, value in [
        ("--target-revenue", "nan"),
        ("--target-revenue", "inf"),
        ("--target-revenue", "-1"),
        ("--budget", "inf"),
        ("--target-customers", "9" * 400),  # an int no float holds
    ]:
        refused = hostile_run("plan", "demo.yaml", option, value, cwd=folder)
        assert_clean_failure(refused, allow_files=True)
        assert option in refused.stderr
    # a target whose funnel overflows the largest float: said so, not a table of blanks
    overflow = hostile_run("plan", "demo.yaml", "--target-customers", "1" + "0" * 307, cwd=folder)
    assert_clean_failure(overflow, allow_files=True)
    assert "would exceed the largest number" in overflow.stderr


# --------------------------------------------------------------- numpy overflow
def test_lead_scores_of_1e308_give_no_numpy_warning() -> None:
    from auditor.analysis.lead_scoring import evaluate

    scores = [(-1) ** i * 1e308 * (1 - i / 1000) for i in range(200)]
    outcomes = [i % 3 == 0 for i in range(200)]
    section = evaluate(scores, outcomes, mql_threshold=0.0)  # warnings are errors here
    assert 0 <= section["auc"]["value"] <= 1
    assert all(abs(row["mean_score"]) <= 1e308 for row in section["lift"])
    assert section["best_threshold"]["value"] in scores


def test_a_monthly_series_near_1e300_fits_without_numpy_warning() -> None:
    from auditor.analysis.fit import fit_series
    from auditor.analysis.series import Series
    from auditor.core.period import add_months

    months = tuple(add_months("2024-01", i) for i in range(24))
    values = tuple(1e300 * (1 + (i % 5) / 10) for i in range(24))
    fit = fit_series(Series("revenue_won", "money", "value", "sum", months, values))
    assert fit.residual_sd > 0  # warnings are errors here
    assert fit.r2 is not None


# ------------------------------------------------------------ file-system failures
def test_output_folder_under_a_regular_file_is_a_clean_error(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path / "client")
    (folder / "plain").write_text("a file, not a folder\n", encoding="utf-8")
    outcome = hostile_run(
        "run", "demo.yaml", "--format", "json", "-o", "plain/reports", cwd=folder, out_dir=folder
    )
    assert_clean_failure(outcome, allow_files=True)
    assert "cannot write plain/reports/" in outcome.stderr
    assert "plain is a file, not a folder" in outcome.stderr
    assert not list(folder.rglob("*.tmp"))
    check = hostile_run("check", "demo.yaml", "--output", "json=plain/x.json", cwd=folder)
    assert_clean_failure(check, allow_files=True)
    assert "cannot write plain/x.json: plain is a file, not a folder" in check.stderr


def test_output_onto_a_folder_or_a_pipe_is_refused_and_leaves_them(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path / "client")
    (folder / "reports").mkdir()
    outcome = hostile_run("check", "demo.yaml", "--output", "json=reports", cwd=folder)
    assert_clean_failure(outcome, allow_files=True)
    assert "cannot write reports: it is a folder" in outcome.stderr
    assert (folder / "reports").is_dir()
    # A pipe stands for /dev/null or /dev/stdout, which as root the rename would replace.
    os.mkfifo(folder / "pipe")
    piped = hostile_run("check", "demo.yaml", "--output", "junit=pipe", cwd=folder)
    assert_clean_failure(piped, allow_files=True)
    assert "cannot write pipe: it is not a regular file" in piped.stderr
    assert not (folder / "pipe").is_file()
    assert not list(folder.rglob("*.tmp"))


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_output_folder_on_a_read_only_file_system_is_a_clean_error(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path / "client")
    for target in ("/sys/kernel", "/sys/auditor-reports"):  # exists / would be created
        outcome = hostile_run("run", "demo.yaml", "--format", "json", "-o", target, cwd=folder)
        assert_clean_failure(outcome, allow_files=True)
        assert f"cannot write {target}/" in outcome.stderr
        assert "denied" in outcome.stderr or "not permitted" in outcome.stderr


def _file_size_limit() -> None:
    """In the child: files may not grow past 4 KB, which fails writes like a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_a_write_that_fails_midway_is_a_clean_error_and_leaves_nothing(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path / "client")
    env = {**os.environ, PLANTED_VARIABLE: PLANTED_SECRET, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "run", "demo.yaml", "--format", "json,md", "-o", "out"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_file_size_limit,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr
    assert "error: cannot write out/" in proc.stderr
    assert "File too large" in proc.stderr
    assert list((folder / "out").iterdir()) == []


def test_write_all_maps_a_full_disk_to_an_output_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.outputs import files

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    outputs = {tmp_path / "a.json": files.write_text("{}"), tmp_path / "b.md": files.write_text("")}
    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(files.OutputError) as info:
        files.write_all(outputs)
    assert str(info.value) == f"cannot write {tmp_path / 'a.json'}: No space left on device"
    assert isinstance(info.value, InputError)
    assert info.value.exit_code == 2
    monkeypatch.undo()

    def writer_fills_the_disk(path: Path) -> None:
        path.write_text("partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    outputs[tmp_path / "c.pdf"] = writer_fills_the_disk
    with pytest.raises(files.OutputError, match=r"c\.pdf: No space left on device$"):
        files.write_all(outputs)
    assert list(tmp_path.iterdir()) == []


def test_batch_portfolio_under_a_regular_file_is_a_clean_error(tmp_path: Path) -> None:
    folder = demo_copy(tmp_path / "client")
    (tmp_path / "plain").write_text("a file\n", encoding="utf-8")
    outcome = hostile_run(
        "batch", str(folder / "demo.yaml"), "-o", str(tmp_path / "plain" / "out"), "--jobs", "1",
        cwd=tmp_path, out_dir=folder,
    )  # fmt: skip
    assert_clean_failure(outcome, allow_files=True)
    assert "plain is a file, not a folder" in outcome.stderr
    assert not list(tmp_path.rglob("*.tmp"))


# ------------------------------------------------------------------------ SIGTERM
def signal_while_writing(args: list[str], out: Path, signum: int) -> tuple[int, str]:
    """Run `auditor ARGS`, send `signum` once a temporary file appears in `out` (a PDF
    render is under way), and return the exit code and stderr.  Bounded: 60 s each."""
    env = {**os.environ, PLANTED_VARIABLE: PLANTED_SECRET, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditor", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob(".*.tmp")):
            assert proc.poll() is None, "the run ended before writing a temporary file"
            assert time.monotonic() < deadline, "no temporary file within 60 s"
            time.sleep(0.01)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, stderr


@pytest.mark.pdf
def test_sigterm_during_a_pdf_render_cleans_up_and_exits_143(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, stderr = signal_while_writing(
        ["demo", "-o", str(out), "--format", "pdf"], out, signal.SIGTERM
    )
    assert code == 143, stderr
    assert stderr.strip() == "terminated"
    assert list(out.iterdir()) == []


@pytest.mark.pdf
@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")],
)
def test_a_stopped_batch_stops_its_workers_and_leaves_nothing(
    tmp_path: Path, signum: int, code: int, message: str
) -> None:
    first = demo_copy(tmp_path / "first")
    second = demo_copy(tmp_path / "second")
    config = second / "demo.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("client: ", "client: Otro ", 1),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    out.mkdir()
    args = ["batch", str(first / "demo.yaml"), str(config), "-o", str(out), "--format", "pdf"]
    status, stderr = signal_while_writing([*args, "--jobs", "2"], out, signum)
    assert status == code, stderr
    assert stderr.strip().endswith(message), stderr
    time.sleep(3)  # a worker left running would now finish its PDF
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------------- logos
def logo_config(folder: Path, name: str, content: bytes, size: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.csv").touch()
    logo = folder / name
    logo.write_bytes(content)
    if size is not None:
        os.truncate(logo, size)  # sparse: the size without the disk space
    config = folder / "audit.yaml"
    config.write_text(
        "client: Logo Test\nperiod: 2026-Q3\nsource: {connector: file, path: data.csv}\n"
        f"report: {{logo: {name}}}\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    ("name", "content", "size", "reason"),
    [
        ("logo.png", PNG_1X1, 200_000_000, "is 200.0 MB; the limit is 5 MB (5,000,000 bytes)"),
        ("logo.png", PNG_1X1, 6_000_000, "is 6.0 MB; the limit is 5 MB"),
        ("logo.png", b"just some text, renamed\n", None, "logo.png is not a PNG image"),
        ("logo.png", JPEG_START, None, "(it is a JPEG: name it .jpg)"),
        ("logo.jpg", PNG_1X1, None, "(it is a PNG: name it .png)"),
        ("logo.svg", b"<svg><unclosed></svg>", None, "not an SVG image: not well-formed XML"),
        ("logo.svg", b"<html><body/></html>", None, "its root element is <html>, not <svg>"),
    ],
)
def test_a_logo_the_report_would_drop_is_refused_at_report_logo(
    tmp_path: Path, name: str, content: bytes, size: int | None, reason: str
) -> None:
    from auditor.config.loader import load_config

    config = logo_config(tmp_path, name, content, size)
    with pytest.raises(InputError) as info:
        load_config(config)
    [problem] = info.value.problems
    assert problem.path == "report.logo"
    assert problem.line == 4
    assert reason in problem.message


def test_every_logo_the_config_accepts_is_in_the_report(tmp_path: Path) -> None:
    from auditor.config.loader import load_config
    from auditor.outputs.report.html import render_html
    from tests.outputs.test_report import sample

    candidates = {
        "logo.png": PNG_1X1,
        "logo.jpeg": JPEG_START,
        "logo.svg": b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>",
        "big.png": PNG_1X1 + b"\0" * 5_000_001,  # just past the size limit
        "text.png": b"PNG? no",
    }
    shown = []
    for name, content in candidates.items():
        config = logo_config(tmp_path / name.replace(".", "_"), name, content)
        try:
            loaded = load_config(config)
        except InputError as exc:
            refused_at = exc.problems[0].path
        else:
            refused_at = None
        if refused_at is not None:
            assert refused_at == "report.logo"
            continue
        result = sample()
        result["config"]["report"]["logo"] = str(loaded.report.logo)
        assert "data:image/" in render_html(result), f"{name} was accepted, then left out"
        shown.append(name)
    assert shown == ["logo.png", "logo.jpeg", "logo.svg"]


# ----------------------------------------------------------------------- bidi text
def bidi_client(folder: Path) -> Path:
    """A client whose name and losing channel carry bidi overrides and isolates."""
    folder.mkdir(parents=True)
    channel = f"Ev{RLO}stne\u2066x\u2069"
    rows = ["month,metric,value,channel"]
    per_month = {
        "Paid Search": [(30, 1, 6000)] * 3,
        channel: [(10, 0, 0), (10, 1, 3000), (10, 0, 0)],
    }
    for name, months in per_month.items():
        for month, (leads, customers, revenue) in zip(
            ("2026-07", "2026-08", "2026-09"), months, strict=True
        ):
            rows += [
                f"{month},leads_new,{leads},{name}",
                f"{month},customers_new,{customers},{name}",
                f"{month},revenue_attributed,{revenue},{name}",
            ]
    for month in ("2026-07", "2026-08", "2026-09"):
        rows += [f"{month},deals_won,2,", f"{month},revenue_won,10000,"]
    (folder / "data.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "audit.yaml").write_text(
        f'client: "Acme \\u202efdp.exe \\u2067x\\u2069"\nperiod: 2026-Q3\nlanguage: en\n'
        "source: {connector: file, path: data.csv}\n"
        "costs: {currency: EUR, platform: 3000, media: 2000, per: period,\n"
        f'  channels: {{paid_search: 9000, "{channel}": 6000}}}}\n'
        "finance: {gross_margin: 0.5}\n",
        encoding="utf-8",
    )
    return folder


def test_bidi_controls_from_data_are_shown_not_obeyed_in_every_text_output(
    tmp_path: Path,
) -> None:
    folder = bidi_client(tmp_path / "client")
    run = hostile_run(
        "run", "audit.yaml", "--format", "md,html,json", "-o", "out", "--fail-on", "never",
        cwd=folder,
    )  # fmt: skip
    assert_ran(run, code=3)  # too little data for a score: exit 3, the outputs are written
    check = hostile_run(
        "check", "audit.yaml", "--format", "text,md,junit,github",
        "--output", "md=out/ci.md", "--output", "junit=out/ci.xml", "--output", "github=out/gh",
        "--fail-on", "never", cwd=folder,
    )  # fmt: skip
    assert_ran(check, code=3)
    outputs = {"terminal (run)": run.stdout, "terminal (check)": check.stdout}
    for path in (folder / "out").iterdir():
        if path.suffix != ".json":  # JSON is data: it keeps the text as the platform sent it
            outputs[path.name] = path.read_text(encoding="utf-8")
    assert {p.suffix for p in (folder / "out").iterdir()} >= {".md", ".html", ".xml", ""}
    for name, text in outputs.items():
        assert not set(BIDI) & set(text), f"a bidi control reached {name}"
        shown = text.replace("\\[", "[").replace("\\]", "]")  # as Markdown renders it
        assert "[U+202E]" in shown, name  # shown where it was, so it is noticed
    assert "Ev[U+202E]stne[U+2066]x[U+2069]" in outputs["gh"]  # the channel, from the data


def test_visible_is_the_one_sanitiser() -> None:
    text = f"a{RLO}b\u2066c\u2069d\x1b[31me\x00f\tg\nh\x85i"
    assert formatting.visible(text) == "a[U+202E]b[U+2066]c[U+2069]d [31me f\tg\nh i"
    assert formatting.visible(text, control="", keep="") == (
        "a[U+202E]b[U+2066]c[U+2069]d[31mefghi"
    )
