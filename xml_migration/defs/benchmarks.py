"""Measurements of the real migration: the throughput baseline and the batch-size sweep.

Both measure on the benchmark database (`benchmark_database`, never the migration's): it
is created when missing, its source filled with a sample of the migration's source
documents, and its target reset before every run. They hold that database's lock
exclusively while they measure, and leave the migration's data and its asset alone.
"""

from pathlib import Path

import dagster as dg

from xml_migration.bench.charts import baseline_chart, sweep_chart
from xml_migration.bench.repeated_runs import (
    RunObserver,
    baseline_runs,
    best_batch_size,
    stage_breakdown,
    sweep_runs,
    sweep_summary,
    throughput_statistics,
    write_baseline,
    write_sweep,
)
from xml_migration.db.benchmark_database import copy_source_sample, create_database_if_missing
from xml_migration.db.ddl import create_schema
from xml_migration.db.guard import LockMode
from xml_migration.db.reflection import has_source_table
from xml_migration.db.source import source_key_range
from xml_migration.defs.config import (
    BaselineConfig,
    BatchSizeSweepConfig,
    BenchmarkConfig,
    require_valid_config,
)
from xml_migration.defs.metadata import chart, frame_table
from xml_migration.defs.migration import missing_source_table
from xml_migration.defs.resources import ContractResource, DatabaseResource, PartitioningResource
from xml_migration.defs.source import mock_source_documents
from xml_migration.defs.worker_processes import child_processes_allowed
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.settings import MigrationSettings

BENCHMARK_GROUP = "benchmarks"


def prepare_sample(
    context: dg.AssetExecutionContext,
    config: BenchmarkConfig,
    database: DatabaseResource,
    benchmark_database: DatabaseResource,
    contract: ContractResource,
) -> tuple[int, int]:
    """Create the benchmark database and its tables when missing, and replace its source
    documents with the first `sample_documents` of the migration's source; their app_id
    range. Call it holding the benchmark database's lock."""
    if benchmark_database.connection_url() == database.connection_url():
        raise dg.Failure(
            description=f"the benchmark database is the migration's ({database.display_url()}):"
            " benchmarks reset their database, give them another one",
            allow_retries=False,
        )
    target = contract.target_schema()
    if create_database_if_missing(benchmark_database.connection_url()):
        context.log.info(f"created the benchmark database {benchmark_database.display_url()}")
    with database.engine() as source, benchmark_database.engine() as measured:
        if not has_source_table(source, target):
            raise dg.Failure(
                description=missing_source_table(target, database), allow_retries=False
            )
        create_schema(measured, target)
        copied = copy_source_sample(source, measured, target, config.sample_documents)
        span = source_key_range(measured, target)
    if span is None:
        raise dg.Failure(
            description=f"the source table of {database.display_url()} is empty: "
            "materialize mock_source_documents first",
            allow_retries=False,
        )
    context.log.info(
        f"{copied} source documents (app_id {span[0]}-{span[1]}) copied into "
        f"{benchmark_database.display_url()}"
    )
    return span


def benchmark_settings(
    context: dg.AssetExecutionContext,
    benchmark_database: DatabaseResource,
    contract: ContractResource,
    batch_size: int,
) -> MigrationSettings:
    return benchmark_database.migration_settings(
        contract.path,
        batch_size=batch_size,
        reprocess_failed=False,
        session_id=context.run.run_id,
        partition_key=None,
    )


def benchmark_holder(context: dg.AssetExecutionContext) -> str:
    return f"Dagster run {context.run.run_id} (benchmark)"


def run_logger(context: dg.AssetExecutionContext) -> RunObserver:
    """Logs each clean run of a measurement as it ends."""

    def log_run(label: str, stats: RunStats) -> None:
        context.log.info(
            f"{label}: {stats.documents} documents in {stats.wall_seconds:.2f} s, "
            f"{stats.records_per_minute:,.0f} records/minute"
        )

    return log_run


def settings_metadata(
    config: BenchmarkConfig, workers: int, documents: int, benchmark_database: DatabaseResource
) -> dict[str, object]:
    """What a measurement ran with: text, kept out of the plots across materializations."""
    return {
        "workers": dg.MetadataValue.text(str(workers)),
        "documents_per_run": dg.MetadataValue.text(str(documents)),
        "sample_documents": dg.MetadataValue.text(str(config.sample_documents)),
        "database": dg.MetadataValue.text(benchmark_database.display_url()),
    }


@dg.asset(
    group_name=BENCHMARK_GROUP,
    kinds={"pandas"},
    deps=[mock_source_documents],
)
def throughput_baseline(
    context: dg.AssetExecutionContext,
    config: BaselineConfig,
    database: DatabaseResource,
    benchmark_database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dg.MaterializeResult:
    """Records/minute of the real migration, measured over clean runs of a sample of the
    source documents on the benchmark database.

    Each run resets the benchmark database's target and migrates the whole sample with the
    configured workers and batch size. Median, standard deviation, min, max and coefficient
    of variation of records/minute, a chart of each run against the median, seconds per
    stage; also written to `baseline_metrics.json` and a CSV of the runs.
    """
    require_valid_config(config)
    workers = partitioning.chunk_count(config.workers)
    with (
        benchmark_database.lock(LockMode.EXCLUSIVE, benchmark_holder(context)),
        child_processes_allowed(),
    ):
        first, last = prepare_sample(context, config, database, benchmark_database, contract)
        settings = benchmark_settings(context, benchmark_database, contract, config.batch_size)
        frame = baseline_runs(
            settings,
            first,
            last,
            workers,
            config.runs,
            run_logger(context),
        )
    figures = throughput_statistics(frame)
    documents = int(frame["documents"].iloc[0])
    json_path, csv_path = write_baseline(
        Path(config.output_dir),
        frame,
        {
            "batch_size": config.batch_size,
            "workers": workers,
            "app_id_start": first,
            "app_id_end": last,
            "database": benchmark_database.display_url(),
            "contract": contract.display_name(),
        },
    )
    return dg.MaterializeResult(
        metadata={
            **{
                f"{name}_records_per_minute": round(figures[name], 1)
                for name in ("median", "mean", "sd", "min", "max")
            },
            "coefficient_of_variation": round(figures["cv"], 4),
            "chart": chart(
                baseline_chart(frame),
                f"Records/minute (y) of each of the {config.runs} runs (x), "
                "the dashed line at their median.",
            ),
            "runs": dg.MetadataValue.text(str(config.runs)),
            "batch_size": dg.MetadataValue.text(str(config.batch_size)),
            **settings_metadata(config, workers, documents, benchmark_database),
            "runs_table": frame_table(frame),
            "stages": frame_table(stage_breakdown(frame), digits=3),
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
            deps=[mock_source_documents],
            description="Records/minute per batch size (documents per load transaction), "
            "each measured over `repeats` clean runs of a sample of the source documents on "
            "the benchmark database; a chart of records/minute against batch size, best one "
            "named.",
        )
    ],
)
def batch_size_sweep(
    context: dg.AssetExecutionContext,
    config: BatchSizeSweepConfig,
    database: DatabaseResource,
    benchmark_database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dg.MaterializeResult:
    """Measure every configured batch size; the op is named apart from the job
    `batch_size_sweep`, which Dagster requires."""
    require_valid_config(config)
    workers = partitioning.chunk_count(config.workers)
    with (
        benchmark_database.lock(LockMode.EXCLUSIVE, benchmark_holder(context)),
        child_processes_allowed(),
    ):
        first, last = prepare_sample(context, config, database, benchmark_database, contract)
        settings = benchmark_settings(context, benchmark_database, contract, config.batch_sizes[0])
        frame = sweep_runs(
            settings,
            first,
            last,
            workers,
            config.batch_sizes,
            config.repeats,
            run_logger(context),
        )
    summary = sweep_summary(frame)
    best = best_batch_size(summary)
    csv_path = write_sweep(Path(config.output_dir), frame)
    context.log.info(f"best batch size: {best}")
    best_median = float(summary.set_index("batch_size").loc[best, "median"])
    return dg.MaterializeResult(
        metadata={
            "best_median_records_per_minute": round(best_median, 1),
            "best_batch_size": dg.MetadataValue.text(str(best)),
            "chart": chart(
                sweep_chart(frame, summary),
                "Records/minute (y) against batch size (x, documents per load transaction, "
                "log scale): the median of the runs of each batch size "
                f"({config.repeats} each) as a line, their minimum to maximum as a band, "
                "each run as a dot.",
            ),
            "summary": frame_table(summary),
            "repeats": dg.MetadataValue.text(str(config.repeats)),
            **settings_metadata(
                config, workers, int(frame["documents"].iloc[0]), benchmark_database
            ),
            "runs_csv": dg.MetadataValue.path(str(csv_path.resolve())),
        }
    )
