"""Arguments the commands share (database, contract, key range) and how a command that
could not do its work reports the error."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from xml_migration.contract.errors import ContractError
from xml_migration.db.connection import PASSWORD_ENV_VAR
from xml_migration.db.errors import LoadError, TransientDatabaseError, database_message
from xml_migration.db.guard import TargetBusyError
from xml_migration.db.reflection import SchemaMismatchError
from xml_migration.migration.lifetime import RunStopped

DB_URL_VARIABLE = "XML_MIGRATION_DB_URL"
CONTRACT_VARIABLE = "XML_MIGRATION_CONTRACT"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

COMMAND_ERRORS: tuple[type[BaseException], ...] = (
    ContractError,
    SchemaMismatchError,
    TargetBusyError,
    SQLAlchemyError,
    LoadError,
    TransientDatabaseError,
    BrokenProcessPool,
    OSError,
    RunStopped,
)
"""Errors that stop a command: unusable contract, unreachable database, tables that do not
fit the contract, a database another command is emptying or migrating, a batch the
database refused for a reason no document caused, a signal."""

logger = logging.getLogger(__name__)


class HelpFormatter(argparse.HelpFormatter):
    """Wraps a paragraph of help text to the terminal; text that holds line breaks (the
    exit status tables of the epilogs) stays as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    """`--db URL`, defaulting to $XML_MIGRATION_DB_URL; required when that is unset."""
    default = os.environ.get(DB_URL_VARIABLE)
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        required=default is None,
        help=f"database URL in SQLAlchemy form (default ${DB_URL_VARIABLE}); a password "
        f"missing from the URL is taken from ${PASSWORD_ENV_VAR}",
    )


def add_contract_argument(parser: argparse.ArgumentParser) -> None:
    """`--contract PATH`, defaulting to $XML_MIGRATION_CONTRACT, else the shipped contract."""
    parser.add_argument(
        "--contract",
        metavar="PATH",
        default=os.environ.get(CONTRACT_VARIABLE),
        help=f"mapping contract (default ${CONTRACT_VARIABLE}, else the shipped one)",
    )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LOG_LEVEL = "WARNING"


def add_log_level_argument(parser: argparse.ArgumentParser, *, subcommand: bool = False) -> None:
    """`--log-level`, WARNING unless told otherwise; apply it with `configure_logging`.

    On a subcommand the option has no default of its own, so that `xml-migration
    --log-level INFO run` and `xml-migration run --log-level INFO` both work."""
    parser.add_argument(
        "--log-level",
        default=argparse.SUPPRESS if subcommand else DEFAULT_LOG_LEVEL,
        choices=LOG_LEVELS,
        help=f"logging level (default {DEFAULT_LOG_LEVEL})",
    )


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def add_key_range_arguments(parser: argparse.ArgumentParser) -> None:
    """`--app-id-start A --app-id-end B`: an inclusive key range; a missing bound is taken
    from the source table."""
    parser.add_argument(
        "--app-id-start", metavar="A", type=int, help="first app_id (default: the smallest)"
    )
    parser.add_argument(
        "--app-id-end", metavar="B", type=int, help="last app_id (default: the largest)"
    )


def key_range_problem(args: argparse.Namespace) -> str | None:
    """Why the key range arguments are unusable, or None."""
    if (
        args.app_id_start is not None
        and args.app_id_end is not None
        and args.app_id_start > args.app_id_end
    ):
        return f"--app-id-start {args.app_id_start} is after --app-id-end {args.app_id_end}"
    return None


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def usage_error(message: str) -> int:
    """Print a usage problem found after parsing; the usage exit status."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def command_failed(error: BaseException) -> int:
    """Print why a command could not do its work (the database's own message for database
    errors, never the password); the failure exit status."""
    logger.debug("command failed", exc_info=error)
    if isinstance(error, DBAPIError) and error.orig is not None:
        message = database_message(error.orig)
    else:
        message = str(error) or type(error).__name__
    print(f"error: {message}", file=sys.stderr)
    return EXIT_FAILED
