"""Rows of the processing log (spec §15.5) and its extension columns (`rows_written`,
`partition_key`, `contract_fingerprint`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xml_migration.db.model import (
    LOG,
    PARTITION_KEY_LENGTH,
    SESSION_ID_LENGTH,
    STATUS_FAILED,
    STATUS_SUCCESS,
    DatabaseModel,
)
from xml_migration.engine.outcome import DocumentFailure, MappedDocument


@dataclass(frozen=True, slots=True)
class LogContext:
    """What every log row of a run records besides the outcome.

    `session_id` identifies the run (the Dagster run id, or the CLI's run id);
    `app_id_start`/`app_id_end` bound the key range it processed; `partition_key` names
    the Dagster partition; `contract_fingerprint` the contract that produced the outcome.
    """

    session_id: str = ""
    app_id_start: int | None = None
    app_id_end: int | None = None
    partition_key: str | None = None
    contract_fingerprint: str | None = None


def log_columns(model: DatabaseModel) -> tuple[str, ...]:
    """The log columns the loader writes, in the order of `log_row` (all but `log_id`)."""
    return (
        model.target.app_key_column,
        LOG.status,
        LOG.failure_reason,
        LOG.processing_time,
        LOG.session_id,
        LOG.app_id_start,
        LOG.app_id_end,
        LOG.rows_written,
        LOG.partition_key,
        LOG.contract_fingerprint,
    )


def utc_now() -> datetime:
    """The current UTC time as a naive date-time (the log's `datetime2` has no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def encode_rows_written(counts: dict[str, int]) -> str:
    """`{"table": rows, ...}` for the tables a document wrote rows to, in insertion order."""
    return json.dumps(
        {table: count for table, count in counts.items() if count}, separators=(",", ":")
    )


def decode_rows_written(text: str | None) -> dict[str, int]:
    """The counts recorded by `encode_rows_written`; empty for NULL or unreadable text."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(table): int(count) for table, count in value.items() if isinstance(count, int)}


def log_row(
    outcome: MappedDocument | DocumentFailure, context: LogContext, when: datetime
) -> tuple[Any, ...]:
    """The log row of one outcome, ordered like `log_columns`."""
    if isinstance(outcome, MappedDocument):
        status, reason, written = STATUS_SUCCESS, None, encode_rows_written(outcome.row_counts)
    else:
        status, reason, written = STATUS_FAILED, outcome.failure_reason, None
    return (
        outcome.app_id,
        status,
        reason,
        when,
        context.session_id[:SESSION_ID_LENGTH] or None,
        context.app_id_start,
        context.app_id_end,
        written,
        context.partition_key[:PARTITION_KEY_LENGTH] if context.partition_key else None,
        context.contract_fingerprint,
    )
