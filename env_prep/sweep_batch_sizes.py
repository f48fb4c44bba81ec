"""Compare batch sizes: clean runs of the migration per batch size, the best one named.

    python env_prep/sweep_batch_sizes.py [--db URL] [--contract PATH]
        [--batch-sizes 50 100 200 500 1000 2000] [--repeats 3] [--workers N]
        [--app-id-start A --app-id-end B] [--output-dir DIR]

Every run resets the target tables and the processing log (the source documents stay) and
migrates the same documents again. Prints each run, then per batch size the median,
standard deviation, coefficient of variation, minimum and maximum of records/minute, and
the batch size with the highest median; writes the runs as CSV. The same measurement as
the Dagster asset `batch_size_sweep`.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from xml_migration.bench.repeated_runs import (
    DEFAULT_SWEEP_BATCH_SIZES,
    best_batch_size,
    markdown_table,
    sweep_runs,
    sweep_summary,
    write_sweep,
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
from xml_migration.db.guard import LockMode, target_lock
from xml_migration.migration.metrics_file import METRICS_DIRECTORY
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.scope import settings_key_range
from xml_migration.migration.settings import MigrationSettings

HOLDER = "env_prep/sweep_batch_sizes.py"
"""How this script names itself to a migration it holds off (it empties the target)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sweep_batch_sizes.py",
        description=(
            "Measure records/minute per batch size over clean runs of the migration. Each "
            "run EMPTIES the target tables and the processing log first: use a database "
            "set aside for measuring."
        ),
    )
    add_database_argument(parser)
    add_contract_argument(parser)
    parser.add_argument(
        "--batch-sizes",
        type=positive_int,
        nargs="+",
        metavar="B",
        default=list(DEFAULT_SWEEP_BATCH_SIZES),
        help="batch sizes to compare (default "
        + " ".join(str(size) for size in DEFAULT_SWEEP_BATCH_SIZES)
        + ")",
    )
    parser.add_argument(
        "--repeats", type=positive_int, default=3, help="clean runs per batch size (default 3)"
    )
    parser.add_argument(
        "--workers", type=positive_int, default=1, help="worker processes (default 1)"
    )
    add_key_range_arguments(parser)
    parser.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        default=Path(METRICS_DIRECTORY),
        help=f"where the runs CSV goes (default {METRICS_DIRECTORY})",
    )
    add_log_level_argument(parser)
    return parser


def print_run(label: str, stats: RunStats) -> None:
    print(
        f"{label}: {stats.documents:,} documents in {stats.wall_seconds:.2f} s, "
        f"{stats.records_per_minute:,.0f} records/minute",
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
        session_id=f"sweep-{uuid.uuid4().hex[:16]}",
    )
    try:
        span = settings_key_range(settings, args.app_id_start, args.app_id_end)
        if span is None:
            print("error: the source table is empty: generate documents first", file=sys.stderr)
            return EXIT_FAILED
        print(
            f"sweep of app_id {span[0]}..{span[1]}: batch sizes "
            f"{', '.join(map(str, args.batch_sizes))}, {args.repeats} runs each, "
            f"workers {args.workers}",
            flush=True,
        )
        with target_lock(args.db, LockMode.EXCLUSIVE, f"{HOLDER} (pid {os.getpid()})"):
            frame = sweep_runs(
                settings,
                span[0],
                span[1],
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


if __name__ == "__main__":
    sys.exit(main())
