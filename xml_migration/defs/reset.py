"""The reset of the target: empty the migrated tables and the processing log, keep the source.

A reset needs `confirm: true` in its run config, is refused while a migration of the same
database runs (a Dagster run in this instance, or anything holding the target lock, such
as `xml-migration run`), touches only tables that pass the check `target_schema` makes,
and leaves the partitions it emptied not materialized in the UI, so that the sensor and
the nightly schedule migrate them again.
"""

import dagster as dg

from xml_migration.db.ddl import create_schema, reset_schema
from xml_migration.db.guard import LockMode
from xml_migration.db.reflection import SchemaMismatchError
from xml_migration.defs.config import ResetConfig
from xml_migration.defs.migration import migrated_applications
from xml_migration.defs.resources import ContractResource, DatabaseResource

MIGRATION_JOBS = ("migrate", "end_to_end")
"""Jobs that write the target, besides any run materializing `migrated_applications`."""


def migrations_in_progress(instance: dg.DagsterInstance, own_run_id: str) -> list[dg.DagsterRun]:
    """Runs of this instance writing the target now, other than `own_run_id`."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.CANCELING,
            ]
        )
    )
    return [
        run
        for run in runs
        if run.run_id != own_run_id
        and (
            run.job_name in MIGRATION_JOBS
            or migrated_applications.key in (run.asset_selection or ())
        )
    ]


def refuse_during_migrations(context: dg.OpExecutionContext) -> None:
    """Fail the step when a migration run of this instance is still going, naming it."""
    running = migrations_in_progress(context.instance, context.run_id)
    if running:
        named = "; ".join(
            f"run {run.run_id} ({run.job_name}, partition "
            f"{run.tags.get('dagster/partition', 'none')})"
            for run in running
        )
        raise dg.Failure(
            description=f"reset refused: migration runs of this instance are in progress: "
            f"{named}; wait for them to finish, then reset",
            allow_retries=False,
        )


def wipe_migrated_partitions(instance: dg.DagsterInstance) -> list[str]:
    """Forget every materialization of `migrated_applications`, so that its partitions show
    as missing again; returns the keys that were materialized.

    A reset empties every partition, so the whole asset's history goes
    (`wipe_asset_partitions`, for some partitions only, is not supported by the open-source
    event log storages). The registered partitions stay."""
    keys = sorted(instance.get_materialized_partitions(migrated_applications.key))
    if keys:
        instance.wipe_assets([migrated_applications.key])
    return keys


@dg.op(ins={"after": dg.In(dg.Nothing)}, out=dg.Out(dg.Nothing))
def reset_target_tables(
    context: dg.OpExecutionContext,
    config: ResetConfig,
    database: DatabaseResource,
    contract: ContractResource,
) -> None:
    """Create missing tables, then delete every migrated row and processing log row.

    Source documents stay. Needs `confirm: true`; refused while a migration of the same
    database runs, and when an existing table does not fit the contract (it may not be
    the contract's). The emptied partitions show as not materialized afterwards.
    """
    if not config.confirm:
        raise dg.Failure(
            description="reset not confirmed: set `confirm: true` in the config of "
            "reset_target_tables to delete every migrated row and processing log row of "
            f"{database.display_url()}",
            allow_retries=False,
        )
    refuse_during_migrations(context)
    target = contract.target_schema()
    try:
        with (
            database.lock(LockMode.EXCLUSIVE, f"Dagster run {context.run_id} (reset)"),
            database.engine() as engine,
        ):
            create_schema(engine, target)
            reset_schema(engine, target)
    except SchemaMismatchError as error:
        raise dg.Failure(description=f"reset refused: {error}", allow_retries=False) from None
    wiped = wipe_migrated_partitions(context.instance)
    context.log.info(
        f"reset {len(target.tables)} tables and the processing log of "
        f"{database.display_url()}; partitions no longer materialized: "
        f"{', '.join(wiped) or 'none'}"
    )
