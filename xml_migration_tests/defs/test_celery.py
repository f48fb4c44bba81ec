"""Scale-out on Celery: the executor switch, and a partition migrated by two real workers
against Redis with PostgreSQL instance storage (`deploy/dagster.yaml`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
from sqlalchemy.engine import make_url

from xml_migration.defs.deployment import (
    CELERY_BACKEND_VAR,
    CELERY_BROKER_VAR,
    DEFAULT_CELERY_BACKEND,
    DEFAULT_CELERY_BROKER,
    EXECUTOR_VAR,
    Deployment,
    celery_executor,
)
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.conftest import POSTGRES_ADMIN_URL
from xml_migration_tests.defs.celery_cluster import (
    REDIS_HOST,
    REDIS_PORT,
    REPOSITORY,
    Worker,
    claimed_redis_database,
    running_redis,
    start_worker,
    stop_workers,
    wait_until_ready,
)
from xml_migration_tests.defs.conftest import TEST_WIDTH

DAGSTER = Path(sys.executable).with_name("dagster")
PARTITION = "0000000000-0000000999"
DOCUMENTS = 1_200
"""app_ids 1..1200: the partition holds 999 of them, the next one the rest."""
PARTITION_RUN_ARGS = (
    *("job", "execute", "-m", "xml_migration.definitions", "-j", "migrate"),
    *("--tags", f'{{"dagster/partition": "{PARTITION}"}}'),
)


@dg.op
def noop() -> None:
    """An op for a job that only carries an executor."""


def resolved_executor_config(executor: dg.ExecutorDefinition) -> dict[str, object]:
    job = dg.GraphDefinition(name="probe", node_defs=[noop]).to_job(executor_def=executor)
    return dg.validate_run_config(job, {})["execution"]["celery"]


@pytest.mark.dagster
def test_the_environment_switches_every_job_to_the_celery_executor() -> None:
    deployment = Deployment.from_environment({EXECUTOR_VAR: "celery"})
    assert deployment.executor_name == "celery"
    assert deployment.executor_definition().name == "celery"


@pytest.mark.dagster
def test_broker_and_backend_default_to_redis_on_this_host() -> None:
    config = resolved_executor_config(celery_executor({}))
    assert config["broker"] == DEFAULT_CELERY_BROKER
    assert config["backend"] == DEFAULT_CELERY_BACKEND


@pytest.mark.dagster
def test_broker_and_backend_set_in_the_environment_are_resolved_in_each_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environ = {CELERY_BROKER_VAR: "redis://:pw@broker:6379/4", CELERY_BACKEND_VAR: "rpc://"}
    executor = celery_executor(environ)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config = resolved_executor_config(executor)
    assert (config["broker"], config["backend"]) == ("redis://:pw@broker:6379/4", "rpc://")
    monkeypatch.setenv(CELERY_BROKER_VAR, "redis://elsewhere:6379/0")
    assert resolved_executor_config(executor)["broker"] == "redis://elsewhere:6379/0"


@pytest.fixture
def instance_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for Dagster's instance storage, dropped after the test."""
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"xmlmig_dagster_{uuid.uuid4().hex[:12]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def instance_storage_env(database_url: str) -> dict[str, str]:
    """The variables `deploy/dagster.yaml` reads, for the database at `database_url`."""
    url = make_url(database_url)
    return {
        "DAGSTER_PG_HOST": url.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_USERNAME": url.username or "postgres",
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_DB": url.database or "",
    }


def events_of(instance: dg.DagsterInstance, run_id: str, event_type: str) -> list[dg.EventLogEntry]:
    return [
        entry
        for entry in instance.all_logs(run_id)
        if entry.dagster_event and entry.dagster_event.event_type_value == event_type
    ]


def is_chunk_step(entry: dg.EventLogEntry) -> bool:
    return (entry.step_key or "").startswith("migrated_applications.migrate_chunk[")


@pytest.mark.dagster
@pytest.mark.celery
@pytest.mark.integration
@pytest.mark.slow
def test_a_partition_migrates_on_two_celery_workers_with_postgres_instance_storage(
    postgres_url: str,
    instance_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPOSITORY / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for name, value in instance_storage_env(instance_database_url).items():
        monkeypatch.setenv(name, value)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("app_id_ranges", [PARTITION])
    generate_into_database(postgres_url, DOCUMENTS, seed=5, profile="compact", fault_rate=0.05)

    suffix = uuid.uuid4().hex[:8]
    names = [f"xmlmig-a-{suffix}", f"xmlmig-b-{suffix}"]
    workers: list[Worker] = []
    worker_pids: dict[int, str] = {}
    with running_redis(tmp_path / "redis.pid"), claimed_redis_database() as db:
        broker = f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
        env = {
            **os.environ,
            "PATH": f"{DAGSTER.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "DAGSTER_HOME": str(home),
            "XML_MIGRATION_DB_URL": postgres_url,
            "XML_MIGRATION_EXECUTOR": "celery",
            "XML_MIGRATION_WORKERS": "2",
            "XML_MIGRATION_PARTITION_WIDTH": str(TEST_WIDTH),
            CELERY_BROKER_VAR: broker,
            CELERY_BACKEND_VAR: broker,
        }
        try:
            workers = [start_worker(name, env, tmp_path) for name in names]
            wait_until_ready(workers, timeout=90)
            completed = subprocess.run(
                [str(DAGSTER), *PARTITION_RUN_ARGS],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=240,
            )
            worker_pids = {pid: w.name for w in workers for pid in w.process_tree()}
        finally:
            leftovers = stop_workers(workers)
    assert not leftovers, f"processes left running: {leftovers}"
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    with dg.DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == PARTITION
        delegated = {
            entry.step_key: entry.dagster_event.event_specific_data.metadata["Celery worker"].value
            for entry in events_of(instance, run.run_id, "ENGINE_EVENT")
            if "Celery worker" in entry.dagster_event.event_specific_data.metadata
        }
        chunk_starts = [
            e for e in events_of(instance, run.run_id, "STEP_START") if is_chunk_step(e)
        ]
        checks = [
            entry.dagster_event.event_specific_data
            for entry in events_of(instance, run.run_id, "ASSET_CHECK_EVALUATION")
        ]
        event = instance.get_latest_materialization_event(dg.AssetKey("migrated_applications"))
        assert event is not None and event.run_id == run.run_id
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}

    assert len(chunk_starts) == metadata["chunks"] == 2
    chunk_pids = {entry.dagster_event.pid for entry in chunk_starts}
    assert chunk_pids == set(metadata["worker_pids"])
    assert chunk_pids <= worker_pids.keys(), "a chunk ran outside the workers started here"
    assert len({worker_pids[pid] for pid in chunk_pids}) == 2, "chunks ran in one worker only"
    assert all(entry.step_key in delegated for entry in chunk_starts)
    assert {delegated[entry.step_key].split("@")[0] for entry in chunk_starts} == set(names)
    assert metadata["documents"] == 999
    assert metadata["successes"] + metadata["failures"] == 999
    assert sorted(check.check_name for check in checks) == [
        "no_duplicates",
        "no_lost_records",
        "reconciliation",
    ]
    assert all(check.passed for check in checks)
