"""`xml-migration soak`: a large run with bounded memory and every check passing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from xml_migration.bench.soak import DEFAULT_SOAK_URL, SoakOptions, run_soak, soak_summary
from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    EXIT_FAILED,
    EXIT_OK,
    command_failed,
    positive_int,
)
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE

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
    print(soak_summary(result))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"result: {args.json}")
    return EXIT_OK if result.passed else EXIT_FAILED
