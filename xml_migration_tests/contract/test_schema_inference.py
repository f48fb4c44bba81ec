"""Schema inference (spec §16): columns, keys, SQL types and nullability of every role."""

from __future__ import annotations

from typing import Any

import pytest

from xml_migration.contract.loading import contract_structure, load_contract
from xml_migration.contract.tables import (
    ColumnSpec,
    DataType,
    ForeignKeySpec,
    TableRole,
    TargetSchema,
)
from xml_migration_tests.compat.vectors import contract_data


def schema_of(data: dict[str, Any]) -> TargetSchema:
    return contract_structure(load_contract(data)).target


@pytest.fixture(scope="module")
def compat_schema() -> TargetSchema:
    return schema_of(contract_data())


def test_tables_follow_insertion_order_without_the_processing_log(
    compat_schema: TargetSchema,
) -> None:
    assert [(t.name, t.role) for t in compat_schema.tables] == [
        ("app_base", TableRole.ROOT),
        ("app_contact_base", TableRole.CONTACT),
        ("app_operational", TableRole.SINGLE_ROW),
        ("app_pricing", TableRole.SINGLE_ROW),
        ("app_contact_address", TableRole.CHILD),
        ("app_contact_employment", TableRole.CHILD),
        ("app_collateral_rl", TableRole.COLLATERAL),
        ("app_warranties_rl", TableRole.WARRANTY),
        ("app_policy_exceptions_rl", TableRole.POLICY_EXCEPTIONS),
        ("scores", TableRole.SCORE),
        ("indicators", TableRole.INDICATOR),
        ("app_historical_lookup", TableRole.HISTORY),
        ("app_report_results_lookup", TableRole.REPORT_LOOKUP),
    ]
    assert compat_schema.schema == "migration_test"
    assert compat_schema.app_key_column == "app_id"
    assert compat_schema.app_key_type is DataType.INT
    assert compat_schema.contact_table == "app_contact_base"
    assert compat_schema.contact_key_column == "con_id"
    assert compat_schema.source_table == "app_xml_staging_test"
    assert compat_schema.source_column == "app_XML"
    assert compat_schema.source_key_column == "app_id"
    assert compat_schema.processing_log_table == "processing_log"


def test_column_order_and_types(compat_schema: TargetSchema) -> None:
    contact = compat_schema.table("app_contact_base")
    assert contact.column_names[:4] == ("con_id", "app_id", "contact_type_enum", "first_name")
    assert contact.column("ssn") == ColumnSpec(
        "ssn", DataType.STRING, nullable=False, length=9, sql_type="CHAR(9)"
    )
    address = compat_schema.table("app_contact_address")
    assert address.column_names[:3] == ("con_id", "address_type_enum", "street_number")
    pricing = compat_schema.table("app_pricing")
    assert pricing.column("promo_apr").scale == 5
    assert pricing.column("debt_ratio").scale == 4
    assert pricing.column("annual_fee").data_type is DataType.TINYINT
    collateral = compat_schema.table("app_collateral_rl")
    assert collateral.column_names == (
        "app_id",
        "collateral_type_enum",
        "make",
        "model",
        "year",
        "used_flag",
        "wholesale_value",
        "vin",
        "sort_order",
    )
    assert collateral.column("sort_order") == ColumnSpec(
        "sort_order", DataType.SMALLINT, nullable=False
    )
    warranty = compat_schema.table("app_warranties_rl")
    assert warranty.column_names[:2] == ("app_id", "warranty_type_enum")
    history = compat_schema.table("app_historical_lookup")
    assert history.column_names == ("app_id", "name", "source", "value")
    assert history.column("value").length == 40
    assert history.column("name") == ColumnSpec("name", DataType.STRING, False, 100)
    report = compat_schema.table("app_report_results_lookup")
    assert report.column_names == ("app_id", "name", "value", "source_report_key")
    assert report.column("value").length == 250
    assert report.column("source_report_key").nullable
    policy = compat_schema.table("app_policy_exceptions_rl")
    assert policy.column_names == ("app_id", "policy_exception_type_enum", "reason_code", "notes")
    assert policy.column("notes").length == 100
    assert compat_schema.table("scores").column("score").data_type is DataType.INT


def test_nullability(compat_schema: TargetSchema) -> None:
    base = compat_schema.table("app_base")
    assert not base.column("receive_date").nullable
    assert base.column("decision_date").nullable
    collateral = compat_schema.table("app_collateral_rl")
    assert not collateral.column("make").nullable
    assert collateral.column("model").nullable


def test_inferred_keys_without_tables_block() -> None:
    data = contract_data()
    del data["tables"]
    schema = schema_of(data)
    keys = {t.name: (t.primary_key, t.foreign_keys) for t in schema.tables}
    app = ("app_id",)
    assert keys["app_base"] == (app, ())
    assert keys["app_contact_base"] == (
        ("con_id",),
        (ForeignKeySpec(app, "app_base", app, "NO ACTION"),),
    )
    assert keys["app_operational"] == (app, (ForeignKeySpec(app, "app_base", app, "CASCADE"),))
    assert keys["app_contact_address"] == (
        ("con_id", "address_type_enum"),
        (ForeignKeySpec(("con_id",), "app_contact_base", ("con_id",), "CASCADE"),),
    )
    assert keys["app_collateral_rl"][0] == ("app_id", "sort_order")
    assert keys["app_warranties_rl"][0] == ("app_id", "warranty_type_enum")
    assert keys["app_policy_exceptions_rl"][1][0].on_delete == "CASCADE"
    assert keys["scores"] == (
        ("app_id", "score_identifier"),
        (ForeignKeySpec(app, "app_base", app, "NO ACTION"),),
    )
    assert keys["app_historical_lookup"][0] == ("app_id", "name")


def test_row_types_rename_implied_columns() -> None:
    data = contract_data()
    del data["tables"]
    data["row_types"] = {
        "add_score": {"identifier_column": "score_name", "value_column": "score_value"},
        "add_collateral": {"slot_column": "slot"},
    }
    schema = schema_of(data)
    assert schema.table("scores").column_names == ("app_id", "score_name", "score_value")
    assert schema.table("app_collateral_rl").column_names[-1] == "slot"


def test_string_length_is_the_largest_and_decimal_precision_follows_sql_type() -> None:
    data = contract_data()
    data["mappings"][83]["data_length"] = 35
    data["tables"]["app_pricing"]["sql_types"] = {"purchase_apr": "DECIMAL(9, 2)"}
    schema = schema_of(data)
    assert schema.table("app_collateral_rl").column("make").length == 35
    assert schema.table("app_pricing").column("purchase_apr").precision == 9
