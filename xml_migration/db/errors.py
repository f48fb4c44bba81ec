"""What a database error means for a batch: retry it, isolate a document, or stop the run.

Classification works on any PEP 249 driver: by SQLSTATE (psycopg, pyodbc), by SQLite's
extended error name, and by the standard exception class names as a fallback.
"""

from __future__ import annotations

import re
from enum import StrEnum

MESSAGE_MAX_LENGTH = 300

DRIVER_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")
"""`[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]`, `[23505]`."""
DRIVER_SUFFIX = re.compile(r"(\s*\(\d+\))?\s*\(SQL\w+\)$")
"""`(2627) (SQLExecDirectW)`."""

TRANSIENT_SQLSTATES = frozenset(
    {"40001", "40P01", "25P03", "57P01", "57P02", "57P03", "57P05", "HYT00", "HYT01"}
)
"""Serialization failure, deadlock, a session the server ended (idle in a transaction or
idle too long, shutdown, restart), timeouts."""


class ErrorKind(StrEnum):
    """How the loader reacts to an error."""

    TRANSIENT = "transient"
    """Connection lost, deadlock, serialization failure, busy database: retry the batch."""
    CONSTRAINT = "constraint"
    """A key, foreign key, NOT NULL or check constraint rejected a row: isolate documents."""
    DATA = "data"
    """A value does not fit its column (overflow, too long, bad encoding): isolate documents."""
    SYSTEM = "system"
    """Anything else (missing table, permissions, disk full, programming error): stop."""


class TransientDatabaseError(Exception):
    """A transient error persisted through every retry; the batch was not written."""


class LoadError(Exception):
    """An error no document caused; the batch was not written and the run must stop."""


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a psycopg or pyodbc error, None for other errors."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        return state
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[0], str) and len(args[0]) == 5:
        return args[0]
    return None


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own error behind a SQLAlchemy wrapper (its `orig`), else `exc`."""
    original = getattr(exc, "orig", None)
    return original if isinstance(original, BaseException) else exc


def classify(exc: BaseException) -> ErrorKind:
    """The kind of `exc`, raised by a DBAPI call (or wrapped by SQLAlchemy)."""
    exc = driver_error(exc)
    state = sqlstate(exc)
    names = _class_names(exc)
    sqlite_name = getattr(exc, "sqlite_errorname", None) or ""
    if (
        (state is not None and (state in TRANSIENT_SQLSTATES or state.startswith("08")))
        or sqlite_name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
        or (state is None and not sqlite_name and names & {"OperationalError", "InterfaceError"})
    ):
        return ErrorKind.TRANSIENT
    if (state or "").startswith("23") or sqlite_name.startswith("SQLITE_CONSTRAINT"):
        return ErrorKind.CONSTRAINT
    if (state or "").startswith("22") or sqlite_name in ("SQLITE_TOOBIG", "SQLITE_MISMATCH"):
        return ErrorKind.DATA
    if state is None and not sqlite_name:
        if "IntegrityError" in names:
            return ErrorKind.CONSTRAINT
        if "DataError" in names:
            return ErrorKind.DATA
    return ErrorKind.SYSTEM


def database_message(exc: BaseException) -> str:
    """The database's own message, on one line, without driver decoration."""
    exc = driver_error(exc)
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        detail = getattr(diag, "message_detail", None) or getattr(diag, "context", None)
        text = f"{primary} ({detail.splitlines()[0]})" if detail else primary
    else:
        args = getattr(exc, "args", ())
        text = args[1] if sqlstate(exc) and len(args) >= 2 else str(exc)
    text = " ".join(str(text).split())
    text = DRIVER_SUFFIX.sub("", DRIVER_PREFIX.sub("", text))
    return text[:MESSAGE_MAX_LENGTH]
