"""Conditions against scalars (spec §14.4)."""

from __future__ import annotations

import pytest

from xml_migration.contract.expression import ExpressionError, parse_expression
from xml_migration.contract.expression.typecheck import Kind, check_kinds


def kind_of(text: str) -> Kind:
    return check_kinds(parse_expression(text), text)


@pytest.mark.parametrize(
    "text",
    [
        "a = 1",
        "a LIKE 'x%'",
        "a IS NOT EMPTY",
        "NOT a = 1",
        "a = 1 AND b = 2",
        "a = 1 OR b = 2",
        "(a = 1)",
        "((a = 1) OR (b IS NULL)) AND NOT (c LIKE 'x')",
    ],
)
def test_conditions(text: str) -> None:
    assert kind_of(text) is Kind.CONDITION


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "1 + a",
        "(a)",
        "CASE WHEN a = 1 THEN 'x' END",
        "DATE(a)",
        "DATEADD(day, 1, a)",
        "COALESCE(a, 1)",
        "CAST(a AS int)",
        "GETUTCDATE()",
        "NULL",
    ],
)
def test_scalars(text: str) -> None:
    assert kind_of(text) is Kind.SCALAR


CONDITION_EXPECTED = "takes a condition (a comparison, IS, LIKE, IN, AND, OR or NOT), found a value"
SCALAR_EXPECTED = (
    "takes a value, found a condition; write CASE WHEN <condition> THEN 1 ELSE 0 END for its value"
)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("NOT a", f"NOT {CONDITION_EXPECTED}", 5),
        ("a = 1 AND b", f"AND {CONDITION_EXPECTED}", 11),
        ("a OR b = 1", f"OR {CONDITION_EXPECTED}", 1),
        ("CASE WHEN a THEN 1 END", f"WHEN {CONDITION_EXPECTED}", 11),
        ("CASE WHEN a = 1 THEN b = 1 END", f"THEN {SCALAR_EXPECTED}", 22),
        ("CASE WHEN a = 1 THEN 1 ELSE b IS NULL END", f"ELSE {SCALAR_EXPECTED}", 29),
        ("(a = 1) + 1", f"the operator + {SCALAR_EXPECTED}", 1),
        ("-(a = 1)", f"unary - {SCALAR_EXPECTED}", 2),
        ("(a = 1) = (b = 1)", f"the comparison = {SCALAR_EXPECTED}", 1),
        ("a LIKE (b = 1)", f"LIKE {SCALAR_EXPECTED}", 8),
        ("(a LIKE 'x') IS NULL", f"IS {SCALAR_EXPECTED}", 1),
        ("DATE(a = 1)", f"DATE {SCALAR_EXPECTED}", 6),
        ("DATEADD(day, a = 1, b)", f"DATEADD {SCALAR_EXPECTED}", 14),
        ("COALESCE(a, b = 1)", f"COALESCE {SCALAR_EXPECTED}", 13),
        ("CAST(a = 1 AS int)", f"CAST {SCALAR_EXPECTED}", 6),
        ("CASE WHEN a = 1 THEN CASE WHEN b THEN 1 END END", f"WHEN {CONDITION_EXPECTED}", 32),
    ],
)
def test_violations(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as raised:
        kind_of(text)
    assert raised.value.message == message
    assert raised.value.column == column


def test_a_tree_deeper_than_the_limit_is_an_error() -> None:
    kind_of(" + ".join(["a"] * 150))
    with pytest.raises(ExpressionError, match="nests more than 200 operations deep"):
        kind_of(" + ".join(["a"] * 250))
