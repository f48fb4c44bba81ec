"""Documents mapped under the wider legacy dialect (spec §19, D19)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from xml_migration.engine.mapper import map_document
from xml_migration_tests.engine.contracts import (
    NOW,
    document,
    failed,
    mapped,
    mapping,
    plan_of,
    rows,
    value,
)


def fact(attribute: str, data_type: str, column: str | None = None, **extra: object) -> dict:
    return mapping("app", attribute, "facts", column or attribute, data_type, **extra)


@pytest.mark.parametrize(
    ("raw", "data_type", "expected"),
    [
        ("  abcdef ", "varchar(3)", "abc"),
        ("abcdef", "NCHAR(4)", "abcd"),
        ("ab  cdef", "char(4)", "ab"),
        ("x" * 5000, "nvarchar(max)", "x" * 5000),
        ("x" * 5000, "text", "x" * 5000),
        ("1.23456", "decimal(12,4)", Decimal("1.2346")),
        ("1.5", "numeric(5)", Decimal(2)),
        ("-1.00005", "money", Decimal("-1.0001")),
        ("12.5", "integer", 13),
        ("2024-03-05 06:07:08.123456", "datetime2(7)", datetime(2024, 3, 5, 6, 7, 8, 123456)),
    ],
)
def test_values_convert_to_the_type_a_spelling_means(
    raw: str, data_type: str, expected: object
) -> None:
    plan = plan_of(fact("v", data_type))
    assert value(plan, document(f'v="{raw}"'), "facts", "v") == expected


def test_decimal_precision_bounds_the_value() -> None:
    plan = plan_of(fact("v", "decimal(4,2)"))
    assert value(plan, document('v="99.99"'), "facts", "v") == Decimal("99.99")
    failure = failed(plan, document('v="100"'))
    assert (failure.stage.value, failure.reason) == ("mapping", "value_out_of_range")


@pytest.mark.parametrize("length", [-1, "-1", "max"])
def test_a_string_without_limit_keeps_a_100000_character_value_whole(length: object) -> None:
    text = "".join(chr(0x41 + index % 26) for index in range(100_000))
    plan = plan_of(fact("v", "string", data_length=length))
    assert value(plan, document(f'v="  {text}  "'), "facts", "v") == text


def test_a_history_value_without_limit_is_kept_whole() -> None:
    text = "h" * 3000
    plan = plan_of(
        mapping("product", "note", "history", mapping_type=["add_history"], data_length=-1)
    )
    outcome = mapped(plan, document(body=f'<product note="{text}"/>'))
    [row] = rows(plan, outcome, "history")
    assert row["value"] == text


STAMPS = (
    fact("v", "string"),
    fact("stamp", "datetime", default_value="GETUTCDATE()"),
    fact("calculated", "datetime", mapping_type=["calculated_field"], expression="GETUTCDATE()"),
    fact("minute", "smalldatetime", default_value="sysutcdatetime()"),
    fact("day", "date", default_value="GetUtcDate( )"),
)


def test_a_getutcdate_default_is_the_same_instant_as_getutcdate_in_expressions() -> None:
    plan = plan_of(*STAMPS)
    [row] = rows(plan, mapped(plan, document('v="x"')), "facts")
    assert row["stamp"] == row["calculated"] == NOW
    assert row["minute"] == datetime(2030, 1, 2, 3, 4)
    assert row["day"] == date(2030, 1, 2)


def test_the_default_follows_the_document_time_stamp() -> None:
    plan = plan_of(*STAMPS)
    later = datetime(2031, 6, 7, 8, 9, 59, 999999)
    outcome = map_document(plan, 5, document('v="x"'), now=later)
    [row] = rows(plan, outcome, "facts")
    assert row["stamp"] == row["calculated"] == later
    assert row["minute"] == datetime(2031, 6, 7, 8, 10)


def test_a_getutcdate_default_is_not_evidence() -> None:
    plan = plan_of(*STAMPS)
    assert rows(plan, mapped(plan, document('other="y"')), "facts") == []


def test_a_getutcdate_default_fills_a_blank_value_but_not_a_present_one() -> None:
    plan = plan_of(*STAMPS)
    [row] = rows(plan, mapped(plan, document('v="x" stamp="2020-01-01" day=" "')), "facts")
    assert row["stamp"] == datetime(2020, 1, 1)
    assert row["day"] == date(2030, 1, 2)


def test_a_getutcdate_default_fills_a_group_column_another_group_leaves_out() -> None:
    plan = plan_of(
        mapping("app", "a1", "slots", "amount", "int", mapping_type=["add_collateral(1)"]),
        mapping(
            "app",
            "s1",
            "slots",
            "seen",
            "datetime",
            mapping_type=["add_collateral(1)"],
            default_value="GETUTCDATE()",
        ),
        mapping("app", "a2", "slots", "amount", "int", mapping_type=["add_collateral(2)"]),
    )
    outcome = mapped(plan, document('a1="1" a2="2"'))
    assert [row["seen"] for row in rows(plan, outcome, "slots")] == [NOW, NOW]


def test_else_empty_gives_null_and_text_functions_read_the_document() -> None:
    plan = plan_of(
        fact("v", "string"),
        fact(
            "dealer",
            "varchar(10)",
            mapping_type=["calculated_field"],
            expression=(
                "CASE WHEN TRIM(dlr_num_marine) IS NOT EMPTY THEN TRIM(dlr_num_marine) "
                "WHEN TRIM(dlr_num_rv) IS NOT EMPTY THEN TRIM(dlr_num_rv) ELSE EMPTY END"
            ),
        ),
        fact(
            "make",
            "smallint",
            mapping_type=["calculated_field"],
            expression="CASE WHEN app.coll1_make IN ('MERCURY', 'Yamaha') THEN 413 END",
        ),
    )
    [row] = rows(
        plan, mapped(plan, document('v="x" dlr_num_rv=" 0042 " coll1_make="yamaha"')), "facts"
    )
    assert (row["dealer"], row["make"]) == ("0042", 413)
    [row] = rows(plan, mapped(plan, document('v="x" dlr_num_marine=" "')), "facts")
    assert (row["dealer"], row["make"]) == (None, None)
