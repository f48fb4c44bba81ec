"""The database password, given in `XML_MIGRATION_DB_PASSWORD`, appears nowhere: not in any
log line (DEBUG included), console output, metrics file, processing log or target row,
exception message, Dagster event, metadata value, run record or compute log. PostgreSQL
trusts local connections here, so any password connects."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy.engine import make_url

from xml_migration.cli.main import main
from xml_migration.db.connection import PASSWORD_ENV_VAR, create_db_engine
from xml_migration.defs.deployment import DB_PASSWORD_VAR, DB_URL_VAR, WORKERS_VAR, Deployment
from xml_migration.defs.jobs import end_to_end
from xml_migration.mock.database import generate_into_database
from xml_migration_tests.reliability.outcomes import all_text, target_of

pytestmark = pytest.mark.integration


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """A unique password, set in the environment of this process and its children."""
    password = f"pw-{uuid.uuid4().hex}"
    monkeypatch.setenv(PASSWORD_ENV_VAR, password)
    return password


def unknown_database(url: str) -> str:
    return make_url(url).set(database=f"missing_{uuid.uuid4().hex[:8]}").render_as_string(False)


def files_holding(root: Path, secret: str) -> list[Path]:
    """Files under `root` whose bytes contain `secret`."""
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def assert_engine_uses(url: str, secret: str) -> None:
    """The password does reach the driver (the test would prove nothing otherwise)."""
    engine = create_db_engine(url)
    try:
        assert engine.url.password == secret
        with engine.connect():
            pass
    finally:
        engine.dispose()


def test_cli_runs_never_show_the_password(
    postgres_url: str,
    secret: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert_engine_uses(postgres_url, secret)
    generate_into_database(postgres_url, 300, seed=2, profile="compact", fault_rate=0.2)
    caplog.set_level(logging.DEBUG)
    metrics = tmp_path / "metrics"

    run = ["--log-level", "DEBUG", "run", "--db", postgres_url, "--metrics-dir", str(metrics)]
    assert main(run) == 0
    assert main(["--log-level", "DEBUG", "verify", "--db", postgres_url]) == 0
    assert main(["--log-level", "DEBUG", "run", "--db", unknown_database(postgres_url)]) == 1
    with pytest.raises(Exception) as caught:
        create_db_engine(unknown_database(postgres_url)).connect()
    parallel = subprocess.run(
        [sys.executable, "-m", "xml_migration.cli.main", *run, "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ,
    )

    assert parallel.returncode == 0, parallel.stderr
    console = capsys.readouterr()
    records = caplog.records
    assert len(records) > 10 and any(r.levelno == logging.DEBUG for r in records)
    assert "metrics:" in console.out and "error:" in console.err
    for text in (caplog.text, console.out, console.err, parallel.stdout, parallel.stderr):
        assert secret not in text
    assert not [r for r in records if secret in r.getMessage() or secret in (r.exc_text or "")]
    assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert len(list(metrics.glob("*.json"))) == 2 and files_holding(metrics, secret) == []
    values = all_text(postgres_url, target_of())
    assert any(value == "failed" for value in values)
    assert not [value for value in values if secret in value]


@pytest.mark.dagster
def test_dagster_runs_never_record_the_password(
    postgres_url: str, secret: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert_engine_uses(postgres_url, secret)
    variables = {DB_URL_VAR: postgres_url, DB_PASSWORD_VAR: secret, WORKERS_VAR: "2"}
    resources = Deployment.from_environment(variables).resources()
    caplog.set_level(logging.DEBUG)
    run_config = {
        "ops": {
            "generate_source_documents": {"config": {"count": 300, "fault_rate": 0.2}},
            "plan_all_chunks": {"config": {"chunks": 2}},
        }
    }
    broken = Deployment.from_environment(
        {**variables, DB_URL_VAR: unknown_database(postgres_url)}
    ).resources()

    home = tmp_path / "dagster"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        result = end_to_end.execute_in_process(
            resources=resources, instance=instance, run_config=run_config
        )
        failed = end_to_end.execute_in_process(
            resources=broken, instance=instance, run_config=run_config, raise_on_error=False
        )
        runs = instance.get_runs()
        stored = [dg.serialize_value(e) for r in runs for e in instance.all_logs(r.run_id)]
        run_records = [dg.serialize_value(r) for r in runs]

    assert result.success and not failed.success
    materializations = result.get_asset_materialization_events()
    assert materializations and len(stored) > 50
    assert any("postgres:***@" in entry for entry in stored)  # the URL is shown, masked
    for event in [*result.all_events, *failed.all_events]:
        assert secret not in dg.serialize_value(event)
    assert not [entry for entry in [*stored, *run_records] if secret in entry]
    assert files_holding(home, secret) == []
    assert secret not in caplog.text
    assert not [value for value in all_text(postgres_url, target_of()) if secret in value]
