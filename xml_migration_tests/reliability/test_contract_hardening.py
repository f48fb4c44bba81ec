"""Hostile contracts and hostile values: names that are not plain identifiers and malformed
expressions are rejected at load time, each problem naming its mapping (index,
target_table.target_column) and nothing reaching the database; legal names that are SQL
keywords or mixed case are quoted; values full of SQL metacharacters land verbatim as data
(bound parameters, COPY) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from xml_migration.cli.main import main
from xml_migration.contract.compiler import shipped_contract_path
from xml_migration.contract.errors import ContractError
from xml_migration.contract.loading import contract_structure, load_contract
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.ddl import create_schema
from xml_migration.db.model import build_model
from xml_migration.db.source import insert_source_documents
from xml_migration.migration.run_range import migrate_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock import generate_documents
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_outcomes,
    target_of,
)

NOT_AN_IDENTIFIER = "is not a plain SQL identifier"
HOSTILE_NAMES = (
    "app_base; DROP TABLE app_xml",
    'first"name',
    "first name",
    "name--",
    "o'neil",
    "naïve",
)


def shipped() -> dict[str, Any]:
    return json.loads(shipped_contract_path().read_text(encoding="utf-8"))


def mapping_index(data: dict[str, Any], table: str, column: str) -> int:
    return next(
        index
        for index, mapping in enumerate(data["mappings"])
        if (mapping["target_table"], mapping.get("target_column")) == (table, column)
    )


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ContractError) as caught:
        load_contract(data)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_column_name_that_is_not_an_identifier_is_rejected_naming_the_mapping(
    name: str,
) -> None:
    data = shipped()
    index = mapping_index(data, "app_contact_base", "email")
    data["mappings"][index]["target_column"] = name
    [problem] = [p for p in problems_of(data) if "target_column" in p]
    assert problem.startswith(f"mappings[{index}] (app_contact_base.{name}), key 'target_column'")
    assert NOT_AN_IDENTIFIER in problem


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_table_name_that_is_not_an_identifier_is_rejected_naming_the_mapping(
    name: str,
) -> None:
    data = shipped()
    index = mapping_index(data, "app_pricing", "campaign_code")
    data["mappings"][index]["target_table"] = name
    problems = problems_of(data)
    location = f"mappings[{index}] ({name}.campaign_code), key 'target_table'"
    assert any(p.startswith(location) and NOT_AN_IDENTIFIER in p for p in problems), problems


@pytest.mark.parametrize(
    "key", ["source_table", "source_column", "source_key_column", "processing_log_table"]
)
def test_contract_level_names_must_be_identifiers(key: str) -> None:
    data = {**shipped(), key: "app_xml; DELETE FROM app_base"}
    assert any(
        p.startswith(f"contract, key '{key}'") and NOT_AN_IDENTIFIER in p for p in problems_of(data)
    )


def test_schema_name_and_sql_type_overrides_cannot_carry_statements() -> None:
    data = {**shipped(), "target_schema": 'migration"; DROP SCHEMA public; --'}
    data["tables"]["app_base"]["sql_types"] = {"ip_address": "VARCHAR(45)); DROP TABLE x; --"}
    problems = problems_of(data)
    assert any(p.startswith("contract, key 'target_schema'") for p in problems), problems
    assert any(p.startswith("tables.app_base, key 'sql_types'") for p in problems), problems


CONSTRAINTS_IN_SQL_TYPES = {
    "TEXT UNIQUE": "write 'TEXT'",
    "INTEGER REFERENCES app_xml": "write 'INTEGER'",
    "TEXT COLLATE C": "write 'TEXT'",
    "TEXT CHECK (1)": "write 'TEXT'",
    "VARCHAR(45) NOT NULL": "write 'VARCHAR(45)'",
    "INT DEFAULT 0": "write 'INT'",
    "INT PRIMARY KEY": "write 'INT'",
    "INT IDENTITY(1, 1)": "write 'INT'",
    "CONSTRAINT c CHECK (1)": "write a type name",
}
"""SQL type overrides carrying a constraint keyword, and what the error says to write."""


@pytest.mark.parametrize("sql_type", sorted(CONSTRAINTS_IN_SQL_TYPES))
def test_a_sql_type_override_carrying_a_constraint_is_refused_saying_what_to_write(
    sql_type: str,
) -> None:
    data = shipped()
    data["tables"]["app_base"]["sql_types"] = {"ip_address": sql_type}
    [problem] = problems_of(data)
    assert problem.startswith("tables.app_base, key 'sql_types': SQL type"), problem
    assert "ip_address" in problem and "not part of a type" in problem, problem
    assert CONSTRAINTS_IN_SQL_TYPES[sql_type] in problem, problem


@pytest.mark.parametrize(
    "sql_type", ["TIMESTAMP WITH TIME ZONE", "DECIMAL(9, 2, 1)", "TEXT[]", "VARCHAR(-1)", "9INT"]
)
def test_a_sql_type_override_of_another_shape_is_refused(sql_type: str) -> None:
    data = shipped()
    data["tables"]["app_base"]["sql_types"] = {"ip_address": sql_type}
    [problem] = problems_of(data)
    assert problem.startswith("tables.app_base, key 'sql_types'"), problem
    assert "is not a plain type name" in problem and "such as 'CHAR(2)'" in problem, problem


@pytest.mark.parametrize(
    "sql_type",
    ["CHAR(9)", "nvarchar(max)", "DECIMAL( 12 , 4 )", "DOUBLE PRECISION", "character varying(20)"],
)
def test_type_names_of_one_to_three_words_with_an_optional_argument_load(sql_type: str) -> None:
    data = shipped()
    data["tables"]["app_base"]["sql_types"] = {"ip_address": sql_type}
    [table] = [
        t for t in contract_structure(load_contract(data)).target.tables if t.name == "app_base"
    ]
    [column] = [c for c in table.columns if c.name == "ip_address"]
    assert column.sql_type == " ".join(sql_type.split())


def test_init_with_a_constraint_in_a_sql_type_creates_nothing(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = shipped()
    data["tables"]["app_base"]["sql_types"] = {"ip_address": "TEXT UNIQUE"}
    path = tmp_path / "unique.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    assert main(["contract", "check", str(path)]) == 1
    assert "carries UNIQUE, which is not part of a type" in capsys.readouterr().out
    assert main(["init", "--db", database_url, "--contract", str(path)]) == 1
    assert "write 'TEXT'" in capsys.readouterr().err
    engine = create_db_engine(database_url)
    try:
        schema = build_model(target_of(), dialect_name(engine)).source.schema
        assert not inspect(engine).has_table("app_base", schema=schema)
    finally:
        engine.dispose()


MALFORMED_EXPRESSIONS = {
    "unterminated string": ("CASE WHEN application.channel_cd = 'WEB THEN 'X' END", "string"),
    "unclosed parenthesis": ("CASE WHEN (application.channel_cd = 'WEB' THEN 'X' END", "')'"),
    "statement after the expression": ("application.channel_cd; DROP TABLE app_base", ";"),
    "sql statement": ("DROP TABLE app_base", "TABLE"),
    "unknown function": ("EXEC('DROP TABLE app_base')", "EXEC"),
    "comment": ("'X' -- DROP TABLE app_base", "-"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_EXPRESSIONS))
def test_a_malformed_expression_is_rejected_naming_the_mapping_and_the_token(case: str) -> None:
    expression, token = MALFORMED_EXPRESSIONS[case]
    data = shipped()
    index = mapping_index(data, "app_operational", "channel_group")
    data["mappings"][index]["expression"] = expression
    [problem] = problems_of(data)
    location = f"mappings[{index}] (app_operational.channel_group), key 'expression'"
    assert problem.startswith(location)
    assert token in problem


def test_every_problem_is_reported_at_once_and_nothing_reaches_the_database(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = shipped()
    first_name = mapping_index(data, "app_contact_base", "first_name")
    ip_address = mapping_index(data, "app_base", "ip_address")
    channel = mapping_index(data, "app_operational", "channel_group")
    data["mappings"][first_name]["target_column"] = 'first_name"; DROP TABLE app_xml; --'
    data["mappings"][ip_address]["target_table"] = "app base"
    data["mappings"][channel]["expression"] = "CASE WHEN (1 = 1 THEN 'X' END"
    data["source_table"] = "app_xml; --"
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    status = main(["run", "--db", sqlite_url, "--contract", str(path)])

    assert status == 1
    error = capsys.readouterr().err
    for location in (
        f'mappings[{first_name}] (app_contact_base.first_name"; DROP TABLE app_xml; --)',
        f"mappings[{ip_address}] (app base.ip_address)",
        f"mappings[{channel}] (app_operational.channel_group)",
        "contract, key 'source_table'",
    ):
        assert location in error, location
    engine = create_db_engine(sqlite_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def renamed(value: Any, names: dict[str, str]) -> Any:
    """`value` with every string (and dict key) equal to a key of `names` replaced."""
    if isinstance(value, dict):
        return {names.get(k, k): renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(item, names) for item in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value


KEYWORD_NAMES = {
    "migration": "Grant",
    "app_xml": "user",
    "processing_log": "table",
    "app_operational": "order",
    "channel_group": "select",
    "risk_band": "RiskBand",
}


def test_keyword_and_mixed_case_names_are_quoted_everywhere(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "keywords.json"
    path.write_text(json.dumps(renamed(shipped(), KEYWORD_NAMES)), encoding="utf-8")
    generate_into_database(
        database_url, 40, seed=4, profile="compact", fault_rate=0.2, contract_path=path
    )

    stats = migrate_range(MigrationSettings(database_url, str(path), batch_size=7), None, None)

    target = target_of(path)
    assert target.source_table == "user" and target.processing_log_table == "table"
    assert stats.documents == 40 and stats.successes > 0 and stats.failures > 0
    assert stats.rows_per_table["order"] == stats.successes
    assert sum(len(rows) for rows in logged_outcomes(database_url, target).values()) == 40
    engine = create_db_engine(database_url)
    try:
        table = build_model(target, dialect_name(engine)).table("order")
        with engine.connect() as connection:
            selected = connection.execute(select(table.c["select"], table.c["RiskBand"])).all()
    finally:
        engine.dispose()
    assert len(selected) == stats.successes
    assert {value for value, _ in selected} <= {"DIGITAL", "ASSISTED", None}
    assert any(band is not None for _, band in selected)
    assert integrity_failures(database_url, target) == []


HOSTILE_VALUES = {
    "first_name": "Robert'); --",
    "last_name": "\\N",
    "email": "x'); DROP TABLE app_base; --\"\\",
    "mother_maiden_name": "O'Brien\t--\n;DELETE",
}
"""Quotes, statement separators, comments, backslashes, tab and newline, and `\\N` (COPY's
NULL marker), each within its column's length."""


def xml_attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
    )


def with_values(document: str, values: dict[str, str]) -> str:
    """`document` with the one occurrence of each attribute set to its value."""
    for attribute, value in values.items():
        [match] = re.finditer(rf'\b{attribute}="[^"]*"', document)
        head, tail = document[: match.start()], document[match.end() :]
        document = f'{head}{attribute}="{xml_attribute(value)}"{tail}'
    return document


def single_contact_documents(count: int) -> list[tuple[int, str]]:
    wanted = (*HOSTILE_VALUES, "status_cd")
    documents = [
        (generated.app_id, str(generated.xml))
        for generated in generate_documents(count * 10, first_app_id=1, seed=5, profile="compact")
        if str(generated.xml).count("<contact ") == 1
        and all(str(generated.xml).count(f' {name}="') == 1 for name in wanted)
    ]
    assert len(documents) >= count
    return documents[:count]


def test_values_with_sql_metacharacters_land_verbatim(database_url: str) -> None:
    (loaded, first), (failing, second), (clean, third) = single_contact_documents(3)
    unmapped = "W'; DROP TABLE app_base;--"
    rows: list[tuple[int, str]] = [
        (loaded, with_values(first, HOSTILE_VALUES)),
        (failing, with_values(second, {**HOSTILE_VALUES, "status_cd": unmapped})),
        (clean, third),
    ]
    target = target_of()
    engine = create_db_engine(database_url)
    try:
        create_schema(engine, target)
        insert_source_documents(engine, target, rows)
        stats = migrate_range(MigrationSettings(database_url, batch_size=3), None, None)
        model = build_model(target, dialect_name(engine))
        contact = model.table("app_contact_base")
        columns = [contact.c[name] for name in HOSTILE_VALUES]
        with engine.connect() as connection:
            stored = connection.execute(select(*columns).where(contact.c.app_id == loaded)).one()
        assert inspect(engine).has_table(target.source_table, schema=model.source.schema)
        assert inspect(engine).has_table("app_base", schema=model.source.schema)
    finally:
        engine.dispose()

    assert stats.successes == 2 and stats.failures == 1
    assert dict(zip(HOSTILE_VALUES, stored, strict=True)) == HOSTILE_VALUES
    [rejected] = logged_outcomes(database_url, target)[failing]
    assert rejected.stage_and_reason == ("mapping", "enum_unmapped")
    assert unmapped in rejected.detail
    assert integrity_failures(database_url, target) == []
