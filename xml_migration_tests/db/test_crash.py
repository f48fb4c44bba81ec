"""A loading process killed with SIGKILL in the middle of a batch, then run again: every
document ends exactly once (no lost, no duplicated rows), on SQLite and PostgreSQL; the same
for a re-migration under a changed contract, killed at several points."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.ddl import reset_schema
from xml_migration.db.integrity import integrity_checks
from xml_migration.db.model import LOG, build_model
from xml_migration.db.source import insert_source_documents
from xml_migration_tests.db.load_process import FAILING_EVERY, FINGERPRINTS
from xml_migration_tests.db.schemas import CONTACTS_PER_DOCUMENT, source_document

DOCUMENTS = 3_000
BATCH_SIZE = 300
KILLS = 3
APPLICATION_NAME = "xml_migration_crash_test"
REPOSITORY = Path(__file__).parents[2]
DEADLINE_SECONDS = 120


def _start(url: str, version: str = "v1") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xml_migration_tests.db.load_process",
            url,
            str(BATCH_SIZE),
            version,
        ],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )


def _writing_transaction_open(engine: Engine, url: str) -> bool:
    """Whether the loading process is inside a transaction that has written rows."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as observer:
            return bool(
                observer.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                        "AND backend_xid IS NOT NULL"
                    ),
                    {"name": APPLICATION_NAME},
                )
            )
    probe = sqlite3.connect(make_url(url).database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def _kill_mid_batch(
    engine: Engine, url: str, version: str = "v1", *, between_batches: bool = False
) -> None:
    """Start a loader, let it commit at least one batch, SIGKILL it inside the next one
    (or, `between_batches`, right after that commit)."""
    process = _start(url, version)
    assert process.stdout is not None
    deadline = time.monotonic() + DEADLINE_SECONDS
    committed = False
    while True:
        line = process.stdout.readline().strip()
        assert line and line != "done", f"the loader finished before it was killed: {line!r}"
        committed = committed or line == "committed"
        if committed and (between_batches or line.startswith("loading")):
            break
    while not between_batches and not _writing_transaction_open(engine, url):
        assert time.monotonic() < deadline, "never caught the loader inside a transaction"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _log_rows(engine: Engine, target: TargetSchema, fingerprint: str | None = None) -> int:
    model = build_model(target, engine.dialect.name)
    query = select(func.count()).select_from(model.log)
    if fingerprint is not None:
        query = query.where(model.log.c[LOG.contract_fingerprint] == fingerprint)
    with engine.connect() as connection:
        return int(connection.scalar(query))


def _url_named(engine: Engine, url: str) -> str:
    """`url` with the application name the PostgreSQL probe looks for."""
    if engine.dialect.name != "postgresql":
        return url
    named = make_url(url).update_query_dict({"application_name": APPLICATION_NAME})
    return named.render_as_string(hide_password=False)


def _rows(engine: Engine, target: TargetSchema) -> dict[str, list[tuple[object, ...]]]:
    """Every target table's rows, sorted."""
    model = build_model(target, engine.dialect.name)
    with engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in model.tables
        }


def _count(engine: Engine, target: TargetSchema, table: str) -> int:
    model = build_model(target, engine.dialect.name)
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model.table(table))))


@pytest.mark.slow
def test_a_killed_load_resumes_exactly_once(
    schema_engine: Engine, database_url: str, target: TargetSchema
) -> None:
    url = _url_named(schema_engine, database_url)
    keys = range(1, DOCUMENTS + 1)
    insert_source_documents(schema_engine, target, ((key, source_document(key)) for key in keys))
    progress = [0]
    for _ in range(KILLS):
        _kill_mid_batch(schema_engine, url)
        logged = _log_rows(schema_engine, target)
        assert logged % BATCH_SIZE == 0, f"{logged} log rows: a batch was written in part"
        assert progress[-1] < logged < DOCUMENTS
        progress.append(logged)
    final = _start(url)
    output, _ = final.communicate(timeout=DEADLINE_SECONDS)
    assert final.returncode == 0 and output.strip().endswith("done")
    assert _log_rows(schema_engine, target) == DOCUMENTS
    failed = DOCUMENTS // FAILING_EVERY
    model = build_model(target, schema_engine.dialect.name)
    with schema_engine.connect() as connection:
        contacts = connection.scalar(
            select(func.count()).select_from(model.table("app_contact_base"))
        )
        sessions = connection.scalar(select(func.count(func.distinct(model.log.c.session_id))))
    assert contacts == (DOCUMENTS - failed) * CONTACTS_PER_DOCUMENT
    assert sessions == KILLS + 1
    results = integrity_checks(schema_engine, target)
    assert all(result.passed for result in results.values()), results


@pytest.mark.slow
def test_a_killed_remigration_resumes_exactly_once(
    schema_engine: Engine, database_url: str, target: TargetSchema
) -> None:
    url = _url_named(schema_engine, database_url)
    keys = range(1, DOCUMENTS + 1)
    insert_source_documents(schema_engine, target, ((key, source_document(key)) for key in keys))
    first = _start(url, "v1")
    assert first.communicate(timeout=DEADLINE_SECONDS)[0].strip().endswith("done")
    v2 = FINGERPRINTS["v2"]
    progress = [0]
    for between_batches in (False, True, False):
        _kill_mid_batch(schema_engine, url, "v2", between_batches=between_batches)
        assert _log_rows(schema_engine, target) == DOCUMENTS, "a document lost its outcome"
        remigrated = _log_rows(schema_engine, target, v2)
        assert remigrated % BATCH_SIZE == 0, f"{remigrated} v2 rows: a batch was written in part"
        assert progress[-1] < remigrated < DOCUMENTS
        progress.append(remigrated)
    final = _start(url, "v2")
    output, _ = final.communicate(timeout=DEADLINE_SECONDS)
    assert final.returncode == 0 and output.strip().endswith("done")
    assert _log_rows(schema_engine, target, v2) == _log_rows(schema_engine, target) == DOCUMENTS
    loaded = DOCUMENTS - DOCUMENTS // FAILING_EVERY
    assert _count(schema_engine, target, "app_contact_base") == loaded
    assert _count(schema_engine, target, "app_contact_address") == loaded * 2
    results = integrity_checks(schema_engine, target)
    assert all(result.passed for result in results.values()), results
    remigrated = _rows(schema_engine, target)
    reset_schema(schema_engine, target)
    fresh = _start(url, "v2")
    assert fresh.communicate(timeout=DEADLINE_SECONDS)[0].strip().endswith("done")
    assert _rows(schema_engine, target) == remigrated
