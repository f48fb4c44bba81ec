"""What a valid contract means: its filter rules, key mappings and table roles (spec §5, §9).

`xml_migration.contract.validation` derives a `ContractStructure` from a `Contract`; the schema
inference and the compiler work from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from xml_migration.contract.chains import Chain
from xml_migration.contract.data_types import DeclaredType
from xml_migration.contract.expression import CompiledExpression
from xml_migration.contract.model import Contract, MappingEntry
from xml_migration.contract.tables import ColumnSpec, TableRole, TargetSchema

Path = tuple[str, ...]
"""An absolute element path as its local names, root first (spec §7.1)."""

RequiredAttribute = tuple[str, tuple[str, ...] | None]
"""An entry of `required_attributes`: the attribute and its allowed values (None: non-blank)."""


@dataclass(frozen=True, slots=True)
class ContactRule:
    """The contact rule of `element_filtering` (spec §5, §8)."""

    path: Path
    role_attribute: str
    roles: tuple[str, ...]
    required: tuple[RequiredAttribute, ...]
    meaningful: tuple[str, ...]

    @property
    def element_name(self) -> str:
        return self.path[-1]


@dataclass(frozen=True, slots=True)
class ChildRule:
    """A child rule of `element_filtering` (spec §5, §8.4); `types` in preference order."""

    element_type: str
    path: Path
    type_attribute: str
    types: tuple[str, ...]
    required: tuple[RequiredAttribute, ...]
    meaningful: tuple[str, ...] | None

    @property
    def element_name(self) -> str:
        return self.path[-1]


@dataclass(frozen=True, slots=True)
class MappingInfo:
    """One mapping with everything derived from it at load time.

    `column` describes the value this mapping writes (type, length, scale, nullability);
    `default` is the converted `default_value` (None: no default); `declared` is what its
    `data_type` and `data_length` declare.
    """

    index: int
    mapping: MappingEntry
    path: Path
    chain: Chain
    column: ColumnSpec
    default: object | None
    expression: CompiledExpression | None
    declared: DeclaredType

    @property
    def label(self) -> str:
        """How problems and failures name the mapping: `mappings[i] (table.column)`."""
        return f"mappings[{self.index}] ({self.mapping.column_label})"


@dataclass(frozen=True, slots=True)
class TableInfo:
    """A target table, its role and its mappings in contract order (spec §9).

    `child_rule` and `discriminator` are set for child tables; `role_column` for the
    contact table when a mapping reads the role attribute.
    """

    name: str
    role: TableRole
    mappings: tuple[MappingInfo, ...]
    child_rule: ChildRule | None = None
    discriminator: str | None = None
    role_column: str | None = None


@dataclass(frozen=True, slots=True)
class ContractStructure:
    """A validated contract with its derived structure and its relational schema (§16)."""

    contract: Contract
    application_path: Path
    app_key: MappingInfo
    contact_key: MappingInfo | None
    contact_rule: ContactRule
    child_rules: tuple[ChildRule, ...]
    tables: tuple[TableInfo, ...]
    target: TargetSchema

    @property
    def container_path(self) -> Path:
        return self.application_path[:-1]

    def table(self, name: str) -> TableInfo:
        return next(table for table in self.tables if table.name == name)
