"""`xml-migration run`: the production processor over a key range of the source table."""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from pathlib import Path

from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    EXIT_OK,
    HelpFormatter,
    add_contract_argument,
    add_database_argument,
    add_key_range_arguments,
    add_log_level_argument,
    command_failed,
    key_range_problem,
    positive_float,
    positive_int,
    usage_error,
)
from xml_migration.cli.progress import progress_bar
from xml_migration.contract.compiler import load_plan
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.db.connection import display_url, disposable_engine
from xml_migration.db.ddl import create_schema
from xml_migration.db.guard import LockMode, target_lock
from xml_migration.db.retry import DEFAULT_RETRY_SECONDS
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_DOCUMENT_NODES
from xml_migration.migration.lifetime import stopped_by_signals
from xml_migration.migration.metrics_file import METRICS_DIRECTORY, metrics_document, write_metrics
from xml_migration.migration.run_range import migrate_parallel
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.scope import run_scope
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE, MigrationSettings

EPILOG = """\
exit status:
  0  every document of the run was processed; documents that failed are outcomes
     recorded in the processing log and listed in the summary, not errors
  1  the run could not be done: database unreachable, contract invalid, existing tables
     that do not fit the contract, a reset of the same database running, a batch
     the database refused for a reason no document caused, the database unreachable
     for longer than --retry-seconds, a worker died, or the run was stopped by
     SIGTERM/SIGINT; or the metrics file could
     not be written (after the summary)
  2  usage error
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="migrate the pending source documents of a key range",
        description=(
            "Migrate the source documents not yet processed (read, parse, map, load in "
            "transactions of --batch-size documents, with a processing log row each), "
            "creating missing tables first. Shows a progress bar on a terminal, prints a "
            "summary and writes it to METRICS_DIR/metrics_<UTC timestamp>.json."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_database_argument(parser)
    add_contract_argument(parser)
    parser.add_argument(
        "--workers", type=positive_int, default=1, metavar="N", help="worker processes (default 1)"
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        metavar="B",
        default=DEFAULT_BATCH_SIZE,
        help=f"documents per load transaction (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument(
        "--limit",
        type=positive_int,
        metavar="L",
        help="migrate at most L pending documents (the first L in key order)",
    )
    add_key_range_arguments(parser)
    add_log_level_argument(parser, subcommand=True)
    parser.add_argument(
        "--reprocess-failed",
        action="store_true",
        help="migrate again the documents whose previous attempt failed",
    )
    parser.add_argument(
        "--remigrate-stale",
        action="store_true",
        help="migrate again the documents whose outcome was produced under another "
        "contract (see `contract check` for the fingerprint): their rows and log row are "
        "replaced in the transaction of their batch; documents that failed are retried",
    )
    parser.add_argument(
        "--max-document-bytes",
        type=positive_int,
        metavar="N",
        default=DEFAULT_MAX_DOCUMENT_BYTES,
        help="documents longer than N bytes fail as document_too_large without being "
        f"parsed (default {DEFAULT_MAX_DOCUMENT_BYTES:,})",
    )
    parser.add_argument(
        "--whole-documents",
        action="store_true",
        help="read every document whole from the source instead of only the part the "
        "contract reads (which leaves malformations in the unread part undetected)",
    )
    parser.add_argument(
        "--max-document-nodes",
        type=positive_int,
        metavar="N",
        default=DEFAULT_MAX_DOCUMENT_NODES,
        help="documents whose text could hold more than N elements and attributes (its '<' "
        "and '=') fail as document_too_large without being parsed; this bounds the memory "
        f"one document takes in a worker (default {DEFAULT_MAX_DOCUMENT_NODES:,}: at most "
        "about 210 MiB beside the text)",
    )
    parser.add_argument(
        "--retry-seconds",
        type=positive_float,
        metavar="S",
        default=DEFAULT_RETRY_SECONDS,
        help="keep retrying a lost, refused or broken database connection for up to S "
        "seconds before the run stops; an outage shorter than that only delays the run "
        f"(default {DEFAULT_RETRY_SECONDS:g})",
    )
    parser.add_argument(
        "--metrics-dir",
        metavar="DIR",
        type=Path,
        default=Path(METRICS_DIRECTORY),
        help=f"directory of the metrics files (default {METRICS_DIRECTORY})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    problem = key_range_problem(args)
    if problem:
        return usage_error(problem)
    started_at = datetime.now(UTC)
    settings = MigrationSettings(
        database_url=args.db,
        contract_path=args.contract,
        batch_size=args.batch_size,
        reprocess_failed=args.reprocess_failed,
        session_id=f"cli-{uuid.uuid4().hex[:16]}",
        max_document_bytes=args.max_document_bytes,
        source_cut=not args.whole_documents,
        remigrate_stale=args.remigrate_stale,
        max_document_nodes=args.max_document_nodes,
        retry_seconds=args.retry_seconds,
    )
    holder = f"xml-migration run {settings.session_id}"
    try:
        with target_lock(args.db, LockMode.SHARED, holder):
            plan = load_plan(args.contract)
            target = plan.target
            fingerprint = contract_fingerprint(plan.contract)
            with disposable_engine(args.db) as engine:
                create_schema(engine, target)
                scope = run_scope(
                    engine,
                    target,
                    args.app_id_start,
                    args.app_id_end,
                    limit=args.limit,
                    reprocess_failed=args.reprocess_failed,
                    remigrate_fingerprint=fingerprint if args.remigrate_stale else None,
                )
            if scope is None:
                print(f"no documents: the source table of {display_url(args.db)} is empty")
                return EXIT_OK
            print(
                f"run {settings.session_id}: app_id {scope.app_id_start}..{scope.app_id_end}, "
                f"{scope.pending:,} documents pending; contract {fingerprint}"
                f"{' (re-migrating stale documents)' if args.remigrate_stale else ''}; "
                f"workers {args.workers}, "
                f"batch size {args.batch_size}"
            )
            with stopped_by_signals(), progress_bar("migrating", scope.pending) as bar:
                stats = migrate_parallel(
                    settings,
                    scope.app_id_start,
                    scope.app_id_end,
                    args.workers,
                    on_chunk=None if bar is None else lambda done: bar.update(done.documents),
                )
    except COMMAND_ERRORS as error:
        return command_failed(error)
    print(summary(stats))
    document = metrics_document(
        stats,
        settings,
        workers=args.workers,
        app_id_start=scope.app_id_start,
        app_id_end=scope.app_id_end,
        limit=args.limit,
        started_at=started_at,
    )
    try:
        metrics_path = write_metrics(args.metrics_dir, document, started_at)
    except OSError as error:
        return command_failed(error)
    print(f"metrics: {metrics_path}")
    return EXIT_OK


def summary(stats: RunStats) -> str:
    """The run's figures for reading on the console."""
    lines = [
        f"documents {stats.documents:,}: {stats.successes:,} loaded, {stats.failures:,} failed"
        + (f", {stats.skipped:,} already processed by another run" if stats.skipped else "")
    ]
    if stats.failures:
        by_stage = ", ".join(
            f"{stage} {count:,}" for stage, count in sorted(stats.failures_by_stage.items())
        )
        lines.append(f"failures by stage: {by_stage}")
        shown = len(stats.first_failures)
        lines.append(
            f"first {shown} of {stats.failures:,} failed documents:"
            if shown < stats.failures
            else "failed documents:"
        )
        lines.extend(f"  {app_id}: {reason}" for app_id, reason in stats.first_failures)
    if stats.rows_per_table:
        rows = ", ".join(f"{table} {count:,}" for table, count in stats.rows_per_table.items())
        lines.append(f"rows per table: {rows}")
    stages = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in stats.stage_seconds.items())
    lines.append(f"seconds per stage: {stages}; wall {stats.wall_seconds:.2f}")
    lines.append(f"throughput: {stats.records_per_minute:,.0f} records/minute")
    return "\n".join(lines)
