"""The value steps of a chain as plain functions (spec §10.3)."""

from __future__ import annotations

import re
from collections.abc import Mapping
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


class EnumLookup:
    """An enum type's map, normalised for lookup (spec §10.3.1)."""

    __slots__ = ("_catch_all", "_exact", "_folded")

    def __init__(self, codes: Mapping[str, int | str]) -> None:
        self._exact = dict(codes)
        self._folded: dict[str, int | str] = {}
        for key, code in codes.items():
            self._folded.setdefault(key.casefold(), code)
        self._catch_all = codes.get("", UNMAPPED)

    def __call__(self, text: str) -> object:
        """The code for a trimmed input: exact key, case-insensitive key, catch-all."""
        code = self._exact.get(text)
        if code is not None:
            return code
        code = self._folded.get(text.casefold())
        if code is not None:
            return code
        return self._catch_all


class CharToBit:
    """`char_to_bit`: exact key, then the upper-cased input; anything else is 0."""

    __slots__ = ("_map",)

    def __init__(self, bits: Mapping[str, int]) -> None:
        self._map = {key: 1 if value else 0 for key, value in bits.items()}

    def __call__(self, text: str) -> int:
        bit = self._map.get(text)
        if bit is None:
            bit = self._map.get(text.upper(), 0)
        return bit


class BooleanToBit:
    """`boolean_to_bit`: the lower-cased input; anything else is 0."""

    __slots__ = ("_map",)

    def __init__(self, bits: Mapping[str, int]) -> None:
        self._map = {key: 1 if value else 0 for key, value in bits.items()}

    def __call__(self, text: str) -> int:
        return self._map.get(text.lower(), 0)


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
