"""Schedules: the nightly incremental migration and the weekly batch-size sweep."""

import dagster as dg

from xml_migration.db.reflection import has_source_table
from xml_migration.db.source import range_counts, source_key_ranges
from xml_migration.defs.jobs import batch_size_sweep_job, migrate
from xml_migration.defs.migration import missing_source_table
from xml_migration.defs.partitions import range_key
from xml_migration.defs.resources import ContractResource, DatabaseResource, PartitioningResource
from xml_migration.defs.source import register_partitions


@dg.schedule(
    job=migrate,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every night at 02:00 UTC: a migration run per id range holding documents "
    "without an outcome (new ones, or all of them after a reset).",
)
def nightly_incremental_migration(
    context: dg.ScheduleEvaluationContext,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> list[dg.RunRequest] | dg.SkipReason:
    """Every night at 02:00 UTC, migrate the id ranges holding documents without an outcome.

    Documents already in the processing log are left alone (failed ones too: retry them
    with `reprocess_failed`); partitions for new ranges are added first.
    """
    with database.engine() as engine:
        target = contract.target_schema()
        if not has_source_table(engine, target):
            return dg.SkipReason(missing_source_table(target, database))
        keys = [
            range_key(found.start, found.end)
            for found in source_key_ranges(engine, target, partitioning.width)
            if range_counts(engine, target, found.start, found.end).pending
        ]
    if not keys:
        return dg.SkipReason("every source document already has an outcome")
    register_partitions(context.instance, keys)
    night = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [dg.RunRequest(run_key=f"{key}@{night}", partition_key=key) for key in keys]


weekly_batch_size_sweep = dg.ScheduleDefinition(
    name="weekly_batch_size_sweep",
    job=batch_size_sweep_job,
    cron_schedule="0 3 * * 0",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Sundays at 03:00 UTC: the batch-size sweep with its default configuration, "
    "on the benchmark database (never the migration's).",
)
