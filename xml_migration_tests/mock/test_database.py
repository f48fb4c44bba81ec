"""Generation into a real source table (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xml_migration.contract import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.source import read_pending_documents
from xml_migration.engine.reader import Utf8Text
from xml_migration.mock import FaultKind, generate_documents, read_manifest
from xml_migration.mock.database import generate_into_database


def _stored(database_url: str) -> dict[int, str | bytes]:
    """The stored documents by key: text as `str`, bytes as bytes."""
    target = load_plan(None).target
    engine = create_db_engine(database_url)
    try:
        return {
            doc.app_id: doc.document.decode()
            if isinstance(doc.document, Utf8Text)
            else doc.document
            for batch in read_pending_documents(engine, target, None, None, 200)
            for doc in batch
        }
    finally:
        engine.dispose()


@pytest.mark.slow
def test_runs_continue_after_the_largest_key(database_url: str, tmp_path: Path) -> None:
    first = generate_into_database(
        database_url,
        60,
        seed=3,
        profile="compact",
        fault_rate=0.5,
        manifest_path=tmp_path / "faults_{first_app_id}-{last_app_id}.json",
    )
    second = generate_into_database(database_url, 40, seed=3, profile="production")
    assert (first.first_app_id, first.last_app_id) == (1, 60)
    assert (second.first_app_id, second.last_app_id) == (61, 100)
    stored = _stored(database_url)
    assert sorted(stored) == list(range(1, 101))

    expected = {
        doc.app_id: doc.xml
        for doc in generate_documents(
            60,
            first_app_id=1,
            seed=3,
            profile="compact",
            fault_rate=0.5,
            fault_kinds=_kinds_for(database_url),
        )
    }
    for app_id, xml in expected.items():
        if isinstance(xml, bytes):
            assert bytes(stored[app_id]) == xml
        else:
            assert stored[app_id] == xml

    manifest = read_manifest(tmp_path / "faults_1-60.json")
    assert manifest.first_app_id == 1 and manifest.last_app_id == 60
    assert sum(first.faults.values()) == len(manifest.faults) > 0
    assert second.faults == {}
    assert json.loads((tmp_path / "faults_1-60.json").read_text())["seed"] == 3


def _kinds_for(database_url: str) -> tuple[FaultKind, ...]:
    engine = create_db_engine(database_url)
    try:
        sqlite = dialect_name(engine) == "sqlite"
    finally:
        engine.dispose()
    return tuple(k for k in FaultKind if sqlite or k is not FaultKind.NON_UTF8_BYTES)


def test_non_utf8_documents_only_where_the_source_keeps_bytes(database_url: str) -> None:
    report = generate_into_database(database_url, 40, seed=1, profile="compact", fault_rate=1.0)
    stored = _stored(database_url)
    binary = [app_id for app_id, doc in stored.items() if isinstance(doc, bytes | memoryview)]
    if database_url.startswith("sqlite"):
        assert report.faults[FaultKind.NON_UTF8_BYTES.value] == len(binary) >= 1
    else:
        assert FaultKind.NON_UTF8_BYTES.value not in report.faults
        assert binary == []
    assert len(stored) == 40
