"""Run-time value rules (spec §14.5, §14.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from xml_migration.contract.expression.semantics import (
    add_days,
    as_text,
    comparable,
    like_matcher,
    naive_utc,
    to_datetime,
    to_number,
)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("Abc", "aBC", ("abc", "abc")),
        ("007", "7", (Decimal(7), Decimal(7))),
        ("007", "x", ("007", "x")),
        (Decimal(1), "1.0", (Decimal(1), Decimal("1.0"))),
        (Decimal(1), "one", None),
        (datetime(2024, 1, 1), "1/1/2024", (datetime(2024, 1, 1), datetime(2024, 1, 1))),
        (datetime(2024, 1, 1), Decimal(1), None),
        ("bad", datetime(2024, 1, 1), None),
    ],
)
def test_comparable(left: object, right: object, expected: tuple | None) -> None:
    assert comparable(left, right) == expected


def test_conversions() -> None:
    assert to_number(" 12.5 ") == Decimal("12.5")
    assert to_number("12 months") is None
    assert to_number(datetime(2024, 1, 1)) is None
    assert to_number(None) is None
    assert to_datetime("2024-01-01") == datetime(2024, 1, 1)
    assert to_datetime(Decimal(1)) is None


def test_like() -> None:
    assert like_matcher("A_%").fullmatch("abc")
    assert not like_matcher("A_%").fullmatch("a")
    assert like_matcher("[a]").fullmatch("[a]")
    assert as_text(Decimal("12.50")) == "12.5"
    assert as_text(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"


def test_add_days() -> None:
    start = datetime(2024, 2, 28, 18, 30)
    assert add_days(Decimal("1.99"), start) == datetime(2024, 2, 29)
    assert add_days(Decimal("-59.5"), start) == datetime(2023, 12, 31)
    assert add_days(Decimal("1E+10"), start) is None
    assert add_days(Decimal(1), datetime(9999, 12, 31)) is None


def test_naive_utc() -> None:
    aware = datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=3)))
    assert naive_utc(aware) == datetime(2023, 12, 31, 22, 0)
    assert naive_utc(datetime(2024, 1, 1, tzinfo=UTC)).tzinfo is None
    assert type(naive_utc(datetime(2024, 1, 1))) is datetime
