"""Bad documents never crash a run and never vanish: every fault kind of the mock generator
and every failing compatibility vector, mixed with good documents in the same batches, end
with exactly one processing log row whose stage and reason are the expected ones; the good
documents of those batches land; the integrity checks pass. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from xml_migration.db.connection import create_db_engine
from xml_migration.db.ddl import create_schema
from xml_migration.db.source import insert_source_documents
from xml_migration.migration.run_range import migrate_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock import FaultKind, read_manifest
from xml_migration.mock.database import BYTES_SOURCE_DIALECTS, generate_into_database
from xml_migration_tests.compat.vectors import CONTRACT_PATH, document_paths, expected_record
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_outcomes,
    source_keys,
    target_of,
)

BATCH_SIZE = 8
"""Small batches, so that nearly every batch holds faulted and good documents together."""


def batches_mixing_good_and_bad(keys: list[int], failed: set[int]) -> int:
    """How many batches of the run (key order, BATCH_SIZE each) hold both kinds."""
    batches = [set(keys[i : i + BATCH_SIZE]) for i in range(0, len(keys), BATCH_SIZE)]
    return sum(1 for batch in batches if batch & failed and batch - failed)


def test_every_fault_kind_ends_as_its_manifest_says(database_url: str, tmp_path: Path) -> None:
    manifest_path = tmp_path / "faults.json"
    generate_into_database(
        database_url,
        150,
        seed=9,
        profile="compact",
        fault_rate=0.3,
        manifest_path=manifest_path,
    )
    manifest = read_manifest(manifest_path)
    expected = manifest.by_app_id()
    kinds = set(FaultKind)
    if not database_url.startswith(tuple(BYTES_SOURCE_DIALECTS)):
        kinds.discard(FaultKind.NON_UTF8_BYTES)
    assert {record.fault for record in manifest.faults} == kinds, "not every fault kind"

    stats = migrate_range(MigrationSettings(database_url, batch_size=BATCH_SIZE), None, None)

    target = target_of()
    keys = source_keys(database_url, target)
    outcomes = logged_outcomes(database_url, target)
    assert len(keys) == 150 and stats.documents == 150
    assert sorted(outcomes) == keys, "a document without an outcome, or an outcome without one"
    for app_id in keys:
        [outcome] = outcomes[app_id]
        record = expected.get(app_id)
        if record is None or record.stage is None:
            assert outcome.status == "success", (app_id, record, outcome.failure_reason)
            assert outcome.rows_written.get("app_base") == 1, app_id
            continue
        assert outcome.status == "failed", (app_id, record.fault)
        assert outcome.stage_and_reason == (record.stage.value, record.reason), (
            app_id,
            record.fault,
            outcome.failure_reason,
        )
        if record.fault is not FaultKind.EMPTY_DOCUMENT:
            assert outcome.detail, f"{app_id} ({record.fault}): no readable detail"
    failed = {app_id for app_id, [o] in outcomes.items() if o.status == "failed"}
    assert stats.failures == len(failed) and stats.successes == 150 - len(failed)
    assert batches_mixing_good_and_bad(keys, failed) >= 10
    assert integrity_failures(database_url, target) == []


def test_failing_compat_vectors_end_as_expected_beside_the_good_ones(database_url: str) -> None:
    target = target_of(CONTRACT_PATH)
    engine = create_db_engine(database_url)
    try:
        create_schema(engine, target)
        documents = [(int(p.name.split("_")[0]), p.read_text("utf-8")) for p in document_paths()]
        insert_source_documents(engine, target, documents)
    finally:
        engine.dispose()

    settings = MigrationSettings(database_url, str(CONTRACT_PATH), batch_size=BATCH_SIZE)
    stats = migrate_range(settings, None, None)

    outcomes = logged_outcomes(database_url, target)
    assert stats.documents == len(documents) == 47
    assert sorted(outcomes) == [key for key, _ in documents]
    failed: set[int] = set()
    for path in document_paths():
        wanted = expected_record(path.name)
        [outcome] = outcomes[wanted["source_app_id"]]
        assert outcome.status == wanted["status"], (path.name, outcome.failure_reason)
        if wanted["failure"] is None:
            rows = {
                table: len(rows)
                for table, rows in wanted["tables"].items()
                if table != "processing_log" and rows
            }
            assert outcome.rows_written == rows, path.name
        else:
            failed.add(wanted["source_app_id"])
            failure = (wanted["failure"]["stage"], wanted["failure"]["reason"])
            assert outcome.stage_and_reason == failure, (path.name, outcome.failure_reason)
    assert stats.failures == len(failed) == 13
    assert batches_mixing_good_and_bad([key for key, _ in documents], failed) >= 4
    assert integrity_failures(database_url, target) == []
