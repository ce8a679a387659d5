"""CI outputs of `auditor check`: JUnit, GitHub annotations, CI Markdown, the text table,
`--select/--ignore`, `--fail-under` and how exit codes combine.

Two inputs: the real demo audit (`Gate("never")`, so every finding is present and
the exit code is 0) and a hand-made hostile result whose client data carries
markup, `]]>`, control characters, newlines, `%` and `::`.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from auditor.config.loader import load_config
from auditor.core.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_SOURCE, InputError
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate, exit_status
from auditor.gating.select import (
    combine_exit_codes,
    combine_outcomes,
    fail_under,
    finalize,
    finding_from_json,
    parse_fail_under,
    rescore,
    select_findings,
)
from auditor.outputs.ci_markdown import md_escape, render_ci_markdown
from auditor.outputs.github import command, escape_data, escape_property, render_github
from auditor.outputs.junit import render_junit, xml_text
from auditor.outputs.text import cells, render_text, truncate, use_colour
from auditor.pipeline.runner import audit, load_rule_set
from auditor.rules.scoring import score
from tests.helpers import TESTS

XSD = TESTS / "fixtures" / "junit" / "junit.xsd"
NBSP = "\u00a0"
HOSTILE_CLIENT = "<b>A|B</b> ]]> & Co"


# --------------------------------------------------------------------- inputs
@pytest.fixture(scope="module")
def demo_config():
    return load_config(demo_dir() / "demo.yaml")


@pytest.fixture(scope="module")
def demo_audit(demo_config):
    return audit(demo_config, Gate("never"))


@pytest.fixture
def demo(demo_audit) -> dict[str, Any]:
    return demo_audit.to_json()


def _finding(rule: str, category: str, status: str, **extra: Any) -> dict[str, Any]:
    scores = {"pass": 100.0, "warn": 50.0, "fail": 0.0}
    base: dict[str, Any] = {
        "rule": rule,
        "title": f"Title of {rule}",
        "category": category,
        "status": status,
        "score": scores.get(status),
        "weight": 2.0,
        "impact": 0.0,
        "metric": "unsubscribe_rate",
        "value": 0.0125 if status in scores else None,
        "unit": "ratio",
        "previous": 0.008,
        "change": 0.5625,
        "threshold": "< 0.01",
        "thresholds": {"warn": {"at_least": 0.005}, "fail": {"at_least": 0.01}},
        "confidence": "normal",
        "message": f"{rule} message",
        "recommendation": "",
        "reason": None,
        "source": "a source",
        "pack": "default",
        "compare": None,
        "waived_status": None,
        "waiver": None,
        "labels": [],
    }
    base.update(extra)
    return base


def _hostile() -> dict[str, Any]:
    evil = "line one\nline two\r\n100% sure :: a,b \x00\x1b[31mred\x1b[0m ]]> <script>x</script>"
    findings = [
        _finding(
            "evil-fail",
            "response",
            "fail",
            title="Fail: <i>bad</i>, 100%",
            message=evil,
            recommendation="Call @octocat or see https://evil.example/x [link](http://x) `code`",
            source="*bold* _it_ | pipe ~strike~ $math$ #1",
            labels=["deliverability", "nightly"],
        ),
        _finding("evil-warn", "response", "warn", message="warn\nwith 50% and ::", labels=["x"]),
        _finding(
            "evil-error",
            "activity",
            "error",
            message="could not evaluate",
            reason="metric is not a finite number & <odd>",
        ),
        _finding(
            "evil-no-data",
            "activity",
            "no_data",
            message="No data: emails_sent is not available",
            reason="emails_sent is not available",
        ),
        _finding(
            "evil-na",
            "value",
            "not_applicable",
            message="Not applicable: sample too small",
            reason="sample too small: deals_won is 3, below the minimum of 10",
        ),
        _finding(
            "evil-waived",
            "value",
            "waived",
            waived_status="fail",
            value=0.0125,
            message="waived message",
            waiver={"reason": "Known <issue> ]]> with ESP", "until": "2099-01-01"},
        ),
        _finding("evil-pass", "value", "pass", labels=["nightly"]),
    ]
    result: dict[str, Any] = {
        "schema_version": 1,
        "tool": {"name": "auditor", "version": "0.1.0"},
        "generated_at": "2026-11-23T12:00:00Z",
        "client": HOSTILE_CLIENT,
        "client_slug": "a-b-co",
        "language": "en",
        "period": {"label": "2026-Q3", "start": "2026-07-01", "end": "2026-09-30"},
        "previous_period": {"label": "2026-Q2", "start": "2026-04-01", "end": "2026-06-30"},
        "source": {"connector": "file"},
        "metrics": {},
        "undefined": {"cac": "customers_new is 0 <b>|</b>", "romi": "costs missing"},
        "findings": findings,
        "categories": {
            c: {"weight": w}
            for c, w in {"activity": 20, "response": 30, "efficiency": 25, "value": 25}.items()
        },
        "rule_packs": [{"name": "default"}],
        "config": {"currency": "EUR"},
        "warnings": [],
        "exit_code": 0,
        "exit_reason": "",
    }
    scores = rescore(result, findings)
    result["scores"] = {"overall": scores.overall} | {
        c: s.score for c, s in scores.categories.items()
    }
    result["categories"] = {c: s.to_json() for c, s in scores.categories.items()}
    result["overall_coverage"] = scores.overall_coverage
    code, reason = exit_status([finding_from_json(f) for f in findings], scores, Gate())
    result["exit_code"], result["exit_reason"] = code, reason
    return result


@pytest.fixture
def hostile() -> dict[str, Any]:
    return _hostile()


def test_hostile_fixture_is_what_the_tests_assume(hostile):
    assert hostile["exit_code"] == EXIT_FINDINGS
    assert hostile["categories"]["activity"]["incomplete"] is True  # error + no_data only
    assert hostile["scores"]["activity"] is None
    assert hostile["categories"]["efficiency"]["counts"] == {}


# ----------------------------------------------------------------- JUnit: schema
_OUTCOMES = ("skipped", "error", "failure")


def _structural_check(document: str) -> None:
    """The XSD's rules, checked by hand (used when `xmlschema` is not installed)."""
    root = ET.fromstring(document.encode("utf-8"))
    counts = re.compile(r"^[0-9]+$")
    decimal = re.compile(r"^[0-9]+(\.[0-9]+)?$")
    assert root.tag == "testsuites"
    assert set(root.attrib) <= {"name", "tests", "failures", "errors", "disabled", "time"}
    for suite in root:
        assert suite.tag == "testsuite"
        allowed = {"name", "tests", "failures", "errors", "skipped", "disabled", "time"}
        allowed |= {"timestamp", "hostname", "id", "package"}
        assert set(suite.attrib) <= allowed
        assert "name" in suite.attrib
        assert "tests" in suite.attrib
        for key in ("tests", "failures", "errors", "skipped", "disabled"):
            assert key not in suite.attrib or counts.match(suite.attrib[key])
        assert "time" not in suite.attrib or decimal.match(suite.attrib["time"])
        if "timestamp" in suite.attrib:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.attrib["timestamp"])
        tags = [child.tag for child in suite]
        order = {"properties": 0, "testcase": 1, "system-out": 2, "system-err": 3}
        assert all(t in order for t in tags)
        assert [order[t] for t in tags] == sorted(order[t] for t in tags)
        assert tags.count("properties") <= 1
        for prop in suite.iter("property"):
            assert set(prop.attrib) == {"name", "value"}
        for case in suite.iter("testcase"):
            assert {"name", "classname"} <= set(case.attrib)
            assert set(case.attrib) <= {"name", "classname", "time", "assertions", "status"}
            children = [child.tag for child in case]
            outcomes = [t for t in children if t in _OUTCOMES]
            assert len(outcomes) <= 1
            rest = [t for t in children if t not in _OUTCOMES]
            assert rest in ([], ["system-out"], ["system-err"], ["system-out", "system-err"])
            if outcomes:
                assert children[0] == outcomes[0]
                node = case.find(outcomes[0])
                assert node is not None
                assert set(node.attrib) <= {"message", "type"}
                assert len(node) == 0


def _validate(document: str) -> None:
    try:
        import xmlschema
    except ImportError:
        _structural_check(document)
    else:
        xmlschema.XMLSchema(XSD).validate(document)


def test_the_xsd_itself_is_well_formed_and_names_the_junit_elements():
    schema = ET.parse(XSD).getroot()
    names = {e.get("name") for e in schema.iter("{http://www.w3.org/2001/XMLSchema}element")}
    assert {"testsuites", "testsuite", "testcase", "failure", "error", "skipped"} <= names
    assert {"system-out", "properties", "property"} <= names


@pytest.mark.parametrize("which", ["demo", "hostile"])
def test_junit_validates_against_the_schema(which, demo, hostile):
    document = render_junit(demo if which == "demo" else hostile)
    _validate(document)
    _structural_check(document)  # always, whether or not xmlschema is installed


def test_structural_check_rejects_what_the_schema_rejects():
    bad = [
        '<testsuites><testsuite name="a"/></testsuites>',  # no tests
        '<testsuites><testsuite name="a" tests="x"/></testsuites>',
        '<testsuites><testsuite name="a" tests="1"><testcase name="t"/></testsuite></testsuites>',
        '<testsuites><testsuite name="a" tests="1"><testcase name="t" classname="c">'
        "<failure/><error/></testcase></testsuite></testsuites>",
        "<testsuite/>",
    ]
    for document in bad:
        with pytest.raises(AssertionError):
            _structural_check(document)


def test_xmlschema_rejects_a_broken_document_when_installed():
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(XSD)
    assert not schema.is_valid('<testsuites><testsuite name="a" tests="x"/></testsuites>')
    assert not schema.is_valid(
        '<testsuites><testsuite name="a" tests="1"><testcase name="t" classname="c">'
        "<failure/><skipped/></testcase></testsuite></testsuites>"
    )


# ------------------------------------------------------------- JUnit: mapping
def _suites(document: str) -> list[ET.Element]:
    return list(ET.fromstring(document.encode("utf-8")))


def _assert_counts_match(document: str) -> None:
    root = ET.fromstring(document.encode("utf-8"))
    total = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root:
        cases = suite.findall("testcase")
        found = {
            "tests": len(cases),
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": sum(c.find("error") is not None for c in cases),
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        assert {k: int(suite.get(k, "-1")) for k in found} == found
        for key in total:
            total[key] += found[key]
    assert {k: int(root.get(k, "-1")) for k in total} == total


def test_junit_demo_one_suite_per_category_in_order_with_matching_counts(demo):
    document = render_junit(demo)
    suites = _suites(document)
    assert [s.get("name") for s in suites] == ["activity", "response", "efficiency", "value"]
    _assert_counts_match(document)
    counts = {s.get("name"): s.attrib for s in suites}
    assert counts["activity"]["tests"] == "4"
    assert counts["response"]["failures"] == "2"
    assert counts["value"]["skipped"] == "1"  # cac-trend, not_applicable
    root = ET.fromstring(document.encode("utf-8"))
    assert root.get("tests") == str(len(demo["findings"]))
    assert root.get("failures") == str(sum(f["status"] == "fail" for f in demo["findings"]))
    for suite in suites:
        for case in suite.findall("testcase"):
            assert case.get("classname") == f"auditor.{suite.get('name')}"
    names = [c.get("name") for c in root.iter("testcase")]
    assert "unsubscribe-rate: Tasa de baja bajo el 1 %" in [n.replace(NBSP, " ") for n in names]


def test_junit_demo_failure_says_what_and_why(demo):
    document = render_junit(demo)
    assert (
        f'<failure message="1,25{NBSP}% (umbral fallo ≥ 1{NBSP}% · correcto &lt; 0,3{NBSP}%): '
        f"La tasa de baja es 1,25{NBSP}% de los emails entregados" in document
    )
    case = next(
        c
        for c in ET.fromstring(document.encode("utf-8")).iter("testcase")
        if c.get("name", "").startswith("unsubscribe-rate:")
    )
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "fail"
    body = failure.text or ""
    assert body.startswith("FAIL unsubscribe-rate (response): Tasa de baja")
    assert f"Medido: 1,25{NBSP}%" in body
    assert f"Umbral: fallo si ≥ 1{NBSP}%; aviso si ≥ 0,3{NBSP}%; correcto si < 0,3{NBSP}%" in body
    assert f"Anterior (2026-Q2): 0,24{NBSP}%" in body
    assert "Recomendación: Revise la segmentación" in body
    assert "Fuente: El límite del 1 % es una regla del proyecto" in body
    assert (
        "(Mailchimp, “Email Marketing Benchmarks and Statistics by Industry (October 2019 "
        "update)”, 2019, https:" in body
    )
    assert case.find("system-out") is None


def test_junit_warn_is_a_passing_testcase_that_carries_the_message(demo):
    root = ET.fromstring(render_junit(demo).encode("utf-8"))
    by_rule = {c.get("name", "").split(":")[0]: c for c in root.iter("testcase")}
    warn = by_rule["bounce-rate"]
    assert [child.tag for child in warn] == ["system-out"]
    out = warn.find("system-out")
    assert out is not None
    assert (out.text or "").startswith(
        f"WARN: 2,08{NBSP}% (umbral aviso ≥ 2{NBSP}% · correcto < 2{NBSP}%): El 2,08{NBSP}% de los "
        f"emails enviados rebotó (aviso desde 2{NBSP}%"
    )
    passing = by_rule["emails-sent"]
    assert list(passing) == []
    skipped = by_rule["cac-trend"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "muestra demasiado pequeña para juzgar: customers_new es 17, por debajo del mínimo de 30"
    )


def test_junit_hostile_status_mapping_and_escaping(hostile):
    document = render_junit(hostile)
    _assert_counts_match(document)
    suites = _suites(document)
    assert [s.get("name") for s in suites] == ["activity", "response", "value"]  # no efficiency
    cases = {c.get("name", "").split(":")[0]: c for c in ET.fromstring(document).iter("testcase")}
    outcome = {rule: [child.tag for child in case] for rule, case in cases.items()}
    assert outcome == {
        "evil-fail": ["failure"],
        "evil-warn": ["system-out"],
        "evil-error": ["error"],
        "evil-no-data": ["error"],
        "evil-na": ["skipped"],
        "evil-waived": ["skipped"],
        "evil-pass": [],
    }
    error = cases["evil-error"].find("error")
    assert error is not None
    assert error.get("type") == "error"
    assert error.get("message") == "could not evaluate (metric is not a finite number & <odd>)"
    assert cases["evil-no-data"].find("error").get("type") == "no_data"  # type: ignore[union-attr]
    waived = cases["evil-waived"].find("skipped")
    assert waived is not None
    assert waived.get("message") == "waived: Known <issue> ]]> with ESP (until 2099-01-01)"
    assert waived.get("type") == "waived"
    assert "(evaluated as FAIL)" in (waived.text or "")
    na = cases["evil-na"].find("skipped")
    assert na is not None
    assert na.get("message") == "sample too small: deals_won is 3, below the minimum of 10"
    # the raw document: everything escaped, nothing forbidden
    assert 'name="auditor: &lt;b&gt;A|B&lt;/b&gt; ]]&gt; &amp; Co 2026-Q3"' in document
    assert "]]>" not in document
    assert "<script>" not in document
    assert "<b>" not in document
    assert "\x00" not in document
    assert "\x1b" not in document
    failure = cases["evil-fail"].find("failure")
    assert failure is not None
    message = failure.get("message") or ""
    assert "\n" not in message
    assert message.endswith("line one line two 100% sure :: a,b [31mred [0m ]]> <script>x</script>")


def test_xml_text_strips_what_xml_forbids():
    assert xml_text("a\x00b\x0bc\x1fd\x7fe\x85f\ufffeg\ud800h\tI\nJ\rK") == "abcdefgh\tI\nJ\rK"
    assert xml_text(None) == ""
    assert xml_text("émoji 💤") == "émoji 💤"


def test_renderers_read_the_result_without_changing_it(demo, hostile):
    for result in (demo, hostile):
        before = copy.deepcopy(result)
        render_junit(result)
        render_github(result)
        render_ci_markdown(result)
        render_text(result, colour=True, width=60)
        assert result == before


# ------------------------------------------------------------------- GitHub
def test_github_escaping_follows_the_toolkit():
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("tab\tand\x1bescape") == "tabandescape"
    assert command("error", "m", title="t") == "::error title=t::m"
    assert command("warning", "m") == "::warning::m"


def test_github_demo_one_command_per_fail_and_warn(demo):
    lines = render_github(demo).splitlines()
    fails = [f for f in demo["findings"] if f["status"] == "fail"]
    warns = [f for f in demo["findings"] if f["status"] == "warn"]
    assert sum(line.startswith("::error ") for line in lines) == len(fails)
    assert sum(line.startswith("::warning ") for line in lines) == len(warns)
    assert len(lines) == len(fails) + len(warns)
    unsubscribe = next(line for line in lines if "title=FAIL unsubscribe-rate%3A" in line)
    assert unsubscribe.startswith(
        f"::error title=FAIL unsubscribe-rate%3A Tasa de baja bajo el 1{NBSP}%25::"
        f"1,25{NBSP}%25 (umbral fallo ≥ 1{NBSP}%25 · correcto < 0,3{NBSP}%25): La tasa de baja es "
        f"1,25{NBSP}%25"
    )
    assert (
        f"%0AUmbral: fallo si ≥ 1{NBSP}%25; aviso si ≥ 0,3{NBSP}%25; correcto si < 0,3{NBSP}%25%0A"
        in unsubscribe
    )
    assert "%0ARecomendación: Revise la segmentación" in unsubscribe


def test_github_hostile_stays_one_line_per_command(hostile):
    text = render_github(hostile)
    lines = text.splitlines()
    assert text.endswith("\n")
    assert len(lines) == 4  # fail, warn, error, no_data; nothing for pass, n/a, waived
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error",
        "::warning",
        "::notice",
        "::notice",
    ]
    assert lines[2].startswith(
        "::notice title=ERROR evil-error%3A Title of evil-error::"
        "could not evaluate (metric is not a finite number & <odd>)%0AMeasured: —%0A"
    )
    fail = lines[0]
    assert fail.startswith(
        "::error title=FAIL evil-fail%3A Fail%3A <i>bad</i>%2C 100%25::"
        "1.25%25 (threshold fail ≥ 1%25 · pass < 0.5%25): line one line two 100%25 sure :: a,b "
        "[31mred [0m ]]> "
    )
    assert "\r" not in text
    assert "\x1b" not in text
    assert "\x00" not in text
    # the properties end at the first "::" after the level: title has none left raw
    title = fail.split("::")[1]
    assert ":" not in title.removeprefix("error title=")
    assert "," not in title


# -------------------------------------------------------------- CI Markdown
def test_ci_markdown_demo_header_scores_and_tables(demo):
    text = render_ci_markdown(demo)
    assert text.startswith(
        "## ✅ Auditoría de automatización de marketing: "
        "Suministros Industriales Ebro, S.L. · 2026-Q3\n\n"
        "**Puntuación global:** 71 / 100 · **Salida 0:** "
        "los hallazgos nunca hacen fallar esta ejecución (--fail-on never)\n"
    )
    assert "| Categoría | Nota | Cobertura | Fallo | Aviso | Bien | Sin juzgar |" in text
    assert f"| Actividad | 70 | 100{NBSP}% | 1 | 0 | 3 | 0 |" in text
    # 8 rule findings + 2 analysis warnings (an anomaly, the MQL threshold)
    assert "### Hallazgos con fallo o aviso (10)" in text
    attention, _, rest = text.partition("<details>")
    assert (
        "| ❌ FAIL | **behavioral-workflows-share**"
        "<br>Las automatizaciones responden al comportamiento | Actividad | "
        f"15,38{NBSP}% | fallo &lt; 30{NBSP}% · correcto ≥ 50{NBSP}% | Solo el 15{NBSP}% de los "
        "flujos activos"
    ) in attention
    assert attention.count("| ❌ FAIL |") == 4
    assert attention.count("| ⚠️ WARN |") == 6  # 4 rule warnings + 2 analysis warnings
    assert "<summary>Resto de hallazgos (24)</summary>" in rest
    assert rest.count("| ✅ PASS |") == 23
    assert "customers\\_new es 17" in rest  # the N/A row's reason, escaped, in Spanish
    assert "Todas las métricas se pudieron calcular." in text


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_ci_markdown_hostile_escapes_all_client_data(hostile):
    text = render_ci_markdown(hostile)
    assert text.startswith(
        "## ❌ Marketing-automation audit: &lt;b&gt;A\\|B&lt;/b&gt; \\]\\]&gt; &amp; Co · 2026-Q3"
    )
    assert "<b>" not in text
    assert "<script>" not in text
    assert "<i>" not in text
    assert "\x1b" not in text
    assert "\x00" not in text
    assert "]]>" not in text
    # every table row keeps its column count: client pipes are escaped
    for line in text.splitlines():
        if line.startswith("| "):
            assert _unescaped_pipes(line) in (3, 8, 7), line
    assert "| Activity | _incomplete (coverage 0%)_ | 0% | 0 | 0 | 0 | 2 |" in text
    assert "Efficiency" not in text.split("###")[0]  # no findings: no row
    fail_row = next(line for line in text.splitlines() if line.startswith("| ❌ FAIL"))
    assert (
        "line one line two 100% sure :: a,b \\[31mred \\[0m \\]\\]&gt; &lt;script&gt;" in fail_row
    )
    assert "2 metric(s) undefined" in text
    assert "| cac | customers\\_new is 0 &lt;b&gt;\\|&lt;/b&gt; |" in text
    assert "Exit 1" in text


def test_md_escape_breaks_markup_links_and_mentions():
    assert md_escape("*a* _b_ `c` [d](e) <f> & | ~g~ $h$ #i !j") == (
        "\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) &lt;f&gt; &amp; \\| \\~g\\~ \\$h\\$ \\#i \\!j"
    )
    assert md_escape("see https://x.example and www.y.example") == (
        "see https\\://x.example and www\\.y.example"
    )
    assert md_escape("ping @octocat") == "ping @\u200boctocat"
    assert md_escape("two\nlines\r\n\tand\x1bctl") == "two lines and ctl"


# --------------------------------------------------------------------- text
def _table_rows(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(("STATUS", "ESTADO")))
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def test_text_is_a_ranked_aligned_table(demo):
    text = render_text(demo)
    assert text.startswith("Suministros Industriales Ebro, S.L. · 2026-Q3\nPuntuación global: 71\n")
    rows = _table_rows(text)
    assert rows[0].split() == ["ESTADO", "REGLA", "VALOR", "UMBRAL", "MENSAJE"]
    assert len(rows) == 1 + len(demo["findings"])
    assert rows[1].startswith("  FAIL    behavioral-workflows-share   ")
    assert [row.split()[0] for row in rows[1:]] == [
        {"not_applicable": "N/A"}.get(f["status"], f["status"].upper()) for f in demo["findings"]
    ]
    # the value column is right-aligned: every row ends it at the same cell
    value_end = cells(rows[0][: rows[0].index("VALOR") + len("VALOR")])
    unsubscribe = next(r for r in rows if " unsubscribe-rate " in r)
    assert f"1,25{NBSP}%  fallo ≥ 1{NBSP}% · correcto < 0,3{NBSP}%" in unsubscribe
    assert cells(unsubscribe[: unsubscribe.index(f"1,25{NBSP}%") + 6]) == value_end
    message_col = rows[0].index("MENSAJE")
    assert all(cells(r[:message_col]) == message_col for r in rows)
    assert text.rstrip().endswith(
        "Salida 0: los hallazgos nunca hacen fallar esta ejecución (--fail-on never)"
    )
    assert "\033[" not in text


def test_text_width_truncates_messages_and_colour_only_when_asked(demo):
    narrow = render_text(demo, width=90)
    for row in _table_rows(narrow):
        assert cells(row) <= 90, row
    assert "…" in narrow
    whole = render_text(demo)
    assert "(Google recomienda menos del 0,1" in whole  # no width: nothing cut
    coloured = render_text(demo, True, width=90)
    assert "\033[31mFAIL  \033[0m  behavioral-workflows-share" in coloured
    assert "\033[33mWARN" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == narrow


def test_text_hostile_has_no_control_characters(hostile):
    text = render_text(hostile, width=70)
    assert "\x1b" not in text
    assert "\x00" not in text
    rows = _table_rows(text)
    assert len(rows) == 1 + len(hostile["findings"])
    assert text.startswith(f"{HOSTILE_CLIENT} · 2026-Q3\nOverall score: — (incomplete, 73%)\n")
    assert "activity incomplete (0%)" in text
    assert "efficiency" not in text.splitlines()[2]


def test_truncate_counts_terminal_cells():
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"
    assert cells("日本") == 4
    assert truncate("日本語テキスト", 5) == "日本…"
    assert cells("e\u0301") == 1


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_use_colour_only_on_a_terminal_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(_Stream(True)) is True
    assert use_colour(_Stream(False)) is False
    assert use_colour(object()) is False
    monkeypatch.setenv("NO_COLOR", "")
    assert use_colour(_Stream(True)) is False


# --------------------------------------------------------------- selection
def test_select_nothing_reproduces_the_audit(demo):
    same = select_findings(demo, [], [], gate=Gate("never"))
    for key in ("findings", "scores", "categories", "overall_coverage", "exit_code"):
        assert same[key] == demo[key], key
    assert same["exit_reason"] == demo["exit_reason"]
    assert "selection" not in same


def test_select_agrees_with_the_engine_on_the_same_findings(demo_audit, demo_config):
    """The dict path (rebuilt Findings) gives what scoring/runner give on the objects."""
    weights = load_rule_set(demo_config).category_weights
    demo = demo_audit.to_json()
    cases = [
        (["response"], []),
        ([], ["*-trend"]),
        (["unsubscribe-*", "value"], ["romi"]),
        (["activity", "efficiency"], []),
    ]
    for select, ignore in cases:
        for gate in (Gate("fail"), Gate("warn"), Gate("never", 75.0)):
            out = select_findings(demo, select, ignore, gate=gate)
            kept_ids = [f["rule"] for f in out["findings"]]
            objects = [f for f in demo_audit.findings if f.rule in kept_ids]
            expected = score(objects, weights)
            assert out["scores"]["overall"] == expected.overall
            assert out["categories"] == {c: s.to_json() for c, s in expected.categories.items()}
            assert (out["exit_code"], out["exit_reason"]) == exit_status(objects, expected, gate)


def test_select_with_the_cli_gate_matches_an_audit_run_with_that_gate(demo_config, demo):
    for gate in (Gate("fail"), Gate("warn"), Gate("fail", 80.0)):
        direct = audit(demo_config, gate).to_json()
        via = select_findings(demo, [], [], gate=gate)
        assert (via["exit_code"], via["exit_reason"]) == (
            direct["exit_code"],
            direct["exit_reason"],
        )


def test_selectors_match_rule_category_label_and_globs(hostile, demo):
    def kept(result, select=(), ignore=()):
        return [f["rule"] for f in select_findings(result, select, ignore)["findings"]]

    assert kept(demo, ["unsubscribe-rate"]) == ["unsubscribe-rate"]
    assert kept(demo, ["UNSUBSCRIBE-*"]) == ["unsubscribe-rate", "unsubscribe-rate-trend"]
    assert kept(demo, ["activity"]) == [
        f["rule"] for f in demo["findings"] if f["category"] == "activity"
    ]
    assert kept(hostile, ["nightly"]) == ["evil-fail", "evil-pass"]
    assert kept(hostile, ["nightly,x"]) == ["evil-fail", "evil-warn", "evil-pass"]
    assert kept(hostile, ["response"], ["deliverability"]) == ["evil-warn"]
    assert kept(hostile, [], ["value", "evil-*-data"]) == ["evil-fail", "evil-warn", "evil-error"]
    out = select_findings(hostile, ["response"], ["deliverability"])
    assert out["selection"] == {"select": ["response"], "ignore": ["deliverability"], "dropped": 6}
    assert out["exit_code"] == EXIT_OK  # only the warn is left
    assert out["scores"] == {
        "overall": 50.0,
        "activity": None,
        "response": 50.0,
        "efficiency": None,
        "value": None,
    }


def test_select_typo_is_bad_input_and_ignore_typo_a_warning(demo):
    with pytest.raises(InputError, match="did you mean 'unsubscribe-rate'") as caught:
        select_findings(demo, ["unsubscribe-rat"], [])
    assert caught.value.exit_code == EXIT_BAD_INPUT
    out = select_findings(demo, [], ["bounce-rat"])
    assert (
        out["warnings"][-1]
        == "--ignore 'bounce-rat' matches no finding (did you mean 'bounce-rate'?)"
    )
    assert len(out["findings"]) == len(demo["findings"])
    # a category with no finding is still a valid selector, and nothing judged is exit 3
    empty = select_findings(demo, ["cac-trend"], [])
    assert empty["exit_code"] == EXIT_SOURCE
    assert empty["exit_reason"].startswith("nothing could be evaluated")


def test_selected_result_renders_everywhere(hostile):
    out = select_findings(hostile, ["response"], [])
    assert "Selection: select response; 5 finding(s) left out" in render_text(out)
    assert "**Selection:** select response; 5 finding(s) left out" in render_ci_markdown(out)
    assert [s.get("name") for s in _suites(render_junit(out))] == ["response"]
    json.dumps(out)  # still plain JSON


# -------------------------------------------------------------- fail-under
def test_parse_fail_under_forms():
    assert parse_fail_under(None) == (None, {})
    assert parse_fail_under(["70"]) == (70.0, {})
    assert parse_fail_under(["overall=65.5"]) == (65.5, {})
    assert parse_fail_under(["value=70,response=60", "80"]) == (
        80.0,
        {"value": 70.0, "response": 60.0},
    )
    assert parse_fail_under(["VALUE = 70", "value=75"]) == (None, {"value": 75.0})
    with pytest.raises(InputError, match="did you mean 'value'"):
        parse_fail_under(["valu=70"])
    with pytest.raises(InputError, match="outside 0-100"):
        parse_fail_under(["120"])
    with pytest.raises(InputError, match="not a number"):
        parse_fail_under(["activity=high"])


def test_fail_under_overall_and_per_category(demo, hostile):
    assert fail_under(demo, None, {}) == (EXIT_OK, "")
    assert fail_under(demo, 60, {"efficiency": 80}) == (
        EXIT_OK,
        "scores at or above --fail-under",
    )
    assert fail_under(demo, 72, {}) == (EXIT_FINDINGS, "overall score 71 is under 72")
    assert fail_under(demo, None, {"value": 80, "activity": 60}) == (
        EXIT_FINDINGS,
        "value score 78.6 is under 80",
    )
    assert fail_under(hostile, None, {"activity": 10}) == (
        EXIT_FINDINGS,
        "activity score withheld (incomplete), required 10",
    )
    assert fail_under(hostile, None, {"efficiency": 10}) == (
        EXIT_FINDINGS,
        "efficiency has no score: no finding in it (none enabled or selected), required 10",
    )


# ------------------------------------------------------------ exit precedence
@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], 0),
        ([0], 0),
        ([0, 1], 1),
        ([1, 0, 1], 1),
        ([1, 3], 3),
        ([3, 1, 0], 3),
        ([3, 2], 2),
        ([0, 1, 2, 3], 2),
        ([2, 0], 2),
        ([130, 2, 3], 130),
    ],
)
def test_exit_code_precedence(codes, expected):
    assert combine_exit_codes(codes) == expected


def test_combine_outcomes_keeps_the_winner_first():
    assert combine_outcomes([(0, "healthy"), (0, "")]) == (0, "healthy")
    assert combine_outcomes([(0, "healthy"), (1, "score under 70")]) == (1, "score under 70")
    assert combine_outcomes([(1, "2 findings"), (3, "nothing evaluated"), (0, "ok")]) == (
        3,
        "nothing evaluated; 2 findings",
    )
    assert combine_outcomes([(3, "source down"), (2, "bad config"), (1, "x")]) == (
        2,
        "bad config; source down; x",
    )


def test_finalize_combines_fail_on_selection_and_fail_under(demo):
    out = finalize(demo, gate=Gate("fail"), fail_under_values=["value=80"])
    assert out["exit_code"] == EXIT_FINDINGS
    assert out["exit_reason"] == (
        "4 finding(s) at or above 'fail': behavioral-workflows-share, unsubscribe-rate, "
        "closed-loop-coverage, unsubscribe-rate-trend; value score 78.6 is under 80"
    )
    healthy = finalize(demo, gate=Gate("never"), fail_under_values=["60"])
    assert healthy["exit_code"] == EXIT_OK
    assert healthy["exit_reason"] == "findings never fail this run (--fail-on never)"
    # the gate's own fail_under counts once, not twice
    once = finalize(demo, gate=Gate("never", 72.0))
    assert once["exit_reason"] == "overall score 71 is under 72"
    # nothing judged (3) beats a score under the bar (1)
    nothing = finalize(demo, gate=Gate("fail"), select=["cac-trend"], fail_under_values=["70"])
    assert nothing["exit_code"] == EXIT_SOURCE
    assert nothing["exit_reason"] == (
        "nothing could be evaluated: no rule had the data it needs; "
        "overall score withheld (coverage too low), required 70"
    )
    assert demo["exit_code"] == EXIT_OK  # the input is never changed
