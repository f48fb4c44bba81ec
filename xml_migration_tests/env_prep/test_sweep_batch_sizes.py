"""`env_prep/sweep_batch_sizes.py` on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from xml_migration.cli.main import main
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.env_prep.scripts import log_rows, run_script


def test_sweep_measures_every_batch_size_and_names_the_best(
    sqlite_url: str, tmp_path: Path
) -> None:
    generate_into_database(sqlite_url, 20, seed=3, profile="compact", fault_rate=0.2)
    argv = ["--db", sqlite_url, "--batch-sizes", "4", "50", "--repeats", "2"]
    result = run_script("sweep_batch_sizes.py", *argv, "--output-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": 20 documents in ") == 4
    runs = pd.read_csv(tmp_path / "out" / "batch_size_sweep_runs.csv")
    assert list(runs["batch_size"]) == [4, 4, 50, 50]
    assert list(runs["repeat"]) == [1, 2, 1, 2]
    assert (runs["documents"] == 20).all()
    best = next(line for line in result.stdout.splitlines() if line.startswith("best batch size"))
    fastest = runs.groupby("batch_size")["records_per_minute"].median().idxmax()
    assert best == f"best batch size: {fastest}"
    assert log_rows(sqlite_url) == 20


def test_sweep_of_an_empty_source_fails(sqlite_url: str, tmp_path: Path) -> None:
    assert main(["init", "--db", sqlite_url]) == 0
    result = run_script("sweep_batch_sizes.py", "--db", sqlite_url, cwd=tmp_path)
    assert result.returncode == 1
    assert "generate documents first" in result.stderr
