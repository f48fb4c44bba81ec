"""Classification of driver errors: retry, isolate a document, or stop the run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pyodbc
import pytest

from xml_migration.db.errors import ErrorKind, classify, database_message


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (
            pyodbc.Error("40001", "[40001] Transaction (Process ID 52) was deadlocked"),
            ErrorKind.TRANSIENT,
        ),
        (
            pyodbc.OperationalError("08S01", "[08S01] Communication link failure"),
            ErrorKind.TRANSIENT,
        ),
        (
            pyodbc.IntegrityError("23000", "[23000] Violation of PRIMARY KEY constraint"),
            ErrorKind.CONSTRAINT,
        ),
        (
            pyodbc.DataError("22001", "[22001] String or binary data would be truncated"),
            ErrorKind.DATA,
        ),
        (
            pyodbc.ProgrammingError("42S02", "[42S02] Invalid object name 'dbo.app_base'"),
            ErrorKind.SYSTEM,
        ),
        (psycopg.OperationalError("the connection is lost"), ErrorKind.TRANSIENT),
        (psycopg.errors.SerializationFailure("could not serialize access"), ErrorKind.TRANSIENT),
        (psycopg.errors.DeadlockDetected("deadlock detected"), ErrorKind.TRANSIENT),
        (psycopg.errors.UniqueViolation("duplicate key value"), ErrorKind.CONSTRAINT),
        (psycopg.errors.NumericValueOutOfRange("out of range"), ErrorKind.DATA),
        (psycopg.errors.UndefinedTable("relation does not exist"), ErrorKind.SYSTEM),
        (psycopg.errors.DiskFull("no space left on device"), ErrorKind.SYSTEM),
        (ValueError("not a database error"), ErrorKind.SYSTEM),
    ],
)
def test_driver_errors_are_classified(error: Exception, kind: ErrorKind) -> None:
    assert classify(error) is kind


def _sqlite_error(*statements: str) -> sqlite3.Error:
    connection = sqlite3.connect(":memory:")
    try:
        for statement in statements:
            connection.execute(statement)
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError("no error")


def test_sqlite_errors_are_classified() -> None:
    duplicate = _sqlite_error(
        "CREATE TABLE t (k INTEGER PRIMARY KEY)",
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (1)",
    )
    assert classify(duplicate) is ErrorKind.CONSTRAINT
    assert classify(_sqlite_error("SELECT * FROM missing")) is ErrorKind.SYSTEM


def test_sqlite_busy_is_transient(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiting = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as raised:
        waiting.execute("BEGIN IMMEDIATE")
    holder.close()
    waiting.close()
    assert classify(raised.value) is ErrorKind.TRANSIENT


def test_messages_lose_the_driver_decoration() -> None:
    error = pyodbc.IntegrityError(
        "23000",
        "[23000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Violation of PRIMARY KEY "
        "constraint 'pk_app_base'. Cannot insert duplicate key in object 'dbo.app_base'. "
        "The duplicate key value is (7). (2627) (SQLExecDirectW)",
    )
    assert database_message(error) == (
        "Violation of PRIMARY KEY constraint 'pk_app_base'. Cannot insert duplicate key in "
        "object 'dbo.app_base'. The duplicate key value is (7)."
    )
