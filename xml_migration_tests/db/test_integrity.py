"""Integrity checks: they pass on a clean migration and catch each kind of corruption."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.integrity import IntegrityResult, integrity_checks
from xml_migration.db.loader import load_batch
from xml_migration.db.source import insert_source_documents
from xml_migration_tests.db.schemas import mapped_document, mapping_failure, source_document

KEYS = range(1, 21)
FAILED_KEY = 8


@pytest.fixture
def migrated(schema_engine: Engine, target: TargetSchema) -> Engine:
    """20 documents migrated (one failed), every check passing."""
    insert_source_documents(schema_engine, target, [(key, source_document(key)) for key in KEYS])
    outcomes = [mapping_failure(key) if key == FAILED_KEY else mapped_document(key) for key in KEYS]
    load_batch(schema_engine, target, outcomes)
    return schema_engine


def _run(
    engine: Engine, target: TargetSchema, id_range: tuple[int, int] | None = None
) -> dict[str, IntegrityResult]:
    return integrity_checks(engine, target, id_range)


def _verdicts(results: dict[str, IntegrityResult]) -> dict[str, bool]:
    return {name: result.passed for name, result in results.items()}


def _table(engine: Engine, name: str) -> str:
    return name if engine.dialect.name == "sqlite" else f"migration_test.{name}"


def _execute(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _drop_constraints(engine: Engine, name: str) -> None:
    """Rebuild a table without keys, as an existing database might have it."""
    table = _table(engine, name)
    _execute(
        engine,
        f"CREATE TABLE {table}_copy AS SELECT * FROM {table}",
        f"DROP TABLE {table}",
        f"ALTER TABLE {table}_copy RENAME TO {name}",
    )


def test_a_clean_migration_passes(migrated: Engine, target: TargetSchema) -> None:
    results = _run(migrated, target)
    assert _verdicts(results) == dict.fromkeys(results, True)
    reconciliation = results["reconciliation"].metadata
    assert reconciliation["source_documents"] == 20
    assert (reconciliation["successes"], reconciliation["failures"]) == (19, 1)
    assert reconciliation["rows_app_contact_address"] == 19 * 4
    assert _verdicts(_run(migrated, target, (5, 9))) == dict.fromkeys(results, True)


def test_a_deleted_row_is_lost(migrated: Engine, target: TargetSchema) -> None:
    _execute(migrated, f"DELETE FROM {_table(migrated, 'scores')} WHERE app_id = 3 AND score = 600")
    results = _run(migrated, target)
    assert _verdicts(results) == {
        "no_lost_records": False,
        "no_duplicates": True,
        "reconciliation": False,
    }
    assert results["no_lost_records"].offending_ids == (3,)
    assert "scores holds 56 rows, the log says 57" in results["reconciliation"].description
    assert _verdicts(_run(migrated, target, (10, 20)))["no_lost_records"]


def test_a_document_without_outcome_is_lost(migrated: Engine, target: TargetSchema) -> None:
    _execute(migrated, f"DELETE FROM {_table(migrated, 'processing_log')} WHERE app_id = 7")
    results = _run(migrated, target)
    assert results["no_lost_records"].metadata["documents_without_outcome"] == 1
    assert results["no_lost_records"].offending_ids == (7,)
    assert results["reconciliation"].offending_ids == (7,)
    assert not results["reconciliation"].passed


def test_a_duplicated_row_is_found(migrated: Engine, target: TargetSchema) -> None:
    _drop_constraints(migrated, "scores")
    _execute(
        migrated,
        f"INSERT INTO {_table(migrated, 'scores')} (app_id, score_identifier, score) "
        "VALUES (4, 'FICO', 600)",
    )
    results = _run(migrated, target)
    assert not results["no_duplicates"].passed
    assert results["no_duplicates"].offending_ids == (4,)
    assert results["no_duplicates"].metadata["duplicate_keys_scores"] == 2
    assert results["no_lost_records"].offending_ids == (4,)


def test_a_second_log_row_is_found(migrated: Engine, target: TargetSchema) -> None:
    index = "ix_processing_log_app_id"
    _execute(
        migrated,
        f"DROP INDEX {_table(migrated, index)}",
        f"INSERT INTO {_table(migrated, 'processing_log')} (app_id, status) VALUES (2, 'failed')",
    )
    result = _run(migrated, target)["no_duplicates"]
    assert not result.passed
    assert result.offending_ids == (2,)
    assert "1 applications with several log rows" in result.description


def test_orphan_rows_are_found(migrated: Engine, target: TargetSchema) -> None:
    _drop_constraints(migrated, "app_contact_address")
    _drop_constraints(migrated, "scores")
    _execute(
        migrated,
        f"DELETE FROM {_table(migrated, 'app_contact_base')} WHERE con_id = 50",
        f"INSERT INTO {_table(migrated, 'scores')} (app_id, score_identifier, score) "
        "VALUES (999, 'FICO', 1)",
    )
    results = _run(migrated, target)
    duplicates = results["no_duplicates"]
    assert not duplicates.passed
    assert duplicates.metadata["orphans_app_contact_address_con_id"] == 2
    assert duplicates.metadata["orphans_scores_app_id"] == 1
    assert duplicates.offending_ids == (999,)
    assert "app_contact_address: 2 rows reference a missing app_contact_base" in (
        duplicates.description
    )
    assert results["no_lost_records"].offending_ids == (5, 999)


def test_offending_count_is_the_true_count_beyond_the_ids_kept(
    schema_engine: Engine, target: TargetSchema
) -> None:
    """30 documents without outcome: 30 counted, the first 10 named."""
    insert_source_documents(schema_engine, target, [(key, source_document(key)) for key in KEYS])
    more = range(100, 130)
    insert_source_documents(schema_engine, target, [(key, source_document(key)) for key in more])
    load_batch(schema_engine, target, [mapped_document(key) for key in KEYS])
    results = _run(schema_engine, target)
    for name in ("no_lost_records", "reconciliation"):
        assert results[name].offending_count == 30
        assert results[name].offending_ids == tuple(range(100, 110))


def test_reconciliation_names_tables_and_log_rows_without_source(
    migrated: Engine, target: TargetSchema
) -> None:
    _drop_constraints(migrated, "scores")
    _execute(
        migrated,
        f"INSERT INTO {_table(migrated, 'scores')} (app_id, score_identifier, score) "
        "VALUES (3, 'EXTRA', 1)",
        f"DELETE FROM {_table(migrated, 'app_xml')} WHERE app_id = 12",
    )
    result = _run(migrated, target)["reconciliation"]
    assert not result.passed
    assert result.offending_tables == ("scores",)
    assert result.offending_ids == (12,)
    assert result.offending_count == 2  # one table, one log row without its document
