"""Schema evolution: columns a new contract adds, and the log's fingerprint column, are
added to existing tables by `create_schema`; the SQL Server text is a golden file."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, inspect, text

from xml_migration.contract.tables import ColumnSpec, DataType, TableSpec, TargetSchema
from xml_migration.db.ddl import add_column_statement, create_schema
from xml_migration.db.dialects import DIALECTS
from xml_migration.db.loader import open_loader
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


def _with_column(target: TargetSchema, table: str, column: ColumnSpec) -> TargetSchema:
    spec = target.table(table)
    columns = tuple(column if c.name == column.name else c for c in spec.columns)
    return _with_table(target, replace(spec, columns=columns))


def _with_table(target: TargetSchema, spec: TableSpec) -> TargetSchema:
    return replace(target, tables=tuple(spec if t.name == spec.name else t for t in target.tables))


def _apply(engine: Engine, error: SchemaMismatchError) -> None:
    """Run the DDL the report names, as an operator would."""
    with engine.begin() as connection:
        for mismatch in error.mismatches:
            ddl = mismatch.problem.split("apply it with: ", 1)[1]
            for statement in ddl.split("; "):
                connection.exec_driver_sql(statement)


def test_a_narrowed_type_is_reported_and_blocks_loading(pg_engine: Engine) -> None:
    target = credit_schema()
    create_schema(pg_engine, target)
    narrowed = _with_column(
        target, "app_base", ColumnSpec("product_line", DataType.STRING, length=8)
    )
    with pytest.raises(SchemaMismatchError) as report:
        create_schema(pg_engine, narrowed)
    (mismatch,) = report.value.mismatches
    assert str(mismatch) == (
        "app_base.product_line: the contract changes this (length changed product_line: "
        "string(20) -> string(8)), which is not applied to existing tables automatically; "
        "apply it with: ALTER TABLE migration_test.app_base ALTER COLUMN product_line TYPE "
        "VARCHAR(8) USING left(product_line, 8)"
    )
    with pytest.raises(SchemaMismatchError, match="product_line"):
        open_loader(pg_engine, narrowed)
    with pg_engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO migration_test.app_base (app_id, product_line) VALUES (1, 'longer than 8')"
        )
    _apply(pg_engine, report.value)
    create_schema(pg_engine, narrowed)
    open_loader(pg_engine, narrowed).close()
    with pg_engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT product_line FROM migration_test.app_base")
        assert stored.scalar() == "longer t"


def test_a_widened_type_the_column_already_holds_needs_nothing(pg_engine: Engine) -> None:
    target = credit_schema()
    create_schema(pg_engine, target)
    wide = _with_column(target, "app_base", ColumnSpec("product_line", DataType.STRING, length=8))
    with pg_engine.begin() as connection:
        connection.exec_driver_sql(
            "ALTER TABLE migration_test.app_base ALTER COLUMN product_line TYPE VARCHAR(8)"
        )
    create_schema(pg_engine, wide)
    with pytest.raises(SchemaMismatchError, match="ALTER COLUMN product_line TYPE VARCHAR\\(20\\)"):
        create_schema(pg_engine, target)


def test_a_removed_column_is_reported_until_dropped(engine: Engine, target: TargetSchema) -> None:
    create_schema(engine, target)
    root = target.table("app_base")
    without = _with_table(
        target, replace(root, columns=tuple(c for c in root.columns if c.name != "comments"))
    )
    with pytest.raises(SchemaMismatchError, match="column removed comments") as report:
        create_schema(engine, without)
    assert "DROP COLUMN comments" in str(report.value)
    with pytest.raises(SchemaMismatchError):
        open_loader(engine, without)
    _apply(engine, report.value)
    create_schema(engine, without)
    assert "comments" not in _columns(engine, target, "app_base")


def test_a_changed_key_is_reported_with_the_constraint_to_replace(pg_engine: Engine) -> None:
    target = credit_schema()
    create_schema(pg_engine, target)
    scores = target.table("scores")
    rekeyed = _with_table(target, replace(scores, primary_key=("score_identifier", "app_id")))
    with pytest.raises(SchemaMismatchError) as report:
        create_schema(pg_engine, rekeyed)
    assert "key changed: (app_id, score_identifier) -> (score_identifier, app_id)" in str(
        report.value
    )
    assert (
        "ALTER TABLE migration_test.scores DROP CONSTRAINT pk_scores; ALTER TABLE "
        "migration_test.scores ADD CONSTRAINT pk_scores PRIMARY KEY (score_identifier, app_id)"
    ) in str(report.value)
    _apply(pg_engine, report.value)
    create_schema(pg_engine, rekeyed)


def test_the_contact_table_gets_its_application_key_index(
    engine: Engine, target: TargetSchema
) -> None:
    create_schema(engine, target)
    schema = None if engine.dialect.name == "sqlite" else target.schema
    prefix = "" if schema is None else f"{schema}."
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {prefix}ix_app_contact_base_app_id"))
    assert inspect(engine).get_indexes("app_contact_base", schema=schema) == []
    create_schema(engine, target)
    create_schema(engine, target)
    (index,) = inspect(engine).get_indexes("app_contact_base", schema=schema)
    assert index["column_names"] == ["app_id"]
