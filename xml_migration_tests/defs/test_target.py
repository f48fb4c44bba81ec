import dagster as dg
import pytest
from sqlalchemy import func, select

from xml_migration.contract.compiler import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model
from xml_migration.defs.target import target_schema
from xml_migration_tests.defs.conftest import resources_for

pytestmark = pytest.mark.dagster


def row_counts(url: str) -> dict[str, int]:
    target = load_plan().target
    engine = create_db_engine(url)
    model = build_model(target, dialect_name(engine))
    try:
        with engine.connect() as connection:
            tables = {"source": model.source, "log": model.log}
            tables |= {spec.name: model.table(spec.name) for spec in target.tables}
            return {
                name: connection.scalar(select(func.count()).select_from(table))
                for name, table in tables.items()
            }
    finally:
        engine.dispose()


def test_target_schema_creates_every_table_and_is_idempotent(
    database_url: str, instance: dg.DagsterInstance
) -> None:
    for _ in range(2):
        result = dg.materialize(
            [target_schema], resources=resources_for(database_url), instance=instance
        )
        assert result.success
    metadata = result.asset_materializations_for_node("target_schema")[0].metadata
    tables = metadata["tables"].value
    assert metadata["table_count"].value == len(tables) == len(load_plan().target.tables)
    counts = row_counts(database_url)
    assert counts["source"] == 0 and all(counts[name] == 0 for name in tables)
