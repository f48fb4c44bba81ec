"""A PostgreSQL server that ends sessions idle in a transaction after 40 ms
(`idle_in_transaction_session_timeout`): a run's own sessions turn the timeout off, so the
run completes; and a session the server ends that way is retried like a lost connection."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from xml_migration.db.connection import create_db_engine
from xml_migration.db.errors import ErrorKind, classify
from xml_migration.migration.run_range import migrate_parallel
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_outcomes,
    target_of,
)

pytestmark = pytest.mark.integration

DOCUMENTS = 600
BATCH_SIZE = 50
TIMEOUT = "40ms"


def conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def impatient_database(postgres_url: str) -> str:
    """The test database, with every new session ending when idle in a transaction 40 ms."""
    name = make_url(postgres_url).database
    with psycopg.connect(conninfo(postgres_url), autocommit=True) as connection:
        connection.execute(
            f"ALTER DATABASE \"{name}\" SET idle_in_transaction_session_timeout = '{TIMEOUT}'"
        )
    with psycopg.connect(conninfo(postgres_url)) as connection:
        setting = connection.execute("SHOW idle_in_transaction_session_timeout").fetchone()
    assert setting == (TIMEOUT,)
    return postgres_url


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_completes_when_the_server_ends_idle_transactions(
    impatient_database: str, tmp_path: Path, workers: int
) -> None:
    generate_into_database(impatient_database, DOCUMENTS, seed=9, profile="compact")

    stats = migrate_parallel(
        MigrationSettings(impatient_database, batch_size=BATCH_SIZE), 1, DOCUMENTS, workers
    )

    assert stats.documents == DOCUMENTS
    outcomes = logged_outcomes(impatient_database, target_of())
    assert len(outcomes) == DOCUMENTS
    assert all([o.status for o in rows] == ["success"] for rows in outcomes.values())
    assert integrity_failures(impatient_database, target_of()) == []


def test_the_run_turns_the_timeout_off_for_its_own_sessions(impatient_database: str) -> None:
    engine = create_db_engine(impatient_database)
    try:
        with engine.connect() as connection:
            setting = connection.scalar(text("SHOW idle_in_transaction_session_timeout"))
    finally:
        engine.dispose()
    assert setting == "0"


def test_a_session_ended_for_idling_in_a_transaction_is_retried(
    impatient_database: str,
) -> None:
    with psycopg.connect(conninfo(impatient_database)) as connection:
        connection.execute("SELECT 1")
        time.sleep(0.5)
        with pytest.raises(psycopg.Error) as ended:
            connection.execute("SELECT 1")
    assert classify(ended.value) is ErrorKind.TRANSIENT, (ended.value.sqlstate, ended.value)
