"""Target types of `CAST(x AS t)` (spec §14.10) and the conversions they perform."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal

from xml_migration.contract.data_types import MAX_DECIMAL_PRECISION
from xml_migration.contract.expression.nodes import TypeName
from xml_migration.contract.expression.semantics import to_number
from xml_migration.contract.tables import ColumnSpec, DataType
from xml_migration.contract.values import (
    ConversionFailed,
    ValueOutOfRange,
    make_converter,
)

_DEFAULT_DECIMAL = ColumnSpec(name="cast", data_type=DataType.DECIMAL)
_DATA_TYPES = frozenset(data_type.value for data_type in DataType)


def cast_column(target: TypeName) -> ColumnSpec | None:
    """The column type a CAST converts to; None for `float` (a number, not rounded).

    Raises ValueError with a readable message for an unknown type or wrong arguments.
    """
    name, arguments = target.name, target.arguments
    if name in ("varchar", "nvarchar"):
        if len(arguments) != 1 or arguments[0] < 1:
            raise ValueError(f"{name} needs one positive length, as in {name}(50)")
        return ColumnSpec(name="cast", data_type=DataType.STRING, length=arguments[0])
    if name in ("decimal", "numeric"):
        if not arguments:
            return _DEFAULT_DECIMAL
        precision = arguments[0]
        scale = arguments[1] if len(arguments) == 2 else 0
        if len(arguments) > 2 or not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
            raise ValueError(f"{name} takes (precision[, scale]), 0 <= scale <= precision <= 38")
        return ColumnSpec(name="cast", data_type=DataType.DECIMAL, precision=precision, scale=scale)
    if name == "float" or name in _DATA_TYPES:
        if arguments:
            raise ValueError(f"type {name} takes no arguments")
        return None if name == "float" else ColumnSpec(name="cast", data_type=DataType(name))
    raise ValueError(
        f"unknown type {name!r}; expected one of {', '.join(sorted(_DATA_TYPES))}, "
        "varchar(n), nvarchar(n), decimal(p,s), numeric(p,s) or float"
    )


def make_cast(target: TypeName, boolean_to_bit: Mapping[str, int]) -> Callable[[object], object]:
    """A function converting an expression value to `target`; NULL when it does not convert.

    Integers and bits become numbers, `date` becomes a date-time at midnight, so that the
    result is again an expression value (§14.5).
    """
    column = cast_column(target)
    if column is None:
        return to_number
    convert = make_converter(column, boolean_to_bit)

    def cast(value: object) -> object:
        try:
            result = convert(value)
        except (ConversionFailed, ValueOutOfRange):
            return None
        if type(result) is int:
            return Decimal(result)
        if type(result) is date:
            return datetime(result.year, result.month, result.day)
        return result

    return cast
