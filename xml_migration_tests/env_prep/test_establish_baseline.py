"""`env_prep/establish_baseline.py` on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from xml_migration.cli.main import main
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.env_prep.scripts import log_rows, run_script


def test_baseline_runs_clean_runs_and_writes_statistics(sqlite_url: str, tmp_path: Path) -> None:
    generate_into_database(sqlite_url, 30, seed=5, profile="compact", fault_rate=0.2)
    result = run_script(
        "establish_baseline.py",
        "--db",
        sqlite_url,
        "--runs",
        "3",
        "--batch-size",
        "8",
        "--app-id-end",
        "25",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "baseline of app_id 1..25: 3 runs, workers 1, batch size 8"
    assert [line.split(":")[0] for line in lines[1:4]] == ["run 1/3", "run 2/3", "run 3/3"]
    assert all(" 25 documents " in line for line in lines[1:4])
    assert any(line.startswith("records/minute: median ") and " ± " in line for line in lines)
    assert "(CV " in result.stdout and "| stage " in result.stdout

    baseline = json.loads((tmp_path / "metrics" / "baseline_metrics.json").read_text())
    assert baseline["settings"]["workers"] == 1 and baseline["settings"]["batch_size"] == 8
    assert (baseline["settings"]["app_id_start"], baseline["settings"]["app_id_end"]) == (1, 25)
    figures = baseline["records_per_minute"]
    assert figures["runs"] == 3
    assert figures["min"] <= figures["median"] <= figures["max"]
    assert [run["documents"] for run in baseline["runs"]] == [25, 25, 25]
    runs = pd.read_csv(tmp_path / "metrics" / "baseline_runs.csv")
    assert list(runs["run"]) == [1, 2, 3]
    assert log_rows(sqlite_url) == 25


def test_empty_source_and_usage_errors(sqlite_url: str, tmp_path: Path) -> None:
    argv = ["--db", sqlite_url, "--runs", "1"]
    no_tables = run_script("establish_baseline.py", *argv, cwd=tmp_path)
    assert no_tables.returncode == 1 and no_tables.stderr.startswith("error: ")
    assert main(["init", "--db", sqlite_url]) == 0
    empty = run_script("establish_baseline.py", *argv, cwd=tmp_path)
    assert empty.returncode == 1
    assert "generate documents first" in empty.stderr
    for bad in (["--runs", "0"], ["--app-id-start", "5", "--app-id-end", "1"]):
        result = run_script("establish_baseline.py", "--db", sqlite_url, *bad, cwd=tmp_path)
        assert result.returncode == 2
