"""Value conversion to column types (spec §12)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xml_migration.contract.tables import ColumnSpec, DataType
from xml_migration.contract.values import (
    ConversionFailed,
    ValueOutOfRange,
    first_number_token,
    format_datetime,
    format_number,
    make_converter,
    parse_datetime,
    parse_decimal_literal,
)

BOOLEAN_TO_BIT = {"true": 1, "false": 0, "y": 1, "n": 0, "yes": 1, "no": 0}


def converter(data_type: DataType, **options: object):
    column = ColumnSpec(name="c", data_type=data_type, **options)
    return make_converter(column, BOOLEAN_TO_BIT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", Decimal("12")),
        (" -12.50 ", Decimal("-12.50")),
        ("+.5", Decimal("0.5")),
        ("7.", Decimal("7")),
        ("007", Decimal("7")),
        ("1,250", None),
        ("1e5", None),
        ("$5", None),
        ("", None),
        (".", None),
        ("-", None),
        ("1 2", None),
    ],
)
def test_parse_decimal_literal(text: str, expected: Decimal | None) -> None:
    assert parse_decimal_literal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,250.75 due", Decimal("1250.75")),
        ("12 months", Decimal("12")),
        ("-500", Decimal("-500")),
        ("1,2345", Decimal("1")),
        ("n/a", None),
        ("- 500", Decimal("500")),
        ("+-7", Decimal("-7")),
        ("abc .25", Decimal("0.25")),
        ("12,345,678.9x", Decimal("12345678.9")),
        ("1234,567", Decimal("1234")),
        ("1,234,5678", Decimal("1234")),
        ("12.", Decimal("12")),
        ("1-800-555", Decimal("1")),
    ],
)
def test_first_number_token(text: str, expected: Decimal | None) -> None:
    assert first_number_token(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-15 10:20:30.123", datetime(2024, 3, 15, 10, 20, 30, 123000)),
        ("2024-3-5 8:05:09", datetime(2024, 3, 5, 8, 5, 9)),
        ("2024-03-15", datetime(2024, 3, 15)),
        ("03/15/2024", datetime(2024, 3, 15)),
        ("3/15/2024 17:45:00", datetime(2024, 3, 15, 17, 45)),
        ("3/18/2024 9:15:00 PM", datetime(2024, 3, 18, 21, 15)),
        ("3/18/2024 12:15:00 am", datetime(2024, 3, 18, 0, 15)),
        ("3/18/2024 12:15:00 PM", datetime(2024, 3, 18, 12, 15)),
        ("25/12/2024", datetime(2024, 12, 25)),
        ("25/12/2024 08:00:00", datetime(2024, 12, 25, 8)),
        ("04/05/2024", datetime(2024, 4, 5)),
        ("2031-03-15T08:30:00", datetime(2031, 3, 15, 8, 30)),
        ("2031-03-15T08:30", datetime(2031, 3, 15, 8, 30)),
        ("2031-03-15T08:30:00.5Z", datetime(2031, 3, 15, 8, 30, 0, 500000)),
        ("2031-03-15T08:30:00+05:00", datetime(2031, 3, 15, 8, 30)),
        ("2024-03-15 10:20:75", datetime(2024, 3, 15, 10, 20, 59)),
        ("2024-03-15 10:20:60.5", datetime(2024, 3, 15, 10, 20, 59, 500000)),
        ("  2024-03-15 \t 10:20:30  ", datetime(2024, 3, 15, 10, 20, 30)),
        ("2024-02-30", None),
        ("13/13/2024", None),
        ("25/12/2024 1:00:00 PM", None),
        ("3/18/2024 13:15:00 PM", None),
        ("2024-03-15 24:00:00", None),
        ("2024-03-15 10:60:00", None),
        ("3/15/2024 10:20:60", None),
        ("2024-3-15T08:30:00", None),
        ("24-03-15", None),
        ("2024-03-15 10:20", None),
        ("tomorrow", None),
        ("", None),
    ],
)
def test_parse_datetime(text: str, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("2.5"), 0, Decimal("3")),
        (Decimal("-2.5"), 0, Decimal("-3")),
        (Decimal("1.005"), 2, Decimal("1.01")),
        (Decimal("-1.004"), 2, Decimal("-1.00")),
        (Decimal("4333.333333"), 2, Decimal("4333.33")),
        (Decimal("12345678901234567890123456789012.5"), 0, Decimal("1" + "2345678901" * 3 + "3")),
    ],
)
def test_decimals_round_half_away(value: Decimal, places: int, expected: Decimal) -> None:
    assert converter(DataType.DECIMAL, precision=38, scale=places)(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("12.500"), "12.5"),
        (Decimal("12.000"), "12"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-0.00"), "0"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("-3.10"), "-3.1"),
        (42, "42"),
        (True, "1"),
    ],
)
def test_format_number(value: Decimal | int, expected: str) -> None:
    assert format_number(value) == expected


def test_format_datetime() -> None:
    assert format_datetime(datetime(2024, 4, 14)) == "2024-04-14 00:00:00"
    assert format_datetime(datetime(2024, 4, 14, 1, 2, 3, 400)) == "2024-04-14 01:02:03.000400"
    assert format_datetime(datetime(999, 1, 2)) == "0999-01-02 00:00:00"


class TestString:
    def test_trims_cuts_and_strips_again(self) -> None:
        convert = converter(DataType.STRING, length=5)
        assert convert("  abc de fgh ") == "abc d"
        assert convert("abcd efg") == "abcd"
        assert convert("ab") == "ab"

    def test_counts_code_points(self) -> None:
        assert converter(DataType.STRING, length=3)("ÄÖÜß") == "ÄÖÜ"

    def test_unbounded(self) -> None:
        assert converter(DataType.STRING)("  " + "x" * 5000 + " ") == "x" * 5000

    def test_blank_is_no_value(self) -> None:
        convert = converter(DataType.STRING, length=10)
        assert convert("   ") is None
        assert convert("") is None
        assert convert(None) is None

    def test_numbers_and_datetimes_are_written_as_text(self) -> None:
        convert = converter(DataType.STRING)
        assert convert(Decimal("4333.3300")) == "4333.33"
        assert convert(7) == "7"
        assert convert(datetime(2024, 4, 14)) == "2024-04-14 00:00:00"
        assert convert(datetime(2024, 4, 14, 0, 0, 0, 5)) == "2024-04-14 00:00:00.000005"
        assert converter(DataType.STRING, length=10)(datetime(2024, 4, 14)) == "2024-04-14"


class TestInteger:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("$1,250.75 due", 1251),
            ("12 months", 12),
            ("-500", -500),
            ("2.5", 3),
            ("-2.5", -3),
            ("2,500", 2500),
            (" 0 ", 0),
        ],
    )
    def test_text_through_number_token(self, text: str, expected: int) -> None:
        assert converter(DataType.INT)(text) == expected

    def test_text_without_token_fails(self) -> None:
        with pytest.raises(ConversionFailed):
            converter(DataType.INT)("n/a")

    def test_blank_text_is_no_value(self) -> None:
        assert converter(DataType.INT)("  ") is None

    @pytest.mark.parametrize(
        ("data_type", "low", "high"),
        [
            (DataType.TINYINT, 0, 255),
            (DataType.SMALLINT, -32768, 32767),
            (DataType.INT, -(2**31), 2**31 - 1),
            (DataType.BIGINT, -(2**63), 2**63 - 1),
        ],
    )
    def test_ranges(self, data_type: DataType, low: int, high: int) -> None:
        convert = converter(data_type)
        assert convert(str(low)) == low
        assert convert(high) == high
        assert convert(Decimal(high)) == high
        for outside in (str(low - 1), high + 1, Decimal(high) + Decimal("0.5")):
            with pytest.raises(ValueOutOfRange):
                convert(outside)

    def test_tinyint_300_is_out_of_range(self) -> None:
        with pytest.raises(ValueOutOfRange):
            converter(DataType.TINYINT)("300")

    def test_numbers_are_rounded_half_away(self) -> None:
        convert = converter(DataType.SMALLINT)
        assert convert(Decimal("27.5")) == 28
        assert convert(Decimal("-27.5")) == -28
        assert convert(Decimal("0E+40")) == 0
        assert convert(True) == 1
        with pytest.raises(ValueOutOfRange):
            convert(Decimal("1E+400"))

    def test_datetime_fails(self) -> None:
        with pytest.raises(ConversionFailed):
            converter(DataType.INT)(datetime(2024, 1, 1))


class TestDecimal:
    def test_literal_rounded_to_scale(self) -> None:
        convert = converter(DataType.DECIMAL, scale=2)
        assert convert("4333.335") == Decimal("4333.34")
        assert convert("-4333.335") == Decimal("-4333.34")
        assert str(convert(" 12 ")) == "12.00"
        assert str(convert("-0.001")) == "0.00"

    def test_scale_4(self) -> None:
        assert str(converter(DataType.DECIMAL, scale=4)("0.12345")) == "0.1235"

    @pytest.mark.parametrize("text", ["$5.00", "1,250.00", "1e3", "abc", "5 %"])
    def test_non_literal_fails(self, text: str) -> None:
        with pytest.raises(ConversionFailed):
            converter(DataType.DECIMAL)(text)

    def test_precision(self) -> None:
        convert = converter(DataType.DECIMAL, precision=5, scale=2)
        assert convert("999.99") == Decimal("999.99")
        for value in ("999.995", "1000", Decimal("-1000"), Decimal("1E+50")):
            with pytest.raises(ValueOutOfRange):
                convert(value)
        assert convert(Decimal("0E+50")) == Decimal("0.00")

    def test_numbers(self) -> None:
        convert = converter(DataType.DECIMAL, scale=2)
        assert str(convert(Decimal("4333.333333333333333333333333"))) == "4333.33"
        assert str(convert(12)) == "12.00"

    def test_datetime_fails(self) -> None:
        with pytest.raises(ConversionFailed):
            converter(DataType.DECIMAL)(datetime(2024, 1, 1))


class TestBit:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("0", 0),
            ("0.00", 0),
            ("1", 1),
            ("-3.5", 1),
            ("TRUE", 1),
            (" No ", 0),
            ("y", 1),
            (Decimal("0"), 0),
            (Decimal("2"), 1),
            (0, 0),
            (5, 1),
            (True, 1),
            (False, 0),
            ("", None),
        ],
    )
    def test_conversions(self, value: object, expected: int | None) -> None:
        assert converter(DataType.BIT)(value) == expected

    def test_unmatched_word_fails(self) -> None:
        with pytest.raises(ConversionFailed):
            converter(DataType.BIT)("maybe")


class TestDateTime:
    def test_datetime_keeps_microseconds(self) -> None:
        assert converter(DataType.DATETIME)("2024-03-15 10:20:30.123") == datetime(
            2024, 3, 15, 10, 20, 30, 123000
        )

    def test_smalldatetime_rounds_to_the_minute(self) -> None:
        convert = converter(DataType.SMALLDATETIME)
        assert convert("2024-03-15 10:20:30") == datetime(2024, 3, 15, 10, 21)
        assert convert("2024-03-15 10:20:29.999999") == datetime(2024, 3, 15, 10, 20)
        assert convert("2024-12-31 23:59:45") == datetime(2025, 1, 1, 0, 0)

    def test_date_keeps_the_date_part(self) -> None:
        convert = converter(DataType.DATE)
        assert convert("3/18/2024 9:15:00 PM") == date(2024, 3, 18)
        assert convert(datetime(2024, 4, 14, 5)) == date(2024, 4, 14)

    def test_aware_values_become_utc_clock_time(self) -> None:
        aware = datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
        assert converter(DataType.DATETIME)(aware) == datetime(2024, 1, 1, 10)
        assert converter(DataType.DATETIME)(datetime(2024, 1, 1, tzinfo=UTC)) == datetime(
            2024, 1, 1
        )

    def test_unparseable_text_and_numbers_fail(self) -> None:
        convert = converter(DataType.DATETIME)
        for value in ("2024-02-30", "soon", Decimal("20240101"), 5):
            with pytest.raises(ConversionFailed):
                convert(value)

    def test_blank_is_no_value(self) -> None:
        assert converter(DataType.DATE)(" ") is None


@given(st.text(), st.integers(min_value=0, max_value=40))
def test_truncation_never_exceeds_length(text: str, length: int) -> None:
    result = converter(DataType.STRING, length=length)(text)
    assert result is None or (0 < len(result) <= length and result == result.strip())


@given(st.integers(min_value=-(10**30), max_value=10**30), st.text(alphabet="abc $:/ "))
def test_number_token_of_a_formatted_integer_round_trips(number: int, prefix: str) -> None:
    assert first_number_token(prefix + format_number(number) + " units") == number
    assert first_number_token(prefix + f"{number:,}") == number


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6))
def test_formatted_decimal_is_a_literal_of_the_same_value(number: Decimal) -> None:
    assert parse_decimal_literal(format_number(number)) == number


@given(st.datetimes(min_value=datetime(1000, 1, 1)))
def test_formatted_datetime_parses_back(value: datetime) -> None:
    assert parse_datetime(format_datetime(value)) == value


@given(st.decimals(min_value=-(10**30), max_value=10**30, places=4), st.integers(0, 3))
def test_decimal_rounding_is_symmetric_and_close(number: Decimal, places: int) -> None:
    convert = converter(DataType.DECIMAL, precision=38, scale=places)
    rounded = convert(number)
    assert convert(-number) == -rounded
    assert abs(rounded - number) <= Decimal(1).scaleb(-places) / 2


@given(
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.none() | st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
    st.none() | st.text(alphabet="0123456789", min_size=1, max_size=6),
)
def test_dash_date_times_follow_the_field_rules(
    year: int,
    month: int,
    day: int,
    clock: tuple[int, int, int] | None,
    fraction: str | None,
) -> None:
    """Fields are numbers, seconds 60-99 read as 59, impossible dates and times are no value."""
    text = f"{year:04d}-{month:02d}-{day:02d}"
    hour = minute = second = microsecond = 0
    if clock is not None:
        hour, minute, second = clock
        text += f" {hour:02d}:{minute:02d}:{second:02d}"
        if fraction is not None:
            text += "." + fraction
            microsecond = int(fraction.ljust(6, "0"))
    try:
        expected = datetime(year, month, day, hour, minute, min(second, 59), microsecond)
    except ValueError:
        expected = None
    assert parse_datetime(text) == expected


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_digit_texts_convert_to_their_integer_or_fail_out_of_range(text: str) -> None:
    number = int(text)
    for data_type, high in ((DataType.TINYINT, 255), (DataType.BIGINT, 2**63 - 1)):
        convert = converter(data_type)
        if number <= high:
            assert convert(f" {text} ") == number
        else:
            with pytest.raises(ValueOutOfRange):
                convert(text)
