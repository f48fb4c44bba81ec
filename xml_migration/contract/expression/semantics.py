"""Run-time value rules of the expression language (spec §14.5, §14.6).

Values are None (NULL), `Decimal` (number), `str` (text) and naive `datetime`; conditions
are True, False and None (UNKNOWN). No function here raises for any such value.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from functools import lru_cache

from xml_migration.contract.values import (
    format_datetime,
    format_number,
    parse_datetime,
    parse_decimal_literal,
)

ARITHMETIC = Context(
    prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
_MAX_DAYS = 10_000_000

# Texts repeat across rows and WHEN branches; Decimal and datetime values are immutable.
text_number = lru_cache(maxsize=8192)(parse_decimal_literal)
text_datetime = lru_cache(maxsize=8192)(parse_datetime)


def to_number(value: object) -> Decimal | None:
    """An arithmetic operand as a number: numbers and numeric texts convert, else NULL."""
    if type(value) is Decimal:
        return value
    if type(value) is str:
        return text_number(value)
    return None


def to_datetime(value: object) -> datetime | None:
    """`DATE(value)`: a date-time unchanged, a text parsed by §12.5, anything else NULL."""
    if type(value) is datetime:
        return value
    if type(value) is str:
        return text_datetime(value)
    return None


def add_days(days: Decimal, start: datetime) -> datetime | None:
    """The calendar date of `start` plus `days` truncated toward zero, at midnight."""
    if abs(days) >= _MAX_DAYS:
        return None
    try:
        return datetime.combine(start.date() + timedelta(days=int(days)), time())
    except OverflowError:
        return None


def comparable(left: object, right: object) -> tuple[object, object] | None:
    """The pair that a comparison of two non-NULL values compares, or None for UNKNOWN."""
    left_type, right_type = type(left), type(right)
    if left_type is datetime or right_type is datetime:
        left_time, right_time = to_datetime(left), to_datetime(right)
        if left_time is None or right_time is None:
            return None
        return left_time, right_time
    if left_type is Decimal or right_type is Decimal:
        left_number, right_number = to_number(left), to_number(right)
        if left_number is None or right_number is None:
            return None
        return left_number, right_number
    if left_type is str and right_type is str:
        left_number = text_number(left)
        if left_number is not None:
            right_number = text_number(right)
            if right_number is not None:
                return left_number, right_number
        return left.casefold(), right.casefold()
    return None


def as_text(value: object) -> str:
    """A non-NULL value as text (§12.1), as LIKE and the text functions take it: numbers in
    plain decimal notation, date-times as `YYYY-MM-DD HH:MM:SS[.ffffff]`."""
    if type(value) is str:
        return value
    if type(value) is datetime:
        return format_datetime(value)
    return format_number(value)  # type: ignore[arg-type]


@lru_cache(maxsize=1024)
def like_matcher(pattern: str) -> re.Pattern[str]:
    """The case-folded whole-text matcher of a LIKE pattern (`%` any run, `_` one char)."""
    parts = []
    for char in pattern.casefold():
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def naive_utc(value: datetime) -> datetime:
    """A date-time as a plain naive `datetime` in UTC clock time."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return datetime(
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )
