import base64
import json
import re
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from xml_migration.bench.repeated_runs import DEFAULT_SWEEP_BATCH_SIZES
from xml_migration.db.benchmark_database import sibling_url
from xml_migration.defs.benchmarks import batch_size_sweep, throughput_baseline
from xml_migration.defs.config import BatchSizeSweepConfig
from xml_migration.defs.migration import migrated_applications
from xml_migration_tests.defs.conftest import resources_for, source_documents
from xml_migration_tests.defs.test_target import row_counts

pytestmark = [pytest.mark.dagster, pytest.mark.slow]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def metadata_of(result: dg.ExecuteInProcessResult, node: str) -> dict[str, object]:
    [materialization] = result.asset_materializations_for_node(node)
    return {name: value.value for name, value in materialization.metadata.items()}


def chart_png(markdown: str) -> bytes:
    """The PNG embedded in a chart's Markdown as a data: URI."""
    match = re.search(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match is not None, markdown[:200]
    return base64.b64decode(match.group(1))


def migrated_database(url: str, instance: dg.DagsterInstance, documents: int) -> dict[str, int]:
    """Source documents in the migration's database, one partition migrated; row counts."""
    keys = source_documents(url, instance, documents)
    assert dg.materialize(
        [migrated_applications],
        partition_key=keys[0],
        resources=resources_for(url),
        instance=instance,
    ).success
    return row_counts(url)


def sweep(
    url: str, instance: dg.DagsterInstance, config: dict[str, object]
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [batch_size_sweep],
        resources=resources_for(url),
        instance=instance,
        run_config={"ops": {"measure_batch_sizes": {"config": config}}},
        raise_on_error=False,
    )


def test_baseline_measures_a_sample_on_its_own_database_and_leaves_the_migration_alone(
    sqlite_url: str, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    before = migrated_database(sqlite_url, instance, 150)
    config = {
        "runs": 3,
        "batch_size": 40,
        "workers": 2,
        "sample_documents": 120,
        "output_dir": str(tmp_path),
    }
    result = dg.materialize(
        [throughput_baseline],
        resources=resources_for(sqlite_url),
        instance=instance,
        run_config={"ops": {"throughput_baseline": {"config": config}}},
    )
    assert result.success
    assert row_counts(sqlite_url) == before
    assert len(instance.get_materialized_partitions(migrated_applications.key)) == 1
    bench_url = sibling_url(sqlite_url)
    assert row_counts(bench_url)["source"] == 120
    metadata = metadata_of(result, "throughput_baseline")
    runs = pd.read_csv(tmp_path / "baseline_runs.csv")
    assert list(runs["run"]) == [1, 2, 3]
    assert set(runs["documents"]) == {120}  # every run starts from a reset target
    assert metadata["median_records_per_minute"] == pytest.approx(
        runs["records_per_minute"].median(), abs=0.1
    )
    assert metadata["min_records_per_minute"] <= metadata["median_records_per_minute"]
    assert "runs_records_per_minute" not in metadata
    cv = runs["records_per_minute"].std() / runs["records_per_minute"].mean()
    assert metadata["coefficient_of_variation"] == pytest.approx(cv, abs=1e-4) and cv > 0
    assert metadata["runs"] == "3" and metadata["documents_per_run"] == "120"
    assert [r.data["run"] for r in metadata["runs_table"].records] == [1, 2, 3]
    assert "parse" in {r.data["stage"] for r in metadata["stages"].records}
    assert chart_png(metadata["chart"]).startswith(PNG_SIGNATURE)
    assert "Records/minute (y) of each of the 3 runs (x)" in metadata["chart"]
    document = json.loads((tmp_path / "baseline_metrics.json").read_text())
    assert document["settings"]["workers"] == 2
    assert document["settings"]["database"] == bench_url
    assert len(document["runs"]) == 3


def test_sweep_compares_batch_sizes_charts_them_and_names_the_best(
    sqlite_url: str, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    before = migrated_database(sqlite_url, instance, 120)
    config = {"batch_sizes": [10, 100], "repeats": 2, "workers": 1, "output_dir": str(tmp_path)}
    result = sweep(sqlite_url, instance, config)
    assert result.success
    assert row_counts(sqlite_url) == before
    metadata = metadata_of(result, "measure_batch_sizes")
    runs = pd.read_csv(tmp_path / "batch_size_sweep_runs.csv")
    assert sorted(zip(runs["batch_size"], runs["repeat"], strict=True)) == [
        (10, 1),
        (10, 2),
        (100, 1),
        (100, 2),
    ]
    medians = runs.groupby("batch_size")["records_per_minute"].median()
    assert metadata["best_batch_size"] == str(int(medians.idxmax()))
    summary = {r.data["batch_size"]: r.data["median"] for r in metadata["summary"].records}
    assert summary == pytest.approx({size: medians[size] for size in (10, 100)}, abs=0.1)
    assert chart_png(metadata["chart"]).startswith(PNG_SIGNATURE)
    assert "Records/minute (y) against batch size (x" in metadata["chart"]
    assert not any(name.startswith("median_records_per_minute_batch") for name in metadata)


@pytest.mark.parametrize(
    ("batch_sizes", "problem"),
    [
        ([0], "batch_sizes must be at least 1, got 0"),
        ([], "batch_sizes is empty: give at least one value"),
        ([100, 100], "batch_sizes repeats 100: give each once"),
    ],
)
def test_an_invalid_sweep_fails_at_once_and_touches_no_database(
    sqlite_url: str, instance: dg.DagsterInstance, batch_sizes: list[int], problem: str
) -> None:
    before = migrated_database(sqlite_url, instance, 30)
    result = sweep(sqlite_url, instance, {"batch_sizes": batch_sizes, "repeats": 0})
    assert not result.success
    [failure] = [event for event in result.all_events if event.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description == (
        f"invalid run config:\n- {problem}\n- repeats must be at least 1, got 0"
    )
    assert row_counts(sqlite_url) == before
    assert not Path(sibling_url(sqlite_url).removeprefix("sqlite:///")).exists()


def test_the_launchpad_shows_the_default_batch_sizes() -> None:
    fields = BatchSizeSweepConfig.to_fields_dict()
    assert fields["batch_sizes"].default_provided
    assert fields["batch_sizes"].default_value == list(DEFAULT_SWEEP_BATCH_SIZES)
