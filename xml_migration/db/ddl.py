"""DDL of a contract's tables: create, drop, reset, and the DDL text per dialect."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, inspect, text
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateSchema, CreateTable, DropTable

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import dialect_name
from xml_migration.db.dialects import sql_dialect
from xml_migration.db.model import DatabaseModel, build_model
from xml_migration.db.reflection import (
    SchemaMismatch,
    SchemaMismatchError,
    inspect_existing_tables,
)
from xml_migration.db.schema_history import check_layout, record_layout

log = logging.getLogger(__name__)


def ddl_statements(target: TargetSchema, dialect: str) -> list[str]:
    """The statements creating every table of `target` on `dialect`, in creation order.

    Schema (PostgreSQL, SQL Server), source table, target tables in insertion order, the
    processing log and its index.
    """
    model = build_model(target, dialect)
    compiler_dialect = sql_dialect(dialect)
    statements: list[Any] = []
    if model.source.schema:
        statements.append(CreateSchema(model.source.schema))
    for table in (model.source, *model.tables, model.log):
        statements.append(CreateTable(table))
        statements.extend(CreateIndex(index) for index in sorted(table.indexes, key=str))
    return [str(statement.compile(dialect=compiler_dialect)).strip() for statement in statements]


def ddl_text(target: TargetSchema, dialect: str) -> str:
    """`ddl_statements` as one SQL script."""
    return "".join(f"{statement};\n\n" for statement in ddl_statements(target, dialect))


def add_column_statement(table: Table, column: str, dialect: str) -> str:
    """`ALTER TABLE … ADD column type` adding a nullable column of `table` on `dialect`."""
    compiler_dialect = sql_dialect(dialect)
    name = compiler_dialect.identifier_preparer.format_table(table)
    definition = str(CreateColumn(table.c[column]).compile(dialect=compiler_dialect)).strip()
    return f"ALTER TABLE {name} ADD {definition}"


def lz4_available(connection: Connection) -> bool:
    """Whether the PostgreSQL server can compress values with lz4 (version 14 or later,
    built with lz4)."""
    values = connection.scalar(
        text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    )
    return "lz4" in (values or ())


def _compress_source_with_lz4(connection: Connection, model: DatabaseModel) -> None:
    preparer = connection.dialect.identifier_preparer
    table = preparer.format_table(model.source)
    column = preparer.quote(model.target.source_column)
    connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


SCHEMA_LOCK = "xml_migration_create_schema"
"""Name of the lock that makes concurrent `create_schema` calls wait for each other."""


def _serialize_schema_changes(connection: Connection, dialect: str) -> None:
    """Hold a transaction-scoped lock, so that steps creating the schema at the same time
    (say a mock-data step and a target-schema step) do not both find a table missing and
    both create it. SQLite serializes writers itself."""
    if dialect == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": SCHEMA_LOCK}
        )
    elif dialect == "mssql":
        connection.execute(
            text(
                "EXEC sp_getapplock @Resource = :name, @LockMode = 'Exclusive', "
                "@LockOwner = 'Transaction'"
            ),
            {"name": SCHEMA_LOCK},
        )


def _missing_nullable_columns(
    engine: Engine, target: TargetSchema, model: DatabaseModel
) -> list[SchemaMismatch]:
    """The columns `create_schema` may add to existing tables; raises `SchemaMismatchError`
    when any other incompatibility exists (then nothing is added)."""
    try:
        inspect_existing_tables(engine, target)
    except SchemaMismatchError as error:
        if all(m.addable and m.table != model.source.name for m in error.mismatches):
            return error.mismatches
        raise
    return []


def _add_columns(engine: Engine, model: DatabaseModel, missing: list[SchemaMismatch]) -> None:
    """Add the `missing` columns, each unless a concurrent caller added it first."""
    tables = {table.name: table for table in (*model.tables, model.log)}
    with engine.begin() as connection:
        _serialize_schema_changes(connection, model.dialect)
        inspector = inspect(connection)
        present = {
            (name, column["name"])
            for name in {mismatch.table for mismatch in missing}
            for column in inspector.get_columns(name, schema=model.log.schema)
        }
        for mismatch in missing:
            if mismatch.column is None or (mismatch.table, mismatch.column) in present:
                continue
            statement = add_column_statement(tables[mismatch.table], mismatch.column, model.dialect)
            connection.exec_driver_sql(statement)
            log.info("added column %s.%s", mismatch.table, mismatch.column)


def _add_missing_indexes(engine: Engine, model: DatabaseModel) -> None:
    """Create the target tables' indexes that existing tables lack (an index, or the
    primary key, starting with the same columns counts)."""
    with engine.begin() as connection:
        _serialize_schema_changes(connection, model.dialect)
        inspector = inspect(connection)
        for table in model.tables:
            found = [
                tuple(index["column_names"])
                for index in inspector.get_indexes(table.name, schema=table.schema)
            ]
            found.append(
                tuple(
                    inspector.get_pk_constraint(table.name, schema=table.schema).get(
                        "constrained_columns"
                    )
                    or ()
                )
            )
            for index in table.indexes:
                columns = tuple(column.name for column in index.columns)
                if not any(existing[: len(columns)] == columns for existing in found):
                    index.create(connection)
                    log.info("created index %s", index.name)


def create_schema(engine: Engine, target: TargetSchema) -> None:
    """Create the schema and every missing table; check the tables that already exist.

    Columns the contract adds to existing tables (and the log's extension columns) are
    added with `ALTER TABLE … ADD`, nullable, and missing indexes of target tables are
    created; the contract's table layout is recorded, and
    changes of it that cannot be applied safely (a column removed, a type narrowed, a key
    changed) raise `SchemaMismatchError` with the DDL to apply them, until the tables show
    them applied. On PostgreSQL a source table created here
    compresses its documents with lz4 when the server can (reading them costs less CPU
    than with the default pglz); an existing one is left as it is. Idempotent. Raises
    `SchemaMismatchError` listing every other incompatibility of existing tables with the
    contract, without changing them.
    """
    model = build_model(target, dialect_name(engine))
    with engine.begin() as connection:
        _serialize_schema_changes(connection, model.dialect)
        schema = model.source.schema
        if schema and not inspect(connection).has_schema(schema):
            connection.execute(CreateSchema(schema))
        new_source = not inspect(connection).has_table(model.source.name, schema=schema)
        model.metadata.create_all(connection, checkfirst=True)
        if new_source and model.dialect == "postgresql" and lz4_available(connection):
            _compress_source_with_lz4(connection, model)
    check_layout(engine, model)
    missing = _missing_nullable_columns(engine, target, model)
    if missing:
        _add_columns(engine, model, missing)
        inspect_existing_tables(engine, target)
    _add_missing_indexes(engine, model)
    with engine.begin() as connection:
        _serialize_schema_changes(connection, model.dialect)
        record_layout(connection, model)


def drop_schema(engine: Engine, target: TargetSchema, *, include_source: bool = False) -> None:
    """Drop the processing log and the target tables (children first); the source table
    only when `include_source`. Missing tables are ignored."""
    model = build_model(target, dialect_name(engine))
    tables = [model.layouts, model.log, *reversed(model.tables)]
    if include_source:
        tables.append(model.source)
    with engine.begin() as connection:
        for table in tables:
            connection.execute(DropTable(table, if_exists=True))


def reset_schema(engine: Engine, target: TargetSchema) -> None:
    """Delete every migrated row and every processing log row; keep the source documents.

    Only tables that pass the check `create_schema` makes are touched: a table of the same
    name that cannot be the contract's (missing or incompatible columns) stops the reset
    before anything is deleted, with a `SchemaMismatchError` naming it. PostgreSQL truncates
    all of them in one statement; elsewhere rows are deleted table by table, the log first,
    then children before parents.
    """
    inspect_existing_tables(engine, target)
    model = build_model(target, dialect_name(engine))
    tables = [model.log, *reversed(model.tables)]
    with engine.begin() as connection:
        if model.dialect == "postgresql":
            preparer = connection.dialect.identifier_preparer
            names = ", ".join(preparer.format_table(table) for table in tables)
            connection.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY"))
        else:
            for table in tables:
                connection.execute(delete(table))
    log.info("reset %d tables", len(tables))
