import dagster as dg
import pytest

from xml_migration.defs.source import mock_source_documents
from xml_migration_tests.defs.conftest import resources_for

pytestmark = pytest.mark.dagster


def generate(url: str, instance: dg.DagsterInstance, count: int) -> dict[str, object]:
    result = dg.materialize(
        [mock_source_documents],
        resources=resources_for(url),
        instance=instance,
        run_config={
            "ops": {
                "mock_source_documents": {"config": {"count": count, "seed": 3, "fault_rate": 0.25}}
            }
        },
    )
    assert result.success
    [materialization] = result.asset_materializations_for_node("mock_source_documents")
    return {name: value.value for name, value in materialization.metadata.items()}


def test_documents_continue_after_existing_ids_and_register_partitions(
    sqlite_url: str, instance: dg.DagsterInstance
) -> None:
    first = generate(sqlite_url, instance, 700)
    assert (first["documents"], first["first_app_id"], first["last_app_id"]) == (700, 1, 700)
    assert first["new_partitions"] == ["0000000000-0000000999"]
    assert sum(first["faults"].values()) > 0
    second = generate(sqlite_url, instance, 700)
    assert (second["first_app_id"], second["last_app_id"]) == (701, 1_400)
    assert second["new_partitions"] == ["0000001000-0000001999"]
    assert instance.get_dynamic_partitions("app_id_ranges") == [
        "0000000000-0000000999",
        "0000001000-0000001999",
    ]
    assert second["database"] == sqlite_url
