"""`xml-migration generate` against a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from xml_migration.cli.main import main
from xml_migration.mock import read_manifest


def test_generate_into_sqlite_prints_range_sizes_and_faults(
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    manifest_path = tmp_path / "manifests" / "fault_manifest_{first_app_id}-{last_app_id}.json"
    argv = [
        "generate",
        "--db",
        sqlite_url,
        "--count",
        "40",
        "--seed",
        "5",
        "--profile",
        "compact",
        "--fault-rate",
        "0.5",
        "--manifest",
        str(manifest_path),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "generated 40 documents, app_id 1..40 (compact profile, seed 5)" in out
    assert "size p50 " in out and " p90 " in out and " max " in out
    assert "faults " in out and "malformed_xml " in out
    manifest_path = tmp_path / "manifests" / "fault_manifest_1-40.json"
    assert f"fault manifest: {manifest_path}" in out
    assert len(read_manifest(manifest_path).faults) == int(out.split("faults ")[1].split(":")[0])
    assert "\x1b[" not in out

    assert main(["generate", "--db", sqlite_url, "--count", "10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["first_app_id"], report["last_app_id"]) == (41, 50)
    assert report["faults"] == {} and report["manifest"] is None


def test_dry_run_needs_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "m.json"
    argv = [
        "generate",
        "--dry-run",
        "--count",
        "30",
        "--fault-rate",
        "1",
        "--manifest",
        str(manifest),
        "--json",
    ]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["documents"] == 30 and sum(report["faults"].values()) == 30
    assert report["size_bytes"]["p50"] > 20_000
    assert len(read_manifest(manifest).faults) == 30


def test_faults_without_manifest_path_write_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["generate", "--dry-run", "--count", "20", "--fault-rate", "1"]) == 0
    assert "no fault manifest written (--manifest PATH writes one)" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_missing_database_url_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XML_MIGRATION_DB_URL", raising=False)
    assert main(["generate", "--count", "3"]) == 2
    assert "--db URL (or $XML_MIGRATION_DB_URL) is required" in capsys.readouterr().err


def test_database_url_from_the_environment(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XML_MIGRATION_DB_URL", sqlite_url)
    assert main(["generate", "--count", "2", "--profile", "compact"]) == 0
    assert "app_id 1..2" in capsys.readouterr().out


def test_bad_arguments_exit_with_usage_status() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--dry-run", "--count", "3", "--fault-rate", "2"])
    assert exit_info.value.code == 2


def test_unreadable_contract_fails_with_status_one(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "generate",
        "--db",
        sqlite_url,
        "--count",
        "3",
        "--contract",
        str(tmp_path / "missing.json"),
    ]
    assert main(argv) == 1
    assert "error:" in capsys.readouterr().err


def test_console_script_without_terminal_prints_no_progress_bar(sqlite_url: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "xml_migration.cli.main",
            "generate",
            "--db",
            sqlite_url,
            "--count",
            "5",
            "--profile",
            "compact",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("generated 5 documents, app_id 1..5")
    assert "generating" not in result.stdout + result.stderr


def test_env_prep_script_is_the_same_command(sqlite_url: str) -> None:
    script = Path(__file__).parents[2] / "env_prep" / "generate_mock_xml.py"
    result = subprocess.run(
        [sys.executable, str(script), "--db", sqlite_url, "--count", "3", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(result.stdout)
    assert (report["first_app_id"], report["last_app_id"]) == (1, 3)
