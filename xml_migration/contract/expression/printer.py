"""Printing a syntax tree as expression text that parses back to an equal tree."""

from __future__ import annotations

from xml_migration.contract.expression.nodes import (
    Arithmetic,
    Case,
    Cast,
    Coalesce,
    Comparison,
    DateAdd,
    DateOf,
    Empty,
    InList,
    IsNull,
    Like,
    Logical,
    Node,
    Not,
    Null,
    Number,
    Reference,
    String,
    TextCall,
    Unary,
    UtcNow,
)
from xml_migration.contract.expression.parser import KEYWORDS

# Binding levels of §14.3: a smaller level binds tighter.
_PRIMARY, _UNARY, _PREDICATE, _NOT = 1, 2, 5, 6
_ARITHMETIC_LEVELS = {"*": 3, "/": 3, "+": 4, "-": 4}
_LOGICAL_LEVELS = {"AND": 7, "OR": 8}


def format_expression(node: Node) -> str:
    """The text of an expression tree, parenthesised only where precedence requires it."""
    return _text(node)


def _level(node: Node) -> int:
    match node:
        case Unary():
            return _UNARY
        case Arithmetic():
            return _ARITHMETIC_LEVELS[node.operator]
        case Comparison() | Like() | IsNull() | InList():
            return _PREDICATE
        case Not():
            return _NOT
        case Logical():
            return _LOGICAL_LEVELS[node.operator]
    return _PRIMARY


def _operand(node: Node, highest_level: int) -> str:
    """`node` as an operand that may bind no looser than `highest_level`."""
    text = _text(node)
    return f"({text})" if _level(node) > highest_level else text


def _text(node: Node) -> str:
    match node:
        case Number():
            return format(node.value, "f")
        case String():
            return "'" + node.value.replace("'", "''") + "'"
        case Null():
            return "NULL"
        case Empty():
            return "EMPTY"
        case Reference():
            return _reference(node)
        case Unary():
            separator = " " if isinstance(node.operand, Unary) else ""
            return f"{node.operator}{separator}{_operand(node.operand, _UNARY)}"
        case Arithmetic() | Logical():
            level = _level(node)
            return f"{_operand(node.left, level)} {node.operator} {_operand(node.right, level - 1)}"
        case Comparison():
            left = _operand(node.left, _PREDICATE - 1)
            return f"{left} {node.operator} {_operand(node.right, _PREDICATE - 1)}"
        case Like():
            keyword = "NOT LIKE" if node.negated else "LIKE"
            left = _operand(node.operand, _PREDICATE - 1)
            return f"{left} {keyword} {_operand(node.pattern, _PREDICATE - 1)}"
        case IsNull():
            keyword = ("IS NOT " if node.negated else "IS ") + ("EMPTY" if node.empty else "NULL")
            return f"{_operand(node.operand, _PREDICATE - 1)} {keyword}"
        case InList():
            keyword = "NOT IN" if node.negated else "IN"
            values = ", ".join(_operand(value, _PREDICATE - 1) for value in node.values)
            return f"{_operand(node.operand, _PREDICATE - 1)} {keyword} ({values})"
        case Not():
            return f"NOT {_operand(node.operand, _NOT)}"
        case Case():
            parts = ["CASE"]
            for when in node.whens:
                parts.append(f"WHEN {_text(when.condition)} THEN {_text(when.result)}")
            if node.otherwise is not None:
                parts.append(f"ELSE {_text(node.otherwise)}")
            parts.append("END")
            return " ".join(parts)
        case DateOf():
            return f"DATE({_text(node.argument)})"
        case DateAdd():
            return f"DATEADD(day, {_text(node.days)}, {_text(node.date)})"
        case Coalesce() | TextCall():
            return f"{node.function}({', '.join(_text(argument) for argument in node.arguments)})"
        case Cast():
            target = node.target
            arguments = f"({', '.join(map(str, target.arguments))})" if target.arguments else ""
            return f"CAST({_text(node.operand)} AS {target.name}{arguments})"
        case UtcNow():
            return "GETUTCDATE()"
    raise TypeError(f"not an expression node: {node!r}")


def _reference(node: Reference) -> str:
    first = node.name if node.qualifier is None else node.qualifier
    prefix = "@" if first.upper() in KEYWORDS else ""
    if node.qualifier is None:
        return prefix + node.name
    return f"{prefix}{node.qualifier}.{node.name}"
