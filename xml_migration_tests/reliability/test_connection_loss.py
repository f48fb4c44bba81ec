"""PostgreSQL connections terminated in the middle of a run (`pg_terminate_backend`, as a
failover or an administrator would): the reader and the loader reconnect with backoff and
the run completes with every document exactly once."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model
from xml_migration.migration.run_range import migrate_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock import read_manifest
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_outcomes,
    target_of,
)

pytestmark = pytest.mark.integration

DOCUMENTS = 3_000
BATCH_SIZE = 100
TERMINATE_AT = (300, 1_500)
"""Logged documents after which every other connection to the database is terminated."""
DEADLINE_SECONDS = 120


class BackendTerminator(threading.Thread):
    """Terminates every other backend of the database each time the processing log has
    reached the next of `thresholds` rows; records how many it terminated and when."""

    def __init__(self, url: str, thresholds: tuple[int, ...]) -> None:
        super().__init__(name="terminator", daemon=True)
        self.url = url
        self.thresholds = list(thresholds)
        self.terminated: list[tuple[int, int]] = []
        """(log rows at the time, backends terminated), one per threshold reached."""
        self.done = threading.Event()

    def run(self) -> None:
        engine = create_db_engine(self.url, poolclass=None)
        log = build_model(target_of(), dialect_name(engine)).log
        database = make_url(self.url).database
        deadline = time.monotonic() + DEADLINE_SECONDS
        try:
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT")
                while self.thresholds and not self.done.is_set():
                    assert time.monotonic() < deadline
                    logged = connection.scalar(select(func.count()).select_from(log))
                    if logged >= self.thresholds[0]:
                        killed = connection.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = :name AND pid <> pg_backend_pid()"
                            ),
                            {"name": database},
                        ).scalars()
                        self.terminated.append((logged, sum(1 for ok in killed if ok)))
                        self.thresholds.pop(0)
                    time.sleep(0.01)
        finally:
            engine.dispose()


def test_a_run_survives_terminated_connections(
    postgres_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    generate_into_database(
        postgres_url,
        DOCUMENTS,
        seed=17,
        profile="compact",
        fault_rate=0.05,
        manifest_path=tmp_path / "faults.json",
    )
    expected = read_manifest(tmp_path / "faults.json").by_app_id()
    terminator = BackendTerminator(postgres_url, TERMINATE_AT)
    caplog.set_level(logging.WARNING, logger="xml_migration")

    terminator.start()
    try:
        stats = migrate_range(MigrationSettings(postgres_url, batch_size=BATCH_SIZE), None, None)
    finally:
        terminator.done.set()
        terminator.join()

    assert len(terminator.terminated) == len(TERMINATE_AT), terminator.terminated
    for logged, killed in terminator.terminated:
        assert logged < DOCUMENTS and killed >= 1, terminator.terminated
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    reads = [m for m in retries if m.startswith("reading source documents failed")]
    loads = [m for m in retries if m.startswith("loading a batch failed")]
    assert len(reads) >= len(TERMINATE_AT) and len(loads) >= len(TERMINATE_AT), retries
    assert stats.documents == DOCUMENTS and stats.skipped == 0
    outcomes = logged_outcomes(postgres_url, target_of())
    assert len(outcomes) == DOCUMENTS
    for app_id, [outcome] in outcomes.items():
        record = expected.get(app_id)
        assert outcome.status == ("success" if record is None else record.status), app_id
    assert integrity_failures(postgres_url, target_of()) == []
