"""The source side: mock credit applications generated into the source table."""

import dagster as dg

from xml_migration.defs.config import MockDocumentsConfig, require_valid_config
from xml_migration.defs.partitions import app_id_ranges
from xml_migration.defs.resources import ContractResource, DatabaseResource, PartitioningResource
from xml_migration.mock.database import generate_into_database

SOURCE_GROUP = "source"


def register_partitions(instance: dg.DagsterInstance, keys: list[str]) -> list[str]:
    """Add the partitions of `keys` that do not exist yet; return those."""
    existing = set(instance.get_dynamic_partitions(app_id_ranges.name))
    new_keys = [key for key in keys if key not in existing]
    if new_keys:
        instance.add_dynamic_partitions(app_id_ranges.name, new_keys)
    return new_keys


def generate_documents(
    context: dg.OpExecutionContext,
    config: MockDocumentsConfig,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dict[str, object]:
    """Generate mock documents, register their partitions; return the metadata to record."""
    require_valid_config(config)
    report = generate_into_database(
        database.connection_url(),
        count=config.count,
        seed=config.seed,
        profile=config.profile,
        fault_rate=config.fault_rate,
        contract_path=contract.path,
    )
    new_keys = []
    if report.first_app_id is not None and report.last_app_id is not None:
        new_keys = register_partitions(
            context.instance,
            partitioning.keys_covering(report.first_app_id, report.last_app_id),
        )
    context.log.info(
        f"{report.documents} documents, app_id {report.first_app_id}-{report.last_app_id}, "
        f"{report.documents_per_second:,.0f} documents/s; "
        f"new partitions: {', '.join(new_keys) or 'none'}"
    )
    return {
        "documents": report.documents,
        "first_app_id": report.first_app_id,
        "last_app_id": report.last_app_id,
        "profile": report.profile,
        "seed": report.seed,
        "fault_rate": report.fault_rate,
        "size_p50_bytes": report.size_p50,
        "size_p90_bytes": report.size_p90,
        "size_max_bytes": report.size_max,
        "unread_share": round(report.unread_share, 4),
        "faults": dg.MetadataValue.json(dict(sorted(report.faults.items()))),
        "documents_per_second": round(report.documents_per_second, 1),
        "new_partitions": dg.MetadataValue.json(new_keys),
        "database": database.display_url(),
    }


@dg.asset(group_name=SOURCE_GROUP, kinds={"xml", "sql"})
def mock_source_documents(
    context: dg.AssetExecutionContext,
    config: MockDocumentsConfig,
    database: DatabaseResource,
    contract: ContractResource,
    partitioning: PartitioningResource,
) -> dg.MaterializeResult:
    """Mock credit applications added to the source table (`app_xml`).

    New documents continue after the highest existing app_id, so every run adds new ids;
    the id ranges they fall into become partitions of `migrated_applications`.
    """
    metadata = generate_documents(
        context.op_execution_context, config, database, contract, partitioning
    )
    return dg.MaterializeResult(metadata=metadata)
