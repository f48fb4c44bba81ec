"""The value steps of a chain as plain functions (spec §10.3)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from xml_migration.contract.values import (
    first_number_token,
    format_datetime,
    format_number,
    parse_datetime,
)

UNMAPPED: Final = object()
"""Result of an enum lookup that finds no code (spec §10.3.1)."""

_NOT_DIGITS = re.compile(r"[^0-9]+")


def text_of(value: object) -> str:
    """The text form of a running value: numbers and date-times as in spec §12.1."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int):
        return format_number(value)
    return str(value)


def enum_lookup(codes: Mapping[str, int | str]) -> Callable[[str], object]:
    """An enum type's map as a lookup of trimmed inputs (spec §10.3.1): exact key, then
    case-insensitive key, then the catch-all (`UNMAPPED` without one)."""
    exact = dict(codes)
    folded: dict[str, int | str] = {}
    for key, code in codes.items():
        folded.setdefault(key.casefold(), code)
    catch_all = codes.get("", UNMAPPED)

    def lookup(text: str) -> object:
        code = exact.get(text)
        if code is not None:
            return code
        code = folded.get(text.casefold())
        if code is not None:
            return code
        return catch_all

    return lookup


def _bits(bits: Mapping[str, int]) -> dict[str, int]:
    return {key: 1 if value else 0 for key, value in bits.items()}


def char_to_bit(bits: Mapping[str, int]) -> Callable[[str], int]:
    """`char_to_bit`: exact key, then the upper-cased input; anything else is 0."""
    table = _bits(bits)

    def bit(text: str) -> int:
        value = table.get(text)
        if value is None:
            value = table.get(text.upper(), 0)
        return value

    return bit


def boolean_to_bit(bits: Mapping[str, int]) -> Callable[[str], int]:
    """`boolean_to_bit`: the lower-cased input; anything else is 0."""
    table = _bits(bits)

    def bit(text: str) -> int:
        return table.get(text.lower(), 0)

    return bit


def numbers_only(text: str) -> str | None:
    """The ASCII digits of a text, in order; None when it has none (spec §10.3.4, D1)."""
    if text.isdigit() and text.isascii():
        return text
    return _NOT_DIGITS.sub("", text) or None


def extract_numeric(text: str) -> Decimal | None:
    """The first number token of a text (spec §10.3.5, §12.2), or None."""
    return first_number_token(text)


def extract_numeric_text(text: str) -> str | None:
    """`extract_numeric` for a string column: plain notation, written fraction kept."""
    number = first_number_token(text)
    if number is None:
        return None
    written = format(number, "f")
    return "0" if written in ("-0", "+0") else written


def extract_date(text: str) -> datetime | None:
    """The date-time a text denotes (spec §10.3.6, §12.5), or None."""
    return parse_datetime(text)
