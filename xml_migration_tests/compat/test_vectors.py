"""Every golden compatibility vector, compared as the compat README prescribes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from xml_migration.contract.compiler import load_plan
from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine.compat_json import outcome_record
from xml_migration.engine.key_registry import KeyRegistry
from xml_migration.engine.mapper import map_document
from xml_migration.engine.outcome import MappedDocument
from xml_migration_tests.compat.vectors import (
    CONTRACT_PATH,
    assert_matches,
    document_paths,
    expected_record,
)


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


@pytest.mark.parametrize("document", [path.name for path in document_paths()])
def test_vector(run: Run, document: str) -> None:
    expected = expected_record(document)
    assert_matches(run.plan, run.records[document], expected, run.started, run.finished)
