"""Repeated clean runs of the migration: the throughput baseline and the batch-size sweep.

`baseline_runs` and `sweep_runs` run them (the target reset before each run) and return a
measurement, a table with one row per clean run (see `run_record`); the other functions
turn it into the figures operators compare: median, standard deviation, minimum, maximum
and coefficient of variation of records/minute, and the seconds spent per stage.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from xml_migration.contract import load_plan
from xml_migration.db.connection import disposable_engine
from xml_migration.db.ddl import reset_schema
from xml_migration.migration.run_range import migrate_parallel
from xml_migration.migration.run_stats import STAGES, RunStats
from xml_migration.migration.settings import MigrationSettings

THROUGHPUT = "records_per_minute"
STAGE_COLUMNS = tuple(f"{stage}_seconds" for stage in STAGES)
BASELINE_JSON = "baseline_metrics.json"
BASELINE_CSV = "baseline_runs.csv"
SWEEP_CSV = "batch_size_sweep_runs.csv"
DEFAULT_SWEEP_BATCH_SIZES = (50, 100, 200, 500, 1000, 2000)


def clean_runs(
    settings: MigrationSettings, app_id_start: int, app_id_end: int, workers: int, runs: int
) -> Iterator[RunStats]:
    """Migrate [app_id_start, app_id_end] `runs` times, resetting the target before each
    run; yield each run's figures as it ends. Every run re-processes the same documents."""
    target = load_plan(settings.contract_path).target
    settings = replace(settings, reprocess_failed=False)
    for _ in range(runs):
        with disposable_engine(settings.database_url) as engine:
            reset_schema(engine, target)
        yield migrate_parallel(settings, app_id_start, app_id_end, workers)


RunObserver = Callable[[str, RunStats], None]
"""Told of each clean run as it ends: its label (`run 2/10`, `batch size 50, run 1/3`) and
figures."""


def baseline_runs(
    settings: MigrationSettings,
    app_id_start: int,
    app_id_end: int,
    workers: int,
    runs: int,
    on_run: RunObserver,
) -> pd.DataFrame:
    """The throughput baseline: `runs` clean runs with `settings`, one row per run."""
    records = []
    for number, stats in enumerate(
        clean_runs(settings, app_id_start, app_id_end, workers, runs), start=1
    ):
        on_run(f"run {number}/{runs}", stats)
        records.append(run_record(stats, run=number))
    return runs_frame(records)


def sweep_runs(
    settings: MigrationSettings,
    app_id_start: int,
    app_id_end: int,
    workers: int,
    batch_sizes: Sequence[int],
    repeats: int,
    on_run: RunObserver,
) -> pd.DataFrame:
    """The batch-size sweep: `repeats` clean runs with `settings` at each of `batch_sizes`,
    one row per run."""
    records = []
    for batch_size in batch_sizes:
        sized = replace(settings, batch_size=batch_size)
        runs = clean_runs(sized, app_id_start, app_id_end, workers, repeats)
        for repeat, stats in enumerate(runs, start=1):
            on_run(f"batch size {batch_size}, run {repeat}/{repeats}", stats)
            records.append(run_record(stats, batch_size=batch_size, repeat=repeat))
    return runs_frame(records)


def run_record(stats: RunStats, **labels: object) -> dict[str, object]:
    """One row of a measurement: the run's labels (run number, batch size…) and figures."""
    return {
        **labels,
        "documents": stats.documents,
        "successes": stats.successes,
        "failures": stats.failures,
        "wall_seconds": stats.wall_seconds,
        THROUGHPUT: stats.records_per_minute,
        **{f"{stage}_seconds": stats.stage_seconds.get(stage, 0.0) for stage in STAGES},
    }


def runs_frame(records: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The measurement table of `run_record` rows."""
    return pd.DataFrame.from_records(list(records))


def _spread(values: pd.Series) -> dict[str, float]:
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return {
        "runs": len(values),
        "median": float(values.median()),
        "mean": mean,
        "sd": sd,
        "min": float(values.min()),
        "max": float(values.max()),
        "cv": sd / mean if mean else 0.0,
    }


def throughput_statistics(frame: pd.DataFrame) -> dict[str, float]:
    """Median, mean, sample standard deviation, min, max and coefficient of variation
    (sd / mean) of records/minute over the runs of `frame`."""
    return _spread(frame[THROUGHPUT])


def stage_breakdown(frame: pd.DataFrame) -> pd.DataFrame:
    """Per stage: median seconds over the runs and its share of the summed stage medians."""
    medians = frame[list(STAGE_COLUMNS)].median()
    total = float(medians.sum())
    return pd.DataFrame(
        {
            "stage": list(STAGES),
            "median_seconds": medians.to_numpy(),
            "share": (medians / total).to_numpy() if total else 0.0,
        }
    )


def sweep_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per batch size: the records/minute spread of its runs, in batch-size order."""
    rows = [
        {"batch_size": int(batch_size), **_spread(group[THROUGHPUT])}
        for batch_size, group in frame.groupby("batch_size", sort=True)
    ]
    return pd.DataFrame(rows)


def best_batch_size(summary: pd.DataFrame) -> int:
    """The batch size with the highest median records/minute (the smaller one on a tie)."""
    ordered = summary.sort_values(["median", "batch_size"], ascending=[False, True])
    return int(ordered.iloc[0]["batch_size"])


def markdown_table(frame: pd.DataFrame) -> str:
    """A Markdown table of `frame`, numbers rounded for reading."""
    return frame.to_markdown(index=False, floatfmt="g")


def write_baseline(
    directory: Path, frame: pd.DataFrame, settings: Mapping[str, object]
) -> tuple[Path, Path]:
    """Write `baseline_metrics.json` (statistics, stage breakdown, settings, runs) and the
    runs as CSV next to it; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = directory / BASELINE_JSON, directory / BASELINE_CSV
    document = {
        "settings": dict(settings),
        THROUGHPUT: throughput_statistics(frame),
        "stages": stage_breakdown(frame).to_dict(orient="records"),
        "runs": frame.to_dict(orient="records"),
    }
    json_path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    frame.to_csv(csv_path, index=False)
    return json_path, csv_path


def write_sweep(directory: Path, frame: pd.DataFrame) -> Path:
    """Write the sweep's runs as CSV; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SWEEP_CSV
    frame.to_csv(path, index=False)
    return path
