"""`xml-migration init` and `xml-migration reset` on real databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from xml_migration.cli.main import main
from xml_migration.contract.compiler import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import build_model
from xml_migration.mock.database import generate_into_database


def row_counts(url: str) -> dict[str, int]:
    """Rows per table of the shipped contract: source, targets and processing log."""
    engine = create_db_engine(url)
    model = build_model(load_plan().target, dialect_name(engine))
    try:
        with engine.connect() as connection:
            return {
                table.name: int(connection.scalar(select(func.count()).select_from(table)))
                for table in (model.source, *model.tables, model.log)
            }
    finally:
        engine.dispose()


def test_init_creates_every_table_and_is_idempotent(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = load_plan().target
    assert main(["init", "--db", database_url]) == 0
    first = capsys.readouterr().out
    assert "source app_xml (0 documents)" in first and "processing log processing_log" in first
    engine = create_db_engine(database_url)
    try:
        schema = build_model(target, dialect_name(engine)).source.schema
        names = set(inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()
    expected = {target.source_table, target.processing_log_table}
    assert expected | {table.name for table in target.tables} <= names

    generate_into_database(database_url, 4, profile="compact")
    assert main(["init", "--db", database_url]) == 0
    assert "source app_xml (4 documents)" in capsys.readouterr().out
    assert row_counts(database_url)["app_xml"] == 4


def test_reset_empties_migrated_tables_and_log_and_keeps_source_rows(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(database_url, 25, seed=3, profile="compact", fault_rate=0.2)
    assert main(["run", "--db", database_url, "--metrics-dir", str(tmp_path)]) == 0
    before = row_counts(database_url)
    assert before["processing_log"] == 25 and before["app_base"] > 0
    capsys.readouterr()

    assert main(["reset", "--db", database_url]) == 0
    assert "25 source documents kept" in capsys.readouterr().out
    after = row_counts(database_url)
    assert after.pop("app_xml") == 25
    assert set(after.values()) == {0}

    assert main(["run", "--db", database_url, "--metrics-dir", str(tmp_path)]) == 0
    assert "documents 25: " in capsys.readouterr().out
    assert row_counts(database_url) == before


def test_failures_exit_with_status_one(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reset", "--db", sqlite_url]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    missing = str(tmp_path / "missing.json")
    assert main(["init", "--db", sqlite_url, "--contract", missing]) == 1
    url = "postgresql+psycopg://migrator:s3cret-pw@127.0.0.1:1/nowhere"
    assert main(["init", "--db", url]) == 1
    assert "s3cret-pw" not in capsys.readouterr().err


def test_database_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XML_MIGRATION_DB_URL", raising=False)
    for command in ("init", "reset"):
        with pytest.raises(SystemExit) as exit_info:
            main([command])
        assert exit_info.value.code == 2
