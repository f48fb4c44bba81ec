"""Existing tables: reflect them and check that they can hold what the contract writes.

Users migrating from the legacy system already have their target tables, often with extra
identity, computed or defaulted columns. Loading writes only the contract's columns, so
each of those must exist with a type able to hold every value the contract produces. All
incompatibilities are reported together, before any document is processed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, inspect
from sqlalchemy import types as sa
from sqlalchemy.engine import Dialect

from xml_migration.contract.tables import ColumnSpec, DataType, TargetSchema
from xml_migration.db.connection import dialect_name
from xml_migration.db.model import DatabaseModel, build_model
from xml_migration.db.types import VerbatimType, column_type, parse_sql_type

log = logging.getLogger(__name__)

INTEGER_BITS = {DataType.BIT: 1, DataType.TINYINT: 8, DataType.SMALLINT: 16, DataType.INT: 32}
DIGITS_OF_BITS = {1: 1, 8: 3, 16: 5, 32: 10, 64: 19}


@dataclass(frozen=True, slots=True)
class TypeRequirement:
    """What a column's type must be able to hold."""

    family: str
    """`text`, `integer`, `decimal`, `datetime`, `date`, `document` (text or bytes), or
    `any` (verbatim types)."""
    length: int | None = None
    bits: int = 64
    precision: int | None = None
    scale: int = 0


@dataclass(frozen=True, slots=True)
class SchemaMismatch:
    """One incompatibility of an existing table with the contract."""

    table: str
    column: str | None
    problem: str
    addable: bool = False
    """A missing column that may be NULL: `create_schema` adds it (`ALTER TABLE … ADD`)."""

    def __str__(self) -> str:
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        return f"{where}: {self.problem}"


class SchemaMismatchError(Exception):
    """Existing tables cannot hold what the contract writes; lists every mismatch."""

    def __init__(self, mismatches: list[SchemaMismatch]) -> None:
        self.mismatches = mismatches
        lines = "\n".join(f"  - {mismatch}" for mismatch in mismatches)
        super().__init__(
            f"{len(mismatches)} incompatibilities between the contract and the existing "
            f"tables:\n{lines}"
        )


@dataclass(frozen=True, slots=True)
class ExistingTables:
    """Facts about the existing tables the loader needs."""

    identity_columns: dict[str, frozenset[str]] = field(default_factory=dict)
    """Per target table, the contract columns that are identity columns in the database
    (explicit values need `SET IDENTITY_INSERT` / `OVERRIDING SYSTEM VALUE`, spec §10.3.8)."""


def requirement_of_type(type_: sa.TypeEngine[Any]) -> TypeRequirement:
    """The requirement a column of SQL type `type_` places on an existing column."""
    if isinstance(type_, VerbatimType):
        return TypeRequirement("any")
    if isinstance(type_, sa.String):
        return TypeRequirement("text", length=type_.length)
    if isinstance(type_, sa.Boolean):
        return TypeRequirement("integer", bits=1)
    if isinstance(type_, sa.Integer):
        bits = 16 if isinstance(type_, sa.SmallInteger) else 32
        return TypeRequirement("integer", bits=64 if isinstance(type_, sa.BigInteger) else bits)
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
        return TypeRequirement("decimal", precision=type_.precision, scale=type_.scale or 0)
    if isinstance(type_, sa.DateTime):
        return TypeRequirement("datetime")
    if isinstance(type_, sa.Date):
        return TypeRequirement("date")
    return TypeRequirement("any")


def requirement_of_column(column: ColumnSpec) -> TypeRequirement:
    """The requirement of a contract column (its `sql_type` override when it has one)."""
    if column.sql_type:
        return requirement_of_type(parse_sql_type(column.sql_type))
    match column.data_type:
        case DataType.STRING:
            return TypeRequirement("text", length=column.length)
        case DataType.DECIMAL:
            return TypeRequirement("decimal", precision=column.precision, scale=column.scale)
        case DataType.DATETIME | DataType.SMALLDATETIME:
            return TypeRequirement("datetime")
        case DataType.DATE:
            return TypeRequirement("date")
    return TypeRequirement("integer", bits=INTEGER_BITS.get(column.data_type, 64))


def _integer_bits(type_: sa.TypeEngine[Any], dialect: str) -> int | None:
    if isinstance(type_, sa.Boolean):
        return 1
    if not isinstance(type_, sa.Integer):
        return None
    if dialect == "sqlite" or isinstance(type_, sa.BigInteger):
        return 64
    if type(type_).__name__ == "TINYINT":
        return 8
    return 16 if isinstance(type_, sa.SmallInteger) else 32


def satisfies(found: sa.TypeEngine[Any], required: TypeRequirement, dialect: str) -> bool:
    """Whether an existing column of type `found` holds every value `required` describes.

    SQLite enforces neither lengths nor integer widths, so there only the family counts.
    """
    if required.family == "any":
        return True
    if required.family == "document":
        return isinstance(found, sa.String | sa.LargeBinary)
    if required.family == "text":
        if not isinstance(found, sa.String):
            return False
        if dialect == "sqlite" or found.length is None:
            return True
        return required.length is not None and found.length >= required.length
    if required.family == "integer":
        bits = _integer_bits(found, dialect)
        if bits is not None:
            return bits >= required.bits or (required.bits == 1 and bits >= 1)
        if isinstance(found, sa.Numeric) and not isinstance(found, sa.Float):
            digits = DIGITS_OF_BITS.get(required.bits, 19)
            return found.precision is None or (
                (found.scale or 0) == 0 and found.precision >= digits
            )
        return False
    if required.family == "decimal":
        if not isinstance(found, sa.Numeric) or isinstance(found, sa.Float):
            return False
        if dialect == "sqlite" or found.precision is None or required.precision is None:
            return True
        found_scale = found.scale or 0
        return found_scale >= required.scale and (
            found.precision - found_scale >= required.precision - required.scale
        )
    if required.family == "datetime":
        return isinstance(found, sa.DateTime)
    return isinstance(found, sa.Date | sa.DateTime)


def render_type(type_: sa.TypeEngine[Any], dialect: Dialect) -> str:
    """A type as `dialect` writes it in DDL (its repr when the dialect cannot)."""
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # a reflected type the dialect cannot print back
        return repr(type_)


def lookup_name(name: str, dialect: str) -> str:
    """Identifiers compare exactly on PostgreSQL (names are quoted), case-insensitively on
    SQL Server and SQLite."""
    return name if dialect == "postgresql" else name.casefold()


def _check_table(
    engine: Engine,
    table: Table,
    expected: dict[str, tuple[TypeRequirement, sa.TypeEngine[Any], bool]],
    columns: list[dict[str, Any]],
    mismatches: list[SchemaMismatch],
) -> frozenset[str]:
    found = {lookup_name(column["name"], engine.dialect.name): column for column in columns}
    identity: set[str] = set()
    for name, (requirement, sql_type, nullable) in expected.items():
        column = found.get(lookup_name(name, engine.dialect.name))
        if column is None:
            mismatches.append(
                SchemaMismatch(table.name, name, "column does not exist", addable=nullable)
            )
            continue
        if column.get("computed"):
            mismatches.append(
                SchemaMismatch(table.name, name, "is a computed column and cannot be written")
            )
            continue
        if not satisfies(column["type"], requirement, engine.dialect.name):
            mismatches.append(
                SchemaMismatch(
                    table.name,
                    name,
                    f"type {render_type(column['type'], engine.dialect)} cannot hold "
                    f"{render_type(sql_type, engine.dialect)}",
                )
            )
        if nullable and not column.get("nullable", True):
            log.warning(
                "%s.%s is NOT NULL but the contract may leave it empty; such documents "
                "will fail with a database constraint",
                table.name,
                name,
            )
        if column.get("identity"):
            identity.add(column["name"])
    return frozenset(identity)


def _expected_target_columns(
    model: DatabaseModel, name: str
) -> dict[str, tuple[TypeRequirement, sa.TypeEngine[Any], bool]]:
    spec = model.target.table(name)
    return {
        column.name: (
            requirement_of_column(column),
            column_type(column),
            column.nullable and column.name not in spec.primary_key,
        )
        for column in spec.columns
    }


def _expected_log_columns(
    table: Table,
) -> dict[str, tuple[TypeRequirement, sa.TypeEngine[Any], bool]]:
    return {
        column.name: (requirement_of_type(column.type), column.type, bool(column.nullable))
        for column in table.columns
    }


def _expected_source_columns(
    model: DatabaseModel,
) -> dict[str, tuple[TypeRequirement, sa.TypeEngine[Any], bool]]:
    key = model.source.c[model.target.source_key_column]
    document = model.source.c[model.target.source_column]
    return {
        key.name: (requirement_of_type(key.type), key.type, False),
        document.name: (TypeRequirement("document"), document.type, True),
    }


def inspect_existing_tables(engine: Engine, target: TargetSchema) -> ExistingTables:
    """Check that every table of `target` exists and can hold what the contract writes.

    Raises `SchemaMismatchError` listing every missing table or column and every
    incompatible type; returns the facts the loader needs.
    """
    model = build_model(target, dialect_name(engine))
    inspector = inspect(engine)
    schema = model.source.schema
    names = {
        lookup_name(name, model.dialect): name for name in inspector.get_table_names(schema=schema)
    }
    mismatches: list[SchemaMismatch] = []
    identity_columns: dict[str, frozenset[str]] = {}
    for table in (model.source, *model.tables, model.log):
        actual = names.get(lookup_name(table.name, model.dialect))
        if actual is None:
            mismatches.append(SchemaMismatch(table.name, None, "table does not exist"))
            continue
        if table is model.source:
            expected = _expected_source_columns(model)
        elif table is model.log:
            expected = _expected_log_columns(table)
        else:
            expected = _expected_target_columns(model, table.name)
        columns = inspector.get_columns(actual, schema=schema)
        identity = _check_table(engine, table, expected, columns, mismatches)
        if table is not model.source and table is not model.log and identity:
            identity_columns[table.name] = identity
    if mismatches:
        raise SchemaMismatchError(mismatches)
    return ExistingTables(identity_columns)


def has_source_table(engine: Engine, target: TargetSchema) -> bool:
    """Whether the database holds the contract's source table."""
    model = build_model(target, dialect_name(engine))
    return inspect(engine).has_table(model.source.name, schema=model.source.schema)
