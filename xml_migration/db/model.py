"""The SQLAlchemy tables of a contract: source table, target tables, processing log.

On SQLite the contract's `target_schema` is ignored and every table lives in the main
database (docs/adr/0005-loading-transactions.md); PostgreSQL and SQL Server use the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    null,
)
from sqlalchemy import types as sa
from sqlalchemy.dialects import mssql
from sqlalchemy.sql import ColumnElement, FromClause

from xml_migration.contract.tables import TableSpec, TargetSchema
from xml_migration.db.types import column_type, key_type, unbounded_text

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
}
"""Constraint names that are the same on every dialect and readable in error messages."""

STATUS_SUCCESS = "success"
STATUS_FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LogColumns:
    """Column names of the processing log (spec §15.5, then the extension columns)."""

    log_id: str = "log_id"
    status: str = "status"
    failure_reason: str = "failure_reason"
    processing_time: str = "processing_time"
    session_id: str = "session_id"
    app_id_start: str = "app_id_start"
    app_id_end: str = "app_id_end"
    rows_written: str = "rows_written"
    partition_key: str = "partition_key"
    contract_fingerprint: str = "contract_fingerprint"


LOG = LogColumns()

SESSION_ID_LENGTH = 50
PARTITION_KEY_LENGTH = 255
FINGERPRINT_COLUMN_LENGTH = 64


@dataclass(frozen=True, slots=True)
class DatabaseModel:
    """The tables of one contract for one dialect."""

    target: TargetSchema
    dialect: str
    metadata: MetaData
    source: Table
    tables: tuple[Table, ...]
    """Target tables in insertion order, parents first."""
    log: Table
    layouts: Table
    """The table layouts recorded by `create_schema` (`db/schema_history.py`)."""

    def table(self, name: str) -> Table:
        return self.metadata.tables[_qualified(self.source.schema, name)]

    @property
    def log_app_key(self) -> Column[Any]:
        return self.log.c[self.target.app_key_column]

    @property
    def source_key(self) -> Column[Any]:
        return self.source.c[self.target.source_key_column]

    def owner(self, spec: TableSpec) -> tuple[ColumnElement[Any], FromClause]:
        """The application key owning each row of `spec`'s table, and what to select from.

        Tables carrying the application key own their rows directly; child tables reach it
        through the contact table (an orphan child row has a NULL owner).
        """
        target = self.target
        table = self.table(spec.name)
        if target.app_key_column in spec.column_names:
            return table.c[target.app_key_column], table
        contact_key = target.contact_key_column
        if target.contact_table and contact_key and contact_key in spec.column_names:
            contact = self.table(target.contact_table)
            joined = table.outerjoin(contact, table.c[contact_key] == contact.c[contact_key])
            return contact.c[target.app_key_column], joined
        return null(), table


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _target_table(metadata: MetaData, spec: TableSpec, schema: str | None, app_key: str) -> Table:
    """A target table. One holding the application key without leading its primary key
    with it (the contact table) gets an index on it: re-migration deletes a document's
    rows by it, and deleting a root row checks the foreign keys referencing it."""
    columns = [
        Column(
            column.name,
            column_type(column),
            nullable=column.nullable and column.name not in spec.primary_key,
            autoincrement=False,
        )
        for column in spec.columns
    ]
    constraints = [
        ForeignKeyConstraint(
            list(fk.columns),
            [f"{_qualified(schema, fk.references)}.{name}" for name in fk.referenced_columns],
            ondelete=None if fk.on_delete.upper() == "NO ACTION" else fk.on_delete.upper(),
        )
        for fk in spec.foreign_keys
    ]
    if spec.primary_key:
        constraints.append(PrimaryKeyConstraint(*spec.primary_key))
    table = Table(spec.name, metadata, *columns, *constraints, schema=schema)
    if app_key in spec.column_names and spec.primary_key[:1] != (app_key,):
        Index(None, table.c[app_key])
    return table


def _log_table(metadata: MetaData, target: TargetSchema, schema: str | None) -> Table:
    names = {getattr(LOG, field) for field in LogColumns.__dataclass_fields__}
    if target.app_key_column in names:
        raise ValueError(
            f"application key column {target.app_key_column!r} clashes with a column of "
            f"the processing log"
        )
    app_key = target.app_key_column
    table = Table(
        target.processing_log_table,
        metadata,
        Column(LOG.log_id, Integer, Identity(), primary_key=True),
        Column(app_key, key_type(target.app_key_type), nullable=False, autoincrement=False),
        Column(LOG.status, String(20), nullable=False),
        Column(LOG.failure_reason, String(500)),
        Column(LOG.processing_time, _log_time_type()),
        Column(LOG.session_id, String(SESSION_ID_LENGTH)),
        Column(LOG.app_id_start, key_type(target.app_key_type), autoincrement=False),
        Column(LOG.app_id_end, key_type(target.app_key_type), autoincrement=False),
        Column(LOG.rows_written, unbounded_text()),
        Column(LOG.partition_key, String(PARTITION_KEY_LENGTH)),
        Column(LOG.contract_fingerprint, String(FINGERPRINT_COLUMN_LENGTH)),
        schema=schema,
    )
    Index(None, table.c[app_key], unique=True)
    return table


def _log_time_type() -> sa.TypeEngine[object]:
    return sa.DateTime().with_variant(mssql.DATETIME2(), "mssql")


LAYOUTS_TABLE = "xml_migration_layouts"


def _layouts_table(metadata: MetaData, schema: str | None) -> Table:
    return Table(
        LAYOUTS_TABLE,
        metadata,
        Column("layout_fingerprint", String(64), primary_key=True),
        Column("recorded_at", _log_time_type()),
        Column("tables", unbounded_text()),
        schema=schema,
    )


@lru_cache(maxsize=32)
def build_model(target: TargetSchema, dialect: str) -> DatabaseModel:
    """The tables of `target` for the dialect named `sqlite`, `postgresql` or `mssql`."""
    schema = None if dialect == "sqlite" else target.schema
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    source = Table(
        target.source_table,
        metadata,
        Column(
            target.source_key_column,
            key_type(target.app_key_type),
            primary_key=True,
            autoincrement=False,
        ),
        Column(target.source_column, unbounded_text()),
        schema=schema,
    )
    tables = tuple(
        _target_table(metadata, spec, schema, target.app_key_column) for spec in target.tables
    )
    log = _log_table(metadata, target, schema)
    layouts = _layouts_table(metadata, schema)
    return DatabaseModel(target, dialect, metadata, source, tables, log, layouts)
