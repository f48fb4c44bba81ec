"""Loading and validating contracts (spec §17): every problem reported, named by mapping."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xml_migration.contract.errors import ContractError
from xml_migration.contract.loading import load_contract
from xml_migration_tests.compat.vectors import CONTRACT_PATH, contract_data

Mutation = Callable[[dict[str, Any]], None]


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ContractError) as raised:
        load_contract(data)
    return [str(problem) for problem in raised.value.problems]


def mapping(data: dict[str, Any], index: int) -> dict[str, Any]:
    return data["mappings"][index]


def test_compat_contract_loads_from_path_without_warnings() -> None:
    contract = load_contract(CONTRACT_PATH)
    assert len(contract.mappings) == 111
    assert contract.warnings == ()


def test_shipped_contract_loads() -> None:
    contract = load_contract(
        Path(__file__).parents[2] / "xml_migration" / "contracts" / "credit_application.json"
    )
    assert contract.mappings


def test_comma_separated_mapping_type_and_numeric_string_length_are_accepted() -> None:
    data = contract_data()
    mapping(data, 19)["mapping_type"] = "curr_address_only, numbers_only"
    mapping(data, 19)["data_length"] = "10"
    contract = load_contract(data)
    assert contract.mappings[19].mapping_type == ("curr_address_only", "numbers_only")
    assert contract.mappings[19].data_length == 10


def set_key(index: int, key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        mapping(data, index)[key] = value

    return mutate


def delete_key(index: int, key: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del mapping(data, index)[key]

    return mutate


def top(key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data[key] = value

    return mutate


def drop_top(key: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del data[key]

    return mutate


def rule(index: int, key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["element_filtering"]["filter_rules"][index][key] = value

    return mutate


def table_override(table: str, key: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["tables"].setdefault(table, {})[key] = value

    return mutate


def mapped_table_missing_from_order(data: dict[str, Any]) -> None:
    data["table_insertion_order"].remove("scores")


def duplicate_in_order(data: dict[str, Any]) -> None:
    data["table_insertion_order"].append("scores")


def child_before_parent(data: dict[str, Any]) -> None:
    order = data["table_insertion_order"]
    order.remove("app_contact_address")
    order.insert(0, "app_contact_address")


def second_app_key(data: dict[str, Any]) -> None:
    mapping(data, 5)["mapping_type"] = ["identity_insert"]


def second_contact_key(data: dict[str, Any]) -> None:
    mapping(data, 12)["mapping_type"] = ["identity_insert"]


def no_contact_key(data: dict[str, Any]) -> None:
    mapping(data, 10)["mapping_type"] = []


def second_contact_rule(data: dict[str, Any]) -> None:
    data["element_filtering"]["filter_rules"][1]["element_type"] = "contact"


def mixed_families(data: dict[str, Any]) -> None:
    mapping(data, 102)["mapping_type"] = ["add_indicator(X)"]


def column_mapping_in_row_table(data: dict[str, Any]) -> None:
    mapping(data, 102).update(mapping_type=[], target_column="score")


def no_discriminator(data: dict[str, Any]) -> None:
    mapping(data, 56)["xml_attribute"] = "other_tp"


def duplicate_score_id(data: dict[str, Any]) -> None:
    mapping(data, 102)["mapping_type"] = ["add_score(TESTSCORE_A)"]


def no_enum_mappings(data: dict[str, Any]) -> None:
    del data["enum_mappings"]


def no_bit_conversions(data: dict[str, Any]) -> None:
    del data["bit_conversions"]


def unknown_table_in_block(data: dict[str, Any]) -> None:
    data["tables"]["no_such_table"] = {"primary_key": ["app_id"]}


def unknown_column_in_block(data: dict[str, Any]) -> None:
    data["tables"]["app_base"]["primary_key"] = ["application_id"]


def relationship_with_unknown_column(data: dict[str, Any]) -> None:
    data["relationships"][0]["foreign_key_column"] = "application_id"


INVALID: dict[str, tuple[Mutation, str]] = {
    "unknown mapping type": (
        set_key(2, "mapping_type", ["enum", "frobnicate"]),
        "mappings[2] (app_base.app_source_enum), key 'mapping_type': unknown mapping type",
    ),
    "enum type without enum_mappings entry": (
        set_key(3, "enum_name", "no_such_enum"),
        "mappings[3] (app_base.app_type_enum), key 'enum_name': enum type 'no_such_enum'",
    ),
    "enum_mappings missing": (no_enum_mappings, "has no entry in enum_mappings"),
    "bit step without its map": (no_bit_conversions, "'char_to_bit' needs bit_conversions"),
    "duplicate target column": (
        set_key(7, "target_column", "receive_date"),
        "mappings[7] (app_base.receive_date), key 'target_column': column 'receive_date' is "
        "already written by mappings[5]",
    ),
    "column name not an identifier": (
        set_key(9, "target_column", "test app flag"),
        "mappings[9] (app_base.test app flag), key 'target_column': column name "
        "'test app flag' is not a plain SQL identifier",
    ),
    "table name not an identifier": (
        set_key(7, "target_table", "app_base; DROP TABLE x"),
        "is not a plain SQL identifier",
    ),
    "schema name not an identifier": (top("target_schema", "x.y"), "key 'target_schema'"),
    "identifier too long": (set_key(7, "target_column", "c" * 64), "longer than 63"),
    "unparsable expression": (
        set_key(30, "expression", "CASE WHEN a = 1 THEN 2 ELSE END"),
        "mappings[30] (app_operational.regb_start_date), key 'expression': expression does "
        "not compile",
    ),
    "condition for a non-bit column": (set_key(34, "expression", "a = 1"), "condition"),
    "calculated_field without expression": (
        delete_key(30, "expression"),
        "calculated_field needs an expression",
    ),
    "row-creating entry without its argument": (
        set_key(101, "mapping_type", ["add_score()"]),
        "mappings[101] (scores), key 'mapping_type': 'add_score()' needs a non-empty parameter",
    ),
    "numbered entry with a non-integer": (
        set_key(89, "mapping_type", ["warranty_field(A)"]),
        "needs an integer parameter",
    ),
    "row-creating entry not last": (
        set_key(78, "mapping_type", ["add_collateral(1)", "numbers_only"]),
        'mapping_type ["add_collateral(1)", "numbers_only"]: the row-creating entry must be '
        'last; write ["numbers_only", "add_collateral(1)"]',
    ),
    "source step not first": (
        set_key(19, "mapping_type", ["numbers_only", "curr_address_only"]),
        'mapping_type ["numbers_only", "curr_address_only"]: the source step must be first; '
        'write ["curr_address_only", "numbers_only"]',
    ),
    "policy exception with another entry": (
        set_key(99, "mapping_type", ["numbers_only", "policy_exceptions(951)"]),
        "policy_exceptions allows no other entry",
    ),
    "score with a value step": (
        set_key(101, "mapping_type", ["numbers_only", "add_score(TESTSCORE_A)"]),
        "is the entry alone or a contact selector",
    ),
    "duplicate row key": (duplicate_score_id, "produce the same row key 'TESTSCORE_A'"),
    "unconvertible default": (
        set_key(5, "default_value", "not a date"),
        "key 'default_value': default 'not a date' does not convert to datetime",
    ),
    "default out of range": (set_key(43, "default_value", 300), "does not convert to tinyint"),
    "unknown data_type": (set_key(7, "data_type", "varchar"), "mappings[7] (app_base.ip_address)"),
    "missing xml_attribute": (
        delete_key(7, "xml_attribute"),
        "key 'xml_attribute': Field required",
    ),
    "missing top-level key": (drop_top("xml_root_element"), "key 'xml_root_element'"),
    "empty mappings": (top("mappings", []), "key 'mappings'"),
    "mapped table missing from insertion order": (
        mapped_table_missing_from_order,
        "table 'scores' is written by mappings but not listed",
    ),
    "table listed twice": (duplicate_in_order, "table 'scores' is listed 2 times"),
    "child before its parent": (child_before_parent, "must come after its parent"),
    "two application key mappings": (second_app_key, "exactly one mapping with identity_insert"),
    "two contact key mappings": (second_contact_key, "at most one mapping with identity_insert"),
    "child tables without contact key": (no_contact_key, "a contact key mapping"),
    "two contact rules": (second_contact_rule, "exactly one rule must have element_type"),
    "required attribute of wrong form": (
        rule(1, "required_attributes", {"addr_tp": "CURR"}),
        "must map to true or to a non-empty list",
    ),
    "two list entries in required attributes": (
        rule(0, "required_attributes", {"con_id": ["1"], "party_role": ["PR"]}),
        "exactly one entry must be a list",
    ),
    "child rule not under the contact path": (
        rule(1, "xml_child_path", "/Provenir/Request/CustData/application/contact_address"),
        "must be the contact path plus exactly one element name",
    ),
    "contact path outside the container": (
        rule(0, "xml_child_path", "/Provenir/Request/contact"),
        "must lie inside the application container",
    ),
    "mixed row-creating families": (mixed_families, "mixes add_indicator and add_score"),
    "column mapping in a row-creating table": (column_mapping_in_row_table, "with column mappings"),
    "child table without discriminator": (no_discriminator, "(the discriminator column)"),
    "curr_address_only outside the contact table": (
        set_key(24, "mapping_type", ["curr_address_only"]),
        "curr_address_only is allowed only in mappings of the contact table",
    ),
    "contact selector above the contact path": (
        set_key(7, "mapping_type", ["last_valid_pr_contact"]),
        "needs an xml_path at or below the contact path",
    ),
    "malformed xml_path": (set_key(7, "xml_path", "Provenir//x"), "not an absolute element path"),
    "unknown table in the tables block": (unknown_table_in_block, "no_such_table"),
    "unknown column in the tables block": (
        unknown_column_in_block,
        "tables.app_base, key 'primary_key': column 'application_id' is not a column",
    ),
    "unsafe SQL type override": (
        table_override("app_base", "sql_types", {"ip_address": "VARCHAR(39); DROP TABLE x"}),
        "is not a plain type name",
    ),
    "bad relationship": (relationship_with_unknown_column, "relationships[0]"),
}


@pytest.mark.parametrize("case", sorted(INVALID), ids=str)
def test_invalid_contract_is_rejected_with_a_named_problem(case: str) -> None:
    mutate, expected = INVALID[case]
    data = contract_data()
    mutate(data)
    problems = problems_of(data)
    assert any(expected in problem for problem in problems), problems


def test_five_different_mistakes_are_all_reported() -> None:
    data = contract_data()
    for mutate, _ in (
        INVALID["unknown mapping type"],
        INVALID["enum type without enum_mappings entry"],
        INVALID["duplicate target column"],
        INVALID["column name not an identifier"],
        INVALID["unparsable expression"],
    ):
        mutate(data)
    problems = problems_of(data)
    assert len(problems) == 5, problems
    assert [p.split(",")[0] for p in problems] == [
        "mappings[2] (app_base.app_source_enum)",
        "mappings[3] (app_base.app_type_enum)",
        "mappings[9] (app_base.test app flag)",
        "mappings[30] (app_operational.regb_start_date)",
        "mappings[7] (app_base.receive_date)",
    ]


def test_expression_error_shows_a_caret_under_the_offending_token() -> None:
    data = contract_data()
    set_key(30, "expression", "CASE WHEN a = 1 THEN 2 ELSE END")(data)
    (problem,) = problems_of(data)
    assert problem.splitlines()[-1].strip() == "^"
    assert problem.splitlines()[-1].index("^") == problem.splitlines()[-2].index("END")


def test_a_shape_error_does_not_hide_the_other_problems() -> None:
    data = contract_data()
    set_key(7, "data_type", "varchar")(data)
    set_key(3, "enum_name", "no_such_enum")(data)
    problems = problems_of(data)
    assert len(problems) == 2, problems


def test_warnings_are_collected_on_the_contract() -> None:
    data = contract_data()
    data["unexpected_top_level"] = 1
    mapping(data, 8)["colour"] = "blue"
    mapping(data, 7)["expression"] = "1"
    mapping(data, 101)["target_column"] = "score"
    mapping(data, 9)["required"] = True
    data["source_application_table"] = "IL_application"
    warnings = [str(w) for w in load_contract(data).warnings]
    assert warnings == [
        "contract, key 'unexpected_top_level': unknown key, ignored",
        "mappings[8] (app_base.retain_until_date), key 'colour': unknown key, ignored",
        "contract, key 'source_application_table': 'IL_application' differs from the last "
        "segment of xml_application_path ('application')",
        "mappings[7] (app_base.ip_address), key 'expression': ignored: the chain has no "
        "calculated_field",
        "mappings[9] (app_base.test_app_flag), key 'required': required=true is inconsistent "
        "with nullable=true (only nullable is used)",
        "mappings[101] (scores.score), key 'target_column': ignored: the columns of add_score "
        "tables are implied",
    ]


def test_unreadable_and_malformed_files_are_contract_errors(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="cannot be read"):
        load_contract(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"mappings": [', encoding="utf-8")
    with pytest.raises(ContractError, match="is not valid JSON"):
        load_contract(broken)


def test_default_values_are_converted_at_load(tmp_path: Path) -> None:
    data = contract_data()
    mapping(data, 50)["default_value"] = False
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_contract(path).mappings[50].default_value is False
