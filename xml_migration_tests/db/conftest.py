"""Fixtures of the database layer tests: an engine on SQLite or PostgreSQL with the
hand-made credit schema created."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import create_db_engine
from xml_migration.db.ddl import create_schema
from xml_migration_tests.db.schemas import credit_schema


@pytest.fixture
def target() -> TargetSchema:
    return credit_schema()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on SQLite or PostgreSQL (each test using it runs on both)."""
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on PostgreSQL only."""
    engine = create_db_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def schema_engine(engine: Engine, target: TargetSchema) -> Engine:
    """`engine` with the credit schema's tables created."""
    create_schema(engine, target)
    return engine
