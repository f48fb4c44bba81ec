"""Generated documents migrated into a real database: every document has the outcome its
manifest entry prescribes, clean ones succeed, and the integrity checks pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from xml_migration.contract import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.integrity import integrity_checks
from xml_migration.db.model import LOG, build_model
from xml_migration.migration.run_range import migrate_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock import FaultKind, read_manifest
from xml_migration.mock.database import generate_into_database


def _log(database_url: str) -> dict[int, tuple[str, str | None]]:
    target = load_plan(None).target
    engine = create_db_engine(database_url)
    try:
        log = build_model(target, dialect_name(engine)).log
        query = select(log.c[target.app_key_column], log.c[LOG.status], log.c[LOG.failure_reason])
        with engine.connect() as connection:
            return {int(key): (status, reason) for key, status, reason in connection.execute(query)}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_every_document_ends_as_the_manifest_says(database_url: str, tmp_path: Path) -> None:
    report = generate_into_database(
        database_url,
        160,
        seed=21,
        profile="compact",
        fault_rate=0.2,
        manifest_path=tmp_path / "manifest.json",
    )
    stats = migrate_range(MigrationSettings(database_url=database_url, batch_size=50), None, None)
    assert stats.documents == report.documents == 160

    log = _log(database_url)
    assert sorted(log) == list(range(1, 161))
    expected = read_manifest(tmp_path / "manifest.json").by_app_id()
    assert FaultKind.DUPLICATE_CON_ID_ACROSS_DOCUMENTS in {r.fault for r in expected.values()}
    for app_id, (status, reason) in log.items():
        record = expected.get(app_id)
        if record is None or record.status == "success":
            assert (status, reason) == ("success", None), (app_id, record, reason)
        else:
            assert status == "failed", (app_id, record)
            assert reason.startswith(f"{record.stage.value}: {record.reason}"), (app_id, reason)
    assert stats.successes == sum(1 for status, _ in log.values() if status == "success")

    engine = create_db_engine(database_url)
    try:
        results = integrity_checks(engine, load_plan(None).target)
    finally:
        engine.dispose()
    assert all(result.passed for result in results.values()), results
