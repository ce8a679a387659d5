"""`auditor rules list|validate|test|schema|explain`: real output and exit codes."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from auditor.cli.main import main
from auditor.cli.rules import rules
from auditor.rules.schema import pack_schema
from tests.helpers import ROOT

FIXTURES = "tests/fixtures/rule_tests"
AGENCY = f"{FIXTURES}/packs/agency.yaml"
CLIENT = f"{FIXTURES}/client/client.yaml"
DOCS = ROOT / "docs" / "rules-commands.md"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["rules", *args], catch_exceptions=False)


def squeeze(text: str) -> str:
    """Aligned columns -> single spaces, to assert on a line's content."""
    return "\n".join(re.sub(r" {2,}", "  ", line).rstrip() for line in text.splitlines())


# ---------------------------------------------------------------- list


def test_list_shows_bands_as_written_and_flags():
    result = run("list", "--pack", AGENCY)
    assert result.exit_code == 0, result.output
    lines = squeeze(result.stdout).splitlines()
    assert lines[0] == "ID  CATEGORY  WEIGHT  METRIC  BANDS / CURVE  FLAGS"
    assert lines[1:7] == [
        "unsubscribe-rate  response  3  unsubscribe_rate  warn >= 0.3%  fail >= 1.5%",
        "closed-loop-coverage  value  2  closed_loop_coverage  warn < 80%  fail < 60%  "
        "waived until 2026-12-31",
        "open-rate  response  0  open_rate  curve higher_is_better: good 30%, median 20%  "
        "low confidence, informative, disabled",
        "sql-per-lead  efficiency  1  sql_per_lead  warn < 10%  fail < 5%",
        "agency-click-trend  response  1  click_rate  warn < -0.3pp  fail < -1pp  "
        "compare previous_period (points)",
        "agency-leads-yoy  efficiency  1  leads_new  warn < -10%  fail < -30%  "
        "compare same_period_last_year (relative)",
    ]
    assert lines[-1] == (
        f"6 rules from base ({FIXTURES}/packs/base.yaml), agency ({FIXTURES}/packs/agency.yaml)"
    )


def test_list_defaults_to_the_shipped_default_pack():
    result = run("list")
    assert result.exit_code == 0
    assert re.search(
        r"^unsubscribe-rate +response +\d+ +unsubscribe_rate +warn >= ", result.stdout, re.M
    )
    assert result.stdout.rstrip().endswith("rules from default (rules/default.yaml)")


def test_list_json():
    result = run("list", "--pack", AGENCY, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [p["name"] for p in data["packs"]] == ["base", "agency"]
    by_id = {r["id"]: r for r in data["rules"]}
    assert by_id["unsubscribe-rate"]["thresholds"] == {
        "warn": {"at_least": 0.003},
        "fail": {"at_least": 0.015},
    }
    assert by_id["unsubscribe-rate"]["judgement"] == "warn >= 0.3%  fail >= 1.5%"
    assert by_id["agency-click-trend"]["unit"] == "points"
    assert by_id["open-rate"]["enabled"] is False
    assert by_id["closed-loop-coverage"]["waiver"] == {
        "reason": "CRM migration until the end of the year",
        "until": "2026-12-31",
    }


def test_list_shipped_packs():
    result = run("list", "--shipped")
    assert result.exit_code == 0
    assert re.search(r"^default +\d+ rules +Email health", result.stdout, re.M)
    data = json.loads(run("list", "--shipped", "--format", "json").stdout)
    assert "default" in [p["name"] for p in data]


def test_list_unknown_pack_is_bad_input():
    result = run("list", "--pack", "defualt")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown rule pack 'defualt'; shipped packs: default")
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- validate


def test_validate_shipped_packs():
    result = run("validate", "rules/")
    assert result.exit_code == 0, result.stderr
    assert "ok: rules/default.yaml (" in result.stdout
    assert result.stderr == ""


def test_validate_folder_reports_the_good_and_the_broken_pack():
    result = run("validate", f"{FIXTURES}/validate")
    assert result.exit_code == 2
    assert result.stdout == f"ok: {FIXTURES}/validate/good.yaml (1 rule)\n"
    assert result.stderr == (
        f"error: {FIXTURES}/validate/broken.yaml:12:14: rules[0].thresholds.warn.belw: "
        "unknown key (did you mean 'below'?)\n"
    )


def test_validate_audit_config_with_packs_and_overrides():
    result = run("validate", CLIENT, f"{FIXTURES}/client/expired.yaml")
    assert result.exit_code == 0
    assert result.stdout == (
        f"ok: {CLIENT} (6 rules)\nok: {FIXTURES}/client/expired.yaml (3 rules)\n"
    )
    assert result.stderr == (
        f"warning: {FIXTURES}/client/expired.yaml:11:41: "
        "rules.overrides.closed-loop-coverage.waiver.until: waiver expired on 2020-01-31: "
        "the rule is judged normally again (waived because: CRM migration)\n"
    )


def test_validate_config_with_a_bad_override(tmp_path):
    config = tmp_path / "client.yaml"
    config.write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: d.csv}\n"
        "rules:\n  overrides:\n    unsubscribe-rat: {weight: 1}\n",
        encoding="utf-8",
    )
    result = run("validate", str(config))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {config}:6:5: rules.overrides.unsubscribe-rat: override of unknown rule id "
        "'unsubscribe-rat' (did you mean 'unsubscribe-rate'?)\n"
    )


def test_validate_missing_file_and_empty_folder(tmp_path):
    result = run("validate", str(tmp_path / "nope.yaml"), str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {tmp_path}: no *.yaml or *.yml files in this folder\n"
        f"error: {tmp_path / 'nope.yaml'}: file not found\n"
    )


# ---------------------------------------------------------------- test


def test_test_passing_folder():
    result = run("test", FIXTURES)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert re.fullmatch(r"\d+ passed, 0 failed\n", result.stdout)


def test_test_wrong_expectation_exits_1_with_the_difference():
    result = run("test", f"{FIXTURES}/failing/wrong_expectations.yaml")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f'FAIL {FIXTURES}/failing/wrong_expectations.yaml: "1.2% unsubscribes fail": '
        "unsubscribe-rate: status: expected warn, got fail"
    )
    assert len(lines) == 5
    assert lines[-1] == "1 passed, 2 failed"


def test_test_verbose_lists_passing_cases():
    result = run("test", "-v", f"{FIXTURES}/base_test.yaml")
    assert result.stdout.splitlines() == [
        f'PASS {FIXTURES}/base_test.yaml: "the open-rate curve scores 90 at the good value"',
        f'PASS {FIXTURES}/base_test.yaml: "the median scores 50 and warns"',
        "2 passed, 0 failed",
    ]


def test_test_junit(tmp_path):
    out = tmp_path / "reports" / "rules.xml"
    result = run(
        "test", f"{FIXTURES}/failing/wrong_expectations.yaml", FIXTURES, "--junit", str(out)
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2:][0] == f"wrote {out}"
    assert re.fullmatch(r"\d+ passed, 2 failed", result.stdout.splitlines()[-1])
    root = ET.parse(out).getroot()
    suites = root.findall("testsuite")
    assert len(suites) == 4
    assert suites[0].get("name") == f"{FIXTURES}/failing/wrong_expectations.yaml"
    assert len(root.findall(".//testcase")) == int(root.get("tests", "0"))
    assert len(root.findall(".//failure")) == 2
    assert root.get("failures") == "2"
    assert root.get("errors") == "0"
    assert [p.name for p in out.parent.iterdir()] == ["rules.xml"]  # no temp file left


def test_test_bad_file_exits_2_located():
    result = run("test", f"{FIXTURES}/bad/unknown_key.yaml")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {FIXTURES}/bad/unknown_key.yaml:4:5: cases[0].metricz: "
        "unknown key (did you mean 'metrics'?)\n"
    )
    assert result.stdout == "0 passed, 0 failed\n"


def test_test_bad_file_wins_over_failures(tmp_path):
    result = run(
        "test",
        f"{FIXTURES}/failing/wrong_expectations.yaml",
        f"{FIXTURES}/bad",
        "--junit",
        str(tmp_path / "r.xml"),
    )
    assert result.exit_code == 2
    root = ET.parse(tmp_path / "r.xml").getroot()
    assert (root.get("failures"), root.get("errors")) == ("2", "2")


# ---------------------------------------------------------------- schema


def _validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = pack_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _as_json(path: Path) -> object:
    """YAML as an editor's schema check sees it: dates are strings."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def test_schema_accepts_every_shipped_and_fixture_pack():
    validator = _validator()
    packs = [
        *sorted((ROOT / "rules").glob("*.yaml")),
        *sorted((ROOT / FIXTURES / "packs").glob("*.yaml")),
    ]
    assert packs
    for path in packs:
        errors = [e.message for e in validator.iter_errors(_as_json(path))]
        assert errors == [], path


def test_schema_rejects_unknown_keys_and_bad_thresholds():
    validator = _validator()
    pack = _as_json(ROOT / FIXTURES / "packs" / "base.yaml")
    assert isinstance(pack, dict)
    typo = json.loads(json.dumps(pack))
    typo["rules"][0]["thresholds"]["fail"] = {"abov": "1%"}
    assert not validator.is_valid(typo)
    bad_literal = json.loads(json.dumps(pack))
    bad_literal["rules"][0]["thresholds"]["fail"] = {"above": "1 percent"}
    assert not validator.is_valid(bad_literal)
    top_level = json.loads(json.dumps(pack))
    top_level["rule"] = []
    assert not validator.is_valid(top_level)
    partial = {
        "version": 1,
        "extends": ["default"],
        "rules": [{"id": "unsubscribe-rate", "weight": 5}],
    }
    assert validator.is_valid(partial)
    assert not validator.is_valid({"version": 1, "rules": [{"weight": 5}]})
    assert not validator.is_valid({"version": 1, "rules": [{"id": "x", "weight": -1}]})


def test_schema_command(tmp_path):
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "auditor rule pack"
    assert "$id" not in schema
    assert schema["$defs"]["RuleEntry"]["required"] == ["id"]
    assert "extends" in schema["$defs"]["RuleEntry"]["description"]
    assert schema["additionalProperties"] is False
    out = tmp_path / "pack.schema.json"
    result = run("schema", "--output", str(out))
    assert result.stdout == f"wrote {out}\n"
    assert json.loads(out.read_text(encoding="utf-8")) == schema


# ---------------------------------------------------------------- explain


def test_explain_shows_where_each_value_comes_from():
    result = run("explain", CLIENT)
    assert result.exit_code == 0, result.output
    out = squeeze(result.stdout)
    assert out.splitlines()[:4] == [
        f"Effective rules for Aceros del Sur ({CLIENT})",
        f"packs: base ({FIXTURES}/packs/base.yaml), agency ({FIXTURES}/packs/agency.yaml)",
        "categories: activity 20, response 30, efficiency 25, value 25",
        "6 rules: 3 overridden by the config, 0 disabled, 1 waived",
    ]
    assert "unsubscribe-rate  [pack base; overridden by the config]" in out
    assert f"  thresholds.fail.at_least = 2%  {CLIENT}:14:16 (override)" in out
    assert f"  thresholds.warn.at_least = 0.3%  {FIXTURES}/packs/base.yaml:18:14 (pack base)" in out
    assert "  on_missing = no_data  (default)" in out
    # a waiver from the config, a rule re-enabled by the config, a pack's own change rule
    assert (
        "closed-loop-coverage  [pack base; overridden by the config; WAIVED until 2099-12-31: "
        "evaluated, shown as waived (New CRM, data migrated by March)]"
    ) in out
    assert f"  waiver.until = 2099-12-31  {CLIENT}:17:59 (override)" in out
    assert f"  enabled = true  {CLIENT}:15:17 (override)" in out
    assert f"  thresholds.warn.below = -0.3pp  {AGENCY}:42:25 (pack agency)" in out


def test_explain_one_rule_changed_by_an_extending_pack(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: d.csv}\n"
        f"rules:\n  packs: [{ROOT / AGENCY}]\n",
        encoding="utf-8",
    )
    result = run("explain", str(config), "--rule", "unsubscribe-rate", "-r", "open-rate")
    assert result.exit_code == 0, result.output
    out = squeeze(result.stdout)
    assert "unsubscribe-rate  [pack base; changed by pack agency]" in out
    assert f"  thresholds.fail.at_least = 1.5%  {AGENCY}:15:14 (pack agency)" in out
    assert "open-rate  [pack base; changed by pack agency; DISABLED: not evaluated]" in out
    assert f"  enabled = false  {AGENCY}:17:5 (pack agency)" in out
    assert "sql-per-lead" not in out


def test_explain_names_the_works_a_rule_cites_with_their_words():
    demo = "auditor/demo/demo.yaml"  # the default pack, as shipped
    text = run("explain", demo, "--rule", "bounce-rate", "--full").stdout
    assert (
        "  cites hubspot-sending-suspension: HubSpot, “Resolve an email sending suspension "
        "(knowledge base)”, https://knowledge.hubspot.com/email/why-is-my-email-suspended\n"
        "    measures: What mailbox providers prefer, as HubSpot reports it: bounces per email "
        "sent, under 2 %.\n"
        "    quote: “For reference, many ISPs prefer bounce rates to be under 2%.”\n"
    ) in text
    assert (
        "    read at: https://www.sailthru.com/marketing-blog/email-marketing-benchmarks-2019/"
        in text
    )
    data = json.loads(run("explain", demo, "--format", "json", "-r", "bounce-rate").stdout)
    cited = data["rules"][0]["citations"]
    assert [c["key"] for c in cited] == [
        "hubspot-sending-suspension",
        "campaign-monitor-2019",
        "mailerlite-2019",
        "mailerlite-2020",
    ]
    assert cited[1]["quote"].endswith("Average bounce rate: 1.06%")
    assert cited[1]["measures"]["es"].startswith("Medias de todos los sectores")
    assert "wording" not in cited[1]  # verbatim: the default, not repeated
    text = run("explain", demo, "--rule", "ltv-to-cac", "--full").stdout
    assert "have a LTV to CAC ratio that is higher than 3, sometimes as high as 7 or 8." in text
    assert "    read at: https://github.com/Denter-/article-2-text/blob/" in text


def test_explain_labels_a_summary_as_a_third_partys_words(tmp_path):
    pack = tmp_path / "mine.yaml"
    pack.write_text(
        "version: 1\nextends: [default]\ncitations:\n  someone:\n    publisher: P\n"
        "    title: T\n    quote: Q said so\n    wording: summary\n"
        "    read_at: https://example.org/summary\nrules:\n  - id: bounce-rate\n"
        "    source:\n      cites: [someone]\n      note: {en: x, es: x}\n"
    )
    config = tmp_path / "c.yaml"
    config.write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: d.csv}\n"
        f"rules:\n  packs: [{pack}]\n",
        encoding="utf-8",
    )
    result = run("explain", str(config), "--rule", "bounce-rate")
    assert result.exit_code == 0, result.output
    assert (
        "  cites someone: P, “T”\n"
        "    summary (a third party's words, not the source's): “Q said so”\n"
        "    read at: https://example.org/summary\n"
    ) in result.stdout
    data = json.loads(run("explain", str(config), "--format", "json", "-r", "bounce-rate").stdout)
    assert data["rules"][0]["citations"][0]["wording"] == "summary"


def test_explain_json_and_unknown_rule():
    data = json.loads(run("explain", CLIENT, "--format", "json", "-r", "unsubscribe-rate").stdout)
    keys = {k["key"]: k for k in data["rules"][0]["keys"]}
    assert keys["thresholds.fail.at_least"] == {
        "key": "thresholds.fail.at_least",
        "value": 0.02,
        "text": "2%",
        "source": "override",
        "file": CLIENT,
        "line": 14,
        "col": 16,
    }
    assert keys["enabled"]["source"] == "default"
    result = run("explain", CLIENT, "--rule", "unsubscribe-rat")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --rule unsubscribe-rat: no such rule (did you mean 'unsubscribe-rate'?)\n"
    )


def test_explain_bad_config_is_located(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "client: X\nperiod: 2026-Q3\nsource: {connector: file, path: d.csv}\nrulez: {}\n"
    )
    result = run("explain", str(config))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {config}:4:1: rulez: unknown key (did you mean 'rules'?)"
    )


# ---------------------------------------------------------------- help and docs


@pytest.mark.parametrize("name", sorted(rules.commands))
def test_every_subcommand_has_help_with_an_example(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


@pytest.mark.parametrize("name", sorted(rules.commands))
def test_every_subcommand_and_option_is_documented(name):
    docs = DOCS.read_text(encoding="utf-8")
    assert f"auditor rules {name}" in docs
    for param in rules.commands[name].params:
        if isinstance(param, click.Option) and param.name != "debug":
            assert any(opt in docs for opt in param.opts), (name, param.opts)
