"""The table-role registry: one complete, consistent entry per role."""

from __future__ import annotations

import pytest

from xml_migration.contract.model import RowTypes
from xml_migration.contract.roles import ROLES, ROW_CREATING_FAMILIES, KeyColumn, Rows, Slot
from xml_migration.contract.tables import TableRole


def test_every_role_has_one_entry() -> None:
    assert set(ROLES) == set(TableRole)
    assert all(role is spec.role for role, spec in ROLES.items())


def test_the_row_creating_families_are_the_row_types_sections() -> None:
    assert set(ROW_CREATING_FAMILIES) == set(RowTypes.model_fields)


@pytest.mark.parametrize("role", sorted(ROW_CREATING_FAMILIES.values()))
def test_a_family_lays_out_an_identifier_and_names_only_row_types_columns(
    role: TableRole,
) -> None:
    spec = ROLES[role]
    section = RowTypes.model_fields[role.value].annotation
    assert section is not None
    fields = [column.field for column in spec.layout if column.field is not None]
    assert set(fields) <= set(section.model_fields)
    assert [column.slot for column in spec.layout].count(Slot.IDENTIFIER) == 1
    assert spec.column(RowTypes(), Slot.IDENTIFIER) is not None


@pytest.mark.parametrize("role", sorted(ROW_CREATING_FAMILIES.values()))
def test_implied_column_families_say_how_their_rows_are_keyed_and_written(
    role: TableRole,
) -> None:
    spec = ROLES[role]
    if spec.rows is Rows.ENTRY:
        assert spec.entry_key is not None and spec.value is not None
        assert spec.column(RowTypes(), Slot.VALUE) is not None
        assert (spec.extra is None) is (spec.column(RowTypes(), Slot.EXTRA) is None)
    else:
        assert spec.rows is Rows.GROUP
        assert Slot.MEMBERS in [column.slot for column in spec.layout]


def test_a_parent_role_is_a_table_whose_rows_carry_their_own_key() -> None:
    for spec in ROLES.values():
        if spec.parent is None:
            assert spec.rows is Rows.DOCUMENT
            continue
        parent = ROLES[spec.parent]
        assert KeyColumn.MAPPED in (parent.app_key, parent.contact_key)
