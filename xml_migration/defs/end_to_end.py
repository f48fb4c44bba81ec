"""The end-to-end job: mock documents, reset, migrate every id range present, checks.

It reuses the ops and functions of the assets and records the same asset events
(materializations per partition, check evaluations), so the UI shows its results on the
assets; a failed integrity check fails the run.
"""

from collections import defaultdict
from collections.abc import Iterator

import dagster as dg

from xml_migration.db.source import source_key_range, source_key_ranges
from xml_migration.defs.checks import check_metadata, integrity_results
from xml_migration.defs.config import ChunkingConfig, MockDocumentsConfig, require_valid_config
from xml_migration.defs.migration import (
    Chunk,
    ChunkResult,
    chunk_outputs,
    chunks_of,
    migrate_chunk,
    migrated_applications,
    migration_metadata,
)
from xml_migration.defs.partitions import parse_range_key, range_key
from xml_migration.defs.reset import reset_target_tables
from xml_migration.defs.resources import ContractResource, DatabaseResource, PartitioningResource
from xml_migration.defs.source import generate_documents, mock_source_documents, register_partitions
from xml_migration.defs.target import create_target_tables, target_schema


@dg.op(out=dg.Out(dg.Nothing))
def generate_source_documents(
    context: dg.OpExecutionContext,
    config: MockDocumentsConfig,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> None:
    """Generate mock documents into the source table and register their partitions."""
    metadata = generate_documents(context, config, database, contract, partitioning)
    context.log_event(dg.AssetMaterialization(mock_source_documents.key, metadata=metadata))


@dg.op(ins={"after": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def create_target(
    context: dg.OpExecutionContext, database: DatabaseResource, contract: ContractResource
) -> None:
    """Create the missing tables of the contract, check the existing ones, and record the
    `target_schema` materialization."""
    metadata = create_target_tables(database, contract)
    context.log_event(dg.AssetMaterialization(target_schema.key, metadata=metadata))


reset_confirmed = reset_target_tables.configured({"confirm": True}, name="reset_target")
"""The reset of the end-to-end job, confirmed by the job itself."""


@dg.op(ins={"after": dg.In(dg.Nothing)}, out=dg.DynamicOut(Chunk))
def plan_all_chunks(
    context: dg.OpExecutionContext,
    config: ChunkingConfig,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> Iterator[dg.DynamicOutput[Chunk]]:
    """Split every id range holding source documents into chunks, one parallel step each."""
    require_valid_config(config)
    with database.engine() as engine:
        target = contract.target_schema()
        ranges = source_key_ranges(engine, target, partitioning.width)
        span = source_key_range(engine, target)
    if not ranges:
        context.log.warning("the source table is empty: nothing to migrate")
        return
    keys = [range_key(found.start, found.end) for found in ranges]
    register_partitions(context.instance, keys)
    count = partitioning.chunk_count(config.chunks)
    documents = sum(found.documents for found in ranges)
    context.log.info(f"{documents} documents in {len(keys)} partitions, {count} chunks each")
    for key in keys:
        yield from chunk_outputs(chunks_of(key, count, span))


@dg.op
def record_migrations(context: dg.OpExecutionContext, results: list[ChunkResult]) -> list[str]:
    """Record a materialization of `migrated_applications` per partition; return the keys."""
    by_partition: dict[str, list[ChunkResult]] = defaultdict(list)
    for result in results:
        by_partition[result.chunk.partition_key].append(result)
    for key in sorted(by_partition):
        context.log_event(
            dg.AssetMaterialization(
                migrated_applications.key,
                partition=key,
                metadata=migration_metadata(by_partition[key]),
            )
        )
    return sorted(by_partition)


@dg.op
def verify_migrations(
    context: dg.OpExecutionContext,
    database: DatabaseResource,
    contract: ContractResource,
    partition_keys: list[str],
) -> Iterator[dg.AssetCheckEvaluation | dg.Output[None]]:
    """Run the integrity checks on every migrated partition; fail if any check fails."""
    failed = []
    for key in partition_keys:
        for name, result in integrity_results(database, contract, parse_range_key(key)).items():
            yield dg.AssetCheckEvaluation(
                asset_key=migrated_applications.key,
                check_name=name,
                passed=result.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                blocking=True,
                description=result.description,
                metadata={**check_metadata(result), "partition": key},
                partition=key,
            )
            if not result.passed:
                failed.append(f"{name} on {key}: {result.description}")
    if failed:
        raise dg.Failure(
            description=f"{len(failed)} integrity check(s) failed", metadata={"failed": failed}
        )
    context.log.info(f"integrity checks passed on {len(partition_keys)} partitions")
    yield dg.Output(None)


@dg.graph
def end_to_end_graph() -> None:
    """Mock documents → target tables → reset → migrate every id range present → integrity
    checks."""
    generated = generate_source_documents()
    reset = reset_confirmed(after=create_target(after=generated))
    results = plan_all_chunks(after=reset).map(migrate_chunk).collect()
    verify_migrations(record_migrations(results))
