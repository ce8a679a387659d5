"""The finished result kept between processes (auditor/pipeline/result_cache.py): given
back only while nothing the audit read has changed, never for a platform's data, never
for an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditor.core.errors import InputError
from auditor.pipeline import result_cache
from auditor.pipeline.session import AuditRequest, run_audit
from tests.helpers import ROOT

PACK = """\
version: 1
name: house
extends: [default]
rules:
  - id: unsubscribe-rate
    message:
      en: "Unsubscribes at {{ value | pct }}."
      es: "Bajas en {{ value | pct }}."
"""


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The result cache on, in a folder of this test's own."""
    monkeypatch.delenv(result_cache.OFF_ENV, raising=False)
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(folder))
    return folder / result_cache.FOLDER


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _without_time(result: dict[str, Any]) -> dict[str, Any]:
    """The result without the clock's readings: when it was generated and when its source
    was read (`fetched_at`, in the source and the snapshot), which differ by a second when
    two runs straddle one."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: strip(v) for k, v in value.items() if k not in ("generated_at", "fetched_at")
            }
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    stripped: dict[str, Any] = strip(result)
    return stripped


def test_an_unchanged_audit_is_given_back_with_a_new_time(kept, client_dir, monkeypatch):
    request = AuditRequest(client_dir / "audit.yaml")
    first = run_audit(request)
    assert len(_entries(kept)) == 1
    calls: list[Any] = []
    import auditor.pipeline.session as session

    monkeypatch.setattr(session, "_run_audit", lambda *a: calls.append(a))
    again = run_audit(request)
    assert calls == []  # nothing computed
    assert _without_time(again.result) == _without_time(first.result)
    assert again.inputs == first.inputs
    assert again.store == first.store


def _changed(client_dir: Path, kept: Path, change: Any) -> tuple[dict, dict]:
    request = AuditRequest(client_dir / "audit.yaml")
    before = run_audit(request).result
    change()
    after = run_audit(request).result
    return before, after


def test_an_edited_data_file_is_audited_again(kept, client_dir):
    data = client_dir / "data.csv"

    def edit() -> None:
        data.write_text(data.read_text().replace("1000,", "1500,", 1), encoding="utf-8")

    before, after = _changed(client_dir, kept, edit)
    assert before["metrics"] != after["metrics"]
    assert len(_entries(kept)) == 1  # the same key: the new result took the old one's place


def test_an_edited_rule_pack_is_audited_again(kept, client_dir):
    pack = client_dir / "house.yaml"
    pack.write_text(PACK, encoding="utf-8")
    config = client_dir / "audit.yaml"
    config.write_text(config.read_text() + "rules: {packs: [house.yaml]}\n")

    def edit() -> None:
        pack.write_text(PACK.replace("Unsubscribes at", "Opt-outs at"), encoding="utf-8")

    before, after = _changed(client_dir, kept, edit)

    def said(result: dict[str, Any]) -> str:
        [message] = [f["message"] for f in result["findings"] if f["rule"] == "unsubscribe-rate"]
        return str(message)

    assert said(before).startswith("Unsubscribes at")
    assert said(after).startswith("Opt-outs at")


def test_another_day_version_or_package_is_another_entry(kept, client_dir, monkeypatch):
    request = AuditRequest(client_dir / "audit.yaml")
    run_audit(request)
    fields = asdict(request)
    name = result_cache.entry_name(request.config, fields)
    with monkeypatch.context() as patch:
        patch.setattr(result_cache, "_package_fingerprint", lambda: "an edited module")
        assert result_cache.entry_name(request.config, fields) != name
        assert result_cache.load(request.config, fields) is None
    with monkeypatch.context() as patch:
        patch.setattr(result_cache.auditor, "__version__", "99.0.0")
        assert result_cache.entry_name(request.config, fields) != name
        assert result_cache.load(request.config, fields) is None

    class Tomorrow(date):
        @classmethod
        def today(cls) -> date:
            return date(2099, 1, 1)

    with monkeypatch.context() as patch:
        patch.setattr(result_cache, "date", Tomorrow)
        assert result_cache.entry_name(request.config, fields) != name
        assert result_cache.load(request.config, fields) is None
    assert result_cache.load(request.config, fields) is not None  # all as before: a hit


def test_options_and_expanded_variables_are_part_of_the_key(kept, client_dir, monkeypatch):
    config = client_dir / "audit.yaml"
    base = result_cache.entry_name(config, asdict(AuditRequest(config)))
    assert result_cache.entry_name(config, asdict(AuditRequest(config, fail_on="warn"))) != base
    assert result_cache.entry_name(config, asdict(AuditRequest(config, language="es"))) != base
    config.write_text(config.read_text().replace("data.csv", "${DATA_NAME}"), encoding="utf-8")
    monkeypatch.setenv("DATA_NAME", "data.csv")
    named = result_cache.entry_name(config, asdict(AuditRequest(config)))
    monkeypatch.setenv("DATA_NAME", "other.csv")
    assert result_cache.entry_name(config, asdict(AuditRequest(config))) != named


def test_a_recorded_run_changes_the_store_and_so_the_next_answer(kept, client_dir):
    request = AuditRequest(client_dir / "audit.yaml", record=True)
    first = run_audit(request)
    first.record()
    assert first.store is not None
    assert first.store.is_file()
    assert (
        result_cache.load(request.config, asdict(request)) is None
    )  # the store it reads has changed
    run_audit(request)  # computed again, and kept in the old entry's place
    assert len(_entries(kept)) == 1
    assert result_cache.load(request.config, asdict(request)) is not None


def test_errors_are_never_kept(kept, client_dir):
    data = client_dir / "data.csv"
    data.write_text(data.read_text().replace("1000,", "lots,", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError, match="lots"):
            run_audit(AuditRequest(client_dir / "audit.yaml"))
    assert _entries(kept) == []


def test_a_platform_source_is_never_kept(kept, tmp_path, monkeypatch):
    import auditor.pipeline.session as session
    from auditor.config.loader import load_config

    path = tmp_path / "audit.yaml"
    path.write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: hubspot}\n"
        "costs: {currency: EUR, platform: 1}\n",
        encoding="utf-8",
    )
    assert session._local_only(load_config(path), AuditRequest(path)) is False


def test_a_damaged_entry_is_a_miss(kept, client_dir):
    request = AuditRequest(client_dir / "audit.yaml")
    first = run_audit(request)
    [entry] = _entries(kept)
    entry.write_text('{"format": 1, "files": 7}', encoding="utf-8")
    assert result_cache.load(request.config, asdict(request)) is None
    assert _without_time(run_audit(request).result) == _without_time(first.result)


def test_turned_off_nothing_is_written(kept, client_dir, monkeypatch):
    monkeypatch.setenv(result_cache.OFF_ENV, "1")
    run_audit(AuditRequest(client_dir / "audit.yaml"))
    assert _entries(kept) == []


_CHECK = """
import sys
import time
from auditor.pipeline.session import AuditRequest, run_audit
from pathlib import Path
finished = run_audit(AuditRequest(Path(sys.argv[1])))
heavy = [m for m in ("auditor.pipeline.runner", "auditor.config.loader", "numpy", "pydantic")
         if m in sys.modules]
print(finished.result["exit_code"], ",".join(heavy))
"""


def test_processes_at_once_fill_it_and_a_hit_imports_no_audit_code(kept, tmp_path):
    config = ROOT / "auditor" / "demo" / "demo.yaml"
    env = {**os.environ, "AUDITOR_CACHE_DIR": str(kept.parent), "PYTHONPATH": str(ROOT)}
    started = [
        subprocess.Popen(
            [sys.executable, "-c", _CHECK, str(config)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    answers = [p.communicate(timeout=120) for p in started]
    assert all(p.returncode == 0 for p in started), answers
    assert len(_entries(kept)) == 1
    json.loads(_entries(kept)[0].read_text(encoding="utf-8"))  # a whole entry
    done = subprocess.run(
        [sys.executable, "-c", _CHECK, str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["1"], done.stdout  # the exit code, and no heavy module


def test_entries_older_than_a_week_are_removed_when_one_is_written(kept, client_dir):
    kept.mkdir(parents=True, mode=0o700)
    kept.parent.chmod(0o700)
    old, recent = kept / "old.json", kept / "recent.json"
    for path in (old, recent):
        path.write_text("{}", encoding="utf-8")
    eight_days_ago = time.time() - 8 * 24 * 3600
    os.utime(old, (eight_days_ago, eight_days_ago))
    run_audit(AuditRequest(client_dir / "audit.yaml"))
    assert not old.exists()
    assert recent.exists()
    assert len(_entries(kept)) == 2  # the recent one and the new entry
