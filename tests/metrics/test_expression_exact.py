"""Formulas exactly (auditor/metrics/expression.py): what parses, what is refused with
the formula named, unary signs, the '×' sign, and the reason of every undefined result
(docs/testing.md)."""

from __future__ import annotations

import pytest

from auditor.metrics.expression import Formula, FormulaError, Undefined


def test_a_formula_keeps_its_text_and_its_names_in_order_once():
    formula = Formula.parse("(costs.platform + a) / a - 2 * b")
    assert formula.text == "(costs.platform + a) / a - 2 * b"
    assert formula.names == ("costs.platform", "a", "b")


def test_the_multiplication_sign_is_read_as_a_product():
    assert Formula.parse("a × b").evaluate({"a": 3.0, "b": 4.0}) == 12.0


@pytest.mark.parametrize(
    "text",
    [
        "a ** 2",
        "a + b ** 2",
        "a ** 2 + b",
        "-(b ** 2)",
        "a * 'x'",
        "a * True",
        "(a + b).c",
        "f(a)",
        "a % 2",
    ],
)
def test_anything_but_arithmetic_is_refused_naming_the_formula(text):
    with pytest.raises(FormulaError) as caught:
        Formula.parse(text)
    assert str(caught.value) == (
        f"formula '{text}' may use only metric ids, numbers, + - * / and parentheses"
    )


def test_a_syntax_error_names_the_formula():
    with pytest.raises(FormulaError) as caught:
        Formula.parse("a +")
    assert str(caught.value).startswith("cannot parse formula 'a +': ")


def test_numbers_and_signs():
    assert Formula.parse("2 * a + 0.5").evaluate({"a": 3.0}) == 6.5
    assert Formula.parse("-a").evaluate({"a": 2.0}) == -2.0
    assert Formula.parse("+a").evaluate({"a": 2.0}) == 2.0
    assert Formula.parse("-(a - b)").evaluate({"a": 1.0, "b": 3.0}) == 2.0
    assert Formula.parse("costs.platform / a").evaluate({"costs.platform": 9.0, "a": 3.0}) == 3.0


def test_every_undefined_result_says_why():
    assert Formula.parse("-a").evaluate({}) == Undefined("a is not measured")
    assert Formula.parse("+a").evaluate({"a": None}) == Undefined("a is not measured")
    assert Formula.parse("a / (b - c)").evaluate({"a": 1.0, "b": 2.0, "c": 2.0}) == Undefined(
        "b - c is 0"
    )
    assert Formula.parse("a * b").evaluate({"a": 1e308, "b": 10.0}) == Undefined(
        "a * b is not a finite number"
    )
    inner = Undefined("not set in the audit config")
    assert Formula.parse("a + b").evaluate({"a": 1.0, "b": inner}) == Undefined(
        "b: not set in the audit config"
    )
    assert Formula.parse("a + b").evaluate({"a": inner, "b": None}) == Undefined(
        "a: not set in the audit config"
    )
