"""Connections: password from the environment, masked URLs, SQLite pragmas."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import Engine, event, text

from xml_migration.db.connection import (
    PASSWORD_ENV_VAR,
    create_db_engine,
    display_url,
    disposable_engine,
    resolve_url,
)

SECRET = "s3cr3t-Pa55"


def test_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV_VAR, SECRET)
    url = resolve_url("postgresql+psycopg://migrator@127.0.0.1:5432/target")
    assert url.password == SECRET
    assert SECRET not in display_url(url)
    assert "migrator:***@127.0.0.1" in display_url(url)


def test_password_in_the_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV_VAR, SECRET)
    url = resolve_url("postgresql+psycopg://migrator:other@127.0.0.1/target")
    assert url.password == "other"


def test_no_password_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV_VAR, raising=False)
    assert resolve_url("postgresql+psycopg://migrator@127.0.0.1/target").password is None


@pytest.mark.integration
def test_engine_connects_with_the_environment_password_and_never_logs_it(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(PASSWORD_ENV_VAR, SECRET)
    caplog.set_level(logging.DEBUG)
    engine = create_db_engine(postgres_url, echo=True)
    try:
        assert engine.url.password == SECRET
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT 1")) == 1
        assert SECRET not in repr(engine)
    finally:
        engine.dispose()
    assert SECRET not in caplog.text


def test_sqlite_connections_get_the_pragmas(sqlite_url: str) -> None:
    engine: Engine = create_db_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60_000
    finally:
        engine.dispose()


def test_sqlite_transactions_roll_back(sqlite_url: str) -> None:
    """Driver-level implicit transactions are off; SQLAlchemy's BEGIN still makes
    `engine.begin()` atomic."""
    engine = create_db_engine(sqlite_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        with pytest.raises(RuntimeError), engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("abort")
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM t")) == 0
    finally:
        engine.dispose()


def test_disposable_engine_closes_its_connections_when_the_block_ends(sqlite_url: str) -> None:
    closed = []
    with disposable_engine(sqlite_url) as engine:
        event.listen(engine, "close", lambda connection, record: closed.append(connection))
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert closed == []
    assert len(closed) == 1


def test_disposable_engine_closes_its_connections_when_the_block_raises(
    sqlite_url: str,
) -> None:
    closed = []
    with pytest.raises(RuntimeError), disposable_engine(sqlite_url) as engine:
        event.listen(engine, "close", lambda connection, record: closed.append(connection))
        with engine.connect():
            raise RuntimeError("work failed")
    assert len(closed) == 1
