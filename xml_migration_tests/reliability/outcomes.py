"""Reading back what a migration wrote: outcomes per document, integrity verdicts, all text."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import String, Text, func, select

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.integrity import integrity_checks
from xml_migration.db.model import LOG, build_model
from xml_migration.db.processing_log import decode_rows_written
from xml_migration.migration.run_range import cached_plan


@dataclass(frozen=True, slots=True)
class LoggedOutcome:
    """One processing log row."""

    status: str
    failure_reason: str | None
    rows_written: dict[str, int]

    @property
    def stage_and_reason(self) -> tuple[str, str] | None:
        """`(stage, reason)` of a failure, from `<stage>: <reason>[: <detail>]`."""
        if self.failure_reason is None:
            return None
        stage, reason, *_ = [*self.failure_reason.split(": ", 2), ""]
        return stage, reason

    @property
    def detail(self) -> str:
        """The readable part after `<stage>: <reason>: `; empty when there is none."""
        parts = (self.failure_reason or "").split(": ", 2)
        return parts[2] if len(parts) == 3 else ""


def target_of(contract_path: str | Path | None = None) -> TargetSchema:
    return cached_plan(None if contract_path is None else str(contract_path)).target


def source_keys(url: str, target: TargetSchema) -> list[int]:
    """Every application key of the source table, in order."""
    engine = create_db_engine(url)
    try:
        model = build_model(target, dialect_name(engine))
        with engine.connect() as connection:
            query = select(model.source_key).order_by(model.source_key)
            return [int(key) for key in connection.scalars(query)]
    finally:
        engine.dispose()


def logged_count(url: str) -> int:
    """Processing log rows committed so far."""
    engine = create_db_engine(url)
    try:
        log = build_model(target_of(), dialect_name(engine)).log
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(log)))
    finally:
        engine.dispose()


def logged_outcomes(url: str, target: TargetSchema) -> dict[int, list[LoggedOutcome]]:
    """Every processing log row, by application key (a list, to see duplicates)."""
    engine = create_db_engine(url)
    try:
        model = build_model(target, dialect_name(engine))
        log = model.log
        query = select(
            model.log_app_key, log.c[LOG.status], log.c[LOG.failure_reason], log.c[LOG.rows_written]
        )
        outcomes: dict[int, list[LoggedOutcome]] = defaultdict(list)
        with engine.connect() as connection:
            for app_id, status, reason, written in connection.execute(query):
                outcomes[int(app_id)].append(
                    LoggedOutcome(status, reason, decode_rows_written(written))
                )
        return dict(outcomes)
    finally:
        engine.dispose()


def integrity_failures(
    url: str, target: TargetSchema, id_range: tuple[int, int] | None = None
) -> list[str]:
    """Descriptions of the integrity checks that failed; empty when all pass."""
    engine = create_db_engine(url)
    try:
        results = integrity_checks(engine, target, id_range)
    finally:
        engine.dispose()
    assert set(results) == {"no_lost_records", "no_duplicates", "reconciliation"}
    return [f"{name}: {r.description}" for name, r in results.items() if not r.passed]


def all_text(url: str, target: TargetSchema) -> list[str]:
    """Every non-empty text value of the target tables and the processing log."""
    engine = create_db_engine(url)
    try:
        model = build_model(target, dialect_name(engine))
        values: list[str] = []
        with engine.connect() as connection:
            for table in (*model.tables, model.log):
                columns = [c for c in table.columns if isinstance(c.type, String | Text)]
                if not columns:
                    continue
                for row in connection.execute(select(*columns)):
                    values.extend(value for value in row if isinstance(value, str) and value)
        return values
    finally:
        engine.dispose()
