"""Schema evolution: columns a new contract adds, and the log's fingerprint column, are
added to existing tables by `create_schema`; the SQL Server text is a golden file."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, inspect, text

from xml_migration.contract.tables import ColumnSpec, DataType, TargetSchema
from xml_migration.db.ddl import add_column_statement, create_schema
from xml_migration.db.dialects import DIALECTS
from xml_migration.db.model import LOG, build_model
from xml_migration.db.reflection import SchemaMismatchError
from xml_migration_tests.db.schemas import credit_schema
from xml_migration_tests.db.test_ddl import assert_golden

NEW_COLUMN = ColumnSpec("loyalty_tier", DataType.STRING, length=12)


def with_new_column(target: TargetSchema) -> TargetSchema:
    """`target` whose root table has one more nullable column."""
    root = target.table("app_base")
    tables = tuple(
        replace(table, columns=(*table.columns, NEW_COLUMN)) if table is root else table
        for table in target.tables
    )
    return replace(target, tables=tables)


def _columns(engine: Engine, target: TargetSchema, table: str) -> list[str]:
    schema = None if engine.dialect.name == "sqlite" else target.schema
    return [column["name"] for column in inspect(engine).get_columns(table, schema=schema)]


def test_a_log_table_without_the_fingerprint_column_gets_it(
    engine: Engine, target: TargetSchema
) -> None:
    create_schema(engine, target)
    model = build_model(target, engine.dialect.name)
    table = engine.dialect.identifier_preparer.format_table(model.log)
    with engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {LOG.contract_fingerprint}"))
    assert LOG.contract_fingerprint not in _columns(engine, target, model.log.name)
    create_schema(engine, target)
    assert _columns(engine, target, model.log.name)[-1] == LOG.contract_fingerprint


def test_a_column_the_new_contract_adds_is_added_nullable(
    engine: Engine, target: TargetSchema
) -> None:
    create_schema(engine, target)
    evolved = with_new_column(target)
    create_schema(engine, evolved)
    create_schema(engine, evolved)
    schema = None if engine.dialect.name == "sqlite" else target.schema
    columns = {c["name"]: c for c in inspect(engine).get_columns("app_base", schema=schema)}
    assert list(columns)[-1] == NEW_COLUMN.name
    assert columns[NEW_COLUMN.name]["nullable"]


def test_a_missing_key_column_is_not_added(engine: Engine, target: TargetSchema) -> None:
    create_schema(engine, target)
    root = target.table("app_base")
    narrowed = replace(
        root, columns=(*root.columns, ColumnSpec("branch", DataType.INT, nullable=False))
    )
    evolved = replace(target, tables=(narrowed, *target.tables[1:]))
    with pytest.raises(SchemaMismatchError, match=r"app_base\.branch: column does not exist"):
        create_schema(engine, evolved)
    assert "branch" not in _columns(engine, target, "app_base")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_add_column_statements_match_the_golden_file(dialect: str) -> None:
    model = build_model(with_new_column(credit_schema()), dialect)
    statements = [
        add_column_statement(model.table("app_base"), NEW_COLUMN.name, dialect),
        add_column_statement(model.log, LOG.contract_fingerprint, dialect),
    ]
    assert_golden(f"credit.{dialect}.add_columns.sql", "".join(f"{s};\n" for s in statements))
