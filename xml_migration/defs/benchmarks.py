"""Measurements of the real migration: the throughput baseline and the batch-size sweep.

Both reset the target before every run and migrate every source document again: run them
against a database set aside for measuring, never one holding a migration in progress.
"""

from pathlib import Path

import dagster as dg

from xml_migration.defs.config import BaselineConfig, BatchSizeSweepConfig
from xml_migration.defs.migration import source_span
from xml_migration.defs.resources import ContractResource, DatabaseResource, PartitioningResource
from xml_migration.defs.source import mock_source_documents
from xml_migration.defs.target import target_schema
from xml_migration.defs.worker_processes import child_processes_allowed
from xml_migration.migration.measurements import (
    best_batch_size,
    clean_runs,
    markdown_table,
    run_record,
    runs_frame,
    stage_breakdown,
    sweep_summary,
    throughput_statistics,
    write_baseline,
    write_sweep,
)
from xml_migration.migration.settings import MigrationSettings
from xml_migration.migration.stats import RunStats

BENCHMARK_GROUP = "benchmarks"


def measured_span(database: DatabaseResource, contract: ContractResource) -> tuple[int, int]:
    """The app_id range of every source document; fails the step when there is none."""
    span = source_span(database, contract)
    if span is None:
        raise dg.Failure(description="the source table is empty: generate documents first")
    return span


def benchmark_settings(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    contract: ContractResource,
    batch_size: int,
) -> MigrationSettings:
    return database.migration_settings(
        contract.path,
        batch_size=batch_size,
        reprocess_failed=False,
        session_id=context.run.run_id,
        partition_key=None,
    )


def log_run(context: dg.AssetExecutionContext, label: str, stats: RunStats) -> None:
    context.log.info(
        f"{label}: {stats.documents} documents in {stats.wall_seconds:.2f} s, "
        f"{stats.records_per_minute:,.0f} records/minute"
    )


@dg.asset(
    group_name=BENCHMARK_GROUP,
    kinds={"pandas"},
    deps=[mock_source_documents, target_schema],
)
def throughput_baseline(
    context: dg.AssetExecutionContext,
    config: BaselineConfig,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dg.MaterializeResult:
    """Records/minute of the real migration over the whole source, measured over clean runs.

    Each run resets the target and migrates every source document with the configured
    workers and batch size. Median, standard deviation, min, max and coefficient of
    variation of records/minute, seconds per stage; also written to
    `baseline_metrics.json` and a CSV of the runs.
    """
    first, last = measured_span(database, contract)
    workers = partitioning.chunk_count(config.workers)
    settings = benchmark_settings(context, database, contract, config.batch_size)
    records = []
    runs = clean_runs(settings, first, last, workers, config.runs)
    with child_processes_allowed():
        for number, stats in enumerate(runs, start=1):
            log_run(context, f"run {number}/{config.runs}", stats)
            records.append(run_record(stats, run=number))
    frame = runs_frame(records)
    figures = throughput_statistics(frame)
    json_path, csv_path = write_baseline(
        Path(config.output_dir),
        frame,
        {
            "batch_size": config.batch_size,
            "workers": workers,
            "app_id_start": first,
            "app_id_end": last,
            "database": database.display_url(),
            "contract": contract.display_name(),
        },
    )
    return dg.MaterializeResult(
        metadata={
            **{f"{name}_records_per_minute": round(value, 1) for name, value in figures.items()},
            "runs": config.runs,
            "workers": workers,
            "batch_size": config.batch_size,
            "documents": int(frame["documents"].iloc[0]),
            "runs_table": dg.MetadataValue.md(markdown_table(frame)),
            "stages": dg.MetadataValue.md(markdown_table(stage_breakdown(frame))),
            "baseline_metrics": dg.MetadataValue.path(str(json_path.resolve())),
            "runs_csv": dg.MetadataValue.path(str(csv_path.resolve())),
        }
    )


@dg.multi_asset(
    name="measure_batch_sizes",
    specs=[
        dg.AssetSpec(
            "batch_size_sweep",
            group_name=BENCHMARK_GROUP,
            kinds={"pandas"},
            deps=[mock_source_documents, target_schema],
            description="Records/minute per batch size (documents per load transaction), "
            "each measured over `repeats` clean runs of the whole source; best one named.",
        )
    ],
)
def batch_size_sweep(
    context: dg.AssetExecutionContext,
    config: BatchSizeSweepConfig,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dg.MaterializeResult:
    """Measure every configured batch size; the op is named apart from the job
    `batch_size_sweep`, which Dagster requires."""
    first, last = measured_span(database, contract)
    workers = partitioning.chunk_count(config.workers)
    records = []
    with child_processes_allowed():
        for batch_size in config.batch_sizes:
            settings = benchmark_settings(context, database, contract, batch_size)
            runs = clean_runs(settings, first, last, workers, config.repeats)
            for repeat, stats in enumerate(runs, start=1):
                log_run(context, f"batch size {batch_size}, run {repeat}/{config.repeats}", stats)
                records.append(run_record(stats, batch_size=batch_size, repeat=repeat))
    frame = runs_frame(records)
    summary = sweep_summary(frame)
    best = best_batch_size(summary)
    csv_path = write_sweep(Path(config.output_dir), frame)
    context.log.info(f"best batch size: {best}")
    return dg.MaterializeResult(
        metadata={
            "best_batch_size": best,
            "best_median_records_per_minute": round(
                float(summary.set_index("batch_size").loc[best, "median"]), 1
            ),
            **{
                f"median_records_per_minute_batch_{int(row.batch_size)}": round(row.median, 1)
                for row in summary.itertuples()
            },
            "summary": dg.MetadataValue.md(markdown_table(summary)),
            "workers": workers,
            "repeats": config.repeats,
            "runs_csv": dg.MetadataValue.path(str(csv_path.resolve())),
        }
    )
