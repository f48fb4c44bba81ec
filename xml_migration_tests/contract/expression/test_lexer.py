"""Tokenizer (spec §14.1)."""

from __future__ import annotations

import pytest

from xml_migration.contract.expression.errors import ExpressionError
from xml_migration.contract.expression.lexer import TokenKind, tokenize


def kinds_and_values(source: str) -> list[tuple[TokenKind, str]]:
    return [(token.kind, token.value) for token in tokenize(source)]


def test_tokens_of_every_kind() -> None:
    assert kinds_and_values('@a.b >= 12.5 <> \'it\'\'s\' "say ""hi"""') == [
        (TokenKind.OPERATOR, "@"),
        (TokenKind.WORD, "a"),
        (TokenKind.OPERATOR, "."),
        (TokenKind.WORD, "b"),
        (TokenKind.OPERATOR, ">="),
        (TokenKind.NUMBER, "12.5"),
        (TokenKind.OPERATOR, "<>"),
        (TokenKind.STRING, "it's"),
        (TokenKind.STRING, 'say "hi"'),
        (TokenKind.END, ""),
    ]


def test_operators() -> None:
    values = [token.value for token in tokenize("+-*/=!=<><<=>>=(),.")[:-1]]
    assert values == ["+", "-", "*", "/", "=", "!=", "<>", "<", "<=", ">", ">=", "(", ")", ",", "."]


def test_positions_across_lines() -> None:
    tokens = tokenize("CASE\n  WHEN x = 'a\nb'\n THEN 1 END")
    positions = [(token.text, token.line, token.column) for token in tokens]
    assert positions[:6] == [
        ("CASE", 1, 1),
        ("WHEN", 2, 3),
        ("x", 2, 8),
        ("=", 2, 10),
        ("'a\nb'", 2, 12),
        ("THEN", 4, 2),
    ]


def test_words_keep_their_spelling() -> None:
    token = tokenize("Case")[0]
    assert token.text == "Case" and token.is_word("CASE")


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("a = 'open", "unterminated string literal", 5),
        ('a = "open', "unterminated string literal", 5),
        ("a # b", "unexpected character '#'", 3),
        ("a ! b", "unexpected character '!'", 3),
        ("a = $5", "unexpected character '$'", 5),
    ],
)
def test_lexical_errors(source: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as raised:
        tokenize(source)
    assert raised.value.message == message
    assert (raised.value.line, raised.value.column) == (1, column)
