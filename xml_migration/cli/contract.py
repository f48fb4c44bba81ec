"""`xml-migration contract check PATH`: validate a contract and summarise it."""

from __future__ import annotations

import argparse

from xml_migration.contract.errors import ContractError
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.contract.loading import load_structure
from xml_migration.contract.summary import ContractSummary, summarize


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "contract",
        help="work with mapping contracts",
        description="Inspect mapping contracts.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate a contract and summarise it",
        description=(
            "Validate a contract completely and print its fingerprint (recorded in every "
            "processing log row it produces), its tables with their roles, the number of "
            "mappings per mapping type, the element paths it reads, what each SQL Server "
            "spelling (data_type, data_length -1 / 'max', GETUTCDATE() defaults) became, and "
            "the warnings a migrating user needs. Exit status 1 lists every problem."
        ),
    )
    check.add_argument("path", metavar="PATH", help="contract JSON file")
    check.set_defaults(func=run_check)


def format_summary(path: str, summary: ContractSummary, fingerprint: str) -> str:
    lines = [
        f"contract {path} is valid",
        f"fingerprint {fingerprint}",
        "",
        f"tables ({len(summary.tables)}, insertion order):",
    ]
    width = max(len(table.name) for table in summary.tables)
    for table in summary.tables:
        lines.append(
            f"  {table.name:<{width}}  {table.role.value:<17}  {table.mappings:>3} mappings  "
            f"{table.columns:>3} columns  key ({', '.join(table.primary_key)})"
        )
    lines += ["", "mappings per type:"]
    lines += [f"  {name:<28} {count:>4}" for name, count in summary.mapping_types]
    lines += ["", f"read paths ({len(summary.read_paths)}):"]
    lines += [f"  {path}" for path in summary.read_paths]
    lines.append(
        f"  (contact selection and expressions may read anything below {summary.container_path})"
    )
    lines += ["", f"SQL spellings ({len(summary.spellings)}):"]
    lines += [f"  {spelling}" for spelling in summary.spellings] or ["  none"]
    warnings = summary.warnings + summary.required_without_default
    lines += ["", f"warnings ({len(warnings)}):"]
    lines += [f"  - {warning}" for warning in warnings] or ["  none"]
    return "\n".join(lines)


def run_check(args: argparse.Namespace) -> int:
    try:
        structure = load_structure(args.path)
        summary = summarize(structure)
    except ContractError as error:
        print(error)
        return 1
    print(format_summary(args.path, summary, contract_fingerprint(structure.contract)))
    return 0
