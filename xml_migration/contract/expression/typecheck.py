"""Static check of conditions against scalars (spec §14.4)."""

from __future__ import annotations

from enum import Enum

from xml_migration.contract.expression.errors import ExpressionError
from xml_migration.contract.expression.nodes import (
    Arithmetic,
    Case,
    Cast,
    Coalesce,
    Comparison,
    DateAdd,
    DateOf,
    InList,
    IsNull,
    Like,
    Logical,
    Node,
    Not,
    TextCall,
    Unary,
)

MAX_DEPTH = 200


class Kind(Enum):
    """What an expression yields: a scalar value, or a three-valued condition."""

    SCALAR = "a value"
    CONDITION = "a condition"


def check_kinds(node: Node, source: str) -> Kind:
    """The kind of `node`; raises ExpressionError where an operand has the wrong kind."""
    return _Checker(source).kind(node)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.depth = 0

    def require(self, node: Node, expected: Kind, context: str) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression nests more than {MAX_DEPTH} operations deep",
                self.source,
                node.line,
                node.column,
            )
        found = self.kind(node)
        self.depth -= 1
        if found is expected:
            return
        if expected is Kind.CONDITION:
            message = (
                f"{context} takes a condition (a comparison, IS, LIKE, IN, AND, OR or NOT), "
                "found a value"
            )
        else:
            message = (
                f"{context} takes a value, found a condition; "
                "write CASE WHEN <condition> THEN 1 ELSE 0 END for its value"
            )
        raise ExpressionError(message, self.source, node.line, node.column)

    def kind(self, node: Node) -> Kind:
        scalar = Kind.SCALAR
        if isinstance(node, Comparison):
            self.require(node.left, scalar, f"the comparison {node.operator}")
            self.require(node.right, scalar, f"the comparison {node.operator}")
            return Kind.CONDITION
        if isinstance(node, Like):
            self.require(node.operand, scalar, "LIKE")
            self.require(node.pattern, scalar, "LIKE")
            return Kind.CONDITION
        if isinstance(node, IsNull):
            self.require(node.operand, scalar, "IS")
            return Kind.CONDITION
        if isinstance(node, InList):
            self.require(node.operand, scalar, "IN")
            for value in node.values:
                self.require(value, scalar, "the IN list")
            return Kind.CONDITION
        if isinstance(node, Not):
            self.require(node.operand, Kind.CONDITION, "NOT")
            return Kind.CONDITION
        if isinstance(node, Logical):
            self.require(node.left, Kind.CONDITION, node.operator)
            self.require(node.right, Kind.CONDITION, node.operator)
            return Kind.CONDITION
        if isinstance(node, Case):
            for when in node.whens:
                self.require(when.condition, Kind.CONDITION, "WHEN")
                self.require(when.result, scalar, "THEN")
            if node.otherwise is not None:
                self.require(node.otherwise, scalar, "ELSE")
        elif isinstance(node, Unary):
            self.require(node.operand, scalar, f"unary {node.operator}")
        elif isinstance(node, Arithmetic):
            self.require(node.left, scalar, f"the operator {node.operator}")
            self.require(node.right, scalar, f"the operator {node.operator}")
        elif isinstance(node, DateOf):
            self.require(node.argument, scalar, "DATE")
        elif isinstance(node, DateAdd):
            self.require(node.days, scalar, "DATEADD")
            self.require(node.date, scalar, "DATEADD")
        elif isinstance(node, Coalesce):
            for argument in node.arguments:
                self.require(argument, scalar, node.function)
        elif isinstance(node, Cast):
            self.require(node.operand, scalar, "CAST")
        elif isinstance(node, TextCall):
            for argument in node.arguments:
                self.require(argument, scalar, node.function)
        return scalar
