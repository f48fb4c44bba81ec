"""The reset job: confirmed, refused during migrations, only on the contract's tables, and
leaving the partitions it emptied not materialized."""

import threading
import time

import dagster as dg
import pytest

from xml_migration.db.guard import LockMode, target_lock
from xml_migration.defs.jobs import reset
from xml_migration.defs.migration import migrated_applications
from xml_migration_tests.defs.conftest import resources_for, source_documents
from xml_migration_tests.defs.test_target import row_counts

pytestmark = pytest.mark.dagster

CONFIRMED = {"ops": {"reset_target_tables": {"config": {"confirm": True}}}}


def run_reset(
    url: str, instance: dg.DagsterInstance, run_config: dict | None = CONFIRMED
) -> dg.ExecuteInProcessResult:
    return reset.execute_in_process(
        resources=resources_for(url),
        instance=instance,
        run_config=run_config,
        raise_on_error=False,
    )


def failure_description(result: dg.ExecuteInProcessResult) -> str:
    [failure] = [event for event in result.all_events if event.is_step_failure]
    return failure.step_failure_data.user_failure_data.description


def migrate_partition(url: str, instance: dg.DagsterInstance, key: str, **config: object) -> bool:
    return dg.materialize(
        [migrated_applications],
        partition_key=key,
        resources=resources_for(url),
        instance=instance,
        run_config={"ops": {"migrated_applications": {"config": config}}} if config else None,
    ).success


def test_reset_empties_migrated_tables_and_log_keeps_the_source_and_wipes_the_status(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    keys = source_documents(database_url, instance, 30)
    assert migrate_partition(database_url, instance, keys[0])
    assert instance.get_materialized_partitions(migrated_applications.key) == {keys[0]}
    before = row_counts(database_url)
    assert before["log"] == 30 and before["app_base"] > 0
    assert run_reset(database_url, instance).success
    after = row_counts(database_url)
    assert after["source"] == 30
    assert {name: n for name, n in after.items() if name != "source" and n} == {}
    assert instance.get_materialized_partitions(migrated_applications.key) == set()
    assert instance.get_latest_materialization_event(migrated_applications.key) is None


def test_reset_needs_confirmation(sqlite_url: str, instance: dg.DagsterInstance) -> None:
    keys = source_documents(sqlite_url, instance, 10)
    assert migrate_partition(sqlite_url, instance, keys[0])
    result = run_reset(sqlite_url, instance, run_config=None)
    assert not result.success
    assert failure_description(result).startswith("reset not confirmed: set `confirm: true`")
    assert row_counts(sqlite_url)["log"] == 10


def test_reset_is_refused_while_a_cli_migration_holds_the_database(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    keys = source_documents(database_url, instance, 10)
    assert migrate_partition(database_url, instance, keys[0])
    with target_lock(database_url, LockMode.SHARED, "xml-migration run cli-0123456789abcdef"):
        result = run_reset(database_url, instance)
    assert not result.success
    assert "in use by xml-migration run cli-0123456789abcdef (pid" in failure_description(result)
    assert row_counts(database_url)["log"] == 10
    assert instance.get_materialized_partitions(migrated_applications.key) == {keys[0]}


def test_a_migration_is_refused_while_a_reset_holds_the_database(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    keys = source_documents(database_url, instance, 10)
    with target_lock(database_url, LockMode.EXCLUSIVE, "xml-migration reset (pid 4242)"):
        result = dg.materialize(
            [migrated_applications],
            partition_key=keys[0],
            resources=resources_for(database_url),
            instance=instance,
            raise_on_error=False,
        )
    assert not result.success
    assert "in use by xml-migration reset (pid 4242)" in failure_description(result)
    assert row_counts(database_url)["log"] == 0


def test_a_dagster_reset_during_a_dagster_migration_is_refused_naming_the_run(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    """Both at once: a partition run migrating in small batches, and the reset job."""
    keys = source_documents(database_url, instance, 900, fault_rate=0.0)
    outcome: dict[str, bool] = {}
    migration = threading.Thread(
        target=lambda: outcome.setdefault(
            "success", migrate_partition(database_url, instance, keys[0], batch_size=5, chunks=1)
        )
    )
    migration.start()
    deadline = time.monotonic() + 120
    while row_counts(database_url)["log"] == 0:
        assert migration.is_alive() and time.monotonic() < deadline
        time.sleep(0.2)
    result = run_reset(database_url, instance)
    migration.join(timeout=600)
    assert outcome == {"success": True}
    assert not result.success
    [run] = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": keys[0]}))
    description = failure_description(result)
    assert "refused" in description or "in use by" in description
    assert run.run_id in description
    assert row_counts(database_url)["log"] == 900
    assert instance.get_materialized_partitions(migrated_applications.key) == {keys[0]}
