"""Establish the throughput baseline: N clean runs of the migration, median ± sd.

    python env_prep/establish_baseline.py [--db URL] [--contract PATH] [--runs 10]
        [--workers N] [--batch-size B] [--app-id-start A --app-id-end B] [--output-dir DIR]

Every run resets the target tables and the processing log (the source documents stay) and
migrates the same documents again, as `xml-migration run` does. Prints each run, then the
median, standard deviation, coefficient of variation, minimum and maximum of
records/minute and the seconds per stage; writes DIR/baseline_metrics.json and the runs
as CSV. The same measurement as the Dagster asset `throughput_baseline`.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from xml_migration.bench.repeated_runs import (
    baseline_runs,
    markdown_table,
    stage_breakdown,
    throughput_statistics,
    write_baseline,
)
from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    EXIT_FAILED,
    EXIT_OK,
    add_contract_argument,
    add_database_argument,
    add_key_range_arguments,
    add_log_level_argument,
    command_failed,
    configure_logging,
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

HOLDER = "env_prep/establish_baseline.py"
"""How this script names itself to a migration it holds off (it empties the target)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="establish_baseline.py",
        description=(
            "Measure records/minute over clean runs of the migration. Each run EMPTIES "
            "the target tables and the processing log first: use a database set aside "
            "for measuring."
        ),
    )
    add_database_argument(parser)
    add_contract_argument(parser)
    parser.add_argument("--runs", type=positive_int, default=10, help="clean runs (default 10)")
    parser.add_argument(
        "--workers", type=positive_int, default=1, help="worker processes (default 1)"
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        help=f"documents per load transaction (default {DEFAULT_BATCH_SIZE})",
    )
    add_key_range_arguments(parser)
    parser.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        default=Path(METRICS_DIRECTORY),
        help=f"where baseline_metrics.json and the runs CSV go (default {METRICS_DIRECTORY})",
    )
    add_log_level_argument(parser)
    return parser


def print_run(label: str, stats: RunStats) -> None:
    print(
        f"{label}: {stats.documents:,} documents ({stats.failures:,} failed) "
        f"in {stats.wall_seconds:.2f} s, {stats.records_per_minute:,.0f} records/minute",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    problem = key_range_problem(args)
    if problem:
        return usage_error(problem)
    settings = MigrationSettings(
        database_url=args.db,
        contract_path=args.contract,
        batch_size=args.batch_size,
        session_id=f"baseline-{uuid.uuid4().hex[:16]}",
    )
    try:
        span = settings_key_range(settings, args.app_id_start, args.app_id_end)
        if span is None:
            print("error: the source table is empty: generate documents first", file=sys.stderr)
            return EXIT_FAILED
        print(
            f"baseline of app_id {span[0]}..{span[1]}: {args.runs} runs, "
            f"workers {args.workers}, batch size {args.batch_size}",
            flush=True,
        )
        with target_lock(args.db, LockMode.EXCLUSIVE, f"{HOLDER} (pid {os.getpid()})"):
            frame = baseline_runs(settings, span[0], span[1], args.workers, args.runs, print_run)
        json_path, csv_path = write_baseline(
            args.output_dir,
            frame,
            {
                "batch_size": args.batch_size,
                "workers": args.workers,
                "app_id_start": span[0],
                "app_id_end": span[1],
                "database": display_url(args.db),
                "contract": str(args.contract or shipped_contract_path()),
            },
        )
    except COMMAND_ERRORS as error:
        return command_failed(error)
    figures = throughput_statistics(frame)
    print(
        f"records/minute: median {figures['median']:,.0f} ± {figures['sd']:,.0f} sd "
        f"(CV {figures['cv']:.1%}), min {figures['min']:,.0f}, max {figures['max']:,.0f}, "
        f"{figures['runs']} runs"
    )
    print(markdown_table(stage_breakdown(frame)))
    print(f"written: {json_path}, {csv_path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
