"""Every golden compatibility vector, compared as the compat README prescribes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from xml_migration.contract.compiler import load_plan
from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine.compat_json import outcome_record
from xml_migration.engine.key_registry import KeyRegistry
from xml_migration.engine.mapper import map_document
from xml_migration.engine.outcome import MappedDocument
from xml_migration_tests.compat.vectors import CONTRACT_PATH, EXPECTED_DIR, document_paths

UTCNOW = "<utcnow>"


class Run:
    """All compat documents mapped in one run, in ascending source key order."""

    def __init__(self) -> None:
        self.plan: CompiledPlan = load_plan(CONTRACT_PATH)
        registry = KeyRegistry(self.plan.target)
        self.started = datetime.now(UTC).replace(tzinfo=None)
        self.records: dict[str, dict[str, Any]] = {}
        for path in document_paths():
            key = int(path.name.split("_")[0])
            outcome = map_document(self.plan, key, path.read_bytes())
            if isinstance(outcome, MappedDocument):
                outcome = registry.claim(outcome)
            self.records[path.name] = outcome_record(self.plan.target, outcome, path.name, key)
        self.finished = datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def run() -> Run:
    return Run()


def keyed(plan: CompiledPlan, table: str, rows: list[dict[str, Any]]) -> dict[tuple, dict]:
    key_columns = plan.target.table(table).primary_key
    by_key = {tuple(row[column] for column in key_columns): row for row in rows}
    assert len(by_key) == len(rows), f"{table}: duplicate primary keys"
    return by_key


@pytest.mark.parametrize("document", [path.name for path in document_paths()])
def test_vector(run: Run, document: str) -> None:
    expected = json.loads((EXPECTED_DIR / Path(document).with_suffix(".json")).read_text("utf-8"))
    actual = run.records[document]
    log = actual["tables"]["processing_log"]
    assert (actual["status"], actual["failure"]) == (expected["status"], expected["failure"]), log
    assert actual["source_app_id"] == expected["source_app_id"]
    assert set(actual["tables"]) == set(expected["tables"])
    for table, expected_rows in expected["tables"].items():
        if table == "processing_log":
            continue
        actual_rows = keyed(run.plan, table, actual["tables"][table])
        wanted_rows = keyed(run.plan, table, expected_rows)
        assert actual_rows.keys() == wanted_rows.keys(), table
        for key, wanted in wanted_rows.items():
            got = actual_rows[key]
            assert got.keys() == wanted.keys(), (table, key)
            for column, value in wanted.items():
                if value == UTCNOW:
                    stamp = datetime.fromisoformat(got[column])
                    assert run.started <= stamp <= run.finished, (table, key, column)
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
