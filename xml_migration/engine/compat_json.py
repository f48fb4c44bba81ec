"""Outcomes in the JSON shape of the compatibility vectors (`document`, `status`, `tables`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xml_migration.contract.tables import ColumnSpec, DataType, TableSpec, TargetSchema
from xml_migration.engine.outcome import DocumentFailure, MappedDocument

STATUS_SUCCESS = "success"
STATUS_FAILED = "failed"


def encode_value(value: object, column: ColumnSpec) -> object:
    """A column value as JSON: decimals as text with the column's scale, ISO date-times."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        scale = column.scale if column.data_type is DataType.DECIMAL else 0
        return format(value.quantize(Decimal(1).scaleb(-scale)), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _sort_key(row: tuple[object, ...], positions: tuple[int, ...]) -> tuple[object, ...]:
    return tuple((row[i] is None, row[i]) for i in positions)


def encode_rows(table: TableSpec, rows: list[tuple[object, ...]]) -> list[dict[str, Any]]:
    """Rows as objects keyed by column name, sorted by primary key."""
    names = table.column_names
    positions = tuple(names.index(name) for name in table.primary_key)
    ordered = sorted(rows, key=lambda row: _sort_key(row, positions))
    return [
        {column.name: encode_value(row[i], column) for i, column in enumerate(table.columns)}
        for row in ordered
    ]


def outcome_record(
    schema: TargetSchema,
    outcome: MappedDocument | DocumentFailure,
    document: str,
    source_app_id: int,
) -> dict[str, Any]:
    """One document's outcome as in the vectors' expected files (processing log included)."""
    tables: dict[str, Any] = {}
    if isinstance(outcome, MappedDocument):
        for table in schema.tables:
            rows = outcome.rows.get(table.name)
            if rows:
                tables[table.name] = encode_rows(table, rows)
        failure = None
        log = {
            schema.app_key_column: source_app_id,
            "status": STATUS_SUCCESS,
            "failure_reason": None,
        }
    else:
        failure = {"stage": outcome.stage.value, "reason": outcome.reason}
        log = {
            schema.app_key_column: source_app_id,
            "status": STATUS_FAILED,
            "failure_reason": outcome.failure_reason,
        }
    tables[schema.processing_log_table] = [log]
    return {
        "document": document,
        "source_app_id": source_app_id,
        "status": STATUS_SUCCESS if failure is None else STATUS_FAILED,
        "failure": failure,
        "tables": tables,
    }
