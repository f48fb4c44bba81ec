"""Re-migration after a contract change: the stale documents' rows and log rows are replaced,
and the target equals a fresh migration under the new contract, table by table and row by
row (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from xml_migration.bench.remigration import write_changed_contract
from xml_migration.contract.compiler import load_plan
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.db.connection import create_db_engine
from xml_migration.db.ddl import reset_schema
from xml_migration.db.model import LOG, build_model
from xml_migration.migration.run_range import migrate_parallel, migrate_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock.database import generate_into_database

DOCUMENTS = 150
LOG_FIELDS = (LOG.status, LOG.failure_reason, LOG.rows_written, LOG.contract_fingerprint)


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every target table's rows and the log's outcomes (without run ids and times),
    sorted."""
    engine = create_db_engine(url)
    model = build_model(load_plan().target, engine.dialect.name)
    try:
        with engine.connect() as connection:
            tables = {
                table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
                for table in model.tables
            }
            log_columns = [model.log_app_key, *(model.log.c[name] for name in LOG_FIELDS)]
            tables["processing_log"] = sorted(
                map(tuple, connection.execute(select(*log_columns))), key=repr
            )
    finally:
        engine.dispose()
    return tables


def test_remigrating_stale_documents_equals_a_fresh_migration(
    database_url: str, tmp_path: Path
) -> None:
    generate_into_database(database_url, DOCUMENTS, seed=5, profile="compact", fault_rate=0.1)
    migrate_range(MigrationSettings(database_url, batch_size=40), None, None)
    before = snapshot(database_url)
    v2 = write_changed_contract(tmp_path)
    fingerprint = contract_fingerprint(load_plan(v2).contract)
    remigrate = MigrationSettings(
        database_url, contract_path=v2, batch_size=40, remigrate_stale=True
    )

    assert migrate_range(replace(remigrate, remigrate_stale=False), None, None).documents == 0
    stats = migrate_range(remigrate, None, None)
    assert stats.documents == DOCUMENTS
    assert 0 < stats.failures < DOCUMENTS
    remigrated = snapshot(database_url)
    assert {row[-1] for row in remigrated["processing_log"]} == {fingerprint}
    assert len(remigrated["processing_log"]) == DOCUMENTS
    assert remigrated["app_base"] != before["app_base"]
    assert migrate_range(remigrate, None, None).documents == 0

    engine = create_db_engine(database_url)
    try:
        reset_schema(engine, load_plan(v2).target)
    finally:
        engine.dispose()
    migrate_range(replace(remigrate, remigrate_stale=False), None, None)
    assert snapshot(database_url) == remigrated


def test_parallel_remigration_of_part_of_the_range(database_url: str, tmp_path: Path) -> None:
    generate_into_database(database_url, 60, seed=8, profile="compact", fault_rate=0.1)
    migrate_range(MigrationSettings(database_url, batch_size=7), None, None)
    v2 = write_changed_contract(tmp_path)
    remigrate = MigrationSettings(
        database_url, contract_path=v2, batch_size=7, remigrate_stale=True
    )
    assert migrate_range(remigrate, 1, 20).documents == 20
    stats = migrate_parallel(remigrate, 1, 60, workers=2, chunks_per_worker=2)
    assert stats.documents == 40
    remigrated = snapshot(database_url)
    engine = create_db_engine(database_url)
    try:
        reset_schema(engine, load_plan(v2).target)
    finally:
        engine.dispose()
    migrate_range(replace(remigrate, remigrate_stale=False), None, None)
    assert snapshot(database_url) == remigrated
