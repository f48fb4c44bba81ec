"""`diff_contracts`: every kind of change between two contracts, found where it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xml_migration.contract.diff import Change, ChangeKind, diff_contracts
from xml_migration.contract.loading import load_contract
from xml_migration_tests.compat.vectors import contract_data

Edit = Callable[[dict[str, Any]], None]


def _mapping(data: dict[str, Any], table: str, column: str) -> dict[str, Any]:
    return next(
        m
        for m in data["mappings"]
        if m["target_table"] == table and m.get("target_column") == column
    )


def _set(table: str, column: str, key: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        _mapping(data, table, column)[key] = value

    return edit


def _add_column(data: dict[str, Any]) -> None:
    data["mappings"].append(
        {
            "xml_path": "/Provenir/Request/CustData/application",
            "xml_attribute": "loyalty",
            "target_table": "app_base",
            "target_column": "loyalty_tier",
            "data_type": "string",
            "data_length": 12,
        }
    )


def _drop_table(data: dict[str, Any]) -> None:
    """Removes `indicators` (and its entry in `relationships`, a row-neutral change)."""
    data["mappings"] = [m for m in data["mappings"] if m["target_table"] != "indicators"]
    data["table_insertion_order"].remove("indicators")
    del data["tables"]["indicators"]
    data["relationships"] = [r for r in data["relationships"] if r["child_table"] != "indicators"]


def _drop_score(data: dict[str, Any]) -> None:
    data["mappings"] = [
        m for m in data["mappings"] if m.get("mapping_type") != ["add_score(TESTSCORE_B)"]
    ]


def _enum_value(data: dict[str, Any]) -> None:
    data["enum_mappings"]["app_type"]["ZZ"] = 99


def _key(data: dict[str, Any]) -> None:
    data["tables"]["app_contact_employment"]["primary_key"] = ["con_id"]


def _sql_type(data: dict[str, Any]) -> None:
    data["tables"]["app_contact_base"]["sql_types"]["ssn"] = "VARCHAR(9)"


def _bits(data: dict[str, Any]) -> None:
    data["bit_conversions"]["char_to_bit"]["J"] = 1


def _relationships(data: dict[str, Any]) -> None:
    data["relationships"] = data["relationships"][1:]


def _first_expression(data: dict[str, Any]) -> None:
    mapping = _mapping(data, "app_contact_address", "months_at_address")
    mapping["expression"] = mapping["expression"] + " + 0"


CASES: list[tuple[str, Edit, ChangeKind, str | None, str | None, bool]] = [
    ("column added", _add_column, ChangeKind.COLUMN_ADDED, "app_base", "loyalty_tier", True),
    (
        "type",
        _set("app_base", "receive_date", "data_type", "date"),
        ChangeKind.TYPE_CHANGED,
        "app_base",
        "receive_date",
        True,
    ),
    (
        "length",
        _set("app_base", "ip_address", "data_length", 45),
        ChangeKind.LENGTH_CHANGED,
        "app_base",
        "ip_address",
        True,
    ),
    (
        "nullable",
        _set("app_base", "decision_date", "nullable", False),
        ChangeKind.NULLABLE_CHANGED,
        "app_base",
        "decision_date",
        True,
    ),
    ("key", _key, ChangeKind.KEY_CHANGED, "app_contact_employment", None, True),
    ("sql type", _sql_type, ChangeKind.SCHEMA_CHANGED, "app_contact_base", "ssn", False),
    (
        "source",
        _set("app_base", "ip_address", "xml_attribute", "ip_addr"),
        ChangeKind.SOURCE_CHANGED,
        "app_base",
        "ip_address",
        True,
    ),
    (
        "chain",
        _set("app_pricing", "campaign_num", "mapping_type", ["numbers_only"]),
        ChangeKind.CHAIN_CHANGED,
        "app_pricing",
        "campaign_num",
        True,
    ),
    (
        "expression",
        _first_expression,
        ChangeKind.EXPRESSION_CHANGED,
        "app_contact_address",
        "months_at_address",
        True,
    ),
    (
        "default",
        _set("app_contact_address", "city", "default_value", "NONE"),
        ChangeKind.DEFAULT_CHANGED,
        "app_contact_address",
        "city",
        True,
    ),
    ("enum values", _enum_value, ChangeKind.ENUM_CHANGED, "app_base", "app_type_enum", True),
    (
        "required",
        _set("app_base", "decision_date", "required", True),
        ChangeKind.MAPPING_CHANGED,
        "app_base",
        "decision_date",
        True,
    ),
    ("row mapping removed", _drop_score, ChangeKind.MAPPING_REMOVED, "scores", None, True),
    ("table removed", _drop_table, ChangeKind.TABLE_REMOVED, "indicators", None, True),
    ("bit conversions", _bits, ChangeKind.CONTRACT_CHANGED, None, None, True),
    ("relationships", _relationships, ChangeKind.CONTRACT_CHANGED, None, None, False),
]


def _diff(edit: Edit, *, reverse: bool = False) -> list[Change]:
    old, new = contract_data(), contract_data()
    edit(new)
    if reverse:
        old, new = new, old
    return list(diff_contracts(load_contract(old), load_contract(new)).changes)


@pytest.mark.parametrize(
    ("edit", "kind", "table", "column", "changes_rows"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_kind_of_change_is_found_where_it_is(
    edit: Edit, kind: ChangeKind, table: str | None, column: str | None, changes_rows: bool
) -> None:
    changes = [c for c in _diff(edit) if c.new != "relationships" or edit is _relationships]
    assert [(c.kind, c.table) for c in changes] == [(kind, table)], changes
    assert column is None or changes[0].column == column
    assert changes[0].changes_rows is changes_rows


def test_reversed_additions_are_removals() -> None:
    assert [c.kind for c in _diff(_add_column, reverse=True)] == [ChangeKind.COLUMN_REMOVED]
    assert [c.kind for c in _diff(_drop_table, reverse=True)] == [
        ChangeKind.TABLE_ADDED,
        ChangeKind.CONTRACT_CHANGED,
    ]
    assert [c.kind for c in _diff(_drop_score, reverse=True)] == [ChangeKind.MAPPING_ADDED]


def test_descriptions_alone_are_no_difference() -> None:
    data = contract_data()
    changed = contract_data()
    changed["mappings"][4]["description"] = "a new text"
    diff = diff_contracts(load_contract(data), load_contract(changed))
    assert diff.changes == ()
    assert not diff.changes_rows
    assert diff.old_fingerprint == diff.new_fingerprint


def test_row_changes_name_their_tables_and_contract_changes_name_all() -> None:
    old, new = contract_data(), contract_data()
    _set("app_pricing", "campaign_num", "mapping_type", ["numbers_only"])(new)
    _sql_type(new)
    diff = diff_contracts(load_contract(old), load_contract(new))
    assert diff.tables_with_row_changes == ("app_pricing",)
    _bits(new)
    diff = diff_contracts(load_contract(old), load_contract(new))
    assert diff.tables_with_row_changes == diff.new_tables
