"""A corpus of broken rule packs, each asserting the exact problems the loader reports.

Every file in `tests/broken_rules/` starts with its expectations, one comment
line per problem, in the order the loader reports them:

    # expect: rules[0].thresholds.fail.abov: unknown key (did you mean 'above'?) @ 11:14

that is `str(problem)` with the `file:line:col:` prefix moved to the end
(`@ line:col`, or `@ other.yaml:line:col` for a problem in another file of the
corpus).  A `# xfail: reason` line marks a file whose expectation is the message
the loader *should* give but does not yet (strict: the test fails once fixed).
Files under `broken_rules/included/` are only extended by others.

The rule language guide (`docs/rule-language.md`) is tested here too: every
```yaml block after `<!-- test: loads -->` must load (as `pack.yaml`), one after
`<!-- test: overrides -->` is an audit config's `rules:` section whose overrides
must apply, and one after `<!-- test: fails -->` must fail with exactly the
lines of the ```text block that follows it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from auditor.core.errors import InputError, Problem
from auditor.core.yamlpos import load_yaml_text
from auditor.rules.loader import load_rules
from tests.helpers import ROOT, TESTS

CORPUS = TESTS / "broken_rules"
GUIDE = ROOT / "docs" / "rule-language.md"
TODAY = date(2026, 11, 23)


def _header(path: Path) -> tuple[list[str], str | None]:
    """The `# expect:` lines and the `# xfail:` reason at the top of a corpus file."""
    expected: list[str] = []
    xfail = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# expect: "):
            expected.append(line[len("# expect: ") :])
        elif line.startswith("# xfail: "):
            xfail = line[len("# xfail: ") :]
    return expected, xfail


def _describe(problem: Problem, pack: Path) -> str:
    """A problem as written in an expectation: `path: message @ [file:]line:col`."""
    text = f"{problem.path}: {problem.message}" if problem.path else problem.message
    if problem.file is None:
        return f"{text} @ -"
    where = Path(problem.file).resolve()
    if where == pack:
        name = ""
    elif where.is_relative_to(CORPUS):
        name = where.relative_to(CORPUS).as_posix() + ":"
    else:
        name = problem.file + ":"
    return f"{text} @ {name}{problem.line}:{problem.col}"


def _cases() -> list:
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        _, xfail = _header(path)
        marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
        cases.append(pytest.param(path, id=path.name, marks=marks))
    return cases


@pytest.mark.parametrize("path", _cases())
def test_broken_rule_file(path: Path) -> None:
    expected, _ = _header(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(InputError) as info:
        load_rules([str(path)], path.parent, today=TODAY)
    assert [_describe(p, path) for p in info.value.problems] == expected


def test_corpus_expectations_are_well_formed() -> None:
    pattern = re.compile(r"^.+ @ (?:[\w./-]+\.yaml:)?\d+:\d+$")
    for path in CORPUS.glob("*.yaml"):
        expected, _ = _header(path)
        assert expected, path.name
        for line in expected:
            assert pattern.match(line), (path.name, line)


def test_expired_waiver_is_a_warning_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "client.yaml"
    path.write_text(
        "version: 1\n"
        "extends: [default]\n"
        "rules:\n"
        "  - id: bounce-rate\n"
        "    waiver:\n"
        "      reason: list import in June\n"
        "      until: 2026-09-30\n",
        encoding="utf-8",
    )
    rule_set = load_rules([str(path)], tmp_path, today=TODAY)
    assert [_describe(w, path) for w in rule_set.warnings] == [
        "rules[0].waiver.until: waiver expired on 2026-09-30: the rule is judged normally "
        "again (waived because: list import in June) @ 7:7"
    ]
    assert next(r for r in rule_set.rules if r.id == "bounce-rate").waiver is not None
    # the last day of the waiver still counts: no warning
    still_valid = load_rules([str(path)], tmp_path, today=date(2026, 9, 30))
    assert still_valid.warnings == ()


# ---------------------------------------------------------------- the guide's examples

_BLOCK = re.compile(
    r"<!-- test: (?P<kind>loads|fails|overrides) -->\s*\n```yaml\n(?P<yaml>.*?)```"
    r"(?:\s*\n```text\n(?P<text>.*?)```)?",
    re.DOTALL,
)


def _guide_blocks(kind: str) -> list:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        if match["kind"] == kind:
            line = text.count("\n", 0, match.start()) + 1
            blocks.append(pytest.param(match["yaml"], match["text"], id=f"line-{line}"))
    return blocks


def test_guide_has_tested_examples() -> None:
    assert len(_guide_blocks("loads")) >= 8
    assert len(_guide_blocks("fails")) >= 3
    assert len(_guide_blocks("overrides")) >= 1


@pytest.mark.parametrize(("body", "_text"), _guide_blocks("loads"))
def test_guide_example_loads(body: str, _text: str | None, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pack.yaml").write_text(body, encoding="utf-8")
    rule_set = load_rules(["pack.yaml"], tmp_path, today=TODAY)
    assert rule_set.rules or rule_set.derived
    assert rule_set.warnings == ()


@pytest.mark.parametrize(("body", "_text"), _guide_blocks("overrides"))
def test_guide_config_overrides_load(body: str, _text: str | None, tmp_path: Path) -> None:
    located = load_yaml_text(body, "audit.yaml")
    rules = located.data["rules"]
    rule_set = load_rules(rules["packs"], tmp_path, rules["overrides"], located, today=TODAY)
    assert set(rules["overrides"]) <= {r.id for r in rule_set.rules}


@pytest.mark.parametrize(("body", "text"), _guide_blocks("fails"))
def test_guide_example_fails_as_shown(
    body: str, text: str | None, tmp_path: Path, monkeypatch
) -> None:
    assert text, "a 'fails' example must be followed by a ```text block with the messages"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pack.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rules(["pack.yaml"], tmp_path, today=TODAY)
    assert [str(p) for p in info.value.problems] == text.strip().splitlines()
