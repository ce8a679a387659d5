"""Red team (issue 10): inputs a careless colleague or an attacker would try next.

Each test states one input and its expectation: exit 2 with a located message,
no traceback, no secret, and nothing written (or nothing overwritten).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from auditor.core.resources import demo_dir
from tests.helpers.hostile import assert_clean_failure, hostile_run

SLUG_STEM = "suministros-industriales-ebro-s-l_2026-Q3"


def demo(folder: Path) -> Path:
    """The bundled demo client (demo.yaml, data.csv, leads.csv) copied into `folder`."""
    shutil.copytree(demo_dir(), folder, dirs_exist_ok=True)
    return folder / "demo.yaml"


def fingerprint(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- 1. never overwrite the run's own inputs ---------------------------------------


@pytest.mark.parametrize("victim", ["demo.yaml", "data.csv", "leads.csv"])
def test_check_output_over_an_input_is_refused(tmp_path: Path, victim: str) -> None:
    config = demo(tmp_path)
    before = fingerprint(tmp_path)
    out = hostile_run(
        "check",
        str(config),
        "--format",
        "text,json",
        "--output",
        f"json={tmp_path / victim}",
        out_dir=tmp_path,
    )
    assert_clean_failure(out, allow_files=True)
    assert victim in out.stderr
    assert "refusing to write" in out.stderr
    assert fingerprint(tmp_path) == before


def test_output_through_a_symlink_or_hard_link_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    (tmp_path / "alias.json").symlink_to(tmp_path / "data.csv")
    os.link(tmp_path / "leads.csv", tmp_path / "hard.json")
    before = fingerprint(tmp_path)
    for name in ("alias.json", "hard.json"):
        out = hostile_run(
            "check",
            str(config),
            "--format",
            "json",
            "--output",
            f"json={tmp_path / name}",
            out_dir=tmp_path,
        )
        assert_clean_failure(out, allow_files=True)
        assert "refusing to write" in out.stderr
    assert fingerprint(tmp_path) == before


def test_run_default_names_over_the_data_file_are_refused(tmp_path: Path) -> None:
    """A data file that happens to carry the name `run` gives its JSON output."""
    config = demo(tmp_path)
    (tmp_path / "data.csv").rename(tmp_path / f"{SLUG_STEM}.md")
    text = config.read_text(encoding="utf-8").replace("path: data.csv", f"path: {SLUG_STEM}.md")
    config.write_text(text, encoding="utf-8")
    # The file connector reads .md? No: the format is given, so it is read as CSV.
    config.write_text(
        text.replace("connector: file", "connector: file\n  format: csv"), encoding="utf-8"
    )
    before = fingerprint(tmp_path)
    out = hostile_run("run", str(config), "--format", "md", "-o", str(tmp_path), out_dir=tmp_path)
    assert_clean_failure(out, allow_files=True)
    assert "a data file" in out.stderr
    assert f"{SLUG_STEM}.md" in out.stderr
    assert fingerprint(tmp_path) == before


def test_run_replaying_a_result_json_in_the_output_folder_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    first = hostile_run(
        "run", str(config), "--format", "json", "-o", str(tmp_path / "out"), "--fail-on", "never"
    )
    assert first.code == 0, first.stderr
    result = tmp_path / "out" / f"{SLUG_STEM}.json"
    before = fingerprint(tmp_path / "out")
    out = hostile_run(
        "run",
        str(config),
        "--format",
        "json",
        "--from-snapshot",
        str(result),
        "-o",
        str(tmp_path / "out"),
        out_dir=tmp_path / "out",
    )
    assert_clean_failure(out, allow_files=True)
    assert "snapshot replayed" in out.stderr
    assert fingerprint(tmp_path / "out") == before


def test_output_over_a_rule_pack_or_the_logo_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    (tmp_path / "mine.yaml").write_text("version: 1\nname: mine\nextends: [default]\n")
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
    (tmp_path / "logo.png").write_bytes(png)
    text = config.read_text(encoding="utf-8").replace("packs: [default]", "packs: [./mine.yaml]")
    text = text.replace("report:\n", "report:\n  logo: logo.png\n")
    config.write_text(text, encoding="utf-8")
    before = fingerprint(tmp_path)
    for victim, what in (("mine.yaml", "rule pack"), ("logo.png", "logo")):
        out = hostile_run(
            "check",
            str(config),
            "--format",
            "md",
            "--output",
            f"md={tmp_path / victim}",
            out_dir=tmp_path,
        )
        assert_clean_failure(out, allow_files=True)
        assert what in out.stderr, out.stderr
    assert fingerprint(tmp_path) == before


def test_history_path_naming_the_data_file_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8") + "history:\n  path: data.csv\n", encoding="utf-8"
    )
    before = fingerprint(tmp_path)
    out = hostile_run("check", str(config), "--record", out_dir=tmp_path)
    assert_clean_failure(out, allow_files=True)
    assert "history" in out.stderr
    assert "data.csv" in out.stderr
    assert "demo.yaml:" in out.stderr  # located at history.path
    assert fingerprint(tmp_path) == before


def test_output_over_the_history_store_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    assert hostile_run("check", str(config), "--record", "--fail-on", "never").code == 0
    store = tmp_path / ".auditor" / "history.sqlite"
    before = store.read_bytes()
    out = hostile_run(
        "check",
        str(config),
        "--format",
        "json",
        "--output",
        f"json={store}",
        out_dir=tmp_path / "none",
    )
    assert_clean_failure(out, allow_files=True)
    assert "history store" in out.stderr
    assert store.read_bytes() == before


def test_batch_output_over_a_clients_own_data_file_is_refused(tmp_path: Path) -> None:
    clients = tmp_path / "clients"
    clients.mkdir()
    config = demo(clients)
    (clients / "data.csv").rename(clients / f"{SLUG_STEM}.json")
    text = config.read_text(encoding="utf-8").replace("path: data.csv", f"path: {SLUG_STEM}.json")
    config.write_text(text.replace("connector: file", "connector: file\n  format: csv"))
    before = fingerprint(clients)
    out = hostile_run("batch", str(clients), "-o", str(clients), "--format", "json")
    assert out.code == 2, out.output[-2000:]
    assert "Traceback" not in out.output
    assert "refusing to write" in out.output
    assert {k: v for k, v in fingerprint(clients).items() if k in before} == before


# --- 2. two outputs, one file --------------------------------------------------------


def test_same_format_twice_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    out = hostile_run(
        "check",
        str(config),
        "--output",
        f"json={tmp_path / 'a.json'}",
        "--output",
        f"json={tmp_path / 'b.json'}",
        out_dir=tmp_path / "none",
    )
    assert_clean_failure(out)
    assert "json is given twice" in out.stderr
    assert not (tmp_path / "a.json").exists()
    assert not (tmp_path / "b.json").exists()


def test_two_formats_one_path_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    out = hostile_run(
        "check",
        str(config),
        "--output",
        f"json={tmp_path / 'r.txt'}",
        "--output",
        f"md={tmp_path / '.' / 'r.txt'}",
        out_dir=tmp_path / "none",
    )
    assert_clean_failure(out)
    assert "both be written" in out.stderr
    assert not (tmp_path / "r.txt").exists()


# --- 5. warnings quote file text as errors do ------------------------------------------


def test_warning_text_from_a_file_is_inert(tmp_path: Path) -> None:
    config = demo(tmp_path)
    text = config.read_text(encoding="utf-8").replace(
        "overrides: {}",
        "overrides:\n    bounce-rate:\n      waiver:\n        until: 2020-01-01\n"
        '        reason: "\\e[2J\\e]0;pwned\\a\\u202e hidden"',
    )
    config.write_text(text, encoding="utf-8")
    out = hostile_run("check", str(config), "--fail-on", "never", out_dir=tmp_path / "none")
    assert out.code == 0, out.stderr
    assert "waiver expired" in out.stderr
    assert "\x1b" not in out.stderr
    assert "\u202e" not in out.stderr
    assert "\\x1b[2J" in out.stderr


# --- 3. a damaged history store ----------------------------------------------------------

SLUG = SLUG_STEM.split("_")[0]


@pytest.fixture(scope="module")
def recorded_store(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a history store holding one recorded audit of the demo client."""
    folder = tmp_path_factory.mktemp("recorded")
    config = demo(folder)
    out = hostile_run("check", str(config), "--record", "--fail-on", "never", out_dir=folder)
    assert out.code == 0, out.stderr
    return (folder / ".auditor" / "history.sqlite").read_bytes()


DAMAGES = {
    "garbage-json": "UPDATE runs SET result_json = '{not json'",
    "json-list": "UPDATE runs SET result_json = '[1, 2]'",
    "findings-not-list": """UPDATE runs SET result_json = '{"findings": "x"}'""",
    "text-score": "UPDATE runs SET overall_score = 'abc'",
    "text-category-score": "UPDATE run_scores SET score = 'high'",
    "foreign": "DROP TABLE run_findings; DROP TABLE run_scores; DROP TABLE runs;"
    " CREATE TABLE notes (a)",
}
HISTORY_COMMANDS = {
    "list": ["history", "list"],
    "show": ["history", "show", SLUG, "--period", "2026-Q3"],
    "diff": ["history", "diff", SLUG, "2026-Q3", "2026-Q3"],
    "export": ["history", "export", "--format", "json"],
    "baseline": ["check", "demo.yaml", "--baseline", "2026-Q3"],
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize("command", sorted(HISTORY_COMMANDS))
def test_damaged_history_store_is_a_clean_failure(
    tmp_path: Path, recorded_store: bytes, damage: str, command: str
) -> None:
    import sqlite3

    demo(tmp_path)
    store = tmp_path / ".auditor" / "history.sqlite"
    store.parent.mkdir()
    store.write_bytes(recorded_store)
    with sqlite3.connect(store) as conn:
        conn.executescript(DAMAGES[damage])
    conn.close()
    args = HISTORY_COMMANDS[command]
    if args[0] == "history":
        args = [*args, "--store", str(store)]
    out = hostile_run(*args, cwd=tmp_path, out_dir=tmp_path / "none")
    assert "Traceback" not in out.output
    assert "internal error" not in out.output
    if (command, damage) in MUST_FAIL or damage == "foreign" or out.code != 0:
        assert_clean_failure(out)
        assert "history.sqlite" in out.stderr


# Where the damage is read (the others may not read the damaged part at all).
MUST_FAIL = {
    ("show", "garbage-json"),
    ("show", "json-list"),
    ("show", "findings-not-list"),
    ("baseline", "garbage-json"),
    ("baseline", "json-list"),
    ("baseline", "findings-not-list"),
    ("list", "text-score"),
    ("list", "text-category-score"),
    ("export", "text-score"),
}


# --- 4. a huge number of problems ----------------------------------------------------------


def test_many_unknown_keys_give_a_bounded_message_and_few_suggestions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.config.loader import load_config
    from auditor.core import validation
    from auditor.core.errors import MAX_SHOWN_PROBLEMS, InputError

    config = demo(tmp_path)
    extra = "".join(f"unknwn_key_{i}: 1\n" for i in range(20_000))
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")
    calls = []
    real = validation.did_you_mean
    monkeypatch.setattr(validation, "did_you_mean", lambda *a: calls.append(a) or real(*a))
    with pytest.raises(InputError) as caught:
        load_config(config)
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_SHOWN_PROBLEMS + 1
    assert lines[-1] == "... and 19,900 more problems (fix these first)"
    assert len(caught.value.problems) == 20_000  # all counted
    assert len(calls) <= MAX_SHOWN_PROBLEMS


# --- 6. snapshots hold the data files' limits ------------------------------------------------


def _snapshot(tmp_path: Path, document: dict) -> Path:
    import json

    path = tmp_path / "x.snapshot.json"
    path.write_text(json.dumps({"kind": "auditor-snapshot", "schema_version": 1, **document}))
    return path


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"monthly": {}, "by_channel": {f"c{i}": {} for i in range(201)}}, "limit is 200 channels"),
        ({"monthly": {}, "by_channel": {"x" * 201: {}}}, "201 characters; the limit is 200"),
        (
            {"monthly": {f"{1900 + i // 12}-{i % 12 + 1:02d}": {} for i in range(1201)}},
            "1,201 months; the limit is 1,200",
        ),
        ({"monthly": {"2026-07": {f"bad{i}": 1 for i in range(500)}}}, "... and 450 more problems"),
    ],
)
def test_snapshot_limits(tmp_path: Path, document: dict, expected: str) -> None:
    from auditor.connectors.snapshot import load_snapshot
    from auditor.core.errors import InputError

    with pytest.raises(InputError) as caught:
        load_snapshot(_snapshot(tmp_path, document))
    assert expected in str(caught.value)
    assert len(str(caught.value).splitlines()) <= 52


# --- 7. names with a length limit --------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "client: Suministros Industriales Ebro, S.L.",
            "client: " + "A" * 1001,
            "demo.yaml:3:9: client: the client name is 1,001 characters; the limit is 1,000",
        ),
        ("agency: Demo Consulting", "agency: " + "B" * 1001, "agency name is 1,001 characters"),
    ],
)
def test_long_names_in_the_config_are_refused(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    config = demo(tmp_path)
    config.write_text(config.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    out = hostile_run("check", str(config), out_dir=tmp_path / "none")
    assert_clean_failure(out)
    assert expected in out.stderr
    assert "A" * 200 not in out.stderr


def test_long_channel_name_in_a_data_file_is_refused(tmp_path: Path) -> None:
    config = demo(tmp_path)
    data = tmp_path / "data.csv"
    data.write_text(
        "month,channel,emails_sent\n2026-07,email,10\n2026-08," + "c" * 201 + ",5\n",
        encoding="utf-8",
    )
    out = hostile_run("check", str(config), out_dir=tmp_path / "none")
    assert_clean_failure(out)
    assert "data.csv:3:2: channel name" in out.stderr
    assert "201 characters; the limit is 200" in out.stderr


# --- 8. a pack is hashed from the bytes read within its limit ----------------------------------


def test_pack_hash_comes_from_the_bounded_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from auditor.rules import loader

    pack = tmp_path / "mine.yaml"
    pack.write_text("version: 1\nname: mine\nextends: [default]\n", encoding="utf-8")
    loader._CACHE.clear()

    def unbounded(self: Path) -> bytes:
        raise AssertionError(f"unbounded read of {self}")

    monkeypatch.setattr(Path, "read_bytes", unbounded)
    rule_set = loader.load_rules(["./mine.yaml"], tmp_path)
    mine = next(p for p in rule_set.packs if p.name == "mine")
    assert mine.sha256 == hashlib.sha256(pack.read_text(encoding="utf-8").encode()).hexdigest()
