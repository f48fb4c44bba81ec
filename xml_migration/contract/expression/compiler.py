"""Compilation of an expression into nested Python closures (spec §14.4-§14.6, §14.10).

An expression is parsed, type-checked and turned into closures once, when the contract is
loaded; evaluating it then runs the closures without looking at the syntax tree again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

from xml_migration.contract.expression.casts import make_cast
from xml_migration.contract.expression.errors import ExpressionError
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
from xml_migration.contract.expression.parser import parse_expression
from xml_migration.contract.expression.semantics import (
    ARITHMETIC,
    add_days,
    as_text,
    comparable,
    like_matcher,
    naive_utc,
    text_number,
    to_datetime,
    to_number,
)
from xml_migration.contract.expression.text_functions import TEXT_FUNCTIONS
from xml_migration.contract.expression.typecheck import Kind, check_kinds
from xml_migration.contract.values import parse_datetime, parse_decimal_literal

Resolver = Callable[[str | None, str], str | None]


Frame = list[object]
"""The state of one evaluation, a list for cheap creation and access: [0] how to read
references, [1] the time, [2] whether a reference yielded a value, then one slot per
reference holding its value once read (`_UNREAD` before)."""
_FIRST_SLOT = 3


Evaluator = Callable[[Frame], object]
_UNREAD = object()
_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_MIRRORED = {"=": "=", "!=": "!=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_ARITHMETIC = {
    "+": ARITHMETIC.add,
    "-": ARITHMETIC.subtract,
    "*": ARITHMETIC.multiply,
    "/": ARITHMETIC.divide,
}


class CompiledExpression:
    """A checked expression ready to evaluate.

    `references` holds every reference of the expression as (qualifier as written without
    `@`, or None for a bare name; attribute name). `is_condition` tells whether the value
    is a condition result (1, 0 or None) rather than a scalar.
    """

    __slots__ = ("_evaluate", "_unread", "is_condition", "node", "references", "source")

    def __init__(
        self,
        source: str,
        node: Node,
        is_condition: bool,
        evaluate: Evaluator,
        references: tuple[tuple[str | None, str], ...],
    ) -> None:
        self.source = source
        self.node = node
        self.is_condition = is_condition
        self.references = frozenset(references)
        self._evaluate = evaluate
        self._unread = [_UNREAD] * len(references)

    def evaluate(self, resolve: Resolver, now: datetime) -> tuple[object, bool]:
        """The value for one row and whether any reference yielded a non-NULL value.

        `resolve(qualifier, name)` returns the trimmed, non-blank text of a reference or
        None; `now` is the document's UTC time for GETUTCDATE(). The value is None, a
        Decimal, a str, a datetime, or for a condition 1/0/None. It never raises.
        """
        frame = [resolve, now, False, *self._unread]
        value = self._evaluate(frame)
        if self.is_condition:
            if value is not None:
                value = 1 if value else 0
        elif type(value) is str and not value:
            value = None
        return value, frame[2]

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


def compile_expression(
    text: str,
    *,
    condition_allowed: bool = False,
    boolean_to_bit: Mapping[str, int] | None = None,
) -> CompiledExpression:
    """Parse, check and compile an expression; raises ExpressionError.

    `condition_allowed` is True for a `bit` column, whose value may be a condition
    (TRUE → 1, FALSE → 0, UNKNOWN → NULL). `boolean_to_bit` serves `CAST(x AS bit)`.
    """
    node = parse_expression(text)
    kind = check_kinds(node, text)
    if kind is Kind.CONDITION and not condition_allowed:
        raise ExpressionError(
            "the expression is a condition, which only a bit column can take; "
            "write CASE WHEN <condition> THEN ... ELSE ... END for a value",
            text,
            node.line,
            node.column,
        )
    compiler = _Compiler(boolean_to_bit or {})
    body = compiler.compile(node)
    return CompiledExpression(text, node, kind is Kind.CONDITION, body, compiler.references())


def _constant(value: object) -> Evaluator:
    return lambda frame: value


def _constant_number(node: Node) -> Decimal | None:
    """The value of a number literal, possibly signed, else None."""
    match node:
        case Number(value=value):
            return value
        case Unary(operator=operator, operand=Number(value=value)):
            return -value if operator == "-" else value
    return None


def _is_constant(node: Node) -> bool:
    return isinstance(node, String) or _constant_number(node) is not None


class _Compiler:
    def __init__(self, boolean_to_bit: Mapping[str, int]) -> None:
        self.boolean_to_bit = boolean_to_bit
        self.slots: dict[tuple[str | None, str], int] = {}

    def references(self) -> tuple[tuple[str | None, str], ...]:
        return tuple(self.slots)

    def compile(self, node: Node) -> Evaluator:
        match node:
            case Number() | String():
                return _constant(node.value)
            case Null():
                return _constant(None)
            case Empty():
                return _constant("")
            case Reference():
                return self.reference(node)
            case Unary():
                return self.unary(node)
            case Arithmetic():
                return self.arithmetic(node)
            case Comparison():
                return self.comparison(node)
            case Like():
                return self.like(node)
            case IsNull():
                return self.is_null(node)
            case InList():
                return self.in_list(node)
            case Not():
                return self.negation(node)
            case Logical():
                return self.logical(node)
            case Case():
                return self.case(node)
            case DateOf():
                return self.date_of(node)
            case DateAdd():
                return self.date_add(node)
            case Coalesce():
                return self.coalesce(node)
            case Cast():
                return self.cast(node)
            case UtcNow():
                return lambda frame: naive_utc(frame[1])  # type: ignore[arg-type]
            case TextCall():
                return self.text_call(node)
        raise TypeError(f"not an expression node: {node!r}")

    def reference(self, node: Reference) -> Evaluator:
        key = (node.qualifier, node.name)
        slot = _FIRST_SLOT + self.slots.setdefault(key, len(self.slots))
        qualifier, name = key

        def reference(frame: Frame) -> object:
            value = frame[slot]
            if value is _UNREAD:
                value = frame[0](qualifier, name) or None  # type: ignore[operator]
                frame[slot] = value
                if value is not None:
                    frame[2] = True
            return value

        return reference

    def unary(self, node: Unary) -> Evaluator:
        operand = self.compile(node.operand)
        apply = ARITHMETIC.minus if node.operator == "-" else ARITHMETIC.plus

        def unary(frame: Frame) -> Decimal | None:
            value = operand(frame)
            if type(value) is not Decimal:
                value = to_number(value)
                if value is None:
                    return None
            try:
                return apply(value)
            except ArithmeticError:
                return None

        return unary

    def arithmetic(self, node: Arithmetic) -> Evaluator:
        left, right = self.compile(node.left), self.compile(node.right)
        apply = _ARITHMETIC[node.operator]

        def arithmetic(frame: Frame) -> Decimal | None:
            first = left(frame)
            second = right(frame)
            if type(first) is not Decimal:
                first = to_number(first)
                if first is None:
                    return None
            if type(second) is not Decimal:
                second = to_number(second)
                if second is None:
                    return None
            try:
                return apply(first, second)
            except ArithmeticError:
                return None

        return arithmetic

    def comparison(self, node: Comparison) -> Evaluator:
        operator_text, left, right = node.operator, node.left, node.right
        if _is_constant(left) and not _is_constant(right):
            operator_text, left, right = _MIRRORED[operator_text], right, left
        compare = _COMPARISONS[operator_text]
        operand = self.compile(left)
        if isinstance(right, String):
            return _compare_with_text(compare, operand, right.value)
        number = _constant_number(right)
        if number is not None:
            return _compare_with_number(compare, operand, number)
        other = self.compile(right)

        def comparison(frame: Frame) -> bool | None:
            first = operand(frame)
            second = other(frame)
            if first is None or second is None:
                return None
            pair = comparable(first, second)
            return None if pair is None else compare(*pair)

        return comparison

    def like(self, node: Like) -> Evaluator:
        operand, negated = self.compile(node.operand), node.negated
        if isinstance(node.pattern, String):
            matches = like_matcher(node.pattern.value).fullmatch

            def like_constant(frame: Frame) -> bool | None:
                value = operand(frame)
                if type(value) is not str:
                    if value is None:
                        return None
                    value = as_text(value)
                return (matches(value.casefold()) is None) is negated

            return like_constant
        pattern = self.compile(node.pattern)

        def like(frame: Frame) -> bool | None:
            value = operand(frame)
            template = pattern(frame)
            if value is None or template is None:
                return None
            matched = like_matcher(as_text(template)).fullmatch(as_text(value).casefold())
            return (matched is None) is negated

        return like

    def is_null(self, node: IsNull) -> Evaluator:
        operand, negated = self.compile(node.operand), node.negated

        def is_null(frame: Frame) -> bool:
            value = operand(frame)
            return (value is not None and value != "") is negated

        return is_null

    def in_list(self, node: InList) -> Evaluator:
        """`x IN (…)`: TRUE when some `x = v` is TRUE, FALSE when all are FALSE, else
        UNKNOWN; every value is evaluated, as `x = a OR x = b` evaluates both."""
        operand, negated = self.compile(node.operand), node.negated
        values = tuple(self.compile(value) for value in node.values)

        def in_list(frame: Frame) -> bool | None:
            value = operand(frame)
            candidates = [candidate(frame) for candidate in values]
            if value is None:
                return None
            result: bool | None = False
            for candidate in candidates:
                pair = None if candidate is None else comparable(value, candidate)
                if pair is None:
                    result = None
                elif pair[0] == pair[1]:
                    return not negated
            return result if result is None else negated

        return in_list

    def negation(self, node: Not) -> Evaluator:
        operand = self.compile(node.operand)

        def negation(frame: Frame) -> bool | None:
            value = operand(frame)
            return None if value is None else not value

        return negation

    def logical(self, node: Logical) -> Evaluator:
        left, right = self.compile(node.left), self.compile(node.right)
        if node.operator == "AND":

            def conjunction(frame: Frame) -> bool | None:
                first = left(frame)
                second = right(frame)
                if first is False or second is False:
                    return False
                if first is None or second is None:
                    return None
                return True

            return conjunction

        def disjunction(frame: Frame) -> bool | None:
            first = left(frame)
            second = right(frame)
            if first is True or second is True:
                return True
            if first is None or second is None:
                return None
            return False

        return disjunction

    def case(self, node: Case) -> Evaluator:
        branches = tuple(
            (self.compile(when.condition), self.compile(when.result)) for when in node.whens
        )
        otherwise = _constant(None) if node.otherwise is None else self.compile(node.otherwise)

        def case(frame: Frame) -> object:
            for condition, result in branches:
                if condition(frame) is True:
                    return result(frame)
            return otherwise(frame)

        return case

    def date_of(self, node: DateOf) -> Evaluator:
        argument = self.compile(node.argument)
        return lambda frame: to_datetime(argument(frame))

    def date_add(self, node: DateAdd) -> Evaluator:
        days, start = self.compile(node.days), self.compile(node.date)

        def date_add(frame: Frame) -> datetime | None:
            count = to_number(days(frame))
            base = to_datetime(start(frame))
            if count is None or base is None:
                return None
            return add_days(count, base)

        return date_add

    def coalesce(self, node: Coalesce) -> Evaluator:
        arguments = tuple(self.compile(argument) for argument in node.arguments)

        def coalesce(frame: Frame) -> object:
            for argument in arguments:
                value = argument(frame)
                if value is not None and value != "":
                    return value
            return None

        return coalesce

    def cast(self, node: Cast) -> Evaluator:
        operand = self.compile(node.operand)
        convert = make_cast(node.target, self.boolean_to_bit)
        return lambda frame: convert(operand(frame))

    def text_call(self, node: TextCall) -> Evaluator:
        apply = TEXT_FUNCTIONS[node.function].apply
        arguments = tuple(self.compile(argument) for argument in node.arguments)
        return lambda frame: apply(*[argument(frame) for argument in arguments])


def _compare_with_text(
    compare: Callable[[object, object], bool], operand: Evaluator, text: str
) -> Evaluator:
    """A comparison with a text literal, whose number, folded and date-time forms are known."""
    folded = text.casefold()
    number = parse_decimal_literal(text)
    moment = parse_datetime(text)

    def comparison(frame: Frame) -> bool | None:
        value = operand(frame)
        if type(value) is str:
            if number is not None:
                value_number = text_number(value)
                if value_number is not None:
                    return compare(value_number, number)
            return compare(value.casefold(), folded)
        if type(value) is Decimal:
            return None if number is None else compare(value, number)
        if type(value) is datetime:
            return None if moment is None else compare(value, moment)
        return None

    return comparison


def _compare_with_number(
    compare: Callable[[object, object], bool], operand: Evaluator, number: Decimal
) -> Evaluator:
    """A comparison with a number literal: the other side must be a number or numeric text."""

    def comparison(frame: Frame) -> bool | None:
        value = operand(frame)
        if type(value) is Decimal:
            return compare(value, number)
        if type(value) is str:
            value_number = text_number(value)
            return None if value_number is None else compare(value_number, number)
        return None

    return comparison
