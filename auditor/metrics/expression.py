"""Tiny arithmetic formulas on metric ids, evaluated without Python's eval.

Used for the catalog's KPI formulas and, later, for derived metrics declared in
rule packs.  Missing inputs and zero denominators give an *undefined* result
with a reason a user can read, never 0, infinity or an exception.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from auditor.core import reasons

_OPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
}


class FormulaError(ValueError):
    """A formula that is not plain arithmetic on names and numbers."""


@dataclass(frozen=True)
class Undefined:
    """Why a value cannot be computed."""

    reason: str


Outcome = float | Undefined


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


@dataclass(frozen=True)
class Formula:
    """A parsed formula; `names` are the metric ids (or `costs.x` keys) it reads."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Formula:
        try:
            tree = ast.parse(text.replace("×", "*"), mode="eval").body
        except SyntaxError as exc:
            raise FormulaError(f"cannot parse formula '{text}': {exc.msg}") from None
        names: list[str] = []
        cls._check(tree, names, text)
        return cls(text, tree, tuple(dict.fromkeys(names)))

    @classmethod
    def _check(cls, node: ast.expr, names: list[str], text: str) -> None:
        if isinstance(node, ast.BinOp) and isinstance(
            node.op, ast.Add | ast.Sub | ast.Mult | ast.Div
        ):
            cls._check(node.left, names, text)
            cls._check(node.right, names, text)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            cls._check(node.operand, names, text)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            pass
        elif (name := _dotted(node)) is not None:
            names.append(name)
        else:
            raise FormulaError(
                f"formula '{text}' may use only metric ids, numbers, + - * / and parentheses"
            )

    def evaluate(self, values: Mapping[str, Outcome | None]) -> Outcome:
        """Evaluate on `values`; a name that is absent or None is 'not measured'."""
        return self._eval(self.tree, values)

    def _eval(self, node: ast.expr, values: Mapping[str, Outcome | None]) -> Outcome:
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # the parser admits numbers only
        if isinstance(node, ast.UnaryOp):
            inner = self._eval(node.operand, values)
            if isinstance(inner, Undefined) or isinstance(node.op, ast.UAdd):
                return inner
            return -inner
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, values)
            if isinstance(left, Undefined):
                return left
            right = self._eval(node.right, values)
            if isinstance(right, Undefined):
                return right
            if isinstance(node.op, ast.Div):
                if right == 0:
                    return Undefined(
                        reasons.text("zero_denominator", expression=ast.unparse(node.right))
                    )
                result = left / right
            else:
                result = _OPS[type(node.op)](left, right)
            if not math.isfinite(result):
                return Undefined(reasons.text("not_finite", expression=ast.unparse(node)))
            return result
        name = _dotted(node)
        assert name is not None  # guaranteed by _check
        value = values.get(name)
        if value is None:
            return Undefined(reasons.text("metric_not_measured", metric=name))
        if isinstance(value, Undefined):
            return Undefined(f"{name}: {value.reason}")
        return float(value)
