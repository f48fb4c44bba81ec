"""The target side: the contract's tables, created when missing."""

import dagster as dg

from xml_migration.db.ddl import create_schema
from xml_migration.defs.resources import ContractResource, DatabaseResource

TARGET_GROUP = "target"


def create_target_tables(
    database: DatabaseResource, contract: ContractResource
) -> dict[str, object]:
    """Create the missing tables of the contract; return the metadata to record."""
    target = contract.target_schema()
    with database.engine() as engine:
        create_schema(engine, target)
    return {
        "tables": dg.MetadataValue.json([table.name for table in target.tables]),
        "table_count": len(target.tables),
        "source_table": target.source_table,
        "processing_log_table": target.processing_log_table,
        "contract": contract.display_name(),
        "database": database.display_url(),
    }


@dg.asset(group_name=TARGET_GROUP, kinds={"sql"})
def target_schema(database: DatabaseResource, contract: ContractResource) -> dg.MaterializeResult:
    """The contract's target tables, the source table and the processing log.

    Missing tables are created; existing ones are checked against the contract, and any
    incompatible column fails this step with the full list of mismatches.
    """
    return dg.MaterializeResult(metadata=create_target_tables(database, contract))
