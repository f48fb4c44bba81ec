"""A database outage in the middle of `xml-migration run --workers 2` on PostgreSQL: every
connection dropped and new ones refused (a TCP proxy between the run and the server goes
down), or the database closed to connections with its backends terminated. An outage
shorter than the retry budget only delays the run; a longer one stops it with exit 1 and
a message naming the budget, marks nothing failed, and a re-run completes exactly once."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import psycopg
import pytest
from sqlalchemy.engine import make_url

from xml_migration.mock.database import generate_into_database
from xml_migration_tests.conftest import POSTGRES_ADMIN_URL
from xml_migration_tests.reliability.cli_run import run_command
from xml_migration_tests.reliability.outcomes import (
    integrity_failures,
    logged_count,
    logged_outcomes,
    target_of,
)
from xml_migration_tests.reliability.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DOCUMENTS = 2_000
BATCH_SIZE = 25
OUTAGES_AT = (200, 1_000)
"""Logged documents after which an outage starts."""
DEADLINE_SECONDS = 240
SHORT_BUDGET_SECONDS = 3
POLL_SECONDS = 0.02


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    server = make_url(postgres_url)
    with TcpProxy((server.host or "127.0.0.1", server.port or 5432)) as running:
        yield running


def through(url: str, proxy: TcpProxy) -> str:
    """`url` with the proxy as its server."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


class Run(NamedTuple):
    """A running `xml-migration run`; its output goes to files (no pipe can fill up)."""

    process: subprocess.Popen[bytes]
    output: Path
    error: Path

    def finish(self) -> tuple[str, str]:
        """Wait for the end (bounded; killed when late): its output and error output."""
        try:
            self.process.wait(timeout=DEADLINE_SECONDS)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        return self.output.read_text(), self.error.read_text()


def start_run(url: str, tmp_path: Path, name: str, *options: str) -> Run:
    command = run_command(
        url, tmp_path / "metrics", workers=2, options=("--batch-size", str(BATCH_SIZE), *options)
    )
    output, error = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    with output.open("wb") as out, error.open("wb") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err)
    return Run(process, output, error)


def wait_for_logged(url: str, count: int, process: subprocess.Popen[bytes]) -> int:
    """Poll the processing log (directly on the server) until it holds `count` rows."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (logged := logged_count(url)) < count:
        assert process.poll() is None, f"the run ended (exit {process.returncode}) too soon"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(POLL_SECONDS)
    return logged


def close_database(url: str, seconds: float) -> int:
    """Refuse connections to the database for `seconds`, its backends terminated at the
    start; the number terminated."""
    name = make_url(url).database
    admin = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(False), autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            terminated = connection.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            ).fetchone()
            time.sleep(seconds)
        finally:
            connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    assert terminated is not None
    return int(terminated[0])


def assert_exactly_once(url: str) -> None:
    outcomes = logged_outcomes(url, target_of())
    assert len(outcomes) == DOCUMENTS
    assert all([o.status for o in logged] == ["success"] for logged in outcomes.values())
    assert integrity_failures(url, target_of()) == []


@pytest.mark.parametrize("kind", ["connections_cut_1_5_s", "database_closed_2_s"])
def test_a_run_rides_out_outages_shorter_than_its_budget(
    kind: str, postgres_url: str, proxy: TcpProxy, tmp_path: Path
) -> None:
    generate_into_database(postgres_url, DOCUMENTS, seed=5, profile="compact")
    outage: Callable[[], int]
    if kind == "connections_cut_1_5_s":
        run_url = through(postgres_url, proxy)

        def outage() -> int:
            cut_before = proxy.cut_connections
            proxy.down()
            assert proxy.refuses()
            time.sleep(1.5)
            proxy.up()
            return proxy.cut_connections - cut_before

    else:
        run_url = postgres_url

        def outage() -> int:
            return close_database(postgres_url, 2.0)

    run = start_run(run_url, tmp_path, "run")
    broken = []
    try:
        for threshold in OUTAGES_AT:
            logged = wait_for_logged(postgres_url, threshold, run.process)
            broken.append((logged, outage()))
    finally:
        output, error = run.finish()

    for logged, connections in broken:
        assert logged < DOCUMENTS and connections >= 1, broken
    assert run.process.returncode == 0, error
    assert "retry" in error, error
    assert f"documents {DOCUMENTS:,}: {DOCUMENTS:,} loaded" in output, output
    assert_exactly_once(postgres_url)


def test_an_outage_beyond_the_budget_stops_the_run_naming_it(
    postgres_url: str, proxy: TcpProxy, tmp_path: Path
) -> None:
    generate_into_database(postgres_url, DOCUMENTS, seed=6, profile="compact")
    run = start_run(
        through(postgres_url, proxy),
        tmp_path,
        "run",
        "--retry-seconds",
        str(SHORT_BUDGET_SECONDS),
    )
    try:
        wait_for_logged(postgres_url, OUTAGES_AT[0], run.process)
        proxy.down()
        went_down = time.monotonic()
    finally:
        _, error = run.finish()
    stopped_after = time.monotonic() - went_down
    assert proxy.refuses(), "the proxy came back before the run stopped"
    proxy.up()

    assert run.process.returncode == 1, error
    assert f"beyond the retry budget of {SHORT_BUDGET_SECONDS} s" in error, error
    assert stopped_after >= SHORT_BUDGET_SECONDS, stopped_after
    interrupted = logged_outcomes(postgres_url, target_of())
    assert 0 < len(interrupted) < DOCUMENTS
    assert all([o.status for o in logged] == ["success"] for logged in interrupted.values())

    output, error = start_run(postgres_url, tmp_path, "again").finish()

    assert "error" not in error, error
    assert f"documents {DOCUMENTS - len(interrupted):,}: " in output, output
    assert_exactly_once(postgres_url)
