"""The database set aside for measuring: a sibling of the target, filled with a sample.

Benchmarks reset their target before every run, so they never run on the migration's
database. By default they use a sibling of it: another SQLite file beside it
(`xml_migration.db` → `xml_migration_bench.db`), or another database on the same server
(`migration` → `migration_bench`), created when missing and filled with the first documents
of the migration's source table.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model

BENCHMARK_SUFFIX = "_bench"
COPY_PAGE_SIZE = 200
"""Source documents copied per statement (documents may be hundreds of kilobytes)."""
MAINTENANCE_DATABASES = {"postgresql": "postgres", "mssql": "master"}
"""The database of the server connected to for creating another one."""
DATABASE_EXISTS = {
    "postgresql": "SELECT 1 FROM pg_database WHERE datname = :name",
    "mssql": "SELECT 1 FROM sys.databases WHERE name = :name",
}


def sibling_url(url: str | URL) -> str:
    """The URL of the benchmark database beside the database at `url`."""
    resolved = make_url(url)
    database = resolved.database
    if resolved.get_backend_name() == "sqlite":
        if not database or database == ":memory:":
            return resolved.render_as_string(hide_password=False)
        path = Path(database)
        sibling = str(path.with_name(f"{path.stem}{BENCHMARK_SUFFIX}{path.suffix}"))
        return resolved.set(database=sibling).render_as_string(hide_password=False)
    if not database:
        raise ValueError(f"{resolved.render_as_string()} names no database")
    return resolved.set(database=f"{database}{BENCHMARK_SUFFIX}").render_as_string(
        hide_password=False
    )


def create_database_if_missing(url: str | URL) -> bool:
    """Create the database at `url` when the server does not have it; True when created.

    PostgreSQL and SQL Server: through the server's maintenance database, which needs the
    right to create databases. SQLite: the folder of the file (SQLite creates the file).
    """
    resolved = make_url(url)
    dialect = resolved.get_backend_name()
    if dialect == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            Path(resolved.database).parent.mkdir(parents=True, exist_ok=True)
        return False
    name = resolved.database
    maintenance = resolved.set(database=MAINTENANCE_DATABASES[dialect])
    engine = create_db_engine(maintenance, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            if connection.scalar(text(DATABASE_EXISTS[dialect]), {"name": name}):
                return False
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
            return True
    finally:
        engine.dispose()


def copy_source_sample(
    source: Engine, destination: Engine, target: TargetSchema, count: int
) -> int:
    """Replace the source documents of `destination` with the first `count` (lowest keys) of
    `source`; both databases hold the contract's tables. Returns how many were copied."""
    source_model = build_model(target, dialect_name(source))
    destination_model = build_model(target, dialect_name(destination))
    key, document = target.source_key_column, target.source_column
    query = (
        select(source_model.source.c[key], source_model.source.c[document])
        .order_by(source_model.source_key)
        .limit(count)
    )
    copied = 0
    with source.connect() as reading, destination.begin() as writing:
        writing.execute(delete(destination_model.source))
        rows = reading.execution_options(stream_results=True).execute(query)
        while page := rows.fetchmany(COPY_PAGE_SIZE):
            writing.execute(
                insert(destination_model.source),
                [{key: app_id, document: text_} for app_id, text_ in page],
            )
            copied += len(page)
    return copied
