"""Text functions, `[NOT] IN` lists and `EMPTY` as a value (spec §19.4), one test per row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from xml_migration.contract.expression import ExpressionError, compile_expression
from xml_migration_tests.contract.expression.test_compiler import run, truth


def test_trim_ltrim_rtrim_remove_white_space_at_both_ends_the_start_the_end() -> None:
    values = {"x": "\u00a0 ab c \t\n"}
    assert run("CONCAT('[', TRIM(@x), ']')", values) == "[ab c]"
    assert run("CONCAT('[', LTRIM(@x), ']')", values) == "[ab c \t\n]"
    assert run("CONCAT('[', RTRIM(@x), ']')", values) == "[\u00a0 ab c]"
    assert run("TRIM(12.50)") == "12.5"
    assert run("TRIM(DATE('2024-03-05 7:08:09'))") == "2024-03-05 07:08:09"
    assert run("TRIM(missing)") is None
    assert run("LTRIM(NULL)") is None
    assert run("RTRIM(NULL)") is None


def test_upper_lower_use_full_unicode_case_mapping() -> None:
    assert run("UPPER('straße ǆ')") == "STRASSE Ǆ"
    assert run("LOWER('ÀB İ')") == "àb i̇"
    assert run("UPPER(-1.5)") == "-1.5"
    assert run("UPPER(NULL)") is None
    assert run("LOWER(missing)") is None


def test_len_counts_characters_without_trailing_white_space() -> None:
    assert run("LEN('  ab  ')") == Decimal(4)
    assert run("LEN('ÄÖÜß')") == Decimal(4)
    assert run("LEN(100.50)") == Decimal(5)
    assert run("LEN('')") == Decimal(0)
    assert run("LEN(NULL)") is None


def test_left_right_take_the_first_or_last_n_characters() -> None:
    assert run("LEFT('abcdef', 2)") == "ab"
    assert run("RIGHT('abcdef', 2)") == "ef"
    assert run("LEFT('abc', 10)") == "abc"
    assert run("RIGHT('abc', 10)") == "abc"
    assert run("CONCAT(LEFT('abc', 0), RIGHT('abc', 0), '|')") == "|"
    assert run("LEFT('abcdef', '2.9')") == "ab"
    assert run("RIGHT('abcdef', 2.9)") == "ef"
    assert run("LEFT('abcdef', -1)") is None
    assert run("RIGHT('abcdef', -1)") is None
    assert run("LEFT('abc', 'two')") is None
    assert run("LEFT('abc', NULL)") is None
    assert run("RIGHT(NULL, 2)") is None
    assert run("LEFT(12345, 3)") == "123"


def test_substring_counts_missing_positions_against_the_length() -> None:
    assert run("SUBSTRING('abcdef', 2, 3)") == "bcd"
    assert run("SUBSTRING('abc', 0, 2)") == "a"
    assert run("SUBSTRING('abc', -5, 7)") == "a"
    assert run("SUBSTRING('abc', -5, 2)") is None  # the empty text: no value
    assert run("CONCAT(SUBSTRING('abc', 5, 2), '|')") == "|"
    assert run("SUBSTRING('abc', 2, 100)") == "bc"
    assert run("SUBSTRING('abc', 1, 0)") is None
    assert run("SUBSTRING('abc', 1, -1)") is None
    assert run("SUBSTRING('abc', 1.9, 1.9)") == "a"
    assert run("SUBSTRING('abc', NULL, 1)") is None
    assert run("SUBSTRING(NULL, 1, 1)") is None
    assert run("SUBSTRING('abc', 'x', 1)") is None


def test_replace_matches_case_insensitively_left_to_right_without_overlaps() -> None:
    assert run("REPLACE('Ab-aB-ab', 'AB', 'x')") == "x-x-x"
    assert run("REPLACE('aaaa', 'aa', 'b')") == "bb"
    assert run("REPLACE('aaa', 'aa', 'b')") == "ba"
    assert run("REPLACE('Straße', 'SS', 's')") == "Strase"
    assert run("REPLACE('STRASSE', 'ß', 'ss')") == "STRAssE"
    assert run("REPLACE('abc', '', 'x')") == "abc"
    assert run("REPLACE(1000, 0, 9)") == "1999"
    assert run("REPLACE('abc', 'b', '')") == "ac"
    assert run("REPLACE(NULL, 'a', 'b')") is None
    assert run("REPLACE('abc', NULL, 'b')") is None
    assert run("REPLACE('abc', 'a', NULL)") is None


def test_concat_joins_texts_and_null_counts_as_the_empty_text() -> None:
    assert run("CONCAT('a', 1.50, DATE('2024-01-02'))") == "a1.52024-01-02 00:00:00"
    assert run("CONCAT(NULL, 'b', missing)") == "b"
    assert run("CONCAT(NULL, NULL)") is None  # the empty text is no value (§11.1)
    value, read = compile_expression("CONCAT(a, b)").evaluate(lambda q, n: None, datetime.now())
    assert (value, read) == (None, False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TRIM(a, b)", "TRIM takes 1 argument, found 2"),
        ("LEN()", "LEN takes 1 argument, found 0"),
        ("concat()", "CONCAT takes 2 or more arguments, found 0"),
        ("LEFT(a)", "LEFT takes 2 arguments, found 1"),
        ("RIGHT(a, 1, 2)", "RIGHT takes 2 arguments, found 3"),
        ("SUBSTRING(a, 1)", "SUBSTRING takes 3 arguments, found 2"),
        ("REPLACE(a, 'b')", "REPLACE takes 3 arguments, found 2"),
        ("CONCAT(a)", "CONCAT takes 2 or more arguments, found 1"),
        ("UPPER(a = 1)", "UPPER takes a value, found a condition"),
        ("x IN ()", "expected a value, found ')'"),
        ("x IN 'A'", "expected '(' after IN, found 'A'"),
        ("x IN ('A' 'B')", "expected ')' to close the IN list, found 'B'"),
        ("x IN ('A', y = 1)", "expected ')' to close the IN list, found '='"),
        ("x IN ('A') = 1", "comparisons do not chain"),
        ("x = EMPTY IN ('A')", "comparisons do not chain"),
    ],
)
def test_wrong_calls_are_contract_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        compile_expression(text, condition_allowed=True)
    assert raised.value.message.startswith(message)


def test_text_function_names_are_references_unless_called() -> None:
    assert run("CONCAT(left, len)", {"left": "L", "len": "3"}) == "L3"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"x": "a"}, True),
        ({"x": "b"}, True),
        ({"x": "c"}, None),  # 'c' = 7 is UNKNOWN: a text that is not a number
        ({"x": "007"}, True),
        ({"x": "7.0"}, True),
        ({}, None),
    ],
)
def test_in_is_any_equality_case_insensitive_and_numeric_aware(
    values: dict[str, str], expected: bool | None
) -> None:
    assert truth("x IN ('A', 'B', 7)", values) is expected


def test_in_with_null_on_either_side() -> None:
    assert truth("NULL IN ('A', 'B')") is None
    assert truth("x IN ('A')") is None
    assert truth("'A' IN (NULL, 'A')") is True
    assert truth("'A' IN (NULL, 'B')") is None
    assert truth("'A' IN ('B', 'C')") is False
    assert truth("'A' IN (missing)") is None


def test_not_in_is_the_negation_of_in() -> None:
    assert truth("'A' NOT IN ('B', 'C')") is True
    assert truth("'A' NOT IN ('b', 'a')") is False
    assert truth("'A' NOT IN (NULL, 'B')") is None
    assert truth("NULL NOT IN ('B')") is None
    assert truth("5 NOT IN ('5.00')") is False
    assert truth("DATE('2024-01-02') NOT IN ('01/02/2024')") is False
    assert truth("NOT 'A' IN ('B')") is True


def test_in_list_values_are_expressions() -> None:
    assert truth("a + 1 IN (b * 2, 9)", {"a": "3", "b": "2"}) is True


def test_empty_as_a_value_is_the_empty_text() -> None:
    assert run("CASE WHEN 1 = 2 THEN 'X' ELSE EMPTY END") is None
    assert run("EMPTY") is None
    assert truth("EMPTY IS NULL") is True
    assert truth("x = EMPTY", {"x": "a"}) is False
    assert run("COALESCE(EMPTY, 'fallback')") == "fallback"
    assert run("CONCAT(EMPTY, 'a')") == "a"


DEALER = (
    "CASE WHEN TRIM(dlr_num_marine) IS NOT EMPTY THEN TRIM(dlr_num_marine)\n"
    "     WHEN TRIM(dlr_num_rv) IS NOT EMPTY THEN TRIM(dlr_num_rv) ELSE EMPTY END"
)
COLLATERAL = "CASE WHEN IL_collateral.coll1_make IN ('MERCURY', 'Yamaha') THEN 413 END"


def untrimmed(values: dict[str, str]):
    """A resolver that hands texts over as written, to show what TRIM does."""
    return lambda qualifier, name: values.get(name if qualifier is None else f"{qualifier}.{name}")


def test_example_dealer_number() -> None:
    compiled = compile_expression(DEALER)
    now = datetime(2024, 1, 1)
    both = {"dlr_num_marine": "  ", "dlr_num_rv": " 0042 "}
    assert compiled.evaluate(untrimmed(both), now)[0] == "0042"
    assert compiled.evaluate(untrimmed({"dlr_num_marine": "", "dlr_num_rv": ""}), now)[0] is None
    assert compiled.evaluate(untrimmed({}), now)[0] is None


def test_example_collateral_type() -> None:
    assert run(COLLATERAL, {"IL_collateral.coll1_make": "yamaha"}) == Decimal(413)
    assert run(COLLATERAL, {"IL_collateral.coll1_make": "HONDA"}) is None
    assert run(COLLATERAL, {}) is None
