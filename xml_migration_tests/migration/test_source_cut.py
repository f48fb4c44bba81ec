"""Source pushdown on real databases: every document ends exactly as when it is read whole
(golden compatibility vectors, generated corpora with every fault kind, each verification
failure), and each run counts its cuts and the cuts read again whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.ddl import create_schema, reset_schema
from xml_migration.db.model import build_model
from xml_migration.db.source import insert_source_documents
from xml_migration.migration import run_range
from xml_migration.migration.run_range import migrate_range
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock.database import generate_into_database
from xml_migration.mock.generator import generate_documents
from xml_migration_tests.compat.vectors import CONTRACT_PATH, document_paths
from xml_migration_tests.reliability.outcomes import logged_outcomes, target_of

Snapshot = tuple[dict[int, list[Any]], dict[str, list[tuple[Any, ...]]]]


def _comparable(value: Any) -> Any:
    """A value, or `NOW` for a time of the run itself (a default of the current time)."""
    if isinstance(value, datetime) and abs(datetime.now() - value) < timedelta(hours=1):
        return NOW
    return value


NOW = "the time of the run"


def _tables(url: str, target: TargetSchema) -> dict[str, list[tuple[Any, ...]]]:
    """Every target table's rows, sorted."""
    engine = create_db_engine(url)
    try:
        model = build_model(target, dialect_name(engine))
        with engine.connect() as connection:
            return {
                spec.name: sorted(
                    (
                        tuple(map(_comparable, row))
                        for row in connection.execute(select(model.table(spec.name)))
                    ),
                    key=repr,
                )
                for spec in target.tables
            }
    finally:
        engine.dispose()


def _migrated(settings: MigrationSettings, target: TargetSchema) -> tuple[Snapshot, RunStats]:
    """Migrate everything from an empty target; the outcomes and rows, and the run's stats."""
    engine = create_db_engine(settings.database_url)
    try:
        reset_schema(engine, target)
    finally:
        engine.dispose()
    stats = migrate_range(settings, None, None)
    outcomes = logged_outcomes(settings.database_url, target)
    return (outcomes, _tables(settings.database_url, target)), stats


def _compared(settings: MigrationSettings, target: TargetSchema) -> tuple[RunStats, RunStats]:
    """Migrate with and without the source cut; assert the same outcomes and rows."""
    whole, whole_stats = _migrated(replace(settings, source_cut=False), target)
    cut, cut_stats = _migrated(replace(settings, source_cut=True), target)
    assert cut[0] == whole[0]
    assert cut[1] == whole[1]
    assert whole_stats.cuts == whole_stats.cut_fallbacks == 0
    return cut_stats, whole_stats


def _store(url: str, target: TargetSchema, documents: list[tuple[int, str | bytes]]) -> None:
    engine = create_db_engine(url)
    try:
        create_schema(engine, target)
        insert_source_documents(engine, target, documents)
    finally:
        engine.dispose()


@pytest.mark.integration
def test_compat_vectors_end_the_same_with_and_without_the_cut(database_url: str) -> None:
    target = target_of(CONTRACT_PATH)
    documents = [(int(p.name.split("_")[0]), p.read_text("utf-8")) for p in document_paths()]
    _store(database_url, target, documents)
    settings = MigrationSettings(database_url, str(CONTRACT_PATH), batch_size=8)
    cut_stats, _ = _compared(settings, target)
    assert cut_stats.cuts >= 30
    assert cut_stats.documents == len(documents)


@pytest.mark.integration
@pytest.mark.parametrize("profile", ["compact", "production"])
def test_every_fault_kind_ends_the_same_with_and_without_the_cut(
    database_url: str, profile: str
) -> None:
    report = generate_into_database(database_url, 60, seed=5, profile=profile, fault_rate=0.4)
    cut_stats, whole_stats = _compared(MigrationSettings(database_url, batch_size=16), target_of())
    assert cut_stats.documents == whole_stats.documents == report.documents
    assert cut_stats.cuts >= 30
    assert cut_stats.failures == whole_stats.failures > 0


VERIFICATION_FAILURES = {
    "end tag in a comment": ("<application", "<!-- </CustData> --><application"),
    "end tag in CDATA": (
        "<CustData>",
        "<Reports><Report><![CDATA[</CustData>]]></Report></Reports><CustData>",
    ),
    "truncated document": ("</Request></Provenir>", "</Request></Prov"),
}


@pytest.mark.integration
@pytest.mark.parametrize("case", [*VERIFICATION_FAILURES, "over the size limit"])
def test_a_cut_failing_verification_ends_as_the_whole_document(
    database_url: str, case: str
) -> None:
    good = [
        (document.app_id, str(document.xml))
        for document in generate_documents(4, first_app_id=1, seed=2, profile="production")
    ]
    bad_key, bad = good.pop(1)
    limit = 50 * 1024 * 1024
    if case == "over the size limit":
        limit = len(bad.encode()) - 1
        assert all(len(text.encode()) <= limit for _, text in good)
    else:
        bad = bad.replace(*VERIFICATION_FAILURES[case], 1)
    _store(database_url, target_of(), [*good, (bad_key, bad)])
    settings = MigrationSettings(database_url, batch_size=16, max_document_bytes=limit)
    cut_stats, _ = _compared(settings, target_of())
    assert (cut_stats.cuts, cut_stats.cut_fallbacks) == (4, 1)
    still_good = case in ("end tag in a comment", "end tag in CDATA")
    assert cut_stats.successes == (4 if still_good else 3)


@pytest.mark.integration
@pytest.mark.parametrize(
    "case",
    ["end tag missing", "reports before the application"],
)
def test_documents_without_a_cut_after_the_container_end_the_same(
    database_url: str, case: str
) -> None:
    [(key, text)] = [
        (document.app_id, str(document.xml))
        for document in generate_documents(1, first_app_id=1, seed=4, profile="production")
    ]
    end = text.index("</CustData>") + len("</CustData>")
    if case == "end tag missing":
        text = text.replace("<CustData>", "<Data>", 1).replace("</CustData>", "</Data>", 1)
        expected = (0, 0)
    else:
        reports = text[end : text.rindex("</Request>")]
        text = text.replace(reports, "", 1).replace("<CustData>", f"{reports}<CustData>", 1)
        expected = (1, 0)
    _store(database_url, target_of(), [(key, text)])
    cut_stats, _ = _compared(MigrationSettings(database_url), target_of())
    assert (cut_stats.cuts, cut_stats.cut_fallbacks) == expected


@pytest.mark.integration
def test_the_failed_cuts_of_a_slice_cost_one_extra_query(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = [
        (document.app_id, str(document.xml))
        for document in generate_documents(6, first_app_id=1, seed=6, profile="production")
    ]
    for index in (1, 4):
        key, text = documents[index]
        documents[index] = (key, text.replace(*VERIFICATION_FAILURES["truncated document"], 1))
    _store(database_url, target_of(), documents)
    queries: list[list[int]] = []
    read_whole = run_range.read_whole_documents

    def counted(engine: Any, target: TargetSchema, app_ids: list[int], **options: Any) -> Any:
        queries.append(app_ids)
        return read_whole(engine, target, app_ids, **options)

    monkeypatch.setattr(run_range, "read_whole_documents", counted)
    cut_stats, _ = _compared(MigrationSettings(database_url), target_of())
    assert queries == [[2, 5]]
    assert (cut_stats.cuts, cut_stats.cut_fallbacks, cut_stats.failures) == (6, 2, 2)
