"""Scale-out on Celery: the executor switch, and partitions migrated by two real workers
against Redis with PostgreSQL instance storage (`deploy/dagster.yaml`), alone and as a
backfill through the daemon's run queue, then the benchmarks. Every worker, the daemon and
each foreground run have a filesystem of their own: they share only the databases and
the broker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy.engine import make_url

from xml_migration.defs.checks import CHECK_DESCRIPTIONS
from xml_migration.defs.deployment import (
    CELERY_BACKEND_VAR,
    CELERY_BROKER_VAR,
    DEFAULT_CELERY_BACKEND,
    DEFAULT_CELERY_BROKER,
    EXECUTOR_VAR,
    Deployment,
    celery_executor,
)
from xml_migration.defs.jobs import BENCHMARK_TAGS
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.conftest import fresh_postgres_database
from xml_migration_tests.defs.celery_cluster import (
    HOST_DAGSTER_HOME,
    REDIS_HOST,
    REDIS_PORT,
    REPOSITORY,
    Background,
    claimed_redis_database,
    mount_namespace,
    on_a_host_of_its_own,
    running_redis,
    start_daemon,
    start_worker,
    stop_processes,
    wait_until_ready,
)
from xml_migration_tests.defs.conftest import TEST_WIDTH

DAGSTER = Path(sys.executable).with_name("dagster")
PARTITIONS = ["0000000000-0000000999", "0000001000-0000001999", "0000002000-0000002999"]
DOCUMENTS = 2_999
"""app_ids 1..2999: 999 documents in the first partition, 1,000 in each of the others."""
RUN_REPORT = REPOSITORY / "deploy" / "runs_report.py"


BASELINE_CONFIG = {"ops": {"throughput_baseline": {"config": {"runs": 1, "workers": 2}}}}
SWEEP_CONFIG = {
    "ops": {
        "measure_batch_sizes": {"config": {"batch_sizes": [100, 400], "repeats": 1, "workers": 2}}
    }
}


def job_command(job: str, *options: str) -> list[str]:
    """`dagster job execute` of the guide, in the foreground on a host of its own."""
    command = [str(DAGSTER), "job", "execute", "-m", "xml_migration.definitions", "-j", job]
    return on_a_host_of_its_own([*command, *options])


def partition_run_command(key: str) -> list[str]:
    """The guide's command migrating one partition in the foreground."""
    return job_command("migrate", "--tags", f'{{"dagster/partition": "{key}"}}')


def benchmark_command(job: str) -> list[str]:
    """A benchmark job run in the foreground, its run config read from standard input (no
    file of the test's is visible on a host of its own)."""
    return job_command(job, "--config", "/dev/stdin")


def backfill_command(keys: list[str]) -> list[str]:
    """The guide's backfill: one queued run per partition, started by the daemon."""
    command = [str(DAGSTER), "job", "backfill", "-w", str(REPOSITORY / "workspace.yaml")]
    command += ["-j", "migrate", "--partitions", ",".join(keys), "--noprompt"]
    return on_a_host_of_its_own(command)


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
    with fresh_postgres_database("xmlmig_dagster") as url:
        yield url


@pytest.fixture
def benchmark_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the benchmarks to measure on, dropped after the test."""
    with fresh_postgres_database("xmlmig_bench") as url:
        yield url


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


def is_stored_output(path: str) -> bool:
    """Whether a file under a `DAGSTER_HOME` is anything Dagster keeps in `storage/` other
    than a step's compute log (stdout/stderr, read only on the host that wrote it)."""
    return path.startswith("storage/") and "/compute_logs/" not in path


def step_pids(instance: dg.DagsterInstance, run_id: str) -> dict[str, int]:
    """The process that started each step of a run, by step key."""
    return {
        entry.step_key: entry.dagster_event.pid
        for entry in events_of(instance, run_id, "STEP_START")
        if entry.step_key
    }


def run_checks(instance: dg.DagsterInstance, run_id: str) -> dict[str, bool]:
    return {
        entry.dagster_event.event_specific_data.check_name: (
            entry.dagster_event.event_specific_data.passed
        )
        for entry in events_of(instance, run_id, "ASSET_CHECK_EVALUATION")
    }


def overlap(first: dg.RunRecord, second: dg.RunRecord) -> bool:
    """Whether two finished runs were in progress at the same moment."""
    assert first.start_time and first.end_time and second.start_time and second.end_time
    return first.start_time < second.end_time and second.start_time < first.end_time


def run(
    command: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=240
    )


def output_of(completed: subprocess.CompletedProcess[str]) -> str:
    return completed.stdout[-3000:] + completed.stderr[-3000:]


@pytest.mark.dagster
@pytest.mark.celery
@pytest.mark.integration
@pytest.mark.slow
def test_two_celery_workers_sharing_no_files_migrate_backfill_and_measure(
    postgres_url: str,
    instance_database_url: str,
    benchmark_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each worker, the daemon (and the runs it starts) and each foreground run has private
    temporary directories and its own `DAGSTER_HOME`: they share only PostgreSQL and Redis.
    One partition run in the foreground spreads its chunks over both workers; a backfill of
    the two other partitions runs them at the same time through the run queue; every
    blocking check passes; the baseline and the batch-size sweep succeed on the workers.
    Each worker's `DAGSTER_HOME` ends with compute logs of its own steps and no step output."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPOSITORY / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for name, value in instance_storage_env(instance_database_url).items():
        monkeypatch.setenv(name, value)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("app_id_ranges", PARTITIONS)
    generate_into_database(postgres_url, DOCUMENTS, seed=5, profile="compact", fault_rate=0.05)

    suffix = uuid.uuid4().hex[:8]
    names = [f"xmlmig-a-{suffix}", f"xmlmig-b-{suffix}"]
    started: list[Background] = []
    worker_pids: dict[int, str] = {}
    namespaces: dict[str, set[str]] = {}
    home_files: dict[str, list[str]] = {}
    with running_redis(tmp_path / "redis.pid"), claimed_redis_database() as db:
        broker = f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
        env = {
            **os.environ,
            "PATH": f"{DAGSTER.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(REPOSITORY),
            "DAGSTER_HOME": HOST_DAGSTER_HOME,
            "XML_MIGRATION_DB_URL": postgres_url,
            "XML_MIGRATION_BENCH_DB_URL": benchmark_database_url,
            "XML_MIGRATION_EXECUTOR": "celery",
            "XML_MIGRATION_WORKERS": "2",
            "XML_MIGRATION_PARTITION_WIDTH": str(TEST_WIDTH),
            CELERY_BROKER_VAR: broker,
            CELERY_BACKEND_VAR: broker,
        }
        report_env = {**env, "DAGSTER_HOME": str(home)}
        try:
            workers = [start_worker(name, env, tmp_path) for name in names]
            started += workers
            started.append(start_daemon(env, tmp_path))
            wait_until_ready(workers, timeout=90)
            alone = run(partition_run_command(PARTITIONS[0]), env, tmp_path)
            worker_pids = {pid: w.name for w in workers for pid in w.process_tree()}
            backfill = run(backfill_command(PARTITIONS[1:]), env, tmp_path)
            report = run(
                [sys.executable, str(RUN_REPORT), "--wait", "--timeout", "180"],
                report_env,
                tmp_path,
            )
            last_runs = run([sys.executable, str(RUN_REPORT), "--last", "3"], report_env, tmp_path)
            baseline = run(
                benchmark_command("baseline"), env, tmp_path, json.dumps(BASELINE_CONFIG)
            )
            sweep = run(
                benchmark_command("batch_size_sweep"), env, tmp_path, json.dumps(SWEEP_CONFIG)
            )
            namespaces = {process.name: process.mount_namespaces() for process in started}
            home_files = {process.name: process.home_files() for process in started}
        finally:
            leftovers = stop_processes(started)
    assert not leftovers, f"processes left running: {leftovers}"
    assert alone.returncode == 0, output_of(alone)
    assert backfill.returncode == 0, output_of(backfill)
    assert report.returncode == 0, output_of(report) + started[-1].log()[-3000:]
    assert baseline.returncode == 0, output_of(baseline)
    assert sweep.returncode == 0, output_of(sweep)

    assert all(len(found) == 1 for found in namespaces.values()), namespaces
    assert len(set().union(*namespaces.values())) == len(started), namespaces
    assert mount_namespace(os.getpid()) not in set().union(*namespaces.values())
    stored = [path for files in home_files.values() for path in files if is_stored_output(path)]
    assert stored == [], "a step output was written to a host's DAGSTER_HOME"
    for name in names:
        assert any("/compute_logs/" in path for path in home_files[name]), home_files[name]

    with dg.DagsterInstance.from_config(str(home)) as instance:
        migrate_runs = instance.get_run_records(filters=dg.RunsFilter(job_name="migrate"))
        records = {r.dagster_run.tags["dagster/partition"]: r for r in migrate_runs}
        assert sorted(records) == PARTITIONS
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records.values())
        run_id = records[PARTITIONS[0]].dagster_run.run_id
        delegated = {
            entry.step_key: entry.dagster_event.event_specific_data.metadata["Celery worker"].value
            for entry in events_of(instance, run_id, "ENGINE_EVENT")
            if "Celery worker" in entry.dagster_event.event_specific_data.metadata
        }
        chunk_starts = [e for e in events_of(instance, run_id, "STEP_START") if is_chunk_step(e)]
        pids = {key: step_pids(instance, r.dagster_run.run_id) for key, r in records.items()}
        checks = {key: run_checks(instance, r.dagster_run.run_id) for key, r in records.items()}
        [event] = [
            entry
            for entry in events_of(instance, run_id, "ASSET_MATERIALIZATION")
            if entry.asset_materialization
            and entry.asset_materialization.asset_key == dg.AssetKey("migrated_applications")
        ]
        metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
        benchmarks = {
            r.dagster_run.job_name: r.dagster_run.status
            for r in instance.get_run_records(filters=dg.RunsFilter(tags=BENCHMARK_TAGS))
        }
        measured = {
            key.to_user_string()
            for key in (dg.AssetKey("throughput_baseline"), dg.AssetKey("batch_size_sweep"))
            if instance.get_latest_materialization_event(key) is not None
        }

    assert len(chunk_starts) == int(metadata["chunks"]) == 2
    chunk_pids = {entry.dagster_event.pid for entry in chunk_starts}
    assert chunk_pids == set(metadata["worker_pids"])
    assert chunk_pids <= worker_pids.keys(), "a chunk ran outside the workers started here"
    assert len({worker_pids[pid] for pid in chunk_pids}) == 2, "chunks ran in one worker only"
    assert all(entry.step_key in delegated for entry in chunk_starts)
    assert {delegated[entry.step_key].split("@")[0] for entry in chunk_starts} == set(names)
    for key in PARTITIONS:
        assert set(pids[key].values()) <= worker_pids.keys(), f"{key}: a step ran elsewhere"
    assert metadata["documents"] == metadata["successes"] + metadata["failures"] == 999
    for key in PARTITIONS:
        assert checks[key] == dict.fromkeys(CHECK_DESCRIPTIONS, True), key
    backfill_runs = [records[key] for key in PARTITIONS[1:]]
    assert all(r.dagster_run.tags.get("dagster/backfill") for r in backfill_runs)
    assert overlap(*backfill_runs), "the backfill's runs did not run at the same time"
    assert "2 runs, at most 2 at once" in report.stdout, report.stdout
    assert last_runs.returncode == 0, output_of(last_runs)
    assert [line.split()[:2] for line in last_runs.stdout.splitlines()[2:5]] == [
        [key, "SUCCESS"] for key in PARTITIONS
    ]
    assert benchmarks == {
        "baseline": dg.DagsterRunStatus.SUCCESS,
        "batch_size_sweep": dg.DagsterRunStatus.SUCCESS,
    }
    assert measured == {"throughput_baseline", "batch_size_sweep"}
