"""Deployment choices, made in one place from environment variables.

Every definition that differs between a laptop, a server and a cluster is chosen here:
the target database, the contract, the executor and its worker count, the width of the
id-range partitions. Assets, checks and jobs never read the environment themselves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import platformdirs

from xml_migration.db.benchmark_database import sibling_url

DB_URL_VAR = "XML_MIGRATION_DB_URL"
BENCH_DB_URL_VAR = "XML_MIGRATION_BENCH_DB_URL"
DB_PASSWORD_VAR = "XML_MIGRATION_DB_PASSWORD"
CONTRACT_VAR = "XML_MIGRATION_CONTRACT"
EXECUTOR_VAR = "XML_MIGRATION_EXECUTOR"
WORKERS_VAR = "XML_MIGRATION_WORKERS"
PARTITION_WIDTH_VAR = "XML_MIGRATION_PARTITION_WIDTH"
CELERY_BROKER_VAR = "XML_MIGRATION_CELERY_BROKER"
CELERY_BACKEND_VAR = "XML_MIGRATION_CELERY_BACKEND"

DEFAULT_DATABASE_FILE = "xml_migration.db"
DEFAULT_PARTITION_WIDTH = 10_000
DEFAULT_CELERY_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_CELERY_BACKEND = "redis://127.0.0.1:6379/1"
EXECUTORS = ("multiprocess", "celery")
"""Executors a deployment may choose; `executor_definition` has one branch per name."""


def default_database_directory(env: Mapping[str, str]) -> Path:
    """Where the embedded default database lives: `$DAGSTER_HOME` when it is set (the data
    beside the instance that records its partitions), else the user's data directory
    (`~/.local/share/xml_migration` on Linux). Never the working directory."""
    home = env.get("DAGSTER_HOME", "").strip()
    return Path(home) if home else platformdirs.user_data_path("xml_migration")


def default_database_url(env: Mapping[str, str]) -> str:
    """The embedded default: `xml_migration.db` in `default_database_directory`."""
    return f"sqlite:///{default_database_directory(env) / DEFAULT_DATABASE_FILE}"


def default_workers() -> int:
    """One worker process per CPU core."""
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Deployment:
    """What this code location runs against and how it executes steps."""

    database_url: str
    password_from_environment: bool
    benchmark_database_url: str
    """The database the benchmarks measure on (`XML_MIGRATION_BENCH_DB_URL`, by default a
    sibling of `database_url`); never the migration's."""
    benchmark_url_from_environment: bool
    contract_path: str | None
    executor_name: str
    workers: int
    partition_width: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Deployment:
        """Read the deployment from `environ` (default: the process environment)."""
        env = os.environ if environ is None else environ
        executor_name = env.get(EXECUTOR_VAR, "multiprocess").strip() or "multiprocess"
        if executor_name not in EXECUTORS:
            raise ValueError(f"{EXECUTOR_VAR}={executor_name!r}: expected one of {EXECUTORS}")
        database_url = env.get(DB_URL_VAR, "").strip()
        if not database_url:
            default_database_directory(env).mkdir(parents=True, exist_ok=True)
            database_url = default_database_url(env)
        benchmark_url = env.get(BENCH_DB_URL_VAR, "").strip()
        return cls(
            database_url=database_url,
            password_from_environment=bool(env.get(DB_PASSWORD_VAR)),
            benchmark_database_url=benchmark_url or sibling_url(database_url),
            benchmark_url_from_environment=bool(benchmark_url),
            contract_path=env.get(CONTRACT_VAR, "").strip() or None,
            executor_name=executor_name,
            workers=_positive_int(env, WORKERS_VAR, default_workers()),
            partition_width=_positive_int(env, PARTITION_WIDTH_VAR, DEFAULT_PARTITION_WIDTH),
        )

    def resources(self) -> dict[str, dg.ConfigurableResource | dg.ConfigurableIOManager]:
        """The resources every asset, check, schedule and sensor of this location uses, and
        the I/O manager passing step outputs through the instance's database (whatever the
        executor, so steps on different hosts need no shared filesystem)."""
        from xml_migration.defs.resources import (
            ContractResource,
            DatabaseResource,
            PartitioningResource,
        )
        from xml_migration.defs.step_outputs import InstanceStorageIOManager

        password = dg.EnvVar(DB_PASSWORD_VAR) if self.password_from_environment else None
        benchmark_url = (
            dg.EnvVar(BENCH_DB_URL_VAR)
            if self.benchmark_url_from_environment
            else self.benchmark_database_url
        )
        return {
            "database": DatabaseResource(url=self.database_url, password=password),
            "benchmark_database": DatabaseResource(url=benchmark_url, password=password),
            "contract": ContractResource(path=self.contract_path),
            "partitioning": PartitioningResource(width=self.partition_width, chunks=self.workers),
            "io_manager": InstanceStorageIOManager(),
        }

    def executor_definition(self) -> dg.ExecutorDefinition:
        """The executor of every job; adding a distributed executor is one more branch here."""
        if self.executor_name == "multiprocess":
            return multiprocess_executor(self.workers)
        if self.executor_name == "celery":
            return celery_executor()
        raise ValueError(f"no executor named {self.executor_name!r}")


FORKSERVER_PRELOAD = ("dagster", "xml_migration.definitions")
"""Modules the multiprocess executor's fork server imports once for all step processes.

Named explicitly: an empty forkserver config preloads nothing but Dagster's executor
module, and every step would import Dagster's storage and the code location again."""


def multiprocess_executor(workers: int) -> dg.ExecutorDefinition:
    """Dagster's multiprocess executor with forkserver workers.

    Run config keeps one knob, `execution.config.max_concurrent` (the number of worker
    processes, default `workers`). Step processes fork from a server that has imported
    Dagster and the definitions (`FORKSERVER_PRELOAD`), so a step starts without importing
    them again.
    """

    def to_multiprocess_config(config: dict[str, int]) -> dict[str, object]:
        start_method = {"forkserver": {"preload_modules": list(FORKSERVER_PRELOAD)}}
        return {"max_concurrent": config["max_concurrent"], "start_method": start_method}

    return dg.multiprocess_executor.configured(
        to_multiprocess_config,
        name="multiprocess",
        config_schema={
            "max_concurrent": dg.Field(
                int, default_value=workers, description="Worker processes running steps."
            )
        },
    )


def celery_executor(environ: Mapping[str, str] | None = None) -> dg.ExecutorDefinition:
    """dagster-celery's executor: every step is a task on the broker, run by any worker.

    Broker and result backend come from `XML_MIGRATION_CELERY_BROKER` and
    `XML_MIGRATION_CELERY_BACKEND` (Redis on this host by default). A variable that is set
    stays a reference, resolved in each process, so a URL holding a password is never part
    of the job's definition. Workers must be started with the same URLs
    (`deploy/celery_worker.yaml`). dagster-celery is the optional `celery` extra, imported
    only here.
    """
    from dagster_celery import celery_executor as dagster_celery_executor

    env = os.environ if environ is None else environ

    def url(name: str, default: str) -> str | dict[str, str]:
        return {"env": name} if env.get(name, "").strip() else default

    return dagster_celery_executor.configured(
        {
            "broker": url(CELERY_BROKER_VAR, DEFAULT_CELERY_BROKER),
            "backend": url(CELERY_BACKEND_VAR, DEFAULT_CELERY_BACKEND),
        },
        name="celery",
    )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r}: expected a positive integer") from None
    if value < 1:
        raise ValueError(f"{name}={text!r}: expected a positive integer")
    return value
