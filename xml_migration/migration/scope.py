"""Which source documents a run covers: its key range (missing bounds from the source table),
the documents still pending in it, and the end key that caps a run at its first N of them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import dialect_name, disposable_engine
from xml_migration.db.model import build_model
from xml_migration.db.source import pending_documents_query, source_key_range
from xml_migration.migration.run_range import cached_plan
from xml_migration.migration.settings import MigrationSettings


@dataclass(frozen=True, slots=True)
class RunScope:
    """Keys `app_id_start`..`app_id_end` (inclusive) holding `pending` documents to migrate."""

    app_id_start: int
    app_id_end: int
    pending: int


def key_range(
    engine: Engine, target: TargetSchema, app_id_start: int | None, app_id_end: int | None
) -> tuple[int, int] | None:
    """The given bounds, a missing one taken from the source table's smallest or largest
    key; None when a bound is missing and the source table is empty."""
    if app_id_start is not None and app_id_end is not None:
        return app_id_start, app_id_end
    span = source_key_range(engine, target)
    if span is None:
        return None
    return (
        span[0] if app_id_start is None else app_id_start,
        span[1] if app_id_end is None else app_id_end,
    )


def settings_key_range(
    settings: MigrationSettings, app_id_start: int | None, app_id_end: int | None
) -> tuple[int, int] | None:
    """`key_range` in the database and for the contract of `settings`."""
    target = cached_plan(settings.contract_path).target
    with disposable_engine(settings.database_url) as engine:
        return key_range(engine, target, app_id_start, app_id_end)


def pending_count(
    engine: Engine,
    target: TargetSchema,
    app_id_start: int,
    app_id_end: int,
    *,
    reprocess_failed: bool = False,
    remigrate_fingerprint: str | None = None,
) -> int:
    """How many documents of the range a run would migrate (those without a blocking log row)."""
    model = build_model(target, dialect_name(engine))
    pending = pending_documents_query(
        model,
        app_id_start,
        app_id_end,
        reprocess_failed=reprocess_failed,
        remigrate_fingerprint=remigrate_fingerprint,
    ).order_by(None)
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(pending.subquery())) or 0)


def nth_pending_key(
    engine: Engine,
    target: TargetSchema,
    app_id_start: int,
    app_id_end: int,
    n: int,
    *,
    reprocess_failed: bool = False,
    remigrate_fingerprint: str | None = None,
) -> int | None:
    """The key of the `n`-th pending document of the range in key order (1-based); None
    when fewer are pending."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    model = build_model(target, dialect_name(engine))
    query = (
        pending_documents_query(
            model,
            app_id_start,
            app_id_end,
            reprocess_failed=reprocess_failed,
            remigrate_fingerprint=remigrate_fingerprint,
        )
        .with_only_columns(model.source_key)
        .offset(n - 1)
        .limit(1)
    )
    with engine.connect() as connection:
        key = connection.scalar(query)
    return None if key is None else int(key)


def run_scope(
    engine: Engine,
    target: TargetSchema,
    app_id_start: int | None,
    app_id_end: int | None,
    *,
    limit: int | None = None,
    reprocess_failed: bool = False,
    remigrate_fingerprint: str | None = None,
) -> RunScope | None:
    """What a run of the range migrates: with `limit`, the range is cut after its `limit`-th
    pending document. None when a bound is missing and the source table is empty.
    `remigrate_fingerprint` counts documents logged under another contract as pending."""
    span = key_range(engine, target, app_id_start, app_id_end)
    if span is None:
        return None
    start, end = span
    if limit is not None:
        last = nth_pending_key(
            engine,
            target,
            start,
            end,
            limit,
            reprocess_failed=reprocess_failed,
            remigrate_fingerprint=remigrate_fingerprint,
        )
        if last is not None:
            end = last
    pending = pending_count(
        engine,
        target,
        start,
        end,
        reprocess_failed=reprocess_failed,
        remigrate_fingerprint=remigrate_fingerprint,
    )
    return RunScope(start, end, pending)
