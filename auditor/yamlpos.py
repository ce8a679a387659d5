"""YAML loading that remembers where every value came from.

Error messages must name file, line and column (RULES.md "Validation"), and
validation happens on plain Python data, so the loader returns both the data
and a map from key path to position.  Duplicate keys are an error here because
PyYAML would otherwise keep the last one silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import InputError, Problem

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


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.value_positions: dict[KeyPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.value_positions[path] = self.positions[path]
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
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
                    self.problems.append(self._at(key_node, (*path, key), f"duplicate key '{key}'"))
                    continue
                child = (*path, key)
                out[key] = self.build(value_node, child)
                self.positions[child] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.build_scalar(node, path)

    def build_scalar(self, node: yaml.Node, path: KeyPath = ()) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return node
        try:
            return self._scalar.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. the date 2026-02-30
            self.problems.append(
                Problem(
                    f"invalid value {node.value!r}: {exc}",
                    self.file,
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                    format_path(path) or None,
                )
            )
            return node.value

    def _at(self, node: yaml.Node, path: KeyPath, message: str) -> Problem:
        return Problem(
            message,
            self.file,
            node.start_mark.line + 1,
            node.start_mark.column + 1,
            format_path(path) or None,
        )


def load_yaml_text(text: str, file: str) -> Located:
    """Parse one YAML (or JSON) document, keeping positions; raise InputError on bad syntax."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError(Problem(f"invalid YAML: {reason}", file, line, col)) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(f"invalid YAML: {exc}", file)) from None
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


def load_yaml_file(path: Path, display: str | None = None) -> Located:
    """Read and parse a YAML file; unreadable files are input errors, not tracebacks."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem("file not found", name)) from None
    except IsADirectoryError:
        raise InputError(Problem("is a folder, expected a YAML file", name)) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read file: {exc.strerror}", name)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", name)
        ) from None
    return load_yaml_text(text, name)
