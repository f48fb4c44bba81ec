"""Re-migrating loader: a stale document's rows (children first) and log row are replaced in
the transaction that writes its new outcome; only the current contract's log rows block."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.integrity import integrity_checks
from xml_migration.db.loader import open_loader
from xml_migration.db.model import LOG, build_model
from xml_migration.db.processing_log import LogContext
from xml_migration.db.source import insert_source_documents, read_pending_documents
from xml_migration.engine.outcome import DocumentOutcome
from xml_migration_tests.db.schemas import mapped_document, mapping_failure, source_document

V1 = LogContext(session_id="v1", contract_fingerprint="00000000000000v1")
V2 = LogContext(session_id="v2", contract_fingerprint="00000000000000v2")
KEYS = range(1, 7)


def _load(engine: Engine, target: TargetSchema, context: LogContext, outcomes: list) -> None:
    with open_loader(engine, target, context, remigrate=context is V2) as loader:
        loader.load(outcomes)


def _v1(app_id: int) -> DocumentOutcome:
    return mapping_failure(app_id) if app_id == 3 else mapped_document(app_id)


def _v2(app_id: int) -> DocumentOutcome:
    """One contact per document instead of two; document 2 fails, document 3 now loads."""
    if app_id == 2:
        return mapping_failure(app_id)
    return mapped_document(app_id, [app_id * 10])


def _log(engine: Engine, target: TargetSchema) -> dict[int, tuple[str, str | None]]:
    model = build_model(target, engine.dialect.name)
    query = select(
        model.log_app_key, model.log.c[LOG.status], model.log.c[LOG.contract_fingerprint]
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    assert len(rows) == len({row[0] for row in rows}), "two outcomes for one document"
    return {int(app_id): (status, fingerprint) for app_id, status, fingerprint in rows}


def _owners(engine: Engine, target: TargetSchema, table: str) -> dict[int, int]:
    model = build_model(target, engine.dialect.name)
    column = model.table(table).c["app_id"]
    with engine.connect() as connection:
        rows = connection.execute(select(column, func.count()).group_by(column)).all()
    return {int(app_id): int(count) for app_id, count in rows}


def _pending(engine: Engine, target: TargetSchema, fingerprint: str | None) -> list[int]:
    batches = read_pending_documents(
        engine, target, None, None, 100, remigrate_fingerprint=fingerprint
    )
    return [document.app_id for batch in batches for document in batch]


def test_stale_documents_are_replaced_children_first(
    schema_engine: Engine, target: TargetSchema
) -> None:
    insert_source_documents(schema_engine, target, ((k, source_document(k)) for k in KEYS))
    _load(schema_engine, target, V1, [_v1(key) for key in KEYS])
    assert _pending(schema_engine, target, None) == []
    assert _pending(schema_engine, target, V2.contract_fingerprint) == list(KEYS)

    _load(schema_engine, target, V2, [_v2(key) for key in (1, 2, 3)])
    assert _pending(schema_engine, target, V2.contract_fingerprint) == [4, 5, 6]
    _load(schema_engine, target, V2, [_v2(key) for key in (4, 5, 6)])

    assert _pending(schema_engine, target, V2.contract_fingerprint) == []
    log = _log(schema_engine, target)
    assert log == {
        key: ("failed" if key == 2 else "success", V2.contract_fingerprint) for key in KEYS
    }
    assert _owners(schema_engine, target, "app_contact_base") == {k: 1 for k in KEYS if k != 2}
    assert _owners(schema_engine, target, "scores") == {k: 3 for k in KEYS if k != 2}
    results = integrity_checks(schema_engine, target)
    assert all(result.passed for result in results.values()), results


def test_a_collision_with_a_stale_document_names_the_other_application(
    schema_engine: Engine, target: TargetSchema
) -> None:
    insert_source_documents(schema_engine, target, ((k, source_document(k)) for k in KEYS))
    _load(schema_engine, target, V1, [_v1(key) for key in KEYS])
    taken = mapped_document(4, [50])
    with open_loader(schema_engine, target, V2, remigrate=True) as loader:
        result = loader.load([taken])
    (failure,) = result.failures
    assert failure.failure_reason.startswith("constraint_violation: key_collision")
    assert "application 5" in failure.failure_reason
    assert _log(schema_engine, target)[4] == ("failed", V2.contract_fingerprint)
    assert 4 not in _owners(schema_engine, target, "app_contact_base")
    assert _owners(schema_engine, target, "app_contact_base")[5] == 2


def test_a_document_already_remigrated_by_another_run_is_skipped(
    schema_engine: Engine, target: TargetSchema
) -> None:
    insert_source_documents(schema_engine, target, ((k, source_document(k)) for k in KEYS))
    _load(schema_engine, target, V1, [_v1(key) for key in KEYS])
    another_run = LogContext(session_id="v2-other", contract_fingerprint=V2.contract_fingerprint)
    with open_loader(schema_engine, target, another_run, remigrate=True) as other:
        other.load([_v2(5)])
    with open_loader(schema_engine, target, V2, remigrate=True) as loader:
        result = loader.load([_v2(4), _v2(5)])
    assert result.loaded == [4]
    assert result.skipped == [5]
    assert _owners(schema_engine, target, "app_contact_base")[5] == 1
