"""Re-migration throughput: the corpus migrated with the shipped contract, then migrated
again after a one-column change of the contract (`run --remigrate-stale`): every document
is stale, so each batch deletes its documents' rows and log rows and writes them anew."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from xml_migration.bench.end_to_end import RunFigures, timed_run
from xml_migration.contract.compiler import shipped_contract_path
from xml_migration.migration.settings import MigrationSettings

CHANGED_COLUMN = "retain_until_date"
CHANGED_EXPRESSION = "DATEADD(day, 3650, application.app_receive_date)"
"""The one change: documents are kept ten years instead of seven (every `app_base` row)."""


def write_changed_contract(directory: Path) -> str:
    """The shipped contract with the mapping of `CHANGED_COLUMN` changed, as a file in
    `directory`; its path."""
    data = json.loads(shipped_contract_path().read_text(encoding="utf-8"))
    (mapping,) = [m for m in data["mappings"] if m.get("target_column") == CHANGED_COLUMN]
    mapping["expression"] = CHANGED_EXPRESSION
    path = directory / "contract_changed.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return str(path)


def remigration_run(
    database_url: str, span: tuple[int, int], workers: int, batch_size: int, contract_path: str
) -> RunFigures:
    """Migrate the key range `span` again with the contract at `contract_path`, replacing
    every outcome produced under another one; check it."""
    settings = MigrationSettings(
        database_url=database_url,
        contract_path=contract_path,
        batch_size=batch_size,
        session_id=f"bench-{uuid.uuid4().hex[:16]}",
        remigrate_stale=True,
    )
    return timed_run(settings, span, workers)
