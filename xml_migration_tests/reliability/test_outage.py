"""An error no document caused (a target table gone in the middle of a run) stops the run
without marking any document failed; once the table is back, a re-run completes and every
document ends exactly once with its expected outcome."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, Table

from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.errors import LoadError
from xml_migration.db.model import build_model
from xml_migration.migration.run_range import migrate_range
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock import read_manifest
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_outcomes,
    target_of,
)

DOCUMENTS = 400
BATCH_SIZE = 50
BATCHES_BEFORE_OUTAGE = 2
TABLE = "app_pricing"
MOVED = "app_pricing_moved"


def rename(engine: Engine, old: str, new: str) -> None:
    schema = build_model(target_of(), dialect_name(engine)).source.schema
    preparer = engine.dialect.identifier_preparer
    table = Table(old, MetaData(), schema=schema)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"ALTER TABLE {preparer.format_table(table)} RENAME TO {preparer.quote(new)}"
        )


def test_a_missing_table_stops_the_run_and_marks_nothing_failed(
    database_url: str, tmp_path: Path
) -> None:
    generate_into_database(
        database_url,
        DOCUMENTS,
        seed=12,
        profile="compact",
        fault_rate=0.1,
        manifest_path=tmp_path / "faults.json",
    )
    expected = read_manifest(tmp_path / "faults.json").by_app_id()
    settings = MigrationSettings(database_url, batch_size=BATCH_SIZE)
    engine = create_db_engine(database_url)

    def outage_after_some_batches(stats: RunStats) -> None:
        if stats.documents == BATCHES_BEFORE_OUTAGE * BATCH_SIZE:
            rename(engine, TABLE, MOVED)

    try:
        with pytest.raises(LoadError) as stopped:
            migrate_range(settings, None, None, on_batch=outage_after_some_batches)
        interrupted = logged_outcomes(database_url, target_of())
        rename(engine, MOVED, TABLE)
    finally:
        engine.dispose()

    assert TABLE in str(stopped.value)
    assert sorted(interrupted) == list(range(1, BATCHES_BEFORE_OUTAGE * BATCH_SIZE + 1))
    failed = [key for key, [outcome] in interrupted.items() if outcome.status == "failed"]
    assert failed == sorted(key for key in failed if key in expected)

    resumed = migrate_range(settings, None, None)

    assert resumed.documents == DOCUMENTS - BATCHES_BEFORE_OUTAGE * BATCH_SIZE
    outcomes = logged_outcomes(database_url, target_of())
    assert len(outcomes) == DOCUMENTS
    for app_id, [outcome] in outcomes.items():
        record = expected.get(app_id)
        assert outcome.status == ("success" if record is None else record.status), app_id
    assert integrity_failures(database_url, target_of()) == []
