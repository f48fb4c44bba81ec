from types import SimpleNamespace

import dagster as dg
import pytest

from xml_migration.defs.checks import migration_integrity
from xml_migration.defs.migration import Chunk, ProgressLog, chunks_of, migrated_applications
from xml_migration.defs.partitions import parse_range_key
from xml_migration.migration.stats import RunStats
from xml_migration_tests.defs.conftest import (
    delete_one_target_row,
    resources_for,
    source_documents,
)

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
    assert sum(metadata["failures_by_stage"].values()) == metadata["failures"]
    assert metadata["chunks"] == 3
    assert metadata["rows_total"] == sum(metadata["rows_per_table"].values()) > 0
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
