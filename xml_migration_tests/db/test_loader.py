"""Loading: one transaction per batch, exactly once, offending documents isolated and logged."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.dbapi import begin, engine_connector, execute
from xml_migration.db.integrity import integrity_checks
from xml_migration.db.loader import RetryPolicy, load_batch, open_loader
from xml_migration.db.model import build_model
from xml_migration.db.processing_log import LogContext, utc_now
from xml_migration.db.source import insert_source_documents, read_pending_documents
from xml_migration.db.writers import LoadMethod
from xml_migration.engine.outcome import MappedDocument
from xml_migration_tests.db.schemas import mapped_document, mapping_failure, source_document

CONTEXT = LogContext(session_id="run-1", app_id_start=1, app_id_end=100, partition_key="0-99")


def _log(engine: Engine, target: TargetSchema) -> list[dict[str, Any]]:
    model = build_model(target, engine.dialect.name)
    with engine.connect() as connection:
        rows = connection.execute(select(model.log).order_by(model.log_app_key)).mappings().all()
    return [dict(row) for row in rows]


def _count(engine: Engine, target: TargetSchema, table: str) -> int:
    model = build_model(target, engine.dialect.name)
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model.table(table))))


def _reasons(engine: Engine, target: TargetSchema) -> dict[int, str | None]:
    return {row["app_id"]: row["failure_reason"] for row in _log(engine, target)}


def _source(engine: Engine, target: TargetSchema, keys: list[int] | range) -> None:
    insert_source_documents(engine, target, [(key, source_document(key)) for key in keys])


def _checks_pass(engine: Engine, target: TargetSchema) -> None:
    results = integrity_checks(engine, target)
    assert all(result.passed for result in results.values()), results


def test_a_batch_loads_rows_and_log_rows(schema_engine: Engine, target: TargetSchema) -> None:
    _source(schema_engine, target, [1, 2, 3])
    before = utc_now()
    result = load_batch(
        schema_engine, target, [mapped_document(2), mapping_failure(3), mapped_document(1)], CONTEXT
    )
    assert result.loaded == [1, 2]
    assert [failure.app_id for failure in result.failures] == [3]
    assert result.rows_per_table == {
        "app_base": 2,
        "app_contact_base": 4,
        "app_operational": 2,
        "app_contact_address": 8,
        "scores": 6,
    }
    log = _log(schema_engine, target)
    assert [(row["app_id"], row["status"]) for row in log] == [
        (1, "success"),
        (2, "success"),
        (3, "failed"),
    ]
    success, failed = log[0], log[2]
    assert json.loads(success["rows_written"]) == mapped_document(1).row_counts
    assert success["failure_reason"] is None
    assert failed["failure_reason"] == "mapping: enum_unmapped: app_base.channel_code: value 'ZZ'"
    assert failed["rows_written"] is None
    for row in log:
        assert (row["session_id"], row["app_id_start"], row["app_id_end"]) == ("run-1", 1, 100)
        assert row["partition_key"] == "0-99"
        assert before - timedelta(seconds=1) <= row["processing_time"] <= utc_now()
    _checks_pass(schema_engine, target)


def test_values_round_trip(schema_engine: Engine, target: TargetSchema) -> None:
    document = mapped_document(7)
    load_batch(schema_engine, target, [document])
    model = build_model(target, schema_engine.dialect.name)
    with schema_engine.connect() as connection:
        (row,) = connection.execute(select(model.table("app_base"))).all()
        contact = connection.execute(select(model.table("app_contact_base"))).first()
    assert tuple(row) == document.rows["app_base"][0]
    assert isinstance(row.requested_amount, Decimal)
    assert row.app_receive_date == datetime(2024, 1, 8, 10, 30, 15, 123456)
    assert tuple(contact) == document.rows["app_contact_base"][0]


def test_a_rerun_writes_nothing_twice(schema_engine: Engine, target: TargetSchema) -> None:
    keys = range(1, 31)
    insert_source_documents(schema_engine, target, ((key, source_document(key)) for key in keys))
    for _ in range(2):
        with open_loader(schema_engine, target, CONTEXT) as loader:
            for batch in read_pending_documents(schema_engine, target, 1, 30, 7):
                loader.load([mapped_document(document.app_id) for document in batch])
    assert len(_log(schema_engine, target)) == 30
    assert _count(schema_engine, target, "app_contact_address") == 30 * 4
    assert list(read_pending_documents(schema_engine, target, 1, 30, 7)) == []
    _checks_pass(schema_engine, target)


def test_a_document_loaded_by_another_run_is_skipped(
    schema_engine: Engine, target: TargetSchema
) -> None:
    """Two runs that both read a document before either wrote it: the second finds the
    first run's outcome and leaves it alone."""
    _source(schema_engine, target, [4, 5, 6])
    load_batch(schema_engine, target, [mapped_document(5)])
    result = load_batch(
        schema_engine, target, [mapped_document(4), mapped_document(5), mapping_failure(6)]
    )
    assert result.loaded == [4]
    assert result.skipped == [5]
    second = load_batch(schema_engine, target, [mapping_failure(6)])
    assert second.skipped == [6]
    assert [row["app_id"] for row in _log(schema_engine, target)] == [4, 5, 6]
    _checks_pass(schema_engine, target)


def test_a_commit_of_this_run_whose_acknowledgement_was_lost_counts_as_its_own(
    schema_engine: Engine, target: TargetSchema
) -> None:
    """A batch committed while the connection died is retried; its documents, logged by
    this run's session, count as loaded or failed, not as recorded by another run."""
    _source(schema_engine, target, [4, 5, 6])
    context = LogContext(session_id="run-with-a-lost-acknowledgement")
    load_batch(schema_engine, target, [mapped_document(5), mapping_failure(6)], context)
    result = load_batch(
        schema_engine,
        target,
        [mapped_document(4), mapped_document(5), mapping_failure(6)],
        context,
    )
    assert sorted(result.loaded) == [4, 5]
    assert [failure.app_id for failure in result.failures] == [6]
    assert result.skipped == []
    assert result.rows_per_table["app_base"] == 2
    assert [row["app_id"] for row in _log(schema_engine, target)] == [4, 5, 6]
    _checks_pass(schema_engine, target)


def test_a_key_collision_fails_only_its_document(
    schema_engine: Engine, target: TargetSchema
) -> None:
    """Document 13 reuses a contact key of document 12 (same batch), document 18 one of
    document 1 (loaded before): both fail, naming the owner; the others land."""
    _source(schema_engine, target, [1, *range(10, 20)])
    load_batch(schema_engine, target, [mapped_document(1)])
    batch: list[MappedDocument] = [mapped_document(key) for key in range(10, 20)]
    batch[3] = mapped_document(13, [120, 131])
    batch[8] = mapped_document(18, [10])
    result = load_batch(schema_engine, target, batch)
    assert sorted(result.loaded) == [10, 11, 12, 14, 15, 16, 17, 19]
    assert [failure.app_id for failure in result.failures] == [13, 18]
    reasons = _reasons(schema_engine, target)
    assert reasons[13] == (
        "constraint_violation: key_collision: app_contact_base (con_id)=(120) "
        "already belongs to application 12"
    )
    assert reasons[18] == (
        "constraint_violation: key_collision: app_contact_base (con_id)=(10) "
        "already belongs to application 1"
    )
    assert _count(schema_engine, target, "app_base") == 9
    _checks_pass(schema_engine, target)


def test_a_root_row_without_log_row_is_already_loaded(
    schema_engine: Engine, target: TargetSchema
) -> None:
    model = build_model(target, schema_engine.dialect.name)
    root = model.table("app_base")
    with schema_engine.begin() as connection:
        connection.execute(insert(root).values(app_id=21))
    result = load_batch(schema_engine, target, [mapped_document(20), mapped_document(21)])
    assert result.loaded == [20]
    assert _reasons(schema_engine, target)[21] == (
        "constraint_violation: already_loaded: app_base already holds application 21"
    )


def test_a_foreign_key_violation_is_a_database_constraint(
    schema_engine: Engine, target: TargetSchema
) -> None:
    orphan = mapped_document(31)
    rows = dict(orphan.rows)
    rows["app_contact_address"] = [(999_999, 1, "nowhere", "NY")]
    result = load_batch(
        schema_engine, target, [mapped_document(30), MappedDocument(31, rows), mapped_document(32)]
    )
    assert result.loaded == [30, 32]
    reason = _reasons(schema_engine, target)[31]
    assert reason is not None
    assert reason.startswith("constraint_violation: database_constraint: ")
    assert "foreign key" in reason.lower()


@pytest.mark.integration
def test_a_value_the_column_cannot_hold_is_a_database_error(
    pg_engine: Engine, target: TargetSchema
) -> None:
    from xml_migration.db.ddl import create_schema

    create_schema(pg_engine, target)
    document = mapped_document(41)
    base = list(document.rows["app_base"][0])
    base[6] = 70_000  # priority is SMALLINT
    rows = {**document.rows, "app_base": [tuple(base)]}
    result = load_batch(
        pg_engine, target, [mapped_document(40), MappedDocument(41, rows), mapped_document(42)]
    )
    assert result.loaded == [40, 42]
    reason = _reasons(pg_engine, target)[41]
    assert reason == (
        'database: database_error: value "70000" is out of range for type smallint '
        '(COPY app_base, line 1, column priority: "70000")'
    )


def test_reprocessing_replaces_the_failed_log_row(
    schema_engine: Engine, target: TargetSchema
) -> None:
    insert_source_documents(schema_engine, target, [(key, source_document(key)) for key in (1, 2)])
    load_batch(schema_engine, target, [mapped_document(1), mapping_failure(2)])
    assert list(read_pending_documents(schema_engine, target, None, None, 10)) == []
    (batch,) = read_pending_documents(schema_engine, target, None, None, 10, reprocess_failed=True)
    assert [document.app_id for document in batch] == [2]
    collision = mapped_document(2, [10])
    result = load_batch(schema_engine, target, [collision], reprocess_failed=True)
    assert [failure.reason for failure in result.failures] == ["key_collision"]
    assert [row["status"] for row in _log(schema_engine, target)] == ["success", "failed"]
    result = load_batch(schema_engine, target, [mapped_document(2)], reprocess_failed=True)
    assert result.loaded == [2]
    assert [row["status"] for row in _log(schema_engine, target)] == ["success", "success"]
    _checks_pass(schema_engine, target)


def test_the_first_committed_document_wins(schema_engine: Engine, target: TargetSchema) -> None:
    """Another chunk holds an uncommitted transaction with contact 51; this chunk's batch
    waits for it, and once it commits the colliding document fails naming the winner."""
    model = build_model(target, schema_engine.dialect.name)
    connector = engine_connector(schema_engine)
    winner = connector.connect()
    begin(connector, winner)
    cursor = winner.cursor()
    execute(connector, cursor, insert(model.table("app_base")).values(app_id=5))
    execute(connector, cursor, insert(model.table("app_contact_base")).values(con_id=51, app_id=5))
    results: list[Any] = []
    worker = threading.Thread(
        target=lambda: results.append(
            load_batch(
                schema_engine, target, [mapped_document(20_005, [51]), mapped_document(20_006)]
            )
        )
    )
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive(), "the batch should wait for the uncommitted contact row"
    execute(connector, cursor, insert(model.log).values(app_id=5, status="success"))
    winner.commit()
    winner.close()
    worker.join(timeout=30)
    (result,) = results
    assert result.loaded == [20_006]
    assert _reasons(schema_engine, target)[20_005] == (
        "constraint_violation: key_collision: app_contact_base (con_id)=(51) "
        "already belongs to application 5"
    )


@pytest.mark.integration
def test_a_lost_connection_is_retried(pg_engine: Engine, target: TargetSchema) -> None:
    from xml_migration.db.ddl import create_schema

    create_schema(pg_engine, target)
    _source(pg_engine, target, [1, 2, 3])
    with open_loader(pg_engine, target, retry=RetryPolicy(first_delay=0.05)) as loader:
        loader.load([mapped_document(1)])
        with pg_engine.connect() as admin:
            terminated = admin.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert terminated == 1
        result = loader.load([mapped_document(2), mapped_document(3)])
    assert result.loaded == [2, 3]
    assert result.retries == 1
    _checks_pass(pg_engine, target)


@pytest.mark.integration
def test_executemany_loads_like_copy(pg_engine: Engine, target: TargetSchema) -> None:
    from xml_migration.db.ddl import create_schema

    create_schema(pg_engine, target)
    _source(pg_engine, target, range(1, 12))
    with open_loader(pg_engine, target, method=LoadMethod.EXECUTEMANY) as loader:
        result = loader.load(
            [mapped_document(key) for key in range(1, 11)] + [mapped_document(11, [10])]
        )
    assert len(result.loaded) == 10
    assert [failure.reason for failure in result.failures] == ["key_collision"]
    _checks_pass(pg_engine, target)
