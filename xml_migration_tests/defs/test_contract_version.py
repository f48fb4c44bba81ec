"""The migration asset's code version is the contract fingerprint: after a contract change
a migrated partition is stale, and a materialization that re-migrates makes it current."""

from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest

from xml_migration.bench.remigration import write_changed_contract
from xml_migration.defs.checks import migration_integrity
from xml_migration.defs.migration import migrated_applications, versioned_by_contract
from xml_migration.defs.resources import ContractResource
from xml_migration_tests.defs.conftest import resources_for, source_documents

pytestmark = pytest.mark.dagster

DOCUMENTS = 40


def partition_status(
    url: str, instance: dg.DagsterInstance, contract: ContractResource, partition: str
) -> StaleStatus:
    """The stale status Dagster shows for one partition of the migration asset whose code
    version is `contract`'s fingerprint."""
    asset = versioned_by_contract(migrated_applications, contract)
    resources = {**resources_for(url), "contract": contract}
    definitions = dg.Definitions(assets=[asset], resources=resources)
    graph = definitions.get_repository_def().asset_graph
    resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
    return resolver.get_status(asset.key, partition)


def materialize(
    url: str,
    instance: dg.DagsterInstance,
    contract: ContractResource,
    partition: str,
    **config: object,
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [versioned_by_contract(migrated_applications, contract), migration_integrity],
        partition_key=partition,
        resources={**resources_for(url), "contract": contract},
        instance=instance,
        run_config={"ops": {"migrated_applications": {"config": config}}} if config else None,
    )


def test_a_contract_change_makes_a_partition_stale_until_remigrated(
    sqlite_url: str, instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    (partition,) = source_documents(sqlite_url, instance, DOCUMENTS)
    v1, v2 = ContractResource(), ContractResource(path=write_changed_contract(tmp_path))
    assert v1.fingerprint() != v2.fingerprint()
    first = materialize(sqlite_url, instance, v1, partition)
    (materialization,) = first.asset_materializations_for_node("migrated_applications")
    assert materialization.tags["dagster/code_version"] == v1.fingerprint()
    assert partition_status(sqlite_url, instance, v1, partition) == StaleStatus.FRESH
    assert partition_status(sqlite_url, instance, v2, partition) == StaleStatus.STALE

    new_only = materialize(sqlite_url, instance, v2, partition, remigrate_stale=False)
    checks = {e.check_name: e for e in new_only.get_asset_check_evaluations()}
    assert not checks["current_contract"].passed
    assert checks["current_contract"].severity == dg.AssetCheckSeverity.WARN
    assert checks["current_contract"].metadata["stale_outcomes"].value == DOCUMENTS

    remigrated = materialize(sqlite_url, instance, v2, partition)
    metadata = remigrated.asset_materializations_for_node("migrated_applications")[0].metadata
    assert metadata["documents"].value == DOCUMENTS
    checks = {e.check_name: e for e in remigrated.get_asset_check_evaluations()}
    assert all(check.passed for check in checks.values()), checks
    assert partition_status(sqlite_url, instance, v2, partition) == StaleStatus.FRESH
