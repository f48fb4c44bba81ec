"""`xml-migration run` against real SQLite files and a real PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from xml_migration.bench.remigration import write_changed_contract
from xml_migration.cli.main import build_parser, main
from xml_migration.contract.compiler import load_plan
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import LOG, build_model
from xml_migration.mock import read_manifest
from xml_migration.mock.database import generate_into_database

BAR_CHARACTERS = ("━", "\x1b[")


def logged_statuses(url: str) -> dict[int, list[str]]:
    """Every processing log row's status, per app_id, in logging order."""
    engine = create_db_engine(url)
    model = build_model(load_plan().target, dialect_name(engine))
    query = select(model.log_app_key, model.log.c[LOG.status]).order_by(model.log.c[LOG.log_id])
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    finally:
        engine.dispose()
    statuses: dict[int, list[str]] = {}
    for app_id, status in rows:
        statuses.setdefault(int(app_id), []).append(status)
    return statuses


def only_metrics_file(directory: Path) -> dict[str, object]:
    (path,) = directory.glob("metrics_*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def run_and_check_every_document_is_accounted_for(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: int
) -> None:
    manifest_path = tmp_path / "manifest.json"
    report = generate_into_database(
        url, 200, seed=11, profile="compact", fault_rate=0.1, manifest_path=manifest_path
    )
    expected_failures = {
        record.app_id for record in read_manifest(manifest_path).faults if record.status == "failed"
    }
    assert expected_failures
    metrics_dir = tmp_path / "metrics"
    argv = ["run", "--db", url, "--workers", str(workers), "--batch-size", "40"]
    assert main([*argv, "--metrics-dir", str(metrics_dir)]) == 0

    out = capsys.readouterr().out
    metrics = only_metrics_file(metrics_dir)
    assert metrics["documents"] == report.documents == 200
    assert metrics["successes"] + metrics["failures"] == 200
    assert metrics["failures"] == len(expected_failures)
    statuses = logged_statuses(url)
    assert set(statuses) == set(range(1, 201))
    assert {app_id for app_id, [status] in statuses.items() if status == "failed"} == (
        expected_failures
    )
    assert f"documents 200: {200 - len(expected_failures)} loaded, " in out
    assert f"{len(expected_failures)} failed" in out
    first_failed = min(expected_failures)
    assert f"\n  {first_failed}: " in out
    assert "rows per table: app_base " in out and "seconds per stage: read " in out
    assert "records/minute" in out
    assert not any(character in out for character in BAR_CHARACTERS)


def test_run_accounts_for_every_document(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_and_check_every_document_is_accounted_for(sqlite_url, tmp_path, capsys, workers=1)


def test_two_worker_processes_account_for_every_document(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_and_check_every_document_is_accounted_for(sqlite_url, tmp_path, capsys, workers=2)


@pytest.mark.integration
def test_run_on_postgresql_with_two_workers(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_and_check_every_document_is_accounted_for(postgres_url, tmp_path, capsys, workers=2)


def test_metrics_file_holds_figures_settings_and_range(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(sqlite_url, 30, seed=2, profile="compact", fault_rate=0.3)
    metrics_dir = tmp_path / "m"
    argv = ["run", "--db", sqlite_url, "--batch-size", "7", "--app-id-start", "5"]
    assert main([*argv, "--app-id-end", "24", "--metrics-dir", str(metrics_dir)]) == 0
    metrics = only_metrics_file(metrics_dir)
    assert metrics["documents"] == 20
    assert metrics["range"] == {"app_id_start": 5, "app_id_end": 24}
    settings = metrics["settings"]
    assert settings["workers"] == 1 and settings["batch_size"] == 7
    assert settings["limit"] is None and settings["reprocess_failed"] is False
    assert settings["contract"].endswith(".json")
    assert settings["database"] == sqlite_url
    assert settings["session_id"].startswith("cli-")
    assert settings["source_cut"] is True and metrics["source_cuts"] > 0
    assert 0 <= metrics["source_cut_fallbacks"] <= metrics["source_cuts"]
    assert sum(metrics["failures_by_stage"].values()) == metrics["failures"] > 0
    failed = {entry["app_id"] for entry in metrics["first_failures"]}
    assert failed == {
        app_id for app_id, [status] in logged_statuses(sqlite_url).items() if status == "failed"
    }
    assert all(entry["reason"] for entry in metrics["first_failures"])
    assert metrics["rows_per_table"]["app_base"] == metrics["successes"]
    assert set(metrics["stage_seconds"]) == {"read", "parse", "map", "load"}
    assert metrics["records_per_minute"] > 0
    assert f"metrics: {metrics_dir}" in capsys.readouterr().out


def test_whole_documents_reads_every_document_whole(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(sqlite_url, 10, seed=2, profile="compact")
    argv = ["run", "--db", sqlite_url, "--whole-documents", "--metrics-dir", str(tmp_path)]
    assert main(argv) == 0
    metrics = only_metrics_file(tmp_path)
    assert metrics["settings"]["source_cut"] is False
    assert (metrics["successes"], metrics["source_cuts"], metrics["source_cut_fallbacks"]) == (
        10,
        0,
        0,
    )


def test_rerun_migrates_nothing_and_reprocess_failed_retries_failures(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(sqlite_url, 40, seed=4, profile="compact", fault_rate=0.25)
    base = ["run", "--db", sqlite_url, "--metrics-dir", str(tmp_path)]
    assert main(base) == 0
    first_failures = sum(
        1 for statuses in logged_statuses(sqlite_url).values() if statuses == ["failed"]
    )
    assert first_failures > 0
    capsys.readouterr()

    assert main(base) == 0
    assert "0 documents pending" in capsys.readouterr().out

    assert main([*base, "--reprocess-failed"]) == 0
    out = capsys.readouterr().out
    assert f"{first_failures} documents pending" in out
    assert f"documents {first_failures}: 0 loaded, {first_failures} failed" in out
    statuses = logged_statuses(sqlite_url)
    assert sorted(len(rows) for rows in statuses.values()) == [1] * 40
    assert sum(1 for rows in statuses.values() if rows == ["failed"]) == first_failures


def test_limit_takes_the_first_pending_documents_in_key_order(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(sqlite_url, 50, seed=1, profile="compact")
    base = ["run", "--db", sqlite_url, "--metrics-dir", str(tmp_path)]
    assert main([*base, "--app-id-start", "11", "--limit", "15"]) == 0
    assert set(logged_statuses(sqlite_url)) == set(range(11, 26))
    assert main([*base, "--limit", "15", "--workers", "2"]) == 0
    assert set(logged_statuses(sqlite_url)) == set(range(1, 31))
    out = capsys.readouterr().out
    assert "app_id 1..30, 15 documents pending" in out
    assert main([*base, "--limit", "1000"]) == 0
    assert set(logged_statuses(sqlite_url)) == set(range(1, 51))


def test_empty_source_table_is_not_an_error(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--db", sqlite_url, "--metrics-dir", str(tmp_path)]) == 0
    assert "no documents: the source table" in capsys.readouterr().out
    assert list(tmp_path.glob("metrics_*.json")) == []


def test_unreachable_database_fails_with_status_one_without_showing_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://migrator:s3cret-pw@127.0.0.1:1/nowhere"
    assert main(["run", "--db", url, "--metrics-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ")
    assert "s3cret-pw" not in captured.out + captured.err


def test_unwritable_metrics_directory_fails_after_the_summary(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(sqlite_url, 5, profile="compact")
    occupied = tmp_path / "file"
    occupied.write_text("", encoding="utf-8")
    assert main(["run", "--db", sqlite_url, "--metrics-dir", str(occupied)]) == 1
    captured = capsys.readouterr()
    assert "documents 5: 5 loaded, 0 failed" in captured.out
    assert captured.err.startswith("error: ")
    assert set(logged_statuses(sqlite_url)) == set(range(1, 6))


def test_invalid_contract_fails_with_status_one(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = tmp_path / "contract.json"
    contract.write_text('{"target_schema": "dbo"}', encoding="utf-8")
    assert main(["run", "--db", sqlite_url, "--contract", str(contract)]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_tables_that_do_not_fit_the_contract_fail_with_status_one(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE app_base (app_id INTEGER PRIMARY KEY, x TEXT)"))
    engine.dispose()
    assert main(["run", "--db", sqlite_url, "--metrics-dir", str(tmp_path)]) == 1
    assert "app_base" in capsys.readouterr().err


def test_usage_errors_exit_with_status_two(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["run", "--db", sqlite_url, "--app-id-start", "9", "--app-id-end", "3"]
    assert main(argv) == 2
    assert "--app-id-start 9 is after --app-id-end 3" in capsys.readouterr().err
    for bad in (["--workers", "0"], ["--batch-size", "-1"], ["--limit", "x"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["run", "--db", sqlite_url, *bad])
        assert exit_info.value.code == 2
    monkeypatch.delenv("XML_MIGRATION_DB_URL", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["run"])
    assert exit_info.value.code == 2


def test_database_url_and_contract_from_the_environment(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_into_database(sqlite_url, 5, profile="compact")
    monkeypatch.setenv("XML_MIGRATION_DB_URL", sqlite_url)
    monkeypatch.setenv("XML_MIGRATION_CONTRACT", str(tmp_path / "missing.json"))
    assert main(["run", "--metrics-dir", str(tmp_path)]) == 1
    monkeypatch.delenv("XML_MIGRATION_CONTRACT")
    assert main(["run", "--metrics-dir", str(tmp_path)]) == 0
    assert set(logged_statuses(sqlite_url)) == set(range(1, 6))


def test_help_documents_the_exit_statuses() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    epilog = subparsers.choices["run"].format_help()
    assert "exit status:" in epilog
    assert "  1  the run could not be done" in epilog and "  2  usage error" in epilog


def test_console_script_without_a_terminal_prints_no_progress_bar(
    sqlite_url: str, tmp_path: Path
) -> None:
    generate_into_database(sqlite_url, 30, profile="compact")
    result = subprocess.run(
        [sys.executable, "-m", "xml_migration.cli.main", "run", "--db", sqlite_url],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert result.stdout.startswith("run cli-")
    assert "documents 30: 30 loaded, 0 failed" in result.stdout
    assert not any(c in result.stdout + result.stderr for c in BAR_CHARACTERS)
    assert len(list((tmp_path / "metrics").glob("metrics_*.json"))) == 1


def test_log_level_before_or_after_the_command() -> None:
    parser = build_parser()
    for command in ("run", "verify", "init", "reset"):
        after = parser.parse_args([command, "--db", "sqlite://", "--log-level", "INFO"])
        before = parser.parse_args(["--log-level", "ERROR", command, "--db", "sqlite://"])
        neither = parser.parse_args([command, "--db", "sqlite://"])
        assert (after.log_level, before.log_level, neither.log_level) == (
            "INFO",
            "ERROR",
            "WARNING",
        )


def test_remigrate_stale_replaces_what_another_contract_migrated(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(sqlite_url, 30, seed=3, profile="compact", fault_rate=0.1)
    metrics = ["--metrics-dir", str(tmp_path / "metrics")]
    assert main(["run", "--db", sqlite_url, *metrics]) == 0
    v2 = write_changed_contract(tmp_path)
    argv = ["run", "--db", sqlite_url, "--contract", v2, *metrics]
    assert main(argv) == 0
    assert "0 documents pending" in capsys.readouterr().out
    assert main([*argv, "--remigrate-stale"]) == 0
    out = capsys.readouterr().out
    fingerprint = contract_fingerprint(load_plan(v2).contract)
    assert f"30 documents pending; contract {fingerprint} (re-migrating stale documents)" in out
    engine = create_db_engine(sqlite_url)
    model = build_model(load_plan().target, dialect_name(engine))
    try:
        with engine.connect() as connection:
            stamps = connection.execute(select(model.log.c[LOG.contract_fingerprint])).all()
    finally:
        engine.dispose()
    assert sorted(stamps) == [(fingerprint,)] * 30
