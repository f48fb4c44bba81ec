"""The source table: bulk insert, streaming of pending documents, key ranges, counts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.loader import open_loader
from xml_migration.db.source import (
    KeyRange,
    insert_source_documents,
    max_source_key,
    range_counts,
    read_pending_documents,
    source_key_range,
    source_key_ranges,
)
from xml_migration.engine.reader import Utf8Text
from xml_migration_tests.db.schemas import mapped_document, mapping_failure, source_document


def _insert(engine: Engine, target: TargetSchema, keys: range | list[int]) -> None:
    insert_source_documents(engine, target, ((key, source_document(key)) for key in keys))


def _pending(engine: Engine, target: TargetSchema, **options: object) -> list[list[int]]:
    start = options.pop("start", None)
    end = options.pop("end", None)
    batch_size = int(options.pop("batch_size", 4))  # type: ignore[call-overload]
    batches = read_pending_documents(engine, target, start, end, batch_size, **options)  # type: ignore[arg-type]
    return [[document.app_id for document in batch] for batch in batches]


def test_insert_and_key_bounds(schema_engine: Engine, target: TargetSchema) -> None:
    assert max_source_key(schema_engine, target) is None
    assert source_key_range(schema_engine, target) is None
    written = insert_source_documents(
        schema_engine, target, ((key, source_document(key)) for key in range(5, 1205))
    )
    assert written == 1200
    assert max_source_key(schema_engine, target) == 1204
    assert source_key_range(schema_engine, target) == (5, 1204)


def test_documents_stream_in_key_order_in_batches(
    schema_engine: Engine, target: TargetSchema
) -> None:
    _insert(schema_engine, target, [9, 3, 7, 1, 5, 2, 8, 4, 6, 10])
    assert _pending(schema_engine, target) == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert _pending(schema_engine, target, start=3, end=8, batch_size=10) == [[3, 4, 5, 6, 7, 8]]
    assert _pending(schema_engine, target, start=3, limit=3) == [[3, 4, 5]]
    (batch,) = read_pending_documents(schema_engine, target, 7, 7, 10)
    document = batch[0].document
    text = document.decode() if isinstance(document, Utf8Text) else document
    assert text == source_document(7)


def test_fetches_shrink_to_the_byte_budget_once_a_large_document_is_seen(
    schema_engine: Engine, target: TargetSchema
) -> None:
    documents = [(key, f"<a>{'x' * (393 if key == 4 else 93)}</a>") for key in range(1, 21)]
    insert_source_documents(schema_engine, target, documents)
    slices = read_pending_documents(schema_engine, target, None, None, 5, max_bytes=1000)
    sizes = [[len(document.document) for document in fetched] for fetched in slices]
    assert sizes[0] == [100, 100, 100, 400, 100]
    assert [len(fetched) for fetched in sizes] == [5, 2, 2, 2, 2, 2, 2, 2, 1]


def test_documents_with_an_outcome_are_skipped(schema_engine: Engine, target: TargetSchema) -> None:
    _insert(schema_engine, target, range(1, 9))
    with open_loader(schema_engine, target) as loader:
        loader.load([mapped_document(2), mapping_failure(3), mapped_document(6)])
    assert _pending(schema_engine, target) == [[1, 4, 5, 7], [8]]
    assert _pending(schema_engine, target, reprocess_failed=True) == [[1, 3, 4, 5], [7, 8]]
    counts = range_counts(schema_engine, target, 1, 6)
    assert (counts.documents, counts.successes, counts.failures, counts.pending) == (6, 2, 1, 3)


def test_key_ranges_of_fixed_width(schema_engine: Engine, target: TargetSchema) -> None:
    _insert(schema_engine, target, [*range(3, 8), 10_000, 25_001, 25_002])
    assert source_key_ranges(schema_engine, target, 10_000) == [
        KeyRange(0, 9_999, 5),
        KeyRange(10_000, 19_999, 1),
        KeyRange(20_000, 29_999, 2),
    ]
    with pytest.raises(ValueError, match="positive"):
        source_key_ranges(schema_engine, target, 0)


def test_sqlite_keeps_documents_that_are_not_utf8(sqlite_url: str, target: TargetSchema) -> None:
    from xml_migration.db.connection import create_db_engine
    from xml_migration.db.ddl import create_schema

    engine = create_db_engine(sqlite_url)
    create_schema(engine, target)
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?><a b="caf\xe9"/>'.encode("latin-1")
    insert_source_documents(engine, target, [(1, latin1), (2, b"<a/>")])
    (batch,) = read_pending_documents(engine, target, None, None, 10)
    assert [document.document for document in batch] == [latin1, b"<a/>"]
    engine.dispose()


@pytest.mark.integration
def test_postgresql_stores_utf8_bytes_as_text_and_rejects_others(
    pg_engine: Engine, target: TargetSchema
) -> None:
    from xml_migration.db.ddl import create_schema

    create_schema(pg_engine, target)
    insert_source_documents(pg_engine, target, [(1, "<a b='é'/>".encode())])
    (batch,) = read_pending_documents(pg_engine, target, None, None, 10)
    assert batch[0].document == "<a b='é'/>".encode()
    assert isinstance(batch[0].document, Utf8Text)
    with pytest.raises(ValueError, match="document 2 is not UTF-8"):
        insert_source_documents(pg_engine, target, [(2, b"<a b='\xe9'/>")])


@pytest.mark.integration
def test_postgresql_reads_through_a_server_side_cursor(
    pg_engine: Engine, target: TargetSchema
) -> None:
    """While a range streams, the reading session fetches from a named cursor: the rows
    stay on the server until asked for."""
    from xml_migration.db.ddl import create_schema

    create_schema(pg_engine, target)
    _insert(pg_engine, target, range(1, 501))
    batches = read_pending_documents(pg_engine, target, None, None, 50)
    first = next(batches)
    assert [document.app_id for document in first] == list(range(1, 51))
    with pg_engine.connect() as observer:
        queries = observer.scalars(
            text(
                "SELECT query FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
    try:
        assert any(query.startswith("FETCH FORWARD") for query in queries), queries
        assert sum(len(batch) for batch in batches) == 450
    finally:
        batches.close()


def test_loading_while_streaming_does_not_block(
    schema_engine: Engine, target: TargetSchema
) -> None:
    """The reader's open cursor and the loader's write transactions coexist (WAL on SQLite)."""
    _insert(schema_engine, target, range(1, 41))
    loaded: list[int] = []
    with open_loader(schema_engine, target) as loader:
        for batch in read_pending_documents(schema_engine, target, None, None, 10):
            worker = threading.Thread(
                target=lambda batch=batch: loaded.extend(
                    loader.load([mapped_document(document.app_id) for document in batch]).loaded
                )
            )
            worker.start()
            worker.join(timeout=30)
            assert not worker.is_alive()
    assert loaded == list(range(1, 41))
