"""A second version of the shipped contract for the re-migration tests: one mapping
changed, so that every document migrated with the shipped contract is stale."""

from __future__ import annotations

import json
from pathlib import Path

from xml_migration.contract.compiler import shipped_contract_path

CHANGED_COLUMN = "retain_until_date"
CHANGED_EXPRESSION = "DATEADD(day, 3650, application.app_receive_date)"


def write_contract_v2(directory: Path) -> str:
    """The shipped contract with one mapping changed: documents are kept ten years, not
    seven (every `app_base` row changes)."""
    data = json.loads(shipped_contract_path().read_text(encoding="utf-8"))
    (mapping,) = [m for m in data["mappings"] if m.get("target_column") == CHANGED_COLUMN]
    mapping["expression"] = CHANGED_EXPRESSION
    path = directory / "contract_v2.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return str(path)
