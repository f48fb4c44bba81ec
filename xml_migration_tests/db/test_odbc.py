"""The pyodbc loading path (SQL Server's `fast_executemany`), run for real against
PostgreSQL through the psqlODBC driver."""

from __future__ import annotations

from collections.abc import Iterator

import pyodbc
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.dbapi import odbc_connector
from xml_migration.db.ddl import create_schema
from xml_migration.db.integrity import integrity_checks
from xml_migration.db.loader import BatchLoader, RetryPolicy
from xml_migration.db.model import build_model
from xml_migration.db.processing_log import LogContext
from xml_migration.db.reflection import inspect_existing_tables
from xml_migration.db.source import insert_source_documents
from xml_migration.db.writers import LoadMethod
from xml_migration_tests.db.schemas import mapped_document, mapping_failure, source_document

pytestmark = pytest.mark.integration

ODBC_DRIVER = "PostgreSQL Unicode"


def odbc_connect_string(url: str) -> str:
    """An ODBC connection string for the PostgreSQL database of a SQLAlchemy URL."""
    parsed = make_url(url)
    parts = {
        "DRIVER": f"{{{ODBC_DRIVER}}}",
        "SERVER": parsed.host,
        "PORT": parsed.port or 5432,
        "DATABASE": parsed.database,
        "UID": parsed.username,
    }
    if parsed.password:
        parts["PWD"] = parsed.password
    return ";".join(f"{key}={value}" for key, value in parts.items())


@pytest.fixture
def odbc_loader(
    pg_engine: Engine, postgres_url: str, target: TargetSchema
) -> Iterator[BatchLoader]:
    assert ODBC_DRIVER in pyodbc.drivers(), (
        f"ODBC driver {ODBC_DRIVER!r} missing: install the packages unixodbc and odbc-postgresql"
    )
    create_schema(pg_engine, target)
    insert_source_documents(
        pg_engine, target, [(key, source_document(key)) for key in range(1, 41)]
    )
    loader = BatchLoader(
        odbc_connector(odbc_connect_string(postgres_url), "postgresql"),
        build_model(target, "postgresql"),
        LogContext(session_id="odbc"),
        existing=inspect_existing_tables(pg_engine, target),
        retry=RetryPolicy(first_delay=0.05),
    )
    assert loader.method is LoadMethod.FAST_EXECUTEMANY
    yield loader
    loader.close()


def test_fast_executemany_loads_and_isolates_a_collision(
    odbc_loader: BatchLoader, pg_engine: Engine, target: TargetSchema
) -> None:
    batch = [mapped_document(key) for key in range(1, 21)]
    batch[14] = mapped_document(15, [140])
    batch[4] = mapping_failure(5)
    result = odbc_loader.load(batch)
    assert len(result.loaded) == 18
    assert [(failure.app_id, failure.reason) for failure in result.failures] == [
        (5, "enum_unmapped"),
        (15, "key_collision"),
    ]
    assert "app_contact_base (con_id)=(140) already belongs to application 14" in (
        result.failures[1].failure_reason
    )
    model = build_model(target, "postgresql")
    with pg_engine.connect() as connection:
        for table in ("app_base", "app_contact_base", "app_contact_address", "scores"):
            expected = mapped_document(3).rows[table]
            key = "con_id" if table == "app_contact_address" else "app_id"
            values = (30, 31) if table == "app_contact_address" else (3,)
            column = model.table(table).c[key]
            rows = connection.execute(
                select(model.table(table))
                .where(column.in_(values))
                .order_by(*model.table(table).primary_key)
            ).all()
            assert [tuple(row) for row in rows] == sorted(expected), table
    checks = integrity_checks(pg_engine, target, (1, 20))
    assert all(check.passed for check in checks.values()), checks


def test_reprocessing_through_odbc(
    odbc_loader: BatchLoader, pg_engine: Engine, target: TargetSchema
) -> None:
    odbc_loader.load([mapping_failure(21), mapped_document(22)])
    reprocessing = BatchLoader(
        odbc_loader.connector,
        odbc_loader.model,
        odbc_loader.context,
        reprocess_failed=True,
    )
    try:
        assert reprocessing.load([mapped_document(21)]).loaded == [21]
    finally:
        reprocessing.close()
    with pg_engine.connect() as connection:
        statuses = connection.execute(
            text("SELECT app_id, status FROM migration_test.processing_log ORDER BY app_id")
        ).all()
    assert [tuple(row) for row in statuses] == [(21, "success"), (22, "success")]


def test_a_lost_odbc_connection_is_retried(
    odbc_loader: BatchLoader, pg_engine: Engine, target: TargetSchema
) -> None:
    odbc_loader.load([mapped_document(30)])
    with pg_engine.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    result = odbc_loader.load([mapped_document(31), mapped_document(32)])
    assert result.loaded == [31, 32]
    assert result.retries >= 1
