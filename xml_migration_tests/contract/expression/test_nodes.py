"""Every node class of the syntax tree is handled by every walker of it."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from xml_migration.contract.expression import compile_expression, format_expression
from xml_migration.contract.expression import nodes as node_module
from xml_migration.contract.expression.nodes import Node
from xml_migration.contract.expression.parser import parse_expression
from xml_migration.contract.expression.typecheck import Kind, check_kinds

EVERY_NODE = (
    "CASE WHEN NOT (a = 1 OR b LIKE 'x%' AND c IS NULL AND d IN (1, 2)) "
    "THEN -COALESCE(DATE(e), DATEADD(day, 1, GETUTCDATE()), EMPTY) + 2 * NULL "
    "ELSE CAST(TRIM(f) AS int) END"
)
PARTS = (Node, node_module.When, node_module.TypeName)
"""The base class and the parts that occur only inside a CASE or a CAST."""


def _classes(node: Node) -> set[type]:
    found: set[type] = {type(node)}
    for field in fields(node):
        value = getattr(node, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, Node):
                found |= _classes(item)
    return found


def test_the_expression_uses_every_node_class() -> None:
    every = {
        cls
        for cls in vars(node_module).values()
        if isinstance(cls, type) and issubclass(cls, Node) and cls not in PARTS
    }
    assert every - _classes(parse_expression(EVERY_NODE)) == set()


def test_every_walker_handles_every_node_class() -> None:
    node = parse_expression(EVERY_NODE)
    assert check_kinds(node, EVERY_NODE) is Kind.SCALAR
    assert parse_expression(format_expression(node)) == node
    value, _ = compile_expression(EVERY_NODE).evaluate(lambda qualifier, name: None, datetime.now())
    assert value is None
