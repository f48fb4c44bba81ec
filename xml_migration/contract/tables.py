"""The relational model a contract implies: target tables, columns, keys (spec §16).

This module is pure data. The contract compiler builds a `TargetSchema` from a contract;
the database layer turns it into DDL and loads rows whose values are ordered like
`TableSpec.columns`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DataType(StrEnum):
    """A contract `data_type` (spec §4)."""

    STRING = "string"
    INT = "int"
    SMALLINT = "smallint"
    TINYINT = "tinyint"
    BIGINT = "bigint"
    DECIMAL = "decimal"
    BIT = "bit"
    DATETIME = "datetime"
    SMALLDATETIME = "smalldatetime"
    DATE = "date"


class TableRole(StrEnum):
    """The role of a target table, derived from its mappings (spec §9)."""

    ROOT = "root"
    CONTACT = "contact"
    CHILD = "child"
    SINGLE_ROW = "single_row"
    SCORE = "add_score"
    INDICATOR = "add_indicator"
    HISTORY = "add_history"
    REPORT_LOOKUP = "add_report_lookup"
    POLICY_EXCEPTIONS = "policy_exceptions"
    WARRANTY = "warranty_field"
    COLLATERAL = "add_collateral"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a target table.

    `length` is the maximum number of characters of a string column (None: unbounded);
    `precision`/`scale` describe a decimal column; `sql_type` is a verbatim override from
    the contract's `tables` block (spec §16.1).
    """

    name: str
    data_type: DataType
    nullable: bool = True
    length: int | None = None
    precision: int = 18
    scale: int = 2
    sql_type: str | None = None


@dataclass(frozen=True, slots=True)
class ForeignKeySpec:
    """A foreign key from `columns` to `references(referenced_columns)`."""

    columns: tuple[str, ...]
    references: str
    referenced_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A target table: its role, its columns in DDL/row order, and its keys."""

    name: str
    role: TableRole
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKeySpec, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.name} has no column {name}")


@dataclass(frozen=True, slots=True)
class TargetSchema:
    """Everything the database layer needs to know about a contract's tables.

    `tables` are in the contract's `table_insertion_order` (parents first) and exclude the
    processing log table, which the database layer defines itself (spec §15.5).
    Rows of the root, contact, single-row and row-creating tables carry `app_key_column`;
    rows of child tables carry `contact_key_column` and belong to an application through
    the contact table.
    """

    schema: str | None
    tables: tuple[TableSpec, ...]
    app_key_column: str
    app_key_type: DataType
    contact_table: str | None
    contact_key_column: str | None
    source_table: str
    source_column: str
    source_key_column: str
    processing_log_table: str

    @property
    def root_table(self) -> TableSpec:
        return next(table for table in self.tables if table.role is TableRole.ROOT)

    def table(self, name: str) -> TableSpec:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"contract has no table {name}")
