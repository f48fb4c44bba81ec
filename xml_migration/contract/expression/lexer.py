"""Tokenizer of the expression language (spec §14.1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from xml_migration.contract.expression.errors import ExpressionError


class TokenKind(Enum):
    NUMBER = "number"
    STRING = "string"
    WORD = "word"
    OPERATOR = "operator"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, its text as written, its value and its 1-based position.

    The value of a string token is the text between the quotes with doubled quotes
    undone; of any other token, the text itself.
    """

    kind: TokenKind
    text: str
    value: str
    line: int
    column: int

    def is_word(self, *words: str) -> bool:
        """Whether this is a word equal (case-insensitively) to one of `words` (upper case)."""
        return self.kind is TokenKind.WORD and self.text.upper() in words

    def is_operator(self, *operators: str) -> bool:
        return self.kind is TokenKind.OPERATOR and self.text in operators

    def describe(self) -> str:
        if self.kind is TokenKind.END:
            return "the end of the expression"
        return repr(self.text) if self.kind is not TokenKind.STRING else self.text


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<string>'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")"
    r"|(?P<operator><>|!=|<=|>=|[-+*/=<>(),.@])"
)
_KINDS = {
    "number": TokenKind.NUMBER,
    "word": TokenKind.WORD,
    "string": TokenKind.STRING,
    "operator": TokenKind.OPERATOR,
}


def tokenize(source: str) -> list[Token]:
    """The tokens of `source`, ending with an END token; raises ExpressionError."""
    tokens: list[Token] = []
    offset = 0
    line, line_start = 1, 0
    while offset < len(source):
        match = _TOKEN.match(source, offset)
        column = offset - line_start + 1
        if match is None:
            char = source[offset]
            message = (
                "unterminated string literal" if char in "'\"" else f"unexpected character {char!r}"
            )
            raise ExpressionError(message, source, line, column)
        group = match.lastgroup
        text = match.group()
        if group != "space":
            value = text
            if group == "string":
                quote = text[0]
                value = text[1:-1].replace(quote * 2, quote)
            tokens.append(Token(_KINDS[group], text, value, line, column))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = offset + text.rindex("\n") + 1
        offset = match.end()
    tokens.append(Token(TokenKind.END, "", "", line, offset - line_start + 1))
    return tokens
