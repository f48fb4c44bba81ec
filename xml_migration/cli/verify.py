"""`xml-migration verify`: the integrity checks of the Dagster asset checks, from a shell."""

from __future__ import annotations

import argparse

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
    usage_error,
)
from xml_migration.contract.compiler import load_plan
from xml_migration.db.connection import disposable_engine
from xml_migration.db.integrity import IntegrityResult, integrity_checks
from xml_migration.migration.scope import key_range

EPILOG = """\
exit status:
  0  every check passed
  1  a check failed (its offending app_ids are printed), or the checks could not run
  2  usage error
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check that nothing was lost or duplicated and that counts reconcile",
        description=(
            "Run the integrity checks of the migration over a key range (default: every "
            "source document): every document has an outcome and each success has exactly "
            "the rows its log row records; nothing loaded twice, no orphan rows; counts "
            "per table reconcile."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_database_argument(parser)
    add_contract_argument(parser)
    add_key_range_arguments(parser)
    add_log_level_argument(parser, subcommand=True)
    parser.set_defaults(func=verify)


def verify(args: argparse.Namespace) -> int:
    problem = key_range_problem(args)
    if problem:
        return usage_error(problem)
    try:
        target = load_plan(args.contract).target
        with disposable_engine(args.db) as engine:
            id_range = None
            if args.app_id_start is not None or args.app_id_end is not None:
                id_range = key_range(engine, target, args.app_id_start, args.app_id_end)
            results = integrity_checks(engine, target, id_range)
    except COMMAND_ERRORS as error:
        return command_failed(error)
    print("\n".join(report_line(result) for result in results.values()))
    failed = [name for name, result in results.items() if not result.passed]
    if failed:
        print(f"verify: {len(failed)} of {len(results)} checks failed: {', '.join(failed)}")
        return EXIT_FAILED
    print(f"verify: all {len(results)} checks passed")
    return EXIT_OK


def report_line(result: IntegrityResult) -> str:
    """`PASS name: description`, or `FAIL …` with the figures and the offending app_ids."""
    lines = [f"{'PASS' if result.passed else 'FAIL'} {result.name}: {result.description}"]
    if not result.passed:
        if result.metadata:
            figures = ", ".join(f"{key} {value:,}" for key, value in result.metadata.items())
            lines.append(f"  {figures}")
        if result.offending_ids:
            ids = ", ".join(str(app_id) for app_id in result.offending_ids)
            lines.append(f"  offending app_ids (first {len(result.offending_ids)}): {ids}")
    return "\n".join(lines)
