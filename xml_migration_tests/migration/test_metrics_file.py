"""Metrics files: content, name from the start time, never overwritten."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from xml_migration.contract.compiler import shipped_contract_path
from xml_migration.migration.metrics_file import metrics_document, write_metrics
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.settings import MigrationSettings

STARTED = datetime(2025, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)


def sample_stats() -> RunStats:
    return RunStats(
        documents=10,
        successes=8,
        failures_by_stage=Counter({"validation": 1, "mapping": 1}),
        first_failures=[(3, "validation: not_well_formed: …"), (7, "mapping: enum_unmapped: …")],
        rows_per_table=Counter({"app_base": 8, "scores": 20}),
        stage_seconds={"read": 0.1, "parse": 0.2, "map": 0.3, "load": 0.4},
        wall_seconds=2.0,
    )


def test_document_holds_figures_settings_and_range() -> None:
    settings = MigrationSettings(
        database_url="postgresql+psycopg://migrator:s3cret@db.example:5432/credit",
        batch_size=250,
        reprocess_failed=True,
        session_id="cli-1",
    )
    document = metrics_document(
        sample_stats(),
        settings,
        workers=4,
        app_id_start=1,
        app_id_end=10,
        limit=10,
        started_at=STARTED,
    )
    assert document["started_at"] == "2025-03-04T05:06:07.890000+00:00"
    assert (document["documents"], document["successes"], document["failures"]) == (10, 8, 2)
    assert document["failures_by_stage"] == {"validation": 1, "mapping": 1}
    assert document["first_failures"][0] == {
        "app_id": 3,
        "reason": "validation: not_well_formed: …",
    }
    assert document["rows_per_table"] == {"app_base": 8, "scores": 20}
    assert document["stage_seconds"] == {"read": 0.1, "parse": 0.2, "map": 0.3, "load": 0.4}
    assert document["records_per_minute"] == 300.0
    recorded = document["settings"]
    assert recorded["workers"] == 4 and recorded["limit"] == 10
    assert recorded["batch_size"] == 250 and recorded["reprocess_failed"] is True
    assert recorded["session_id"] == "cli-1" and recorded["partition_key"] is None
    assert recorded["contract"] == str(shipped_contract_path())
    assert recorded["database"] == "postgresql+psycopg://migrator:***@db.example:5432/credit"
    others = {field.name for field in fields(MigrationSettings)} - {"database_url", "contract_path"}
    assert others <= set(recorded)
    assert document["range"] == {"app_id_start": 1, "app_id_end": 10}
    assert "s3cret" not in json.dumps(document)


def test_file_is_named_after_the_utc_start_and_never_overwritten(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    local = STARTED.astimezone(timezone(timedelta(hours=2)))
    first = write_metrics(directory, {"run": 1}, local)
    second = write_metrics(directory, {"run": 2}, STARTED)
    third = write_metrics(directory, {"run": 3}, STARTED)
    assert first.name == "metrics_20250304T050607Z.json"
    assert second.name == "metrics_20250304T050607Z_1.json"
    assert third.name == "metrics_20250304T050607Z_2.json"
    assert [json.loads(path.read_text())["run"] for path in (first, second, third)] == [1, 2, 3]
