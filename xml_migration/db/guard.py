"""The target lock: migrations and destructive work on one database never overlap.

A migration holds the lock of its database *shared* (several migrations may write at once);
work that empties or rewrites the target (reset) holds it *exclusive*. Whichever comes
second is refused at once with a `TargetBusyError` naming what holds the lock. The lock
lives outside every transaction and dies with its holder's connection or process:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock[_shared]`) on a
  connection of its own whose `application_name` names the holder; a refusal reads the
  holders from `pg_locks` and `pg_stat_activity`.
- SQL Server: `sp_getapplock` owned by the session, without waiting; holders from
  `sys.dm_tran_locks` and `sys.dm_exec_sessions`.
- SQLite: `flock` on the file `<database>.lock` beside the database (shared or exclusive,
  across processes); each holder describes itself in `<database>.lock.d/`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from xml_migration.db.connection import create_db_engine, display_url


class LockMode(StrEnum):
    """How a holder uses the target: `shared` migrates, `exclusive` empties or rewrites."""

    SHARED = "shared"
    EXCLUSIVE = "exclusive"


class TargetBusyError(Exception):
    """The lock of the target database is held in a conflicting mode; names the holders."""

    def __init__(self, database: str, holder: str, mode: LockMode, holders: list[str]) -> None:
        self.holders = holders
        use = "migrate" if mode is LockMode.SHARED else "empty or rewrite"
        named = "; ".join(holders) if holders else "another process (not named)"
        wait = "a reset or another destructive command" if mode is LockMode.SHARED else "it"
        super().__init__(
            f"{holder} cannot {use} {database}: it is in use by {named}; "
            f"wait for {wait} to finish, then try again"
        )


TARGET_LOCK_KEY = 0x786D_6C6D
"""PostgreSQL advisory lock key of the target lock (ASCII `xmlm`); below 2**32, so that
`pg_locks` shows it as classid 0, objid TARGET_LOCK_KEY."""
TARGET_LOCK_RESOURCE = "xml_migration_target"
"""SQL Server application lock resource of the target lock."""
APPLICATION_NAME_LENGTH = 63
"""PostgreSQL keeps this many bytes of `application_name`."""

PG_TRY_LOCK = {
    LockMode.SHARED: "SELECT pg_try_advisory_lock_shared(:key)",
    LockMode.EXCLUSIVE: "SELECT pg_try_advisory_lock(:key)",
}
PG_UNLOCK = {
    LockMode.SHARED: "SELECT pg_advisory_unlock_shared(:key)",
    LockMode.EXCLUSIVE: "SELECT pg_advisory_unlock(:key)",
}
PG_HOLDERS = """\
SELECT activity.pid, activity.application_name, locks.mode
FROM pg_locks AS locks JOIN pg_stat_activity AS activity ON activity.pid = locks.pid
WHERE locks.locktype = 'advisory' AND locks.granted AND locks.classid = 0
  AND locks.objid = :key AND locks.objsubid = 1 AND locks.pid <> pg_backend_pid()
  AND locks.database = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY activity.pid"""
MSSQL_TRY_LOCK = """\
SET NOCOUNT ON;
DECLARE @granted int;
EXEC @granted = sp_getapplock @Resource = :resource, @LockMode = :mode,
    @LockOwner = 'Session', @LockTimeout = 0;
SELECT @granted"""
MSSQL_UNLOCK = "EXEC sp_releaseapplock @Resource = :resource, @LockOwner = 'Session'"
MSSQL_HOLDERS = """\
SELECT sessions.session_id, sessions.program_name, locks.request_mode
FROM sys.dm_tran_locks AS locks
JOIN sys.dm_exec_sessions AS sessions ON sessions.session_id = locks.request_session_id
WHERE locks.resource_type = 'APPLICATION' AND locks.request_status = 'GRANT'
  AND locks.resource_description LIKE '%' + :resource + '%'
  AND locks.request_session_id <> @@SPID
ORDER BY sessions.session_id"""
MSSQL_LOCK_MODES = {LockMode.SHARED: "Shared", LockMode.EXCLUSIVE: "Exclusive"}


@contextmanager
def target_lock(url: str | URL, mode: LockMode, holder: str) -> Iterator[None]:
    """Hold the lock of the database at `url` in `mode` while the block runs.

    `holder` says who holds it (`xml-migration run cli-…`, `Dagster run …`); it is what a
    refused caller reads. Raises `TargetBusyError` at once when the lock is held in a
    conflicting mode. An in-memory SQLite database needs no lock.
    """
    resolved = make_url(url)
    dialect = resolved.get_backend_name()
    if dialect == "sqlite":
        database = resolved.database
        if not database or database == ":memory:":
            yield
            return
        with _file_lock(Path(database), mode, holder, display_url(resolved)):
            yield
        return
    with _session_lock(resolved, dialect, mode, holder):
        yield


@contextmanager
def _session_lock(url: URL, dialect: str, mode: LockMode, holder: str) -> Iterator[None]:
    """The lock held by a connection of its own, kept outside any transaction."""
    options: dict[str, object] = {"poolclass": NullPool}
    if dialect == "postgresql":
        name = f"xml_migration: {holder}".encode()[:APPLICATION_NAME_LENGTH]
        options["connect_args"] = {"application_name": name.decode(errors="ignore")}
    engine = create_db_engine(url, **options)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            if not _try_lock(connection, dialect, mode):
                holders = _holders(connection, dialect)
                raise TargetBusyError(display_url(url), holder, mode, holders)
            try:
                yield
            finally:
                _unlock(connection, dialect, mode)
    finally:
        engine.dispose()


def _try_lock(connection: Connection, dialect: str, mode: LockMode) -> bool:
    if dialect == "postgresql":
        return bool(connection.scalar(text(PG_TRY_LOCK[mode]), {"key": TARGET_LOCK_KEY}))
    if dialect == "mssql":
        granted = connection.scalar(
            text(MSSQL_TRY_LOCK),
            {"resource": TARGET_LOCK_RESOURCE, "mode": MSSQL_LOCK_MODES[mode]},
        )
        return int(granted) >= 0
    raise ValueError(f"no target lock for the {dialect} dialect")


def _unlock(connection: Connection, dialect: str, mode: LockMode) -> None:
    """Release the lock; one whose connection the server dropped went with the session."""
    if connection.closed or connection.invalidated:
        return
    with contextlib.suppress(DBAPIError):
        if dialect == "postgresql":
            connection.execute(text(PG_UNLOCK[mode]), {"key": TARGET_LOCK_KEY})
        else:
            connection.execute(text(MSSQL_UNLOCK), {"resource": TARGET_LOCK_RESOURCE})


def _holders(connection: Connection, dialect: str) -> list[str]:
    """The sessions holding the target lock, as `name (pid N, mode)`."""
    if dialect == "postgresql":
        rows = connection.execute(text(PG_HOLDERS), {"key": TARGET_LOCK_KEY}).all()
        prefix = "xml_migration: "
    else:
        rows = connection.execute(text(MSSQL_HOLDERS), {"resource": TARGET_LOCK_RESOURCE}).all()
        prefix = ""
    return [
        f"{(name or 'an unnamed session').removeprefix(prefix)} (pid {pid}, {lock_mode})"
        for pid, name, lock_mode in rows
    ]


@contextmanager
def _file_lock(database: Path, mode: LockMode, holder: str, display: str) -> Iterator[None]:
    """`flock` on `<database>.lock`; the holder's description in `<database>.lock.d/`."""
    lock_path = database.with_name(f"{database.name}.lock")
    holders_dir = database.with_name(f"{database.name}.lock.d")
    operation = fcntl.LOCK_SH if mode is LockMode.SHARED else fcntl.LOCK_EX
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TargetBusyError(display, holder, mode, _file_holders(holders_dir)) from None
        holders_dir.mkdir(exist_ok=True)
        description = holders_dir / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        description.write_text(f"{holder} (pid {os.getpid()}, {mode})", encoding="utf-8")
        try:
            yield
        finally:
            description.unlink(missing_ok=True)
    finally:
        os.close(descriptor)


def _file_holders(holders_dir: Path) -> list[str]:
    """Descriptions left by live holders; those of processes that died are removed."""
    if not holders_dir.is_dir():
        return []
    holders = []
    for path in sorted(holders_dir.iterdir()):
        pid_text = path.name.split("-", 1)[0]
        if not (pid_text.isdigit() and _alive(int(pid_text))):
            path.unlink(missing_ok=True)
            continue
        try:
            holders.append(path.read_text(encoding="utf-8", errors="replace").strip())
        except FileNotFoundError:
            continue
    return holders


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
