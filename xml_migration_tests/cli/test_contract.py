"""`xml-migration contract check`: summary of a valid contract, every problem of a bad one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xml_migration.cli.main import main
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.contract.loading import load_contract
from xml_migration_tests.compat.vectors import CONTRACT_PATH, contract_data
from xml_migration_tests.contract.legacy_dialect import LEGACY_CONTRACT


def test_check_summarises_a_valid_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "check", str(CONTRACT_PATH)]) == 0
    out = capsys.readouterr().out
    assert "is valid" in out
    assert "tables (13, insertion order):" in out
    assert "app_contact_address        child" in out
    assert "app_collateral_rl          add_collateral" in out
    assert "  calculated_field               20" in out
    assert "  /Provenir/Request/CustData/application/contact/contact_address" in out
    assert (
        "mappings[5] (app_base.receive_date): not nullable and no default_value; a document "
        "without this value fails with mapping: required_value_missing"
    ) in out
    assert "mappings[28] (app_operational.status_enum)" in out
    assert "mappings[1] (app_base.product_line_enum)" not in out


def test_check_reports_five_different_mistakes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = contract_data()
    data["mappings"][2]["mapping_type"] = ["enum", "frobnicate"]
    data["mappings"][3]["enum_name"] = "no_such_enum"
    data["mappings"][7]["target_column"] = "receive_date"
    data["mappings"][9]["target_column"] = "test app flag"
    data["mappings"][30]["expression"] = "CASE WHEN a = 1 THEN 2 ELSE END"
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["contract", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "(5 problem(s))" in out
    for expected in (
        "unknown mapping type 'frobnicate'",
        "enum type 'no_such_enum' has no entry in enum_mappings",
        "column 'receive_date' is already written by mappings[5]",
        "'test app flag' is not a plain SQL identifier",
        "expression does not compile",
    ):
        assert expected in out


def test_check_lists_warnings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = contract_data()
    data["colour"] = "blue"
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["contract", "check", str(path)]) == 0
    assert "  - contract, key 'colour': unknown key, ignored" in capsys.readouterr().out


def test_check_shows_what_each_sql_spelling_became(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "check", str(LEGACY_CONTRACT)]) == 0
    out = capsys.readouterr().out
    assert "SQL spellings (23):" in out
    for line in (
        "  mappings[0] (app_base.app_id): data_type 'INTEGER' → int",
        "  mappings[1] (app_base.receive_date): default_value 'GETUTCDATE()' → the document's "
        "UTC time stamp as datetime",
        "  mappings[3] (app_base.note): data_length -1 / 'max' → string, no length limit",
        "  mappings[4] (app_base.memo): data_type 'ntext' → string, no length limit",
        "  mappings[5] (app_base.summary): data_type 'nvarchar(max)', data_length -1 / 'max' → "
        "string, no length limit",
        "  mappings[12] (app_pricing.credit_limit): data_type 'decimal(12,2)' → decimal, "
        "precision 12, scale 2",
        "  mappings[13] (app_pricing.fee): data_type 'money' → decimal, precision 19, scale 4",
        "  mappings[15] (app_pricing.months): data_type 'numeric(5)' → decimal, precision 5, "
        "scale 0",
        "  mappings[26] (app_history): data_type 'text' → string, no length limit",
    ):
        assert line + "\n" in out, line


def test_check_without_sql_spellings_says_none(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "check", str(CONTRACT_PATH)]) == 0
    assert "SQL spellings (0):\n  none\n" in capsys.readouterr().out


def test_check_lists_every_problem_of_the_legacy_dialect_at_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.loads(LEGACY_CONTRACT.read_text(encoding="utf-8"))
    data["mappings"][2]["data_type"] = "float"
    data["mappings"][8]["data_length"] = 30
    data["mappings"][1]["default_value"] = "GETDATE()"
    data["mappings"][3]["data_length"] = -2
    data["mappings"][19]["expression"] = "LEFT(dlr_num_marine)"
    data["mappings"][26]["mapping_type"] = ["add_history", "calculated_field"]
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["contract", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "(7 problem(s))" in out
    for expected in (
        "mappings[2] (app_base.status_code), key 'data_type': 'float' is not an accepted "
        "data_type; write one of string,",
        "mappings[8] (app_contact.first_name), key 'data_type': data_type 'nvarchar( 20 )' says "
        "length 20 but data_length says 30; they must agree",
        "mappings[1] (app_base.receive_date), key 'default_value': default 'GETDATE()' is the "
        "server's local time, which the engine does not have; write GETUTCDATE()",
        "mappings[3] (app_base.note), key 'data_length': data_length must be a whole number",
        "mappings[19] (app_pricing.dealer_num), key 'expression': expression does not compile: "
        "LEFT takes 2 arguments, found 1",
        "mappings[26] (app_history), key 'mapping_type': mapping_type [\"add_history\", "
        '"calculated_field"]: the source step must be first and the row-creating entry must be '
        'last; write ["calculated_field", "add_history"]',
        "mappings[26] (app_history), key 'expression': calculated_field needs an expression",
    ):
        assert expected in out, expected


def test_check_shows_the_fingerprint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "check", str(CONTRACT_PATH)]) == 0
    fingerprint = contract_fingerprint(load_contract(CONTRACT_PATH))
    assert f"fingerprint {fingerprint}\n" in capsys.readouterr().out


def _write(path: Path, data: dict[str, object]) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_diff_of_a_mapping_change_lists_it_and_exits_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    changed = contract_data()
    changed["mappings"][7]["data_length"] = 45
    new = _write(tmp_path / "new.json", changed)
    assert main(["contract", "diff", str(CONTRACT_PATH), new]) == 3
    out = capsys.readouterr().out
    assert "app_base:\n  length changed ip_address: string(39) -> string(45)\n" in out
    assert "rows change in 1 table(s): app_base\n" in out
    assert "replaces the rows of every document migrated under" in out
    assert "(length changed)" in out


def test_diff_of_descriptions_only_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    changed = contract_data()
    changed["mappings"][0]["description"] = "another text"
    new = _write(tmp_path / "new.json", changed)
    assert main(["contract", "diff", str(CONTRACT_PATH), new]) == 0
    assert "no differences" in capsys.readouterr().out


def test_diff_of_an_invalid_contract_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = contract_data()
    broken["mappings"][3]["enum_name"] = "no_such_enum"
    new = _write(tmp_path / "new.json", broken)
    assert main(["contract", "diff", str(CONTRACT_PATH), new]) == 1
    assert "no_such_enum" in capsys.readouterr().out
