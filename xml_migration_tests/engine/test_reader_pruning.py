"""Pruning before parsing never changes an outcome: rows, failures and their details."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from xml_migration.contract.compiler import load_plan
from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine import reader
from xml_migration.engine.mapper import map_document
from xml_migration.engine.pruning import KeepSpec, keep_spec_for
from xml_migration.mock import generate_documents
from xml_migration_tests.compat.vectors import document_paths

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _keep_spec(plan: CompiledPlan) -> KeepSpec:
    return keep_spec_for(plan.container_path, plan.read_paths)


def _both_ways(plan: CompiledPlan, app_id: int | None, raw: str | bytes) -> tuple[object, object]:
    pruned = map_document(plan, app_id, raw, now=NOW, pruned=True)
    whole = map_document(plan, app_id, raw, now=NOW, pruned=False)
    return pruned, whole


@pytest.mark.parametrize("path", document_paths(), ids=lambda path: path.stem)
def test_compat_documents_map_identically_pruned_and_whole(
    compat_plan: CompiledPlan, path: Path
) -> None:
    app_id = int(path.name.split("_", 1)[0])
    pruned, whole = _both_ways(compat_plan, app_id, path.read_bytes())
    assert pruned == whole


def test_generated_documents_map_identically_pruned_and_whole() -> None:
    plan = load_plan()
    documents = list(
        generate_documents(150, first_app_id=50_000, seed=11, profile="production", fault_rate=0.3)
    )
    assert any(document.fault for document in documents)
    for document in documents:
        pruned, whole = _both_ways(plan, document.app_id, document.xml)
        assert pruned == whole, document.fault


def test_text_delivered_as_utf8_bytes_maps_like_the_same_text() -> None:
    plan = load_plan()
    documents = list(
        generate_documents(60, first_app_id=60_000, seed=12, profile="production", fault_rate=0.3)
    )
    texts = [document for document in documents if isinstance(document.xml, str)]
    assert any(not document.xml.isascii() for document in texts)
    for document in texts:
        as_text = map_document(plan, document.app_id, document.xml, now=NOW)
        as_bytes = reader.Utf8Text(document.xml.encode())
        assert map_document(plan, document.app_id, as_bytes, now=NOW) == as_text, document.fault


def test_generated_production_documents_are_actually_pruned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path is taken: lxml sees only a small part of each clean document."""
    plan = load_plan()
    parsed_sizes: list[int] = []
    parse = reader.etree.fromstring

    def measuring_parse(data: bytes, parser: object) -> object:
        parsed_sizes.append(len(data))
        return parse(data, parser)

    monkeypatch.setattr(reader.etree, "fromstring", measuring_parse)
    documents = list(generate_documents(20, first_app_id=70_000, seed=3, profile="production"))
    for document in documents:
        parsed_sizes.clear()
        assert reader.parse_document(plan, document.app_id, document.xml).app_id == document.app_id
        assert parsed_sizes and parsed_sizes[-1] < len(document.xml.encode("utf-8")) / 3


def test_an_unencodable_character_in_a_section_never_read_fails_the_document() -> None:
    """A lone surrogate in text handed over as a string, outside what pruning keeps."""
    plan = load_plan()
    clean = next(iter(generate_documents(1, first_app_id=80_000, seed=3, profile="production")))
    unread = "<DecisionJournal "
    kept = reader.prune(clean.xml.encode(), _keep_spec(plan))
    assert unread in clean.xml and unread.encode() not in kept
    broken = clean.xml.replace(unread, f'{unread}note="\ud800" ', 1)
    pruned, whole = _both_ways(plan, clean.app_id, broken)
    assert pruned == whole
    assert whole.reason == reader.NOT_WELL_FORMED and "unencodable" in whole.detail


def test_malformed_pruned_text_reports_the_error_of_the_whole_document() -> None:
    plan = load_plan()
    clean = next(iter(generate_documents(1, first_app_id=90_000, seed=5, profile="compact")))
    broken = clean.xml.replace("<contact ", "<contact <", 1)
    pruned, whole = _both_ways(plan, clean.app_id, broken)
    assert pruned == whole
    assert whole.reason == reader.NOT_WELL_FORMED
