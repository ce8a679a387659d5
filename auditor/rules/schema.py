"""A JSON Schema (draft 2020-12) for rule pack files, generated from the pydantic models.

Editors (VS Code's YAML extension, JetBrains) use it to complete keys and flag
typos while a pack is written; `auditor rules validate` stays the authority,
because the schema cannot express the semantic checks (units, reachable bands,
templates) and it cannot know what a pack that `extends` another inherits.
Generating it from the same models the loader validates with means the two
can never disagree on which keys exist.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic.json_schema import models_json_schema

from auditor.metrics.catalog import ALL_METRIC_IDS
from auditor.rules.model import PackHeader, Rule

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# pydantic leaves these constraint names as written when they come through
# Annotated[..., BeforeValidator, Field(ge=0)]; JSON Schema spells them differently.
_CONSTRAINTS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}
_RULE_ENTRY = "RuleEntry"
_RULE_ENTRY_TEXT = (
    "A rule, or the keys of a rule to change. Only `id` is required by this schema, here "
    "and in the maps inside a rule: a pack that `extends` another may give only the keys "
    "it changes (merged by rule id: maps merge, scalars and lists replace). After merging, every rule needs title, category, "
    "metric, source, message, recommendation and thresholds or a score curve; "
    "`auditor rules validate` checks that and the semantics a schema cannot express "
    "(units, reachable bands, template variables)."
)


def _fix_constraints(node: Any) -> Any:
    """Rename pydantic's `ge`/`le` leftovers to JSON Schema keywords, recursively."""
    if isinstance(node, dict):
        typed = node.get("type") in ("number", "integer")
        return {
            (_CONSTRAINTS[k] if typed and k in _CONSTRAINTS else k): _fix_constraints(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_fix_constraints(item) for item in node]
    return node


def _referenced(node: Any, defs: dict[str, Any], seen: set[str] | None = None) -> set[str]:
    """Names of the $defs reachable from `node`."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name not in seen:
                seen.add(name)
                _referenced(defs[name], defs, seen)
        for value in node.values():
            _referenced(value, defs, seen)
    elif isinstance(node, list):
        for item in node:
            _referenced(item, defs, seen)
    return seen


def pack_schema() -> dict[str, Any]:
    """The schema of one rule pack file (top level: version, extends, categories, rules...)."""
    _, generated = models_json_schema(
        [(PackHeader, "validation"), (Rule, "validation")], title="auditor rule pack"
    )
    defs: dict[str, Any] = _fix_constraints(generated["$defs"])
    header = defs.pop("PackHeader")
    entry = copy.deepcopy(defs.pop("Rule"))
    entry["title"] = "Rule"
    entry["description"] = _RULE_ENTRY_TEXT
    entry["required"] = ["id"]
    entry["properties"]["metric"] = {
        "title": "Metric",
        "type": "string",
        "description": "a metric id of the catalog, or one declared under the pack's `metrics:`",
        "examples": list(ALL_METRIC_IDS),
    }
    defs[_RULE_ENTRY] = entry
    for name in _referenced(entry, defs):
        # maps merge by key, so an extending pack may change one key of a nested map too
        # (`score: {good: 21%}`, `message: {en: ...}`)
        defs[name].pop("required", None)
    header["properties"]["rules"] = {
        "title": "Rules",
        "type": "array",
        "items": {"$ref": f"#/$defs/{_RULE_ENTRY}"},
        "description": "Rules of this pack, merged by `id` with the rules of the packs it extends.",
    }
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": "auditor rule pack",
        "description": (
            "A rule pack of the marketing-automation auditor (RULES.md): categories, "
            "pack-declared metrics and rules, merged by rule id with the packs it extends. "
            "Rules in a pack that extends another may give only the keys they change, so "
            "this schema requires only `id` on a rule; run `auditor rules validate` for the "
            "full check."
        ),
    }
    header.pop("title", None)
    header.pop("description", None)
    schema.update(header)
    schema["$defs"] = dict(sorted(defs.items()))
    return schema


def schema_text() -> str:
    """The schema as indented JSON, ending with a newline."""
    return json.dumps(pack_schema(), indent=2, ensure_ascii=False) + "\n"
