"""Hostile contract files: loading is bounded in size, nesting and expression length, and
every JSON pitfall (other encodings, repeated keys, wrong shapes, names that no database can
hold) is a contract error naming its place, never a traceback, from the library and from
`xml-migration contract check`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xml_migration.cli.main import main
from xml_migration.contract.compiler import shipped_contract_path
from xml_migration.contract.errors import ContractError
from xml_migration.contract.loading import MAX_CONTRACT_BYTES, MAX_NESTING_DEPTH, load_contract
from xml_migration.contract.model import MAX_EXPRESSION_LENGTH
from xml_migration.contract.names import MAX_IDENTIFIER_LENGTH

MEMORY_LIMIT = 512 * 1024 * 1024
"""Address space of the subprocess that loads a hostile contract: about twice what the
interpreter with the command line needs, a small fraction of what the unbounded load took."""


def shipped_text() -> str:
    return shipped_contract_path().read_text(encoding="utf-8")


def shipped() -> dict[str, Any]:
    return json.loads(shipped_text())


def problems_of(source: dict[str, Any] | Path) -> list[str]:
    with pytest.raises(ContractError) as caught:
        load_contract(source)
    return [str(problem) for problem in caught.value.problems]


def mapping_index(data: dict[str, Any], table: str, column: str) -> int:
    return next(
        index
        for index, mapping in enumerate(data["mappings"])
        if (mapping["target_table"], mapping.get("target_column")) == (table, column)
    )


def with_expression(data: dict[str, Any], expression: str) -> dict[str, Any]:
    data["mappings"][mapping_index(data, "app_operational", "channel_group")]["expression"] = (
        expression
    )
    return data


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def renamed_table(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    for mapping in data["mappings"]:
        if mapping["target_table"] == old:
            mapping["target_table"] = new
    order = data["table_insertion_order"]
    order[order.index(old)] = new
    data["tables"][new] = data["tables"].pop(old)
    return data


def written(tmp_path: Path, text: str, name: str = "contract.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- size, nesting, expression length --------------------------------------------------


def test_a_file_above_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    text = shipped_text()
    path = written(tmp_path, text + " " * (MAX_CONTRACT_BYTES + 1 - len(text.encode())))

    [problem] = problems_of(path)

    assert problem == (
        f"{path}: is larger than 4 MiB ({MAX_CONTRACT_BYTES:,} bytes), the most a contract may be"
    )


def test_a_file_at_the_size_limit_loads(tmp_path: Path) -> None:
    text = shipped_text()
    path = written(tmp_path, text + " " * (MAX_CONTRACT_BYTES - len(text.encode())))
    assert load_contract(path).mappings


def test_nesting_deeper_than_the_limit_is_refused_before_json_parsing(tmp_path: Path) -> None:
    data = shipped()
    deep = json.dumps(data)[:-1] + f', "notes": {nested_arrays(100_000)}}}'
    [problem] = problems_of(written(tmp_path, deep))
    assert problem.endswith(
        f"nests arrays and objects deeper than {MAX_NESTING_DEPTH} levels, the most a contract "
        "may nest"
    ), problem


def test_nesting_at_the_limit_loads_and_brackets_in_strings_do_not_count(tmp_path: Path) -> None:
    data = shipped()
    data["notes"] = json.loads(nested_arrays(MAX_NESTING_DEPTH - 1))
    data["mappings"][0]["description"] = '[{"\\' * 100
    contract = load_contract(written(tmp_path, json.dumps(data)))
    assert "contract, key 'notes': unknown key, ignored" in map(str, contract.warnings)


def test_an_expression_above_the_length_limit_is_refused_before_it_is_tokenized() -> None:
    data = with_expression(shipped(), "'" + "x" * (MAX_EXPRESSION_LENGTH - 2) + "'")
    assert load_contract(data).mappings
    data = with_expression(shipped(), "'" + "x" * (MAX_EXPRESSION_LENGTH - 1) + "'")
    [problem] = problems_of(data)
    assert "(app_operational.channel_group), key 'expression'" in problem, problem
    assert f"at most {MAX_EXPRESSION_LENGTH} characters" in problem, problem


HOSTILE_FILES: dict[str, Callable[[], str]] = {
    "3 MB string literal in an expression": lambda: json.dumps(
        with_expression(shipped(), "'" + "x" * 3_000_000 + "'")
    ),
    "5 MB string literal in an expression": lambda: json.dumps(
        with_expression(shipped(), "'" + "x" * 5_000_000 + "'")
    ),
    "100,000-deep nesting": lambda: nested_arrays(100_000),
    "100,000-deep nesting in a value": lambda: (
        json.dumps(shipped())[:-1] + f', "notes": {nested_arrays(100_000)}}}'
    ),
}

LOAD_UNDER_LIMIT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from xml_migration.cli.main import main
sys.exit(main(["contract", "check", sys.argv[1]]))
"""


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_files_are_refused_in_bounded_memory_without_a_traceback(
    case: str, tmp_path: Path
) -> None:
    path = written(tmp_path, HOSTILE_FILES[case]())

    done = subprocess.run(
        [sys.executable, "-c", LOAD_UNDER_LIMIT.format(limit=MEMORY_LIMIT), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-2000:]
    assert f"contract {path} is invalid (1 problem(s))" in done.stdout


# -- encodings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8-sig", ""),
        ("utf-16", ""),
        ("utf-16-be", "\ufeff"),
        ("utf-16-le", ""),
        ("utf-32", ""),
        ("utf-32-be", ""),
    ],
)
def test_utf16_and_utf32_files_are_read_as_the_author_wrote_them(
    encoding: str, bom: str, tmp_path: Path
) -> None:
    """Python's utf-8-sig, utf-16 and utf-32 codecs write a byte order mark; the others are
    written without one (UTF-16-BE with one added), recognised by their zero bytes."""
    data = shipped()
    data["mappings"][0]["description"] = "Schlüssel · clé · 鍵 · 🔑"
    path = tmp_path / "contract.json"
    path.write_bytes((bom + json.dumps(data, ensure_ascii=False)).encode(encoding))

    contract = load_contract(path)

    assert contract.mappings[0].description == "Schlüssel · clé · 鍵 · 🔑"


def test_a_file_in_another_encoding_is_refused_saying_how_to_save_it(tmp_path: Path) -> None:
    data = shipped()
    data["mappings"][0]["description"] = "clé"
    path = tmp_path / "contract.json"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("cp1252"))

    [problem] = problems_of(path)

    assert "is not UTF-8 text: byte 0xe9 at offset" in problem, problem
    assert "(line 1) cannot be decoded; save the contract as UTF-8" in problem, problem


# -- JSON shapes and repeated keys ------------------------------------------------------


def test_mappings_given_as_an_object_are_named() -> None:
    data = shipped()
    data["mappings"] = {"first": data["mappings"][0]}
    [problem] = problems_of(data)
    assert problem.startswith("contract, key 'mappings': Input should be a valid list"), problem


def test_repeated_keys_are_refused_naming_each_place(tmp_path: Path) -> None:
    text = shipped_text()
    text = text.replace(
        '"source_table": "app_xml",', '"source_table": "app_xml", "source_table": "x",'
    )
    text = text.replace(
        '"target_column": "ip_address",', '"target_column": "ip_address", "target_column": "ip",'
    )
    text = text.replace(
        '"sql_types": {"ssn": "CHAR(9)"}', '"sql_types": {"ssn": "CHAR(9)", "ssn": "TEXT"}'
    )
    data = shipped()
    ip_address = mapping_index(data, "app_base", "ip_address")

    problems = problems_of(written(tmp_path, text))

    assert problems == [
        "contract, key 'source_table': is written 2 times in one object; JSON keeps only the "
        "last, so write it once",
        f"mappings[{ip_address}] (app_base.ip), key 'target_column': is written 2 times in one "
        "object; JSON keeps only the last, so write it once",
        "tables.app_contact_base.sql_types, key 'ssn': is written 2 times in one object; JSON "
        "keeps only the last, so write it once",
    ]


# -- name rules (§16.1) ---------------------------------------------------------------


@pytest.mark.parametrize("key", ["processing_log_table", "target_table"])
@pytest.mark.parametrize("spelling", ["app_xml", "APP_XML"])
def test_a_table_named_like_the_source_table_is_refused(key: str, spelling: str) -> None:
    data = shipped()
    if key == "processing_log_table":
        data["processing_log_table"] = spelling
        location = "contract, key 'processing_log_table'"
    else:
        data = renamed_table(data, "app_pricing", spelling)
        [index, *_] = [i for i, m in enumerate(data["mappings"]) if m["target_table"] == spelling]
        column = data["mappings"][index]["target_column"]
        location = f"mappings[{index}] ({spelling}.{column}), key 'target_table'"
    problems = problems_of(data)
    assert any(p.startswith(location) and "is the source table 'app_xml'" in p for p in problems), (
        problems
    )


def test_target_tables_that_differ_only_in_case_are_refused() -> None:
    data = renamed_table(shipped(), "app_pricing", "APP_BASE")
    problems = problems_of(data)
    assert any(
        "table 'APP_BASE' differs from table 'app_base' only in case" in p for p in problems
    ), problems


def test_columns_of_one_table_that_differ_only_in_case_are_refused() -> None:
    data = shipped()
    index = mapping_index(data, "app_contact_base", "email")
    data["mappings"][index]["target_column"] = "FIRST_NAME"
    [problem] = problems_of(data)
    assert problem.startswith(
        f"mappings[{index}] (app_contact_base.FIRST_NAME), key 'target_column'"
    )
    assert "column 'FIRST_NAME' differs from column 'first_name' only in case" in problem


@pytest.mark.parametrize("key", ["target_table", "target_column"])
def test_names_longer_than_postgresql_allows_are_refused(key: str) -> None:
    data = shipped()
    index = mapping_index(data, "app_base", "ip_address")
    data["mappings"][index]["target_column"] = "c" * MAX_IDENTIFIER_LENGTH
    assert load_contract(data).mappings
    long_name = "c" * (MAX_IDENTIFIER_LENGTH + 1)
    if key == "target_table":
        data = renamed_table(data, "app_pricing", long_name)
        index = mapping_index(data, long_name, "campaign_code")
    else:
        data["mappings"][index]["target_column"] = long_name
    problems = problems_of(data)
    assert any(
        p.startswith(f"mappings[{index}] (") and f"key '{key}'" in p and "longer than 63" in p
        for p in problems
    ), problems


# -- through the command line ---------------------------------------------------------------


BROKEN_FILES: dict[str, tuple[Callable[[], str], str]] = {
    "UTF-8 with a Latin-1 byte": (
        lambda: shipped_text().replace("application key", "cl\udce9", 1),
        "is not UTF-8 text",
    ),
    "repeated key": (
        lambda: shipped_text().replace(
            '"source_table": "app_xml",', '"source_table": "a", "source_table": "b",'
        ),
        "is written 2 times in one object",
    ),
    "mappings as an object": (
        lambda: json.dumps({**shipped(), "mappings": {"first": shipped()["mappings"][0]}}),
        "key 'mappings': Input should be a valid list",
    ),
    "log table named like the source table": (
        lambda: json.dumps({**shipped(), "processing_log_table": "app_xml"}),
        "is the source table 'app_xml'",
    ),
    "name too long": (
        lambda: json.dumps({**shipped(), "processing_log_table": "p" * 64}),
        "longer than 63",
    ),
    "deep nesting": (lambda: nested_arrays(100_000), "deeper than 64 levels"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_contract_check_exits_1_with_the_message(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, expected = BROKEN_FILES[case]
    path = tmp_path / "contract.json"
    path.write_bytes(build().encode("utf-8", errors="surrogateescape"))

    assert main(["contract", "check", str(path)]) == 1

    out = capsys.readouterr().out
    assert f"contract {path} is invalid" in out
    assert expected in out, out
