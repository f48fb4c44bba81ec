"""Bulk row writers: PostgreSQL COPY, pyodbc `fast_executemany`, DBAPI `executemany`.

A `TableWriter` writes the rows of one table, as tuples ordered like its columns, on a
cursor inside the caller's transaction. Values are always sent as data, never as SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Table
from sqlalchemy import types as sa

from xml_migration.db.dbapi import (
    Connector,
    Driver,
    identity_insert_sql,
    insert_sql,
    sqlite_value,
)

Row = Sequence[Any]


class LoadMethod(StrEnum):
    """How rows reach the database."""

    COPY = "copy"
    """PostgreSQL `COPY ... FROM STDIN` through psycopg 3."""
    FAST_EXECUTEMANY = "fast_executemany"
    """pyodbc parameter arrays (SQL Server, or any ODBC driver)."""
    EXECUTEMANY = "executemany"
    """The driver's `executemany` (SQLite; also psycopg and pyodbc, for comparison)."""


DEFAULT_METHODS = {
    Driver.PSYCOPG: LoadMethod.COPY,
    Driver.PYODBC: LoadMethod.FAST_EXECUTEMANY,
    Driver.SQLITE: LoadMethod.EXECUTEMANY,
}


def _needs_sqlite_conversion(type_: sa.TypeEngine[Any]) -> bool:
    """Decimal and date-time columns, which SQLite stores as text (`sqlite_value`)."""
    return isinstance(type_, sa.Date | sa.DateTime) or (
        isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float)
    )


def _odbc_input_size(type_: sa.TypeEngine[Any]) -> tuple[int, int, int] | None:
    """The ODBC parameter type of a column, so that `fast_executemany` binds every row
    alike (a NULL in the first row must not decide a column's type, and date-times keep
    their microseconds). Text is left to pyodbc, which sizes it from the data and lets the
    database judge its length."""
    import pyodbc

    if isinstance(type_, sa.BigInteger):
        return (pyodbc.SQL_BIGINT, 0, 0)
    if isinstance(type_, sa.Integer):
        return (pyodbc.SQL_INTEGER, 0, 0)
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
        return (pyodbc.SQL_DECIMAL, type_.precision or 38, type_.scale or 0)
    if isinstance(type_, sa.DateTime):
        return (pyodbc.SQL_TYPE_TIMESTAMP, 26, 6)
    if isinstance(type_, sa.Date):
        return (pyodbc.SQL_TYPE_DATE, 10, 0)
    return None


@dataclass(frozen=True, slots=True)
class TableWriter:
    """Writes rows of one table with one method."""

    connector: Connector
    method: LoadMethod
    table: Table
    columns: tuple[str, ...]
    identity: bool = False
    """The columns include an identity column that must take the given values."""

    def write(self, cursor: Any, rows: Sequence[Row]) -> None:
        if not rows:
            return
        if self.method is LoadMethod.COPY:
            self._copy(cursor, rows)
            return
        toggle_on = identity_insert_sql(self.connector, self.table, True) if self.identity else None
        if toggle_on:
            cursor.execute(toggle_on)
        sql = insert_sql(self.connector, self.table, self.columns, identity=self.identity)
        if self.method is LoadMethod.FAST_EXECUTEMANY:
            cursor.fast_executemany = True
            cursor.setinputsizes(self._input_sizes())
        converted = self._converted(rows)
        cursor.executemany(sql, converted)
        if toggle_on:
            cursor.execute(identity_insert_sql(self.connector, self.table, False))

    def _types(self) -> list[sa.TypeEngine[Any]]:
        return [self.table.c[name].type for name in self.columns]

    def _input_sizes(self) -> list[tuple[int, int, int] | None]:
        return [_odbc_input_size(type_) for type_ in self._types()]

    def _converted(self, rows: Sequence[Row]) -> Sequence[Row]:
        if self.connector.driver is not Driver.SQLITE:
            return rows
        convert = [_needs_sqlite_conversion(type_) for type_ in self._types()]
        if not any(convert):
            return rows
        return [
            tuple(
                sqlite_value(value) if needed else value
                for value, needed in zip(row, convert, strict=True)
            )
            for row in rows
        ]

    def _copy(self, cursor: Any, rows: Sequence[Row]) -> None:
        from psycopg import sql

        name = [self.table.schema, self.table.name] if self.table.schema else [self.table.name]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(*name), sql.SQL(", ").join(map(sql.Identifier, self.columns))
        )
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def table_writer(
    connector: Connector,
    method: LoadMethod,
    table: Table,
    columns: Sequence[str],
    *,
    identity: bool = False,
) -> TableWriter:
    """A writer of `columns` of `table`; checks that `method` suits the driver."""
    if method is LoadMethod.COPY and connector.driver is not Driver.PSYCOPG:
        raise ValueError("COPY needs a PostgreSQL connection through psycopg")
    if method is LoadMethod.FAST_EXECUTEMANY and connector.driver is not Driver.PYODBC:
        raise ValueError("fast_executemany needs a pyodbc connection")
    return TableWriter(connector, method, table, tuple(columns), identity)
