"""Fixtures of the Dagster tests: a test instance, resources for a database, mock data."""

from collections.abc import Iterator

import dagster as dg
import pytest
from sqlalchemy import delete, select

from xml_migration.contract.compiler import load_plan
from xml_migration.db.benchmark_database import sibling_url
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model
from xml_migration.defs.deployment import Deployment
from xml_migration.defs.partitions import range_keys_covering
from xml_migration.mock.database import generate_into_database

TEST_WIDTH = 1_000
"""Partition width of the tests: small corpora still span several partitions."""


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


def resources_for(
    database_url: str, workers: int = 2
) -> dict[str, dg.ConfigurableResource | dg.ConfigurableIOManager]:
    deployment = Deployment(
        database_url=database_url,
        password_from_environment=False,
        benchmark_database_url=sibling_url(database_url),
        benchmark_url_from_environment=False,
        contract_path=None,
        executor_name="multiprocess",
        workers=workers,
        partition_width=TEST_WIDTH,
    )
    return deployment.resources()


def source_documents(
    database_url: str, instance: dg.DagsterInstance, count: int, fault_rate: float = 0.1
) -> list[str]:
    """Generate compact mock documents and register their partitions; return the keys."""
    report = generate_into_database(
        database_url, count, seed=11, profile="compact", fault_rate=fault_rate
    )
    assert report.first_app_id is not None and report.last_app_id is not None
    keys = range_keys_covering(report.first_app_id, report.last_app_id, TEST_WIDTH)
    instance.add_dynamic_partitions("app_id_ranges", keys)
    return keys


def delete_one_target_row(database_url: str) -> int:
    """Delete one row of the last table (in insertion order) that has rows; its app_id."""
    target = load_plan().target
    engine = create_db_engine(database_url)
    model = build_model(target, dialect_name(engine))
    try:
        with engine.begin() as connection:
            for spec in reversed(target.tables):
                if target.app_key_column not in spec.column_names:
                    continue
                table = model.table(spec.name)
                key = [table.c[name] for name in spec.primary_key]
                row = connection.execute(
                    select(table.c[target.app_key_column], *key).order_by(*key).limit(1)
                ).first()
                if row is not None:
                    values = zip(key, row[1:], strict=True)
                    connection.execute(delete(table).where(*(c == v for c, v in values)))
                    return int(row[0])
    finally:
        engine.dispose()
    raise AssertionError("no target row to delete")
