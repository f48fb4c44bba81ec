"""Loading batches of outcomes: one transaction per batch, exactly once, failures isolated.

A batch's rows (table by table, in insertion order) and its processing log rows are written
in one transaction that commits whole or not at all. When the database rejects the batch
because of some document, the batch is bisected until the offending documents stand alone;
all others are loaded and each offender gets a failed log row saying why. Transient errors
retry the same transaction with backoff. See docs/adr/0005-loading-transactions.md. A
re-migrating loader first deletes each document's rows and stale log row in the same
transaction (docs/adr/0015-contract-changes.md).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, select

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.collisions import find_key_owners, rejection_failure
from xml_migration.db.connection import dialect_name
from xml_migration.db.dbapi import (
    Connector,
    begin,
    discard,
    engine_connector,
    execute,
    quoted_table,
    release,
    rollback_quietly,
)
from xml_migration.db.errors import (
    ErrorKind,
    LoadError,
    TransientDatabaseError,
    classify,
    database_message,
)
from xml_migration.db.model import (
    LOG,
    SESSION_ID_LENGTH,
    STATUS_FAILED,
    STATUS_SUCCESS,
    DatabaseModel,
    build_model,
)
from xml_migration.db.processing_log import LogContext, log_columns, log_row, utc_now
from xml_migration.db.reflection import ExistingTables, inspect_existing_tables
from xml_migration.db.retry import RetryPolicy, RetryStreak, with_retries
from xml_migration.db.schema_history import check_layout
from xml_migration.db.stale import current_outcome, replace_documents_statements
from xml_migration.db.writers import DEFAULT_METHODS, LoadMethod, TableWriter, table_writer
from xml_migration.engine.outcome import DocumentFailure, DocumentOutcome, MappedDocument

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class BatchResult:
    """What loading one batch did, document by document."""

    loaded: list[int] = field(default_factory=list)
    """Keys of documents whose rows and success log row were committed."""
    failures: list[DocumentFailure] = field(default_factory=list)
    """Every failed log row written: the engine's failures and the database's rejections."""
    skipped: list[int] = field(default_factory=list)
    """Keys of documents another run recorded first (a concurrent run of the same keys)."""
    rows_per_table: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    """Transactions repeated after a transient error."""


class BatchLoader:
    """Loads batches of outcomes into one database through one connection.

    Use `open_loader`. Not thread-safe; one loader per worker.
    """

    def __init__(
        self,
        connector: Connector,
        model: DatabaseModel,
        context: LogContext,
        *,
        existing: ExistingTables | None = None,
        reprocess_failed: bool = False,
        remigrate: bool = False,
        method: LoadMethod | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if remigrate and not context.contract_fingerprint:
            raise ValueError("re-migration needs the contract fingerprint in the log context")
        self.connector = connector
        self.model = model
        self.context = context
        self.reprocess_failed = reprocess_failed
        self.remigrate = remigrate
        self.method = method or DEFAULT_METHODS[connector.driver]
        self.retry = retry or RetryPolicy()
        identity = (existing or ExistingTables()).identity_columns
        self._writers: dict[str, TableWriter] = {
            spec.name: table_writer(
                connector,
                self.method,
                model.table(spec.name),
                spec.column_names,
                identity=spec.name in identity,
            )
            for spec in model.target.tables
        }
        self._log_writer = table_writer(connector, self.method, model.log, log_columns(model))
        self._connection: Any = None

    def __enter__(self) -> BatchLoader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection."""
        if self._connection is not None:
            release(self._connection)
            self._connection = None

    def load(self, outcomes: Sequence[DocumentOutcome]) -> BatchResult:
        """Write a batch: rows and log rows of all outcomes, in application key order.

        Raises `TransientDatabaseError` when retries are exhausted and `LoadError` for an
        error no document caused; in both cases nothing of the batch not yet reported is
        written, and a re-run of the range resumes where it stopped.
        """
        result = BatchResult()
        self._load_group(sorted(outcomes, key=lambda outcome: outcome.app_id), result)
        return result

    def _load_group(self, group: list[DocumentOutcome], result: BatchResult) -> None:
        try:
            self._transaction(lambda connection: self._write(connection, group), result)
        except _DocumentError as error:
            if len(group) == 1:
                self._record_rejection(group[0], error, result)
                return
            middle = len(group) // 2
            log.info("batch of %d documents rejected (%s); bisecting", len(group), error.message)
            self._load_group(group[:middle], result)
            self._load_group(group[middle:], result)
            return
        for outcome in group:
            _count_committed(outcome, result)

    def _write(self, connection: Any, group: list[DocumentOutcome]) -> None:
        cursor = connection.cursor()
        try:
            app_ids = [outcome.app_id for outcome in group]
            if self.remigrate:
                self._delete_stale_documents(cursor, app_ids)
            if self.reprocess_failed:
                self._delete_failed_log_rows(cursor, app_ids)
            mapped = [outcome for outcome in group if isinstance(outcome, MappedDocument)]
            for spec in self.model.target.tables:
                rows = [row for document in mapped for row in document.rows.get(spec.name, ())]
                self._writers[spec.name].write(cursor, rows)
            when = utc_now()
            self._log_writer.write(
                cursor, [log_row(outcome, self.context, when) for outcome in group]
            )
        finally:
            cursor.close()

    def _delete_failed_log_rows(self, cursor: Any, app_ids: list[int]) -> None:
        """Remove the failed log rows a reprocessed document replaces."""
        quote = self.connector.dialect.identifier_preparer.quote
        placeholder = self.connector.placeholder
        sql = (
            f"DELETE FROM {quoted_table(self.connector, self.model.log)} "
            f"WHERE {quote(self.model.target.app_key_column)} = {placeholder} "
            f"AND {quote(LOG.status)} = {placeholder}"
        )
        cursor.executemany(sql, [(app_id, STATUS_FAILED) for app_id in app_ids])

    def _delete_stale_documents(self, cursor: Any, app_ids: list[int]) -> None:
        """Remove the rows and stale log rows of documents about to be migrated again."""
        fingerprint = self.context.contract_fingerprint or ""
        for statement in replace_documents_statements(self.model, app_ids, fingerprint):
            execute(self.connector, cursor, statement)

    def _record_rejection(
        self, outcome: DocumentOutcome, error: _DocumentError, result: BatchResult
    ) -> None:
        """Log why the database refused one document, unless another run recorded it, or
        this run did in a commit whose acknowledgement the connection lost."""
        if self._transaction(
            lambda connection: self._logged_by_this_run(connection, outcome), result
        ):
            log.info("document %d was recorded by this run's last commit", outcome.app_id)
            _count_committed(outcome, result)
            return
        failure = self._transaction(
            lambda connection: self._diagnose(connection, outcome, error), result, commit=False
        )
        if failure is None:
            log.info("document %d was recorded by another run; skipped", outcome.app_id)
            result.skipped.append(outcome.app_id)
            return
        try:
            self._transaction(lambda connection: self._write(connection, [failure]), result)
        except _DocumentError as log_error:
            if self._transaction(
                lambda connection: self._recorded_elsewhere(connection, outcome.app_id), result
            ):
                result.skipped.append(outcome.app_id)
                return
            raise LoadError(
                f"cannot record the outcome of document {outcome.app_id}: {log_error.message}"
            ) from log_error.__cause__
        log.info("document %d failed: %s", outcome.app_id, failure.failure_reason)
        result.failures.append(failure)

    def _logged_by_this_run(self, connection: Any, outcome: DocumentOutcome) -> bool:
        """Whether a log row of this run's session records `outcome` (a run reads a document
        once, so only a retried commit that had succeeded writes it twice)."""
        session = self.context.session_id[:SESSION_ID_LENGTH]
        if not session:
            return False
        log_table = self.model.log
        status = STATUS_SUCCESS if isinstance(outcome, MappedDocument) else STATUS_FAILED
        query = select(log_table.c[LOG.session_id]).where(
            (self.model.log_app_key == outcome.app_id)
            & (log_table.c[LOG.session_id] == session)
            & (log_table.c[LOG.status] == status)
        )
        cursor = connection.cursor()
        try:
            return bool(execute(self.connector, cursor, query))
        finally:
            cursor.close()

    def _recorded_elsewhere(self, connection: Any, app_id: int) -> bool:
        """Whether a log row now blocks `app_id` (written by another run)."""
        log_table = self.model.log
        query = select(log_table.c[LOG.status]).where(self.model.log_app_key == app_id)
        if self.remigrate:
            fingerprint = self.context.contract_fingerprint or ""
            query = query.where(current_outcome(self.model, fingerprint))
        cursor = connection.cursor()
        try:
            statuses = {row[0] for row in execute(self.connector, cursor, query)}
        finally:
            cursor.close()
        return bool(statuses) and not (self.reprocess_failed and statuses == {STATUS_FAILED})

    def _diagnose(
        self, connection: Any, outcome: DocumentOutcome, error: _DocumentError
    ) -> DocumentFailure | None:
        if self._recorded_elsewhere(connection, outcome.app_id):
            return None
        if isinstance(outcome, DocumentFailure):
            raise LoadError(
                f"cannot record the failure of document {outcome.app_id}: {error.message}"
            )
        cursor = connection.cursor()
        try:
            if self.remigrate:
                self._delete_stale_documents(cursor, [outcome.app_id])
            owners = find_key_owners(self.connector, cursor, self.model, outcome)
        finally:
            cursor.close()
        return rejection_failure(
            outcome, owners, self.model.target.root_table.name, error.kind, error.message
        )

    def _transaction(
        self, work: Callable[[Any], T], result: BatchResult, *, commit: bool = True
    ) -> T:
        """Run `work(connection)` in one transaction, retrying transient errors; without
        `commit` the transaction only reads and is rolled back.

        Document-caused errors become `_DocumentError`; others `LoadError`.
        """
        streak = RetryStreak(self.retry, "loading a batch")
        while True:
            connection = None
            try:
                connection = self._connect()
                begin(self.connector, connection)
                value = work(connection)
                if commit:
                    connection.commit()
                else:
                    connection.rollback()
                return value
            except (LoadError, TransientDatabaseError):
                if connection is not None:
                    rollback_quietly(connection)
                raise
            except Exception as exc:
                if connection is not None:
                    rollback_quietly(connection)
                kind = classify(exc)
                if kind is ErrorKind.TRANSIENT:
                    self._drop_connection()
                    streak.wait(exc)
                    result.retries += 1
                    continue
                if kind is ErrorKind.SYSTEM:
                    raise LoadError(database_message(exc)) from exc
                raise _DocumentError(kind, database_message(exc)) from exc

    def _connect(self) -> Any:
        if self._connection is None:
            self._connection = self.connector.connect()
        return self._connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            discard(self._connection)
            self._connection = None


def _count_committed(outcome: DocumentOutcome, result: BatchResult) -> None:
    """Add a document whose rows and log row were committed to `result`."""
    if isinstance(outcome, MappedDocument):
        result.loaded.append(outcome.app_id)
        result.rows_per_table.update(outcome.row_counts)
    else:
        result.failures.append(outcome)


class _DocumentError(Exception):
    """The database refused a group of documents because of (at least) one of them."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def open_loader(
    engine: Engine,
    target: TargetSchema,
    context: LogContext | None = None,
    *,
    reprocess_failed: bool = False,
    remigrate: bool = False,
    method: LoadMethod | None = None,
    retry: RetryPolicy | None = None,
) -> BatchLoader:
    """A loader for `engine`, after checking that the tables can hold what `target` writes.

    Raises `SchemaMismatchError` listing every incompatibility (including layout changes
    not applied yet, `db/schema_history.py`) before anything is written. The inspection is
    retried like a transaction (`retry`).
    """
    retry = retry or RetryPolicy()
    model = build_model(target, dialect_name(engine))

    def inspect() -> ExistingTables:
        existing = inspect_existing_tables(engine, target)
        check_layout(engine, model)
        return existing

    existing = with_retries(retry, "inspecting the target tables", inspect)
    return BatchLoader(
        engine_connector(engine),
        model,
        context or LogContext(),
        existing=existing,
        reprocess_failed=reprocess_failed,
        remigrate=remigrate,
        method=method,
        retry=retry,
    )


def load_batch(
    engine: Engine,
    target: TargetSchema,
    outcomes: Sequence[DocumentOutcome],
    context: LogContext | None = None,
    *,
    reprocess_failed: bool = False,
) -> BatchResult:
    """Load one batch with a loader of its own (for a single batch; runs use `open_loader`)."""
    with open_loader(engine, target, context, reprocess_failed=reprocess_failed) as loader:
        return loader.load(outcomes)
