"""A Dagster step process killed with SIGKILL in the middle of a partition run: the chunk
step is retried (its RetryPolicy), the run completes with passing blocking checks, and a
second materialization of the partition finds nothing left to do. Nothing lost, nothing
duplicated. Runs the `migrate` job with the multiprocess executor, as the README does."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine, func, select

from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model
from xml_migration.defs.checks import migration_integrity
from xml_migration.defs.deployment import (
    DB_URL_VAR,
    PARTITION_WIDTH_VAR,
    WORKERS_VAR,
    Deployment,
)
from xml_migration.defs.migration import migrated_applications
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_outcomes,
    target_of,
)

pytestmark = [pytest.mark.dagster, pytest.mark.integration, pytest.mark.slow]

REPOSITORY = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")
DOCUMENTS = 4_000
PARTITION = "0000000000-0000009999"
CHUNK_STEP = "migrate_chunk"
DEADLINE_SECONDS = 300


def logged_between(engine: Engine, start: int, end: int) -> int:
    model = build_model(target_of(), dialect_name(engine))
    key = model.log_app_key
    query = select(func.count()).select_from(model.log).where(key >= start, key <= end)
    with engine.connect() as connection:
        return int(connection.scalar(query))


def chunk_workers(instance: dg.DagsterInstance) -> dict[str, int]:
    """Step key → process id of every chunk step started so far."""
    workers: dict[str, int] = {}
    for run in instance.get_runs():
        for record in instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.STEP_WORKER_STARTED
        ):
            event = record.dagster_event
            if event is not None and CHUNK_STEP in (event.step_key or ""):
                pid = event.event_specific_data.metadata["pid"].value  # type: ignore[union-attr]
                workers[event.step_key] = int(pid)
    return workers


def chunk_range(step_key: str) -> tuple[int, int]:
    """The id range of a chunk step, from its mapping key `ids_<start>_<end>`."""
    mapping_key = step_key.rsplit("[", 1)[1].rstrip("]")
    _, start, end = mapping_key.split("_")
    return int(start), int(end)


def kill_a_chunk_mid_way(
    process: subprocess.Popen[str], instance: dg.DagsterInstance, url: str
) -> tuple[str, int, int]:
    """SIGKILL a chunk step whose range is partly logged: (step key, pid, logged rows)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    engine = create_db_engine(url)
    try:
        while True:
            assert process.poll() is None, "the run ended before a step was killed"
            assert time.monotonic() < deadline, "never caught a chunk in the middle"
            for step_key, pid in chunk_workers(instance).items():
                start, end = chunk_range(step_key)
                logged = logged_between(engine, start, end)
                if 0 < logged < (end - start + 1) // 2:
                    os.kill(pid, signal.SIGKILL)
                    return step_key, pid, logged
            time.sleep(0.2)
    finally:
        engine.dispose()


def step_events(instance: dg.DagsterInstance, step_key: str) -> list[str]:
    [run] = instance.get_runs(limit=1)
    return [
        record.dagster_event.event_type_value
        for record in instance.all_logs(run.run_id)
        if record.dagster_event is not None and record.dagster_event.step_key == step_key
    ]


def test_a_killed_chunk_step_is_retried_and_nothing_is_lost_or_doubled(
    postgres_url: str, tmp_path: Path
) -> None:
    database_url = postgres_url
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPOSITORY / "dagster.yaml", home / "dagster.yaml")
    generate_into_database(database_url, DOCUMENTS, seed=8, profile="compact")
    deployment_variables = {
        DB_URL_VAR: database_url,
        WORKERS_VAR: "2",
        PARTITION_WIDTH_VAR: "10000",
    }
    deployment = Deployment.from_environment(deployment_variables)
    environment = {**os.environ, "DAGSTER_HOME": str(home), **deployment_variables}
    command = [
        str(DAGSTER),
        "job",
        "execute",
        "-m",
        "xml_migration.definitions",
        "-j",
        "migrate",
        "--tags",
        f'{{"dagster/partition": "{PARTITION}"}}',
    ]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("app_id_ranges", [PARTITION])
        run = subprocess.Popen(
            command, env=environment, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            step_key, pid, logged_at_kill = kill_a_chunk_mid_way(run, instance, database_url)
            output, _ = run.communicate(timeout=DEADLINE_SECONDS)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
        assert run.returncode == 0, output.decode()[-3000:]
        events = step_events(instance, step_key)
        assert "STEP_UP_FOR_RETRY" in events and events[-1] == "STEP_SUCCESS", events
        assert chunk_workers(instance)[step_key] != pid
        [first] = instance.get_runs(limit=1)
        checks = [
            record.dagster_event.event_specific_data
            for record in instance.all_logs(first.run_id)
            if record.dagster_event is not None
            and record.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
        ]
        assert len(checks) == 4 and all(check.passed for check in checks)  # type: ignore[union-attr]

        again = dg.materialize(
            [migrated_applications, migration_integrity],
            partition_key=PARTITION,
            resources=deployment.resources(),
            instance=instance,
        )
        assert again.success
        [materialization] = again.asset_materializations_for_node("migrated_applications")
        assert materialization.metadata["documents"].value == 0
        assert all(e.passed for e in again.get_asset_check_evaluations())

    assert logged_at_kill > 0
    outcomes = logged_outcomes(database_url, target_of())
    assert len(outcomes) == DOCUMENTS
    assert all([o.status for o in logged] == ["success"] for logged in outcomes.values())
    assert integrity_failures(database_url, target_of()) == []
