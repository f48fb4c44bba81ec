"""What processing one document yields: its rows, or a failure with stage and reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

FAILURE_REASON_MAX_LENGTH = 500


class Stage(StrEnum):
    """Stages of the processing log vocabulary (spec §15.5)."""

    VALIDATION = "validation"
    MAPPING = "mapping"
    CONSTRAINT_VIOLATION = "constraint_violation"
    DATABASE = "database"
    UNKNOWN = "unknown"


Row = tuple[Any, ...]
"""A row's values in the order of its `TableSpec.columns`.

Values are `None`, `int` (integers and bits), `decimal.Decimal` (quantized to the column's
scale), `str`, `datetime.datetime` (datetime, smalldatetime) or `datetime.date` (date).
"""


@dataclass(frozen=True, slots=True)
class MappedDocument:
    """A document mapped successfully: its rows per table, in table insertion order.

    Tables without rows are omitted. `notes` are data-quality notes that do not change
    the outcome (spec §15.5).
    """

    app_id: int
    rows: dict[str, list[Row]]
    notes: tuple[str, ...] = ()

    @property
    def row_counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items()}


@dataclass(frozen=True, slots=True)
class DocumentFailure:
    """A document that failed, with the stage, the reason word and a readable detail.

    The detail names what an operator needs: the mapping (target_table.target_column) and
    the offending value where there is one.
    """

    app_id: int
    stage: Stage
    reason: str
    detail: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def failure_reason(self) -> str:
        """The processing log's `failure_reason`: `<stage>: <reason>[: <detail>]`."""
        text = f"{self.stage.value}: {self.reason}"
        if self.detail:
            text = f"{text}: {self.detail}"
        return text[:FAILURE_REASON_MAX_LENGTH]


DocumentOutcome = MappedDocument | DocumentFailure
