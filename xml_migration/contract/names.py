"""The SQL names and type overrides a contract may use (spec §16.1).

Every rule here is one that would otherwise fail only when the tables are created, or on
one database and not another: names are plain identifiers short enough for PostgreSQL, and
an `sql_types` override is a type name and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_IDENTIFIER_LENGTH = 63
"""Longest table, column or schema name: PostgreSQL's limit (63 bytes; names are ASCII)."""

CONSTRAINT_KEYWORDS = frozenset(
    {
        "CHECK",
        "COLLATE",
        "CONSTRAINT",
        "DEFAULT",
        "GENERATED",
        "IDENTITY",
        "KEY",
        "NOT",
        "NULL",
        "PRIMARY",
        "REFERENCES",
        "UNIQUE",
    }
)
"""Words that start a column constraint or option, never part of a type name."""

_TYPE_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
SQL_TYPE = re.compile(
    rf"{_TYPE_WORD}(?: {_TYPE_WORD}){{0,2}}"
    r"(?: ?\( ?(?:[0-9]+(?: ?, ?[0-9]+)?|MAX) ?\))?",
    re.IGNORECASE,
)
"""An `sql_types` override after white space is normalised: one to three words, then
optionally `(n)`, `(n, m)` or `(MAX)`."""
_WORD = re.compile(_TYPE_WORD)
_TYPE_EXAMPLES = "such as 'CHAR(2)', 'NVARCHAR(MAX)' or 'DECIMAL(12, 2)'"
_KEYWORD_ADVICE = {
    "DEFAULT": "a default is the mapping's default_value",
    "NOT": "nullability comes from the mappings' nullable",
    "NULL": "nullability comes from the mappings' nullable",
    "KEY": "keys are declared with primary_key and foreign_keys",
    "PRIMARY": "keys are declared with primary_key and foreign_keys",
    "REFERENCES": "keys are declared with primary_key and foreign_keys",
}


def identifier_problem(name: str, what: str) -> str | None:
    """Why `name` cannot be a table, column or schema name, or None when it can."""
    if not IDENTIFIER.fullmatch(name):
        return (
            f"{what} {name!r} is not a plain SQL identifier "
            "(letters, digits and '_', not starting with a digit)"
        )
    if len(name) > MAX_IDENTIFIER_LENGTH:
        return (
            f"{what} {name!r} is longer than {MAX_IDENTIFIER_LENGTH} characters, the most "
            f"PostgreSQL allows; shorten it to {MAX_IDENTIFIER_LENGTH} at most"
        )
    return None


def normalized_sql_type(sql_type: str) -> str:
    """An `sql_types` override with its white space runs reduced to single spaces."""
    return " ".join(sql_type.split())


def sql_type_problem(column: str, sql_type: str) -> str | None:
    """Why `sql_type` cannot be the `sql_types` override of `column`, or None when it can."""
    text = normalized_sql_type(sql_type)
    shown = f"SQL type {sql_type!r} of column {column!r}"
    found = next(
        (word for word in _WORD.finditer(text) if word[0].upper() in CONSTRAINT_KEYWORDS), None
    )
    if found is not None:
        keyword = found[0].upper()
        type_part = text[: found.start()].strip()
        instead = (
            f"write {type_part!r}"
            if type_part and SQL_TYPE.fullmatch(type_part)
            else f"write a type name {_TYPE_EXAMPLES}"
        )
        advice = _KEYWORD_ADVICE.get(keyword, "the engine creates no such constraint")
        return f"{shown} carries {keyword}, which is not part of a type ({advice}); {instead}"
    if not SQL_TYPE.fullmatch(text):
        return (
            f"{shown} is not a plain type name: one to three words of letters, digits and '_', "
            f"optionally followed by (n), (n, m) or (MAX), {_TYPE_EXAMPLES}"
        )
    return None


def case_variants(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs (name, earlier name) of different names that are equal ignoring case, in order."""
    first: dict[str, str] = {}
    pairs = []
    for name in names:
        earlier = first.setdefault(name.casefold(), name)
        if earlier != name:
            pairs.append((name, earlier))
    return pairs
