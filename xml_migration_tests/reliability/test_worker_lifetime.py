"""The process of `xml-migration run --workers 2` killed (SIGKILL) or stopped (SIGTERM) in
the middle of a run: no process the run started (workers, fork server, resource tracker)
survives it by more than a few seconds, nothing is written after it, SIGTERM ends the run
with exit 1 naming the signal, and a re-run completes exactly once (SQLite, PostgreSQL)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from xml_migration.bench.memory import forkserver_workers
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.cli_run import run_command
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_count,
    logged_outcomes,
    target_of,
)

pytestmark = pytest.mark.slow

DOCUMENTS = 3_000
BATCH_SIZE = 50
STOP_AFTER_LOGGED = 300
SURVIVAL_SECONDS = 5.0
"""How long a process of the run may outlive the run's own process."""
STOP_SECONDS = 15.0
"""How long SIGTERM may take to end the run."""
DEADLINE_SECONDS = 180
POLL_SECONDS = 0.05


def processes_of_the_run(process: subprocess.Popen[bytes], url: str) -> list[psutil.Process]:
    """Every process the run started, once both workers have committed batches."""
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        assert process.poll() is None, "the run ended before it was stopped"
        assert time.monotonic() < deadline, "no committed batches in time"
        if len(forkserver_workers(parent)) == 2 and logged_count(url) >= STOP_AFTER_LOGGED:
            return parent.children(recursive=True)
        time.sleep(POLL_SECONDS)


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes still running (zombies waiting for a parent count as ended)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:  # also a zombie
            continue
    return running


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_no_process_of_the_run_outlives_it(
    stop: signal.Signals, database_url: str, tmp_path: Path
) -> None:
    generate_into_database(database_url, DOCUMENTS, seed=8, profile="compact")
    command = run_command(
        database_url, tmp_path / "metrics", workers=2, options=("--batch-size", str(BATCH_SIZE))
    )
    error_path = tmp_path / "stderr.txt"
    with error_path.open("wb") as error_file:
        run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=error_file)
    started: list[psutil.Process] = []
    try:
        started = processes_of_the_run(run, database_url)
        run.send_signal(stop)
        run.wait(timeout=STOP_SECONDS)
        ended_at = time.monotonic()
        survivors = alive(started)
        while survivors and time.monotonic() - ended_at < SURVIVAL_SECONDS:
            time.sleep(POLL_SECONDS)
            survivors = alive(started)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        for process in alive(started):
            process.kill()

    assert len(started) >= 4, started
    assert [process.pid for process in survivors] == []
    logged = logged_count(database_url)
    assert logged < DOCUMENTS
    error = error_path.read_text()
    if stop is signal.SIGTERM:
        assert run.returncode == 1, error
        assert "stopped by SIGTERM" in error, error
    else:
        assert run.returncode == -signal.SIGKILL

    again = subprocess.run(command, capture_output=True, text=True, timeout=DEADLINE_SECONDS)

    assert again.returncode == 0, again.stderr
    assert f"documents {DOCUMENTS - logged:,}: " in again.stdout, again.stdout
    outcomes = logged_outcomes(database_url, target_of())
    assert len(outcomes) == DOCUMENTS
    assert all([o.status for o in rows] == ["success"] for rows in outcomes.values())
    assert integrity_failures(database_url, target_of()) == []
