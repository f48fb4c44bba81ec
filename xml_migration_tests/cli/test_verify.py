"""`xml-migration verify` on migrated databases, intact and deliberately corrupted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from xml_migration.cli.main import main
from xml_migration.contract.compiler import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import DatabaseModel, build_model
from xml_migration.mock.database import generate_into_database


def migrated(url: str, tmp_path: Path, count: int = 40) -> None:
    generate_into_database(url, count, seed=8, profile="compact", fault_rate=0.2)
    assert main(["run", "--db", url, "--metrics-dir", str(tmp_path)]) == 0


def delete_one_score(url: str) -> int:
    """Delete the first `scores` row of the smallest application that has one; its app_id."""
    engine = create_db_engine(url)
    model: DatabaseModel = build_model(load_plan().target, dialect_name(engine))
    scores = model.table("scores")
    try:
        with engine.begin() as connection:
            app_id, identifier = connection.execute(
                select(scores.c.app_id, scores.c.score_identifier)
                .order_by(scores.c.app_id, scores.c.score_identifier)
                .limit(1)
            ).one()
            connection.execute(
                delete(scores).where(
                    scores.c.app_id == app_id, scores.c.score_identifier == identifier
                )
            )
    finally:
        engine.dispose()
    return int(app_id)


def test_verify_passes_after_a_run(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated(database_url, tmp_path)
    capsys.readouterr()
    assert main(["verify", "--db", database_url]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS ") == 3 and "FAIL" not in out
    assert out.rstrip().endswith("verify: all 3 checks passed")


def test_verify_fails_and_names_the_application_of_a_corrupted_row(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated(database_url, tmp_path)
    app_id = delete_one_score(database_url)
    capsys.readouterr()
    assert main(["verify", "--db", database_url]) == 1
    out = capsys.readouterr().out
    assert "FAIL no_lost_records: " in out
    assert f"offending app_ids (first 1): {app_id}" in out
    assert "verify: " in out and " checks failed: " in out and "no_lost_records" in out

    outside = ["--app-id-start", str(app_id + 1), "--app-id-end", "40"]
    assert main(["verify", "--db", database_url, *outside]) == 0
    assert main(["verify", "--db", database_url, "--app-id-end", str(app_id)]) == 1


def test_documents_never_migrated_fail_verification(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrated(sqlite_url, tmp_path, count=10)
    generate_into_database(sqlite_url, 3, seed=9, profile="compact")
    capsys.readouterr()
    assert main(["verify", "--db", sqlite_url]) == 1
    out = capsys.readouterr().out
    assert "3 documents without an outcome" in out
    assert "offending app_ids (first 3): 11, 12, 13" in out
    assert main(["verify", "--db", sqlite_url, "--app-id-end", "10"]) == 0


def test_verify_failures_to_run_and_usage_errors(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://migrator:s3cret-pw@127.0.0.1:1/nowhere"
    assert main(["verify", "--db", url]) == 1
    assert "s3cret-pw" not in capsys.readouterr().err
    argv = ["verify", "--db", sqlite_url, "--app-id-start", "5", "--app-id-end", "4"]
    assert main(argv) == 2
