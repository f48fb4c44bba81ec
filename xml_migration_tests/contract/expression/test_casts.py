"""CAST target types (spec §14.10)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from xml_migration.contract.expression.casts import cast_column, make_cast
from xml_migration.contract.expression.nodes import TypeName
from xml_migration.contract.tables import DataType


@pytest.mark.parametrize(
    ("target", "data_type", "length", "precision", "scale"),
    [
        (TypeName("string"), DataType.STRING, None, 18, 2),
        (TypeName("varchar", (20,)), DataType.STRING, 20, 18, 2),
        (TypeName("nvarchar", (1,)), DataType.STRING, 1, 18, 2),
        (TypeName("decimal"), DataType.DECIMAL, None, 18, 2),
        (TypeName("decimal", (10,)), DataType.DECIMAL, None, 10, 0),
        (TypeName("numeric", (38, 38)), DataType.DECIMAL, None, 38, 38),
        (TypeName("tinyint"), DataType.TINYINT, None, 18, 2),
        (TypeName("smalldatetime"), DataType.SMALLDATETIME, None, 18, 2),
    ],
)
def test_columns(
    target: TypeName, data_type: DataType, length: int | None, precision: int, scale: int
) -> None:
    column = cast_column(target)
    assert column is not None
    assert (column.data_type, column.length, column.precision, column.scale) == (
        data_type,
        length,
        precision,
        scale,
    )


def test_float_has_no_column() -> None:
    assert cast_column(TypeName("float")) is None


@pytest.mark.parametrize(
    "target",
    [
        TypeName("money"),
        TypeName("varchar"),
        TypeName("varchar", (0,)),
        TypeName("varchar", (1, 2)),
        TypeName("decimal", (0,)),
        TypeName("decimal", (39, 2)),
        TypeName("decimal", (5, 6)),
        TypeName("decimal", (5, 2, 1)),
        TypeName("float", (53,)),
        TypeName("date", (1,)),
    ],
)
def test_invalid_targets(target: TypeName) -> None:
    with pytest.raises(ValueError):
        cast_column(target)


def test_results_are_expression_values() -> None:
    assert make_cast(TypeName("int"), {})("4.5") == Decimal(5)
    assert make_cast(TypeName("bit"), {"on": 1})("ON") == Decimal(1)
    assert make_cast(TypeName("date"), {})(datetime(2024, 1, 2, 3, 4)) == datetime(2024, 1, 2)
    assert make_cast(TypeName("float"), {})("-0.125") == Decimal("-0.125")
    assert make_cast(TypeName("string"), {})("   ") is None
    assert make_cast(TypeName("tinyint"), {})(Decimal("-1")) is None
