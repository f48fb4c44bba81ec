"""The three supported databases and the SQLAlchemy dialects that compile their SQL."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.dialects import mssql, postgresql, sqlite
from sqlalchemy.engine import Dialect

DIALECTS = ("sqlite", "postgresql", "mssql")

_DIALECT_CLASSES: dict[str, Callable[..., Dialect]] = {
    "sqlite": sqlite.pysqlite.dialect,
    "postgresql": postgresql.psycopg.dialect,
    "mssql": mssql.pyodbc.dialect,
}


def sql_dialect(name: str, *, paramstyle: str | None = None) -> Dialect:
    """A dialect compiling statements for the database named `name` without connecting.

    `paramstyle` overrides the driver's placeholder style (`qmark` for ODBC connections).
    """
    if name not in _DIALECT_CLASSES:
        raise ValueError(f"unknown dialect {name!r}: expected one of {', '.join(DIALECTS)}")
    if paramstyle is None:
        return _DIALECT_CLASSES[name]()
    return _DIALECT_CLASSES[name](paramstyle=paramstyle)
