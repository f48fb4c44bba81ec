"""Sensors: new source documents become partitions and migration runs."""

import dagster as dg

from xml_migration.db.reflection import has_source_table
from xml_migration.db.source import max_source_key, source_key_ranges
from xml_migration.defs.jobs import migrate, reset
from xml_migration.defs.migration import missing_source_table
from xml_migration.defs.partitions import app_id_ranges, range_key
from xml_migration.defs.resources import ContractResource, DatabaseResource, PartitioningResource


def latest_reset(instance: dg.DagsterInstance) -> str | None:
    """The run id of the last successful `reset` run; None when there was none."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(job_name=reset.name, statuses=[dg.DagsterRunStatus.SUCCESS]),
        limit=1,
    )
    return runs[0].run_id if runs else None


def parse_cursor(cursor: str | None) -> tuple[int | None, str | None]:
    """(highest app_id handled, the reset run it was handled after) of `format_cursor`."""
    if not cursor:
        return None, None
    last, _, reset_run = cursor.partition("@")
    return int(last), reset_run or None


def format_cursor(last: int, reset_run: str | None) -> str:
    return f"{last}@{reset_run}" if reset_run else str(last)


@dg.sensor(
    job=migrate,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Every minute: source documents beyond the highest app_id handled become "
    "partitions and migration runs; after a reset, every range holding documents again.",
)
def new_source_documents(
    context: dg.SensorEvaluationContext,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dg.SensorResult | dg.SkipReason:
    """Notice source documents beyond the highest app_id seen so far, add the partitions
    they fall into and request a migration run for each.

    The cursor is the highest source app_id already handled (and the last reset run it
    knows); the first evaluation, and the first after a reset job emptied the target,
    cover the whole source table.
    """
    seen, known_reset = parse_cursor(context.cursor)
    reset_run = latest_reset(context.instance)
    if reset_run != known_reset:
        seen = None
    with database.engine() as engine:
        target = contract.target_schema()
        if not has_source_table(engine, target):
            return dg.SkipReason(missing_source_table(target, database))
        last = max_source_key(engine, target)
        if last is None:
            return dg.SkipReason("the source table is empty")
        if seen is not None and last <= seen:
            return dg.SkipReason(f"no source documents after app_id {seen}")
        ranges = source_key_ranges(engine, target, partitioning.width)
    keys = [
        range_key(found.start, found.end) for found in ranges if seen is None or found.end > seen
    ]
    existing = set(context.instance.get_dynamic_partitions(app_id_ranges.name))
    new_keys = [key for key in keys if key not in existing]
    cursor = format_cursor(last, reset_run)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"{key}@{cursor}", partition_key=key) for key in keys],
        dynamic_partitions_requests=[app_id_ranges.build_add_request(new_keys)] if new_keys else [],
        cursor=cursor,
    )
