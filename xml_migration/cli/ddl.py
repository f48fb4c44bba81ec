"""`xml-migration ddl`: print the DDL of a contract's tables for one database."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from xml_migration.contract.errors import ContractError
from xml_migration.db.dialects import DIALECTS

CONTRACT_VARIABLE = "XML_MIGRATION_CONTRACT"

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ddl",
        help="print the DDL of the contract's tables",
        description=(
            "Print the CREATE statements for the source table, every target table of the "
            "contract (in insertion order, with keys and foreign keys) and the processing "
            "log, for the chosen database."
        ),
    )
    parser.add_argument(
        "--contract",
        metavar="PATH",
        default=os.environ.get(CONTRACT_VARIABLE),
        help=f"contract (default ${CONTRACT_VARIABLE}, else the shipped one)",
    )
    parser.add_argument("--dialect", choices=DIALECTS, required=True, help="target database")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xml_migration.contract.compiler import load_plan
    from xml_migration.db.ddl import ddl_text

    try:
        plan = load_plan(args.contract)
        text = ddl_text(plan.target, args.dialect)
    except (ContractError, OSError, ValueError) as error:
        logger.debug("ddl failed", exc_info=True)
        print(f"error: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0
