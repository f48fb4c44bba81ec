"""Real multiprocess execution: worker processes, the command line of the README."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from xml_migration.contract.compiler import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model
from xml_migration.defs.partitions import aligned_range, range_key
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.defs.conftest import TEST_WIDTH, delete_one_target_row

pytestmark = [pytest.mark.dagster, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")


@pytest.fixture
def dagster_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME holding the project's dagster.yaml."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPOSITORY / "dagster.yaml", home / "dagster.yaml")
    return home


def deployment_env(home: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "XML_MIGRATION_DB_URL": database_url,
        "XML_MIGRATION_WORKERS": "2",
        "XML_MIGRATION_PARTITION_WIDTH": str(TEST_WIDTH),
    }


def open_instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(home))


def test_chunks_of_a_partition_run_in_several_worker_processes(
    sqlite_url: str, dagster_home: Path, tmp_path: Path
) -> None:
    generate_into_database(sqlite_url, 600, profile="compact", fault_rate=0.05)
    key = "0000000000-0000000999"
    with open_instance(dagster_home) as instance:
        instance.add_dynamic_partitions("app_id_ranges", [key])
    completed = subprocess.run(
        [sys.executable, "-m", "xml_migration_tests.defs.partition_run", key],
        env={**deployment_env(dagster_home, sqlite_url), "PYTHONPATH": str(REPOSITORY)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    with open_instance(dagster_home) as instance:
        [run] = instance.get_runs()
        assert run.job_name == "migrate" and run.tags["dagster/partition"] == key
        event = instance.get_latest_materialization_event(dg.AssetKey("migrated_applications"))
        assert event is not None and event.run_id == run.run_id
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
        checks = [
            e.dagster_event.event_specific_data
            for e in instance.all_logs(run.run_id)
            if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
        ]
    assert metadata["documents"] == 600
    assert metadata["chunks"] == "2"
    assert int(metadata["worker_processes"]) == len(metadata["worker_pids"]) >= 2
    assert os.getpid() not in metadata["worker_pids"]
    assert len(checks) == 4 and all(check.passed for check in checks)


def run_command(home: Path, database_url: str, cwd: Path, *args: str) -> int:
    completed = subprocess.run(
        [str(DAGSTER), "job", "execute", "-m", "xml_migration.definitions", *args],
        env=deployment_env(home, database_url),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return completed.returncode


def outcome_counts(database_url: str) -> tuple[int, int]:
    engine = create_db_engine(database_url)
    model = build_model(load_plan().target, dialect_name(engine))
    try:
        with engine.connect() as connection:
            source = connection.scalar(select(func.count()).select_from(model.source))
            log = connection.scalar(select(func.count()).select_from(model.log))
    finally:
        engine.dispose()
    return int(source or 0), int(log or 0)


def partition_run(key: str) -> list[str]:
    return ["-j", "migrate", "--tags", f'{{"dagster/partition": "{key}"}}']


def test_readme_command_then_one_partition_then_a_corrupted_row_fails_the_run(
    database_url: str, dagster_home: Path, tmp_path: Path
) -> None:
    assert run_command(dagster_home, database_url, tmp_path, "-j", "end_to_end") == 0
    assert outcome_counts(database_url) == (2_000, 2_000)

    generate_into_database(database_url, 1_500, profile="compact")
    new_key = "0000003000-0000003999"
    with open_instance(dagster_home) as instance:
        assert len(instance.get_dynamic_partitions("app_id_ranges")) == 3
        instance.add_dynamic_partitions("app_id_ranges", [new_key])
    assert run_command(dagster_home, database_url, tmp_path, *partition_run(new_key)) == 0
    assert outcome_counts(database_url) == (3_500, 2_000 + 501)  # ids 3000-3500 only

    app_id = delete_one_target_row(database_url)
    corrupted = range_key(*aligned_range(app_id, TEST_WIDTH))
    assert run_command(dagster_home, database_url, tmp_path, *partition_run(corrupted)) != 0
