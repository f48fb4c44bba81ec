"""The wider legacy dialect at load time (spec §19.1–§19.3, §19.5, D19).

Each test changes one mapping of the compat contract and looks at what the loaded contract
made of it: the column of the inferred schema, the converted default, or the problem.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from xml_migration.contract.errors import ContractError
from xml_migration.contract.loading import contract_structure, load_contract
from xml_migration.contract.tables import ColumnSpec, DataType
from xml_migration.contract.values import CurrentTimeDefault
from xml_migration_tests.compat.vectors import contract_data

IP_ADDRESS = 7
"""app_base.ip_address: string, data_length 39."""
DECISION_DATE = 6
"""app_base.decision_date: datetime."""
PURCHASE_APR = 44
"""app_pricing.purchase_apr: decimal, data_length 2."""
REQUESTED_LIMIT = 55
"""app_pricing.requested_limit: int."""
WARRANTY_COMPANY = (89, 93)
"""app_warranties_rl.company_name in warranty groups 901 and 902: string, data_length 30."""
HISTORY_VALUE = 108
"""app_historical_lookup, add_history: string, data_length 40."""

ABSENT = object()


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ContractError) as raised:
        load_contract(data)
    return [str(problem) for problem in raised.value.problems]


def changed(index: int, data_type: str | None = None, data_length: object = ABSENT) -> dict:
    """The compat contract with one mapping's data_type and/or data_length replaced."""
    data = contract_data()
    mapping = data["mappings"][index]
    if data_type is not None:
        mapping["data_type"] = data_type
    if data_length is None:
        mapping.pop("data_length", None)
    elif data_length is not ABSENT:
        mapping["data_length"] = data_length
    return data


def column(data: dict[str, Any], table: str, name: str) -> ColumnSpec:
    return contract_structure(load_contract(data)).target.table(table).column(name)


def ip_address(data_type: str, data_length: object = None) -> ColumnSpec:
    return column(changed(IP_ADDRESS, data_type, data_length), "app_base", "ip_address")


def purchase_apr(data_type: str, data_length: object = None) -> ColumnSpec:
    return column(changed(PURCHASE_APR, data_type, data_length), "app_pricing", "purchase_apr")


# -- §19.1: one test per row of the table --------------------------------------------


@pytest.mark.parametrize("spelling", ["varchar(12)", "NVARCHAR( 12 )", "char(12)", "nChar(12)"])
def test_varchar_nvarchar_char_nchar_n_are_strings_of_length_n(spelling: str) -> None:
    spec = ip_address(spelling)
    assert (spec.data_type, spec.length) == (DataType.STRING, 12)
    assert ip_address(spelling, 12).length == 12


@pytest.mark.parametrize(
    "spelling", ["varchar(max)", "NVARCHAR(MAX)", "nvarchar( Max )", "text", "NTEXT"]
)
def test_max_types_and_text_are_strings_without_limit(spelling: str) -> None:
    spec = ip_address(spelling)
    assert (spec.data_type, spec.length) == (DataType.STRING, None)
    assert ip_address(spelling, -1).length is None
    assert ip_address(spelling, "max").length is None


@pytest.mark.parametrize("spelling", ["decimal(12,4)", "NUMERIC( 12 , 4 )"])
def test_decimal_and_numeric_p_s_give_scale_and_precision(spelling: str) -> None:
    spec = purchase_apr(spelling)
    assert (spec.data_type, spec.precision, spec.scale) == (DataType.DECIMAL, 12, 4)
    assert purchase_apr(spelling, 4).scale == 4


@pytest.mark.parametrize(
    ("spelling", "data_length", "precision", "scale"),
    [
        ("decimal", None, 18, 2),
        ("DECIMAL", 3, 18, 3),
        ("numeric", None, 18, 2),
        ("numeric", 5, 18, 5),
        ("decimal(10)", None, 10, 0),
        ("numeric(7)", 0, 7, 0),
    ],
)
def test_decimal_without_scale_takes_zero_with_a_precision_else_data_length_or_2(
    spelling: str, data_length: int | None, precision: int, scale: int
) -> None:
    spec = purchase_apr(spelling, data_length)
    assert (spec.data_type, spec.precision, spec.scale) == (DataType.DECIMAL, precision, scale)


def test_money_is_decimal_19_4() -> None:
    spec = purchase_apr("money")
    assert (spec.data_type, spec.precision, spec.scale) == (DataType.DECIMAL, 19, 4)


@pytest.mark.parametrize("spelling", ["int", "INTEGER", "Int"])
def test_int_and_integer_are_int(spelling: str) -> None:
    data = changed(REQUESTED_LIMIT, spelling)
    assert column(data, "app_pricing", "requested_limit").data_type is DataType.INT


@pytest.mark.parametrize("spelling", ["datetime2", "DATETIME2(7)", "datetime2( 0 )"])
def test_datetime2_is_datetime(spelling: str) -> None:
    data = changed(DECISION_DATE, spelling)
    assert column(data, "app_base", "decision_date").data_type is DataType.DATETIME


@pytest.mark.parametrize("name", [data_type.value for data_type in DataType])
def test_the_names_of_section_4_are_accepted_in_any_case(name: str) -> None:
    data = changed(REQUESTED_LIMIT, name.upper(), None)
    assert column(data, "app_pricing", "requested_limit").data_type is DataType(name)


@pytest.mark.parametrize(
    ("index", "spelling", "data_length", "message"),
    [
        (
            IP_ADDRESS,
            "varchar(10)",
            39,
            "data_type 'varchar(10)' says length 10 but data_length says 39; they must agree",
        ),
        (
            IP_ADDRESS,
            "nvarchar(max)",
            39,
            "data_type 'nvarchar(max)' says length no limit but data_length says 39",
        ),
        (
            IP_ADDRESS,
            "char(9)",
            -1,
            "data_type 'char(9)' says length 9 but data_length says no limit",
        ),
        (
            PURCHASE_APR,
            "decimal(12,2)",
            3,
            "data_type 'decimal(12,2)' says scale 2 but data_length says 3; they must agree",
        ),
        (PURCHASE_APR, "money", 2, "data_type 'money' says scale 4 but data_length says 2"),
        (
            PURCHASE_APR,
            "decimal(10)",
            2,
            "data_type 'decimal(10)' says scale 0 but data_length says 2",
        ),
    ],
)
def test_a_spelled_length_or_scale_must_agree_with_data_length(
    index: int, spelling: str, data_length: int, message: str
) -> None:
    [problem] = problems_of(changed(index, spelling, data_length))
    assert f"key 'data_type': {message}" in problem


@pytest.mark.parametrize(
    ("spelling", "message"),
    [
        ("varchar(0)", "'varchar(0)': the length must be a whole number >= 1"),
        ("char(max)", "'char(max)': the length must be a whole number >= 1"),
        ("varchar(-1)", "'varchar(-1)': the length must be a whole number >= 1"),
        ("decimal(39,2)", "'decimal(39,2)': write decimal(p,s) with 1 <= p <= 38 and 0 <= s <= p"),
        ("numeric(5,6)", "'numeric(5,6)': write numeric(p,s) with 1 <= p <= 38 and 0 <= s <= p"),
        ("decimal(0)", "'decimal(0)': write decimal(p,s) with 1 <= p <= 38"),
        ("datetime2(8)", "'datetime2(8)': the fractional second digits must be 0 to 7"),
    ],
)
def test_out_of_range_spellings_are_contract_errors(spelling: str, message: str) -> None:
    [problem] = problems_of(changed(IP_ADDRESS, spelling, None))
    assert problem.startswith("mappings[7] (app_base.ip_address), key 'data_type': " + message)


@pytest.mark.parametrize(
    "spelling", ["float", "real", "xml", "varchar", "int(4)", "decimal(1,2,3)", "varchar (10)", ""]
)
def test_any_other_spelling_is_an_error_listing_the_accepted_names(spelling: str) -> None:
    [problem] = problems_of(changed(IP_ADDRESS, spelling, None))
    if spelling:
        assert f"{spelling!r} is not an accepted data_type; write one of string, int," in problem
        assert "varchar(n), nvarchar(n), char(n), nchar(n), varchar(max)" in problem
        assert "decimal(p,s), numeric(p,s), numeric, money, integer, datetime2" in problem
    else:
        assert "key 'data_type'" in problem


# -- §19.2: no length limit (D19) ----------------------------------------------------


@pytest.mark.parametrize("length", [-1, "-1", "max", "MAX", " Max "])
def test_data_length_minus_one_or_max_means_no_limit(length: object) -> None:
    data = changed(IP_ADDRESS, data_length=length)
    assert load_contract(data).mappings[IP_ADDRESS].data_length == -1
    structure = contract_structure(load_contract(data))
    assert structure.target.table("app_base").column("ip_address").length is None


def test_no_limit_wins_over_the_other_mappings_of_the_column() -> None:
    data = contract_data()
    data["mappings"][WARRANTY_COMPANY[1]]["data_length"] = "max"
    assert data["mappings"][WARRANTY_COMPANY[0]]["data_length"] == 30
    assert column(data, "app_warranties_rl", "company_name").length is None


def test_no_limit_on_a_row_creating_value_column() -> None:
    data = changed(HISTORY_VALUE, data_length=-1)
    assert column(data, "app_historical_lookup", "value").length is None


@pytest.mark.parametrize(
    ("length", "message"),
    [
        (-2, "data_length must be a whole number >= 0, or -1 / 'max' for no length limit"),
        ("-5", "data_length must be a whole number >= 0, or -1 / 'max' for no length limit"),
        ("unlimited", "data_length must be a whole number >= 0, or -1 / 'max' for no length"),
        ("", "data_length must be a whole number >= 0, or -1 / 'max' for no length limit"),
        (True, "data_length must be a whole number >= 0, or -1 / 'max' for no length limit"),
        (0, "0 is not a length; write a length >= 1, or -1 / 'max' for no limit"),
    ],
)
def test_another_negative_number_zero_or_text_is_an_error(length: object, message: str) -> None:
    [problem] = problems_of(changed(IP_ADDRESS, data_length=length))
    assert problem.startswith("mappings[7] (app_base.ip_address), key 'data_length': ")
    assert message in problem


def test_no_limit_is_not_a_decimal_scale() -> None:
    [problem] = problems_of(changed(PURCHASE_APR, data_length="max"))
    assert "key 'data_length': a decimal's data_length is its scale" in problem


def test_zero_is_a_decimal_scale() -> None:
    assert purchase_apr("decimal", 0).scale == 0


# -- §19.3: GETUTCDATE() as a default ------------------------------------------------


def default_of(index: int, default: object, data_type: str | None = None) -> object:
    data = changed(index, data_type)
    data["mappings"][index]["default_value"] = default
    structure = contract_structure(load_contract(data))
    return next(
        info.default for table in structure.tables for info in table.mappings if info.index == index
    )


NOW = datetime(2024, 3, 5, 6, 7, 38, 123456)


@pytest.mark.parametrize(
    ("default", "data_type", "expected"),
    [
        ("GETUTCDATE()", "datetime", NOW),
        ("getutcdate( )", "datetime2(3)", NOW),
        (" SysUtcDateTime() ", "datetime", NOW),
        ("GETUTCDATE()", "smalldatetime", datetime(2024, 3, 5, 6, 8)),
        ("SYSUTCDATETIME()", "date", date(2024, 3, 5)),
    ],
)
def test_current_utc_time_on_date_time_columns(
    default: str, data_type: str, expected: object
) -> None:
    converted = default_of(DECISION_DATE, default, data_type)
    assert isinstance(converted, CurrentTimeDefault)
    assert converted.at(NOW) == expected


def test_on_a_string_column_the_text_is_an_ordinary_default() -> None:
    assert default_of(IP_ADDRESS, "GETUTCDATE()") == "GETUTCDATE()"


def test_on_a_number_column_it_fails_to_convert_as_before() -> None:
    data = changed(REQUESTED_LIMIT)
    data["mappings"][REQUESTED_LIMIT]["default_value"] = "GETUTCDATE()"
    [problem] = problems_of(data)
    assert "key 'default_value': default 'GETUTCDATE()' does not convert to int" in problem


@pytest.mark.parametrize(
    "default", ["GETDATE()", "getdate( )", "CURRENT_TIMESTAMP", "current_timestamp"]
)
def test_server_local_time_is_an_error_that_says_to_write_getutcdate(default: str) -> None:
    data = contract_data()
    data["mappings"][DECISION_DATE]["default_value"] = default
    [problem] = problems_of(data)
    assert problem == (
        f"mappings[6] (app_base.decision_date), key 'default_value': default {default!r} is the "
        "server's local time, which the engine does not have; write GETUTCDATE() for the "
        "current UTC time"
    )


# -- §19.5: errors that say what to write --------------------------------------------


@pytest.mark.parametrize(
    ("index", "chain", "message"),
    [
        (
            78,
            ["add_collateral(1)", "numbers_only"],
            'mapping_type ["add_collateral(1)", "numbers_only"]: the row-creating entry must be '
            'last; write ["numbers_only", "add_collateral(1)"]',
        ),
        (
            26,
            ["char_to_bit", "authu_contact"],
            'mapping_type ["char_to_bit", "authu_contact"]: the source step must be first; '
            'write ["authu_contact", "char_to_bit"]',
        ),
        (
            75,
            ["add_collateral(1)", "identity_insert", "calculated_field"],
            'mapping_type ["add_collateral(1)", "identity_insert", "calculated_field"]: the source '
            "step must be first and the row-creating entry must be last; write "
            '["calculated_field", "identity_insert", "add_collateral(1)"]',
        ),
        (
            26,
            ["authu_contact", "last_valid_pr_contact", "char_to_bit"],
            "a chain has at most one source step; found 'authu_contact', 'last_valid_pr_contact'",
        ),
    ],
)
def test_chain_order_errors_give_the_chain_in_the_required_order(
    index: int, chain: list[str], message: str
) -> None:
    data = contract_data()
    data["mappings"][index]["mapping_type"] = chain
    problems = problems_of(data)
    assert any(problem.endswith(f"key 'mapping_type': {message}") for problem in problems), problems


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "xml_root_element",
            "the local name the document's root element must have; for example "
            '"xml_root_element": "Provenir"',
        ),
        (
            "xml_application_path",
            "the absolute element path of the application element; for example "
            '"xml_application_path": "/Provenir/Request/CustData/application"',
        ),
        (
            "source_table",
            "the table that holds the documents, one row per application; for example "
            '"source_table": "app_xml"',
        ),
        (
            "source_column",
            "the column of source_table that holds the document; for example "
            '"source_column": "xml"',
        ),
        (
            "table_insertion_order",
            "every mapped table once, parents before children: the insert order; for example "
            '"table_insertion_order": ["app_base", "app_contact_base", "app_contact_address"]',
        ),
        (
            "element_filtering",
            "the rules that select contacts and their child elements; for example "
            '"element_filtering": '
            '{"filter_rules": [{"element_type": "contact"',
        ),
        (
            "mappings",
            "the mapping entries, each from an XML attribute to a target column; for example "
            '"mappings": [{"xml_path": "/Provenir/Request", "xml_attribute": "ID"',
        ),
    ],
)
def test_a_missing_top_level_key_is_explained_with_an_example(key: str, message: str) -> None:
    data = contract_data()
    del data[key]
    [problem] = problems_of(data)
    assert problem.startswith(f"contract, key '{key}': required key missing: {message}")
    assert "\n" not in problem
