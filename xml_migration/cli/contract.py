"""`xml-migration contract check PATH` validates a contract and summarises it;
`xml-migration contract diff OLD NEW` shows what changes between two contracts."""

from __future__ import annotations

import argparse

from xml_migration.cli.arguments import EXIT_FAILED, EXIT_OK, HelpFormatter
from xml_migration.contract.diff import (
    OPERATOR_KINDS,
    Change,
    ChangeKind,
    ContractDiff,
    diff_contracts,
)
from xml_migration.contract.errors import ContractError
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.contract.loading import load_contract, load_structure
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
    diff = actions.add_parser(
        "diff",
        help="what changes between two contracts",
        description=(
            "Compare two contracts: per table and column what is added, removed or changed "
            "(type, length, nullability, key, source, chain, expression, default, enum), "
            "which tables' rows a re-migration changes, and which table changes init "
            "applies or leaves to an operator."
        ),
        epilog=DIFF_EPILOG,
        formatter_class=HelpFormatter,
    )
    diff.add_argument("old", metavar="OLD", help="contract JSON file the rows were migrated with")
    diff.add_argument("new", metavar="NEW", help="contract JSON file to migrate with")
    diff.set_defaults(func=run_diff)


EXIT_ROWS_DIFFER = 3
DIFF_EPILOG = f"""\
exit status:
  {EXIT_OK}  nothing that changes rows differs (descriptions, key order, white space,
     relationships and DDL-only changes do not count)
  {EXIT_FAILED}  a contract cannot be read or is invalid
  2  usage error
  {EXIT_ROWS_DIFFER}  the contracts differ in what they write: documents migrated with OLD are
     stale (xml-migration run --remigrate-stale migrates them again)
"""


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


def format_diff(old: str, new: str, diff: ContractDiff) -> str:
    """The differences grouped by table, then what a re-migration and `init` do."""
    lines = [
        f"contract diff {old} -> {new}",
        f"fingerprint {diff.old_fingerprint} -> {diff.new_fingerprint}",
    ]
    if not diff.changes:
        return "\n".join([*lines, "", "no differences"])
    current: object = object()
    for change in diff.changes:
        if change.table != current:
            current = change.table
            lines += ["", f"{change.table or '(whole contract)'}:"]
        suffix = "" if change.changes_rows else "  (DDL only, rows unchanged)"
        lines.append(f"  {change.describe()}{suffix}")
    lines.append("")
    rewritten = diff.tables_with_row_changes
    if rewritten:
        lines += [
            f"rows change in {len(rewritten)} table(s): {', '.join(rewritten)}",
            f"re-migration (run --remigrate-stale) replaces the rows of every document "
            f"migrated under {diff.old_fingerprint} in all {len(diff.new_tables)} tables",
        ]
    else:
        lines.append("no row changes: a re-migration would write the same rows")
    added = [c for c in diff.changes if c.kind in (ChangeKind.TABLE_ADDED, ChangeKind.COLUMN_ADDED)]
    operator = [c for c in diff.changes if c.kind in OPERATOR_KINDS]
    if added:
        lines.append("init creates: " + ", ".join(_where(c) for c in added))
    if operator:
        lines.append(
            "init reports with the DDL to run, and nothing is migrated until resolved: "
            + ", ".join(f"{_where(c)} ({c.kind.value})" for c in operator)
        )
    return "\n".join(lines)


def _where(change: Change) -> str:
    return f"{change.table}.{change.column}" if change.column else str(change.table)


def run_diff(args: argparse.Namespace) -> int:
    try:
        diff = diff_contracts(load_contract(args.old), load_contract(args.new))
    except ContractError as error:
        print(error)
        return EXIT_FAILED
    print(format_diff(args.old, args.new, diff))
    return EXIT_ROWS_DIFFER if diff.changes_rows else EXIT_OK
