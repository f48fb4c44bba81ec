from types import SimpleNamespace

import dagster as dg
import pytest
from dagster import Definitions

from xml_migration.defs.checks import migration_integrity
from xml_migration.defs.jobs import migrate
from xml_migration.defs.migration import Chunk, ProgressLog, chunks_of, migrated_applications
from xml_migration.defs.partitions import parse_range_key
from xml_migration.migration.run_stats import RunStats
from xml_migration_tests.defs.conftest import (
    delete_one_target_row,
    resources_for,
    source_documents,
)
from xml_migration_tests.reliability.outcomes import logged_outcomes, target_of

pytestmark = pytest.mark.dagster


def test_chunks_of_clip_the_partition_to_the_source_and_cover_it() -> None:
    chunks = chunks_of("0000001000-0000001999", 2, (1_001, 1_400))
    assert [(c.app_id_start, c.app_id_end) for c in chunks] == [(1_001, 1_200), (1_201, 1_400)]
    full = chunks_of("0000001000-0000001999", 3, (1, 50_000))
    assert full[0].app_id_start == 1_000 and full[-1].app_id_end == 1_999
    assert sum(c.app_id_end - c.app_id_start + 1 for c in full) == 1_000
    assert len({c.mapping_key for c in full}) == 3
    outside = chunks_of("0000005000-0000005999", 2, (1, 400))
    assert [(c.app_id_start, c.app_id_end) for c in outside] == [(5_000, 5_999)]


def materialize_partition(
    database_url: str, instance: dg.DagsterInstance, key: str, **config: object
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [migrated_applications, migration_integrity],
        partition_key=key,
        resources=resources_for(database_url),
        instance=instance,
        run_config={"ops": {"migrated_applications": {"config": config}}} if config else None,
        raise_on_error=False,
    )


def migrate_job(database_url: str) -> dg.JobDefinition:
    """The `migrate` job of the code location, on `database_url`."""
    definitions = Definitions(
        assets=[migrated_applications], resources=resources_for(database_url), jobs=[migrate]
    )
    return definitions.resolve_job_def("migrate")


def counts(table: dg.TableMetadataValue) -> dict[str, int]:
    """A count table of the metadata as {name: count}."""
    return {
        str(record.data["table" if "table" in record.data else "stage"]): int(record.data["count"])
        for record in table.records
    }


def step_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """The description of every failed step (what the UI shows first)."""
    return [
        event.step_failure_data.user_failure_data.description
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.user_failure_data is not None
    ]


def checks_of(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_a_partition_migrates_with_metadata_and_passing_checks(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    keys = source_documents(database_url, instance, 60)
    result = materialize_partition(database_url, instance, keys[0], batch_size=7, chunks=3)
    assert result.success
    [materialization] = result.asset_materializations_for_node("migrated_applications")
    metadata = {name: value.value for name, value in materialization.metadata.items()}
    assert materialization.partition == keys[0]
    assert metadata["documents"] == 60
    assert metadata["successes"] + metadata["failures"] == 60
    assert metadata["failures"] > 0
    assert sum(counts(metadata["failures_by_stage"]).values()) == metadata["failures"]
    assert metadata["chunks"] == "3" and metadata["batch_size"] == "7"
    assert metadata["dagster/row_count"] == sum(counts(metadata["rows_per_table"]).values()) > 0
    assert metadata["records_per_minute"] > 0
    assert metadata["source_cuts"] > 0
    for stage in ("read", "parse", "map", "load"):
        assert metadata[f"{stage}_seconds"] >= 0
    assert "app_id" in metadata["first_failures"]
    checks = checks_of(result)
    assert set(checks) == {"no_lost_records", "no_duplicates", "reconciliation", "current_contract"}
    assert all(check.passed for check in checks.values())
    assert checks["reconciliation"].metadata["partition"].value == keys[0]


def test_a_second_materialization_skips_what_is_done(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    keys = source_documents(sqlite_url, instance, 20, fault_rate=0.0)
    assert materialize_partition(sqlite_url, instance, keys[0]).success
    again = materialize_partition(sqlite_url, instance, keys[0])
    assert again.success
    metadata = again.asset_materializations_for_node("migrated_applications")[0].metadata
    assert metadata["documents"].value == 0 and metadata["successes"].value == 0


def test_whole_documents_in_the_run_config_reads_documents_whole(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    keys = source_documents(sqlite_url, instance, 20, fault_rate=0.0)
    result = materialize_partition(sqlite_url, instance, keys[0], whole_documents=True)
    assert result.success
    metadata = result.asset_materializations_for_node("migrated_applications")[0].metadata
    assert metadata["successes"].value == 20
    assert metadata["source_cuts"].value == 0


def test_a_corrupted_target_fails_the_checks_and_the_run(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    keys = source_documents(database_url, instance, 40)
    assert materialize_partition(database_url, instance, keys[0]).success
    app_id = delete_one_target_row(database_url)
    start, end = parse_range_key(keys[0])
    assert start <= app_id <= end
    result = materialize_partition(database_url, instance, keys[0])
    assert not result.success
    checks = checks_of(result)
    failed = {name for name, check in checks.items() if not check.passed}
    assert "no_lost_records" in failed
    lost = checks["no_lost_records"]
    assert lost.severity == dg.AssetCheckSeverity.ERROR
    assert app_id in lost.metadata["offending_app_ids"].value
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_failure_data.error.cls_name == "DagsterAssetCheckFailedError"


class RecordingLog:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)


def test_progress_is_logged_at_most_once_per_interval() -> None:
    log = RecordingLog()
    context = SimpleNamespace(log=log)
    chunk = Chunk("0000000000-0000000999", 0, 499)
    stats = RunStats(documents=40, successes=40, wall_seconds=2.0)
    ProgressLog(context, chunk, 3_600.0)(stats)
    assert log.lines == []
    every_time = ProgressLog(context, chunk, 0.0)
    every_time(stats)
    every_time(stats)
    assert log.lines == ["ids 0-499: 40 documents so far, 1,200 records/minute"] * 2


@pytest.mark.parametrize(
    ("config", "problems"),
    [
        ({"batch_size": 0}, ["batch_size must be at least 1, got 0"]),
        (
            {"batch_size": -5, "chunks": -1},
            ["batch_size must be at least 1, got -5", "chunks must be at least 0, got -1"],
        ),
    ],
)
def test_out_of_bounds_config_fails_the_run_before_anything_is_read(
    sqlite_url: str, instance: dg.DagsterInstance, config: dict[str, int], problems: list[str]
) -> None:
    """The launchpad's path: the `migrate` job with the run config the UI sends."""
    keys = source_documents(sqlite_url, instance, 10)
    result = migrate_job(sqlite_url).execute_in_process(
        run_config={"ops": {"migrated_applications": {"config": config}}},
        instance=instance,
        partition_key=keys[0],
        raise_on_error=False,
    )
    assert not result.success
    assert step_failures(result) == [
        "invalid run config:\n" + "\n".join(f"- {p}" for p in problems)
    ]
    assert logged_outcomes(sqlite_url, target_of()) == {}


def test_an_unregistered_partition_key_is_refused_before_any_document_is_read(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    """As the UI and GraphQL launch it: a run tagged with the partition key, which Dagster
    itself does not check against the registered partitions."""
    keys = source_documents(sqlite_url, instance, 10)
    instance.delete_dynamic_partition("app_id_ranges", keys[0])
    result = migrate_job(sqlite_url).execute_in_process(
        instance=instance, tags={"dagster/partition": keys[0]}, raise_on_error=False
    )
    assert not result.success
    [description] = step_failures(result)
    assert description.startswith(f"partition {keys[0]} is not registered in this instance")
    assert logged_outcomes(sqlite_url, target_of()) == {}


def test_a_database_without_source_table_says_what_to_do(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    instance.add_dynamic_partitions("app_id_ranges", ["0000000000-0000000999"])
    result = materialize_partition(sqlite_url, instance, "0000000000-0000000999")
    assert not result.success
    [description] = step_failures(result)
    assert description == (
        f"no source table app_xml in {sqlite_url}: materialize mock_source_documents to "
        "generate documents there, or set XML_MIGRATION_DB_URL to the database that holds them"
    )
