"""The migration asset: one id-range partition fanned out into chunks that run in parallel.

`plan_chunks` splits the partition's range into sub-ranges, each a `DynamicOutput`;
`migrate_chunk` runs the migration of one sub-range in its own step process (read, parse,
map, load in transactions of `batch_size` documents, processing log); `summarize_migration`
merges the chunks' figures into the materialization's metadata.
"""

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import dagster as dg

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.guard import LockMode
from xml_migration.db.reflection import has_source_table
from xml_migration.db.source import source_key_range
from xml_migration.defs.config import (
    ChunkLoadConfig,
    MigrationConfig,
    require_valid_config,
)
from xml_migration.defs.deployment import DB_URL_VAR
from xml_migration.defs.metadata import count_table
from xml_migration.defs.partitions import app_id_ranges, parse_range_key, require_registered
from xml_migration.defs.resources import (
    ContractResource,
    DatabaseResource,
    PartitioningResource,
)
from xml_migration.defs.source import mock_source_documents
from xml_migration.defs.target import target_schema
from xml_migration.migration.run_range import migrate_range, split_range
from xml_migration.migration.run_stats import STAGES, RunStats

MIGRATION_GROUP = "migration"
PROGRESS_LOG_SECONDS = 15.0
CHUNK_RETRY_POLICY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
"""A chunk that fails (lost connection, killed process) is retried; exactly-once loading
makes a retry resume where the chunk stopped."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """An inclusive sub-range of app_ids of one partition, migrated by one step."""

    partition_key: str
    app_id_start: int
    app_id_end: int

    @property
    def mapping_key(self) -> str:
        return f"ids_{self.app_id_start}_{self.app_id_end}"


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What one chunk did, in which process, and when (epoch seconds)."""

    chunk: Chunk
    stats: RunStats
    pid: int
    started_at: float
    finished_at: float


def chunks_of(partition_key: str, chunks: int, source_span: tuple[int, int] | None) -> list[Chunk]:
    """The chunks of a partition: the part of its id range inside `source_span` (the
    smallest and largest source app_ids) split into `chunks` sub-ranges.

    Clipping keeps the chunks of a partly filled range equally loaded. A range outside
    the source span is one chunk, which finds no documents.
    """
    start, end = parse_range_key(partition_key)
    low, high = start, end
    if source_span is not None:
        low, high = max(start, source_span[0]), min(end, source_span[1])
    if low > high:
        return [Chunk(partition_key, start, end)]
    return [Chunk(partition_key, a, b) for a, b in split_range(low, high, chunks)]


def source_span(database: DatabaseResource, contract: ContractResource) -> tuple[int, int] | None:
    """The smallest and largest app_id of the source table; None when it is empty. Fails
    the step, saying what to do, when the database has no source table."""
    target = contract.target_schema()
    with database.engine() as engine:
        if not has_source_table(engine, target):
            raise dg.Failure(
                description=missing_source_table(target, database), allow_retries=False
            )
        return source_key_range(engine, target)


def missing_source_table(target: TargetSchema, database: DatabaseResource) -> str:
    """What to do when `database` has no source table, naming both."""
    return (
        f"no source table {target.source_table} in {database.display_url()}: materialize "
        f"mock_source_documents to generate documents there, or set {DB_URL_VAR} to the "
        "database that holds them"
    )


def migration_holder(context: dg.OpExecutionContext) -> str:
    """How a migration step names itself to a reset it holds off."""
    return f"Dagster run {context.run_id} (migration)"


def chunk_outputs(chunks: Iterable[Chunk]) -> Iterator[dg.DynamicOutput[Chunk]]:
    for chunk in chunks:
        yield dg.DynamicOutput(chunk, mapping_key=chunk.mapping_key)


@dg.op(ins={"after": dg.In(dg.Nothing)}, out=dg.DynamicOut(Chunk))
def plan_chunks(
    context: dg.OpExecutionContext,
    config: MigrationConfig,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> Iterator[dg.DynamicOutput[Chunk]]:
    """Check the run config, the partition key and the target, then split the partition's
    id range into chunks, one parallel step each.

    Fails before any document is read when a config value is out of bounds, when the
    partition is not registered, or while a reset of the same database runs.
    """
    require_valid_config(config)
    require_registered(context.instance, context.partition_key)
    with database.lock(LockMode.SHARED, migration_holder(context)):
        span = source_span(database, contract)
    chunks = chunks_of(context.partition_key, partitioning.chunk_count(config.chunks), span)
    context.log.info(f"partition {context.partition_key}: {len(chunks)} chunks")
    yield from chunk_outputs(chunks)


class ProgressLog:
    """Logs a chunk's progress at most every `interval` seconds (each line is a stored event)."""

    def __init__(self, context: dg.OpExecutionContext, chunk: Chunk, interval: float) -> None:
        self.context = context
        self.chunk = chunk
        self.interval = interval
        self.next_at = time.monotonic() + interval

    def __call__(self, stats: RunStats) -> None:
        if time.monotonic() < self.next_at:
            return
        self.next_at = time.monotonic() + self.interval
        self.context.log.info(
            f"ids {self.chunk.app_id_start}-{self.chunk.app_id_end}: {stats.documents} "
            f"documents so far, {stats.records_per_minute:,.0f} records/minute"
        )


@dg.op(retry_policy=CHUNK_RETRY_POLICY)
def migrate_chunk(
    context: dg.OpExecutionContext,
    config: ChunkLoadConfig,
    database: DatabaseResource,
    contract: ContractResource,
    chunk: Chunk,
) -> ChunkResult:
    """Migrate the documents of one chunk: read, parse, map, load, processing log.

    Holds the target lock shared: a reset of the same database waits for the chunk (it is
    refused), and a chunk started during a reset fails and is retried after it."""
    settings = database.migration_settings(
        contract.path,
        batch_size=config.batch_size,
        reprocess_failed=config.reprocess_failed,
        max_document_bytes=config.max_document_bytes,
        source_cut=not config.whole_documents,
        remigrate_stale=config.remigrate_stale,
        max_document_nodes=config.max_document_nodes,
        retry_seconds=config.retry_seconds,
        session_id=context.run.run_id,
        partition_key=chunk.partition_key,
    )
    started_at = time.time()
    progress = ProgressLog(context, chunk, PROGRESS_LOG_SECONDS)
    with database.lock(LockMode.SHARED, migration_holder(context)):
        stats = migrate_range(settings, chunk.app_id_start, chunk.app_id_end, on_batch=progress)
    finished_at = time.time()
    context.log.info(
        f"ids {chunk.app_id_start}-{chunk.app_id_end}: {stats.documents} documents, "
        f"{stats.successes} loaded, {stats.failures} failed, {stats.skipped} already done, "
        f"{stats.records_per_minute:,.0f} records/minute"
    )
    return ChunkResult(chunk, stats, os.getpid(), started_at, finished_at)


def merged_stats(results: Sequence[ChunkResult]) -> RunStats:
    """The chunks' figures added up; wall time from the first start to the last finish."""
    total = RunStats()
    for result in sorted(results, key=lambda r: r.chunk.app_id_start):
        total.merge(result.stats)
    if results:
        total.wall_seconds = max(r.finished_at for r in results) - min(
            r.started_at for r in results
        )
    return total


def migration_metadata(
    results: Sequence[ChunkResult], batch_size: int | None = None
) -> dict[str, object]:
    """Metadata of a migration materialization.

    Measured figures are numbers (the UI plots them across materializations); settings and
    counts that are no trend (batch size, chunks, worker processes) are text, and counts by
    table or stage are tables.
    """
    stats = merged_stats(results)
    metadata: dict[str, object] = {
        "dagster/row_count": sum(stats.rows_per_table.values()),
        "documents": stats.documents,
        "successes": stats.successes,
        "failures": stats.failures,
        "skipped": stats.skipped,
        "records_per_minute": round(stats.records_per_minute, 1),
        "wall_seconds": round(stats.wall_seconds, 3),
        "chunk_seconds_total": round(sum(r.finished_at - r.started_at for r in results), 3),
        "source_cuts": stats.cuts,
        "source_cut_fallbacks": stats.cut_fallbacks,
        "chunks": dg.MetadataValue.text(str(len(results))),
        "worker_processes": dg.MetadataValue.text(str(len({r.pid for r in results}))),
        "worker_pids": dg.MetadataValue.json(sorted({r.pid for r in results})),
        "rows_per_table": count_table("table", dict(stats.rows_per_table)),
        "failures_by_stage": count_table("stage", dict(stats.failures_by_stage)),
    }
    if batch_size is not None:
        metadata["batch_size"] = dg.MetadataValue.text(str(batch_size))
    for stage in STAGES:
        metadata[f"{stage}_seconds"] = round(stats.stage_seconds.get(stage, 0.0), 3)
    if stats.first_failures:
        rows = "\n".join(
            f"| {app_id} | {reason.replace('|', '/')} |" for app_id, reason in stats.first_failures
        )
        metadata["first_failures"] = dg.MetadataValue.md(
            f"| app_id | failure_reason |\n|---|---|\n{rows}"
        )
    return metadata


@dg.op
def summarize_migration(
    context: dg.OpExecutionContext, config: ChunkLoadConfig, results: list[ChunkResult]
) -> dg.Output[dict[str, object]]:
    """Merge the chunks' figures into the partition's materialization."""
    stats = merged_stats(results)
    context.log.info(
        f"partition {context.partition_key}: {stats.documents} documents in "
        f"{stats.wall_seconds:.1f} s, {stats.records_per_minute:,.0f} records/minute"
    )
    return dg.Output(stats.as_dict(), metadata=migration_metadata(results, config.batch_size))


@dg.config_mapping
def migration_run_config(config: MigrationConfig) -> dict[str, object]:
    """The asset's flat run config, handed to the ops that use each part; `plan_chunks`
    sees all of it and checks it before any other step runs."""
    load_config = {"config": config.model_dump(include=set(ChunkLoadConfig.model_fields))}
    return {
        "plan_chunks": {"config": config.model_dump()},
        "migrate_chunk": load_config,
        "summarize_migration": load_config,
    }


@dg.graph_asset(
    ins={
        "source_documents": dg.AssetIn(mock_source_documents.key, dagster_type=dg.Nothing),
        "target_tables": dg.AssetIn(target_schema.key, dagster_type=dg.Nothing),
    },
    partitions_def=app_id_ranges,
    config=migration_run_config,
    group_name=MIGRATION_GROUP,
    kinds={"python", "sql"},
    tags={"xml_migration/layer": "target"},
)
def migrated_applications(source_documents: None, target_tables: None) -> dict[str, object]:
    """Credit applications of one app_id range, migrated into the contract's tables.

    Every source document of the range ends as its rows plus a `success` row in the
    processing log, or as a `failed` row naming stage and reason. The range is split into
    chunks that run as parallel steps; documents already migrated are skipped, so a
    re-materialization resumes where a previous run stopped. The code version is the
    contract's fingerprint: partitions migrated under another contract show as stale, and
    a materialization migrates their documents again (unless `remigrate_stale` is off).
    """
    chunks = plan_chunks(after=[source_documents, target_tables])
    return summarize_migration(chunks.map(migrate_chunk).collect())


def versioned_by_contract(
    asset: dg.AssetsDefinition, contract: ContractResource
) -> dg.AssetsDefinition:
    """`asset` whose code version is the contract's fingerprint (the target tables and the
    migration: both are stale after a contract change)."""
    version = contract.fingerprint()
    return asset.map_asset_specs(lambda spec: spec.replace_attributes(code_version=version))
