"""Metrics files of migration runs: `metrics/metrics_<UTC timestamp>.json`, one per run.

A file holds the run's figures (documents, successes, failures by stage with the first
failed app_ids and reasons, rows per table, seconds per stage, records/minute), the
settings it ran with (database URL without password) and the key range it covered.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from xml_migration.contract.compiler import shipped_contract_path
from xml_migration.db.connection import display_url
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.settings import MigrationSettings

METRICS_DIRECTORY = "metrics"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"


def metrics_document(
    stats: RunStats,
    settings: MigrationSettings,
    *,
    workers: int,
    app_id_start: int,
    app_id_end: int,
    limit: int | None,
    started_at: datetime,
) -> dict[str, object]:
    """The content of a run's metrics file: every setting of the run, the database URL
    without its password."""
    return {
        "started_at": started_at.astimezone(UTC).isoformat(),
        **stats.as_dict(),
        "settings": {
            "workers": workers,
            "limit": limit,
            **{
                field.name: getattr(settings, field.name)
                for field in fields(settings)
                if field.name not in ("database_url", "contract_path")
            },
            "contract": str(settings.contract_path or shipped_contract_path()),
            "database": display_url(settings.database_url),
        },
        "range": {"app_id_start": app_id_start, "app_id_end": app_id_end},
    }


def write_metrics(directory: Path, document: dict[str, object], started_at: datetime) -> Path:
    """Write `document` as `metrics_<started_at as UTC timestamp>.json` in `directory`
    (created when missing); a file of the same second is never overwritten, the new one
    gets a numbered suffix. Returns the path written."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"metrics_{started_at.astimezone(UTC).strftime(TIMESTAMP_FORMAT)}"
    text = json.dumps(document, indent=2, default=str) + "\n"
    suffix = 0
    while True:
        path = directory / (f"{stem}.json" if suffix == 0 else f"{stem}_{suffix}.json")
        try:
            with path.open("x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError:
            suffix += 1
            continue
        return path
