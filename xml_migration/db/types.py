"""SQL types of contract columns (spec §16.2), one SQLAlchemy type compiling for every dialect.

The spec names SQL Server types; PostgreSQL and SQLite get the equivalent. A `sql_type`
override from the contract's `tables` block is parsed into the same vocabulary so that it
compiles on every dialect too; another type name made of letters, digits and a parenthesised
argument list is emitted verbatim, anything else is rejected.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import types as sa
from sqlalchemy.dialects import mssql, postgresql

from xml_migration.contract.tables import ColumnSpec, DataType

SQL_TYPE_PATTERN = re.compile(
    r"^\s*(?P<name>[A-Za-z][A-Za-z0-9_ ]*?)\s*(?:\(\s*(?P<args>[A-Za-z0-9_, ]*)\s*\))?\s*$"
)


def _bit() -> sa.TypeEngine[Any]:
    return sa.SmallInteger().with_variant(mssql.BIT(), "mssql")


def _tinyint() -> sa.TypeEngine[Any]:
    return sa.SmallInteger().with_variant(mssql.TINYINT(), "mssql")


def _datetime(precision: int) -> sa.TypeEngine[Any]:
    return (
        sa.DateTime()
        .with_variant(mssql.DATETIME2(precision=precision), "mssql")
        .with_variant(postgresql.TIMESTAMP(precision=precision), "postgresql")
    )


def _smalldatetime() -> sa.TypeEngine[Any]:
    return (
        sa.DateTime()
        .with_variant(mssql.SMALLDATETIME(), "mssql")
        .with_variant(postgresql.TIMESTAMP(precision=0), "postgresql")
    )


def _nvarchar(length: int | None) -> sa.TypeEngine[Any]:
    if length is None:
        return unbounded_text()
    return sa.Unicode(length)


def unbounded_text() -> sa.TypeEngine[Any]:
    """`NVARCHAR(MAX)` on SQL Server, `TEXT` elsewhere."""
    return sa.UnicodeText().with_variant(mssql.NVARCHAR(), "mssql")


def _date() -> sa.TypeEngine[Any]:
    return sa.Date().with_variant(mssql.DATE(), "mssql")


def column_type(column: ColumnSpec) -> sa.TypeEngine[Any]:
    """The SQL type of a contract column: its `sql_type` override, else the inferred type."""
    if column.sql_type:
        return parse_sql_type(column.sql_type)
    match column.data_type:
        case DataType.STRING:
            return _nvarchar(column.length)
        case DataType.INT:
            return sa.Integer()
        case DataType.SMALLINT:
            return sa.SmallInteger()
        case DataType.TINYINT:
            return _tinyint()
        case DataType.BIGINT:
            return sa.BigInteger()
        case DataType.DECIMAL:
            return sa.DECIMAL(column.precision, column.scale)
        case DataType.BIT:
            return _bit()
        case DataType.DATETIME:
            return _datetime(6)
        case DataType.SMALLDATETIME:
            return _smalldatetime()
        case DataType.DATE:
            return _date()
    raise ValueError(f"column {column.name}: no SQL type for data_type {column.data_type}")


def key_type(data_type: DataType) -> sa.TypeEngine[Any]:
    """The SQL type of a key column of this data type (source key, processing log key)."""
    return column_type(ColumnSpec(name="key", data_type=data_type))


class VerbatimType(sa.UserDefinedType[Any]):
    """A type name outside the known vocabulary, emitted as written in the contract."""

    cache_ok = True

    def __init__(self, text: str) -> None:
        self.text = text

    def get_col_spec(self, **_kw: Any) -> str:
        return self.text


def parse_sql_type(text: str) -> sa.TypeEngine[Any]:
    """A SQL Server type name such as `CHAR(2)`, `NVARCHAR(MAX)` or `DECIMAL(12,4)`."""
    match = SQL_TYPE_PATTERN.match(text)
    if match is None:
        raise ValueError(f"sql_type {text!r} is not a SQL type name")
    name = " ".join(match["name"].upper().split())
    args = [arg.strip().upper() for arg in (match["args"] or "").split(",") if arg.strip()]
    numbers = [int(arg) for arg in args if arg.isdigit()]
    unbounded = args == ["MAX"]
    if name in ("CHAR", "NCHAR") and len(numbers) == len(args) <= 1:
        length = numbers[0] if numbers else 1
        return sa.CHAR(length) if name == "CHAR" else sa.NCHAR(length)
    if name in ("VARCHAR", "NVARCHAR") and (unbounded or len(numbers) == len(args) == 1):
        if name == "VARCHAR":
            return (
                sa.Text().with_variant(mssql.VARCHAR(), "mssql")
                if unbounded
                else sa.String(numbers[0])
            )
        return _nvarchar(None if unbounded else numbers[0])
    if name in ("TEXT", "NTEXT") and not args:
        return sa.Text() if name == "TEXT" else unbounded_text()
    if name in ("DECIMAL", "NUMERIC") and len(numbers) == len(args) <= 2:
        precision = numbers[0] if numbers else 18
        scale = numbers[1] if len(numbers) == 2 else 0
        return sa.DECIMAL(precision, scale)
    if name == "DATETIME2" and len(numbers) == len(args) <= 1:
        return _datetime(numbers[0] if numbers else 7)
    if not args:
        simple = {
            "INT": sa.Integer,
            "INTEGER": sa.Integer,
            "SMALLINT": sa.SmallInteger,
            "TINYINT": _tinyint,
            "BIGINT": sa.BigInteger,
            "BIT": _bit,
            "DATE": _date,
            "DATETIME": sa.DateTime,
            "SMALLDATETIME": _smalldatetime,
            "FLOAT": sa.Float,
            "REAL": sa.REAL,
        }.get(name)
        if simple is not None:
            return simple()
    return VerbatimType(text.strip())
