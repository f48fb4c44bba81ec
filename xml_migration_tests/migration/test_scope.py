"""Run scope: key range from the source table, pending counts, the end key of a limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert

from xml_migration.contract.compiler import load_plan
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.ddl import create_schema
from xml_migration.db.model import LOG, STATUS_FAILED, STATUS_SUCCESS, build_model
from xml_migration.db.source import insert_source_documents
from xml_migration.migration.scope import (
    RunScope,
    key_range,
    nth_pending_key,
    pending_count,
    run_scope,
    settings_key_range,
)
from xml_migration.migration.settings import MigrationSettings

KEYS = (3, 5, 8, 13, 21, 34)


@pytest.fixture
def target() -> TargetSchema:
    return load_plan().target


@pytest.fixture
def engine(database_url: str, target: TargetSchema) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    create_schema(engine, target)
    insert_source_documents(engine, target, ((key, "<Provenir/>") for key in KEYS))
    model = build_model(target, dialect_name(engine))
    with engine.begin() as connection:
        connection.execute(
            insert(model.log),
            [
                {target.app_key_column: 5, LOG.status: STATUS_SUCCESS},
                {target.app_key_column: 13, LOG.status: STATUS_FAILED},
            ],
        )
    yield engine
    engine.dispose()


def test_key_range_fills_missing_bounds_from_the_source(
    engine: Engine, target: TargetSchema
) -> None:
    assert key_range(engine, target, None, None) == (3, 34)
    assert key_range(engine, target, 6, None) == (6, 34)
    assert key_range(engine, target, None, 20) == (3, 20)
    assert key_range(engine, target, 100, 200) == (100, 200)


def test_empty_source_has_no_range(sqlite_url: str, target: TargetSchema) -> None:
    engine = create_db_engine(sqlite_url)
    create_schema(engine, target)
    assert key_range(engine, target, None, None) is None
    assert key_range(engine, target, 1, 9) == (1, 9)
    assert run_scope(engine, target, None, 5) is None
    engine.dispose()


def test_pending_counts_skip_logged_documents(engine: Engine, target: TargetSchema) -> None:
    assert pending_count(engine, target, 3, 34) == 4
    assert pending_count(engine, target, 3, 34, reprocess_failed=True) == 5
    assert pending_count(engine, target, 4, 20) == 1


def test_nth_pending_key(engine: Engine, target: TargetSchema) -> None:
    assert [nth_pending_key(engine, target, 1, 100, n) for n in range(1, 6)] == [
        3,
        8,
        21,
        34,
        None,
    ]
    assert nth_pending_key(engine, target, 1, 100, 3, reprocess_failed=True) == 13
    with pytest.raises(ValueError):
        nth_pending_key(engine, target, 1, 100, 0)


def test_run_scope_with_and_without_limit(engine: Engine, target: TargetSchema) -> None:
    assert run_scope(engine, target, None, None) == RunScope(3, 34, 4)
    assert run_scope(engine, target, None, None, limit=2) == RunScope(3, 8, 2)
    assert run_scope(engine, target, 4, None, limit=2) == RunScope(4, 21, 2)
    assert run_scope(engine, target, None, None, limit=9) == RunScope(3, 34, 4)
    assert run_scope(engine, target, None, None, limit=3, reprocess_failed=True) == RunScope(
        3, 13, 3
    )


def test_settings_key_range_opens_its_own_connection(engine: Engine, database_url: str) -> None:
    settings = MigrationSettings(database_url)
    assert settings_key_range(settings, None, None) == (3, 34)
    assert settings_key_range(settings, 10, None) == (10, 34)
