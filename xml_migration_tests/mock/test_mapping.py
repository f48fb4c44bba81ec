"""Generated documents mapped with the shipped contract: clean ones succeed, faulted ones end
exactly as their manifest entry says."""

from __future__ import annotations

import pytest

from xml_migration.contract import load_plan
from xml_migration.contract.compiler import CompiledPlan
from xml_migration.engine.key_registry import KeyRegistry
from xml_migration.engine.mapper import map_document
from xml_migration.engine.outcome import DocumentFailure, MappedDocument
from xml_migration.mock import FaultKind, FaultRecord, generate_documents


@pytest.fixture(scope="module")
def plan() -> CompiledPlan:
    return load_plan(None)


@pytest.mark.slow
@pytest.mark.parametrize(("profile", "count"), [("compact", 400), ("production", 150)])
def test_outcomes_match_the_manifest(plan: CompiledPlan, profile: str, count: int) -> None:
    registry = KeyRegistry(plan.target)
    contact_table = plan.target.contact_table
    con_id_position = plan.target.table(contact_table).column_names.index("con_id")
    faults_seen = set()
    for document in generate_documents(
        count, first_app_id=70_001, seed=17, profile=profile, fault_rate=0.2
    ):
        outcome = map_document(plan, document.app_id, document.xml)
        if isinstance(outcome, MappedDocument):
            outcome = registry.claim(outcome)
        if document.fault is None:
            assert isinstance(outcome, MappedDocument), (document.app_id, outcome)
            assert len(outcome.rows[plan.target.root_table.name]) == 1
            contacts = outcome.rows.get(contact_table, [])
            assert tuple(row[con_id_position] for row in contacts) == document.con_ids
            continue
        faults_seen.add(document.fault)
        record = FaultRecord.for_fault(document.app_id, document.fault)
        if record.status == "success":
            assert isinstance(outcome, MappedDocument), (document.fault, outcome)
        else:
            assert isinstance(outcome, DocumentFailure), (document.fault, outcome)
            assert (outcome.stage, outcome.reason) == (record.stage, record.reason), (
                document.fault,
                outcome.failure_reason,
            )
            assert outcome.app_id == document.app_id
    assert faults_seen == set(FaultKind)


def test_every_target_column_receives_values(plan: CompiledPlan) -> None:
    filled: dict[str, set[str]] = {table.name: set() for table in plan.target.tables}
    for document in generate_documents(250, first_app_id=1, seed=23, profile="compact"):
        outcome = map_document(plan, document.app_id, document.xml)
        assert isinstance(outcome, MappedDocument), outcome
        for table, rows in outcome.rows.items():
            names = plan.target.table(table).column_names
            for row in rows:
                filled[table].update(
                    name for name, value in zip(names, row, strict=True) if value is not None
                )
    for table in plan.target.tables:
        assert filled[table.name] == set(table.column_names), table.name


def test_faulted_contacts_shape_the_rows(plan: CompiledPlan) -> None:
    kinds = (FaultKind.MISSING_PRIMARY_CONTACT, FaultKind.DUPLICATE_CON_ID_IN_DOCUMENT)
    missing, duplicated = generate_documents(
        2, first_app_id=5, seed=1, profile="compact", fault_rate=1.0, fault_kinds=kinds
    )
    contact_table = plan.target.contact_table
    role_position = plan.target.table(contact_table).column_names.index("contact_type_enum")
    without_primary = map_document(plan, missing.app_id, missing.xml)
    assert [row[role_position] for row in without_primary.rows[contact_table]] == [280]
    shared = map_document(plan, duplicated.app_id, duplicated.xml)
    assert [row[role_position] for row in shared.rows[contact_table]] == [281]
