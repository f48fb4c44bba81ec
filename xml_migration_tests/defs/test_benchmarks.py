import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from xml_migration.defs.benchmarks import batch_size_sweep, throughput_baseline
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.defs.conftest import resources_for

pytestmark = [pytest.mark.dagster, pytest.mark.slow]


def metadata_of(result: dg.ExecuteInProcessResult, node: str) -> dict[str, object]:
    [materialization] = result.asset_materializations_for_node(node)
    return {name: value.value for name, value in materialization.metadata.items()}


def test_baseline_measures_clean_runs_and_writes_json_and_csv(
    sqlite_url: str, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    generate_into_database(sqlite_url, 150, profile="compact", fault_rate=0.1)
    config = {"runs": 3, "batch_size": 40, "workers": 2, "output_dir": str(tmp_path)}
    result = dg.materialize(
        [throughput_baseline],
        resources=resources_for(sqlite_url),
        instance=instance,
        run_config={"ops": {"throughput_baseline": {"config": config}}},
    )
    assert result.success
    metadata = metadata_of(result, "throughput_baseline")
    runs = pd.read_csv(tmp_path / "baseline_runs.csv")
    assert list(runs["run"]) == [1, 2, 3]
    assert set(runs["documents"]) == {150}  # every run starts from a reset target
    assert metadata["median_records_per_minute"] == pytest.approx(
        runs["records_per_minute"].median(), abs=0.1
    )
    assert metadata["min_records_per_minute"] <= metadata["median_records_per_minute"]
    assert metadata["cv_records_per_minute"] >= 0
    assert "| run |" in metadata["runs_table"].replace("  ", " ").replace("  ", " ")
    assert "parse" in metadata["stages"]
    document = json.loads((tmp_path / "baseline_metrics.json").read_text())
    assert document["settings"]["workers"] == 2
    assert document["settings"]["database"] == sqlite_url
    assert len(document["runs"]) == 3


def test_sweep_compares_batch_sizes_and_names_the_best(
    sqlite_url: str, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    generate_into_database(sqlite_url, 120, profile="compact")
    config = {"batch_sizes": [10, 100], "repeats": 2, "workers": 1, "output_dir": str(tmp_path)}
    result = dg.materialize(
        [batch_size_sweep],
        resources=resources_for(sqlite_url),
        instance=instance,
        run_config={"ops": {"measure_batch_sizes": {"config": config}}},
    )
    assert result.success
    metadata = metadata_of(result, "measure_batch_sizes")
    runs = pd.read_csv(tmp_path / "batch_size_sweep_runs.csv")
    assert sorted(zip(runs["batch_size"], runs["repeat"], strict=True)) == [
        (10, 1),
        (10, 2),
        (100, 1),
        (100, 2),
    ]
    medians = runs.groupby("batch_size")["records_per_minute"].median()
    assert metadata["best_batch_size"] == int(medians.idxmax())
    for size in (10, 100):
        assert metadata[f"median_records_per_minute_batch_{size}"] == pytest.approx(
            medians[size], abs=0.1
        )
    assert "batch_size" in metadata["summary"]
