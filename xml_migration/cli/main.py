"""Entry point of the `xml-migration` command: builds the parser from the command modules."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib import import_module

COMMAND_MODULES: tuple[str, ...] = (
    "generate",
    "ddl",
    "map",
    "contract",
    "database",
    "run",
    "verify",
    "repeated_runs",
    "bench",
    "soak",
)
"""Modules under `xml_migration.cli` that each expose `register(subparsers)`.

`register` adds its subcommands, each parser setting `func(args) -> int` (the exit code).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xml-migration",
        description="Migrate XML documents into relational tables, driven by a mapping contract.",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level (default WARNING)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(f"xml_migration.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
