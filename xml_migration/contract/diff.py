"""What changes between two contracts: tables, columns, keys, mappings, contract sections.

Pure data: `schema_changes` compares the tables two contracts imply (also used to evolve
existing tables), `diff_contracts` adds what each mapping does and the contract's own
sections. A change `changes_rows` when a document migrated under the new contract can end
with other rows or another outcome than under the old one
(docs/adr/0015-contract-changes.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from xml_migration.contract.compiler import compile_contract
from xml_migration.contract.fingerprint import canonical_form, contract_fingerprint
from xml_migration.contract.model import Contract, MappingEntry
from xml_migration.contract.tables import ColumnSpec, DataType, TableSpec, TargetSchema


class ChangeKind(StrEnum):
    """What kind of difference a `Change` is."""

    TABLE_ADDED = "table added"
    TABLE_REMOVED = "table removed"
    COLUMN_ADDED = "column added"
    COLUMN_REMOVED = "column removed"
    TYPE_CHANGED = "type changed"
    LENGTH_CHANGED = "length changed"
    NULLABLE_CHANGED = "nullable changed"
    KEY_CHANGED = "key changed"
    SCHEMA_CHANGED = "schema changed"
    """A change of the DDL alone (SQL type override, column order, foreign keys)."""
    MAPPING_ADDED = "mapping added"
    MAPPING_REMOVED = "mapping removed"
    SOURCE_CHANGED = "source changed"
    CHAIN_CHANGED = "chain changed"
    EXPRESSION_CHANGED = "expression changed"
    DEFAULT_CHANGED = "default changed"
    ENUM_CHANGED = "enum changed"
    MAPPING_CHANGED = "mapping changed"
    CONTRACT_CHANGED = "contract changed"


OPERATOR_KINDS = frozenset(
    {
        ChangeKind.COLUMN_REMOVED,
        ChangeKind.TYPE_CHANGED,
        ChangeKind.LENGTH_CHANGED,
        ChangeKind.KEY_CHANGED,
    }
)
"""Table changes `init` does not apply to existing tables: it reports them with the DDL an
operator runs, and nothing is migrated until they are resolved. New tables and nullable
new columns it creates itself."""
ROW_NEUTRAL_SECTIONS = frozenset({"relationships"})
"""Top-level keys that change no row (`relationships` is only checked)."""
PER_TABLE_SECTIONS = frozenset({"mappings", "enum_mappings", "tables", "table_insertion_order"})
"""Top-level keys whose changes are reported per table, column and mapping."""


@dataclass(frozen=True, slots=True)
class Change:
    """One difference; `table`/`column` are None for a change of the whole contract."""

    kind: ChangeKind
    table: str | None
    column: str | None
    old: str | None = None
    new: str | None = None
    changes_rows: bool = True

    def describe(self) -> str:
        """`kind [column]: old -> new`, or with the one detail there is."""
        text = self.kind.value + (f" {self.column}" if self.column else "")
        if self.old is not None and self.new is not None:
            return f"{text}: {self.old} -> {self.new}"
        detail = self.new or self.old
        return f"{text}: {detail}" if detail else text


@dataclass(frozen=True, slots=True)
class ContractDiff:
    """Every difference between an old and a new contract."""

    old_fingerprint: str
    new_fingerprint: str
    changes: tuple[Change, ...]
    new_tables: tuple[str, ...]
    """The new contract's tables in insertion order (what a re-migration rewrites)."""

    @property
    def changes_rows(self) -> bool:
        return any(change.changes_rows for change in self.changes)

    @property
    def tables_with_row_changes(self) -> tuple[str, ...]:
        """Tables whose rows can differ; every table when a contract-wide change does."""
        if any(change.changes_rows and change.table is None for change in self.changes):
            return self.new_tables
        changed = {change.table for change in self.changes if change.changes_rows}
        known = [name for name in self.new_tables if name in changed]
        return (*known, *sorted(name for name in changed if name and name not in known))


def type_text(column: ColumnSpec) -> str:
    """A column's type as the contract states it, e.g. `string(20)`, `decimal(18,2)`."""
    if column.sql_type:
        return column.sql_type
    if column.length is not None:
        return f"{column.data_type.value}({column.length})"
    if column.data_type is DataType.DECIMAL:
        return f"decimal({column.precision},{column.scale})"
    return column.data_type.value


def _column_changes(table: str, old: ColumnSpec, new: ColumnSpec) -> Iterator[Change]:
    name, before, after = new.name, type_text(old), type_text(new)
    decimal_changed = new.data_type is DataType.DECIMAL and (old.precision, old.scale) != (
        new.precision,
        new.scale,
    )
    if old.data_type != new.data_type or decimal_changed:
        yield Change(ChangeKind.TYPE_CHANGED, table, name, before, after)
    elif old.length != new.length:
        yield Change(ChangeKind.LENGTH_CHANGED, table, name, before, after)
    elif old.sql_type != new.sql_type:
        yield Change(ChangeKind.SCHEMA_CHANGED, table, name, before, after, changes_rows=False)
    if old.nullable != new.nullable:
        yield Change(
            ChangeKind.NULLABLE_CHANGED,
            table,
            name,
            "nullable" if old.nullable else "not null",
            "nullable" if new.nullable else "not null",
        )


def _table_changes(old: TableSpec, new: TableSpec) -> Iterator[Change]:
    name = new.name
    old_columns = {column.name: column for column in old.columns}
    new_columns = {column.name: column for column in new.columns}
    for column in old.columns:
        if column.name not in new_columns:
            yield Change(ChangeKind.COLUMN_REMOVED, name, column.name, type_text(column))
    for column in new.columns:
        previous = old_columns.get(column.name)
        if previous is None:
            yield Change(ChangeKind.COLUMN_ADDED, name, column.name, new=type_text(column))
        else:
            yield from _column_changes(name, previous, column)
    if old.primary_key != new.primary_key:
        yield Change(
            ChangeKind.KEY_CHANGED,
            name,
            None,
            f"({', '.join(old.primary_key)})",
            f"({', '.join(new.primary_key)})",
        )
    common = [c for c in new.column_names if c in old_columns]
    if [c for c in old.column_names if c in new_columns] != common:
        yield Change(ChangeKind.SCHEMA_CHANGED, name, None, "column order", changes_rows=False)
    if old.foreign_keys != new.foreign_keys:
        yield Change(ChangeKind.SCHEMA_CHANGED, name, None, "foreign keys", changes_rows=False)


def schema_changes(old: TargetSchema, new: TargetSchema) -> list[Change]:
    """Differences of the tables, columns and keys of two target schemas, in the new
    insertion order (removed tables last)."""
    old_tables = {table.name: table for table in old.tables}
    new_names = {table.name for table in new.tables}
    changes: list[Change] = []
    for table in new.tables:
        previous = old_tables.get(table.name)
        if previous is None:
            changes.append(Change(ChangeKind.TABLE_ADDED, table.name, None))
        else:
            changes.extend(_table_changes(previous, table))
    changes.extend(
        Change(ChangeKind.TABLE_REMOVED, table.name, None)
        for table in old.tables
        if table.name not in new_names
    )
    return changes


class MappingKey(NamedTuple):
    """A mapping's identity: its table and column (empty for the row-creating families
    whose columns are implied) and its position among the mappings of that column."""

    table: str
    column: str
    occurrence: int


def _keyed(mappings: list[MappingEntry]) -> dict[MappingKey, MappingEntry]:
    seen: Counter[tuple[str, str]] = Counter()
    keyed: dict[MappingKey, MappingEntry] = {}
    for mapping in mappings:
        column = (mapping.target_table, mapping.target_column)
        keyed[MappingKey(*column, seen[column])] = mapping
        seen[column] += 1
    return keyed


def _label(key: MappingKey, mapping: MappingEntry) -> str:
    """The column (with its occurrence when several mappings write it), or the element
    and attribute a row-creating mapping reads."""
    if not key.column:
        return f"{mapping.xml_path}/@{mapping.xml_attribute}"
    return key.column if key.occurrence == 0 else f"{key.column} #{key.occurrence + 1}"


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return "none" if value is None else str(value)


MAPPING_FIELDS: tuple[tuple[str, ChangeKind], ...] = (
    ("xml_path", ChangeKind.SOURCE_CHANGED),
    ("xml_attribute", ChangeKind.SOURCE_CHANGED),
    ("mapping_type", ChangeKind.CHAIN_CHANGED),
    ("expression", ChangeKind.EXPRESSION_CHANGED),
    ("default_value", ChangeKind.DEFAULT_CHANGED),
    ("enum_name", ChangeKind.ENUM_CHANGED),
    ("required", ChangeKind.MAPPING_CHANGED),
    ("exclude_default_when_record_empty", ChangeKind.MAPPING_CHANGED),
)
"""Mapping keys compared one by one (type, length and nullability are column changes;
the mappings of an added or removed column are that column's change)."""


def _mapping_changes(
    key: MappingKey, old: MappingEntry, new: MappingEntry, enums_changed: set[str]
) -> Iterator[Change]:
    label = _label(key, new)
    for field, kind in MAPPING_FIELDS:
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            yield Change(kind, key.table, label, f"{field} {_shown(before)}", _shown(after))
    enum = new.enum_name or new.target_column
    if "enum" in new.mapping_type and enum in enums_changed:
        yield Change(ChangeKind.ENUM_CHANGED, key.table, label, new=f"enum_mappings.{enum}")


def _mappings_changes(old: Contract, new: Contract) -> Iterator[Change]:
    enums = set(old.enum_mappings) | set(new.enum_mappings)
    changed_enums = {
        name for name in enums if old.enum_mappings.get(name) != new.enum_mappings.get(name)
    }
    old_mappings, new_mappings = _keyed(old.mappings), _keyed(new.mappings)
    for key, mapping in new_mappings.items():
        previous = old_mappings.get(key)
        if previous is not None:
            yield from _mapping_changes(key, previous, mapping, changed_enums)
        elif _column_kept(key, old_mappings):
            yield Change(ChangeKind.MAPPING_ADDED, key.table, _label(key, mapping))
    for key in sorted(old_mappings.keys() - new_mappings.keys()):
        if _column_kept(key, new_mappings):
            yield Change(ChangeKind.MAPPING_REMOVED, key.table, _label(key, old_mappings[key]))


def _column_kept(key: MappingKey, other: dict[MappingKey, MappingEntry]) -> bool:
    """Whether the other contract has the column (or the row-creating table) of a mapping
    that only one contract has: otherwise the change is the column's or the table's."""
    return any(k.table == key.table and k.column == key.column for k in other)


def _section_changes(old: Contract, new: Contract) -> Iterator[Change]:
    before, after = canonical_form(old), canonical_form(new)
    for key in sorted((set(before) | set(after)) - PER_TABLE_SECTIONS):
        if before.get(key) != after.get(key):
            yield Change(
                ChangeKind.CONTRACT_CHANGED,
                None,
                None,
                new=key,
                changes_rows=key not in ROW_NEUTRAL_SECTIONS,
            )
    common = set(old.table_insertion_order) & set(new.table_insertion_order)
    if [t for t in old.table_insertion_order if t in common] != [
        t for t in new.table_insertion_order if t in common
    ]:
        yield Change(
            ChangeKind.SCHEMA_CHANGED, None, None, new="table_insertion_order", changes_rows=False
        )


def diff_contracts(old: Contract, new: Contract) -> ContractDiff:
    """Every difference between two valid contracts; raises `ContractError` when either
    cannot be compiled."""
    old_target = compile_contract(old).target
    new_target = compile_contract(new).target
    changes = [
        *schema_changes(old_target, new_target),
        *_mappings_changes(old, new),
        *_section_changes(old, new),
    ]
    order = {table.name: index for index, table in enumerate(new_target.tables)}
    changes.sort(key=lambda c: (c.table is None, order.get(c.table or "", len(order))))
    return ContractDiff(
        contract_fingerprint(old),
        contract_fingerprint(new),
        tuple(changes),
        tuple(table.name for table in new_target.tables),
    )
