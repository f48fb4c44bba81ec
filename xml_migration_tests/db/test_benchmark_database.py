"""The benchmark database: a sibling of the target, created when missing, filled with a sample."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from xml_migration.contract.compiler import load_plan
from xml_migration.db.benchmark_database import (
    copy_source_sample,
    create_database_if_missing,
    sibling_url,
)
from xml_migration.db.connection import disposable_engine
from xml_migration.db.ddl import create_schema
from xml_migration.db.source import source_key_range
from xml_migration.mock.database import generate_into_database


def test_the_sibling_is_another_file_or_another_database_on_the_same_server() -> None:
    assert (
        sibling_url("sqlite:////data/xml_migration.db") == "sqlite:////data/xml_migration_bench.db"
    )
    assert (
        sibling_url("postgresql+psycopg://u:pw@db:5432/migration")
        == "postgresql+psycopg://u:pw@db:5432/migration_bench"
    )
    assert sibling_url("sqlite://") == "sqlite://"


@pytest.mark.integration
def test_a_missing_postgresql_database_is_created_once(postgres_url: str) -> None:
    bench = sibling_url(postgres_url)
    admin = make_url(postgres_url).set(drivername="postgresql", database="postgres")
    try:
        assert create_database_if_missing(bench)
        assert not create_database_if_missing(bench)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{make_url(bench).database}" WITH (FORCE)')


def test_the_sample_replaces_the_source_with_the_lowest_keys(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    target = load_plan().target
    generate_into_database(database_url, 40, profile="compact")
    bench = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.db'}"
    with disposable_engine(database_url) as source, disposable_engine(bench) as measured:
        create_schema(measured, target)
        assert copy_source_sample(source, measured, target, 25) == 25
        assert copy_source_sample(source, measured, target, 10) == 10
        assert source_key_range(measured, target) == (1, 10)
