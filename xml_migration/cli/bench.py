"""`xml-migration bench`: the performance benchmark, its JSON result and the regression check."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from rich.console import Console

from xml_migration.bench.compare import DEFAULT_TOLERANCE
from xml_migration.bench.corpus import DEFAULT_CORPUS_DIRECTORY
from xml_migration.bench.end_to_end import DEFAULT_POSTGRESQL_URL, SourceStorage
from xml_migration.bench.report import print_comparison, print_result, rounded
from xml_migration.bench.suite import (
    DEFAULT_SECTIONS,
    WORKER_COUNTS,
    BenchOptions,
    Section,
    run_benchmark,
)
from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    EXIT_FAILED,
    EXIT_OK,
    command_failed,
    positive_int,
    usage_error,
)
from xml_migration.cli.progress import TerminalProgress
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE
from xml_migration.mock.generator import Profile

EPILOG = """\
sections (--only, comma-separated; default all but dagster):
  parse        lxml full parse of every document, one process
  engine       the engine without a database (parse + map), one process
  postgresql   end to end into PostgreSQL with 1 and with 2 workers (--workers)
  sqlite       end to end into SQLite with 2 workers
  costs        CPU ms per document of each stage for the worker and for PostgreSQL
               (read under each source storage, parse, map, load), on up to 1,000
               documents, and the throughput two cores could reach at those costs
  expressions  evaluations/s of a compiled 20-branch CASE expression
  load_paths   PostgreSQL COPY against executemany on synthetic rows
  remigration  PostgreSQL, 2 workers: the corpus migrated, then migrated again with
               --remigrate-stale after a one-column change of the contract (every
               document stale: its rows and log row deleted and written anew), the two
               taking turns; records/min of each (JSON:
               first_migration_rec_per_min_2_workers, remigration_rec_per_min_2_workers,
               remigration_over_first_ratio), integrity checks after each run
  dagster      (slow, only when named) one run of the Dagster `migrate` job (the
               migrated_applications asset and its blocking checks) over the whole
               corpus as one partition, multiprocess executor with 2 workers, in a
               subprocess with a temporary DAGSTER_HOME, against the --db-url database;
               records/min over the run's start and end as Dagster records them
               (JSON: dagster_rec_per_min_2_workers; the subprocess's wall time in
               sections.dagster_2_workers), integrity checks after it

exit status:
  0  measured (and, with --compare, no throughput figure dropped beyond the tolerance)
  1  a throughput figure dropped beyond the tolerance, an integrity check failed after an
     end-to-end run, or the benchmark could not run
  2  usage error
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure parsing, the engine and end-to-end migration; compare with a baseline",
        description=(
            "Generate (or reuse, in --corpus-dir) a corpus of mock documents, then measure in "
            "this one invocation, each figure the median of --repeats repeats: a full lxml "
            "parse, the engine alone, end-to-end runs into PostgreSQL (1 and 2 workers) and "
            "SQLite (2 workers) with seconds per stage, integrity checks after every run, "
            "peak RSS per worker process; on request (--only dagster), a Dagster run of the "
            "migration asset. Prints a table with the ratios and targets."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    defaults = BenchOptions()
    parser.add_argument(
        "--docs",
        type=positive_int,
        default=defaults.documents,
        metavar="N",
        help=f"documents in the corpus (default {defaults.documents})",
    )
    parser.add_argument(
        "--profile",
        choices=[profile.value for profile in Profile],
        default=defaults.profile,
        help=f"document size profile (default {defaults.profile})",
    )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="generator seed (default 1)"
    )
    parser.add_argument(
        "--db-url",
        metavar="URL",
        default=DEFAULT_POSTGRESQL_URL,
        help="PostgreSQL database to measure in, created when missing; its source and "
        f"target tables are replaced (default {DEFAULT_POSTGRESQL_URL})",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=defaults.repeats,
        metavar="R",
        help=f"repeats per figure, the median is reported (default {defaults.repeats})",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        help=f"documents per load transaction (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument(
        "--only",
        type=sections_argument,
        metavar="SECTIONS",
        help="measure only these sections, e.g. parse,engine (see below)",
    )
    parser.add_argument(
        "--workers",
        type=workers_argument,
        default=defaults.postgresql_workers,
        metavar="COUNTS",
        help="worker counts of the postgresql section's runs, comma-separated (default "
        "1,2; 2 alone measures throughput and peak RSS per worker without the 1-worker runs)",
    )
    parser.add_argument(
        "--db-latency-ms",
        type=latency_argument,
        default=defaults.db_latency_ms,
        metavar="N",
        help="also run the postgresql section's 2-worker configuration through a proxy on "
        "127.0.0.1 adding N ms to every round trip (measured; the proxy's own CPU time is "
        "reported); 0, the default, runs none",
    )
    parser.add_argument(
        "--source-storage",
        choices=[storage.value for storage in SourceStorage],
        default=SourceStorage.DEFAULT.value,
        help="storage of the PostgreSQL source column: as created by the DDL (default), "
        "lz4 compression, or external (uncompressed)",
    )
    parser.add_argument(
        "--reload-source",
        action="store_true",
        help="load the PostgreSQL source table again even when it holds the corpus",
    )
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        default=DEFAULT_CORPUS_DIRECTORY,
        metavar="DIR",
        help=f"where corpora are kept for reuse (default {DEFAULT_CORPUS_DIRECTORY})",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the result as JSON")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="PREVIOUS.json",
        help="print the change of every figure against a previous result; exit 1 when a "
        "throughput figure dropped by more than --tolerance",
    )
    parser.add_argument(
        "--tolerance",
        type=percentage,
        default=DEFAULT_TOLERANCE * 100,
        metavar="PERCENT",
        help=f"allowed drop of a throughput figure (default {DEFAULT_TOLERANCE * 100:.0f}%%)",
    )
    parser.set_defaults(func=bench)


def sections_argument(text: str) -> frozenset[Section]:
    """An argparse type: comma-separated section names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    try:
        return frozenset(Section(name) for name in names)
    except ValueError as error:
        known = ", ".join(section.value for section in Section)
        raise argparse.ArgumentTypeError(f"{error}; sections are {known}") from error


def workers_argument(text: str) -> tuple[int, ...]:
    """An argparse type: comma-separated worker counts, each one of `WORKER_COUNTS`."""
    try:
        counts = sorted({int(count) for count in text.split(",") if count.strip()})
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    if not counts or not set(counts) <= set(WORKER_COUNTS):
        allowed = ",".join(map(str, WORKER_COUNTS))
        raise argparse.ArgumentTypeError(f"worker counts are some of {allowed}, got {text!r}")
    return tuple(counts)


def latency_argument(text: str) -> float:
    """An argparse type: milliseconds from 0 to 1000."""
    value = float(text)
    if not math.isfinite(value) or not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"must be milliseconds from 0 to 1000, got {text}")
    return value


def percentage(text: str) -> float:
    """An argparse type: a percentage from 0 to 100."""
    value = float(text)
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be a percentage from 0 to 100, got {text}")
    return value


def bench(args: argparse.Namespace) -> int:
    previous = None
    if args.compare is not None:
        try:
            previous = json.loads(args.compare.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            return usage_error(f"cannot read {args.compare}: {error}")
    options = BenchOptions(
        documents=args.docs,
        profile=args.profile,
        seed=args.seed,
        repeats=args.repeats,
        batch_size=args.batch_size,
        postgresql_url=args.db_url,
        corpus_directory=args.corpus_dir,
        source_storage=SourceStorage(args.source_storage),
        reload_source=args.reload_source,
        sections=args.only or DEFAULT_SECTIONS,
        postgresql_workers=args.workers,
        db_latency_ms=args.db_latency_ms,
    )
    try:
        result = run_benchmark(options, TerminalProgress())
    except COMMAND_ERRORS as error:
        return command_failed(error)
    console = Console()
    print_result(result, console)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rounded(result), indent=2) + "\n", encoding="utf-8")
        console.print(f"result: {args.json}")
    status = EXIT_OK
    if result.get("integrity_passed") is False:
        console.print("[red]an integrity check failed after an end-to-end run[/]")
        status = EXIT_FAILED
    if previous is not None and print_comparison(previous, result, args.tolerance / 100, console):
        status = EXIT_FAILED
    return status
