"""Driver-level connections for the loader: one DBAPI connection, explicit transactions.

The loader writes through the driver's own bulk interfaces (COPY, `fast_executemany`,
`executemany`), so it holds a raw DBAPI connection. A `Connector` says which driver it is,
how to open a connection, and which SQLAlchemy dialect compiles statements for it; it comes
from an engine, or from an ODBC connection string for any ODBC driver. On psycopg,
`read_text_as_utf8` makes a connection deliver text as the UTF-8 bytes the server sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psycopg.abc import Buffer
from psycopg.adapt import Loader
from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from xml_migration.db.dialects import sql_dialect
from xml_migration.engine.reader import Utf8Text


class Driver(StrEnum):
    """The DBAPI driver behind a connection."""

    SQLITE = "sqlite3"
    PSYCOPG = "psycopg"
    PYODBC = "pyodbc"


ENGINE_DRIVERS = {"pysqlite": Driver.SQLITE, "psycopg": Driver.PSYCOPG, "pyodbc": Driver.PYODBC}


@dataclass(frozen=True, slots=True)
class Connector:
    """Opens DBAPI connections of one driver; `dialect` compiles and quotes for them."""

    driver: Driver
    dialect: Dialect
    connect: Callable[[], Any]

    @property
    def dialect_name(self) -> str:
        return self.dialect.name

    @property
    def placeholder(self) -> str:
        return "%s" if self.driver is Driver.PSYCOPG else "?"


def engine_connector(engine: Engine) -> Connector:
    """Connections from the engine's pool, for its driver."""
    driver = ENGINE_DRIVERS.get(engine.dialect.driver)
    if driver is None:
        raise ValueError(
            f"driver {engine.dialect.driver!r} is not supported; use sqlite, "
            f"postgresql+psycopg or mssql+pyodbc"
        )
    return Connector(driver, engine.dialect, engine.raw_connection)


def odbc_connector(odbc_connect: str, dialect: str) -> Connector:
    """Connections through any ODBC driver, e.g. `DRIVER={PostgreSQL Unicode};SERVER=...`.

    `dialect` names the database behind the driver (its SQL and identifier quoting).
    """
    import pyodbc

    def connect() -> Any:
        return pyodbc.connect(odbc_connect, autocommit=False)

    return Connector(Driver.PYODBC, sql_dialect(dialect, paramstyle="qmark"), connect)


def begin(connector: Connector, connection: Any) -> None:
    """Start a write transaction. SQLite takes the write lock at once (`BEGIN IMMEDIATE`),
    so that concurrent writers wait for each other instead of failing; the other drivers
    open a transaction implicitly."""
    if connector.driver is Driver.SQLITE:
        connection.execute("BEGIN IMMEDIATE")


def rollback_quietly(connection: Any) -> None:
    """Roll back, ignoring a connection that is already gone."""
    with contextlib.suppress(Exception):
        connection.rollback()


def discard(connection: Any) -> None:
    """Drop a connection that may be broken; a pooled one is invalidated."""
    with contextlib.suppress(Exception):
        invalidate = getattr(connection, "invalidate", None)
        if invalidate is not None:
            invalidate()
        else:
            connection.close()


def release(connection: Any) -> None:
    """Return a healthy connection to its pool, or close it."""
    with contextlib.suppress(Exception):
        connection.close()


def sqlite_value(value: Any) -> Any:
    """A value as SQLite stores it: decimals and date-times as text, in SQLAlchemy's format."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def compile_statement(connector: Connector, statement: Executable) -> tuple[str, Any]:
    """SQL text and bound parameters of a Core statement, in the driver's style."""
    compiled = statement.compile(
        dialect=connector.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    if connector.driver is Driver.SQLITE:
        params = {name: sqlite_value(value) for name, value in params.items()}
    if compiled.positional:
        return str(compiled), [params[name] for name in compiled.positiontup or ()]
    return str(compiled), params


def execute(connector: Connector, cursor: Any, statement: Executable) -> list[tuple[Any, ...]]:
    """Execute a Core statement on a DBAPI cursor; the rows when it returns rows."""
    sql, params = compile_statement(connector, statement)
    cursor.execute(sql, params)
    if cursor.description is None:
        return []
    return [tuple(row) for row in cursor.fetchall()]


def quoted_table(connector: Connector, table: Table) -> str:
    """`schema.table` quoted for the connector's dialect."""
    return connector.dialect.identifier_preparer.format_table(table)


def insert_sql(
    connector: Connector, table: Table, columns: Sequence[str], *, identity: bool = False
) -> str:
    """`INSERT INTO table (columns) VALUES (?, ...)` with the driver's placeholders.

    `identity` marks a PostgreSQL table whose identity column receives explicit values
    (`OVERRIDING SYSTEM VALUE`); SQL Server needs `identity_insert_sql` around the insert.
    """
    preparer = connector.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    values = ", ".join([connector.placeholder] * len(columns))
    overriding = (
        " OVERRIDING SYSTEM VALUE" if identity and connector.dialect_name == "postgresql" else ""
    )
    return f"INSERT INTO {quoted_table(connector, table)} ({names}){overriding} VALUES ({values})"


def identity_insert_sql(connector: Connector, table: Table, enabled: bool) -> str | None:
    """`SET IDENTITY_INSERT table ON|OFF` on SQL Server; None elsewhere."""
    if connector.dialect_name != "mssql":
        return None
    return f"SET IDENTITY_INSERT {quoted_table(connector, table)} {'ON' if enabled else 'OFF'}"


TEXT_TYPES = ("text", "varchar", "bpchar", "xml")
"""PostgreSQL types whose values psycopg delivers as `Utf8Text` (`read_text_as_utf8`)."""


class _Utf8TextLoader(Loader):
    """psycopg: a text value as the UTF-8 bytes the server sent, not decoded."""

    def load(self, data: Buffer) -> Utf8Text:
        return Utf8Text(data)


def _text_arrives_as_utf8(_connection: Any, cursor: Any, *_execution: Any) -> None:
    if cursor.connection.info.encoding == "utf-8":
        for name in TEXT_TYPES:
            cursor.adapters.register_loader(name, _Utf8TextLoader)


def read_text_as_utf8(connection: Connection) -> None:
    """On psycopg, the text values this connection reads in a UTF-8 session arrive as
    `Utf8Text`: the engine prunes and parses a document's bytes without decoding and
    encoding it again (ADR 0009). Other drivers deliver `str`."""
    if connection.dialect.driver == "psycopg":
        event.listen(connection, "before_cursor_execute", _text_arrives_as_utf8)
