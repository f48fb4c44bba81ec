"""`xml-migration soak`: a large run with bounded memory and every check passing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xml_migration.bench.soak import DEFAULT_SOAK_URL, SoakOptions, SoakResult, run_soak
from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    EXIT_FAILED,
    EXIT_OK,
    command_failed,
    positive_int,
)
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE

MEBIBYTE = 1024 * 1024

EPILOG = """\
exit status:
  0  every document has its expected outcome, the integrity checks pass and the workers'
     memory stayed bounded
  1  an outcome, a check or the memory bound failed, or the soak could not run
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = SoakOptions()
    parser = subparsers.add_parser(
        "soak",
        help="migrate a large mock corpus; check memory, outcomes and integrity",
        description=(
            "Replace the tables of the soak database with --docs compact mock documents "
            "(with --fault-rate faults), migrate them with --workers processes while sampling "
            "each worker's peak RSS, then run the integrity checks and compare every outcome "
            "with the fault manifest. Prints the figures; --json writes them."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--docs",
        type=positive_int,
        default=defaults.documents,
        metavar="N",
        help=f"documents (default {defaults.documents:,})",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=DEFAULT_SOAK_URL,
        help="database whose source, target and log tables are replaced; a PostgreSQL "
        f"database is created when missing (default {DEFAULT_SOAK_URL})",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=defaults.workers,
        help=f"worker processes (default {defaults.workers})",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        help=f"documents per load transaction (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument(
        "--chunks-per-worker",
        type=positive_int,
        default=defaults.chunks_per_worker,
        metavar="C",
        help=f"sub-ranges per worker; memory is sampled as each ends (default "
        f"{defaults.chunks_per_worker})",
    )
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=defaults.fault_rate,
        help=f"share of faulted documents (default {defaults.fault_rate})",
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help=f"seed (default {defaults.seed})"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the result as JSON")
    parser.set_defaults(func=soak)


def soak(args: argparse.Namespace) -> int:
    options = SoakOptions(
        documents=args.docs,
        database_url=args.db,
        workers=args.workers,
        batch_size=args.batch_size,
        chunks_per_worker=args.chunks_per_worker,
        seed=args.seed,
        fault_rate=args.fault_rate,
    )
    try:
        result = run_soak(options, lambda line: print(f"… {line}", file=sys.stderr))
    except COMMAND_ERRORS as error:
        return command_failed(error)
    print(summary(result))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"result: {args.json}")
    return EXIT_OK if result.passed else EXIT_FAILED


def summary(result: SoakResult) -> str:
    """The soak's figures and verdicts for reading on the console."""
    stats = result.stats
    peaks = sorted(result.worker_peak_rss_bytes.values())
    lines = [
        f"documents {stats['documents']:,}: {stats['successes']:,} loaded, "
        f"{stats['failures']:,} failed, {stats['skipped']:,} skipped",
        f"generated in {result.generate_seconds:,.1f} s; migrated in "
        f"{stats['wall_seconds']:,.1f} s with {result.workers} workers, batch size "
        f"{result.batch_size}: {stats['records_per_minute']:,.0f} records/minute",
        "worker peak RSS: "
        + (", ".join(f"{peak / MEBIBYTE:,.0f} MiB" for peak in peaks) or "none sampled")
        + f"; coordinator {result.coordinator_peak_rss_bytes / MEBIBYTE:,.0f} MiB",
        f"memory after the first quarter {result.memory_baseline_bytes / MEBIBYTE:,.0f} MiB, "
        f"growth to the end {result.memory_growth_bytes / MEBIBYTE:+,.1f} MiB: "
        + ("bounded" if result.memory_bounded else "NOT BOUNDED"),
    ]
    for name, check in result.integrity.items():
        lines.append(
            f"{name}: {'passed' if check['passed'] else 'FAILED'} ({check['description']})"
        )
    lines.append(
        "outcomes as the fault manifest expects: "
        + (
            "all"
            if not result.unexpected_outcome_count
            else f"{result.unexpected_outcome_count:,} differ, first {result.unexpected_outcomes}"
        )
    )
    lines.append("soak passed" if result.passed else "SOAK FAILED")
    return "\n".join(lines)
