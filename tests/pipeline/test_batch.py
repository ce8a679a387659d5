"""`auditor batch`: many clients in worker processes, one failing client never stops
the others, exit precedence 2 > 3 > 1 > 0, and the portfolio (HTML, CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.core.resources import demo_dir
from auditor.outputs.portfolio import csv_cell, render_html
from auditor.pipeline import batch as batch_module
from auditor.pipeline.batch import BatchOptions, discover, duplicate_clients, is_analysis, run_batch
from auditor.pipeline.portfolio import batch_exit
from tests.helpers import CONFIG, q3_data, write_wide_csv


def invoke(*args: str):
    return CliRunner().invoke(main, ["batch", *args], catch_exceptions=False)


def add_client(folder: Path, name: str, *, scale: float = 1.0, data: str | None = None) -> Path:
    """A config `<stem>.yaml` and its data file (the helpers' Q3 data, counts scaled)."""
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "client"
    folder.mkdir(parents=True, exist_ok=True)
    monthly = {
        month: {k: round(v * scale) if k != "mrr" else v for k, v in row.items()}
        for month, row in q3_data().items()
    }
    write_wide_csv(folder / f"{stem}.csv", monthly)
    if data is not None:
        (folder / f"{stem}.csv").write_text(data, encoding="utf-8")
    config = CONFIG.replace("client: Aceros del Sur", f"client: {json.dumps(name)}").replace(
        "path: data.csv", f"path: {stem}.csv"
    )
    (folder / f"{stem}.yaml").write_text(config, encoding="utf-8")
    return folder / f"{stem}.yaml"


def break_data(config: Path, line: int = 3) -> None:
    """Put a word where the number of emails sent of one month should be."""
    data = config.with_suffix(".csv")
    lines = data.read_text(encoding="utf-8").splitlines()
    month, _, rest = lines[line - 1].partition(",")
    lines[line - 1] = f"{month},lots{rest[rest.index(',') :]}"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")


def empty_client(folder: Path, name: str = "Empty Co") -> Path:
    """A client whose data lets no rule be judged: exit 3."""
    data = "month,website_sessions\n2026-07,100\n2026-08,100\n2026-09,100\n"
    return add_client(folder, name, data=data)


def demo_client(folder: Path, name: str) -> Path:
    """A copy of the demo client (24 months: 2026-Q2 and Q3 both auditable)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_dir() / "data.csv", folder / "data.csv")
    shutil.copy(demo_dir() / "leads.csv", folder / "leads.csv")
    text = (demo_dir() / "demo.yaml").read_text(encoding="utf-8")
    line = f"client: {json.dumps(name, ensure_ascii=False)}"
    text = re.sub(r"(?m)^client: .*$", lambda _: line, text)
    (folder / "demo.yaml").write_text(text, encoding="utf-8")
    return folder / "demo.yaml"


def portfolio(out: Path) -> dict:
    return json.loads((out / "portfolio.json").read_text(encoding="utf-8"))


def rule_counts(result: dict) -> tuple[int, int]:
    statuses = [f["status"] for f in result["findings"] if not is_analysis(f)]
    return statuses.count("fail"), statuses.count("warn")


# ------------------------------------------------------------ failures are isolated
def test_a_broken_data_file_does_not_stop_the_others(tmp_path: Path):
    clients = tmp_path / "clients"
    add_client(clients, "Aceros del Sur")
    add_client(clients, "Bodegas Norte", scale=2)
    broken = add_client(clients, "Cristales Este")
    break_data(broken, line=3)
    (clients / "pack.yaml").write_text("version: 1\nrules: []\n", encoding="utf-8")  # no client:
    out = tmp_path / "out"

    result = invoke(str(clients), "-o", str(out), "--jobs", "2")

    assert result.exit_code == 2
    for slug in ("aceros-del-sur", "bodegas-norte"):
        written = json.loads((out / f"{slug}_2026-Q3.json").read_text(encoding="utf-8"))
        assert written["exit_code"] == 1
        assert (out / f"{slug}_2026-Q3.snapshot.json").is_file()
    assert not list(out.glob("cristales-este_*"))
    data = portfolio(out)
    assert data["exit_code"] == 2
    assert data["counts"] == {
        "clients": 3,
        "audited": 2,
        "errored": 1,
        "by_exit_code": {"1": 2, "2": 1},
    }
    (error,) = data["errors"]
    assert error["config"].endswith("cristales-este.yaml")
    assert error["exit_code"] == 2
    assert error["client"] == "Cristales Este"  # the config itself was fine
    assert re.search(
        r"cristales-este\.csv:3:\d+: emails_sent: 'lots' is not a number", error["error"]
    )
    # Reported on stdout and in the HTML too, and the progress lines went to stderr.
    assert "cristales-este.csv:3:" in result.stdout
    assert "cristales-este.csv:3:" in (out / "portfolio.html").read_text(encoding="utf-8")
    assert re.search(r"\[\d/3\] exit 2 ", result.stderr)
    assert [c["client_slug"] for c in data["clients"]][-1] == "cristales-este"
    assert data["clients"][-1]["rank"] is None


def test_a_bad_config_and_a_missing_file_are_reported_too(tmp_path: Path):
    good = add_client(tmp_path / "a", "Aceros del Sur")
    bad = tmp_path / "b" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text(
        "client: Bad\nperiod: 2026-Q3\nsource: {connector: file, path: x.csv}\noops: 1\n"
    )
    missing = tmp_path / "nowhere.yaml"
    out = tmp_path / "out"

    result = invoke(str(good), str(bad), str(missing), "-o", str(out))

    assert result.exit_code == 2
    errors = {Path(e["config"]).name: e for e in portfolio(out)["errors"]}
    assert set(errors) == {"bad.yaml", "nowhere.yaml"}
    assert "bad.yaml:4:1: oops" in errors["bad.yaml"]["error"]
    assert "file not found" in errors["nowhere.yaml"]["error"]
    assert (out / "aceros-del-sur_2026-Q3.json").is_file()


# ------------------------------------------------------------------- exit codes
@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 0], 0),
        ([0, 1], 1),
        ([1, 3], 3),
        ([3, 1, 0], 3),
        ([1, 3, 2, 0], 2),
        ([2, 0], 2),
        ([], 0),
    ],
)
def test_exit_precedence(codes: list[int], expected: int):
    outcomes = [
        {"exit_code": c, "config": f"c{i}.yaml", "client_slug": f"c{i}"}
        for i, c in enumerate(codes)
    ]
    code, reason = batch_exit(outcomes)
    assert code == expected
    if codes:
        assert reason.startswith(f"{codes.count(expected)} client(s) exit {expected} ")


def test_exit_precedence_across_real_clients(tmp_path: Path):
    findings = add_client(tmp_path / "a", "Aceros del Sur")  # exit 1
    nothing = empty_client(tmp_path / "e")  # exit 3
    out = tmp_path / "out"

    result = invoke(str(findings), str(nothing), "-o", str(out))
    assert result.exit_code == 3  # a 1 and a 3 give 3
    codes = {c["client_slug"]: c["exit_code"] for c in portfolio(out)["clients"]}
    assert codes == {"aceros-del-sur": 1, "empty-co": 3}

    broken = add_client(tmp_path / "b", "Bodegas Norte")
    break_data(broken)
    result = invoke(str(findings), str(nothing), str(broken), "-o", str(out))
    assert result.exit_code == 2  # a 2 wins over all
    assert portfolio(out)["exit_reason"].startswith("1 client(s) exit 2 (bad input): bodegas-norte")

    healthy = invoke(str(findings), "-o", str(out), "--fail-on", "never")
    assert healthy.exit_code == 0


def test_options_every_client_shares_are_checked_once(tmp_path: Path):
    config = add_client(tmp_path, "Aceros del Sur")
    result = invoke(str(config), "-o", str(tmp_path / "out"), "--fail-under", "valeu=70")
    assert result.exit_code == 2
    assert result.stderr.count("unknown category 'valeu'") == 1
    result = invoke(str(config), "-o", str(tmp_path / "out"), "--period", "2026-Q5")
    assert result.exit_code == 2
    assert "--period" in result.stderr
    assert not (tmp_path / "out").exists()


def test_no_config_found_is_bad_input(tmp_path: Path):
    (tmp_path / "pack.yaml").write_text("version: 1\n", encoding="utf-8")
    result = invoke(str(tmp_path))
    assert result.exit_code == 2
    assert "no audit config found" in result.stderr
    assert "--recursive" in result.stderr


# -------------------------------------------------------------------- portfolio
def test_portfolio_numbers_equal_the_individual_results(tmp_path: Path):
    clients = tmp_path / "clients"
    add_client(clients, "Aceros del Sur")
    add_client(clients, "Bodegas Norte", scale=3)
    add_client(clients, "Cristales Este", scale=0.5)
    out = tmp_path / "out"

    result = invoke(str(clients), "-o", str(out), "--fail-under", "value=90")
    assert result.exit_code == 1

    data = portfolio(out)
    rows = list(csv.DictReader(io.StringIO((out / "portfolio.csv").read_text(encoding="utf-8"))))
    assert [r["client_slug"] for r in rows] == [c["client_slug"] for c in data["clients"]]
    overall = [c["scores"]["overall"] for c in data["clients"]]
    assert overall == sorted(overall, reverse=True)  # ranked, best first
    assert [c["rank"] for c in data["clients"]] == [1, 2, 3]
    for row, client in zip(rows, data["clients"], strict=True):
        individual = json.loads(
            (out / f"{client['client_slug']}_2026-Q3.json").read_text(encoding="utf-8")
        )
        assert client["scores"] == individual["scores"]
        assert client["exit_code"] == individual["exit_code"]
        assert client["exit_reason"] == individual["exit_reason"]
        fail, warn = rule_counts(individual)
        assert (client["fail"], client["warn"]) == (fail, warn)
        for key in ("overall", "activity", "response", "efficiency", "value"):
            value = individual["scores"][key]
            assert row[key] == ("" if value is None else str(value)), key
        assert (int(row["fail"]), int(row["warn"]), int(row["exit_code"])) == (
            fail,
            warn,
            individual["exit_code"],
        )
        assert row["client"] == individual["client"]
        assert row["period"] == "2026-Q3"
        assert row["exit_reason"] == individual["exit_reason"]

    # The same numbers as `auditor check` of that client alone.
    alone = CliRunner().invoke(
        main,
        [
            "check",
            str(clients / "bodegas-norte.yaml"),
            "--format",
            "json",
            "--fail-under",
            "value=90",
        ],
    )
    checked = json.loads(alone.stdout)
    (row,) = [c for c in data["clients"] if c["client_slug"] == "bodegas-norte"]
    assert row["scores"] == checked["scores"]
    assert row["exit_code"] == checked["exit_code"] == alone.exit_code

    # Most common failing rules: counted over the clients' own findings.
    per_rule: dict[str, int] = {}
    for client in data["clients"]:
        individual = json.loads(
            (out / f"{client['client_slug']}_2026-Q3.json").read_text(encoding="utf-8")
        )
        for f in individual["findings"]:
            if f["status"] == "fail" and not is_analysis(f):
                per_rule[f["rule"]] = per_rule.get(f["rule"], 0) + 1
    common = {e["rule"]: e["fail"] for e in data["common_failures"] if e["fail"]}
    assert common == per_rule
    fails = [e["fail"] for e in data["common_failures"]]
    assert fails == sorted(fails, reverse=True)


HOSTILE = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script> & "Co"\x1b[2J'


def test_hostile_client_data_is_escaped_everywhere(tmp_path: Path):
    add_client(tmp_path / "c", HOSTILE)
    out = tmp_path / "out"
    result = invoke(str(tmp_path / "c"), "-o", str(out))
    assert result.exit_code == 1

    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Co&#34;" in html
    assert "\x1b" not in html
    assert html.count("<script") == 0
    text = (out / "portfolio.csv").read_text(encoding="utf-8")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["client"].startswith("'=HYPERLINK(")
    assert "\x1b" not in text
    assert "\x1b" not in result.stdout
    name = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))["clients"][0]["client"]
    assert name == HOSTILE  # JSON keeps the data as it is (JSON escapes it)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_csv_cells_that_could_be_formulas_are_quoted(start: str):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell(f"  \n{start}1+1") == f"'  \n{start}1+1"
    assert csv_cell(f"\r{start}1+1") == f"'{start}1+1"  # CR dropped, then quoted
    assert csv_cell("Aceros") == "Aceros"
    assert csv_cell(-16.7) == -16.7  # numbers stay numbers
    assert csv_cell(None) == ""


def test_html_is_standalone_and_renders_errors_and_incomplete_scores():
    html = render_html(
        {
            "language": "en",
            "tool": {"version": "0.1.0"},
            "generated_at": "2026-11-23T12:00:00Z",
            "exit_code": 3,
            "exit_reason": "1 client(s) exit 3",
            "counts": {"clients": 2, "audited": 1, "errored": 1, "by_exit_code": {"3": 1, "2": 1}},
            "periods": ["2026-Q3"],
            "options": {"jobs": 2, "formats": ["json"]},
            "seconds": 1.5,
            "clients": [
                {
                    "rank": 1,
                    "config": "a.yaml",
                    "client": "A",
                    "period": "2026-Q3",
                    "scores": {"overall": None},
                    "overall_coverage": 0.4,
                    "counts": {"no_data": 3},
                    "fail": 0,
                    "warn": 0,
                    "exit_code": 3,
                    "error": None,
                },
                {"rank": None, "config": "b.yaml", "exit_code": 2, "error": "b.yaml:1:1: <oops>"},
            ],
            "regressions": [],
            "common_failures": [],
            "errors": [{"config": "b.yaml", "exit_code": 2, "error": "b.yaml:1:1: <oops>"}],
        }
    )
    assert "incomplete (40%)" in html
    assert "b.yaml:1:1: &lt;oops&gt;" in html
    assert "<link" not in html
    assert not re.search(r"""(?:src|href)=["']?(?:https?:|//)""", html)


# ------------------------------------------------------------------ regressions
def test_regressions_since_the_recorded_previous_period(tmp_path: Path):
    first = demo_client(tmp_path / "ebro", "Suministros Ebro")
    second = demo_client(tmp_path / "norte", "Ferretería Norte")
    out = tmp_path / "out"

    no_history = invoke(str(first), str(second), "-o", str(out), "--lang", "en")
    assert portfolio(out)["regressions"] == []
    assert "No previous period recorded" in (out / "portfolio.html").read_text(encoding="utf-8")
    assert no_history.exit_code == 1

    recorded = invoke(str(first), str(second), "-o", str(out), "--period", "2026-Q2", "--record")
    assert recorded.exit_code in (0, 1)
    assert (tmp_path / "ebro" / ".auditor" / "history.sqlite").is_file()
    q2 = {c["client_slug"]: c["scores"] for c in portfolio(out)["clients"]}

    invoke(str(first), str(second), "-o", str(out), "--lang", "en")
    data = portfolio(out)
    regressions = {r["client_slug"]: r for r in data["regressions"]}
    assert set(regressions) == {"suministros-ebro", "ferreteria-norte"}
    for slug, row in regressions.items():
        current = next(c for c in data["clients"] if c["client_slug"] == slug)
        overall = row["overall"]
        assert overall["before"] == q2[slug]["overall"]
        assert overall["after"] == current["scores"]["overall"]
        assert overall["delta"] == pytest.approx(overall["after"] - overall["before"])
        assert overall["delta"] < 0
        assert row["previous_period"] == "2026-Q2"
        assert "unsubscribe-rate" in row["new_failures"]
        assert current["regression"]["scores"]["overall"]["delta"] == overall["delta"]
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "Ferretería Norte" in html
    assert "2026-Q2 → 2026-Q3" in html
    rows = list(csv.DictReader(io.StringIO((out / "portfolio.csv").read_text(encoding="utf-8"))))
    assert {r["previous_period"] for r in rows} == {"2026-Q2"}
    assert all(float(r["overall_change"]) < 0 for r in rows)


# -------------------------------------------------------------------- discovery
def test_discover_folders_recursive_and_duplicates(tmp_path: Path):
    top = add_client(tmp_path, "Aceros del Sur")
    nested = add_client(tmp_path / "sub", "Bodegas Norte")
    hidden = add_client(tmp_path / ".auditor", "Hidden Co")
    (tmp_path / "rules.yml").write_text("version: 1\nrules: []\n", encoding="utf-8")
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("client: Broken\nperiod: [2026-Q3\n", encoding="utf-8")
    flow = tmp_path / "flow.yml"
    flow.write_text('{"client": "Flow", "period": "2026-Q3"}\n', encoding="utf-8")

    assert discover([tmp_path]) == sorted([top, broken_yaml, flow])
    found = discover([tmp_path], recursive=True)
    assert nested in found
    assert hidden not in found
    assert discover([top, tmp_path]) == [top, *sorted([broken_yaml, flow])]  # each once

    copy = tmp_path / "sub" / "copy.yaml"
    copy.write_text(top.read_text(encoding="utf-8"), encoding="utf-8")
    assert list(duplicate_clients([top, nested, copy], None)) == [2]
    assert list(duplicate_clients([top, copy], "2026-Q2")) == [1]


def test_duplicate_clients_are_reported_not_overwritten(tmp_path: Path):
    first = add_client(tmp_path / "a", "Aceros del Sur")
    second = add_client(tmp_path / "b", "Aceros del Sur", scale=2)
    out = tmp_path / "out"
    result = invoke(str(first), str(second), "-o", str(out))
    assert result.exit_code == 2
    (error,) = portfolio(out)["errors"]
    assert error["config"] == str(second)
    assert "already audited by" in error["error"]
    written = json.loads((out / "aceros-del-sur_2026-Q3.json").read_text(encoding="utf-8"))
    assert written["source"]["label"].endswith("aceros-del-sur.csv")


# ------------------------------------------------------------- a worker that dies
_original_audit_client = batch_module.audit_client


def _crashing_audit_client(config, options):  # pickled by reference into the workers
    if Path(config).stem == "crash":
        os._exit(9)
    return _original_audit_client(config, options)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the patch reaches workers only by fork"
)
def test_a_worker_that_dies_only_takes_its_own_client(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(batch_module, "audit_client", _crashing_audit_client)
    configs = [
        add_client(tmp_path, "Aceros del Sur"),
        add_client(tmp_path, "Crash"),
        add_client(tmp_path, "Bodegas Norte"),
    ]
    done = []
    outcomes = run_batch(configs, BatchOptions(), jobs=2, on_done=done.append)
    assert [o["config"] for o in outcomes] == [str(c) for c in configs]
    assert [o["exit_code"] for o in outcomes] == [1, 2, 1]
    assert "worker process died" in outcomes[1]["error"]
    assert outcomes[0]["error"] is None
    assert outcomes[2]["error"] is None
    assert len(done) == 3


def test_an_unexpected_error_is_an_internal_error_of_that_client(tmp_path: Path, monkeypatch):
    def boom(request):
        raise ValueError("boom")

    monkeypatch.setattr("auditor.pipeline.session.run_audit", boom)
    config = add_client(tmp_path, "Aceros del Sur")
    outcome = batch_module.audit_client(config, BatchOptions(debug=True))
    assert outcome["exit_code"] == 2
    assert outcome["error"] == "internal error: ValueError: boom"
    assert "ValueError: boom" in outcome["traceback"]
    assert outcome["client"] == "Aceros del Sur"  # the config was read before the audit
    quiet = batch_module.audit_client(config, BatchOptions())
    assert quiet["traceback"] is None
