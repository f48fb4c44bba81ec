"""Existing target tables: loading into them, and every incompatibility reported at once."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    DECIMAL,
    BigInteger,
    Column,
    Computed,
    DateTime,
    Engine,
    Identity,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    inspect,
    select,
)
from sqlalchemy.schema import CreateSchema

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.ddl import create_schema
from xml_migration.db.loader import load_batch, open_loader
from xml_migration.db.reflection import SchemaMismatchError, inspect_existing_tables
from xml_migration.db.writers import LoadMethod
from xml_migration_tests.db.schemas import mapped_document

MIGRATION_SCHEMA = "migration_test"


def _metadata(engine: Engine) -> MetaData:
    schema = None if engine.dialect.name == "sqlite" else MIGRATION_SCHEMA
    if schema:
        with engine.begin() as connection:
            if not inspect(connection).has_schema(schema):
                connection.execute(CreateSchema(schema))
    return MetaData(schema=schema)


def _legacy_app_base(
    metadata: MetaData, *, identity_key: bool = False, computed_comments: bool = False
) -> Table:
    """app_base as a legacy database has it: wider types, extra defaulted columns."""
    key = (
        Column("app_id", Integer, Identity(always=True), primary_key=True)
        if identity_key
        else Column("app_id", BigInteger, primary_key=True, autoincrement=False)
    )
    return Table(
        "app_base",
        metadata,
        key,
        Column("app_receive_date", DateTime),
        Column("product_line", String(100)),
        Column("requested_amount", DECIMAL(20, 4)),
        Column("decision_date", DateTime),
        Column("channel_code", Integer),
        Column("priority", Integer),
        Column("external_ref", BigInteger),
        Column(
            "comments", Text, Computed("note || '!'", persisted=True) if computed_comments else None
        ),
        Column("loaded_at", DateTime, server_default=func.current_timestamp()),
        Column("note", String(20)),
    )


def test_loading_into_existing_tables_writes_only_contract_columns(
    engine: Engine, target: TargetSchema
) -> None:
    metadata = _metadata(engine)
    app_base = _legacy_app_base(metadata)
    metadata.create_all(engine)
    create_schema(engine, target)
    result = load_batch(engine, target, [mapped_document(1), mapped_document(2)])
    assert result.loaded == [1, 2]
    with engine.connect() as connection:
        rows = connection.execute(select(app_base).order_by(app_base.c.app_id)).mappings().all()
    assert [row["app_id"] for row in rows] == [1, 2]
    assert all(row["loaded_at"] is not None and row["note"] is None for row in rows)


def test_every_incompatibility_is_reported_before_loading(
    engine: Engine, target: TargetSchema
) -> None:
    metadata = _metadata(engine)
    Table(
        "app_base",
        metadata,
        Column("app_id", Integer, primary_key=True, autoincrement=False),
        Column("app_receive_date", DateTime),
        Column("product_line", String(10)),
        Column("requested_amount", String(30)),
        Column("decision_date", DateTime),
        Column("channel_code", Integer),
        Column("priority", Integer),
        Column("external_ref", Integer),
    )
    metadata.create_all(engine)
    with pytest.raises(SchemaMismatchError) as raised:
        open_loader(engine, target)
    problems = {str(mismatch) for mismatch in raised.value.mismatches}
    expected = {
        "app_base.comments: column does not exist",
        "app_xml: table does not exist",
        "app_contact_base: table does not exist",
        "app_operational: table does not exist",
        "app_contact_address: table does not exist",
        "scores: table does not exist",
        "processing_log: table does not exist",
    }
    if engine.dialect.name == "sqlite":
        expected.add("app_base.requested_amount: type VARCHAR(30) cannot hold DECIMAL(18, 2)")
    else:
        expected |= {
            "app_base.requested_amount: type VARCHAR(30) cannot hold DECIMAL(18, 2)",
            "app_base.product_line: type VARCHAR(10) cannot hold VARCHAR(20)",
            "app_base.external_ref: type INTEGER cannot hold BIGINT",
        }
    assert problems == expected
    assert str(raised.value).startswith(f"{len(expected)} incompatibilities")
    with pytest.raises(SchemaMismatchError):
        create_schema(engine, target)
    assert inspect(engine).get_table_names(schema=metadata.schema) != []


@pytest.mark.integration
@pytest.mark.parametrize("method", [LoadMethod.COPY, LoadMethod.EXECUTEMANY])
def test_an_identity_key_column_takes_the_document_key(
    pg_engine: Engine, target: TargetSchema, method: LoadMethod
) -> None:
    """Spec §10.3.8: keys are written as they are, also into identity columns."""
    metadata = _metadata(pg_engine)
    _legacy_app_base(metadata, identity_key=True)
    metadata.create_all(pg_engine)
    create_schema(pg_engine, target)
    assert inspect_existing_tables(pg_engine, target).identity_columns == {
        "app_base": frozenset({"app_id"})
    }
    with open_loader(pg_engine, target, method=method) as loader:
        assert loader.load([mapped_document(70_001)]).loaded == [70_001]


@pytest.mark.integration
def test_a_computed_column_cannot_be_a_contract_column(
    pg_engine: Engine, target: TargetSchema
) -> None:
    metadata = _metadata(pg_engine)
    _legacy_app_base(metadata, computed_comments=True)
    metadata.create_all(pg_engine)
    with pytest.raises(SchemaMismatchError, match=r"app_base\.comments: is a computed column"):
        create_schema(pg_engine, target)
