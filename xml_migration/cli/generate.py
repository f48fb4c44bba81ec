"""`xml-migration generate`: mock documents into the source table, with a fault manifest."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable

from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    DB_URL_VARIABLE,
    EXIT_OK,
    add_contract_argument,
    command_failed,
    usage_error,
)
from xml_migration.cli.progress import progress_bar
from xml_migration.db.connection import PASSWORD_ENV_VAR
from xml_migration.mock.generator import Profile
from xml_migration.mock.report import GenerationReport


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate mock credit-application documents into the source table",
        description=(
            "Generate mock documents for the credit-application contract into the source "
            "table, continuing after its largest app_id, and print the key range, size "
            "percentiles and injected faults. With --manifest, the fault manifest (app_id, "
            "fault, expected outcome) is written to the path given."
        ),
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=os.environ.get(DB_URL_VARIABLE),
        help=f"database URL in SQLAlchemy form (default ${DB_URL_VARIABLE}); a password "
        f"missing from the URL is taken from ${PASSWORD_ENV_VAR}",
    )
    parser.add_argument("--count", type=_non_negative, required=True, help="documents")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--profile",
        choices=[profile.value for profile in Profile],
        default=Profile.PRODUCTION.value,
        help="document sizes: production (median 130 KiB) or compact (about 8 KiB)",
    )
    parser.add_argument(
        "--fault-rate", type=_rate, default=0.0, help="share of faulted documents, 0..1"
    )
    parser.add_argument(
        "--manifest",
        metavar="PATH",
        help="write the fault manifest to PATH ({first_app_id} and {last_app_id} are "
        "filled in); without it no manifest is written",
    )
    add_contract_argument(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="generate without a database (app_id from 1) and report the generation speed",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def run(args: argparse.Namespace) -> int:
    if not args.dry_run and not args.db:
        return usage_error(f"--db URL (or ${DB_URL_VARIABLE}) is required, or --dry-run")
    try:
        with progress_bar("generating", args.count) as bar:
            report = _generate(args, args.manifest, None if bar is None else bar.advance)
    except (*COMMAND_ERRORS, ValueError) as error:
        return command_failed(error)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        print(_summary(report))
    return EXIT_OK


def _generate(
    args: argparse.Namespace, manifest: str | None, advance: Callable[[int], None] | None
) -> GenerationReport:
    options = {
        "seed": args.seed,
        "profile": args.profile,
        "fault_rate": args.fault_rate,
        "manifest_path": manifest,
        "progress": advance,
    }
    if args.dry_run:
        from xml_migration.mock.dry_run import generate_without_database

        return generate_without_database(args.count, **options)
    from xml_migration.mock.database import generate_into_database

    return generate_into_database(args.db, args.count, contract_path=args.contract, **options)


def _kib(size: int) -> str:
    return f"{size / 1024:,.1f} KiB"


def _summary(report: GenerationReport) -> str:
    if report.documents == 0:
        return "generated 0 documents"
    lines = [
        f"generated {report.documents:,} documents, app_id {report.first_app_id}.."
        f"{report.last_app_id} ({report.profile} profile, seed {report.seed})",
        f"size p50 {_kib(report.size_p50)}, p90 {_kib(report.size_p90)}, "
        f"max {_kib(report.size_max)}; total {report.total_bytes / 2**20:,.1f} MiB, "
        f"{report.unread_share:.1%} in unread sections",
    ]
    faults = sum(report.faults.values())
    if faults:
        counts = ", ".join(f"{kind} {count}" for kind, count in sorted(report.faults.items()))
        lines.append(f"faults {faults}: {counts}")
    else:
        lines.append("faults 0")
    if report.manifest_path is not None:
        lines.append(f"fault manifest: {report.manifest_path}")
    elif faults:
        lines.append("no fault manifest written (--manifest PATH writes one)")
    lines.append(f"{report.seconds:.2f} s, {report.documents_per_second:,.0f} documents/s")
    return "\n".join(lines)
