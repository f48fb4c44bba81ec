"""A worker process killed with SIGKILL in the middle of a parallel run, then the run
repeated: every document ends exactly once, nothing lost, nothing duplicated, the integrity
checks pass. For `xml-migration run --workers 2` on SQLite and PostgreSQL."""

from __future__ import annotations

import os
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
KILL_AFTER_LOGGED = 300
DEADLINE_SECONDS = 180


def kill_a_worker_mid_run(process: subprocess.Popen[str], url: str) -> tuple[int, int]:
    """SIGKILL one worker of the run once some batches are committed: (pid, logged rows)."""
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        assert process.poll() is None, "the run ended before a worker was killed"
        assert time.monotonic() < deadline, "no committed batch in time"
        workers = forkserver_workers(parent)
        logged = logged_count(url)
        if workers and logged >= KILL_AFTER_LOGGED:
            os.kill(workers[0].pid, signal.SIGKILL)
            return workers[0].pid, logged
        time.sleep(0.05)


def test_a_killed_worker_loses_and_duplicates_nothing(database_url: str, tmp_path: Path) -> None:
    generate_into_database(database_url, DOCUMENTS, seed=3, profile="compact")
    command = run_command(
        database_url, tmp_path / "metrics", workers=2, options=("--batch-size", str(BATCH_SIZE))
    )

    crashed = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed_pid, logged_at_kill = kill_a_worker_mid_run(crashed, database_url)
        _, error = crashed.communicate(timeout=DEADLINE_SECONDS)
    finally:
        if crashed.poll() is None:
            crashed.kill()
            crashed.wait()

    assert logged_at_kill < DOCUMENTS
    assert crashed.returncode == 1, error
    assert "terminated abruptly" in error or "BrokenProcessPool" in error, error
    assert not psutil.pid_exists(killed_pid) or psutil.Process(killed_pid).status() == "zombie"
    interrupted = logged_count(database_url)
    assert interrupted < DOCUMENTS

    again = subprocess.run(command, capture_output=True, text=True, timeout=DEADLINE_SECONDS)

    assert again.returncode == 0, again.stderr
    assert f"documents {DOCUMENTS - interrupted:,}: " in again.stdout, again.stdout
    outcomes = logged_outcomes(database_url, target_of())
    assert len(outcomes) == DOCUMENTS
    assert all([o.status for o in logged] == ["success"] for logged in outcomes.values())
    assert integrity_failures(database_url, target_of()) == []
