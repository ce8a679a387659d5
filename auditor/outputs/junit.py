"""The audit result as JUnit XML, for the test-report views of CI servers.

The mapping (RULES.md "One result, many views"):

- one `<testsuite>` per category, in the order activity, response, efficiency,
  value (then any other category a finding names); a category without findings
  has no suite;
- one `<testcase>` per finding, `name` = "rule-id: title",
  `classname` = `auditor.<category>`;
- `fail` -> `<failure type="fail">`; `error` and `no_data` -> `<error>` with the
  status as its type; `not_applicable` and `waived` -> `<skipped>` whose message
  is the reason (the waiver's, for a waived rule); `warn` -> a PASSING testcase
  whose `<system-out>` starts with "WARN: " and the message, so a warning never
  turns a build red nor looks like a failure; `pass` -> a plain testcase.

A failure or error says what and why: the measured value in its unit, the
bands, the message, the recommendation and the source of the threshold.  The
`tests`, `failures`, `errors` and `skipped` attributes count the elements
actually written.  The shape follows the Jenkins/Ant JUnit schema
(tests/fixtures/junit/junit.xsd).

XML safety: the tree is built with ElementTree (which escapes `&`, `<`, `>`,
quotes and, in attributes, newlines and tabs), and every string first loses
the characters XML 1.0 forbids (most C0 controls, lone surrogates, U+FFFE/FFFF)
and the C1 controls, so client data such as `]]>`, `<b>` or a stray NUL can
neither break the document nor end up in a CI server's page as markup.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from auditor.core import formatting
from auditor.outputs.text import (
    category_order,
    clean,
    details,
    headline,
)

# Characters XML 1.0 does not allow (section 2.2), plus DEL and the C1 controls
# (allowed but "discouraged", and never meaningful in an audit).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

FAILURE = ("fail",)
ERROR = ("error", "no_data")
SKIPPED = ("not_applicable", "waived")


def xml_text(text: Any) -> str:
    """`text` with every character XML 1.0 cannot carry removed (escaping is ET's job)
    and bidi controls shown as [U+202E] (`formatting.visible`)."""
    shown = formatting.visible("" if text is None else str(text), control="", keep="\t\n\r")
    return _FORBIDDEN.sub("", shown)


def _attr(element: ET.Element, name: str, value: Any) -> None:
    element.set(name, xml_text(value))


def _timestamp(value: Any) -> str | None:
    """ISO 8601 without a zone, as the Ant schema wants it (the auditor stamps UTC)."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S")


def _raw(value: Any) -> str:
    """A number for a machine-read property: `62.5`, `1`; empty when absent or withheld."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:g}"


def _case_name(finding: Mapping[str, Any]) -> str:
    rule, title = clean(finding.get("rule")), clean(finding.get("title"))
    return f"{rule}: {title}" if title else rule


def _skip_reason(finding: Mapping[str, Any]) -> str:
    waiver = finding.get("waiver")
    if finding.get("status") == "waived" and isinstance(waiver, Mapping) and waiver:
        reason = clean(waiver.get("reason")) or "waived"
        until = clean(waiver.get("until"))
        return f"waived: {reason}" + (f" (until {until})" if until else "")
    return clean(finding.get("reason")) or clean(finding.get("message")) or "not applicable"


def _testcase(parent: ET.Element, finding: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """Append one finding's testcase; return its outcome: failure/error/skipped/passed."""
    status = str(finding.get("status") or "error")
    case = ET.SubElement(parent, "testcase")
    _attr(case, "name", _case_name(finding))
    _attr(case, "classname", f"auditor.{clean(finding.get('category')) or 'uncategorised'}")
    _attr(case, "time", "0")
    body = "\n".join(details(finding, result))
    if status in FAILURE:
        node = ET.SubElement(case, "failure")
        _attr(node, "message", headline(finding, result))
        _attr(node, "type", status)
        node.text = xml_text(body)
        return "failure"
    if status in SKIPPED:
        node = ET.SubElement(case, "skipped")
        _attr(node, "message", _skip_reason(finding))
        _attr(node, "type", status)
        node.text = xml_text(body)
        return "skipped"
    if status == "warn":
        out = ET.SubElement(case, "system-out")
        rest = "\n".join(details(finding, result, message=False))
        out.text = xml_text(f"WARN: {headline(finding, result)}\n{rest}")
        return "passed"
    if status == "pass":
        return "passed"
    # error, no_data, and any status a newer auditor may add: never silently a pass.
    node = ET.SubElement(case, "error")
    _attr(node, "message", headline(finding, result))
    _attr(node, "type", status if status in ERROR else f"unknown status {status}")
    node.text = xml_text(body)
    return "error"


def _counts(element: ET.Element, outcomes: list[str]) -> None:
    _attr(element, "tests", len(outcomes))
    _attr(element, "failures", outcomes.count("failure"))
    _attr(element, "errors", outcomes.count("error"))


def render_junit(result: Mapping[str, Any]) -> str:
    """The JUnit XML document (UTF-8 text, with its declaration) of one audit result."""
    client = clean(result.get("client"))
    period = clean((result.get("period") or {}).get("label"))
    root = ET.Element("testsuites")
    _attr(root, "name", f"auditor: {client} {period}".strip())
    findings = list(result.get("findings") or [])
    categories = result.get("categories") or {}
    scores = result.get("scores") or {}
    timestamp = _timestamp(result.get("generated_at"))
    everything: list[str] = []
    suites: list[ET.Element] = []
    for category in category_order(result):
        mine = [f for f in findings if clean(f.get("category")) == category]
        if not mine:
            continue
        suite = ET.Element("testsuite")
        suites.append(suite)
        _attr(suite, "name", category)
        info = categories.get(category) or {}
        properties = ET.SubElement(suite, "properties")
        facts = [
            ("client", client),
            ("period", period),
            ("category.score", _raw(scores.get(category, info.get("score")))),
            ("category.coverage", _raw(info.get("coverage"))),
            ("category.incomplete", str(bool(info.get("incomplete"))).lower()),
            ("overall.score", _raw(scores.get("overall"))),
            ("exit_code", result.get("exit_code", "")),
        ]
        for name, value in facts:
            prop = ET.SubElement(properties, "property")
            _attr(prop, "name", name)
            _attr(prop, "value", "" if value is None else value)
        outcomes = [_testcase(suite, finding, result) for finding in mine]
        everything += outcomes
        _counts(suite, outcomes)
        _attr(suite, "skipped", outcomes.count("skipped"))
        _attr(suite, "time", "0")
        if timestamp:
            _attr(suite, "timestamp", timestamp)
    _counts(root, everything)
    _attr(root, "time", "0")
    root.extend(suites)
    # Attributes in a readable order: name first, then the counts.
    for element in [root, *suites]:
        ordered = sorted(element.attrib.items(), key=lambda kv: _ATTR_ORDER.get(kv[0], 99))
        element.attrib.clear()
        element.attrib.update(ordered)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


_ATTR_ORDER = {
    "name": 0,
    "tests": 1,
    "failures": 2,
    "errors": 3,
    "skipped": 4,
    "time": 5,
    "timestamp": 6,
}
