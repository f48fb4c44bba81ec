"""`xml-migration contract check`: summary of a valid contract, every problem of a bad one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xml_migration.cli.main import main
from xml_migration_tests.compat.vectors import CONTRACT_PATH, contract_data


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
