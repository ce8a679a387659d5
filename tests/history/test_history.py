"""The history store: recording, migrations, concurrency, corruption, baselines, diff."""

from __future__ import annotations

import copy
import hashlib
import json
import multiprocessing
import shutil
import sqlite3
from pathlib import Path

import pytest

from auditor.config.loader import load_config
from auditor.core.errors import EXIT_BAD_INPUT, InputError
from auditor.core.resources import demo_dir
from auditor.history import (
    HistoryError,
    HistoryStore,
    apply_history_baselines,
    configured_store_path,
    default_store_path,
    diff_results,
    history_baselines,
    new_failures,
    pack_hash,
    record_result,
    regressions,
    resolved_findings,
)
from auditor.history.migrations import LATEST_VERSION, MIGRATIONS
from auditor.history.records import APPLICATION_ID
from auditor.pipeline.runner import audit

SLUG = "suministros-industriales-ebro-s-l"
NEW_IN_Q3 = [
    "unsubscribe-rate",
    "unsubscribe-rate-trend",
    "mql-to-sql-rate",
    "spam-complaint-rate",
    "bounce-rate",
]


def demo_result(period: str) -> dict:
    return audit(load_config(demo_dir() / "demo.yaml", period)).to_json()


@pytest.fixture(scope="module")
def q2() -> dict:
    return demo_result("2026-Q2")


@pytest.fixture(scope="module")
def q3() -> dict:
    return demo_result("2026-Q3")


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / ".auditor" / "history.sqlite")


def _sql(path: Path, query: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------- recording and reading


def test_record_two_periods_and_read_them_back(store, q2, q3):
    assert not store.exists
    first = store.record(q2)
    second = store.record(q3)
    assert (first, second) == (1, 2)
    assert store.exists

    runs = store.runs()
    assert [(r.client_slug, r.period, r.period_start, r.period_end) for r in runs] == [
        (SLUG, "2026-Q2", "2026-04-01", "2026-06-30"),
        (SLUG, "2026-Q3", "2026-07-01", "2026-09-30"),
    ]
    assert [r.overall for r in runs] == [87.8, 71.0]
    assert dict(runs[0].categories) == {
        "activity": 70.0,
        "response": 100.0,
        "efficiency": 96.4,
        "value": 78.6,
    }
    assert dict(runs[1].categories) == {
        "activity": 70.0,
        "response": 50.0,
        "efficiency": 89.3,
        "value": 78.6,
    }
    assert [r.exit_code for r in runs] == [1, 1]
    assert runs[0].client == "Suministros Industriales Ebro, S.L."
    assert runs[0].tool_version == q2["tool"]["version"]
    assert runs[0].pack_hash == pack_hash(q2)
    assert runs[0].recorded_at < runs[1].recorded_at
    assert runs[0].to_json()["scores"] == {
        "overall": 87.8,
        "activity": 70.0,
        "response": 100.0,
        "efficiency": 96.4,
        "value": 78.6,
    }

    assert store.periods(SLUG) == ["2026-Q2", "2026-Q3"]
    assert store.latest(SLUG, "2026-Q3") == json.loads(json.dumps(q3))
    assert store.latest(SLUG, "2026-Q1") is None
    assert store.latest("nobody", "2026-Q3") is None
    assert store.runs("Suministros Industriales Ebro, S.L.") == runs  # by name too
    assert store.runs("nobody") == []
    assert store.clients() == [(SLUG, "Suministros Industriales Ebro, S.L.")]

    baselines = store.metric_baselines(SLUG, "2026-Q2")
    assert baselines is not None
    assert baselines["unsubscribes"] == 84
    assert baselines["emails_delivered"] == 34406
    assert baselines["unsubscribe_rate"] == 84 / 34406
    assert store.metric_baselines(SLUG, "2025-Q2") is None

    # indexed rows for queries across runs: one per category and one per finding
    path = store.path
    assert _sql(path, "SELECT count(*) FROM run_scores") == [(8,)]
    assert _sql(path, "SELECT count(*) FROM run_findings WHERE run_id = 2") == [
        (len(q3["findings"]),)
    ]
    assert _sql(
        path, "SELECT rule FROM run_findings WHERE run_id = 2 AND status = 'fail' ORDER BY rule"
    ) == [
        ("behavioral-workflows-share",),
        ("closed-loop-coverage",),
        ("unsubscribe-rate",),
        ("unsubscribe-rate-trend",),
    ]


def test_pack_hash_is_the_sha256_of_the_sorted_pack_hashes(q3):
    assert pack_hash(q3) == hashlib.sha256(q3["rule_packs"][0]["sha256"].encode()).hexdigest()
    one = {"rule_packs": [{"sha256": "bb"}, {"sha256": "aa"}]}
    other = {"rule_packs": [{"sha256": "aa"}, {"sha256": "bb"}]}
    assert pack_hash(one) == pack_hash(other) == hashlib.sha256(b"aa\nbb").hexdigest()


def test_recording_the_same_key_again_replaces_it(store, q3):
    first = store.record(q3)
    again = copy.deepcopy(q3)
    again["exit_reason"] = "second recording"
    second = store.record(again)
    assert second != first
    runs = store.runs()
    assert [(r.id, r.exit_reason) for r in runs] == [(second, "second recording")]
    assert _sql(store.path, "SELECT count(*) FROM run_findings WHERE run_id = ?", first) == [(0,)]

    # another tool version (or pack hash) is another run; latest() is the newest of them
    newer = copy.deepcopy(q3)
    newer["tool"]["version"] = "9.9.9"
    newer["exit_reason"] = "newer tool"
    store.record(newer)
    assert [r.tool_version for r in store.runs()] == [q3["tool"]["version"], "9.9.9"]
    assert store.latest(SLUG, "2026-Q3")["exit_reason"] == "newer tool"
    assert store.periods(SLUG) == ["2026-Q3"]


def test_record_result_and_default_store_path(tmp_path, q2):
    path = default_store_path(tmp_path)
    assert path == tmp_path / ".auditor" / "history.sqlite"
    record_result(q2, path)
    assert [r.period for r in HistoryStore(path).runs()] == ["2026-Q2"]


def test_recording_something_else_is_an_error(store):
    with pytest.raises(HistoryError, match=r"not an audit result \(missing client, client_slug"):
        store.record({"schema_version": 1})
    assert not store.exists


def test_reading_a_missing_store_creates_nothing(tmp_path):
    store = HistoryStore(tmp_path / "nowhere" / "history.sqlite")
    assert store.runs() == []
    assert store.periods(SLUG) == []
    assert store.latest(SLUG, "2026-Q3") is None
    assert store.metric_baselines(SLUG, "2026-Q3") is None
    assert store.schema_version() == 0
    assert not (tmp_path / "nowhere").exists()


# ---------------------------------------------------------------- schema and migrations


def test_migrations_from_an_empty_file_and_idempotent_reopen(store, q3):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"")  # an empty file is an empty SQLite database
    assert store.schema_version() == 0  # reading never migrates
    assert store.path.read_bytes() == b""
    assert store.migrate() == LATEST_VERSION == 3
    assert _sql(store.path, "PRAGMA user_version") == [(LATEST_VERSION,)]
    assert _sql(store.path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    assert _sql(store.path, "PRAGMA journal_mode") == [("wal",)]
    tables = {
        name for (name,) in _sql(store.path, "SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert tables == {"runs", "run_scores", "run_findings", "sqlite_sequence"}
    schema = _sql(store.path, "SELECT sql FROM sqlite_master ORDER BY name")

    run_id = store.record(q3)
    for _ in range(3):  # reopening applies nothing and loses nothing
        reopened = HistoryStore(store.path)
        assert reopened.schema_version() == LATEST_VERSION
        assert [r.id for r in reopened.runs()] == [run_id]
    assert _sql(store.path, "SELECT sql FROM sqlite_master ORDER BY name") == schema


def test_migration_2_backfills_findings_of_runs_recorded_at_version_1(store, q3):
    store.path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store.path)
    for statement in MIGRATIONS[0].statements:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO runs (client_slug, client_name, period_label, period_start, period_end, "
        "pack_hash, tool_version, schema_version, recorded_at, overall_score, exit_code, "
        "result_json) VALUES (?, ?, '2026-Q3', '2026-07-01', '2026-09-30', 'h', '0.0.1', 1, "
        "'2026-10-01T00:00:00.000000Z', 71.0, 1, ?)",
        (SLUG, q3["client"], json.dumps(q3)),
    )
    conn.commit()
    conn.close()

    assert store.schema_version() == 1  # read as it is, never migrated by reading
    assert store.latest(SLUG, "2026-Q3")["scores"]["overall"] == 71.0
    assert store.migrate() == 3
    rows = _sql(store.path, "SELECT rule, status FROM run_findings ORDER BY rule")
    assert rows == sorted((f["rule"], f["status"]) for f in q3["findings"])
    assert store.latest(SLUG, "2026-Q3")["scores"]["overall"] == 71.0


def test_a_store_from_a_newer_auditor_is_refused(store):
    store.path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store.path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(HistoryError, match="schema version 99, written by a newer auditor"):
        store.runs()


def test_a_foreign_sqlite_database_is_refused(store):
    store.path.parent.mkdir(parents=True)
    conn = sqlite3.connect(store.path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.close()
    with pytest.raises(HistoryError, match="not an auditor history store"):
        store.runs()
    assert _sql(store.path, "SELECT name FROM sqlite_master") == [("customers",)]


def test_a_corrupt_file_is_a_clear_bad_input_error(store, q3):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(b"this is not a database\n" * 200)
    for action in (store.runs, lambda: store.record(q3), lambda: store.latest(SLUG, "2026-Q3")):
        with pytest.raises(HistoryError) as info:
            action()
        message = str(info.value)
        assert message.startswith(f"{store.path}: not a readable auditor history store")
        assert "file is not a database" in message
        assert "move the file aside" in message
        assert isinstance(info.value, InputError)
        assert info.value.exit_code == EXIT_BAD_INPUT == 2
    assert store.path.read_bytes() == b"this is not a database\n" * 200  # left untouched


# ---------------------------------------------------------------- concurrency

WORKERS = 8
WRITES = 25


def _writer(path: str, worker: int, template: dict, barrier) -> None:
    store = HistoryStore(path)
    barrier.wait()
    for i in range(WRITES):
        own = copy.deepcopy(template)
        own["client_slug"] = f"client-{worker}"
        own["client"] = f"Client {worker}"
        own["period"] = {"label": f"2026-{i + 1:02d}", "start": "2026-01-01", "end": "2026-01-31"}
        own["exit_reason"] = f"worker {worker} write {i}"
        store.record(own)
        shared = copy.deepcopy(template)  # every worker also rewrites one shared key
        shared["exit_reason"] = f"shared by worker {worker} write {i}"
        store.record(shared)


def test_parallel_processes_lose_nothing_and_corrupt_nothing(tmp_path, q3):
    template = {k: v for k, v in q3.items() if k not in ("snapshot", "trend")}
    path = tmp_path / "history.sqlite"  # not created yet: the workers race to create it
    methods = multiprocessing.get_all_start_methods()
    # spawn, not fork: other tests leave threads (local HTTP servers) whose locks a forked
    # child would inherit mid-use; fresh interpreters race on the file as real runs do.
    context = multiprocessing.get_context("spawn" if "spawn" in methods else "fork")
    barrier = context.Barrier(WORKERS)
    processes = [
        context.Process(target=_writer, args=(str(path), w, template, barrier))
        for w in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * WORKERS

    assert _sql(path, "PRAGMA integrity_check") == [("ok",)]
    assert _sql(path, "PRAGMA journal_mode") == [("wal",)]
    store = HistoryStore(path)
    runs = store.runs()
    assert len(runs) == WORKERS * WRITES + 1
    expected = {f"worker {w} write {i}" for w in range(WORKERS) for i in range(WRITES)}
    assert {r.exit_reason for r in runs if r.client_slug != SLUG} == expected
    for worker in range(WORKERS):
        assert store.periods(f"client-{worker}") == [f"2026-{i + 1:02d}" for i in range(WRITES)]
        stored = store.latest(f"client-{worker}", "2026-07")
        assert stored["exit_reason"] == f"worker {worker} write 6"
        assert stored["findings"] == template["findings"]
    (shared,) = [r for r in runs if r.client_slug == SLUG]
    assert shared.exit_reason.startswith("shared by worker ")
    assert _sql(path, "SELECT count(*) FROM run_findings") == [(len(runs) * len(q3["findings"]),)]
    assert _sql(path, "SELECT count(*) FROM run_scores") == [(len(runs) * 4,)]


# ---------------------------------------------------------------- baselines from the store


def _client_with_q3_only(folder: Path, extra_config: str = "") -> Path:
    """The demo client whose data file starts in 2026-07: no previous period, no last year."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (demo_dir() / "data.csv").read_text(encoding="utf-8").splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if line >= "2026-07"]
    (folder / "data.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.copy(demo_dir() / "leads.csv", folder / "leads.csv")
    config = (demo_dir() / "demo.yaml").read_text(encoding="utf-8") + extra_config
    (folder / "audit.yaml").write_text(config, encoding="utf-8")
    return folder / "audit.yaml"


def _finding(result: dict, rule: str) -> dict:
    return next(f for f in result["findings"] if f["rule"] == rule)


def test_stored_baselines_let_change_rules_evaluate(tmp_path, q2):
    config_path = _client_with_q3_only(tmp_path / "client")
    config = load_config(config_path)

    before = audit(config).to_json()
    trend = _finding(before, "unsubscribe-rate-trend")
    assert trend["status"] == "not_applicable"
    # the reason in the audit's language (the demo audits in Spanish)
    assert trend["reason"] == "sin referencia: unsubscribe_rate no tiene datos en 2026-Q2"
    assert _finding(before, "mqls-yoy")["status"] == "not_applicable"
    assert before["metrics"]["unsubscribe_rate"]["previous"] is None
    assert before["source"]["baselines"] == {
        "previous_period": {"period": "2026-Q2", "from": "none"},
        "same_period_last_year": {"period": "2025-Q3", "from": "none"},
    }
    assert not default_store_path(config.folder).exists()  # reading created nothing

    record_result(q2, default_store_path(config.folder))  # last quarter's audit
    record_result(demo_result("2025-Q3"), default_store_path(config.folder))
    after = audit(config).to_json()

    q2_rate = 84 / 34406
    q3_rate = 454 / 36187
    trend = _finding(after, "unsubscribe-rate-trend")
    assert trend["status"] == "fail"
    assert trend["reason"] is None
    assert trend["compare"]["baseline"] == q2_rate
    assert trend["compare"]["period"] == "2026-Q2"
    assert trend["change"] == round(q3_rate - q2_rate, 12)
    assert trend["value"] == round(q3_rate - q2_rate, 12)
    unsub = after["metrics"]["unsubscribe_rate"]
    assert unsub["value"] == q3_rate
    assert unsub["previous"] == q2_rate
    assert unsub["change"] == (q3_rate - q2_rate) / q2_rate
    assert after["metrics"]["mqls"]["previous"] == 120
    assert after["metrics"]["mqls"]["change"] == 0.1

    yoy = _finding(after, "mqls-yoy")
    assert yoy["status"] == "pass"
    assert yoy["compare"]["period"] == "2025-Q3"

    provenance = after["source"]["baselines"]
    assert provenance["previous_period"]["from"] == "history"
    assert provenance["previous_period"]["run"]["id"] == 1
    assert provenance["previous_period"]["run"]["pack_hash"] == pack_hash(q2)
    assert "unsubscribe_rate" in provenance["previous_period"]["metrics"]
    assert provenance["same_period_last_year"]["from"] == "history"
    assert provenance["same_period_last_year"]["run"]["id"] == 2
    assert "mqls" in provenance["same_period_last_year"]["metrics"]


def test_stored_baselines_never_replace_the_sources_own(tmp_path, q2):
    folder = tmp_path / "full"
    shutil.copytree(demo_dir(), folder)
    config = load_config(folder / "demo.yaml")
    doctored = copy.deepcopy(q2)
    doctored["metrics"]["unsubscribe_rate"]["value"] = 0.5
    record_result(doctored, default_store_path(folder))

    result = audit(config).to_json()
    assert result["metrics"]["unsubscribe_rate"]["previous"] == 84 / 34406
    assert result["source"]["baselines"]["previous_period"] == {
        "period": "2026-Q2",
        "from": "source",
    }


def test_partial_source_baselines_are_completed_from_the_store(tmp_path, q2):
    config = load_config(_client_with_q3_only(tmp_path / "client"))
    metrics_source = audit(config).metrics
    # pretend the connector knew one previous value: only the others come from the store
    values = dict(metrics_source.values)
    values["mqls"] = values["mqls"].__class__(**{**vars(values["mqls"]), "previous": 100.0})
    partial = metrics_source.__class__(
        metrics_source.period, metrics_source.previous_period, values, {}
    )
    store = HistoryStore(tmp_path / "h.sqlite")
    store.record(q2)

    filled, provenance = history_baselines(partial, store, SLUG)
    assert filled.values["mqls"].previous == 100.0  # the source's value stays
    assert filled.values["sqls"].previous == 33
    assert filled.values["sqls"].change == (23 - 33) / 33
    assert provenance["previous_period"]["from"] == "source+history"
    assert "mqls" not in provenance["previous_period"]["metrics"]
    assert apply_history_baselines(partial, store.path, SLUG) == filled
    assert apply_history_baselines(partial, None, SLUG) is partial


def test_history_path_from_the_config(tmp_path, q2):
    config_path = _client_with_q3_only(
        tmp_path / "client", "history:\n  path: records/audits.sqlite\n  record: true\n"
    )
    config = load_config(config_path)
    assert configured_store_path(config) == tmp_path / "client" / "records" / "audits.sqlite"
    assert config.history_record is True
    record_result(q2, configured_store_path(config))
    assert _finding(audit(config).to_json(), "unsubscribe-rate-trend")["status"] == "fail"

    default = load_config(demo_dir() / "demo.yaml")
    assert configured_store_path(default) == demo_dir() / ".auditor" / "history.sqlite"
    assert default.history_record is False


def test_unknown_history_keys_are_config_errors(tmp_path):
    config_path = _client_with_q3_only(tmp_path / "client", "history:\n  pth: x.sqlite\n")
    with pytest.raises(InputError, match=r"history\.pth"):
        load_config(config_path)


def test_a_corrupt_store_fails_the_audit_with_its_message(tmp_path):
    config = load_config(_client_with_q3_only(tmp_path / "client"))
    path = default_store_path(config.folder)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(HistoryError, match="not a readable auditor history store"):
        audit(config)


# ---------------------------------------------------------------- comparing results


def test_diff_finds_new_resolved_and_changed(q2, q3):
    diff = diff_results(q2, q3)
    assert (diff["client_slug"], diff["before"], diff["after"]) == (SLUG, "2026-Q2", "2026-Q3")
    assert [f["rule"] for f in diff["new"]] == NEW_IN_Q3
    assert [(f["status"], f["was"]) for f in diff["new"]] == [
        ("fail", "pass"),
        ("fail", "pass"),
        ("warn", "pass"),
        ("warn", "pass"),
        ("warn", "pass"),
    ]
    assert diff["new"][0]["message"] == _finding(q3, "unsubscribe-rate")["message"]
    assert [(f["rule"], f["was"], f["status"]) for f in diff["resolved"]] == [
        ("lead-velocity", "warn", "pass")
    ]
    assert [(f["rule"], f["before"], f["after"]) for f in diff["findings"]] == [
        ("unsubscribe-rate", "pass", "fail"),
        ("unsubscribe-rate-trend", "pass", "fail"),
        ("mql-to-sql-rate", "pass", "warn"),
        ("spam-complaint-rate", "pass", "warn"),
        ("bounce-rate", "pass", "warn"),
        ("lead-velocity", "warn", "pass"),
    ]
    assert diff["scores"] == {
        "overall": {"before": 87.8, "after": 71.0, "delta": -16.8},
        "activity": {"before": 70.0, "after": 70.0, "delta": 0.0},
        "response": {"before": 100.0, "after": 50.0, "delta": -50.0},
        "efficiency": {"before": 96.4, "after": 89.3, "delta": -7.1},
        "value": {"before": 78.6, "after": 78.6, "delta": 0.0},
    }
    metrics = {m["metric"]: m for m in diff["metrics"]}
    assert metrics["unsubscribes"] == {
        "metric": "unsubscribes",
        "unit": "count",
        "before": 84,
        "after": 454,
        "delta": 370,
        "change": 370 / 84,
    }
    assert metrics["unsubscribe_rate"]["before"] == 84 / 34406
    assert metrics["unsubscribe_rate"]["after"] == 454 / 36187
    assert metrics["sqls"]["change"] == (23 - 33) / 33
    assert "mqls" in metrics
    assert diff_results(q3, q3)["metrics"] == []
    assert diff_results(q3, q3)["findings"] == []


def test_new_failures_resolved_and_regressions(q2, q3):
    assert new_failures(q3, q2) == NEW_IN_Q3
    assert new_failures(q3, q3) == []
    assert new_failures(q2, q3) == ["lead-velocity"]
    assert resolved_findings(q3, q2) == ["lead-velocity"]
    assert resolved_findings(q2, q3) == [
        "unsubscribe-rate",
        "unsubscribe-rate-trend",
        "mql-to-sql-rate",
        "spam-complaint-rate",
        "bounce-rate",
    ]
    # a rule the baseline did not have at all counts as new when it fails now
    trimmed = copy.deepcopy(q2)
    trimmed["findings"] = [f for f in trimmed["findings"] if f["rule"] != "closed-loop-coverage"]
    assert "closed-loop-coverage" in new_failures(q3, trimmed)

    assert regressions(q3, q2) == diff_results(q2, q3)["scores"]
    withheld = copy.deepcopy(q3)
    withheld["scores"]["response"] = None
    assert regressions(withheld, q2)["response"] == {"before": 100.0, "after": None, "delta": None}
