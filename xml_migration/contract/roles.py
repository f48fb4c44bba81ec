"""What each table role means (spec §9): one entry per role in `ROLES`.

Validation, schema inference, compilation and mapping read a role's facts here instead of
branching on the role, so a new row-creating family is one `RoleSpec` (and the `row_types`
section that names its columns in `contract/model.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from xml_migration.contract.model import RowTypes
from xml_migration.contract.tables import TableRole


class Rows(Enum):
    """How a document gives a table its rows."""

    DOCUMENT = "one row per document"
    EVIDENCE = "one row per document, when a column has evidence (§13.1)"
    CONTACT = "one row per selected contact (§8)"
    CHILD = "one row per qualifying child element of a written contact (§8.4)"
    ENTRY = "one row per mapping that yields a value (§9.7-§9.11)"
    GROUP = "one row per group number with evidence (§9.12, §9.13)"


class KeyColumn(Enum):
    """Whether a table's rows carry a key column, and who writes it."""

    NONE = "absent"
    MAPPED = "written by the key mapping"
    IMPLIED = "added to every row by the engine"


class Parameter(Enum):
    """What the parentheses of a row-creating entry hold (spec §9.4)."""

    NAME = "a non-empty name: add_score(ID)"
    TEXT = "a text, possibly empty, in required parentheses: add_report_lookup(KEY)"
    NONE = "nothing: add_history"
    NUMBER = "an integer: warranty_field(1)"
    NUMBER_OR_NOTES = "an integer, or nothing for the notes mapping: policy_exceptions()"


class EntryKey(Enum):
    """What identifies the row of an implied-column mapping."""

    PARAMETER = "the entry's parameter"
    NUMBER = "the entry's integer parameter"
    ATTRIBUTE = "the mapping's xml_attribute"
    BRACKETED_ATTRIBUTE = "the mapping's xml_attribute in brackets"


class EntryValue(Enum):
    """How an implied-column mapping's value is written."""

    TYPED = "converted to the mapping's data_type"
    TEXT = "as text of the mapping's data_length"
    FLAG = "a true-like text writes row_types.add_indicator.true_value; others no row"


class Extra(Enum):
    """What the third implied column of an implied-column family holds."""

    ELEMENT = "the source element's name in brackets"
    PARAMETER = "the entry's parameter (NULL when empty)"
    NOTES = "the value of the table's notes mapping"


class Slot(Enum):
    """What a column of a row-creating family's table holds."""

    IDENTIFIER = "the row's name, type, slot or number"
    VALUE = "the mapping's value"
    EXTRA = "the history source, report key or policy notes"
    MEMBERS = "the columns a group table's mappings write"


class LayoutColumn(NamedTuple):
    """A column of a row-creating family's table, after the application key."""

    slot: Slot
    field: str | None = None
    """The field of the family's `row_types` section that names the column (None: MEMBERS)."""


CASCADE = "CASCADE"
NO_ACTION = "NO ACTION"


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """The facts of one table role.

    `parent` is the role of the table the rows' foreign key references (on delete
    `on_delete`); `app_key`/`contact_key` say which key columns the rows carry.
    Row-creating families set `parameter` and `layout`, their columns in DDL order.
    Implied-column families also say what keys a row (`entry_key`),
    how the value is written (`value`), what the third column holds (`extra`), whether a
    contact selector may precede the entry and whether an `add_history` value falls back
    to earlier primary-role contacts (§9.9).
    """

    role: TableRole
    rows: Rows
    parent: TableRole | None
    on_delete: str = NO_ACTION
    app_key: KeyColumn = KeyColumn.IMPLIED
    contact_key: KeyColumn = KeyColumn.NONE
    parameter: Parameter | None = None
    layout: tuple[LayoutColumn, ...] = ()
    entry_key: EntryKey | None = None
    value: EntryValue | None = None
    extra: Extra | None = None
    selector_allowed: bool = True
    primary_role_fallback: bool = False

    @property
    def family(self) -> str | None:
        """The `mapping_type` entry that creates this table's rows (None: column tables)."""
        return None if self.parameter is None else self.role.value

    @property
    def implies_columns(self) -> bool:
        """Whether the engine lays out the columns (`target_column` is ignored)."""
        return self.rows is Rows.ENTRY

    @property
    def numbered(self) -> bool:
        """Whether the identifier column holds the entry's integer parameter."""
        return self.parameter in (Parameter.NUMBER, Parameter.NUMBER_OR_NOTES)

    def column(self, row_types: RowTypes, slot: Slot) -> str | None:
        """The name of the column in `slot` (None when the layout has no such column)."""
        field = next((column.field for column in self.layout if column.slot is slot), None)
        return None if field is None else getattr(getattr(row_types, self.role.value), field)


ROLES: dict[TableRole, RoleSpec] = {
    spec.role: spec
    for spec in (
        RoleSpec(TableRole.ROOT, Rows.DOCUMENT, parent=None, app_key=KeyColumn.MAPPED),
        RoleSpec(TableRole.CONTACT, Rows.CONTACT, TableRole.ROOT, contact_key=KeyColumn.MAPPED),
        RoleSpec(
            TableRole.CHILD,
            Rows.CHILD,
            TableRole.CONTACT,
            CASCADE,
            app_key=KeyColumn.NONE,
            contact_key=KeyColumn.IMPLIED,
        ),
        RoleSpec(TableRole.SINGLE_ROW, Rows.EVIDENCE, TableRole.ROOT, CASCADE),
        RoleSpec(
            TableRole.SCORE,
            Rows.ENTRY,
            TableRole.ROOT,
            parameter=Parameter.NAME,
            layout=(
                LayoutColumn(Slot.IDENTIFIER, "identifier_column"),
                LayoutColumn(Slot.VALUE, "value_column"),
            ),
            entry_key=EntryKey.PARAMETER,
            value=EntryValue.TYPED,
        ),
        RoleSpec(
            TableRole.INDICATOR,
            Rows.ENTRY,
            TableRole.ROOT,
            parameter=Parameter.NAME,
            layout=(
                LayoutColumn(Slot.IDENTIFIER, "identifier_column"),
                LayoutColumn(Slot.VALUE, "value_column"),
            ),
            entry_key=EntryKey.PARAMETER,
            value=EntryValue.FLAG,
        ),
        RoleSpec(
            TableRole.HISTORY,
            Rows.ENTRY,
            TableRole.ROOT,
            parameter=Parameter.NONE,
            layout=(
                LayoutColumn(Slot.IDENTIFIER, "name_column"),
                LayoutColumn(Slot.EXTRA, "source_column"),
                LayoutColumn(Slot.VALUE, "value_column"),
            ),
            entry_key=EntryKey.BRACKETED_ATTRIBUTE,
            value=EntryValue.TEXT,
            extra=Extra.ELEMENT,
            primary_role_fallback=True,
        ),
        RoleSpec(
            TableRole.REPORT_LOOKUP,
            Rows.ENTRY,
            TableRole.ROOT,
            parameter=Parameter.TEXT,
            layout=(
                LayoutColumn(Slot.IDENTIFIER, "name_column"),
                LayoutColumn(Slot.VALUE, "value_column"),
                LayoutColumn(Slot.EXTRA, "key_column"),
            ),
            entry_key=EntryKey.ATTRIBUTE,
            value=EntryValue.TEXT,
            extra=Extra.PARAMETER,
        ),
        RoleSpec(
            TableRole.POLICY_EXCEPTIONS,
            Rows.ENTRY,
            TableRole.ROOT,
            CASCADE,
            parameter=Parameter.NUMBER_OR_NOTES,
            layout=(
                LayoutColumn(Slot.IDENTIFIER, "type_column"),
                LayoutColumn(Slot.VALUE, "value_column"),
                LayoutColumn(Slot.EXTRA, "notes_column"),
            ),
            entry_key=EntryKey.NUMBER,
            value=EntryValue.TEXT,
            extra=Extra.NOTES,
            selector_allowed=False,
        ),
        RoleSpec(
            TableRole.WARRANTY,
            Rows.GROUP,
            TableRole.ROOT,
            CASCADE,
            parameter=Parameter.NUMBER,
            layout=(LayoutColumn(Slot.IDENTIFIER, "type_column"), LayoutColumn(Slot.MEMBERS)),
        ),
        RoleSpec(
            TableRole.COLLATERAL,
            Rows.GROUP,
            TableRole.ROOT,
            CASCADE,
            parameter=Parameter.NUMBER,
            layout=(LayoutColumn(Slot.MEMBERS), LayoutColumn(Slot.IDENTIFIER, "slot_column")),
        ),
    )
}

ROW_CREATING_FAMILIES: dict[str, TableRole] = {
    spec.family: role for role, spec in ROLES.items() if spec.family is not None
}
"""The `mapping_type` entries that create rows, and the role of the tables they write."""
