from datetime import UTC, datetime

import dagster as dg
import pytest

from xml_migration.defs.jobs import reset
from xml_migration.defs.migration import migrated_applications
from xml_migration.defs.schedules import nightly_incremental_migration, weekly_batch_size_sweep
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.defs.conftest import resources_for

pytestmark = pytest.mark.dagster

NIGHT = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def evaluate(url: str, instance: dg.DagsterInstance) -> list[dg.RunRequest] | dg.SkipReason:
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=NIGHT, resources=resources_for(url)
    )
    return nightly_incremental_migration(context)


def test_nightly_migration_requests_only_ranges_with_new_documents(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    generate_into_database(sqlite_url, 1_200, profile="compact")
    requests = evaluate(sqlite_url, instance)
    keys = ["0000000000-0000000999", "0000001000-0000001999"]
    assert [r.partition_key for r in requests] == keys
    assert instance.get_dynamic_partitions("app_id_ranges") == keys
    assert requests[0].run_key == "0000000000-0000000999@2026-03-04"

    for key in keys:
        assert dg.materialize(
            [migrated_applications],
            partition_key=key,
            resources=resources_for(sqlite_url),
            instance=instance,
        ).success
    assert isinstance(evaluate(sqlite_url, instance), dg.SkipReason)

    generate_into_database(sqlite_url, 10, profile="compact")
    assert [r.partition_key for r in evaluate(sqlite_url, instance)] == keys[1:]


def test_weekly_sweep_targets_the_sweep_job_and_starts_stopped() -> None:
    assert weekly_batch_size_sweep.job_name == "batch_size_sweep"
    assert weekly_batch_size_sweep.cron_schedule == "0 3 * * 0"
    assert weekly_batch_size_sweep.default_status == dg.DefaultScheduleStatus.STOPPED


def test_after_a_reset_the_nightly_migration_requests_every_range_again(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    generate_into_database(sqlite_url, 1_200, profile="compact")
    keys = [r.partition_key for r in evaluate(sqlite_url, instance)]
    for key in keys:
        assert dg.materialize(
            [migrated_applications],
            partition_key=key,
            resources=resources_for(sqlite_url),
            instance=instance,
        ).success
    assert isinstance(evaluate(sqlite_url, instance), dg.SkipReason)
    assert reset.execute_in_process(
        resources=resources_for(sqlite_url),
        instance=instance,
        run_config={"ops": {"reset_target_tables": {"config": {"confirm": True}}}},
    ).success
    assert instance.get_materialized_partitions(migrated_applications.key) == set()
    assert [r.partition_key for r in evaluate(sqlite_url, instance)] == keys
