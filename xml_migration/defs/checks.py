"""Blocking integrity checks of the migration: nothing lost, nothing twice, counts reconcile.

The checks query the database for an id range: the partition of the run, or every source
document when no partition is given. Each result names the first offending app_ids.
"""

from collections.abc import Iterator

import dagster as dg

from xml_migration.db.integrity import IntegrityResult, check_current_contract, integrity_checks
from xml_migration.defs.migration import migrated_applications
from xml_migration.defs.partitions import parse_range_key
from xml_migration.defs.resources import ContractResource, DatabaseResource

OFFENDING_IDS_SHOWN = 20

CHECK_DESCRIPTIONS = {
    "no_lost_records": "Every source document of the range has a processing-log outcome, and "
    "every success has exactly the rows its log row says it wrote.",
    "no_duplicates": "No document loaded twice, primary keys unique, no orphan child rows.",
    "reconciliation": "Counts agree per table: source documents, log outcomes, target rows.",
    "current_contract": "Every outcome was produced under the current contract (a warning "
    "while documents migrated under another one are not re-migrated).",
}
WARNING_CHECKS = frozenset({"current_contract"})
"""Checks that warn instead of failing the run: stale outcomes are a state, not damage."""


def integrity_results(
    database: DatabaseResource, contract: ContractResource, id_range: tuple[int, int] | None
) -> dict[str, IntegrityResult]:
    """Run every integrity check over `id_range` (None: all documents), by check name."""
    target = contract.target_schema()
    with database.engine() as engine:
        return integrity_checks(engine, target, id_range)


def current_contract_result(
    database: DatabaseResource, contract: ContractResource, id_range: tuple[int, int] | None
) -> IntegrityResult:
    """Whether every outcome of `id_range` carries the current contract's fingerprint."""
    with database.engine() as engine:
        return check_current_contract(
            engine, contract.target_schema(), id_range, contract.fingerprint()
        )


def check_metadata(result: IntegrityResult) -> dict[str, object]:
    """A check result's figures, how many offenders it found, the first offending app_ids
    and the tables whose counts disagree."""
    return {
        **result.metadata,
        "offending_count": result.offending_count,
        "offending_app_ids": dg.MetadataValue.json(
            list(result.offending_ids[:OFFENDING_IDS_SHOWN])
        ),
        "offending_tables": dg.MetadataValue.json(list(result.offending_tables)),
    }


def check_evaluations(
    results: dict[str, IntegrityResult], partition_key: str | None
) -> Iterator[dg.AssetCheckResult]:
    for name, result in results.items():
        yield dg.AssetCheckResult(
            asset_key=migrated_applications.key,
            check_name=name,
            passed=result.passed,
            severity=dg.AssetCheckSeverity.WARN
            if name in WARNING_CHECKS
            else dg.AssetCheckSeverity.ERROR,
            description=result.description,
            metadata={**check_metadata(result), "partition": partition_key or "all"},
        )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name,
            asset=migrated_applications,
            blocking=name not in WARNING_CHECKS,
            description=text,
        )
        for name, text in CHECK_DESCRIPTIONS.items()
    ],
    compute_kind="sql",
)
def migration_integrity(
    context: dg.AssetCheckExecutionContext,
    database: DatabaseResource,
    contract: ContractResource,
) -> Iterator[dg.AssetCheckResult]:
    """Integrity of the migrated partition, checked by queries (also on SQLite)."""
    op_context = context.op_execution_context
    partition_key = op_context.partition_key if op_context.has_partition_key else None
    id_range = parse_range_key(partition_key) if partition_key else None
    results = integrity_results(database, contract, id_range)
    current = current_contract_result(database, contract, id_range)
    yield from check_evaluations({**results, current.name: current}, partition_key)
