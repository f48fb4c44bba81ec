"""Recursive-descent parser of the expression language (grammar §14.2, precedence §14.3)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from xml_migration.contract.expression.casts import cast_column
from xml_migration.contract.expression.errors import ExpressionError
from xml_migration.contract.expression.lexer import Token, TokenKind, tokenize
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
    TypeName,
    Unary,
    UtcNow,
    When,
)
from xml_migration.contract.expression.text_functions import TEXT_FUNCTIONS, arity_text

KEYWORDS = frozenset(
    {"CASE", "WHEN", "THEN", "ELSE", "END", "AND", "OR", "NOT", "IS", "NULL", "EMPTY", "LIKE", "IN"}
)
FUNCTIONS = frozenset({"DATE", "DATEADD", "COALESCE", "ISNULL", "CAST", "GETUTCDATE"}) | frozenset(
    TEXT_FUNCTIONS
)
COMPARISON_OPERATORS = frozenset({"=", "!=", "<>", "<", ">", "<=", ">="})


def parse_expression(text: str) -> Node:
    """The syntax tree of an expression; raises ExpressionError on a syntax error."""
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply", text, 1, 1) from None


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0

    # -- token access -------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def next_token(self) -> Token:
        return self.tokens[min(self.index + 1, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.END:
            self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        token = token or self.token
        return ExpressionError(message, self.source, token.line, token.column)

    def expect_operator(self, operator: str, context: str) -> Token:
        if not self.token.is_operator(operator):
            raise self.error(f"expected {operator!r} {context}, found {self.token.describe()}")
        return self.advance()

    def expect_word(self, word: str, context: str) -> Token:
        if not self.token.is_word(word):
            raise self.error(f"expected {word} {context}, found {self.token.describe()}")
        return self.advance()

    # -- grammar ------------------------------------------------------------------------

    def parse(self) -> Node:
        node = self.expression()
        if self.token.kind is not TokenKind.END:
            raise self.error(
                f"expected an operator or the end of the expression, found {self.token.describe()}"
            )
        return node

    def expression(self) -> Node:
        return self.or_expression()

    def or_expression(self) -> Node:
        left = self.and_expression()
        while self.token.is_word("OR"):
            self.advance()
            right = self.and_expression()
            left = Logical("OR", left, right, line=left.line, column=left.column)
        return left

    def and_expression(self) -> Node:
        left = self.not_expression()
        while self.token.is_word("AND"):
            self.advance()
            right = self.not_expression()
            left = Logical("AND", left, right, line=left.line, column=left.column)
        return left

    def not_expression(self) -> Node:
        if self.token.is_word("NOT"):
            token = self.advance()
            return Not(self.not_expression(), line=token.line, column=token.column)
        return self.predicate()

    def starts_predicate(self) -> bool:
        token = self.token
        return (
            token.is_operator(*COMPARISON_OPERATORS)
            or token.is_word("IS", "LIKE", "IN")
            or (token.is_word("NOT") and self.next_token().is_word("LIKE", "IN"))
        )

    def predicate(self) -> Node:
        left = self.additive()
        if not self.starts_predicate():
            return left
        position = {"line": left.line, "column": left.column}
        token = self.advance()
        node: Node
        if token.kind is TokenKind.OPERATOR:
            node = Comparison(token.text, left, self.additive(), **position)
        elif token.is_word("IS"):
            negated = self.token.is_word("NOT")
            if negated:
                self.advance()
            if not self.token.is_word("NULL", "EMPTY"):
                raise self.error(f"expected NULL or EMPTY after IS, found {self.token.describe()}")
            empty = self.advance().is_word("EMPTY")
            node = IsNull(left, negated, empty, **position)
        else:
            negated = token.is_word("NOT")
            keyword = self.advance() if negated else token
            if keyword.is_word("IN"):
                node = InList(left, self.in_list(), negated, **position)
            else:
                node = Like(left, self.additive(), negated, **position)
        if self.starts_predicate():
            raise self.error("comparisons do not chain; combine them with AND or use parentheses")
        return node

    def in_list(self) -> tuple[Node, ...]:
        self.expect_operator("(", "after IN")
        values = [self.additive()]
        while self.token.is_operator(","):
            self.advance()
            values.append(self.additive())
        self.expect_operator(")", "to close the IN list")
        return tuple(values)

    def additive(self) -> Node:
        left = self.multiplicative()
        while self.token.is_operator("+", "-"):
            operator = self.advance().text
            right = self.multiplicative()
            left = Arithmetic(operator, left, right, line=left.line, column=left.column)
        return left

    def multiplicative(self) -> Node:
        left = self.unary()
        while self.token.is_operator("*", "/"):
            operator = self.advance().text
            right = self.unary()
            left = Arithmetic(operator, left, right, line=left.line, column=left.column)
        return left

    def unary(self) -> Node:
        if self.token.is_operator("+", "-"):
            token = self.advance()
            return Unary(token.text, self.unary(), line=token.line, column=token.column)
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        position = {"line": token.line, "column": token.column}
        if token.kind is TokenKind.NUMBER:
            self.advance()
            return Number(Decimal(token.text), **position)
        if token.kind is TokenKind.STRING:
            self.advance()
            return String(token.value, **position)
        if token.is_operator("("):
            self.advance()
            inner = self.expression()
            self.expect_operator(")", "to close the parenthesis")
            return dataclasses.replace(inner, **position)
        if token.is_operator("@"):
            self.advance()
            if self.token.kind is not TokenKind.WORD:
                raise self.error(f"expected a name after '@', found {self.token.describe()}")
            return self.reference(self.advance(), position)
        if token.kind is TokenKind.WORD:
            word = token.text.upper()
            if word == "NULL":
                self.advance()
                return Null(**position)
            if word == "EMPTY":
                self.advance()
                return Empty(**position)
            if word == "CASE":
                return self.case()
            if word in KEYWORDS:
                raise self.error(f"unexpected keyword {word}; expected a value")
            if self.next_token().is_operator("("):
                return self.function_call()
            return self.reference(self.advance(), position)
        raise self.error(f"expected a value, found {token.describe()}")

    def reference(self, first: Token, position: dict[str, int]) -> Reference:
        if not self.token.is_operator("."):
            return Reference(None, first.text, **position)
        self.advance()
        if self.token.kind is not TokenKind.WORD:
            raise self.error(f"expected an attribute name after '.', found {self.token.describe()}")
        return Reference(first.text, self.advance().text, **position)

    def case(self) -> Case:
        token = self.advance()
        whens: list[When] = []
        while self.token.is_word("WHEN"):
            when_token = self.advance()
            condition = self.expression()
            self.expect_word("THEN", "after the WHEN condition")
            result = self.expression()
            whens.append(When(condition, result, line=when_token.line, column=when_token.column))
        if not whens:
            raise self.error(f"expected WHEN after CASE, found {self.token.describe()}")
        otherwise = None
        if self.token.is_word("ELSE"):
            self.advance()
            otherwise = self.expression()
        if not self.token.is_word("END"):
            raise self.error(f"expected WHEN, ELSE or END in CASE, found {self.token.describe()}")
        self.advance()
        return Case(tuple(whens), otherwise, line=token.line, column=token.column)

    def function_call(self) -> Node:
        token = self.advance()
        name = token.text.upper()
        position = {"line": token.line, "column": token.column}
        if name not in FUNCTIONS:
            raise self.error(
                f"unknown function {token.text!r}; expected one of {', '.join(sorted(FUNCTIONS))}",
                token,
            )
        self.advance()
        node: Node
        if name == "GETUTCDATE":
            node = UtcNow(**position)
        elif name == "DATE":
            node = DateOf(self.expression(), **position)
        elif name == "DATEADD":
            unit = self.token
            if (
                not (unit.kind is TokenKind.WORD or unit.kind is TokenKind.STRING)
                or unit.value.lower() != "day"
            ):
                raise self.error(f"DATEADD supports only the unit day, found {unit.describe()}")
            self.advance()
            self.expect_operator(",", "after the DATEADD unit")
            days = self.expression()
            self.expect_operator(",", "after the DATEADD day count")
            node = DateAdd(days, self.expression(), **position)
        elif name == "CAST":
            operand = self.expression()
            self.expect_word("AS", "in CAST")
            node = Cast(operand, self.type_name(), **position)
        else:
            arguments: list[Node] = []
            if not (name in TEXT_FUNCTIONS and self.token.is_operator(")")):
                arguments.append(self.expression())
                while self.token.is_operator(","):
                    self.advance()
                    arguments.append(self.expression())
            if name == "ISNULL" and len(arguments) != 2:
                raise self.error(f"ISNULL takes exactly 2 arguments, found {len(arguments)}", token)
            if name in TEXT_FUNCTIONS:
                low, high = TEXT_FUNCTIONS[name].arity
                if not low <= len(arguments) <= (high or len(arguments)):
                    raise self.error(
                        f"{name} takes {arity_text(name)}, found {len(arguments)}", token
                    )
                node = TextCall(name, tuple(arguments), **position)
            else:
                node = Coalesce(name, tuple(arguments), **position)
        self.expect_operator(")", f"to close {name}(")
        return node

    def type_name(self) -> TypeName:
        token = self.token
        if token.kind is not TokenKind.WORD:
            raise self.error(f"expected a type name after AS, found {token.describe()}")
        self.advance()
        arguments: list[int] = []
        if self.token.is_operator("("):
            self.advance()
            arguments.append(self.type_argument())
            while self.token.is_operator(","):
                self.advance()
                arguments.append(self.type_argument())
            self.expect_operator(")", "after the type arguments")
        target = TypeName(
            token.text.lower(), tuple(arguments), line=token.line, column=token.column
        )
        try:
            cast_column(target)
        except ValueError as error:
            raise self.error(str(error), token) from None
        return target

    def type_argument(self) -> int:
        token = self.token
        if token.kind is not TokenKind.NUMBER or "." in token.text:
            raise self.error(f"expected a whole number, found {token.describe()}")
        self.advance()
        return int(token.text)
