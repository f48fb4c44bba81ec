"""Connections: one SQLAlchemy URL, a password from the environment, SQLite pragmas."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

PASSWORD_ENV_VAR = "XML_MIGRATION_DB_PASSWORD"
"""Environment variable holding the database password when the URL carries none."""

POSTGRESQL_SESSION_OPTIONS = "-c idle_in_transaction_session_timeout=0"
"""Given to every PostgreSQL session: a run's reader keeps its transaction open while the
documents of a fetch are mapped and loaded, which a server-wide idle timeout would end."""

SQLITE_BUSY_TIMEOUT_MS = 60_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
)
"""Applied to every SQLite connection: concurrent readers beside one writer, durable commits
without an fsync per transaction, enforced foreign keys, and waiting instead of failing
while another process writes."""


def resolve_url(url: str | URL) -> URL:
    """The URL with the password from `XML_MIGRATION_DB_PASSWORD` when it has none."""
    resolved = make_url(url)
    password = os.environ.get(PASSWORD_ENV_VAR)
    if resolved.password is None and password and resolved.username:
        resolved = resolved.set(password=password)
    return resolved


def display_url(url: str | URL) -> str:
    """The URL as it may appear in logs and metadata: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def dialect_name(engine: Engine) -> str:
    """`sqlite`, `postgresql` or `mssql`."""
    return engine.dialect.name


def create_db_engine(url: str | URL, **options: Any) -> Engine:
    """An engine for `url`; pooled connections are checked before use, and on SQLite
    every connection gets `SQLITE_PRAGMAS`.

    SQLite connections run with the driver's implicit transactions off, so that the
    statements `BEGIN` (SQLAlchemy transactions) and `BEGIN IMMEDIATE` (loader transactions)
    decide exactly where a transaction starts. PostgreSQL sessions get
    `POSTGRESQL_SESSION_OPTIONS` after any `options` of the URL.
    """
    resolved = resolve_url(url)
    if resolved.get_backend_name() == "postgresql":
        given = resolved.query.get("options", "")
        given = " ".join(given) if isinstance(given, tuple) else given
        session_options = f"{given} {POSTGRESQL_SESSION_OPTIONS}".strip()
        options["connect_args"] = {**options.get("connect_args", {}), "options": session_options}
    engine = create_engine(resolved, **{"pool_pre_ping": True, **options})
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


@contextmanager
def disposable_engine(url: str | URL, **options: Any) -> Iterator[Engine]:
    """An engine for `url` (`create_db_engine`), disposed when the block ends: its pooled
    connections are closed, so none outlives the work it was opened for."""
    engine = create_db_engine(url, **options)
    try:
        yield engine
    finally:
        engine.dispose()


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")
