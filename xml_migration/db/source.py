"""The source table: bulk writing of documents, streaming of the documents still to migrate,
key ranges for partitioning, and counts."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from sqlalchemy import (
    Engine,
    Select,
    distinct,
    exists,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.exc import DBAPIError

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import dialect_name
from xml_migration.db.dbapi import (
    begin,
    discard,
    engine_connector,
    read_text_as_utf8,
    release,
    rollback_quietly,
)
from xml_migration.db.errors import ErrorKind, classify, database_message
from xml_migration.db.loader import RetryPolicy
from xml_migration.db.model import LOG, STATUS_FAILED, STATUS_SUCCESS, DatabaseModel, build_model
from xml_migration.db.writers import DEFAULT_METHODS, table_writer

log = logging.getLogger(__name__)

INSERT_CHUNK_DOCUMENTS = 500
FETCH_DOCUMENTS = 50
"""Documents per fetch from the source when they fit `FETCH_BYTES`."""
FETCH_BYTES = 16 * 1024 * 1024
"""About this many bytes (characters for text) of documents per fetch from the source."""


class SourceDocument(NamedTuple):
    """One source row: the application key and the document (text, text as `Utf8Text`, or
    bytes)."""

    app_id: int
    document: str | bytes


@dataclass(frozen=True, slots=True)
class KeyRange:
    """Keys `start`..`end` (inclusive) of one fixed-width range holding source documents."""

    start: int
    end: int
    documents: int


@dataclass(frozen=True, slots=True)
class RangeCounts:
    """Source documents of a key range by processing state."""

    documents: int
    successes: int
    failures: int

    @property
    def pending(self) -> int:
        return self.documents - self.successes - self.failures


def _stored_document(model: DatabaseModel, app_id: int, document: str | bytes) -> str | bytes:
    """Text as it is; bytes as UTF-8 text, except on SQLite which keeps any bytes as a blob
    (documents in another encoding, or broken ones, reach the engine unchanged)."""
    if isinstance(document, str) or model.dialect == "sqlite":
        return document
    try:
        return document.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"document {app_id} is not UTF-8 and the source column "
            f"{model.target.source_table}.{model.target.source_column} holds text"
        ) from exc


def insert_source_documents(
    engine: Engine, target: TargetSchema, docs: Iterable[tuple[int, str | bytes]]
) -> int:
    """Write documents into the source table in bulk; returns how many were written.

    `docs` is consumed lazily, `INSERT_CHUNK_DOCUMENTS` at a time, each chunk in its own
    transaction (COPY on PostgreSQL).
    """
    model = build_model(target, dialect_name(engine))
    connector = engine_connector(engine)
    writer = table_writer(
        connector,
        DEFAULT_METHODS[connector.driver],
        model.source,
        (target.source_key_column, target.source_column),
    )
    written = 0
    iterator = iter(docs)
    connection = connector.connect()
    try:
        while chunk := list(islice(iterator, INSERT_CHUNK_DOCUMENTS)):
            rows = [(key, _stored_document(model, key, doc)) for key, doc in chunk]
            begin(connector, connection)
            try:
                cursor = connection.cursor()
                writer.write(cursor, rows)
                cursor.close()
                connection.commit()
            except BaseException:
                rollback_quietly(connection)
                raise
            written += len(rows)
    except BaseException:
        discard(connection)
        raise
    release(connection)
    return written


def _key_bounds(model: DatabaseModel, query: Select, start: int | None, end: int | None) -> Select:
    key = model.source.c[model.target.source_key_column]
    if start is not None:
        query = query.where(key >= start)
    if end is not None:
        query = query.where(key <= end)
    return query


def max_source_key(engine: Engine, target: TargetSchema) -> int | None:
    """The largest application key in the source table; None when it is empty."""
    model = build_model(target, dialect_name(engine))
    with engine.connect() as connection:
        value = connection.scalar(select(func.max(model.source.c[target.source_key_column])))
    return None if value is None else int(value)


def source_key_range(engine: Engine, target: TargetSchema) -> tuple[int, int] | None:
    """The smallest and largest application keys of the source table; None when empty."""
    model = build_model(target, dialect_name(engine))
    with engine.connect() as connection:
        low, high = connection.execute(
            select(func.min(model.source_key), func.max(model.source_key))
        ).one()
    return None if low is None else (int(low), int(high))


def pending_documents_query(
    model: DatabaseModel,
    start: int | None,
    end: int | None,
    *,
    reprocess_failed: bool = False,
) -> Select:
    """Source documents of a key range without a blocking log row, in key order.

    A success log row always blocks; a failed one blocks unless `reprocess_failed`.
    """
    key = model.source.c[model.target.source_key_column]
    logged = select(literal(1)).where(model.log_app_key == key)
    if reprocess_failed:
        logged = logged.where(model.log.c[LOG.status] == STATUS_SUCCESS)
    query = select(key, model.source.c[model.target.source_column]).where(~exists(logged))
    return _key_bounds(model, query, start, end).order_by(key)


def _fetch_count(max_documents: int, max_bytes: int, largest: int) -> int:
    """Documents to fetch next: `max_documents`, fewer when that many of the largest
    document seen so far would exceed `max_bytes`; at least one."""
    if largest == 0:
        return max_documents
    return max(1, min(max_documents, max_bytes // largest))


def _stream(
    engine: Engine, query: Select, max_documents: int, max_bytes: int
) -> Iterator[list[SourceDocument]]:
    """The rows of `query` through one connection, one fetch per list (`_fetch_count`)."""
    largest = 0
    with engine.connect() as connection:
        read_text_as_utf8(connection)
        result = connection.execution_options(stream_results=True).execute(query)
        while rows := result.fetchmany(_fetch_count(max_documents, max_bytes, largest)):
            documents = [SourceDocument(int(key), document) for key, document in rows]
            sizes = (len(document) for _, document in documents if document is not None)
            largest = max(largest, max(sizes, default=0))
            yield documents


def read_pending_documents(
    engine: Engine,
    target: TargetSchema,
    app_id_start: int | None,
    app_id_end: int | None,
    max_documents: int,
    *,
    max_bytes: int = FETCH_BYTES,
    reprocess_failed: bool = False,
    limit: int | None = None,
    retry: RetryPolicy | None = None,
) -> Iterator[list[SourceDocument]]:
    """Stream the documents still to migrate in a key range (bounds inclusive, None for
    open), in key order, in lists of at most `max_documents`, one list per fetch.

    Reads through a server-side cursor on PostgreSQL (`stream_results`), so only the
    documents of one fetch are in memory; once documents have been seen, a fetch takes
    fewer than `max_documents` when that many of the largest so far would exceed
    `max_bytes`. The reading connection stays open until the iterator is exhausted or
    closed. `limit` caps the number of documents. A transient error while reading
    (connection lost, server restart) reopens the read after the last document yielded,
    with the backoff of `retry` (the loader's policy by default); other errors propagate.
    """
    model = build_model(target, dialect_name(engine))
    policy = retry or RetryPolicy()
    start, remaining, attempt = app_id_start, limit, 0
    while remaining is None or remaining > 0:
        query = pending_documents_query(model, start, app_id_end, reprocess_failed=reprocess_failed)
        if remaining is not None:
            query = query.limit(remaining)
        stream = _stream(engine, query, max_documents, max_bytes)
        try:
            while True:
                try:
                    batch = next(stream, None)
                except DBAPIError as error:
                    attempt += 1
                    transient = classify(error.orig) is ErrorKind.TRANSIENT
                    if not transient or attempt >= policy.attempts:
                        raise
                    delay = policy.delay(attempt)
                    log.warning(
                        "reading source documents failed (%s); retry %d in %.1fs from app_id %s",
                        database_message(error.orig),
                        attempt,
                        delay,
                        start,
                    )
                    time.sleep(delay)
                    break
                if batch is None:
                    return
                start, attempt = batch[-1].app_id + 1, 0
                if remaining is not None:
                    remaining -= len(batch)
                yield batch
        finally:
            stream.close()


def source_key_ranges(engine: Engine, target: TargetSchema, width: int) -> list[KeyRange]:
    """The ranges `[n * width, (n + 1) * width - 1]` that hold source documents, in order."""
    if width < 1:
        raise ValueError(f"range width must be positive, got {width}")
    model = build_model(target, dialect_name(engine))
    key = model.source.c[target.source_key_column]
    bucket = key // literal_column(str(int(width)))
    query = select(bucket, func.count()).group_by(bucket).order_by(bucket)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        KeyRange(int(index) * width, (int(index) + 1) * width - 1, int(count))
        for index, count in rows
    ]


def range_counts(
    engine: Engine, target: TargetSchema, app_id_start: int | None, app_id_end: int | None
) -> RangeCounts:
    """How many source documents a key range holds, and how many have each outcome."""
    model = build_model(target, dialect_name(engine))
    key = model.source.c[target.source_key_column]
    status = model.log.c[LOG.status]
    documents = _key_bounds(
        model, select(func.count()).select_from(model.source), app_id_start, app_id_end
    )
    outcomes = _key_bounds(
        model,
        select(status, func.count(distinct(key)))
        .select_from(model.source.join(model.log, model.log_app_key == key))
        .where(status.in_((STATUS_SUCCESS, STATUS_FAILED)))
        .group_by(status),
        app_id_start,
        app_id_end,
    )
    with engine.connect() as connection:
        total = int(connection.scalar(documents) or 0)
        by_status = {row[0]: int(row[1]) for row in connection.execute(outcomes)}
    return RangeCounts(total, by_status.get(STATUS_SUCCESS, 0), by_status.get(STATUS_FAILED, 0))
