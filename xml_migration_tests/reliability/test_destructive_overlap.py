"""Destructive work never overlaps a migration of the same database, and touches only the
contract's own tables.

`xml-migration reset` during `xml-migration run` used to deadlock on PostgreSQL and, on
SQLite, to empty the log under the run, which then reported documents it no longer had.
Now the run holds the target lock shared and the reset asks for it exclusive: the second
is refused at once, naming the first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.schema import CreateSchema

from xml_migration.cli.main import main
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.guard import LockMode, target_lock
from xml_migration.db.model import build_model
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.outcomes import integrity_failures, logged_outcomes, target_of

DOCUMENTS = 1_500
RUN_SECONDS = 300


def log_rows(url: str) -> int:
    engine = create_db_engine(url)
    try:
        model = build_model(target_of(), dialect_name(engine))
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model.log)) or 0)
    finally:
        engine.dispose()


def start_cli_run(url: str, metrics: Path) -> subprocess.Popen[str]:
    """`xml-migration run` in its own process, in small batches so that it runs a while."""
    command = [sys.executable, "-m", "xml_migration.cli.main", "run", "--db", url]
    command += ["--batch-size", "10", "--metrics-dir", str(metrics)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )


def wait_for_log_rows(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + RUN_SECONDS
    while log_rows(url) == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run wrote nothing"
        time.sleep(0.2)


def test_cli_reset_during_a_cli_run_is_refused_naming_the_run(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(database_url, DOCUMENTS, seed=5, profile="compact", fault_rate=0.05)
    run = start_cli_run(database_url, tmp_path)
    try:
        wait_for_log_rows(database_url, run)
        assert run.poll() is None, "the run ended before the reset could collide with it"
        assert main(["reset", "--db", database_url]) == 1
        error = capsys.readouterr().err
        assert "xml-migration reset (pid" in error and "cannot empty or rewrite" in error
        assert "in use by xml-migration run cli-" in error
        out, err = run.communicate(timeout=RUN_SECONDS)
    finally:
        run.kill()
    assert run.returncode == 0, err
    assert f"documents {DOCUMENTS:,}: " in out
    outcomes = logged_outcomes(database_url, target_of())
    assert len(outcomes) == DOCUMENTS
    assert integrity_failures(database_url, target_of()) == []
    assert main(["reset", "--db", database_url]) == 0


def test_cli_run_during_a_reset_is_refused_naming_the_reset(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(database_url, 20, seed=5, profile="compact")
    with target_lock(database_url, LockMode.EXCLUSIVE, "xml-migration reset (pid 4242)"):
        assert main(["run", "--db", database_url, "--metrics-dir", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert "xml-migration run cli-" in error and "cannot migrate" in error
    assert "in use by xml-migration reset (pid 4242)" in error
    assert logged_outcomes(database_url, target_of()) == {}


def test_reset_refuses_a_table_that_is_not_the_contracts_and_keeps_its_rows(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unrelated table bearing the name of a contract table: init refuses it, and reset
    refuses too instead of emptying it."""
    target = target_of()
    name = target.tables[-1].name
    engine = create_db_engine(database_url)
    try:
        schema = build_model(target, dialect_name(engine)).source.schema
        unrelated = Table(
            name,
            MetaData(schema=schema),
            Column("customer_id", Integer, primary_key=True),
            Column("note", String(40)),
        )
        with engine.begin() as connection:
            if schema:
                connection.execute(CreateSchema(schema, if_not_exists=True))
            unrelated.metadata.create_all(connection)
            connection.execute(
                insert(unrelated), [{"customer_id": n, "note": "keep"} for n in range(1_000)]
            )
        assert main(["init", "--db", database_url]) == 1
        refusal = f"  - {name}.{target.tables[-1].columns[0].name}: column does not exist"
        assert refusal in capsys.readouterr().err
        assert main(["reset", "--db", database_url]) == 1
        assert refusal in capsys.readouterr().err
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(unrelated)) == 1_000
    finally:
        engine.dispose()
