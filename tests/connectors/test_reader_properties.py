"""Properties of the readers of user files on any input (hypothesis, issue 10).

The config, rule-pack, data-file, leads-file and snapshot readers are given
random text, fuzzed YAML/JSON/CSV built from the tokens that broke them
(aliases, deep brackets, 1.1 number forms, control characters) and mutations
of real files.  Each must end in a result or an `InputError` whose problems
name the file (and line and column for a syntax error), within a deadline
and a memory bound: never another exception.  Periods: whatever
`parse_period` accepts, all the month arithmetic of a run works on.  A few
generated hostile files also go through the real CLI (`tests/hostile.py`).
"""

from __future__ import annotations

import itertools
import json
import shutil
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.analysis.series import next_quarter
from auditor.config.loader import load_config
from auditor.connectors.file import FileConnector, FileOptions
from auditor.connectors.leads import read_leads
from auditor.connectors.snapshot import load_snapshot
from auditor.core.errors import InputError
from auditor.core.period import PeriodError, parse_period
from auditor.core.resources import rules_dir
from auditor.pipeline.runner import months_needed
from auditor.rules.loader import load_rules
from tests.helpers import ROOT
from tests.helpers.hostile import assert_clean_failure, hostile_run

DEMO = ROOT / "auditor" / "demo"
CONFIG_TEXT = (DEMO / "demo.yaml").read_text(encoding="utf-8")
PACK_TEXT = (rules_dir() / "saas.yaml").read_text(encoding="utf-8")
LEADS_TEXT = (DEMO / "leads.csv").read_text(encoding="utf-8")[:2000]
MAX_PEAK_BYTES = 200 * 1024 * 1024  # far above any of these inputs read honestly

READERS = settings(
    max_examples=60,
    deadline=3000,  # ms per example: generous for a 2-core machine shared with others
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)

# Pieces that broke a reader once, or could: YAML structure, aliases, tags, merge
# keys, 1.1 number forms, control characters, odd periods and months.
TOKENS = [
    "client: ",
    "period: ",
    "source:",
    "  connector: file",
    "  path: data.csv",
    "costs:",
    "  media: ",
    "rules:",
    "- ",
    "  - ",
    ": ",
    "\n",
    "  ",
    "\t",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "#",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "!!python/object:os.system ",
    "!!int ",
    "!!float ",
    "!!binary ",
    "? ",
    "|",
    ">",
    "---",
    "...",
    "%YAML 1.1",
    "07200",
    "0231",
    "0xE7",
    "0o17",
    "3:51",
    "1_000",
    "yes",
    "on",
    "~",
    ".inf",
    ".nan",
    "1e999",
    "9" * 5000,
    "2026-Q3",
    "0001-Q1",
    "9999-Q4",
    "0000",
    "2026-02-30",
    "{start: 0001-01-01, end: 9999-12-31}",
    "${HOME}",
    "${",
    "\x00",
    "\x1b",
    "\ufeff",
    "\u2028",
    "\ud7ff",
    "é",
    "😀",
]
CSV_TOKENS = [
    "month",
    "emails_sent",
    "unsubscribes",
    "metric",
    "value",
    "channel",
    "lead_id",
    "created",
    "score",
    "mql",
    "became_customer",
    ",",
    ";",
    "\t",
    '"',
    "\n",
    "\r\n",
    "2026-07",
    "2026-07-15",
    "0001-01",
    "9999-12",
    "0231",
    "1.234,5",
    "1,234.5",
    "-3",
    "nan",
    "inf",
    "1e999",
    "yes",
    "",
    "\x00",
    "\ufeff",
    "=1+1",
]

_counter = itertools.count()


def token_text(tokens: list[str], max_size: int = 60) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=max_size).map("".join)


def mutated(base: str, tokens: list[str]) -> st.SearchStrategy[str]:
    """`base` with a few tokens inserted, or a slice replaced, at random places."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = base
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            cut = draw(st.integers(0, 20))
            text = text[:at] + draw(token_text(tokens, 6)) + text[at + cut :]
        return text

    return build()


def nested(depth: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    return st.tuples(depth, st.sampled_from(["[", "{a: ", "- "])).map(
        lambda pair: (
            pair[1] * pair[0]
            + ("]" * pair[0] if pair[1] == "[" else "}" * pair[0] if pair[1] == "{a: " else "1")
        )
    )


def bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


yaml_inputs = st.one_of(
    st.text(max_size=200),
    token_text(TOKENS),
    mutated(CONFIG_TEXT, TOKENS),
    nested(st.integers(1, 3000)),
    st.integers(1, 5).map(bomb),  # 5 levels: 111,110 values, 2.5 s before the limit
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
)
csv_inputs = st.one_of(
    st.text(max_size=200),
    token_text(CSV_TOKENS, 80),
    mutated(LEADS_TEXT, CSV_TOKENS),
    mutated("month,emails_sent,unsubscribes\n2026-07,100,1\n2026-08,200,2\n", CSV_TOKENS),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo client's files, for configs that point at data.csv and leads.csv."""
    target = tmp_path_factory.mktemp("readers")
    for name in ("data.csv", "leads.csv"):
        shutil.copy(DEMO / name, target / name)
    return target


def fresh(folder: Path, suffix: str, content: str | bytes) -> Path:
    """A new file per example: the rule loader caches by size and modification time."""
    path = folder / f"input{next(_counter)}{suffix}"
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return path


def ends_well(read: Callable[[], Any], file: str, *, measure: bool = False) -> None:
    """A result, or an InputError whose problems are located in `file`; bounded memory.

    Measuring memory (tracemalloc) slows the readers severalfold, so only the
    properties over hostile structures measure it.
    """
    if measure:
        tracemalloc.start()
    error: InputError | None = None
    try:
        read()
    except InputError as exc:
        error = exc
    finally:
        if measure:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    if measure:
        assert peak < MAX_PEAK_BYTES, peak
    if error is None:
        return
    assert error.problems
    for problem in error.problems:
        assert problem.message.strip()
        assert problem.file is not None
        if problem.message.startswith(("invalid YAML", "invalid JSON: Expecting")):
            assert problem.file.endswith(file), problem
            assert problem.line is not None, problem
        if problem.line is not None:
            assert problem.line >= 1
            assert problem.col is None or problem.col >= 1


@READERS
@given(text=yaml_inputs)
def test_the_config_reader_ends_in_a_config_or_a_located_error(folder: Path, text: str) -> None:
    path = fresh(folder, ".yaml", text)
    ends_well(lambda: load_config(path), path.name)


@READERS
@given(text=st.one_of(yaml_inputs, mutated(PACK_TEXT, TOKENS)))
def test_the_rule_pack_reader_ends_in_rules_or_a_located_error(folder: Path, text: str) -> None:
    path = fresh(folder, ".yaml", text)
    ends_well(lambda: load_rules([str(path)], folder), path.name)


@READERS
@given(
    suffix_and_text=st.one_of(
        st.tuples(st.just(".yaml"), yaml_inputs),
        st.tuples(st.just(".json"), st.one_of(json_values.map(json.dumps), yaml_inputs)),
        st.tuples(
            st.just(".json"), nested(st.integers(1, 3000)).map(lambda t: t.replace("a", '"a"'))
        ),
        st.tuples(st.just(".csv"), csv_inputs),
    )
)
def test_the_data_file_reader_ends_in_data_or_a_located_error(
    folder: Path, suffix_and_text: tuple[str, str]
) -> None:
    suffix, text = suffix_and_text
    path = fresh(folder, suffix, text)
    connector = FileConnector(FileOptions(path=path.name), folder)
    ends_well(lambda: connector.fetch([]), path.name)


def _cell_outcome(folder: Path, suffix: str, content: str) -> object:
    path = fresh(folder, suffix, content)
    try:
        return FileConnector(FileOptions(path=path.name), folder).fetch([]).monthly
    except InputError:
        return "refused"


@READERS
@given(
    written=st.one_of(
        st.from_regex(r"0{0,3}[0-9]{1,6}(\.[0-9]{1,3})?", fullmatch=True),
        st.sampled_from(["0231", "07200", "00", "0xE7", "0o17", "3:51", "1_000", "0b101"]),
    )
)
def test_a_number_cell_reads_the_same_in_yaml_and_csv(folder: Path, written: str) -> None:
    """YAML 1.1 read `0231` as octal 153 and `3:51` as 231 where CSV read 231 and refused."""
    by_csv = _cell_outcome(folder, ".csv", f"month,unsubscribes\n2026-07,{written}\n")
    by_yaml = _cell_outcome(folder, ".yaml", f"- {{month: 2026-07, unsubscribes: {written}}}\n")
    assert by_yaml == by_csv


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    text=st.one_of(
        st.integers(1, 5).map(bomb),
        nested(st.integers(50, 20_000)),
        st.integers(1, 5).map(lambda levels: "client: x\n" + bomb(levels) + "z: [*a3, *a3]\n"),
    )
)
def test_hostile_yaml_stays_within_memory(folder: Path, text: str) -> None:
    path = fresh(folder, ".yaml", text)
    ends_well(lambda: load_config(path), path.name, measure=True)


@READERS
@given(text=csv_inputs)
def test_the_leads_reader_ends_in_leads_or_a_located_error(folder: Path, text: str) -> None:
    path = fresh(folder, ".csv", text)
    ends_well(lambda: read_leads(path, path.name, not_found="missing"), path.name)


SNAPSHOT = {
    "kind": "auditor-snapshot",
    "schema_version": 1,
    "connector": "file",
    "label": "data.csv",
    "monthly": {"2026-07": {"emails_sent": 100}},
    "by_channel": {},
    "not_measured": {},
    "provenance": {},
}


@st.composite
def snapshots(draw: st.DrawFn) -> str:
    document: dict[str, Any] = json.loads(json.dumps(SNAPSHOT))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*SNAPSHOT, "snapshot", "extra"]))
        document[key] = draw(json_values)
    if draw(st.booleans()):
        month = draw(st.sampled_from(["0000-01", "9999-12", "2026-13", "x", "2026-07"]))
        document["monthly"] = {month: {"emails_sent": draw(json_values)}}
    return json.dumps(document)


@READERS
@given(
    text=st.one_of(
        snapshots(),
        json_values.map(json.dumps),
        st.text(max_size=200),
        st.integers(1, 5000).map(lambda n: "[" * n + "]" * n),
        st.integers(1, 5000).map(lambda n: '{"a": ' * n + "1" + "}" * n),
    )
)
def test_the_snapshot_reader_ends_in_data_or_a_located_error(folder: Path, text: str) -> None:
    path = fresh(folder, ".json", text)
    ends_well(lambda: load_snapshot(path), path.name)


period_texts = st.one_of(
    st.tuples(
        st.integers(0, 9999), st.sampled_from(["-Q1", "-Q4", "-H1", "-H2", "-01", "-12", ""])
    ).map(lambda pair: f"{pair[0]:04d}{pair[1]}"),
    st.text(max_size=12),
    st.tuples(st.dates(), st.dates()).map(lambda pair: {"start": pair[0], "end": pair[1]}),
    st.tuples(st.integers(1, 9999), st.integers(1, 12), st.integers(0, 200)).map(
        lambda t: {
            "start": f"{t[0]:04d}-{t[1]:02d}-01",
            "end": f"{min(9999, t[0] + t[2] // 12):04d}-{t[1]:02d}-01",
        }
    ),
)


def _arithmetic(period: Any) -> Iterator[object]:
    yield period.start, period.end, period.to_json()
    yield period.previous().to_json(), period.same_period_last_year().to_json()
    for back in range(8):  # the trend history (metrics.calculator)
        yield period.shifted(-back * period.count).to_json()
    yield months_needed(period)
    yield next_quarter(period.last).to_json()  # the forecast
    for back in (24, 12):  # the forecast's same quarter in earlier years
        yield next_quarter(period.last).shifted(-back).months


@settings(max_examples=300, deadline=1000, derandomize=True)
@given(value=period_texts)
def test_any_period_the_parser_accepts_has_working_arithmetic(value: Any) -> None:
    try:
        period = parse_period(value)
    except PeriodError:
        return  # refused with a message: what callers report as a located error
    for _ in _arithmetic(period):
        pass


# --- the CLI on generated hostile files ---------------------------------------------------


def _indented(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())


hostile_configs = st.one_of(
    st.integers(5, 8).map(lambda levels: CONFIG_TEXT + "x_bomb:\n" + _indented(bomb(levels))),
    st.integers(200, 20_000).map(lambda n: CONFIG_TEXT + "x_deep: " + "[" * n + "]" * n + "\n"),
    st.sampled_from(["\x00", "\x07", "\x1b", "\ufffe"]).map(
        lambda char: CONFIG_TEXT + f"x_bad: a{char}b\n"
    ),
    st.sampled_from(["0xE7", "3:51", "1_000", "0o17", "yes"]).map(
        lambda number: CONFIG_TEXT.replace("media: 1500 ", f"media: {number} ")
    ),
)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(text=hostile_configs)
def test_the_cli_exits_2_cleanly_on_generated_hostile_configs(folder: Path, text: str) -> None:
    config = fresh(folder, ".yaml", text)
    out = folder / f"out{next(_counter)}"
    outcome = hostile_run("check", str(config), cwd=folder, out_dir=out, timeout=30)
    assert_clean_failure(outcome)
    assert f"{config.name}:" in outcome.stderr
