"""Loading rule packs: shipped names or files, `extends`, per-client overrides.

Packs and overrides merge by rule id (maps merge, scalars and lists replace,
nothing is appended: RULES.md "Overrides"), and only the merged rule is
validated, so an override may change one threshold.  Every key remembers the
file and position it came from, so an error in a merged rule still points at
the line that caused it.

A pack is user input that costs work per rule (validation, a sample render of
six templates), so the size of what one audit loads is bounded, each limit
stated in its error (docs/rule-language.md, "Limits"):

- `MAX_PACK_BYTES` (1,000,000): the size of one pack file, checked before parsing;
- `MAX_PACKS_PER_AUDIT` (20): pack files loaded, `extends` included;
- `MAX_RULES_PER_PACK` (500) and `MAX_RULES_PER_AUDIT` (1,000, after merging);
- `MAX_METRICS_PER_PACK` (200): derived metrics declared by one pack.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from auditor.core.errors import InputError, Problem
from auditor.core.resources import rules_dir
from auditor.core.validation import did_you_mean, located_problems, problems_from
from auditor.core.vocabulary import LANGUAGES
from auditor.core.yamlpos import KeyPath, Located, load_yaml_file_bytes
from auditor.metrics.catalog import ALL_METRIC_IDS, CATEGORIES, COST_KEYS, unit_of
from auditor.metrics.expression import Formula, FormulaError
from auditor.rules import cache as rules_cache
from auditor.rules.checks import check_rule
from auditor.rules.model import Citation, DerivedMetric, PackHeader, Rule, RuleSource
from auditor.rules.registry import citation_registry, registry_path
from auditor.rules.templates import check_template

Origin = dict[KeyPath, tuple[Located, KeyPath]]

MAX_PACK_BYTES = 1_000_000
MAX_PACKS_PER_AUDIT = 20
MAX_RULES_PER_PACK = 500
MAX_RULES_PER_AUDIT = 1_000
MAX_METRICS_PER_PACK = 200


@dataclass(frozen=True)
class PackInfo:
    """Which pack file took part, for the result's provenance."""

    name: str
    path: str
    version: int
    sha256: str
    file: Path | None = field(default=None, compare=False)  # where it was read (not in JSON)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "version": self.version,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class RuleSet:
    """The effective rules of an audit, after extends and overrides."""

    rules: tuple[Rule, ...]
    category_weights: Mapping[str, float]
    packs: tuple[PackInfo, ...]
    rule_pack: Mapping[str, str] = field(default_factory=dict)  # rule id -> pack name
    # metrics declared by packs: id -> (formula, unit, category), in dependency order
    derived: Mapping[str, tuple[Formula, str, str]] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    # rule id -> key path -> where that key's effective value was written
    origins: Mapping[str, Mapping[KeyPath, Problem]] = field(default_factory=dict)
    # citation id -> the published source (packs' `citations:`, later packs win)
    citations: Mapping[str, Citation] = field(default_factory=dict)
    # every file the rule set was read from (packs, the packs they extend, the config
    # holding overrides): what a cached copy is checked against
    files: tuple[Path, ...] = ()


def shipped_packs() -> list[str]:
    """Names of the packs shipped with the tool."""
    return sorted(p.stem for p in rules_dir().glob("*.yaml"))


def _resolve(ref: str, base: Path, relative_to: str = "") -> tuple[str, Path]:
    if "/" not in ref and "\\" not in ref and not ref.endswith((".yaml", ".yml")):
        path = rules_dir() / f"{ref}.yaml"
        if not path.is_file():
            raise InputError(
                Problem(f"unknown rule pack '{ref}'; shipped packs: {', '.join(shipped_packs())}")
            )
        return ref, path
    path = (base / ref).resolve()
    if not path.is_file():
        where = f"relative to {relative_to}" if relative_to else f"looked in {base}"
        raise InputError(Problem(f"rule pack file not found: {ref} ({where})"))
    return path.stem, path


def _display(path: Path) -> str:
    """How a pack file is named in messages: shipped packs by their repo path."""
    if path.is_relative_to(rules_dir()):
        return f"rules/{path.relative_to(rules_dir()).as_posix()}"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _deep_merge(
    base: dict[str, Any],
    overlay: Mapping[str, Any],
    origin: Origin,
    at: KeyPath,
    src: tuple[Located, KeyPath],
) -> dict[str, Any]:
    """Merge overlay into base: maps merge, scalars and lists replace; record origins."""
    merged = dict(base)
    located, file_path = src
    for key, value in overlay.items():
        here = (*at, key)
        origin[here] = (located, (*file_path, key))
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(
                dict(merged[key]), value, origin, here, (located, (*file_path, key))
            )
        else:
            merged[key] = value
            _record(value, origin, here, located, (*file_path, key))
    return merged


def _record(value: Any, origin: Origin, at: KeyPath, located: Located, file_path: KeyPath) -> None:
    origin[at] = (located, file_path)
    if isinstance(value, Mapping):
        for key, child in value.items():
            _record(child, origin, (*at, key), located, (*file_path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _record(child, origin, (*at, index), located, (*file_path, index))


def _locate(origin: Origin, path: KeyPath) -> Problem:
    """A problem positioned at the nearest recorded ancestor of `path` (rule-relative)."""
    probe = path
    while probe and probe not in origin:
        probe = probe[:-1]
    located, file_path = origin[probe] if probe in origin else origin[()]
    return located.problem((*file_path, *path[len(probe) :]), "")


class _Builder:
    """Accumulates packs in load order; rule ids keep their first position."""

    def __init__(self) -> None:
        self.raw: dict[str, dict[str, Any]] = {}
        self.origins: dict[str, Origin] = {}
        self.rule_pack: dict[str, str] = {}
        self.categories: dict[str, float] = {}
        self.metrics: dict[str, tuple[DerivedMetric, Located, KeyPath]] = {}
        # every pack may cite the shipped registry; a pack's own `citations:` add to it
        self.citations: dict[str, Citation] = dict(citation_registry())
        self.packs: list[PackInfo] = []
        self.problems: list[Problem] = []
        self.header_failed = False
        self.extends_failed = False  # rules of a pack whose parent is missing cannot be judged
        # rule ids that a pack with `extends` introduces (a typo of an inherited id?)
        self.new_in_extending: set[str] = set()
        self.loading: list[Path] = []
        self.loaded: set[Path] = set()

    def add_pack(self, ref: str, base: Path, where: tuple[Located, KeyPath] | None = None) -> None:
        """Load one pack and, first, the packs it extends; `where` is the `extends` entry."""

        def fail(message: str) -> None:
            if where is None:
                raise InputError(Problem(message))
            self.problems.append(where[0].problem(where[1], message, at_value=True))
            self.extends_failed = True

        try:
            name, path = _resolve(ref, base, "this pack's folder" if where else "")
        except InputError as exc:
            fail(exc.problems[0].message)
            return
        if path in self.loading:
            chain = " -> ".join(p.name for p in [*self.loading, path])
            fail(f"rule packs extend each other in a cycle: {chain}")
            return
        if path in self.loaded:
            return
        if len(self.loaded) + len(self.loading) >= MAX_PACKS_PER_AUDIT:
            fail(
                f"more than {MAX_PACKS_PER_AUDIT} rule pack files in one audit (extends "
                f"included); the limit is {MAX_PACKS_PER_AUDIT}: merge some packs"
            )
            return
        if (size := _size(path)) > MAX_PACK_BYTES:
            raise InputError(
                Problem(
                    f"the pack file is {size:,} bytes; the limit is {MAX_PACK_BYTES:,} bytes "
                    "per pack: split it into packs that extend each other",
                    _display(path),
                )
            )
        self.loading.append(path)
        located, raw = load_yaml_file_bytes(path, display=_display(path))
        header = self._header(located)
        header = self._within_limits(header, located)
        for index, parent in enumerate(header.extends):
            self.add_pack(parent, path.parent, (located, ("extends", index)))
        for category, category_def in header.categories.items():
            self.categories[category] = category_def.weight
        for metric_id, definition in header.metrics.items():
            self.metrics[metric_id] = (definition, located, ("metrics", metric_id))
        self.citations.update(header.citations)
        self._add_rules(header, located, name)
        self.packs.append(
            PackInfo(
                header.name or name,
                _display(path),
                header.version,
                hashlib.sha256(raw).hexdigest(),
                path,
            )
        )
        self.loading.pop()
        self.loaded.add(path)

    def _header(self, located: Located) -> PackHeader:
        """The pack's header; when it is invalid, its problems are kept and its rules are
        still checked (all errors at once)."""
        try:
            header = PackHeader.model_validate(located.data)
        except ValidationError as exc:
            # Report the header's problems, then still check the rules (all errors at once).
            self.problems.extend(problems_from(exc, located, PackHeader))
            self.header_failed = True
            data = located.data if isinstance(located.data, dict) else {}
            rules = data.get("rules")
            if not (isinstance(rules, list) and all(isinstance(r, dict) for r in rules)):
                rules = []
            # its parents still load and its citation keys stay known, so a rule it only
            # changes is not taken for a new one, nor its citations for unknown ones
            extends = data.get("extends")
            if not (isinstance(extends, list) and all(isinstance(e, str) for e in extends)):
                extends = []
            cited = data.get("citations")
            cited = cited if isinstance(cited, dict) else {}
            header = PackHeader.model_construct(
                version=1,
                name=None,
                extends=extends,
                categories={},
                metrics={},
                citations={str(key): Citation.model_construct() for key in cited},
                rules=rules,
            )
        return header

    def _add_rules(self, header: PackHeader, located: Located, name: str) -> None:
        """Each rule of the pack merged over the rules already loaded, ids checked."""
        seen: dict[str, int] = {}
        for index, rule in enumerate(header.rules):
            rule_id = rule.get("id")
            if not isinstance(rule_id, str):
                self.problems.append(located.problem(("rules", index), "every rule needs an 'id'"))
                continue
            if rule_id in seen:
                self.problems.append(
                    located.problem(
                        ("rules", index, "id"),
                        f"duplicate rule id '{rule_id}' (first at rules[{seen[rule_id]}])",
                    )
                )
                continue
            seen[rule_id] = index
            if header.extends and rule_id not in self.raw:
                self.new_in_extending.add(rule_id)
            self.merge(rule_id, rule, (located, ("rules", index)), header.name or name)

    def _within_limits(self, header: PackHeader, located: Located) -> PackHeader:
        """The header, without its rules or metrics if there are more than a pack may hold
        (reported here; checking thousands of them would only take minutes)."""
        limits = (
            ("rules", header.rules, MAX_RULES_PER_PACK),
            ("metrics", header.metrics, MAX_METRICS_PER_PACK),
        )
        for key, items, limit in limits:
            if len(items) > limit:
                self.problems.append(
                    located.problem(
                        (key,),
                        f"{len(items):,} {key} in one pack; the limit is {limit:,} per pack: "
                        "split the pack into packs that extend each other",
                    )
                )
                self.header_failed = True
                header = header.model_copy(update={key: [] if key == "rules" else {}})
        return header

    def merge(
        self, rule_id: str, rule: Mapping[str, Any], src: tuple[Located, KeyPath], pack: str
    ) -> None:
        origin = self.origins.setdefault(rule_id, {})
        origin.setdefault((), src)
        self.raw[rule_id] = _deep_merge(self.raw.get(rule_id, {}), rule, origin, (), src)
        self.rule_pack.setdefault(rule_id, pack)

    def apply_overrides(
        self, overrides: Mapping[str, Mapping[str, Any]], located: Located | None
    ) -> None:
        for rule_id, change in overrides.items():
            path: KeyPath = ("rules", "overrides", rule_id)
            if rule_id not in self.raw:
                message = (
                    f"override of unknown rule id '{rule_id}'{did_you_mean(rule_id, self.raw)}"
                )
                self.problems.append(
                    located.problem(path, message) if located else Problem(message)
                )
                continue
            if "id" in change and change["id"] != rule_id:
                self.problems.append(
                    located.problem((*path, "id"), "an override cannot change a rule's id")
                    if located
                    else Problem("an override cannot change a rule's id")
                )
                continue
            if located is not None:
                self.merge(rule_id, change, (located, path), self.rule_pack[rule_id])
            else:  # pragma: no cover - overrides always come from a config file
                self.raw[rule_id] = {**self.raw[rule_id], **change}


def _derived(builder: _Builder, problems: list[Problem]) -> dict[str, tuple[Formula, str, str]]:
    """Parse pack metrics in declaration order; each may use catalog ids and earlier ones."""
    names = set(ALL_METRIC_IDS) | {f"costs.{k}" for k in COST_KEYS} | {"finance.gross_margin"}
    out: dict[str, tuple[Formula, str, str]] = {}
    for metric_id, (definition, located, path) in builder.metrics.items():
        if metric_id in ALL_METRIC_IDS:
            problems.append(located.problem(path, f"'{metric_id}' is already a catalog metric"))
            continue
        try:
            formula = Formula.parse(definition.expr)
        except FormulaError as exc:
            problems.append(located.problem((*path, "expr"), str(exc), at_value=True))
            continue
        unknown = [n for n in formula.names if n not in names]
        for name in unknown:
            problems.append(
                located.problem(
                    (*path, "expr"),
                    f"unknown metric id '{name}' in formula{did_you_mean(name, names)}",
                    at_value=True,
                )
            )
        if not unknown:
            out[metric_id] = (formula, definition.unit, definition.category)
            names.add(metric_id)
    return out


def _rule_problems(
    exc: ValidationError, rule_id: str, raw: Mapping[str, Any], origin: Origin, builder: _Builder
) -> list[Problem]:
    """Validation problems of a merged rule, at the lines that caused them, with hints."""
    found = located_problems(exc, Located(raw, ""), Rule)
    missing = [p.path for _, p in found if p.message == "required key is missing"]
    if missing and rule_id in builder.new_in_extending and builder.extends_failed:
        return []  # the rule it changes is in the pack that failed to load
    if missing and rule_id in builder.new_in_extending:
        others = [r for r in builder.raw if r not in builder.new_in_extending]
        message = (
            f"'{rule_id}' is not a rule of an extended pack{did_you_mean(rule_id, others)}; "
            f"a new rule also needs {', '.join(str(m) for m in missing)}"
        )
        return [_with_message(_locate(origin, ("id",)), message)]
    out = []
    for path, problem in found:
        moved = _relocate(problem, path, origin)
        if problem.message.startswith("a band needs exactly one of") and len(path) == 2:
            band_file = origin.get(path, origin[()])[0].file
            inherited = [
                str(key)
                for key in (raw.get("thresholds", {}).get(path[1]) or {})
                if origin.get((*path, key), origin[()])[0].file != band_file
            ]
            if inherited:
                names = ", ".join(f"'{k}'" for k in inherited)
                nulls = ", ".join(f"{k}: null" for k in inherited)
                moved = _with_message(
                    moved,
                    moved.message[:-1]
                    + f"; {names} {'comes' if len(inherited) == 1 else 'come'} from an extended "
                    f"pack: write '{nulls}' to replace it)",
                )
        out.append(moved)
    return out


def _relocate(problem: Problem, path: KeyPath, origin: Origin) -> Problem:
    """A problem found on a merged rule at `path`, moved to the file and line its key came from."""
    base = _locate(origin, path)
    return Problem(problem.message, base.file, base.line, base.col, base.path)


def load_rules(
    packs: Sequence[str],
    base: Path,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    overrides_located: Located | None = None,
    today: date | None = None,
) -> RuleSet:
    """The effective rule set; raise InputError listing every problem in every file.

    Valid rule sets are cached per process, keyed by the arguments and checked
    against the files' sizes and modification times, so a batch of clients that
    share packs parses and compiles them once; and between processes
    (`rules/cache.py`), checked against the files' contents.
    """
    today = today or date.today()
    key = rules_cache.cache_key(packs, base, overrides, overrides_located, today)
    cached = _CACHE.get(key) if key is not None else None
    if cached is not None and all(rules_cache.stamp(path) == stamp for path, stamp in cached[1]):
        return cached[0]
    stored = rules_cache.load(key) if key is not None else None
    if isinstance(stored, RuleSet):
        rule_set, files = stored, list(stored.files)
    else:
        rule_set, files = _load_rules(packs, base, overrides, overrides_located, today)
        if key is not None:
            rules_cache.store(key, rule_set, files)
    if key is not None:
        _CACHE[key] = (rule_set, tuple((path, rules_cache.stamp(path)) for path in files))
    return rule_set


_CACHE: dict[tuple[Any, ...], tuple[RuleSet, tuple[tuple[Path, Any], ...]]] = {}


def _load_rules(
    packs: Sequence[str],
    base: Path,
    overrides: Mapping[str, Mapping[str, Any]] | None,
    overrides_located: Located | None,
    today: date,
) -> tuple[RuleSet, list[Path]]:
    builder = _Builder()
    for ref in packs:
        builder.add_pack(ref, base)
    builder.apply_overrides(overrides or {}, overrides_located)
    if len(builder.raw) > MAX_RULES_PER_AUDIT:
        names = ", ".join(p.name for p in builder.packs)
        raise InputError(
            [
                *builder.problems,
                Problem(
                    f"the rule packs of this audit ({names}) hold {len(builder.raw):,} rules; "
                    f"the limit is {MAX_RULES_PER_AUDIT:,} per audit"
                ),
            ]
        )
    problems = list(builder.problems)
    warnings: list[Problem] = []
    derived = _derived(builder, problems)
    units = {m: unit_of(m) for m in ALL_METRIC_IDS} | {k: v[1] for k, v in derived.items()}
    rules: list[Rule] = []
    for rule_id, raw in builder.raw.items():
        rule = _checked_rule(rule_id, raw, builder, units, problems, warnings, today)
        if rule is not None:
            rules.append(rule)
    weights = {c: builder.categories.get(c, 0.0) for c in CATEGORIES}
    for rule in rules:
        if rule.enabled and rule.category not in builder.categories and not builder.header_failed:
            problems.append(
                _with_message(
                    _locate(builder.origins[rule.id], ("category",)),
                    f"category '{rule.category}' has no weight in any loaded pack "
                    "(add it under 'categories:')",
                )
            )
    if problems:
        raise InputError(problems)
    origins = {
        rule_id: {
            path: located.problem(file_path, "") for path, (located, file_path) in origin.items()
        }
        for rule_id, origin in builder.origins.items()
    }
    files = sorted({*builder.loaded, registry_path()})
    if overrides and overrides_located is not None and overrides_located.file:
        files.append(Path(overrides_located.file))  # its positions are in `origins`
    rule_set = RuleSet(
        tuple(rules),
        weights,
        tuple(builder.packs),
        dict(builder.rule_pack),
        derived,
        tuple(warnings),
        origins,
        dict(builder.citations),
        tuple(files),
    )
    return rule_set, files


def _checked_rule(
    rule_id: str,
    raw: Mapping[str, Any],
    builder: _Builder,
    units: Mapping[str, str],
    problems: list[Problem],
    warnings: list[Problem],
    today: date,
) -> Rule | None:
    """One merged rule validated and checked (metrics, thresholds, citations, templates);
    None when it is invalid, its problems added to `problems`."""
    origin = builder.origins[rule_id]
    try:
        rule = Rule.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_rule_problems(exc, rule_id, raw, origin, builder))
        return None

    def at(path: KeyPath, message: str, sink: list[Problem] = problems) -> None:
        sink.append(_with_message(_locate(origin, path), message))

    def warn(path: KeyPath, message: str) -> None:
        at(path, message, warnings)

    check_rule(rule, raw, units, at, warn, today)
    if isinstance(rule.source, RuleSource):
        for index, cited in enumerate(rule.source.cites):
            if cited not in builder.citations:
                at(
                    ("source", "cites", index),
                    f"no citation '{cited}' in the citation registry or the loaded packs' citations"
                    f"{did_you_mean(cited, list(builder.citations))}",
                )
    thresholds = rule.thresholds.to_json() if rule.thresholds else {}
    for key in ("message", "recommendation", "title"):
        for language in LANGUAGES:
            if error := check_template(getattr(rule, key).get(language), thresholds, units):
                at((key, language), error)
    return rule


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # load_yaml_file reports an unreadable file


def _with_message(problem: Problem, message: str) -> Problem:
    return Problem(message, problem.file, problem.line, problem.col, problem.path)
