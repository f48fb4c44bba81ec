"""The table layouts contracts asked for, and the changes to them an operator must apply.

`create_schema` records the layout of the contract's tables (columns, types, keys) in the
`xml_migration_layouts` table. When a new contract changes the layout of existing tables,
columns it adds are added by `create_schema`; changes that cannot be applied safely (a
column removed, a type changed in a way the existing column does not already satisfy, a
key changed) are reported as `SchemaMismatchError` with the DDL an operator would run, and
neither `create_schema` nor a loader proceeds until the tables show the change applied
(docs/adr/0015-contract-changes.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select
from sqlalchemy.engine import Dialect

from xml_migration.contract.diff import OPERATOR_KINDS, Change, ChangeKind, schema_changes
from xml_migration.contract.tables import (
    ColumnSpec,
    DataType,
    ForeignKeySpec,
    TableRole,
    TableSpec,
    TargetSchema,
)
from xml_migration.db.model import DatabaseModel
from xml_migration.db.processing_log import utc_now
from xml_migration.db.reflection import (
    SchemaMismatch,
    SchemaMismatchError,
    lookup_name,
    render_type,
    requirement_of_column,
    satisfies,
)
from xml_migration.db.types import column_type

LAYOUT_FINGERPRINT_LENGTH = 16


def layout_text(target: TargetSchema) -> str:
    """The contract's tables (names, roles, columns, keys) as compact JSON."""
    return json.dumps([asdict(table) for table in target.tables], separators=(",", ":"))


def layout_fingerprint(text: str) -> str:
    """The key of a recorded layout: the start of the SHA-256 of its text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:LAYOUT_FINGERPRINT_LENGTH]


def _table_spec(data: dict[str, Any]) -> TableSpec:
    return TableSpec(
        name=data["name"],
        role=TableRole(data["role"]),
        columns=tuple(
            ColumnSpec(**{**column, "data_type": DataType(column["data_type"])})
            for column in data["columns"]
        ),
        primary_key=tuple(data["primary_key"]),
        foreign_keys=tuple(
            ForeignKeySpec(
                tuple(fk["columns"]),
                fk["references"],
                tuple(fk["referenced_columns"]),
                fk["on_delete"],
            )
            for fk in data["foreign_keys"]
        ),
    )


def latest_layout(connection: Connection, model: DatabaseModel) -> TargetSchema | None:
    """The layout recorded last, as a target schema; None when none is recorded (or the
    layouts table does not exist yet)."""
    table = model.layouts
    if not inspect(connection).has_table(table.name, schema=table.schema):
        return None
    text = connection.scalar(select(table.c.tables).order_by(table.c.recorded_at.desc()).limit(1))
    if text is None:
        return None
    return replace(model.target, tables=tuple(_table_spec(item) for item in json.loads(text)))


def record_layout(connection: Connection, model: DatabaseModel) -> None:
    """Record the contract's layout as the latest one (idempotent)."""
    table = model.layouts
    text = layout_text(model.target)
    fingerprint = layout_fingerprint(text)
    if (
        connection.scalar(select(table.c.tables).order_by(table.c.recorded_at.desc()).limit(1))
        == text
    ):
        return
    connection.execute(table.delete().where(table.c.layout_fingerprint == fingerprint))
    connection.execute(
        table.insert().values(layout_fingerprint=fingerprint, recorded_at=utc_now(), tables=text)
    )


def _narrows(old: ColumnSpec, new: ColumnSpec, dialect: str) -> bool:
    """Whether a column of the new type could not hold every value of the old one."""
    return not satisfies(column_type(new), requirement_of_column(old), dialect)


class _Reflected:
    """The existing columns and primary keys of the contract's tables, read once."""

    def __init__(self, connection: Connection, model: DatabaseModel) -> None:
        self.inspector = inspect(connection)
        self.dialect = model.dialect
        self.schema = model.log.schema
        self._columns: dict[str, dict[str, dict[str, Any]]] = {}

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        if table not in self._columns:
            found = self.inspector.get_columns(table, schema=self.schema)
            self._columns[table] = {lookup_name(c["name"], self.dialect): c for c in found}
        return self._columns[table]

    def column(self, table: str, name: str) -> dict[str, Any] | None:
        return self.columns(table).get(lookup_name(name, self.dialect))

    def primary_key(self, table: str) -> dict[str, Any]:
        return self.inspector.get_pk_constraint(table, schema=self.schema)


def _resolved(
    change: Change, old: TargetSchema, new: TargetSchema, reflected: _Reflected, sql: Dialect
) -> bool:
    """Whether the existing table already shows the change applied."""
    table = str(change.table)
    if change.kind is ChangeKind.COLUMN_REMOVED:
        return reflected.column(table, str(change.column)) is None
    if change.kind is ChangeKind.KEY_CHANGED:
        declared = tuple(reflected.primary_key(table).get("constrained_columns") or ())
        return not declared or declared == new.table(table).primary_key
    found = reflected.column(table, str(change.column))
    if found is None:
        return False
    before, after = (
        old.table(table).column(str(change.column)),
        new.table(table).column(str(change.column)),
    )
    if not _narrows(before, after, reflected.dialect):
        return satisfies(found["type"], requirement_of_column(after), reflected.dialect)
    return render_type(found["type"], sql) == render_type(column_type(after), sql)


def _operator_ddl(
    change: Change,
    old: TargetSchema,
    new: TargetSchema,
    model: DatabaseModel,
    reflected: _Reflected,
    sql: Dialect,
) -> list[str]:
    """The statements an operator would run to apply `change` to the existing table."""
    table = model.table(str(change.table))
    name = sql.identifier_preparer.format_table(table)
    quote = sql.identifier_preparer.quote
    rebuild = (
        f"-- SQLite cannot alter {change.table} in place: create the new table, copy the rows "
        f"(INSERT … SELECT), drop the old table, rename the new one"
    )
    if change.kind is ChangeKind.COLUMN_REMOVED:
        return [f"ALTER TABLE {name} DROP COLUMN {quote(str(change.column))}"]
    if change.kind is ChangeKind.KEY_CHANGED:
        if model.dialect == "sqlite":
            return [rebuild]
        constraint = reflected.primary_key(table.name).get("name") or f"pk_{table.name}"
        columns = ", ".join(quote(column) for column in new.table(table.name).primary_key)
        return [
            f"ALTER TABLE {name} DROP CONSTRAINT {quote(constraint)}",
            f"ALTER TABLE {name} ADD CONSTRAINT {quote(constraint)} PRIMARY KEY ({columns})",
        ]
    column = table.c[str(change.column)]
    quoted, type_text = quote(column.name), render_type(column.type, sql)
    shortened = _shortened_length(change, old, new)
    if model.dialect == "postgresql":
        using = "" if shortened is None else f" USING left({quoted}, {shortened})"
        return [f"ALTER TABLE {name} ALTER COLUMN {quoted} TYPE {type_text}{using}"]
    if model.dialect == "mssql":
        null = "NULL" if column.nullable else "NOT NULL"
        alter = f"ALTER TABLE {name} ALTER COLUMN {quoted} {type_text} {null}"
        if shortened is None:
            return [alter]
        return [
            f"UPDATE {name} SET {quoted} = LEFT({quoted}, {shortened}) "
            f"WHERE LEN({quoted}) > {shortened}",
            alter,
        ]
    return [rebuild]


def _shortened_length(change: Change, old: TargetSchema, new: TargetSchema) -> int | None:
    """The new length of a string column the contract shortens (None otherwise). Existing
    values are cut to it as the DDL runs: a re-migration writes them cut the same way."""
    if change.kind is not ChangeKind.LENGTH_CHANGED:
        return None
    table, name = str(change.table), str(change.column)
    before, after = old.table(table).column(name), new.table(table).column(name)
    if after.sql_type or after.length is None:
        return None
    if before.length is not None and before.length <= after.length:
        return None
    return after.length


def unapplied_changes(
    connection: Connection, model: DatabaseModel, sql: Dialect
) -> list[SchemaMismatch]:
    """The changes from the recorded layout to the contract's that the existing tables do
    not show yet, each with the DDL to apply it; empty when nothing is recorded."""
    old = latest_layout(connection, model)
    if old is None:
        return []
    new = model.target
    reflected = _Reflected(connection, model)
    existing = {
        lookup_name(name, model.dialect)
        for name in reflected.inspector.get_table_names(schema=reflected.schema)
    }
    mismatches: list[SchemaMismatch] = []
    for change in schema_changes(old, new):
        if (
            change.kind not in OPERATOR_KINDS
            or lookup_name(str(change.table), model.dialect) not in existing
        ):
            continue
        if _resolved(change, old, new, reflected, sql):
            continue
        ddl = "; ".join(_operator_ddl(change, old, new, model, reflected, sql))
        mismatches.append(
            SchemaMismatch(
                str(change.table),
                change.column,
                f"the contract changes this ({change.describe()}), which is not applied to "
                f"existing tables automatically; apply it with: {ddl}",
            )
        )
    return mismatches


def check_layout(engine: Engine, model: DatabaseModel) -> None:
    """Raise `SchemaMismatchError` listing the layout changes not applied yet."""
    with engine.connect() as connection:
        mismatches = unapplied_changes(connection, model, engine.dialect)
    if mismatches:
        raise SchemaMismatchError(mismatches)
