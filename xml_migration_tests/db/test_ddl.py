"""DDL: golden text for three dialects, and applied for real on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from xml_migration.contract.compiler import load_plan
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.dbapi import (
    Connector,
    Driver,
    compile_statement,
    identity_insert_sql,
    insert_sql,
)
from xml_migration.db.ddl import create_schema, ddl_statements, ddl_text, drop_schema, reset_schema
from xml_migration.db.dialects import DIALECTS, sql_dialect
from xml_migration.db.loader import open_loader
from xml_migration.db.model import LAYOUTS_TABLE, build_model
from xml_migration.db.processing_log import log_columns
from xml_migration.db.source import insert_source_documents, pending_documents_query
from xml_migration.engine.source_cut import source_cut_for
from xml_migration_tests.contract.legacy_dialect import LEGACY_CONTRACT
from xml_migration_tests.db.schemas import credit_schema, mapped_document, source_document

GOLDEN = Path(__file__).parent / "golden"
COMPAT_CONTRACT = Path(__file__).parents[1] / "compat" / "contract.json"
UPDATE_GOLDEN = os.environ.get("XML_MIGRATION_UPDATE_GOLDEN") == "1"
"""Set to 1 to rewrite the golden files from the current code (then review the diff)."""


def _schemas() -> dict[str, TargetSchema]:
    return {
        "credit": credit_schema(),
        "credit_application": load_plan().target,
        "compat": load_plan(COMPAT_CONTRACT).target,
        "legacy_dialect": load_plan(LEGACY_CONTRACT).target,
    }


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from the generated text"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "schema_name", ["credit", "credit_application", "compat", "legacy_dialect"]
)
def test_ddl_matches_the_golden_file(schema_name: str, dialect: str) -> None:
    assert_golden(f"{schema_name}.{dialect}.sql", ddl_text(_schemas()[schema_name], dialect))


def test_sql_server_insert_statements_match_the_golden_file() -> None:
    """The statements the pyodbc loader sends to SQL Server, including identity inserts."""
    target = credit_schema()
    model = build_model(target, "mssql")
    connector = Connector(Driver.PYODBC, sql_dialect("mssql", paramstyle="qmark"), lambda: None)
    lines = [
        insert_sql(connector, model.table(spec.name), spec.column_names) for spec in target.tables
    ]
    lines.append(insert_sql(connector, model.log, log_columns(model)))
    root = model.table(target.root_table.name)
    lines += [
        identity_insert_sql(connector, root, True),
        identity_insert_sql(connector, root, False),
    ]
    assert_golden("credit.mssql.statements.sql", "".join(f"{line};\n" for line in lines))


def test_tables_are_created_in_insertion_order_with_the_log_last() -> None:
    target = credit_schema()
    statements = ddl_statements(target, "postgresql")
    created = [line.split()[2] for line in statements if line.startswith("CREATE TABLE")]
    expected = [target.source_table, *(spec.name for spec in target.tables), "processing_log"]
    assert created == [f"migration_test.{name}" for name in expected]


def test_sqlite_ignores_the_target_schema() -> None:
    assert "migration_test" not in ddl_text(credit_schema(), "sqlite")


def test_processing_log_has_the_legacy_columns_then_the_extensions() -> None:
    model = build_model(credit_schema(), "mssql")
    assert [column.name for column in model.log.columns] == [
        "log_id",
        "app_id",
        "status",
        "failure_reason",
        "processing_time",
        "session_id",
        "app_id_start",
        "app_id_end",
        "rows_written",
        "partition_key",
        "contract_fingerprint",
    ]


def _schema_of(engine: Engine, target: TargetSchema) -> str | None:
    return None if engine.dialect.name == "sqlite" else target.schema


def test_create_is_idempotent_and_builds_keys(engine: Engine, target: TargetSchema) -> None:
    create_schema(engine, target)
    create_schema(engine, target)
    inspector = inspect(engine)
    schema = _schema_of(engine, target)
    names = set(inspector.get_table_names(schema=schema))
    expected = {"app_xml", "processing_log", LAYOUTS_TABLE, *(spec.name for spec in target.tables)}
    assert names == expected
    address = inspector.get_pk_constraint("app_contact_address", schema=schema)
    assert address["constrained_columns"] == ["con_id", "address_type_enum"]
    (foreign_key,) = inspector.get_foreign_keys("app_contact_address", schema=schema)
    assert foreign_key["referred_table"] == "app_contact_base"
    assert foreign_key["options"].get("ondelete") == "CASCADE"
    (index,) = inspector.get_indexes("processing_log", schema=schema)
    assert index["column_names"] == ["app_id"]
    assert index["unique"]


@pytest.mark.parametrize("schema_name", ["credit_application", "compat"])
def test_contract_tables_are_created_for_real(engine: Engine, schema_name: str) -> None:
    target = _schemas()[schema_name]
    create_schema(engine, target)
    create_schema(engine, target)
    tables = set(inspect(engine).get_table_names(schema=_schema_of(engine, target)))
    assert {spec.name for spec in target.tables} <= tables


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)))


def test_reset_keeps_the_source_documents(engine: Engine, target: TargetSchema) -> None:
    create_schema(engine, target)
    insert_source_documents(engine, target, [(key, source_document(key)) for key in (1, 2, 3)])
    with open_loader(engine, target) as loader:
        loader.load([mapped_document(key) for key in (1, 2, 3)])
    model = build_model(target, engine.dialect.name)
    assert _count(engine, model.table("app_contact_address")) == 12
    reset_schema(engine, target)
    assert [_count(engine, table) for table in (*model.tables, model.log)] == [0] * 6
    assert _count(engine, model.source) == 3
    with open_loader(engine, target) as loader:
        assert len(loader.load([mapped_document(1)]).loaded) == 1


def _source_compression(engine: Engine, target: TargetSchema) -> str:
    """`attcompression` of the source column: 'l' lz4, 'p' pglz, '' the server default."""
    table = f"{target.schema}.{target.source_table}"
    with engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT attcompression FROM pg_attribute "
                "WHERE attrelid = CAST(:table AS regclass) AND attname = :column"
            ),
            {"table": table, "column": target.source_column},
        )


@pytest.mark.integration
def test_postgresql_source_documents_are_compressed_with_lz4(
    pg_engine: Engine, target: TargetSchema
) -> None:
    create_schema(pg_engine, target)
    assert _source_compression(pg_engine, target) == "l"
    large = f"<Provenir>{'<Report>credit history</Report>' * 5_000}</Provenir>"
    insert_source_documents(pg_engine, target, [(1, large)])
    model = build_model(target, "postgresql")
    column = model.source.c[target.source_column]
    with pg_engine.connect() as connection:
        assert connection.scalar(select(func.pg_column_compression(column))) == "lz4"


@pytest.mark.integration
def test_an_existing_source_table_keeps_its_compression(
    pg_engine: Engine, target: TargetSchema
) -> None:
    create_schema(pg_engine, target)
    table = f"{target.schema}.{target.source_table}"
    with pg_engine.begin() as connection:
        connection.exec_driver_sql(
            f"ALTER TABLE {table} ALTER COLUMN {target.source_column} SET COMPRESSION pglz"
        )
    drop_schema(pg_engine, target)
    create_schema(pg_engine, target)
    assert _source_compression(pg_engine, target) == "p"


def test_drop_keeps_the_source_unless_asked(engine: Engine, target: TargetSchema) -> None:
    create_schema(engine, target)
    drop_schema(engine, target)
    schema = _schema_of(engine, target)
    assert inspect(engine).get_table_names(schema=schema) == ["app_xml"]
    drop_schema(engine, target, include_source=True)
    assert inspect(engine).get_table_names(schema=schema) == []


@pytest.mark.integration
def test_concurrent_creation_of_the_schema_succeeds_once(
    pg_engine: Engine, target: TargetSchema
) -> None:
    """Two steps creating the schema at the same time both succeed (no duplicate CREATE)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: create_schema(pg_engine, target), range(4)))
    assert results == [None] * 4
    assert inspect(pg_engine).has_table(target.root_table.name, schema=target.schema)


def test_sql_server_source_cut_query_matches_the_golden_file() -> None:
    """The pending-documents query with the shipped contract's source cut, as pyodbc sends it
    to SQL Server: its text and its parameters."""
    plan = load_plan()
    cut = source_cut_for(plan)
    assert cut is not None
    connector = Connector(Driver.PYODBC, sql_dialect("mssql", paramstyle="qmark"), lambda: None)
    query = pending_documents_query(build_model(plan.target, "mssql"), 1, 1000, cut=cut)
    sql, params = compile_statement(connector, query)
    assert_golden("credit_application.mssql.source_cut.sql", f"{sql};\n-- {params!r}\n")
