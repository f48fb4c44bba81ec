import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml

from xml_migration.definitions import defs
from xml_migration.defs.resources import ContractResource

pytestmark = pytest.mark.dagster

REPOSITORY = Path(__file__).resolve().parents[2]

JOBS = {"end_to_end", "migrate", "reset", "baseline", "batch_size_sweep"}
ASSETS = {
    "mock_source_documents": "source",
    "target_schema": "target",
    "migrated_applications": "migration",
    "throughput_baseline": "benchmarks",
    "batch_size_sweep": "benchmarks",
}


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)
    assert {job.name for job in defs.resolve_all_job_defs()} >= JOBS


def test_assets_have_groups_kinds_and_descriptions() -> None:
    graph = defs.resolve_asset_graph()
    for name, group in ASSETS.items():
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == group, name
        assert node.kinds, name
        assert node.description and len(node.description) > 40, name


def test_migration_has_three_blocking_checks_and_a_contract_warning() -> None:
    graph = defs.resolve_asset_graph()
    checks = {
        key.name: graph.get(key).blocking
        for key in graph.asset_check_keys
        if key.asset_key == dg.AssetKey("migrated_applications")
    }
    assert checks == {
        "no_lost_records": True,
        "no_duplicates": True,
        "reconciliation": True,
        "current_contract": False,
    }


def test_the_code_version_of_tables_and_migration_is_the_contract_fingerprint() -> None:
    graph = defs.resolve_asset_graph()
    for name in ("target_schema", "migrated_applications"):
        assert graph.get(dg.AssetKey(name)).code_version == ContractResource().fingerprint()


def test_schedules_and_sensors_start_stopped() -> None:
    schedules = list(defs.schedules or [])
    sensors = list(defs.sensors or [])
    assert {s.name for s in schedules} == {
        "nightly_incremental_migration",
        "weekly_batch_size_sweep",
    }
    assert {s.name for s in sensors} == {"new_source_documents"}
    for definition in [*schedules, *sensors]:
        assert definition.default_status.value == "STOPPED", definition.name


def test_schedules_and_sensors_have_descriptions() -> None:
    for definition in [*(defs.schedules or []), *(defs.sensors or [])]:
        assert definition.description and len(definition.description) > 40, definition.name


def test_benchmark_jobs_carry_the_tag_limited_in_dagster_yaml(tmp_path: Path) -> None:
    """The instance of the project's dagster.yaml (current `concurrency:` form) limits
    benchmark runs to one at a time."""
    for name in ("baseline", "batch_size_sweep"):
        assert defs.resolve_job_def(name).tags["xml_migration/benchmark"] == "true"
    shutil.copy(REPOSITORY / "dagster.yaml", tmp_path / "dagster.yaml")
    assert "run_queue" not in yaml.safe_load((tmp_path / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        queue = instance.get_concurrency_config().run_queue_config
    assert queue.max_concurrent_runs == 2
    assert {"key": "xml_migration/benchmark", "value": "true", "limit": 1} in (
        queue.tag_concurrency_limits
    )


def test_the_scale_out_instance_uses_the_concurrency_form_too() -> None:
    config = yaml.safe_load((REPOSITORY / "deploy" / "dagster.yaml").read_text())
    assert "run_queue" not in config
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": "xml_migration/benchmark", "value": "true", "limit": 1} in limits


def test_jobs_run_on_the_multiprocess_executor() -> None:
    for name in JOBS:
        assert defs.resolve_job_def(name).executor_def.name == "multiprocess", name
