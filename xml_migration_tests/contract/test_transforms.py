"""Properties of the value steps (spec §10.3) and of string truncation (§12.1)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from xml_migration.contract.tables import ColumnSpec, DataType
from xml_migration.contract.transforms import (
    UNMAPPED,
    boolean_to_bit,
    char_to_bit,
    enum_lookup,
    extract_numeric,
    extract_numeric_text,
    numbers_only,
    text_of,
)
from xml_migration.contract.values import make_converter

ASCII_DIGITS = "0123456789"


@given(st.text())
def test_numbers_only_keeps_exactly_the_ascii_digits_in_order(text: str) -> None:
    digits = "".join(char for char in text if char in ASCII_DIGITS)
    assert numbers_only(text) == (digits or None)


@given(st.text(alphabet=st.characters(categories=["Nd"])))
def test_numbers_only_ignores_non_ascii_digits(text: str) -> None:
    result = numbers_only(text)
    assert result is None or set(result) <= set(ASCII_DIGITS)


@given(st.text(), st.integers(min_value=1, max_value=50))
def test_truncation_never_exceeds_data_length(text: str, length: int) -> None:
    convert = make_converter(ColumnSpec("c", DataType.STRING, length=length), {})
    result = convert(text)
    if result is None:
        assert not text.strip()[:length].strip()
    else:
        assert len(result) <= length
        assert result == text.strip()[:length].rstrip()


keys = st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=6)


@given(st.dictionaries(keys, st.integers(0, 999), min_size=1), st.data())
def test_enum_lookup_is_case_insensitive(codes: dict[str, int], data: st.DataObject) -> None:
    lookup = enum_lookup(codes)
    key = data.draw(st.sampled_from(sorted(codes)))
    variant = "".join(char.upper() if data.draw(st.booleans()) else char.lower() for char in key)
    assume(variant.casefold() == key.casefold())  # e.g. dotless i: upper-casing changes it
    expected = codes.get(variant)
    if expected is None:
        expected = next(code for k, code in codes.items() if k.casefold() == variant.casefold())
    assert lookup(variant) == expected


@given(st.dictionaries(keys, st.integers(0, 999)), st.text(max_size=8))
def test_enum_lookup_falls_back_to_the_catch_all(codes: dict[str, int], text: str) -> None:
    lookup = enum_lookup({**codes, "": -1})
    if not any(key.casefold() == text.casefold() for key in codes):
        assert lookup(text) == -1
    assert enum_lookup(codes)(text) in (*codes.values(), UNMAPPED)


def test_enum_prefers_the_exact_key_then_the_first_folded_one() -> None:
    lookup = enum_lookup({"a": 1, "A": 2, "b": 3})
    assert (lookup("a"), lookup("A"), lookup("B"), lookup("c")) == (1, 2, 3, UNMAPPED)


@given(st.text(max_size=6))
def test_bit_steps_always_give_a_bit(text: str) -> None:
    assert char_to_bit({"Y": 1, "N": 0})(text) in (0, 1)
    assert boolean_to_bit({"true": 1})(text) in (0, 1)


def test_char_to_bit_tries_the_upper_cased_input() -> None:
    bits = char_to_bit({"Y": 1, "y": 0})
    assert (bits("y"), bits("Y"), bits("t")) == (0, 1, 0)
    assert char_to_bit({"Y": 1})("y") == 1


@given(st.integers(-(10**12), 10**12), st.integers(0, 4))
def test_extract_numeric_reads_a_formatted_number_back(number: int, places: int) -> None:
    value = Decimal(number).scaleb(-places)
    text = f"about {value:,f} dollars"
    assert extract_numeric(text) == value
    assert Decimal(extract_numeric_text(text) or "nan") == value


def test_text_of_running_values() -> None:
    assert text_of(Decimal("12.50")) == "12.5"
    assert text_of(7) == "7"
    assert text_of("x") == "x"
