"""The source table: bulk writing of documents, streaming of the documents still to migrate,
key ranges for partitioning, and counts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Select,
    bindparam,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.functions import Function
from sqlalchemy.types import LargeBinary

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
from xml_migration.db.errors import ErrorKind, classify
from xml_migration.db.model import LOG, STATUS_FAILED, STATUS_SUCCESS, DatabaseModel, build_model
from xml_migration.db.retry import RetryPolicy, RetryStreak, with_retries
from xml_migration.db.stale import current_outcome
from xml_migration.db.writers import DEFAULT_METHODS, table_writer
from xml_migration.engine.reader import Utf8Text
from xml_migration.engine.source_cut import TAIL_CHARACTERS, CutText, SourceCut

INSERT_CHUNK_DOCUMENTS = 500
FETCH_DOCUMENTS = 50
"""Documents per fetch from the source when they fit `FETCH_BYTES`."""
FETCH_BYTES = 16 * 1024 * 1024
"""About this many bytes (characters for text) of documents per fetch from the source."""


class SourceDocument(NamedTuple):
    """One source row: the application key and the document (text, text as `Utf8Text`,
    bytes, or what the server sent of a cut document)."""

    app_id: int
    document: str | bytes | CutText | None


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


class _CutColumns(NamedTuple):
    """The select list of a cut read after the key, and the FROM clause it needs."""

    columns: list[ColumnElement[Any]]
    source: FromClause


def _cut_columns(model: DatabaseModel, cut: SourceCut) -> _CutColumns:
    """`document` (the whole text when the container's end tag is absent, NULL otherwise),
    `head`, `tail` and `size` (bytes) of a cut read, in the dialect's SQL (ADR 0016).

    PostgreSQL decompresses each value once: `textsend` turns the text into bytes in a
    lateral subquery that the planner cannot flatten (`OFFSET 0`), and the head, the tail
    and the size are slices and lengths of those bytes.
    """
    text = model.source.c[model.target.source_column]
    reach = len(cut.end_tag) - 1
    source: FromClause = model.source
    if model.dialect == "postgresql":
        end_tag = bindparam("end_tag", cut.end_tag.encode(), type_=LargeBinary)
        raw = select(func.textsend(text).label("raw")).correlate(model.source).offset(0)
        inner = raw.subquery("raw")
        found = Function("position", inner.c.raw, end_tag, packagenames=("pg_catalog",))
        sent = select(inner.c.raw, found.label("found")).lateral("sent")
        source = model.source.join(sent, true())
        data, position, size = sent.c.raw, sent.c.found, func.length(sent.c.raw)
        head = func.substring(data, 1, position + reach)
        tail = func.substr(data, size - (TAIL_CHARACTERS - 1))
    elif model.dialect == "mssql":
        end_tag = bindparam("end_tag", cut.end_tag)
        position = func.charindex(end_tag, text)
        head = func.substring(text, 1, position + reach)
        tail = func.right(text, TAIL_CHARACTERS)
        size = func.datalength(text)
    else:
        end_tag = bindparam("end_tag", cut.end_tag)
        position = func.instr(text, end_tag)
        if model.dialect == "sqlite":
            position = case((func.typeof(text) == "text", position), else_=0)
        head = func.substr(text, 1, position + reach)
        tail = func.substr(text, -TAIL_CHARACTERS)
        size = func.length(cast(text, LargeBinary))
    columns = [
        case((position == 0, text)).label("document"),
        case((position > 0, head)).label("head"),
        case((position > 0, tail)).label("tail"),
        size.label("size"),
    ]
    return _CutColumns(columns, source)


def pending_documents_query(
    model: DatabaseModel,
    start: int | None,
    end: int | None,
    *,
    reprocess_failed: bool = False,
    cut: SourceCut | None = None,
    remigrate_fingerprint: str | None = None,
) -> Select:
    """Source documents of a key range without a blocking log row, in key order.

    A success log row always blocks; a failed one blocks unless `reprocess_failed`. With
    `cut`, the rows hold the columns of a cut read (`_cut_columns`) after the key. With
    `remigrate_fingerprint` (the current contract's) only log rows written under that
    contract block: documents logged under another one are pending again.
    """
    key = model.source.c[model.target.source_key_column]
    logged = select(literal(1)).where(model.log_app_key == key)
    if reprocess_failed:
        logged = logged.where(model.log.c[LOG.status] == STATUS_SUCCESS)
    if remigrate_fingerprint is not None:
        logged = logged.where(current_outcome(model, remigrate_fingerprint))
    if cut is None:
        query = select(key, model.source.c[model.target.source_column])
    else:
        columns, source = _cut_columns(model, cut)
        query = select(key, *columns).select_from(source)
    return _key_bounds(model, query.where(~exists(logged)), start, end).order_by(key)


def _source_document(row: Any, cut: SourceCut | None, utf8: bool) -> SourceDocument:
    """A row of `pending_documents_query` as a source document."""
    if cut is None:
        return SourceDocument(int(row[0]), row[1])
    key, document, head, tail, size = row
    if document is not None or size is None:
        return SourceDocument(int(key), document)
    if isinstance(head, bytes) and utf8:
        head, tail = Utf8Text(head), Utf8Text(tail)
    return SourceDocument(int(key), CutText(head, tail, int(size)))


def sent_size(document: str | bytes | CutText | None) -> int:
    """Bytes (characters for text) of a document as the source sent it."""
    if document is None:
        return 0
    if isinstance(document, CutText):
        return len(document.head) + len(document.tail)
    return len(document)


def _fetch_count(max_documents: int, max_bytes: int, largest: int) -> int:
    """Documents to fetch next: `max_documents`, fewer when that many of the largest
    document seen so far would exceed `max_bytes`; at least one."""
    if largest == 0:
        return max_documents
    return max(1, min(max_documents, max_bytes // largest))


def _utf8_session(connection: Connection) -> bool:
    """Whether the connection's driver sends bytes of text in UTF-8 (psycopg)."""
    if connection.dialect.driver != "psycopg":
        return False
    return connection.connection.driver_connection.info.encoding == "utf-8"


def _stream(
    engine: Engine, query: Select, max_documents: int, max_bytes: int, cut: SourceCut | None
) -> Iterator[list[SourceDocument]]:
    """The rows of `query` through one connection, one fetch per list (`_fetch_count`)."""
    largest = 0
    connection = engine.connect()
    try:
        read_text_as_utf8(connection)
        utf8 = _utf8_session(connection)
        result = connection.execution_options(stream_results=True).execute(query)
        while rows := result.fetchmany(_fetch_count(max_documents, max_bytes, largest)):
            documents = [_source_document(row, cut, utf8) for row in rows]
            sizes = (sent_size(document) for _, document in documents)
            largest = max(largest, max(sizes, default=0))
            yield documents
    finally:
        _close_reading(connection)


def _close_reading(connection: Connection) -> None:
    """Close a reading connection, also one the server dropped: a read has nothing to roll
    back, and SQLAlchemy takes a dropped connection out of the pool."""
    with contextlib.suppress(DBAPIError):
        connection.close()


def read_whole_documents(
    engine: Engine, target: TargetSchema, app_ids: list[int], retry: RetryPolicy | None = None
) -> list[SourceDocument]:
    """The whole documents of `app_ids` in one query, in key order (the documents whose
    cut failed verification); a transient error repeats the query (`retry`)."""
    model = build_model(target, dialect_name(engine))
    key = model.source.c[target.source_key_column]
    query = select(key, model.source.c[target.source_column]).where(key.in_(app_ids)).order_by(key)

    def read() -> list[SourceDocument]:
        with engine.connect() as connection:
            read_text_as_utf8(connection)
            return [SourceDocument(int(k), document) for k, document in connection.execute(query)]

    return with_retries(retry or RetryPolicy(), "reading whole documents", read)


def read_pending_documents(
    engine: Engine,
    target: TargetSchema,
    app_id_start: int | None,
    app_id_end: int | None,
    max_documents: int,
    *,
    max_bytes: int = FETCH_BYTES,
    reprocess_failed: bool = False,
    remigrate_fingerprint: str | None = None,
    limit: int | None = None,
    retry: RetryPolicy | None = None,
    cut: SourceCut | None = None,
) -> Iterator[list[SourceDocument]]:
    """Stream the documents still to migrate in a key range (bounds inclusive, None for
    open), in key order, in lists of at most `max_documents`, one list per fetch.

    Reads through a server-side cursor on PostgreSQL (`stream_results`), so only the
    documents of one fetch are in memory; once documents have been seen, a fetch takes
    fewer than `max_documents` when that many of the largest so far would exceed
    `max_bytes`. The reading connection stays open until the iterator is exhausted or
    closed. `limit` caps the number of documents; `reprocess_failed` and
    `remigrate_fingerprint` select as `pending_documents_query` does. A transient error
    while reading (connection lost, server restart) reopens the read after the last
    document yielded, with the backoff of `retry` (the loader's policy by default); other
    errors propagate. With `cut`, a document whose container end tag the server finds
    arrives as the `CutText` the server sent of it (ADR 0016).
    """
    model = build_model(target, dialect_name(engine))
    streak = RetryStreak(retry or RetryPolicy(), "reading source documents")
    start, remaining = app_id_start, limit
    while remaining is None or remaining > 0:
        query = pending_documents_query(
            model,
            start,
            app_id_end,
            reprocess_failed=reprocess_failed,
            remigrate_fingerprint=remigrate_fingerprint,
            cut=cut,
        )
        if remaining is not None:
            query = query.limit(remaining)
        stream = _stream(engine, query, max_documents, max_bytes, cut)
        try:
            while True:
                try:
                    batch = next(stream, None)
                except DBAPIError as error:
                    if classify(error) is not ErrorKind.TRANSIENT:
                        raise
                    streak.wait(error, f" from app_id {start}")
                    break
                if batch is None:
                    return
                streak.succeeded()
                start = batch[-1].app_id + 1
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
