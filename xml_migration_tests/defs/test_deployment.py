from __future__ import annotations

import importlib
from pathlib import Path

import dagster as dg
import pytest

from xml_migration.defs.deployment import (
    BENCH_DB_URL_VAR,
    CONTRACT_VAR,
    DB_PASSWORD_VAR,
    DB_URL_VAR,
    EXECUTOR_VAR,
    FORKSERVER_PRELOAD,
    PARTITION_WIDTH_VAR,
    WORKERS_VAR,
    Deployment,
    default_workers,
)
from xml_migration.defs.resources import ContractResource, DatabaseResource
from xml_migration.defs.step_outputs import InstanceStorageIOManager

pytestmark = pytest.mark.dagster


def test_empty_environment_means_sqlite_in_the_user_data_directory_and_multiprocess(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the working directory: wherever the process runs, the same database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    deployment = Deployment.from_environment({})
    expected = tmp_path / "data" / "xml_migration" / "xml_migration.db"
    assert deployment.database_url == f"sqlite:///{expected}"
    assert expected.parent.is_dir() and not (tmp_path / "xml_migration.db").exists()
    assert (
        deployment.benchmark_database_url
        == f"sqlite:///{expected.with_name('xml_migration_bench.db')}"
    )
    assert deployment.executor_name == "multiprocess"
    assert deployment.workers == default_workers()
    assert deployment.partition_width == 10_000
    assert deployment.contract_path is None
    assert deployment.executor_definition().name == "multiprocess"


def test_with_dagster_home_the_default_database_lives_in_it(tmp_path: Path) -> None:
    deployment = Deployment.from_environment({"DAGSTER_HOME": str(tmp_path)})
    assert deployment.database_url == f"sqlite:///{tmp_path / 'xml_migration.db'}"


def test_the_benchmark_database_is_a_sibling_or_its_own_variable() -> None:
    sibling = Deployment.from_environment({DB_URL_VAR: "postgresql+psycopg://u@h:5432/migration"})
    assert sibling.benchmark_database_url == "postgresql+psycopg://u@h:5432/migration_bench"
    assert sibling.resources()["benchmark_database"].url == sibling.benchmark_database_url
    own = Deployment.from_environment(
        {DB_URL_VAR: "sqlite:////a/x.db", BENCH_DB_URL_VAR: "sqlite:////b/measure.db"}
    )
    assert own.benchmark_url_from_environment
    assert isinstance(own.resources()["benchmark_database"].url, dg.EnvVar)


def test_environment_variables_choose_database_contract_workers_and_width() -> None:
    deployment = Deployment.from_environment(
        {
            DB_URL_VAR: "postgresql+psycopg://migrator@db.example:5432/target",
            CONTRACT_VAR: "/contracts/other.json",
            WORKERS_VAR: "6",
            PARTITION_WIDTH_VAR: "50000",
        }
    )
    assert deployment.database_url == "postgresql+psycopg://migrator@db.example:5432/target"
    assert deployment.workers == 6
    assert deployment.partition_width == 50_000
    resources = deployment.resources()
    assert isinstance(resources["contract"], ContractResource)
    assert resources["contract"].path == "/contracts/other.json"
    assert resources["partitioning"].width == 50_000


@pytest.mark.parametrize("executor", ["multiprocess", "celery"])
def test_step_outputs_go_through_the_instance_whatever_the_executor(executor: str) -> None:
    resources = Deployment.from_environment({EXECUTOR_VAR: executor}).resources()
    assert isinstance(resources["io_manager"], InstanceStorageIOManager)


@pytest.mark.parametrize(
    ("name", "value"),
    [(EXECUTOR_VAR, "kubernetes"), (WORKERS_VAR, "0"), (PARTITION_WIDTH_VAR, "x")],
)
def test_invalid_choices_are_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Deployment.from_environment({name: value})


def test_password_comes_from_the_environment_and_never_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DB_PASSWORD_VAR, "s3cret-pw")
    deployment = Deployment.from_environment(
        {DB_URL_VAR: "postgresql+psycopg://migrator@127.0.0.1:5432/target", DB_PASSWORD_VAR: "x"}
    )
    database = deployment.resources()["database"]
    assert isinstance(database, DatabaseResource)

    @dg.asset
    def probe(database: DatabaseResource) -> dg.MaterializeResult:
        return dg.MaterializeResult(
            metadata={
                "connection": database.connection_url(),
                "display": database.display_url(),
            }
        )

    result = dg.materialize([probe], resources={"database": database})
    metadata = result.asset_materializations_for_node("probe")[0].metadata
    assert "s3cret-pw" in metadata["connection"].value
    assert "s3cret-pw" not in metadata["display"].value
    assert metadata["display"].value == "postgresql+psycopg://migrator:***@127.0.0.1:5432/target"


def test_executor_keeps_max_concurrent_as_run_config_with_the_deployment_default() -> None:
    executor = Deployment.from_environment({WORKERS_VAR: "3"}).executor_definition()
    schema = executor.config_schema.config_type
    assert schema.fields["max_concurrent"].default_value == 3


def test_forkserver_preloads_dagster_and_the_definitions() -> None:
    """Without named modules the fork server preloads only Dagster's executor module, and
    every step imports Dagster's storage and the code location again (ADR 0009)."""
    executor = Deployment.from_environment({WORKERS_VAR: "2"}).executor_definition()
    config = executor.apply_config_mapping({"config": {"max_concurrent": 2}}).value["config"]
    preload = config["start_method"]["forkserver"]["preload_modules"]
    assert preload == list(FORKSERVER_PRELOAD)
    assert "xml_migration.definitions" in preload
    for module in preload:
        importlib.import_module(module)
