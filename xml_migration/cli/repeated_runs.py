"""`xml-migration baseline` and `xml-migration sweep`: records/minute over clean runs.

Both reset the target tables and the processing log before every run (the source documents
stay) and migrate the same documents again, holding the target's lock exclusively; they
are the measurements of the Dagster assets `throughput_baseline` and `batch_size_sweep`
(`bench/repeated_runs.py`), run against the database given.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from xml_migration.bench.repeated_runs import (
    DEFAULT_SWEEP_BATCH_SIZES,
    baseline_runs,
    best_batch_size,
    markdown_table,
    stage_breakdown,
    sweep_runs,
    sweep_summary,
    throughput_statistics,
    write_baseline,
    write_sweep,
)
from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    EXIT_FAILED,
    EXIT_OK,
    HelpFormatter,
    add_contract_argument,
    add_database_argument,
    add_key_range_arguments,
    add_log_level_argument,
    command_failed,
    key_range_problem,
    positive_int,
    usage_error,
)
from xml_migration.contract.compiler import shipped_contract_path
from xml_migration.db.connection import display_url
from xml_migration.db.guard import LockMode, target_lock
from xml_migration.migration.metrics_file import METRICS_DIRECTORY
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.scope import settings_key_range
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE, MigrationSettings

DEFAULT_RUNS = 10
DEFAULT_REPEATS = 3
EMPTIES_THE_TARGET = (
    "Each run EMPTIES the target tables and the processing log first: use a database set "
    "aside for measuring."
)


class MeasuredRange(NamedTuple):
    """The documents a measurement migrates again and again: an inclusive app_id range."""

    first: int
    last: int


def register(subparsers: argparse._SubParsersAction) -> None:
    baseline = subparsers.add_parser(
        "baseline",
        help="records/minute over clean runs of the migration (median, sd, per stage)",
        description="Measure records/minute over clean runs of the migration; print each "
        "run, the median, standard deviation, coefficient of variation, minimum and maximum "
        "and the seconds per stage; write baseline_metrics.json and the runs as CSV. "
        + EMPTIES_THE_TARGET,
        formatter_class=HelpFormatter,
    )
    add_measured_run_arguments(baseline, written="baseline_metrics.json and the runs CSV")
    baseline.add_argument(
        "--runs",
        type=positive_int,
        default=DEFAULT_RUNS,
        help=f"clean runs (default {DEFAULT_RUNS})",
    )
    baseline.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        help=f"documents per load transaction (default {DEFAULT_BATCH_SIZE})",
    )
    baseline.set_defaults(func=measure_baseline)

    sweep = subparsers.add_parser(
        "sweep",
        help="records/minute per batch size over clean runs; names the best batch size",
        description="Measure records/minute per batch size over clean runs of the migration; "
        "print each run, per batch size the spread of records/minute, and the batch size "
        "with the highest median; write the runs as CSV. " + EMPTIES_THE_TARGET,
        formatter_class=HelpFormatter,
    )
    add_measured_run_arguments(sweep, written="the runs CSV")
    sweep.add_argument(
        "--batch-sizes",
        type=positive_int,
        nargs="+",
        metavar="B",
        default=list(DEFAULT_SWEEP_BATCH_SIZES),
        help="batch sizes to compare (default "
        + " ".join(str(size) for size in DEFAULT_SWEEP_BATCH_SIZES)
        + ")",
    )
    sweep.add_argument(
        "--repeats",
        type=positive_int,
        default=DEFAULT_REPEATS,
        help=f"clean runs per batch size (default {DEFAULT_REPEATS})",
    )
    sweep.set_defaults(func=measure_sweep)


def add_measured_run_arguments(parser: argparse.ArgumentParser, *, written: str) -> None:
    """The options every measurement by clean runs takes: database, contract, workers, key
    range, the directory its files (`written`) go to, log level."""
    add_database_argument(parser)
    add_contract_argument(parser)
    parser.add_argument(
        "--workers", type=positive_int, default=1, help="worker processes (default 1)"
    )
    add_key_range_arguments(parser)
    parser.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        default=Path(METRICS_DIRECTORY),
        help=f"where {written} go (default {METRICS_DIRECTORY})",
    )
    add_log_level_argument(parser, subcommand=True)


def measurement_settings(args: argparse.Namespace, batch_size: int) -> MigrationSettings:
    return MigrationSettings(
        database_url=args.db,
        contract_path=args.contract,
        batch_size=batch_size,
        session_id=f"{args.command}-{uuid.uuid4().hex[:16]}",
    )


def measured_range(settings: MigrationSettings, args: argparse.Namespace) -> MeasuredRange | None:
    """The app_id range to measure (the arguments' bounds, else the source table's); None,
    said on standard error, when the source table is empty."""
    span = settings_key_range(settings, args.app_id_start, args.app_id_end)
    if span is None:
        print("error: the source table is empty: generate documents first", file=sys.stderr)
        return None
    return MeasuredRange(*span)


def exclusive_lock(args: argparse.Namespace) -> AbstractContextManager[None]:
    """The target's lock, held exclusively: the runs empty the target."""
    holder = f"xml-migration {args.command} (pid {os.getpid()})"
    return target_lock(args.db, LockMode.EXCLUSIVE, holder)


def print_run(label: str, stats: RunStats) -> None:
    print(
        f"{label}: {stats.documents:,} documents in {stats.wall_seconds:.2f} s "
        f"({stats.failures:,} failed), {stats.records_per_minute:,.0f} records/minute",
        flush=True,
    )


def measure_baseline(args: argparse.Namespace) -> int:
    problem = key_range_problem(args)
    if problem:
        return usage_error(problem)
    settings = measurement_settings(args, args.batch_size)
    try:
        span = measured_range(settings, args)
        if span is None:
            return EXIT_FAILED
        print(
            f"baseline of app_id {span.first}..{span.last}: {args.runs} runs, "
            f"workers {args.workers}, batch size {args.batch_size}",
            flush=True,
        )
        with exclusive_lock(args):
            frame = baseline_runs(
                settings, span.first, span.last, args.workers, args.runs, print_run
            )
        json_path, csv_path = write_baseline(
            args.output_dir,
            frame,
            {
                "batch_size": args.batch_size,
                "workers": args.workers,
                "app_id_start": span.first,
                "app_id_end": span.last,
                "database": display_url(args.db),
                "contract": str(args.contract or shipped_contract_path()),
            },
        )
    except COMMAND_ERRORS as error:
        return command_failed(error)
    print_baseline(frame)
    print(f"written: {json_path}, {csv_path}")
    return EXIT_OK


def print_baseline(frame: pd.DataFrame) -> None:
    figures = throughput_statistics(frame)
    print(
        f"records/minute: median {figures['median']:,.0f} ± {figures['sd']:,.0f} sd "
        f"(CV {figures['cv']:.1%}), min {figures['min']:,.0f}, max {figures['max']:,.0f}, "
        f"{figures['runs']} runs"
    )
    print(markdown_table(stage_breakdown(frame)))


def measure_sweep(args: argparse.Namespace) -> int:
    problem = key_range_problem(args)
    if problem:
        return usage_error(problem)
    settings = measurement_settings(args, args.batch_sizes[0])
    try:
        span = measured_range(settings, args)
        if span is None:
            return EXIT_FAILED
        print(
            f"sweep of app_id {span.first}..{span.last}: batch sizes "
            f"{', '.join(map(str, args.batch_sizes))}, {args.repeats} runs each, "
            f"workers {args.workers}",
            flush=True,
        )
        with exclusive_lock(args):
            frame = sweep_runs(
                settings,
                span.first,
                span.last,
                args.workers,
                args.batch_sizes,
                args.repeats,
                print_run,
            )
        csv_path = write_sweep(args.output_dir, frame)
    except COMMAND_ERRORS as error:
        return command_failed(error)
    summary = sweep_summary(frame)
    print(markdown_table(summary))
    print(f"best batch size: {best_batch_size(summary)}")
    print(f"written: {csv_path}")
    return EXIT_OK
