"""What a message may carry to a terminal: nothing a file wrote can drive it (issue 10).

Messages quote file content through `errors.quote`; key paths and every line
the CLI prints are made inert as a last guard, so an escape sequence in a key
of a config or rule pack reaches the terminal as text, never as a command.
"""

from __future__ import annotations

from pathlib import Path

from auditor.core.errors import Problem
from tests.helpers import CONFIG, q3_data, write_wide_csv
from tests.helpers.hostile import assert_clean_failure, hostile_run

ESCAPE = "\x1b]0;owned\x07\x1b[2J"  # set the window title, clear the screen
# YAML forbids the raw characters, but its double-quoted escapes produce them
YAML_ESCAPE = "\\e]0;owned\\a\\e[2J"


def test_an_escape_sequence_in_a_config_key_reaches_the_terminal_inert(tmp_path: Path) -> None:
    write_wide_csv(tmp_path / "data.csv", q3_data())
    key = f'"x{YAML_ESCAPE}"'
    (tmp_path / "audit.yaml").write_text(CONFIG + f"{key}: 1\n", encoding="utf-8")
    out = hostile_run("check", "audit.yaml", cwd=tmp_path, out_dir=tmp_path / "none")
    assert_clean_failure(out)
    assert "\x1b" not in out.output
    assert "\x07" not in out.output
    assert "unknown key" in out.stderr
    assert "]0;owned" in out.stderr  # shown, escaped


def test_an_escape_sequence_in_a_duplicate_pack_key_reaches_the_terminal_inert(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "pack.yaml"
    key = f'"k{YAML_ESCAPE}"'
    pack.write_text(f"pack: p\n{key}: 1\n{key}: 2\n", encoding="utf-8")
    out = hostile_run("rules", "validate", str(pack), cwd=tmp_path, out_dir=tmp_path / "none")
    assert_clean_failure(out)
    assert "\x1b" not in out.output
    assert "duplicate key 'k\\x1b]0;owned\\x07" in out.stderr


def test_a_key_path_is_shown_inert() -> None:
    problem = Problem("unknown key", "a.yaml", 3, 1, f"source.x{ESCAPE}")
    assert "\x1b" not in str(problem)
    assert str(problem).startswith("a.yaml:3:1: source.x\\x1b]0;owned\\x07")
