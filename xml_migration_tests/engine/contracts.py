"""Small contracts and documents for the engine's unit tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xml_migration.contract.compiler import compile_contract
from xml_migration.contract.loading import load_contract
from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine.mapper import map_document
from xml_migration.engine.outcome import DocumentFailure, MappedDocument

APP = "/Root/Request/Data/app"
CONTACT = f"{APP}/person"
ADDRESS = f"{CONTACT}/address"
NOW = datetime(2030, 1, 2, 3, 4, 5)

PATHS = {"app": APP, "contact": CONTACT, "address": ADDRESS, "product": f"{APP}/product"}


def mapping(
    where: str,
    attribute: str,
    table: str,
    column: str = "",
    data_type: str = "string",
    **extra: Any,
) -> dict[str, Any]:
    """A mapping entry; `where` is a key of PATHS or an absolute path."""
    return {
        "xml_path": PATHS.get(where, where),
        "xml_attribute": attribute,
        "target_table": table,
        "target_column": column,
        "data_type": data_type,
        **extra,
    }


BASE_MAPPINGS = [
    mapping("/Root/Request", "key", "base", "app_key", "int", mapping_type=["identity_insert"]),
    mapping("contact", "pid", "people", "person_id", "int", mapping_type=["identity_insert"]),
    mapping("contact", "role", "people", "role_code", "string", data_length=5),
    mapping("address", "kind", "addresses", "kind", "string", data_length=4),
]

ENUMS = {
    "colour": {"RED": 1, "Green": 2},
    "size": {"S": 10, "M": 11, "": 19},
    "label": {"A": "alpha", "B": "beta"},
}
BITS = {
    "char_to_bit": {"Y": 1, "N": 0, "": 0},
    "boolean_to_bit": {"true": 1, "yes": 1, "false": 0, "no": 0, "": 0},
}


def contract(*mappings: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A contract over BASE_MAPPINGS plus `mappings`; top-level keys can be overridden."""
    all_mappings = [*BASE_MAPPINGS, *mappings]
    order = ["base", "people"]
    for entry in all_mappings:
        if entry["target_table"] not in order:
            order.append(entry["target_table"])
    data: dict[str, Any] = {
        "xml_root_element": "Root",
        "xml_application_path": APP,
        "source_table": "source_docs",
        "source_column": "doc",
        "table_insertion_order": order,
        "element_filtering": {
            "filter_rules": [
                {
                    "element_type": "contact",
                    "xml_parent_path": APP,
                    "xml_child_path": CONTACT,
                    "required_attributes": {"pid": True, "role": ["MAIN", "CO"]},
                    "meaningful_attributes": ["name"],
                },
                {
                    "element_type": "address",
                    "xml_parent_path": CONTACT,
                    "xml_child_path": ADDRESS,
                    "required_attributes": {"kind": ["HOME", "WORK"]},
                },
            ]
        },
        "mappings": all_mappings,
        "enum_mappings": ENUMS,
        "bit_conversions": BITS,
    }
    data.update(top)
    return data


def plan_of(*mappings: dict[str, Any], **top: Any) -> CompiledPlan:
    return compile_contract(load_contract(contract(*mappings, **top)))


def document(app: str = "", body: str = "", outside: str = "", key: str = "5") -> str:
    """A document: `app` are the application element's attributes, `body` its content."""
    return (
        f'<Root><Request key="{key}"><Data><app {app}>{body}</app>{outside}</Data>'
        "<Reports><app x='report'/></Reports></Request></Root>"
    )


def person(attributes: str, children: str = "") -> str:
    return f"<person {attributes}>{children}</person>"


def mapped(plan: CompiledPlan, raw: str, key: int = 5) -> MappedDocument:
    outcome = map_document(plan, key, raw, now=NOW)
    assert isinstance(outcome, MappedDocument), outcome
    return outcome


def failed(plan: CompiledPlan, raw: str, key: int = 5) -> DocumentFailure:
    outcome = map_document(plan, key, raw, now=NOW)
    assert isinstance(outcome, DocumentFailure), outcome
    return outcome


def rows(plan: CompiledPlan, outcome: MappedDocument, table: str) -> list[dict[str, Any]]:
    """A table's rows as dicts keyed by column name."""
    names = plan.target.table(table).column_names
    return [dict(zip(names, row, strict=True)) for row in outcome.rows.get(table, [])]


def value(plan: CompiledPlan, raw: str, table: str, column: str) -> Any:
    """The one row's value of a column (the table must have exactly one row)."""
    (row,) = rows(plan, mapped(plan, raw), table)
    return row[column]
