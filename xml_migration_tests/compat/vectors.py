"""Paths of the golden compatibility vectors copied into the test tree."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from xml_migration.contract.plan import CompiledPlan

COMPAT_DIR = Path(__file__).parent
CONTRACT_PATH = COMPAT_DIR / "contract.json"
DOCUMENTS_DIR = COMPAT_DIR / "documents"
EXPECTED_DIR = COMPAT_DIR / "expected"
UTCNOW = "<utcnow>"
"""Placeholder of the expected files for a time stamp taken during the run."""


def contract_data() -> dict[str, Any]:
    """A fresh copy of the compat contract's JSON object."""
    return json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))


def document_paths() -> list[Path]:
    """Every compat document, in ascending source key order."""
    return sorted(DOCUMENTS_DIR.glob("*.xml"))


def expected_record(document: str) -> dict[str, Any]:
    """The expected outcome of a compat document, by its file name."""
    return json.loads((EXPECTED_DIR / Path(document).with_suffix(".json")).read_text("utf-8"))


def _keyed(plan: CompiledPlan, table: str, rows: list[dict[str, Any]]) -> dict[tuple, dict]:
    key_columns = plan.target.table(table).primary_key
    by_key = {tuple(row[column] for column in key_columns): row for row in rows}
    assert len(by_key) == len(rows), f"{table}: duplicate primary keys"
    return by_key


def assert_matches(
    plan: CompiledPlan,
    actual: dict[str, Any],
    expected: dict[str, Any],
    started: datetime,
    finished: datetime,
) -> None:
    """Compare one outcome record with its expected file as the compat README prescribes.

    Outcome and failure must match; every table's rows match as a set keyed by primary key,
    column by column (`<utcnow>` is any time between `started` and `finished`); the
    processing log's failure reason equals the expected one or extends it with `: detail`.
    """
    log = actual["tables"]["processing_log"]
    assert (actual["status"], actual["failure"]) == (expected["status"], expected["failure"]), log
    assert actual["source_app_id"] == expected["source_app_id"]
    assert set(actual["tables"]) == set(expected["tables"])
    for table, expected_rows in expected["tables"].items():
        if table == "processing_log":
            continue
        actual_rows = _keyed(plan, table, actual["tables"][table])
        wanted_rows = _keyed(plan, table, expected_rows)
        assert actual_rows.keys() == wanted_rows.keys(), table
        for key, wanted in wanted_rows.items():
            got = actual_rows[key]
            assert got.keys() == wanted.keys(), (table, key)
            for column, value in wanted.items():
                if value == UTCNOW:
                    stamp = datetime.fromisoformat(got[column])
                    assert started <= stamp <= finished, (table, key, column)
                else:
                    assert got[column] == value, (table, key, column)
    ((actual_log,), (expected_log,)) = (log, expected["tables"]["processing_log"])
    assert actual_log["app_id"] == expected_log["app_id"]
    assert actual_log["status"] == expected_log["status"]
    wanted_reason = expected_log["failure_reason"]
    if wanted_reason is None:
        assert actual_log["failure_reason"] is None
    else:
        reason = actual_log["failure_reason"]
        assert reason == wanted_reason or reason.startswith(wanted_reason + ": ")
