"""The text functions of the expression language (spec §19.4).

Each function takes its evaluated arguments (NULL, number, text or date-time) and returns a
text, a number or NULL; none of them raises. Arguments are taken as text with `as_text`;
counts and positions are converted like arithmetic operands and truncated toward zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from xml_migration.contract.expression.semantics import as_text, to_number


@dataclass(frozen=True, slots=True)
class TextFunction:
    """A text function: how many arguments it takes (`most` None: no upper bound) and what
    it computes from their values."""

    least: int
    most: int | None
    apply: Callable[..., object]

    @property
    def arity(self) -> tuple[int, int | None]:
        return self.least, self.most


def _count(value: object) -> int | None:
    """A numeric argument truncated toward zero; None for NULL or a non-numeric value."""
    number = to_number(value)
    return None if number is None else int(number)


def _trim(value: object) -> str | None:
    return None if value is None else as_text(value).strip()


def _ltrim(value: object) -> str | None:
    return None if value is None else as_text(value).lstrip()


def _rtrim(value: object) -> str | None:
    return None if value is None else as_text(value).rstrip()


def _upper(value: object) -> str | None:
    return None if value is None else as_text(value).upper()


def _lower(value: object) -> str | None:
    return None if value is None else as_text(value).lower()


def _len(value: object) -> Decimal | None:
    return None if value is None else Decimal(len(as_text(value).rstrip()))


def _left(value: object, count: object) -> str | None:
    n = _count(count)
    if value is None or n is None or n < 0:
        return None
    return as_text(value)[:n]


def _right(value: object, count: object) -> str | None:
    n = _count(count)
    if value is None or n is None or n < 0:
        return None
    text = as_text(value)
    return text[max(len(text) - n, 0) :]


def _substring(value: object, start: object, length: object) -> str | None:
    """Positions `start` … `start + length - 1` that exist; a start below 1 uses up length."""
    first, count = _count(start), _count(length)
    if value is None or first is None or count is None or count < 0:
        return None
    last = first + count - 1
    first = max(first, 1)
    return as_text(value)[first - 1 : last] if last >= first else ""


def _folds_one_to_one(text: str) -> bool:
    return all(len(char.casefold()) == 1 for char in text)


def _replace(value: object, find: object, replacement: object) -> str | None:
    """Every occurrence of `find`, matched case-insensitively from the left without
    overlaps, replaced."""
    if value is None or find is None or replacement is None:
        return None
    text, target, substitute = as_text(value), as_text(find).casefold(), as_text(replacement)
    if not target:
        return text
    if _folds_one_to_one(text):
        folded = text.casefold()
        parts, start = [], 0
        while (found := folded.find(target, start)) >= 0:
            parts += [text[start:found], substitute]
            start = found + len(target)
        return "".join(parts) + text[start:]
    return _replace_folding(text, target, substitute)


def _replace_folding(text: str, target: str, substitute: str) -> str:
    """`_replace` for texts with characters whose case folding is longer (`ß` → `ss`)."""
    parts, index = [], 0
    while index < len(text):
        end, folded = index, ""
        while end < len(text) and len(folded) < len(target) and target.startswith(folded):
            folded += text[end].casefold()
            end += 1
        if folded == target:
            parts.append(substitute)
            index = end
        else:
            parts.append(text[index])
            index += 1
    return "".join(parts)


def _concat(*values: object) -> str:
    return "".join("" if value is None else as_text(value) for value in values)


TEXT_FUNCTIONS: dict[str, TextFunction] = {
    "TRIM": TextFunction(1, 1, _trim),
    "LTRIM": TextFunction(1, 1, _ltrim),
    "RTRIM": TextFunction(1, 1, _rtrim),
    "UPPER": TextFunction(1, 1, _upper),
    "LOWER": TextFunction(1, 1, _lower),
    "LEN": TextFunction(1, 1, _len),
    "LEFT": TextFunction(2, 2, _left),
    "RIGHT": TextFunction(2, 2, _right),
    "SUBSTRING": TextFunction(3, 3, _substring),
    "REPLACE": TextFunction(3, 3, _replace),
    "CONCAT": TextFunction(2, None, _concat),
}
"""The text functions by upper-case name."""


def arity_text(name: str) -> str:
    """How many arguments a text function takes, in words: `2 arguments`, `2 or more …`."""
    function = TEXT_FUNCTIONS[name]
    plural = "argument" if function.least == 1 else "arguments"
    if function.most is None:
        return f"{function.least} or more arguments"
    return f"{function.least} {plural}"
