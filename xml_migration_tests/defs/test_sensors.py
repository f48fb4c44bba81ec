import dagster as dg
import pytest

from xml_migration.defs.jobs import reset
from xml_migration.defs.sensors import new_source_documents
from xml_migration.defs.target import target_schema
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.defs.conftest import resources_for

pytestmark = pytest.mark.dagster


def evaluate(url: str, instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources=resources_for(url)
    )
    return new_source_documents(context)


def test_new_documents_become_partitions_and_runs(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    dg.materialize([target_schema], resources=resources_for(sqlite_url), instance=instance)
    empty = evaluate(sqlite_url, instance, None)
    assert isinstance(empty, dg.SkipReason)
    generate_into_database(sqlite_url, 1_500, profile="compact")

    first = evaluate(sqlite_url, instance, None)
    assert first.cursor == "1500"
    assert [r.partition_key for r in first.run_requests] == [
        "0000000000-0000000999",
        "0000001000-0000001999",
    ]
    [added] = first.dynamic_partitions_requests
    assert list(added.partition_keys) == [r.partition_key for r in first.run_requests]

    idle = evaluate(sqlite_url, instance, first.cursor)
    assert isinstance(idle, dg.SkipReason)

    instance.add_dynamic_partitions("app_id_ranges", list(added.partition_keys))
    generate_into_database(sqlite_url, 600, profile="compact")
    more = evaluate(sqlite_url, instance, first.cursor)
    assert more.cursor == "2100"
    assert [r.partition_key for r in more.run_requests] == [
        "0000001000-0000001999",
        "0000002000-0000002999",
    ]
    assert list(more.dynamic_partitions_requests[0].partition_keys) == ["0000002000-0000002999"]
    assert len({r.run_key for r in [*first.run_requests, *more.run_requests]}) == 4


def test_after_a_reset_every_range_is_requested_again(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    generate_into_database(sqlite_url, 1_200, profile="compact")
    first = evaluate(sqlite_url, instance, None)
    instance.add_dynamic_partitions("app_id_ranges", [r.partition_key for r in first.run_requests])
    assert isinstance(evaluate(sqlite_url, instance, first.cursor), dg.SkipReason)
    assert reset.execute_in_process(
        resources=resources_for(sqlite_url),
        instance=instance,
        run_config={"ops": {"reset_target_tables": {"config": {"confirm": True}}}},
    ).success
    again = evaluate(sqlite_url, instance, first.cursor)
    assert [r.partition_key for r in again.run_requests] == [
        r.partition_key for r in first.run_requests
    ]
    assert not {r.run_key for r in again.run_requests} & {r.run_key for r in first.run_requests}
    assert isinstance(evaluate(sqlite_url, instance, again.cursor), dg.SkipReason)


def test_a_database_without_source_table_is_skipped_saying_what_to_do(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    skipped = evaluate(sqlite_url, instance, None)
    assert isinstance(skipped, dg.SkipReason)
    assert skipped.skip_message.startswith(f"no source table app_xml in {sqlite_url}: ")
