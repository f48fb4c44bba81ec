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
        scalar, condition = Kind.SCALAR, Kind.CONDITION
        match node:
            case Comparison():
                self.require(node.left, scalar, f"the comparison {node.operator}")
                self.require(node.right, scalar, f"the comparison {node.operator}")
                return condition
            case Like():
                self.require(node.operand, scalar, "LIKE")
                self.require(node.pattern, scalar, "LIKE")
                return condition
            case IsNull():
                self.require(node.operand, scalar, "IS")
                return condition
            case InList():
                self.require(node.operand, scalar, "IN")
                for value in node.values:
                    self.require(value, scalar, "the IN list")
                return condition
            case Not():
                self.require(node.operand, condition, "NOT")
                return condition
            case Logical():
                self.require(node.left, condition, node.operator)
                self.require(node.right, condition, node.operator)
                return condition
            case Case():
                for when in node.whens:
                    self.require(when.condition, condition, "WHEN")
                    self.require(when.result, scalar, "THEN")
                if node.otherwise is not None:
                    self.require(node.otherwise, scalar, "ELSE")
            case Unary():
                self.require(node.operand, scalar, f"unary {node.operator}")
            case Arithmetic():
                self.require(node.left, scalar, f"the operator {node.operator}")
                self.require(node.right, scalar, f"the operator {node.operator}")
            case DateOf():
                self.require(node.argument, scalar, "DATE")
            case DateAdd():
                self.require(node.days, scalar, "DATEADD")
                self.require(node.date, scalar, "DATEADD")
            case Coalesce() | TextCall():
                for argument in node.arguments:
                    self.require(argument, scalar, node.function)
            case Cast():
                self.require(node.operand, scalar, "CAST")
        return scalar
