from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from xml_migration.bench.repeated_runs import (
    best_batch_size,
    markdown_table,
    run_record,
    runs_frame,
    stage_breakdown,
    sweep_summary,
    throughput_statistics,
    write_baseline,
    write_sweep,
)
from xml_migration.migration.run_stats import RunStats


def stats(documents: int, wall_seconds: float, parse: float = 1.0) -> RunStats:
    return RunStats(
        documents=documents,
        successes=documents - 1,
        failures_by_stage=Counter({"mapping": 1}),
        stage_seconds={"read": 0.5, "parse": parse, "map": 2.0, "load": 1.5},
        wall_seconds=wall_seconds,
    )


def test_throughput_statistics_of_runs() -> None:
    # 600 documents in 6, 4, 3 s: 6,000, 9,000 and 12,000 records/minute
    frame = runs_frame(run_record(stats(600, s), run=i) for i, s in enumerate((6.0, 4.0, 3.0)))
    figures = throughput_statistics(frame)
    assert figures["runs"] == 3
    assert figures["median"] == pytest.approx(9_000)
    assert figures["mean"] == pytest.approx(9_000)
    assert figures["sd"] == pytest.approx(3_000)
    assert figures["min"] == pytest.approx(6_000)
    assert figures["max"] == pytest.approx(12_000)
    assert figures["cv"] == pytest.approx(3_000 / 9_000)


def test_a_single_run_has_no_spread() -> None:
    figures = throughput_statistics(runs_frame([run_record(stats(100, 1.0), run=0)]))
    assert figures["sd"] == 0.0 and figures["cv"] == 0.0


def test_stage_breakdown_takes_medians_and_shares() -> None:
    frame = runs_frame(run_record(stats(10, 1.0, parse=p), run=i) for i, p in enumerate((1, 3, 2)))
    breakdown = stage_breakdown(frame).set_index("stage")
    assert list(breakdown.index) == ["read", "parse", "map", "load"]
    assert breakdown.loc["parse", "median_seconds"] == pytest.approx(2.0)
    assert breakdown.loc["parse", "share"] == pytest.approx(2.0 / 6.0)
    assert breakdown["share"].sum() == pytest.approx(1.0)


def test_sweep_summary_names_the_batch_size_with_the_best_median() -> None:
    walls = {50: (4.0, 5.0, 6.0), 500: (2.0, 3.0, 9.0), 2000: (3.0, 3.0, 3.0)}
    frame = runs_frame(
        run_record(stats(300, wall), batch_size=size, repeat=r)
        for size, repeat_walls in walls.items()
        for r, wall in enumerate(repeat_walls)
    )
    summary = sweep_summary(frame)
    assert list(summary["batch_size"]) == [50, 500, 2000]
    assert list(summary["runs"]) == [3, 3, 3]
    assert best_batch_size(summary) == 500  # median 3.0 s ties 2000; the smaller one wins
    header, rule, *rows = markdown_table(summary).splitlines()
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    assert columns[:3] == ["batch_size", "runs", "median"]
    assert set(rule) <= set("|-:") and len(rows) == 3
    first = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert first[:2] == ["50", "3"]  # whole numbers print without decimals


def test_write_baseline_writes_json_and_csv(tmp_path: Path) -> None:
    frame = runs_frame(run_record(stats(60, s), run=i) for i, s in enumerate((1.0, 2.0)))
    json_path, csv_path = write_baseline(tmp_path / "metrics", frame, {"batch_size": 500})
    document = json.loads(json_path.read_text())
    assert json_path.name == "baseline_metrics.json"
    assert document["settings"] == {"batch_size": 500}
    assert document["records_per_minute"]["median"] == pytest.approx(2_700)
    assert [stage["stage"] for stage in document["stages"]] == ["read", "parse", "map", "load"]
    assert len(document["runs"]) == 2
    assert pd.read_csv(csv_path)["records_per_minute"].tolist() == [3_600, 1_800]
    assert pd.read_csv(write_sweep(tmp_path, frame))["run"].tolist() == [0, 1]
