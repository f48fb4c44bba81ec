"""`xml-migration ddl`: the DDL of a contract's tables, per dialect."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from xml_migration.cli.main import main
from xml_migration.contract.compiler import load_plan
from xml_migration.db.ddl import ddl_text

COMPAT_CONTRACT = Path(__file__).parents[1] / "compat" / "contract.json"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mssql"])
def test_prints_the_shipped_contracts_ddl(dialect: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ddl", "--dialect", dialect]) == 0
    assert capsys.readouterr().out == ddl_text(load_plan().target, dialect)


def test_prints_a_given_contracts_ddl_that_sqlite_accepts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ddl", "--contract", str(COMPAT_CONTRACT), "--dialect", "sqlite"]) == 0
    script = capsys.readouterr().out
    assert "CREATE TABLE app_xml_staging_test" in script
    connection = sqlite3.connect(":memory:")
    connection.executescript(script)
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    connection.close()
    assert {"app_base", "app_contact_address", "processing_log"} <= tables


def test_an_unreadable_contract_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["ddl", "--contract", str(broken), "--dialect", "mssql"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: contract")


def test_an_unknown_dialect_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["ddl", "--dialect", "oracle"])
    assert raised.value.code == 2
    assert "invalid choice: 'oracle'" in capsys.readouterr().err
