"""The execution plan of a contract: everything mapping a document needs, precomputed.

A `CompiledPlan` is built once by `xml_migration.contract.compiler.compile_contract`. The
engine walks it for every document without interpreting the contract again: paths are
element-name tags with numbered prefixes, chains are tuples of step functions, enum maps
are lookup objects, converters and defaults are ready, rows have fixed column positions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from xml_migration.contract.expression import CompiledExpression
from xml_migration.contract.model import Contract
from xml_migration.contract.roles import Rows
from xml_migration.contract.tables import TableRole, TargetSchema

Converter = Callable[[object], object]


class ReadKind(IntEnum):
    """Where a mapping without a calculated field reads its attribute (spec §7, §10.2)."""

    PLAIN = 0
    """The last element at an absolute path (§7.2)."""
    ROW_ELEMENT = 1
    """The row's own element: the contact or the child element (§7.3)."""
    ROW_RELATIVE = 2
    """The last element reached along a relative path from the row's contact (§7.3)."""
    SELECTOR = 3
    """A contact selector: the primary or the secondary contact (§10.2)."""
    CURRENT_CHILD = 4
    """`curr_address_only`: the contact's last child element of the preferred type."""


class SelectorMode(IntEnum):
    """What a contact selector reads from the selected contact (§10.2)."""

    CONTACT = 0
    CHILD_POOL = 1
    RELATIVE = 2


class Scope(IntEnum):
    """The context references of an expression resolve in (§14.7)."""

    APPLICATION = 0
    CONTACT = 1
    CHILD = 2


class StepKind(IntEnum):
    """How the engine applies a value step (§10.4)."""

    ENUM = 0
    ENUM_AFTER_CALCULATED = 1
    BIT = 2
    TRANSFORM = 3
    DEFAULT_UTCNOW = 4


@dataclass(frozen=True, slots=True)
class Reader:
    """How to read one attribute; fields not used by `kind` keep their defaults.

    `path_id` numbers an absolute path in `CompiledPlan.paths` (PLAIN); `relative` holds
    element tags below the contact (ROW_RELATIVE, SELECTOR/RELATIVE); `child_tag`,
    `type_attribute` and `preferred_type` describe a child rule (SELECTOR/CHILD_POOL,
    CURRENT_CHILD); `secondary` picks the secondary contact for a SELECTOR.
    """

    kind: ReadKind
    attribute: str
    attribute_folded: str
    path_id: int = -1
    relative: tuple[str, ...] = ()
    secondary: bool = False
    mode: SelectorMode = SelectorMode.CONTACT
    child_tag: str = ""
    type_attribute: str = ""
    type_folded: str = ""
    preferred_type: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """A value step: `apply` maps a trimmed text (ENUM, BIT, TRANSFORM) to the new value."""

    kind: StepKind
    apply: Callable[[str], object] | None = None


@dataclass(frozen=True, slots=True)
class ColumnProgram:
    """One mapping compiled for the table it writes.

    `position` is the column's index in the row (-1 for implied-column families);
    `evidence` tells whether the column counts as evidence for its row (§13.1);
    `null_words` treats `null`/`none` as blank (row-creating tables, §7.4).
    """

    label: str
    mapping_index: int
    position: int
    reader: Reader | None
    expression: CompiledExpression | None
    scope: Scope
    steps: tuple[Step, ...]
    convert: Converter
    default: object | None
    exclude_default: bool
    nullable: bool
    evidence: bool
    null_words: bool
    fallback: Reader | None = None


@dataclass(frozen=True, slots=True)
class EntryProgram:
    """A mapping of an implied-column family (`add_score`, …, `policy_exceptions`).

    `key` is the row's identifier (ID, NAME, `[attribute]`, attribute name, or N);
    `extra` the history source (`[element]`) or the report key (None when empty);
    `fallback` asks for the primary-role fallback of `add_history` (§9.9).
    """

    program: ColumnProgram
    key: object
    extra: object = None
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class GroupProgram:
    """One `warranty_field(N)` / `add_collateral(N)` group (§9.12, §9.13).

    `fill` gives, for every table column this group does not map, its position and value
    (the default of the column's first mapping in the table, or None).
    """

    number: int
    members: tuple[ColumnProgram, ...]
    fill: tuple[tuple[int, object], ...]


@dataclass(frozen=True, slots=True)
class TablePlan:
    """A target table compiled for mapping.

    `rows` is how a document gives the table its rows (its role's `RoleSpec.rows`).
    Column tables (root, contact, child, single-row) use `programs`; implied-column
    families use `entries` (and `notes` for policy exceptions); group families use
    `groups`. Positions index the row tuple ordered like `TableSpec.columns`:
    `app_key_position`/`contact_key_position` for the implied keys, `identifier_position`
    for the identifier, name, type or slot column, `value_position`, and `extra_position`
    for the history source, report key or policy notes column.
    """

    name: str
    role: TableRole
    rows: Rows
    width: int
    primary_key: tuple[int, ...]
    app_key_position: int | None = None
    contact_key_position: int | None = None
    child_rule: int | None = None
    programs: tuple[ColumnProgram, ...] = ()
    entries: tuple[EntryProgram, ...] = ()
    notes: ColumnProgram | None = None
    groups: tuple[GroupProgram, ...] = ()
    identifier_position: int | None = None
    value_position: int | None = None
    extra_position: int | None = None
    true_value: str = "1"


@dataclass(frozen=True, slots=True)
class AttributeTest:
    """A `required_attributes` entry: non-blank (`allowed` None) or one of `allowed`."""

    attribute: str
    attribute_folded: str
    allowed: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class ChildPlan:
    """A child rule: which direct children of a selected contact qualify (§8.4)."""

    element_type: str
    tag: str
    required: tuple[AttributeTest, ...]
    meaningful: tuple[tuple[str, str], ...] | None


@dataclass(frozen=True, slots=True)
class ContactPlan:
    """Contact selection (§8): candidates by tag, eligibility, roles in priority order."""

    tag: str
    key_attribute: str
    key_folded: str
    key_convert: Converter
    role_attribute: str
    role_folded: str
    roles: tuple[str, ...]
    required: tuple[AttributeTest, ...]
    meaningful: tuple[tuple[str, str], ...]
    children: tuple[ChildPlan, ...]


@dataclass(frozen=True, slots=True)
class AppKeyPlan:
    """Where the application key is read and the range of its column (§6.4)."""

    path_id: int
    attribute: str
    attribute_folded: str
    maximum: int
    label: str


@dataclass(frozen=True, slots=True)
class CompiledPlan:
    """A contract ready to map documents.

    `paths` numbers every absolute path the plan reads: entry i is (parent id or -1, tag),
    tags being `{*}name` (any namespace). `read_paths` lists those paths as text; together
    with `container_path` (whose whole subtree contact selection and expressions may read,
    plus the attributes of its ancestors) it tells which parts of a document can matter.
    `scope_elements` / `scope_attributes` are the case-folded element and attribute names
    that application-level expression references look up in that scope.
    """

    contract: Contract
    target: TargetSchema
    root_element: str
    paths: tuple[tuple[int, str], ...]
    application_path_id: int
    app_key: AppKeyPlan
    contact: ContactPlan | None
    tables: tuple[TablePlan, ...]
    scope_elements: frozenset[str]
    scope_attributes: frozenset[str]
    read_paths: frozenset[str]
    container_path: str
