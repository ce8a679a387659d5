"""YAML loading that remembers where every value came from, within limits.

Error messages must name file, line and column (RULES.md "Validation"), and
validation happens on plain Python data, so the loader returns both the data
and a map from key path to position.  Duplicate keys are an error here because
PyYAML would otherwise keep the last one silently.

Every YAML file the auditor reads (audit config, rule pack, rule tests, YAML
data file) is written by a person or by someone else's tool, so the loader
also keeps hostile input from hanging or crashing it:

- **Plain numbers only** (YAML 1.2 core, not PyYAML's YAML 1.1): `07200` is
  7200 (leading zeros are decimal, as in the CSV reader), and `0x1F`, `0o17`,
  `3:51` (base 60) and `1_000` are text, so a number field holding one fails
  validation saying what it got.  Only `true`/`false` are booleans: `yes`,
  `no`, `on`, `off` are text (docs/decisions.md).
- **`MAX_DEPTH` = 100** levels of nesting, checked while composing (PyYAML's
  composer recurses, so 20,000 levels would end in RecursionError) and again
  while building, where aliases can nest one value inside another.
- **`MAX_ALIAS_VALUES` = 50,000** values made by expanding aliases (`*name`):
  each alias is expanded into its own copy so every value keeps its position,
  and a few nested aliases of aliases ("billion laughs") would otherwise
  build millions of values from a few hundred bytes.  An alias inside the
  value it refers to is refused.
- Files are read through `auditor.core.userfiles.read_user_file` (regular files of
  at most `MAX_DOCUMENT_BYTES`, 2 MiB).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditor.core.errors import InputError, Problem, quote
from auditor.core.userfiles import MAX_DOCUMENT_BYTES, read_user_file

MAX_DEPTH = 100
MAX_ALIAS_VALUES = 50_000

KeyPath = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed YAML plus the (line, col) of each key path, 1-based."""

    data: Any
    file: str
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    value_positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: KeyPath) -> tuple[int | None, int | None]:
        """Position of `path`, or of its nearest ancestor that has one."""
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return (None, None)
            path = path[:-1]

    def problem(self, path: KeyPath, message: str, at_value: bool = False) -> Problem:
        """A problem at `path`: at its key, or at its value when `at_value`."""
        line: int | None
        col: int | None
        if at_value and path in self.value_positions:
            line, col = self.value_positions[path]
        else:
            line, col = self.where(path)
        return Problem(message, self.file, line, col, format_path(path) or None)


def format_path(path: KeyPath) -> str:
    """`('rules', 3, 'thresholds')` -> `rules[3].thresholds`.

    A key that would read as path syntax (`foo[0]`, `a.b`) is quoted:
    `('source', 'x[1]')` -> `source["x[1]"]`, so the path names one key only.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PATH_SYNTAX.search(part) or not part:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
        else:
            out += f".{part}" if out else str(part)
    return out


_PATH_SYNTAX = re.compile(r'[\[\].\'"]')


# --- the loader: YAML 1.2 core scalars, bounded depth --------------------------------------

_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_NULL = re.compile(r"~|null|Null|NULL|")
_INT = re.compile(r"[-+]?[0-9]+")
DECIMAL = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_FLOAT = re.compile(rf"{DECIMAL.pattern}|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
NOT_NUMBERS = (
    "write plain decimal digits such as 1000 or 12.5: 0x.., 0o.., 3:51 and 1_000 "
    "are not read as numbers"
)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars and a nesting limit.

    PyYAML resolves YAML 1.1, where `0231` is octal 153, `3:51` is 231 and
    `yes` is true: numbers in a client's file would change silently.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 (PyYAML's class attribute)

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    _too_deep(),
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)  # type: ignore[return-value]
        finally:
            self._depth -= 1


def _too_deep(aliases: bool = False) -> str:
    counted = " (aliases expanded)" if aliases else ""
    return f"nested more than {MAX_DEPTH} levels deep{counted}; the limit is {MAX_DEPTH} levels"


for _tag, _regex, _first in (  # by first character, as PyYAML looks them up ('' = empty)
    ("bool", _BOOL, "tTfF"),
    ("null", _NULL, ["~", "n", "N", ""]),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+0123456789."),
):
    _Loader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_regex.pattern})$"), list(_first)
    )
for _tag, _resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    for _resolved_tag, _regex in _resolvers:  # dates and '<<' (refused later) as before
        if _resolved_tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"):
            _Loader.add_implicit_resolver(_resolved_tag, _regex, [_tag])


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if not _INT.fullmatch(text):
        raise ValueError(f"not a whole number ({NOT_NUMBERS})")
    return int(text)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    if not _FLOAT.fullmatch(text):
        raise ValueError(f"not a number ({NOT_NUMBERS})")
    lowered = text.lower()
    if lowered.endswith((".inf", ".nan")):
        return float(lowered.replace(".", ""))
    return float(text)


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    text = str(loader.construct_scalar(node))
    if not _BOOL.fullmatch(text):
        raise ValueError("not true or false")
    return text.lower() == "true"


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def _at_node(node: yaml.Node, message: str, file: str, path: KeyPath = ()) -> Problem:
    return Problem(
        message,
        file,
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        format_path(path) or None,
    )


class _Builder:
    """Plain data from composed nodes, with the position of every key path.

    An alias node is the very node object it refers to, so it is met again
    here: each meeting builds a new copy (positions are per path), counted
    against MAX_ALIAS_VALUES; a node met while it is being built is a cycle.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.value_positions: dict[KeyPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self._scalar = _Loader("")
        self._seen: set[int] = set()
        self._building: set[int] = set()
        self._copies = 0

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self._count(node, path)
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.value_positions[path] = self.positions[path]
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            self._building.add(id(node))
            try:
                if isinstance(node, yaml.MappingNode):
                    return self._mapping(node, path)
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            finally:
                self._building.discard(id(node))
        return self.build_scalar(node, path)

    def _count(self, node: yaml.Node, path: KeyPath) -> None:
        if id(node) in self._building:
            raise InputError(
                _at_node(node, "an alias (*name) refers to the value that contains it", self.file)
            )
        if len(path) > MAX_DEPTH:
            raise InputError(_at_node(node, _too_deep(aliases=True), self.file))
        if id(node) not in self._seen:
            self._seen.add(id(node))
            return
        self._copies += 1
        if self._copies > MAX_ALIAS_VALUES:
            raise InputError(
                _at_node(
                    node,
                    f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} values (an alias "
                    f"bomb?); the limit is {MAX_ALIAS_VALUES:,}: write the values out instead",
                    self.file,
                )
            )

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    self._at(key_node, path, "YAML merge keys ('<<') are not supported")
                )
                continue
            key = self.build_scalar(key_node, path)
            if not isinstance(key, str | int | float | bool) or key is None:
                self.problems.append(self._at(key_node, path, "keys must be plain scalars"))
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                self.problems.append(
                    self._at(key_node, (*path, key), f"duplicate key {quote(key)}")
                )
                continue
            child = (*path, key)
            out[key] = self.build(value_node, child)
            self.positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
        return out

    def build_scalar(self, node: yaml.Node, path: KeyPath = ()) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return node
        try:
            return self._scalar.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. the date 2026-02-30
            reason = str(exc).split(";")[0]  # Python's advice to programmers is not for users
            self.problems.append(
                _at_node(node, f"invalid value {quote(node.value)}: {reason}", self.file, path)
            )
            return node.value

    def _at(self, node: yaml.Node, path: KeyPath, message: str) -> Problem:
        return _at_node(node, message, self.file, path)


def load_yaml_text(text: str, file: str) -> Located:
    """Parse one YAML (or JSON) document, keeping positions; raise InputError on bad syntax."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError(Problem(f"invalid YAML: {reason}", file, line, col)) from None
    except yaml.reader.ReaderError as exc:
        raise InputError(_reader_problem(exc, text, file)) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(f"invalid YAML: {exc}", file)) from None
    except RecursionError:  # a safety net: compose_node stops at MAX_DEPTH long before
        raise InputError(Problem(f"invalid YAML: {_too_deep()}", file)) from None
    if node is None:
        return Located(None, file, {(): (1, 1)})
    builder = _Builder(file)
    try:
        data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(
            Problem(
                f"invalid YAML value: {exc.problem}",
                file,
                mark.line + 1 if mark else None,
                mark.column + 1 if mark else None,
            )
        ) from None
    if builder.problems:
        raise InputError(builder.problems)
    return Located(data, file, builder.positions, builder.value_positions)


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """PyYAML names only the offset of a character it refuses; users need line and column."""
    position = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, position) + 1
    col = position - (text.rfind("\n", 0, position) + 1) + 1
    point = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    name = "a NUL byte" if point == 0 else "the character"
    code = f"U+{point:04X}"
    return Problem(
        f"invalid YAML: {name} {code} is not allowed in YAML text; remove it (is the file "
        "binary, or saved by a word processor?)",
        file,
        line,
        col,
    )


def load_yaml_file(path: Path, display: str | None = None) -> Located:
    """Read and parse a YAML file; unreadable, odd or huge files are input errors."""
    return load_yaml_file_bytes(path, display)[0]


def load_yaml_file_bytes(path: Path, display: str | None = None) -> tuple[Located, bytes]:
    """As `load_yaml_file`, with the bytes parsed (read once, within the size limit), for
    a caller that hashes them: reading the file again would be unbounded and could see
    another file."""
    name = display or str(path)
    raw = read_user_file(path, name, kind="a YAML file", limit=MAX_DOCUMENT_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", name)
        ) from None
    return load_yaml_text(text, name), raw
