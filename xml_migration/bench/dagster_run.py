"""End to end through Dagster: one run of the `migrate` job (the migration asset and its
blocking integrity checks) over the whole corpus, as production runs it.

The run is a subprocess (`python -m xml_migration.defs.timed_run`), so this process never
imports Dagster. It gets a temporary `DAGSTER_HOME` (SQLite instance storage) and a
deployment made of environment variables only: the benchmark database, the multiprocess
executor with `workers` processes, and a partition width that makes the corpus one
partition (which the subprocess registers). Target tables and log are emptied before, the
integrity checks of `db/integrity.py` run after, as for the other end-to-end runs.

Records/minute divide the documents of the run's materialization by the seconds between the
run's start and end as the instance records them (run start-up, the chunk-planning step,
both migration steps, the summary and the blocking checks, but not the import of the code
location before the run starts). The subprocess's whole wall time is kept beside it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from xml_migration.bench.end_to_end import MEBIBYTE, RunFigures, summarise_runs, verdicts_of
from xml_migration.bench.memory import WorkerMemorySampler
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import disposable_engine
from xml_migration.db.ddl import reset_schema
from xml_migration.db.integrity import integrity_checks
from xml_migration.migration.run_stats import STAGES

RUN_MODULE = "xml_migration.defs.timed_run"
DEPLOYMENT_PREFIX = "XML_MIGRATION_"
INSTANCE_SETTINGS = "telemetry:\n  enabled: false\n"
LOG_TAIL_CHARACTERS = 3_000


@dataclass(frozen=True, slots=True, kw_only=True)
class DagsterRunFigures(RunFigures):
    """A Dagster run: `wall_seconds` are the run's own (start to end in the instance),
    `process_seconds` the subprocess's, `migration_seconds` from the first migration step's
    start to the last one's end; `steps` says, per step, how many seconds after the run's
    start its process was launched, it began and it finished, and the process's peak RSS in
    MiB; the peaks are those of every step process."""

    run_id: str
    process_seconds: float
    migration_seconds: float
    steps: dict[str, dict[str, float | None]]


def deployment_environment(
    home: Path, database_url: str, span: tuple[int, int], workers: int
) -> dict[str, str]:
    """This process's environment with every `XML_MIGRATION_*` variable replaced by the
    benchmark's deployment: one partition from 0 to the last key, `workers` processes."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(DEPLOYMENT_PREFIX)
    }
    return {
        **environment,
        "DAGSTER_HOME": str(home),
        f"{DEPLOYMENT_PREFIX}DB_URL": database_url,
        f"{DEPLOYMENT_PREFIX}EXECUTOR": "multiprocess",
        f"{DEPLOYMENT_PREFIX}WORKERS": str(workers),
        f"{DEPLOYMENT_PREFIX}PARTITION_WIDTH": str(span[1] + 1),
    }


def run_in_subprocess(
    home: Path, database_url: str, span: tuple[int, int], workers: int, batch_size: int
) -> dict[str, object]:
    """Run the `migrate` job for `span` in a subprocess using the instance in `home`; what
    the instance recorded of it. ChildProcessError when the run did not succeed."""
    (home / "dagster.yaml").write_text(INSTANCE_SETTINGS, encoding="utf-8")
    result = home / "run.json"
    log = home / "run.log"
    command = [
        sys.executable,
        "-m",
        RUN_MODULE,
        str(span[0]),
        str(span[1]),
        "--result",
        str(result),
        "--batch-size",
        str(batch_size),
    ]
    with log.open("w", encoding="utf-8") as output:
        completed = subprocess.run(
            command,
            cwd=home,
            env=deployment_environment(home, database_url, span, workers),
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0 or not result.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARACTERS:]
        raise ChildProcessError(
            f"the Dagster run exited with status {completed.returncode}; its log ends:\n{tail}"
        )
    return json.loads(result.read_text(encoding="utf-8"))


def dagster_run(
    database_url: str,
    target: TargetSchema,
    span: tuple[int, int],
    workers: int,
    batch_size: int,
) -> DagsterRunFigures:
    """Empty the target, migrate the key range `span` in one Dagster run, check it."""
    with disposable_engine(database_url) as engine:
        reset_schema(engine, target)
        with (
            tempfile.TemporaryDirectory(prefix="bench-dagster-") as home,
            WorkerMemorySampler() as sampler,
        ):
            started = perf_counter()
            summary = run_in_subprocess(Path(home), database_url, span, workers, batch_size)
            process_seconds = perf_counter() - started
        integrity = verdicts_of(integrity_checks(engine, target, span))
    metadata = summary["metadata"]
    documents = int(metadata["documents"])
    run_seconds = float(summary["end_time"]) - float(summary["start_time"])
    return DagsterRunFigures(
        workers=workers,
        documents=documents,
        successes=int(metadata["successes"]),
        failures=int(metadata["failures"]),
        wall_seconds=run_seconds,
        records_per_minute=documents / run_seconds * 60 if run_seconds > 0 else 0.0,
        stage_seconds={stage: float(metadata[f"{stage}_seconds"]) for stage in STAGES},
        worker_peak_rss_bytes=sorted(sampler.peaks.values()),
        integrity=integrity,
        run_id=str(summary["run_id"]),
        process_seconds=process_seconds,
        migration_seconds=float(metadata["wall_seconds"]),
        steps=_with_peaks(summary["steps"], sampler.peaks),
    )


def _with_peaks(
    steps: dict[str, dict[str, float]], peaks: dict[int, int]
) -> dict[str, dict[str, float | None]]:
    """The steps' moments with the peak RSS (MiB) of the process that ran each, in place of
    its process id."""
    found = {}
    for name, moments in steps.items():
        pid = moments.pop("pid", None)
        peak = peaks.get(int(pid)) if pid is not None else None
        found[name] = {**moments, "peak_rss_mb": None if peak is None else peak / MEBIBYTE}
    return found


def summarise_dagster_runs(runs: list[DagsterRunFigures]) -> dict[str, object]:
    """`summarise_runs` plus the medians of the subprocess's and the migration steps' wall
    time and the records/minute over the subprocess's wall time."""
    return {
        **summarise_runs(runs),
        "process_seconds": statistics.median(run.process_seconds for run in runs),
        "process_records_per_minute": statistics.median(
            run.documents / run.process_seconds * 60 for run in runs
        ),
        "migration_seconds": statistics.median(run.migration_seconds for run in runs),
    }
