"""SQL types of contract columns on every dialect, and `sql_type` overrides."""

from __future__ import annotations

import pytest

from xml_migration.contract.tables import ColumnSpec, DataType
from xml_migration.db.dialects import sql_dialect
from xml_migration.db.types import column_type, parse_sql_type

INFERRED = [
    # data_type, length/scale, sqlite, postgresql, mssql
    (ColumnSpec("c", DataType.STRING, length=40), "VARCHAR(40)", "VARCHAR(40)", "NVARCHAR(40)"),
    (ColumnSpec("c", DataType.STRING), "TEXT", "TEXT", "NVARCHAR(max)"),
    (ColumnSpec("c", DataType.INT), "INTEGER", "INTEGER", "INTEGER"),
    (ColumnSpec("c", DataType.SMALLINT), "SMALLINT", "SMALLINT", "SMALLINT"),
    (ColumnSpec("c", DataType.TINYINT), "SMALLINT", "SMALLINT", "TINYINT"),
    (ColumnSpec("c", DataType.BIGINT), "BIGINT", "BIGINT", "BIGINT"),
    (ColumnSpec("c", DataType.BIT), "SMALLINT", "SMALLINT", "BIT"),
    (
        ColumnSpec("c", DataType.DECIMAL, scale=4),
        "DECIMAL(18, 4)",
        "DECIMAL(18, 4)",
        "DECIMAL(18, 4)",
    ),
    (
        ColumnSpec("c", DataType.DATETIME),
        "DATETIME",
        "TIMESTAMP(6) WITHOUT TIME ZONE",
        "DATETIME2(6)",
    ),
    (
        ColumnSpec("c", DataType.SMALLDATETIME),
        "DATETIME",
        "TIMESTAMP(0) WITHOUT TIME ZONE",
        "SMALLDATETIME",
    ),
    (ColumnSpec("c", DataType.DATE), "DATE", "DATE", "DATE"),
]


@pytest.mark.parametrize(("column", "sqlite", "postgresql", "mssql"), INFERRED)
def test_inferred_types_compile_on_every_dialect(
    column: ColumnSpec, sqlite: str, postgresql: str, mssql: str
) -> None:
    compiled = {
        name: column_type(column).compile(dialect=sql_dialect(name))
        for name in ("sqlite", "postgresql", "mssql")
    }
    assert compiled == {"sqlite": sqlite, "postgresql": postgresql, "mssql": mssql}


OVERRIDES = [
    ("CHAR(2)", "CHAR(2)", "CHAR(2)"),
    ("nvarchar(30)", "VARCHAR(30)", "NVARCHAR(30)"),
    ("NVARCHAR(MAX)", "TEXT", "NVARCHAR(max)"),
    ("VARCHAR(MAX)", "TEXT", "VARCHAR(max)"),
    ("decimal(12, 4)", "DECIMAL(12, 4)", "DECIMAL(12, 4)"),
    ("DATETIME2(3)", "TIMESTAMP(3) WITHOUT TIME ZONE", "DATETIME2(3)"),
    ("TINYINT", "SMALLINT", "TINYINT"),
    ("MONEY", "MONEY", "MONEY"),
]


@pytest.mark.parametrize(("text", "postgresql", "mssql"), OVERRIDES)
def test_sql_type_overrides_compile_on_every_dialect(
    text: str, postgresql: str, mssql: str
) -> None:
    type_ = parse_sql_type(text)
    assert type_.compile(dialect=sql_dialect("postgresql")) == postgresql
    assert type_.compile(dialect=sql_dialect("mssql")) == mssql


def test_a_column_override_replaces_the_inferred_type() -> None:
    column = ColumnSpec("state", DataType.STRING, length=2, sql_type="CHAR(2)")
    assert column_type(column).compile(dialect=sql_dialect("mssql")) == "CHAR(2)"


@pytest.mark.parametrize("text", ["INT; DROP TABLE app_base", "VARCHAR(10) --", "CHAR('x')", ""])
def test_an_override_that_is_not_a_type_name_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="not a SQL type name"):
        parse_sql_type(text)
