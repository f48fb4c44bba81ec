"""`xml-migration init` and `xml-migration reset`: set up the tables of a contract, and empty
the migrated tables between runs while keeping the source documents."""

from __future__ import annotations

import argparse
import os

from xml_migration.cli.arguments import (
    COMMAND_ERRORS,
    EXIT_OK,
    HelpFormatter,
    add_contract_argument,
    add_database_argument,
    add_log_level_argument,
    command_failed,
)
from xml_migration.contract.compiler import load_plan
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import display_url, disposable_engine
from xml_migration.db.ddl import create_schema, reset_schema
from xml_migration.db.guard import LockMode, target_lock
from xml_migration.db.source import range_counts

EPILOG = """\
exit status:
  0  done
  1  database unreachable, contract invalid, existing tables that do not fit it, or
     (reset) a migration of the same database still running
  2  usage error
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    for name, func, summary, description in (
        (
            "init",
            init,
            "create the source, target and processing log tables",
            "Create the source table, the contract's target tables and the processing log "
            "where missing, and check that existing ones fit the contract. Idempotent.",
        ),
        (
            "reset",
            reset,
            "empty the target tables and the processing log, keeping the source documents",
            "Delete every migrated row and every processing log row, so that the next run "
            "migrates every source document again. The source documents stay. Refused while "
            "a migration of the same database runs, and when a table of the contract's name "
            "does not fit the contract (it may not be the contract's).",
        ),
    ):
        parser = subparsers.add_parser(
            name,
            help=summary,
            description=description,
            epilog=EPILOG,
            formatter_class=HelpFormatter,
        )
        add_database_argument(parser)
        add_contract_argument(parser)
        add_log_level_argument(parser, subcommand=True)
        parser.set_defaults(func=func)


def _table_names(target: TargetSchema) -> str:
    return ", ".join(table.name for table in target.tables)


def init(args: argparse.Namespace) -> int:
    try:
        target = load_plan(args.contract).target
        with disposable_engine(args.db) as engine:
            create_schema(engine, target)
            documents = range_counts(engine, target, None, None).documents
    except COMMAND_ERRORS as error:
        return command_failed(error)
    print(
        f"tables ready in {display_url(args.db)}: source {target.source_table} "
        f"({documents:,} documents); targets {_table_names(target)}; "
        f"processing log {target.processing_log_table}"
    )
    return EXIT_OK


def reset(args: argparse.Namespace) -> int:
    try:
        target = load_plan(args.contract).target
        holder = f"xml-migration reset (pid {os.getpid()})"
        with disposable_engine(args.db) as engine:
            with target_lock(args.db, LockMode.EXCLUSIVE, holder):
                reset_schema(engine, target)
            documents = range_counts(engine, target, None, None).documents
    except COMMAND_ERRORS as error:
        return command_failed(error)
    print(
        f"emptied {_table_names(target)} and {target.processing_log_table} in "
        f"{display_url(args.db)}; {documents:,} source documents kept"
    )
    return EXIT_OK
