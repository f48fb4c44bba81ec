"""`xml-migration map`: map XML files with a contract and print their outcomes as JSON lines.

No database is involved. Each file's source key is the number before the first `_` of its
name when there is one, else the document's own application key. Documents are processed in
ascending key order; key collisions between them fail the later document as a database
would (spec §15.3).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from datetime import datetime
from pathlib import Path

from xml_migration.contract.errors import ContractError
from xml_migration.engine.outcome import DocumentFailure, MappedDocument

CONTRACT_VARIABLE = "XML_MIGRATION_CONTRACT"
_NAME_KEY = re.compile(r"([0-9]+)_")

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "map",
        help="map XML files and print one JSON line per document",
        description=(
            "Map XML documents with a contract, without a database, and print one JSON line "
            "per document in the format of the compatibility vectors (document, "
            "source_app_id, status, failure, tables with the processing_log row)."
        ),
    )
    parser.add_argument(
        "--contract",
        metavar="PATH",
        default=os.environ.get(CONTRACT_VARIABLE),
        help=f"contract (default ${CONTRACT_VARIABLE}, else the shipped one)",
    )
    parser.add_argument(
        "--now",
        metavar="ISO",
        type=datetime.fromisoformat,
        help="UTC time stamp for default_getutcdate_if_null and GETUTCDATE() (default: now)",
    )
    parser.add_argument(
        "--notes", action="store_true", help="add each document's data-quality notes"
    )
    parser.add_argument("files", metavar="FILE", nargs="+", type=Path, help="XML documents")
    parser.set_defaults(func=run)


def name_key(path: Path) -> int | None:
    """The source key a file name carries: the number before its first `_`."""
    match = _NAME_KEY.match(path.name)
    return int(match[1]) if match else None


def run(args: argparse.Namespace) -> int:
    from xml_migration.contract.compiler import load_plan
    from xml_migration.engine.compat_json import outcome_record
    from xml_migration.engine.key_registry import KeyRegistry
    from xml_migration.engine.mapper import map_document

    try:
        plan = load_plan(args.contract)
    except ContractError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    outcomes: list[tuple[int, str, MappedDocument | DocumentFailure]] = []
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as error:
            print(f"error: {path}: {error.strerror or error}", file=sys.stderr)
            return 1
        key = name_key(path)
        outcome = map_document(plan, key, raw, now=args.now)
        outcomes.append((outcome.app_id if key is None else key, path.name, outcome))
    outcomes.sort(key=lambda item: (item[0], item[1]))
    registry = KeyRegistry(plan.target)
    try:
        for key, name, outcome in outcomes:
            if isinstance(outcome, MappedDocument):
                outcome = registry.claim(outcome)
            record = outcome_record(plan.target, outcome, name, key)
            if args.notes:
                record["notes"] = list(outcome.notes)
            print(json.dumps(record, ensure_ascii=False))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (e.g. `| head`): silence the final flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
