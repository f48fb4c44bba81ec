"""The target lock on real databases: shared for migrations, exclusive for destructive work,
refusing the second at once with the holder's name, released when its holder dies."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.mssql import pyodbc

from xml_migration.db.guard import (
    MSSQL_HOLDERS,
    MSSQL_TRY_LOCK,
    MSSQL_UNLOCK,
    LockMode,
    TargetBusyError,
    target_lock,
)

GOLDEN = Path(__file__).parent / "golden"
HOLD_SCRIPT = """\
import sys, time
from xml_migration.db.guard import LockMode, target_lock
with target_lock(sys.argv[1], LockMode(sys.argv[2]), "holder in a child process"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_reset_is_refused_while_a_migration_holds_the_lock_naming_it(database_url: str) -> None:
    with target_lock(database_url, LockMode.SHARED, "xml-migration run cli-first"):
        with (
            pytest.raises(TargetBusyError) as refused,
            target_lock(database_url, LockMode.EXCLUSIVE, "xml-migration reset"),
        ):
            pytest.fail("the reset got the lock while a migration held it")
        message = str(refused.value)
        assert message.startswith("xml-migration reset cannot empty or rewrite ")
        assert "in use by xml-migration run cli-first (pid " in message
    with target_lock(database_url, LockMode.EXCLUSIVE, "xml-migration reset"):
        pass


def test_migrations_share_the_lock_and_are_refused_during_a_reset(database_url: str) -> None:
    with (
        target_lock(database_url, LockMode.SHARED, "run one"),
        target_lock(database_url, LockMode.SHARED, "run two"),
    ):
        pass
    with (
        target_lock(database_url, LockMode.EXCLUSIVE, "xml-migration reset (pid 1)"),
        pytest.raises(TargetBusyError, match=r"run three cannot migrate .* in use by "),
        target_lock(database_url, LockMode.SHARED, "run three"),
    ):
        pytest.fail("a migration got the lock during a reset")


def test_the_lock_dies_with_its_holder(database_url: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, database_url, "shared"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with (
            pytest.raises(TargetBusyError, match="holder in a child process"),
            target_lock(database_url, LockMode.EXCLUSIVE, "reset"),
        ):
            pass
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 30
    while True:
        try:
            with target_lock(database_url, LockMode.EXCLUSIVE, "reset"):
                break
        except TargetBusyError:
            assert time.monotonic() < deadline, "the lock outlived its holder"
            time.sleep(0.2)


def test_an_in_memory_database_needs_no_lock() -> None:
    with (
        target_lock("sqlite://", LockMode.EXCLUSIVE, "one"),
        target_lock("sqlite://", LockMode.EXCLUSIVE, "two"),
    ):
        pass


def test_sql_server_statements_match_their_golden_text() -> None:
    """The SQL Server lock, unlock and holder queries, compiled as pyodbc sends them."""
    dialect = pyodbc.dialect(paramstyle="qmark")
    compiled = [
        text(statement).compile(dialect=dialect)
        for statement in (MSSQL_TRY_LOCK, MSSQL_UNLOCK, MSSQL_HOLDERS)
    ]
    assert [statement.positiontup for statement in compiled] == [
        ["resource", "mode"],
        ["resource"],
        ["resource"],
    ]
    rendered = "".join(f"{statement};\n\n" for statement in compiled)
    assert rendered == (GOLDEN / "target_lock.mssql.sql").read_text(encoding="utf-8")
