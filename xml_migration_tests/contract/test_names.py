"""The name rules and `sql_types` override rules of spec §16.1."""

from __future__ import annotations

import pytest

from xml_migration.contract.names import (
    CONSTRAINT_KEYWORDS,
    case_variants,
    identifier_problem,
    sql_type_problem,
)


def test_identifiers_up_to_63_characters_are_names() -> None:
    assert identifier_problem("app_base", "table name") is None
    assert identifier_problem("_" + "a" * 62, "table name") is None
    assert "longer than 63 characters" in str(identifier_problem("a" * 64, "table name"))
    assert "not a plain SQL identifier" in str(identifier_problem("1st", "column name"))


@pytest.mark.parametrize(
    "sql_type",
    ["CHAR(2)", "char (2)", "NVARCHAR(MAX)", "DECIMAL(12,4)", "numeric ( 9 , 2 )", "BIGINT"],
)
def test_type_names_are_accepted(sql_type: str) -> None:
    assert sql_type_problem("c", sql_type) is None


def test_three_words_and_an_argument_are_the_most_a_type_name_has() -> None:
    assert sql_type_problem("c", "character varying(20)") is None
    assert sql_type_problem("c", "long  raw\tthing (20)") is None
    assert "is not a plain type name" in str(sql_type_problem("c", "TIMESTAMP WITH TIME ZONE"))


@pytest.mark.parametrize("keyword", sorted(CONSTRAINT_KEYWORDS))
def test_every_constraint_keyword_is_refused_in_any_case(keyword: str) -> None:
    problem = sql_type_problem("state", f"CHAR(2) {keyword.lower()}")
    assert problem is not None
    assert problem.startswith(f"SQL type 'CHAR(2) {keyword.lower()}' of column 'state' carries")
    assert f"carries {keyword}, which is not part of a type" in problem
    assert problem.endswith("write 'CHAR(2)'")


def test_a_keyword_inside_a_longer_word_is_part_of_the_name() -> None:
    assert sql_type_problem("c", "NOT_NULL_TEXT") is None
    assert sql_type_problem("c", "KEYWORD") is None


def test_the_advice_names_the_contract_key_that_does_the_job() -> None:
    assert "the mapping's default_value" in str(sql_type_problem("c", "INT DEFAULT 0"))
    assert "the mappings' nullable" in str(sql_type_problem("c", "INT NOT NULL"))
    assert "primary_key and foreign_keys" in str(sql_type_problem("c", "INT REFERENCES t"))
    assert "the engine creates no such constraint" in str(sql_type_problem("c", "INT UNIQUE"))


def test_case_variants_pair_each_later_spelling_with_the_first() -> None:
    names = ["first_name", "last_name", "FIRST_NAME", "First_Name", "first_name"]
    assert case_variants(names) == [("FIRST_NAME", "first_name"), ("First_Name", "first_name")]
