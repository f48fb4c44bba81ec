import dagster as dg
import pytest

from xml_migration.defs.end_to_end import verify_migrations
from xml_migration.defs.jobs import end_to_end
from xml_migration_tests.defs.conftest import delete_one_target_row, resources_for

pytestmark = pytest.mark.dagster

CHECKS = {"no_lost_records", "no_duplicates", "reconciliation"}


def run_end_to_end(url: str, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return end_to_end.execute_in_process(
        resources=resources_for(url),
        instance=instance,
        run_config={
            "ops": {
                "generate_source_documents": {"config": {"count": 1_200, "fault_rate": 0.05}},
                "plan_all_chunks": {"config": {"chunks": 2}},
            }
        },
    )


def test_end_to_end_migrates_every_range_and_checks_each(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    result = run_end_to_end(database_url, instance)
    assert result.success
    keys = ["0000000000-0000000999", "0000001000-0000001999"]
    assert instance.get_dynamic_partitions("app_id_ranges") == keys
    materializations = [
        e.event_specific_data.materialization
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    ]
    migrated = {
        m.partition: m.metadata["documents"].value
        for m in materializations
        if m.asset_key == dg.AssetKey("migrated_applications")
    }
    assert migrated == {keys[0]: 999, keys[1]: 201}
    recorded = {m.asset_key for m in materializations}
    assert {dg.AssetKey("mock_source_documents"), dg.AssetKey("target_schema")} <= recorded
    evaluations = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert {(e.partition, e.check_name) for e in evaluations} == {
        (key, name) for key in keys for name in CHECKS
    }
    assert all(e.passed for e in evaluations)


def test_a_second_run_resets_and_migrates_old_and_new_documents(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    assert run_end_to_end(sqlite_url, instance).success
    again = run_end_to_end(sqlite_url, instance)
    assert again.success
    documents = sum(
        m.metadata["documents"].value
        for m in again.asset_materializations_for_node("record_migrations")
    )
    assert documents == 2_400


@dg.op
def registered_partitions(context: dg.OpExecutionContext) -> list[str]:
    return context.instance.get_dynamic_partitions("app_id_ranges")


@dg.job
def verification() -> None:
    verify_migrations(registered_partitions())


def test_verification_fails_the_run_on_a_corrupted_target(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    assert run_end_to_end(sqlite_url, instance).success
    app_id = delete_one_target_row(sqlite_url)
    result = verification.execute_in_process(
        resources=resources_for(sqlite_url), instance=instance, raise_on_error=False
    )
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert {e.check_name for e in failed} >= {"no_lost_records", "reconciliation"}
    assert app_id in failed[0].metadata["offending_app_ids"].value
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "integrity check(s) failed" in failure.step_failure_data.error.message
