"""Sensors: new source documents become partitions and migration runs."""

import dagster as dg

from xml_migration.db.source import max_source_key, source_key_ranges
from xml_migration.defs.jobs import migrate
from xml_migration.defs.partitions import app_id_ranges, range_key
from xml_migration.defs.resources import ContractResource, DatabaseResource, PartitioningResource


@dg.sensor(
    job=migrate,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def new_source_documents(
    context: dg.SensorEvaluationContext,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dg.SensorResult | dg.SkipReason:
    """Notice source documents beyond the highest app_id seen so far, add the partitions
    they fall into and request a migration run for each.

    The cursor is the highest source app_id already handled; the first evaluation covers
    the whole source table.
    """
    seen = int(context.cursor) if context.cursor else None
    with database.engine() as engine:
        target = contract.target_schema()
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
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"{key}@{last}", partition_key=key) for key in keys],
        dynamic_partitions_requests=[app_id_ranges.build_add_request(new_keys)] if new_keys else [],
        cursor=str(last),
    )
