"""Issue 10: rule packs that would make the auditor loop, fill the memory or crawl.

A message template runs in Jinja's sandbox, but the sandbox does not bound
work: nested loops, `'x' * 10**12` and `format_map` tricks ran at load until
they hung or crashed.  A pack with 10,000 rules took a minute to check.  Each
is now a located pack problem that states the limit, found in seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from auditor.rules.templates import MAX_LOOP_ITERATIONS, render, sample_context
from tests.helpers import q3_data, write_wide_csv
from tests.helpers.hostile import Outcome, assert_clean_failure, hostile_run

RULE = """\
  - id: {id}
    title: {{es: t, en: t}}
    category: activity
    metric: emails_sent
    thresholds: {{fail: {{below: 1}}}}
    source: x
    message: {{es: m, en: {message}}}
    recommendation: {{es: r, en: r}}
"""
HEADER = "version: 1\nname: {name}\ncategories: {{activity: {{weight: 1}}}}\n"


def _pack(path: Path, count: int = 1, message: str = "m", prefix: str = "r") -> Path:
    rules = "".join(RULE.format(id=f"{prefix}{i}", message=message) for i in range(count))
    path.write_text(HEADER.format(name=path.stem) + "rules:\n" + rules, encoding="utf-8")
    return path


def _validate(folder: Path, *paths: str, timeout: float = 60) -> Outcome:
    return hostile_run(
        "rules", "validate", *paths, cwd=folder, out_dir=folder / "out", timeout=timeout
    )


def _quoted(template: str) -> str:
    return "'" + template.replace("'", "''") + "'"


NESTED = "{% for a in metrics %}" * 5 + "{body}" + "{% endfor %}" * 5
HOSTILE_TEMPLATES = {
    "five nested loops": (NESTED.replace("{body}", "x"), "loops run more than 10,000 times"),
    "five silent nested loops": (NESTED.replace("{body}", ""), "(limit is 10,000 iterations"),
    "long output": (
        "{% for a in metrics %}{% for b in metrics %}" + "x" * 40 + "{% endfor %}{% endfor %}",
        "characters or items (limit is 10,000)",
    ),
    "huge repetition": ("{{ 'x' * 10**12 }}", "1,000,000,000,000 characters or items"),
    "huge list": ("{{ [1] * 10**8 }}", "(limit is 10,000)"),
    "format_map index": ("{{ '{0[1]}'.format_map([1]) }}", "str.format_map is not available"),
    "format_map empty": ("{{ '{0}'.format_map({}) }}", "str.format_map is not available"),
    "format width": ("{{ '{0:>999999999}'.format(1) }}", "str.format is not available"),
    "percent width": ("{{ '%0999999999d' % 1 }}", "'%' formatting is not available"),
    "ljust": ("{{ 'x'.ljust(10**9) }}", "too large for an argument in a template"),
    "to_bytes": ("{{ (1).to_bytes(10**9, 'big') }}", "too large for an argument"),
    "power": ("{{ 2 ** 100000000 }}", "(limit is 4,096 bits)"),
    "join": ("{{ ('x' * 9999) | join('y' * 9999) }}", "99,980,001 characters or items"),
    "replace": ("{{ ('x' * 9999).replace('', 'yyyy') }}", "49,999 characters or items"),
    "deep nesting": ("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", "nests too deeply"),
    "deep unary": ("{{ " + "-" * 3000 + "1 }}", "nests too deeply"),
}


@pytest.mark.parametrize(
    ("template", "said"), HOSTILE_TEMPLATES.values(), ids=list(HOSTILE_TEMPLATES)
)
def test_a_hostile_template_is_a_located_pack_problem(tmp_path, template, said):
    _pack(tmp_path / "pack.yaml", message=_quoted(template))
    started = time.monotonic()
    outcome = _validate(tmp_path, "pack.yaml")
    assert time.monotonic() - started < 30
    assert_clean_failure(outcome)
    assert "pack.yaml:11:22: rules[0].message.en: template" in outcome.stderr, outcome.stderr
    assert said in outcome.stderr, outcome.stderr


def test_an_audit_with_a_hostile_template_stops_before_fetching(tmp_path):
    _pack(tmp_path / "pack.yaml", message=_quoted(NESTED.replace("{body}", "x")))
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "audit.yaml").write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: data.csv}\n"
        "rules: {packs: [./pack.yaml]}\n",
        encoding="utf-8",
    )
    outcome = hostile_run("check", "audit.yaml", cwd=tmp_path, out_dir=tmp_path / "out")
    assert_clean_failure(outcome)
    assert "pack.yaml:11:22: rules[0].message.en: template error: the template's loops" in (
        outcome.stderr
    )


def test_a_template_that_explodes_only_on_real_data_renders_a_note():
    """Loops over the client's name pass the load check ('Client') and blow up at run."""
    template = "{% for a in client.name %}" * 3 + "x" + "{% endfor %}" * 3
    context = sample_context({}) | {"client": {"name": "n" * 100}}
    started = time.monotonic()
    text = render(template, context, "en", "EUR")
    assert time.monotonic() - started < 5
    assert text.startswith("[message could not be rendered: the template")
    assert f"{MAX_LOOP_ITERATIONS:,}" in text


# --- pack size ----------------------------------------------------------------------------


def test_a_pack_over_the_rule_limit_is_refused_at_its_rules_key(tmp_path):
    _pack(tmp_path / "pack.yaml", count=501)
    outcome = _validate(tmp_path, "pack.yaml")
    assert_clean_failure(outcome)
    assert (
        "pack.yaml:4:1: rules: 501 rules in one pack; the limit is 500 per pack" in outcome.stderr
    )
    assert outcome.stderr.count("error:") == 1


def test_an_audit_over_the_rule_limit_is_refused(tmp_path):
    names = [f"./p{i}.yaml" for i in range(3)]
    for i, name in enumerate(names):
        _pack(tmp_path / name, count=400, prefix=f"p{i}-r")
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "audit.yaml").write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: data.csv}\n"
        f"rules: {{packs: [{', '.join(names)}]}}\n",
        encoding="utf-8",
    )
    outcome = hostile_run("check", "audit.yaml", cwd=tmp_path, out_dir=tmp_path / "out")
    assert_clean_failure(outcome)
    assert "(p0, p1, p2) hold 1,200 rules; the limit is 1,000 per audit" in outcome.stderr


def test_a_pack_file_over_the_size_limit_is_refused_before_parsing(tmp_path):
    pack = _pack(tmp_path / "pack.yaml")
    with pack.open("a", encoding="utf-8") as out:
        out.write(("# padding" + " " * 90 + "\n") * 10_001)
    outcome = _validate(tmp_path, "pack.yaml")
    assert_clean_failure(outcome)
    assert "pack.yaml: the pack file is 1,000," in outcome.stderr
    assert "bytes; the limit is 1,000,000 bytes per pack" in outcome.stderr


def test_a_pack_over_the_metric_limit_is_refused(tmp_path):
    pack = _pack(tmp_path / "pack.yaml")
    metrics = "".join(
        f"  m{i}: {{expr: emails_sent + {i}, unit: count, category: activity}}\n"
        for i in range(201)
    )
    pack.write_text(pack.read_text().replace("rules:\n", "metrics:\n" + metrics + "rules:\n"))
    outcome = _validate(tmp_path, "pack.yaml")
    assert_clean_failure(outcome)
    assert "pack.yaml:4:1: metrics: 201 metrics in one pack; the limit is 200 per pack" in (
        outcome.stderr
    )


def test_an_audit_over_the_pack_limit_is_refused(tmp_path):
    names = [f"./p{i}.yaml" for i in range(21)]
    for i, name in enumerate(names):
        _pack(tmp_path / name, prefix=f"p{i}-r")
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "audit.yaml").write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: data.csv}\n"
        f"rules: {{packs: [{', '.join(names)}]}}\n",
        encoding="utf-8",
    )
    outcome = hostile_run("check", "audit.yaml", cwd=tmp_path, out_dir=tmp_path / "out")
    assert_clean_failure(outcome)
    assert "more than 20 rule pack files in one audit" in outcome.stderr


def test_a_ten_thousand_rule_pack_fails_fast(tmp_path):
    """It took 35-67 s and 360-440 MB to check; now the size check answers at once."""
    _pack(tmp_path / "pack.yaml", count=10_000, message="'{{ value | int }} sent'")
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "audit.yaml").write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: data.csv}\n"
        "rules: {packs: [./pack.yaml]}\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    outcome = hostile_run("check", "audit.yaml", cwd=tmp_path, out_dir=tmp_path / "out", timeout=30)
    assert time.monotonic() - started < 15
    assert_clean_failure(outcome)
    assert "the limit is" in outcome.stderr
