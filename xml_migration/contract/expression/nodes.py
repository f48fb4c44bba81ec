"""The syntax tree of an expression (spec §14.2).

Every node records the 1-based line and column where it starts (for a parenthesised
expression: its opening parenthesis). Positions do not take part in equality, so two trees
are equal when they have the same structure and values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Node:
    line: int = field(default=1, compare=False, kw_only=True, repr=False)
    column: int = field(default=1, compare=False, kw_only=True, repr=False)


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: Decimal


@dataclass(frozen=True, slots=True)
class String(Node):
    value: str


@dataclass(frozen=True, slots=True)
class Null(Node):
    pass


@dataclass(frozen=True, slots=True)
class Reference(Node):
    """`name` or `qualifier.name`; the qualifier is kept as written, without `@`."""

    qualifier: str | None
    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    operator: str  # "+" or "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Arithmetic(Node):
    operator: str  # "+", "-", "*" or "/"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Comparison(Node):
    operator: str  # "=", "!=", "<>", "<", ">", "<=" or ">="
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Like(Node):
    operand: Node
    pattern: Node
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsNull(Node):
    """`operand IS [NOT] NULL`, or with `empty` the synonym `IS [NOT] EMPTY`."""

    operand: Node
    negated: bool = False
    empty: bool = False


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    operator: str  # "AND" or "OR"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class When(Node):
    condition: Node
    result: Node


@dataclass(frozen=True, slots=True)
class Case(Node):
    whens: tuple[When, ...]
    otherwise: Node | None = None


@dataclass(frozen=True, slots=True)
class DateOf(Node):
    """`DATE(argument)`."""

    argument: Node


@dataclass(frozen=True, slots=True)
class DateAdd(Node):
    """`DATEADD(day, days, date)`."""

    days: Node
    date: Node


@dataclass(frozen=True, slots=True)
class Coalesce(Node):
    """`COALESCE(...)`, or `ISNULL(a, b)` when `function` is "ISNULL"."""

    function: str
    arguments: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class TypeName(Node):
    """The target type of a CAST: a lower-case name and its numeric arguments."""

    name: str
    arguments: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Cast(Node):
    operand: Node
    target: TypeName


@dataclass(frozen=True, slots=True)
class UtcNow(Node):
    """`GETUTCDATE()`."""


@dataclass(frozen=True, slots=True)
class Empty(Node):
    """`EMPTY` as a value: the empty text, which is no value (§19.4)."""


@dataclass(frozen=True, slots=True)
class InList(Node):
    """`operand [NOT] IN (value, …)` (§19.4)."""

    operand: Node
    values: tuple[Node, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class TextCall(Node):
    """A text function of §19.4 (`TRIM`, `LEFT`, `SUBSTRING`, …); `function` in upper case."""

    function: str
    arguments: tuple[Node, ...]
