"""Hostile and careless input files against the readers (issue 10, the YAML/JSON part).

YAML 1.1 number forms, alias bombs, deep nesting, devices and FIFOs in place
of files, NUL bytes and periods at the edge of the calendar: each ends in a
located message and exit 2, quickly, never a hang, a traceback or a silently
different number.  End-to-end cases run the CLI in a real process through
`tests/hostile.py`, with a timeout so a regression cannot hang the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.config.loader import load_config
from auditor.connectors.file import FileConnector, FileOptions
from auditor.connectors.snapshot import load_snapshot
from auditor.core.errors import InputError
from auditor.core.period import PeriodError, parse_period
from auditor.core.resources import rules_dir
from auditor.core.userfiles import MAX_DOCUMENT_BYTES, read_user_file
from auditor.core.yamlpos import MAX_ALIAS_VALUES, MAX_DEPTH, load_yaml_file, load_yaml_text
from auditor.pipeline.batch import _claimed_name, is_client_config
from tests.helpers import ROOT, TESTS
from tests.helpers.hostile import assert_clean_failure, hostile_run

DEMO = ROOT / "auditor" / "demo"
PACK = (rules_dir() / "default.yaml").read_text(encoding="utf-8")
# Six levels took 47 s before the fix (a million values from ~400 bytes); the
# limit now stops it in well under a second, so 30 s can only mean a regression.
BOMB_LEVELS = 6
QUICK = 30.0
DEEP = 20_000


def alias_bomb(levels: int = BOMB_LEVELS, indent: str = "") -> str:
    """Keys a0..aN, each a list of ten aliases of the one before: 10**N values."""
    lines = [f"{indent}a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"{indent}a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def client(tmp_path: Path) -> Path:
    """A copy of the demo client (config, data, leads) to spoil one file of."""
    folder = tmp_path / "client"
    shutil.copytree(DEMO, folder)
    return folder


def problem_text(exc: pytest.ExceptionInfo[InputError]) -> str:
    return "\n".join(str(p) for p in exc.value.problems)


# --- YAML 1.1 number forms ----------------------------------------------------------------


def test_yaml_reads_numbers_as_yaml_1_2_core_not_1_1() -> None:
    text = (
        "octal: 07200\nzero_led: 0231\nbase60: 3:51\nhex: 0xE7\noctal_o: 0o17\n"
        "grouped: 1_000\nbinary: 0b101\nyes_word: yes\nno_word: no\non_word: on\n"
        "exponent: 1e3\nflag: true\nnothing: ~\nnegative: -0012\n"
    )
    data = load_yaml_text(text, "f.yaml").data
    assert data == {
        "octal": 7200,
        "zero_led": 231,
        "base60": "3:51",
        "hex": "0xE7",
        "octal_o": "0o17",
        "grouped": "1_000",
        "binary": "0b101",
        "yes_word": "yes",
        "no_word": "no",
        "on_word": "on",
        "exponent": 1000.0,
        "flag": True,
        "nothing": None,
        "negative": -12,
    }


def test_the_key_on_stays_the_word_on() -> None:
    """YAML 1.1 turned the key `on:` into True, then the loader's str() into 'True'."""
    assert load_yaml_text("on: push\noff: 1\n", "f.yaml").data == {"on": "push", "off": 1}


def test_explicit_tags_cannot_bring_back_the_1_1_forms() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: !!int 0x1F\nb: !!float 1:30\nc: !!bool yes\n", "f.yaml")
    found = [(p.line, p.col) for p in caught.value.problems]
    assert found == [(1, 4), (2, 4), (3, 4)]
    assert "write plain decimal digits" in problem_text(caught)


def test_a_zero_led_cost_in_the_config_is_decimal(tmp_path: Path) -> None:
    folder = client(tmp_path)
    config = folder / "demo.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("media: 1500 ", "media: 07200 "),
        encoding="utf-8",
    )
    assert load_config(config).costs["media"] == 7200  # YAML 1.1 made it 3712


@pytest.mark.parametrize("written", ["0xE7", "3:51", "1_000", "0o17"])
def test_a_cost_in_another_base_is_refused_saying_what_it_got(tmp_path: Path, written: str) -> None:
    folder = client(tmp_path)
    config = folder / "demo.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("media: 1500 ", f"media: {written} "),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_config(config)
    [problem] = caught.value.problems
    assert (problem.line, problem.col, problem.path) == (17, 10, "costs.media")
    assert problem.message.startswith(f"expected a number, got '{written}'")
    assert "plain decimal digits" in problem.message


def test_yes_is_not_a_weight_in_a_rule_pack(tmp_path: Path) -> None:
    from auditor.rules.loader import load_rules

    pack = tmp_path / "pack.yaml"
    broken = TESTS / "broken_rules" / "weight-boolean.yaml"
    pack.write_text(
        broken.read_text(encoding="utf-8").replace("weight: true", "weight: yes"),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_rules([str(pack)], tmp_path)
    [problem] = caught.value.problems
    assert (problem.line, problem.col) == (11, 5)
    assert problem.message == "expected a number, got 'yes'"


def test_a_zero_led_cell_reads_the_same_in_yaml_and_csv(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("month,unsubscribes\n2026-07,0231\n", encoding="utf-8")
    (tmp_path / "data.yaml").write_text("- {month: 2026-07, unsubscribes: 0231}\n", "utf-8")
    by_csv = FileConnector(FileOptions(path="data.csv"), tmp_path).fetch([])
    by_yaml = FileConnector(FileOptions(path="data.yaml"), tmp_path).fetch([])
    assert by_csv.monthly == by_yaml.monthly == {"2026-07": {"unsubscribes": 231.0}}


def test_a_sexagesimal_cell_in_yaml_data_is_refused_where_it_is(tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text(
        "- {month: 2026-07, unsubscribes: 3:51, emails_sent: 0xE7}\n", "utf-8"
    )
    with pytest.raises(InputError) as caught:
        FileConnector(FileOptions(path="data.yaml"), tmp_path).fetch([])
    assert [(p.line, p.col) for p in caught.value.problems] == [(1, 20), (1, 40)]
    assert "'3:51'" in problem_text(caught)
    assert "'0xE7'" in problem_text(caught)


# --- alias bombs --------------------------------------------------------------------------


def test_a_small_alias_bomb_stops_at_the_limit_quickly() -> None:
    """Five levels (111,110 values from 333 bytes) took 2.5 s and were accepted before."""
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        load_yaml_text(alias_bomb(5), "bomb.yaml")
    assert time.monotonic() - started < 2
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("bomb.yaml", 1)
    assert f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} values" in problem.message
    assert f"the limit is {MAX_ALIAS_VALUES:,}" in problem.message
    # an alias within the limit is still a copy of its own, with its own position
    located = load_yaml_text("base: &base {opens: 3, clicks: [1, 2]}\ncopy: *base\n", "f.yaml")
    assert located.data["copy"] == {"opens": 3, "clicks": [1, 2]}
    assert located.data["copy"] is not located.data["base"]
    assert located.where(("copy",)) == (2, 1)


def test_an_alias_inside_its_own_value_is_refused() -> None:
    """`&a [*a]` is a cycle: building it recursed until RecursionError."""
    with pytest.raises(InputError) as caught:
        load_yaml_text("loop: &a [1, *a]\n", "f.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.col) == (1, 7)
    assert "refers to the value that contains it" in problem.message


def test_aliases_cannot_nest_values_past_the_depth_limit() -> None:
    """Each level alone is shallow; the aliases stack them 3 x 60 levels deep."""
    level = "[" * 60 + "1" + "]" * 60
    text = f"a: &a {level}\nb: &b [{'[' * 59}*a{']' * 59}]\nc: [{'[' * 59}*b{']' * 59}]\n"
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "f.yaml")
    assert f"nested more than {MAX_DEPTH} levels deep (aliases expanded)" in problem_text(caught)


def _config_with(folder: Path, extra: str) -> Path:
    config = folder / "demo.yaml"
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return config


@pytest.mark.parametrize("where", ["config", "rule pack", "rule tests", "YAML data"])
def test_the_cli_refuses_an_alias_bomb_in_every_yaml_file(tmp_path: Path, where: str) -> None:
    folder = client(tmp_path)
    bomb = alias_bomb()
    if where == "config":
        args = ["check", str(_config_with(folder, "x_bomb:\n" + alias_bomb(indent="  ")))]
    elif where == "rule pack":
        (folder / "pack.yaml").write_text(PACK + "x_bomb:\n" + alias_bomb(indent="  "), "utf-8")
        args = ["rules", "validate", str(folder / "pack.yaml")]
    elif where == "rule tests":
        (folder / "pack_test.yaml").write_text(f"pack: default\n{bomb}cases: []\n", "utf-8")
        args = ["rules", "test", str(folder / "pack_test.yaml")]
    else:
        (folder / "data.yaml").write_text(
            f"- {{month: 2026-07}}\n- bomb:\n{alias_bomb(indent='    ')}", "utf-8"
        )
        config = folder / "demo.yaml"
        config.write_text(
            config.read_text(encoding="utf-8").replace("path: data.csv", "path: data.yaml"),
            encoding="utf-8",
        )
        args = ["check", str(config)]
    outcome = hostile_run(*args, cwd=folder, out_dir=folder / "out", timeout=QUICK)
    assert_clean_failure(outcome)
    assert "YAML aliases expand to more than" in outcome.stderr


# --- deep nesting -------------------------------------------------------------------------


def test_deep_nesting_is_refused_where_it_passes_the_limit() -> None:
    text = "period: " + "[" * DEEP + "]" * DEEP + "\n"
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "f.yaml")
    [problem] = caught.value.problems
    # '[' number MAX_DEPTH + 1 (the mapping is level 1) sits at column 9 + MAX_DEPTH - 1
    assert (problem.line, problem.col) == (1, 8 + MAX_DEPTH)
    assert problem.message == (
        f"invalid YAML: nested more than {MAX_DEPTH} levels deep; the limit is {MAX_DEPTH} levels"
    )
    lists = MAX_DEPTH - 1  # inside the top-level mapping: exactly at the limit, still read
    value = load_yaml_text("a: " + "[" * lists + "]" * lists, "f.yaml").data["a"]
    levels = 0
    while isinstance(value, list):
        levels += 1
        value = value[0] if value else None
    assert levels == lists


def test_block_nesting_is_refused_too() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5))
    with pytest.raises(InputError) as caught:
        load_yaml_text(text, "f.yaml")
    assert f"nested more than {MAX_DEPTH} levels" in problem_text(caught)


@pytest.mark.parametrize("where", ["config", "rule pack", "snapshot"])
def test_the_cli_refuses_20000_levels_of_nesting(tmp_path: Path, where: str) -> None:
    folder = client(tmp_path)
    config = folder / "demo.yaml"
    if where == "config":
        _config_with(folder, "x_deep: " + "[" * DEEP + "]" * DEEP + "\n")
        args = ["check", str(config)]
    elif where == "rule pack":
        (folder / "pack.yaml").write_text(PACK + "x_deep: " + "{a: " * DEEP + "}" * DEEP, "utf-8")
        args = ["rules", "validate", str(folder / "pack.yaml")]
    else:
        (folder / "deep.json").write_text('{"a": ' * DEEP + "1" + "}" * DEEP, "utf-8")
        args = ["run", str(config), "--from-snapshot", str(folder / "deep.json"), "-o", "out"]
    outcome = hostile_run(*args, cwd=folder, out_dir=folder / "out", timeout=QUICK)
    assert_clean_failure(outcome)
    assert f"nested more than {MAX_DEPTH} levels deep" in outcome.stderr
    if where == "snapshot":
        assert f"deep.json:1:{6 * MAX_DEPTH + 1}: invalid JSON" in outcome.stderr


def test_batch_discovery_and_duplicate_check_survive_deep_nesting(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("{client: x, period: " + "[" * DEEP + "]" * DEEP + "}", "utf-8")
    assert is_client_config(deep) is False
    config = tmp_path / "audit.yaml"
    config.write_text("client: Acme\nperiod: " + "[" * DEEP + "]" * DEEP + "\n", "utf-8")
    assert _claimed_name(config, None) is None


def test_batch_duplicate_check_reads_periods_as_the_audit_does(tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text("client: Acme\nperiod: 0231\n", "utf-8")
    assert _claimed_name(config, None) is None  # not a period: the audit itself will say so
    config.write_text("client: Acme\nperiod: 2026-q3\nclient_id: 0231\n", "utf-8")
    # A bare 0231 is a number (not a client_id) for the audit's reader: the claim is left
    # to the audit, which reports it; quoted, it is the id the outputs are named by.
    assert _claimed_name(config, None) is None
    config.write_text('client: Acme\nperiod: 2026-q3\nclient_id: "0231"\n', "utf-8")
    assert _claimed_name(config, None) == ("0231", "2026-Q3")


def test_history_commands_read_the_config_with_the_audits_reader(tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text("client: x\nhistory: " + "[" * DEEP + "]" * DEEP + "\n", "utf-8")
    import auditor.cli.main  # noqa: F401  (cli_history is imported through the CLI)
    from auditor.cli.history import store_path_for

    with pytest.raises(InputError) as caught:
        store_path_for(None, config)
    assert f"nested more than {MAX_DEPTH} levels" in problem_text(caught)


# --- devices, FIFOs and huge files --------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("where", ["config", "snapshot", "leads"])
def test_dev_zero_is_refused_not_read_forever(tmp_path: Path, where: str) -> None:
    folder = client(tmp_path)
    config = folder / "demo.yaml"
    if where == "config":
        args = ["check", "/dev/zero"]
    elif where == "snapshot":
        args = ["run", str(config), "--from-snapshot", "/dev/zero", "-o", "out"]
    else:
        config.write_text(
            config.read_text(encoding="utf-8").replace("leads: leads.csv", "leads: /dev/zero"),
            encoding="utf-8",
        )
        args = ["check", str(config)]
    outcome = hostile_run(*args, cwd=folder, out_dir=folder / "out", timeout=QUICK)
    assert_clean_failure(outcome)
    assert "/dev/zero: is not a regular file" in outcome.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_config_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "audit.yaml"
    os.mkfifo(fifo)
    outcome = hostile_run("check", str(fifo), cwd=tmp_path, out_dir=tmp_path / "out", timeout=QUICK)
    assert_clean_failure(outcome)
    assert "is not a regular file (a device, pipe or socket); expected a YAML file" in (
        outcome.stderr
    )


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "audit.yaml"
    with huge.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(InputError) as caught:
        load_yaml_file(huge)
    [problem] = caught.value.problems
    assert problem.message == (
        "the file is too large for a YAML file: the limit is 2 MiB and this file is just over "
        "that (2,097,153 bytes); is it the right file?"
    )
    with pytest.raises(InputError, match="is a folder, expected a YAML file"):
        load_yaml_file(tmp_path)
    with pytest.raises(InputError, match="snapshot file not found"):
        load_snapshot(tmp_path / "missing.json")


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:  # costs no disk
        handle.truncate(size)
    return path


@pytest.mark.parametrize(
    ("reader", "limit"),
    [
        ("snapshot", "50 MiB"),
        ("JSON data", "2 MiB"),
        ("leads", "100 MiB"),
    ],
)
def test_every_reader_states_its_size_limit(tmp_path: Path, reader: str, limit: str) -> None:
    from auditor.connectors.leads import read_leads

    size = int(limit.split()[0]) * 1024 * 1024 + 1
    big = _sparse(tmp_path / ("leads.csv" if reader == "leads" else "big.json"), size)
    read: Callable[[], object] = {
        "snapshot": lambda: load_snapshot(big),
        "JSON data": lambda: FileConnector(FileOptions(path=big.name), tmp_path).fetch([]),
        "leads": lambda: read_leads(big, big.name, not_found="missing"),
    }[reader]
    with pytest.raises(InputError) as caught:
        read()
    [problem] = caught.value.problems
    assert f"the limit is {limit} and this file is just over that ({size:,} bytes)" in (
        problem.message
    )


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_file_that_lies_about_its_size_is_read_only_up_to_the_limit() -> None:
    """/proc files say size 0; the read stops at the limit all the same."""
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(InputError) as caught:
        read_user_file(Path("/proc/self/status"), "status", kind="a test file", limit=10)
    assert "the limit is 10 bytes and this file is larger than that" in problem_text(caught)
    # Under the limit, its content still does not match the size it claims: refused, since
    # such a file (/proc/self/environ) may hold the environment, secrets included.
    with pytest.raises(InputError) as caught:
        read_user_file(Path("/proc/self/status"), "status", kind="x", limit=10**6)
    assert "its content does not match its size (0 bytes on disk" in problem_text(caught)


# --- control characters -------------------------------------------------------------------


def test_a_nul_byte_in_the_config_is_located(tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    config.write_bytes(b"client: Acme\nperiod: 2026-Q3\nlanguage: e\x00s\n")
    with pytest.raises(InputError) as caught:
        load_config(config)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.col) == (str(config), 3, 12)
    assert problem.message.startswith("invalid YAML: a NUL byte U+0000 is not allowed")


def test_other_refused_characters_are_located_and_named() -> None:
    with pytest.raises(InputError) as caught:
        load_yaml_text("a: 1\n\n  b: x\x1by\n", "f.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.col) == (3, 7)
    assert "the character U+001B is not allowed" in problem.message


# --- periods at the edge of the calendar --------------------------------------------------


@pytest.mark.parametrize(
    "text", ["0001-Q1", "0001-01", "0000", "1899-H2", "3000-01", "9999-Q4", "9999"]
)
def test_periods_outside_the_supported_years_are_refused(text: str) -> None:
    with pytest.raises(PeriodError, match="outside the supported years 1900 to 2999"):
        parse_period(text)


def test_a_period_range_longer_than_ten_years_is_refused() -> None:
    with pytest.raises(PeriodError, match="spans 132 months; the limit is 120 months"):
        parse_period({"start": "2000-01-01", "end": "2010-12-31"})
    # the edges of the supported range are accepted, and their arithmetic works
    first = parse_period("1900-01")
    assert first.previous().start.isoformat() == "1899-12-01"
    last = parse_period({"start": "2990-01-01", "end": "2999-12-31"})
    assert last.shifted(-8 * last.count).first == "2910-01"
    assert last.end.isoformat() == "2999-12-31"


@pytest.mark.parametrize("period", ["0001-Q1", "0000"])
def test_the_cli_refuses_a_period_near_year_one(tmp_path: Path, period: str) -> None:
    folder = client(tmp_path)
    outcome = hostile_run(
        "check",
        str(folder / "demo.yaml"),
        "--period",
        period,
        cwd=folder,
        out_dir=folder / "out",
        timeout=QUICK,
    )
    assert_clean_failure(outcome)
    assert "--period: period " in outcome.stderr
    assert "outside the supported years" in (outcome.stderr)


def test_a_snapshot_at_year_9999_is_refused_not_forecast_past_it(tmp_path: Path) -> None:
    folder = client(tmp_path)
    months = {f"9999-{m:02d}": {"emails_sent": 100.0} for m in range(1, 13)}
    snapshot = {
        "kind": "auditor-snapshot",
        "schema_version": 1,
        "connector": "file",
        "label": "data.csv",
        "monthly": months,
    }
    (folder / "far.json").write_text(json.dumps(snapshot), "utf-8")
    outcome = hostile_run(
        "run",
        str(folder / "demo.yaml"),
        "--from-snapshot",
        "far.json",
        "--period",
        "9999-Q4",
        "--format",
        "json",
        "-o",
        "out",
        cwd=folder,
        out_dir=folder / "out",
        timeout=60,
    )
    assert_clean_failure(outcome)
    assert "outside the supported years" in outcome.stderr
