"""`xml-migration baseline` and `xml-migration sweep` in process, on a real SQLite file (the
env_prep scripts run them as operators do: xml_migration_tests/env_prep)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from xml_migration.cli.main import main
from xml_migration.mock.database import generate_into_database


def test_baseline_and_sweep_share_their_options_and_measure_the_same_documents(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate_into_database(sqlite_url, 12, seed=2, profile="compact", fault_rate=0.25)
    shared = ["--db", sqlite_url, "--app-id-start", "3", "--output-dir", str(tmp_path)]
    assert main(["baseline", *shared, "--runs", "2", "--batch-size", "5"]) == 0
    baseline_out = capsys.readouterr().out.splitlines()
    assert baseline_out[0] == "baseline of app_id 3..12: 2 runs, workers 1, batch size 5"
    assert [line.split(":")[0] for line in baseline_out[1:3]] == ["run 1/2", "run 2/2"]
    assert all(" 10 documents in " in line and " failed)" in line for line in baseline_out[1:3])
    baseline = json.loads((tmp_path / "baseline_metrics.json").read_text(encoding="utf-8"))
    assert baseline["settings"]["app_id_start"] == 3 and baseline["settings"]["batch_size"] == 5

    assert main(["sweep", *shared, "--batch-sizes", "2", "6", "--repeats", "1"]) == 0
    sweep_out = capsys.readouterr().out
    assert "batch size 2, run 1/1: 10 documents in " in sweep_out
    assert "batch size 6, run 1/1: 10 documents in " in sweep_out
    runs = pd.read_csv(tmp_path / "batch_size_sweep_runs.csv")
    assert list(runs["batch_size"]) == [2, 6] and (runs["documents"] == 10).all()


@pytest.mark.parametrize("command", ["baseline", "sweep"])
def test_a_reversed_key_range_is_a_usage_error(
    command: str, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--db", sqlite_url, "--app-id-start", "5", "--app-id-end", "1"]
    assert main(argv) == 2
    assert "--app-id-start 5 is after --app-id-end 1" in capsys.readouterr().err
