"""Value conversion to column types (spec §12) and the text forms of numbers and date-times.

`make_converter` builds, once per column, a function that turns a document text or a value
produced by a step or an expression into the Python value stored in that column. The
parsing primitives (decimal literal, number token, date-time patterns) are shared with the
expression language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from xml_migration.contract.tables import ColumnSpec, DataType


class ConversionFailed(ValueError):
    """The value cannot be converted to the column type: the mapping has no value (failed)."""


class ValueOutOfRange(ValueError):
    """The value converts but does not fit the column: the document fails (§12.2, §12.3)."""


_DECIMAL_LITERAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NUMBER_TOKEN = re.compile(
    r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)"
)
_DASH_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:\s+([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]{1,6}))?)?"
)
_SLASH_DATETIME = re.compile(
    r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"
    r"(?:\s+([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\s+([AaPp][Mm]))?)?"
)
_PLAIN_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?)?"
)
"""The most common dash form, which `datetime.fromisoformat` reads exactly like §12.5."""
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)

# Rounding works on exact values: a precision far beyond any column keeps quantize exact.
_EXACT = Context(prec=100_000, rounding=ROUND_HALF_UP)
_INTEGER_RANGES: dict[DataType, tuple[int, int]] = {
    DataType.TINYINT: (0, 255),
    DataType.SMALLINT: (-(2**15), 2**15 - 1),
    DataType.INT: (-(2**31), 2**31 - 1),
    DataType.BIGINT: (-(2**63), 2**63 - 1),
}
_ONE_MINUTE = timedelta(minutes=1)
_SHORT_DIGITS = 18
"""ASCII digit strings up to this length convert to integers directly (their only token)."""


def parse_decimal_literal(text: str) -> Decimal | None:
    """The number a trimmed text denotes when it is a decimal literal (§12.3), else None."""
    text = text.strip()
    if _DECIMAL_LITERAL.fullmatch(text) is None:
        return None
    return Decimal(text)


def first_number_token(text: str) -> Decimal | None:
    """The first number token of a text (§12.2), thousands separators removed; else None."""
    match = _NUMBER_TOKEN.search(text)
    if match is None:
        return None
    return Decimal(match.group().replace(",", ""))


def _microseconds(fraction: str | None) -> int:
    return int(fraction.ljust(6, "0")) if fraction else 0


def _parse_dash(match: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        if hour is None:
            return datetime(int(year), int(month), int(day))
        seconds = int(second)
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            59 if seconds >= 60 else seconds,
            _microseconds(fraction),
        )
    except ValueError:
        return None


def _parse_slash(match: re.Match[str]) -> datetime | None:
    first, second_field, year, hour, minute, second, meridiem = match.groups()
    clock = (0, 0, 0) if hour is None else (int(hour), int(minute), int(second))
    if meridiem is not None:
        hour12 = clock[0]
        if not 1 <= hour12 <= 12:
            return None
        hour24 = hour12 % 12 + (12 if meridiem.upper() == "PM" else 0)
        clock = (hour24, clock[1], clock[2])
        orders = ((first, second_field),)
    else:
        orders = ((first, second_field), (second_field, first))
    for month, day in orders:
        try:
            return datetime(int(year), int(month), int(day), *clock)
        except ValueError:
            continue
    return None


def _parse_iso(match: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second) if second else 0,
            _microseconds(fraction),
        )
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    """The date-time a text denotes under the patterns of §12.5, else None."""
    text = text.strip()
    if _PLAIN_DATETIME.fullmatch(text) is not None:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # out-of-range fields: the pattern rules below decide
    match = _DASH_DATETIME.fullmatch(text)
    if match is not None:
        return _parse_dash(match)
    match = _SLASH_DATETIME.fullmatch(text)
    if match is not None:
        return _parse_slash(match)
    match = _ISO_DATETIME.fullmatch(text)
    if match is not None:
        return _parse_iso(match)
    return None


def format_number(value: Decimal | int) -> str:
    """Plain decimal notation (§12.1): integral values without a point, no trailing zeros."""
    if not value:
        return "0"
    if isinstance(value, int):
        return str(int(value))
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_datetime(value: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS`, plus `.ffffff` when the value has fractional seconds."""
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text


def _naive(value: datetime) -> datetime:
    """A time-zone-aware value as the naive UTC clock time; a naive value unchanged."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _failed(value: object, column: ColumnSpec) -> ConversionFailed:
    return ConversionFailed(f"{value!r} cannot be converted to {column.data_type.value}")


def make_converter(
    column: ColumnSpec, boolean_to_bit: Mapping[str, int]
) -> Callable[[object], object]:
    """A function converting one value to the column's Python value (§12, §14.8).

    The function returns None for None and for a text that is blank, raises
    `ConversionFailed` when the value cannot be converted and `ValueOutOfRange` when the
    converted value does not fit the column.
    """
    data_type = column.data_type
    if data_type is DataType.STRING:
        return _string_converter(column)
    if data_type in _INTEGER_RANGES:
        return _integer_converter(column, *_INTEGER_RANGES[data_type])
    if data_type is DataType.DECIMAL:
        return _decimal_converter(column)
    if data_type is DataType.BIT:
        return _bit_converter(column, boolean_to_bit)
    return _datetime_converter(column)


def _string_converter(column: ColumnSpec) -> Callable[[object], object]:
    length = column.length

    def convert(value: object) -> str | None:
        if type(value) is str:
            text = value.strip()
        elif value is None:
            return None
        elif isinstance(value, datetime):
            text = format_datetime(value)
        elif isinstance(value, date):
            text = value.isoformat()
        elif isinstance(value, Decimal | int):
            text = format_number(value)
        elif isinstance(value, str):
            text = value.strip()
        else:
            raise _failed(value, column)
        if length is not None and len(text) > length:
            text = text[:length].rstrip()
        return text or None

    return convert


def _integer_converter(column: ColumnSpec, low: int, high: int) -> Callable[[object], object]:
    def check(number: int, value: object) -> int:
        if low <= number <= high:
            return number
        raise ValueOutOfRange(
            f"{value!r} is outside the range of {column.data_type.value} ({low}..{high})"
        )

    def from_decimal(number: Decimal, value: object) -> int:
        if not number.is_finite():
            raise _failed(value, column)
        if number and number.adjusted() > 20:
            raise ValueOutOfRange(f"{value!r} is outside the range of {column.data_type.value}")
        return check(int(number.to_integral_value(ROUND_HALF_UP)), value)

    def convert(value: object) -> int | None:
        if type(value) is int and low <= value <= high:
            return value
        if type(value) is str:
            text = value.strip()
            if not text:
                return None
            if len(text) <= _SHORT_DIGITS and text.isdigit() and text.isascii():
                number = int(text)
                if low <= number <= high:
                    return number
                return check(number, value)
            match = _NUMBER_TOKEN.search(text)
            if match is None:
                raise _failed(value, column)
            return from_decimal(Decimal(match.group().replace(",", "")), value)
        if value is None:
            return None
        if isinstance(value, int):
            return check(int(value), value)
        if isinstance(value, Decimal):
            return from_decimal(value, value)
        if isinstance(value, str):
            return convert(str(value))
        raise _failed(value, column)

    return convert


def _decimal_converter(column: ColumnSpec) -> Callable[[object], object]:
    scale = column.scale
    integer_digits = column.precision - scale
    exponent = Decimal(1).scaleb(-scale)
    limit = Decimal(1).scaleb(integer_digits)

    def out_of_range(value: object) -> ValueOutOfRange:
        return ValueOutOfRange(f"{value!r} does not fit decimal({column.precision},{scale})")

    def fit(number: Decimal, value: object) -> Decimal:
        if not number.is_finite():
            raise _failed(value, column)
        if number and number.adjusted() >= integer_digits:
            raise out_of_range(value)
        try:
            rounded = number.quantize(exponent, None, _EXACT)
        except InvalidOperation as error:
            raise out_of_range(value) from error
        if abs(rounded) >= limit:
            raise out_of_range(value)
        return rounded if rounded else abs(rounded)

    def convert(value: object) -> Decimal | None:
        if type(value) is str:
            text = value.strip()
            if not text:
                return None
            if _DECIMAL_LITERAL.fullmatch(text) is None:
                raise _failed(value, column)
            return fit(Decimal(text), value)
        if value is None:
            return None
        if isinstance(value, Decimal):
            return fit(value, value)
        if isinstance(value, int):
            return fit(Decimal(int(value)), value)
        if isinstance(value, str):
            return convert(str(value))
        raise _failed(value, column)

    return convert


def _bit_converter(
    column: ColumnSpec, boolean_to_bit: Mapping[str, int]
) -> Callable[[object], object]:
    words = {key: 1 if value else 0 for key, value in boolean_to_bit.items()}

    def convert(value: object) -> int | None:
        if type(value) is int:
            return 1 if value else 0
        if type(value) is str:
            text = value.strip()
            if not text:
                return None
            if _DECIMAL_LITERAL.fullmatch(text) is not None:
                return 1 if Decimal(text) else 0
            bit = words.get(text.lower())
            if bit is None:
                raise _failed(value, column)
            return bit
        if value is None:
            return None
        if isinstance(value, int | Decimal):
            if isinstance(value, Decimal) and not value.is_finite():
                raise _failed(value, column)
            return 1 if value else 0
        if isinstance(value, str):
            return convert(str(value))
        raise _failed(value, column)

    return convert


def _datetime_converter(column: ColumnSpec) -> Callable[[object], object]:
    data_type = column.data_type

    def parse(value: object) -> datetime | None:
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            parsed = parse_datetime(text)
            if parsed is None:
                raise _failed(value, column)
            return parsed
        if value is None:
            return None
        if isinstance(value, datetime):
            return _naive(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        raise _failed(value, column)

    if data_type is DataType.DATE:

        def to_date(value: object) -> date | None:
            parsed = parse(value)
            return None if parsed is None else parsed.date()

        return to_date

    if data_type is DataType.SMALLDATETIME:

        def to_minute(value: object) -> datetime | None:
            parsed = parse(value)
            if parsed is None:
                return None
            rounded = parsed.replace(second=0, microsecond=0)
            if parsed.second >= 30:
                try:
                    rounded += _ONE_MINUTE
                except OverflowError as error:
                    raise ValueOutOfRange(f"{value!r} is outside the range of dates") from error
            return rounded

        return to_minute

    return parse


_DATETIME_TYPES = frozenset({DataType.DATETIME, DataType.SMALLDATETIME, DataType.DATE})
_CURRENT_UTC_TIME = re.compile(r"\s*(?:GETUTCDATE|SYSUTCDATETIME)\(\s*\)\s*", re.IGNORECASE)
_CURRENT_LOCAL_TIME = re.compile(r"\s*(?:GETDATE\(\s*\)|CURRENT_TIMESTAMP)\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CurrentTimeDefault:
    """`GETUTCDATE()` as a column's default (§19.3): the document's UTC time stamp, the one
    its expressions and `default_getutcdate_if_null` use, cut to the column's precision."""

    convert: Callable[[object], object]

    def at(self, now: datetime) -> object:
        return self.convert(now)


def current_time_default(
    value: object, column: ColumnSpec, convert: Callable[[object], object]
) -> CurrentTimeDefault | None:
    """The `CurrentTimeDefault` a `default_value` of a date-time column means, else None.

    Raises `ConversionFailed` for `GETDATE()` and `CURRENT_TIMESTAMP`, saying what to write.
    """
    if column.data_type not in _DATETIME_TYPES or not isinstance(value, str):
        return None
    if _CURRENT_UTC_TIME.fullmatch(value):
        return CurrentTimeDefault(convert)
    if _CURRENT_LOCAL_TIME.fullmatch(value):
        raise ConversionFailed(
            f"default {value!r} is the server's local time, which the engine does not have; "
            "write GETUTCDATE() for the current UTC time"
        )
    return None


def default_at(default: object, now: datetime) -> object:
    """A column's default value for the document whose time stamp is `now`."""
    if type(default) is CurrentTimeDefault:
        return default.at(now)
    return default
