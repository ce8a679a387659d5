"""The rule-set cache between processes (auditor/rules/cache.py): a hit returns the same
rules without re-validating; any change to what the rules were read from is a miss."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import auditor
from auditor.core.cache import CACHE_ENV, OFF_ENV
from auditor.core.errors import InputError
from auditor.rules import loader, templates
from tests.helpers import ROOT

PACK = """version: 1
name: mine
categories: {response: {weight: 30}}
rules:
  - id: unsubscribes
    category: response
    metric: unsubscribe_rate
    thresholds: {warn: {above: 0.003}, fail: {above: 0.01}}
    message: {es: "Bajas {{ value | pct }}", en: "Unsubscribes {{ value | pct }}"}
    recommendation: {es: "Limpie la lista.", en: "Clean the list."}
    title: {es: "Bajas", en: "Unsubscribes"}
    source: {note: {es: "Criterio de prueba.", en: "A test criterion."}}
"""


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    monkeypatch.delenv(OFF_ENV, raising=False)
    loader._CACHE.clear()  # a new process: nothing in memory
    return folder / "rules"


def _pack(tmp_path: Path, text: str = PACK) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _new_process(monkeypatch: pytest.MonkeyPatch, *, validate: bool) -> list[int]:
    """Forget the in-memory cache; count (or forbid) the full validation."""
    loader._CACHE.clear()
    calls: list[int] = []
    real = loader._load_rules

    def counted(*args, **kwargs):
        if not validate:
            raise AssertionError("the packs were validated again")
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "_load_rules", counted)
    return calls


def test_a_second_process_reads_the_validated_rules_from_the_cache(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pack(tmp_path)
    first = loader.load_rules(["mine.yaml"], tmp_path)
    assert len(list(cache_folder.glob("*.pickle"))) == 1
    _new_process(monkeypatch, validate=False)
    second = loader.load_rules(["mine.yaml"], tmp_path)
    assert second.rules == first.rules
    assert second.category_weights == first.category_weights
    assert [p.sha256 for p in second.packs] == [p.sha256 for p in first.packs]


def test_editing_a_pack_or_a_template_is_a_miss(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _pack(tmp_path)
    loader.load_rules(["mine.yaml"], tmp_path)
    path.write_text(PACK.replace("above: 0.01}", "above: 0.02}"), encoding="utf-8")
    calls = _new_process(monkeypatch, validate=True)
    edited = loader.load_rules(["mine.yaml"], tmp_path)
    assert calls == [1]
    assert edited.rules[0].thresholds.to_json()["fail"] == {"above": 0.02}
    # a template edit is a content edit like any other, and a broken one is reported
    path.write_text(PACK.replace("{{ value | pct }}", "{{ value | nosuchfilter }}"))
    _new_process(monkeypatch, validate=True)
    with pytest.raises(InputError, match="nosuchfilter"):
        loader.load_rules(["mine.yaml"], tmp_path)


def test_a_pack_it_extends_is_checked_too(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pack(tmp_path)
    child = tmp_path / "child.yaml"
    child.write_text("version: 1\nname: child\nextends: [mine.yaml]\nrules: []\n")
    loader.load_rules(["child.yaml"], tmp_path)
    _pack(tmp_path, PACK.replace("warn: {above: 0.003}", "warn: {above: 0.004}"))
    calls = _new_process(monkeypatch, validate=True)
    rules = loader.load_rules(["child.yaml"], tmp_path)
    assert calls == [1]
    assert rules.rules[0].thresholds.to_json()["warn"] == {"above": 0.004}


def test_another_tool_version_is_a_miss(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pack(tmp_path)
    loader.load_rules(["mine.yaml"], tmp_path)
    monkeypatch.setattr(auditor, "__version__", "99.0.0")
    calls = _new_process(monkeypatch, validate=True)
    loader.load_rules(["mine.yaml"], tmp_path)
    assert calls == [1]
    assert len(list(cache_folder.glob("*.pickle"))) == 2


def test_a_damaged_entry_is_a_miss_and_is_replaced(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pack(tmp_path)
    loader.load_rules(["mine.yaml"], tmp_path)
    (entry,) = cache_folder.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    calls = _new_process(monkeypatch, validate=True)
    assert loader.load_rules(["mine.yaml"], tmp_path).rules[0].id == "unsubscribes"
    assert calls == [1]
    _new_process(monkeypatch, validate=False)
    loader.load_rules(["mine.yaml"], tmp_path)  # rewritten whole: a hit again


def test_a_folder_others_may_write_is_not_read(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pack(tmp_path)
    loader.load_rules(["mine.yaml"], tmp_path)
    cache_folder.chmod(0o777)  # anyone could have planted the pickle
    calls = _new_process(monkeypatch, validate=True)
    loader.load_rules(["mine.yaml"], tmp_path)
    assert calls == [1]


def test_the_cache_can_be_turned_off(
    tmp_path: Path, cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(OFF_ENV, "1")
    _pack(tmp_path)
    loader.load_rules(["mine.yaml"], tmp_path)
    assert not cache_folder.exists()


def test_two_processes_filling_the_cache_at_once_both_succeed(
    tmp_path: Path, cache_folder: Path
) -> None:
    _pack(tmp_path)
    script = (
        "import sys; from pathlib import Path; from auditor.rules.loader import load_rules\n"
        "print(len(load_rules(['mine.yaml'], Path(sys.argv[1])).rules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["1"] * 4
    entries = list(cache_folder.iterdir())
    assert len(entries) == 1  # one whole entry, no temporary file left
    assert entries[0].suffix == ".pickle"


def _fresh_templates() -> None:
    """A new process: no compiled template and no environment in memory."""
    templates._compiled.cache_clear()
    templates.environment.cache_clear()


def test_compiled_templates_are_kept_between_processes(
    cache_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = "Bajas {{ value | pct }}{% for k in thresholds %} {{ k }}{% endfor %}"
    context = {"value": 0.0123, "thresholds": {"warn": 1}}
    _fresh_templates()
    first = templates.render(source, context, "es", "EUR")
    stored = list((cache_folder.parent / "templates").iterdir())
    assert stored
    _fresh_templates()

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(templates.BoundedEnvironment, "compile", no_compiling)
    assert templates.render(source, context, "es", "EUR") == first == "Bajas 1,23\u00a0% warn"
    # another text is another template: compiled, not read from the cache
    _fresh_templates()
    assert "compiled again" in templates.render(source + "!", context, "es", "EUR")
