"""Runs over key ranges: `split_range`, `migrate_range` and `migrate_parallel` on real databases."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from xml_migration.contract.compiler import load_plan
from xml_migration.db.connection import create_db_engine, dialect_name
from xml_migration.db.model import LOG, build_model
from xml_migration.migration import run_range
from xml_migration.migration.run_range import migrate_parallel, migrate_range, split_range
from xml_migration.migration.settings import MigrationSettings
from xml_migration.mock.database import generate_into_database


@given(
    start=st.integers(-10_000, 10_000),
    width=st.integers(1, 5_000),
    chunks=st.integers(1, 64),
)
def test_split_range_partitions_the_range_evenly(start: int, width: int, chunks: int) -> None:
    end = start + width - 1
    parts = split_range(start, end, chunks)
    assert len(parts) == min(chunks, width)
    assert parts[0][0] == start and parts[-1][1] == end
    assert all(low <= high for low, high in parts)
    assert all(parts[i][1] + 1 == parts[i + 1][0] for i in range(len(parts) - 1))
    sizes = [high - low + 1 for low, high in parts]
    assert max(sizes) - min(sizes) <= 1


@given(start=st.integers(-100, 100), gap=st.integers(1, 100), chunks=st.integers(1, 8))
def test_split_range_of_an_empty_range_is_empty(start: int, gap: int, chunks: int) -> None:
    assert split_range(start, start - gap, chunks) == []


def log_outcomes(url: str) -> dict[int, list[str]]:
    """Status of every processing log row per app_id, in logging order."""
    engine = create_db_engine(url)
    model = build_model(load_plan().target, dialect_name(engine))
    query = select(model.log_app_key, model.log.c[LOG.status]).order_by(model.log.c[LOG.log_id])
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    finally:
        engine.dispose()
    outcomes: dict[int, list[str]] = {}
    for app_id, status in rows:
        outcomes.setdefault(int(app_id), []).append(status)
    return outcomes


def table_rows(url: str) -> Counter[str]:
    engine = create_db_engine(url)
    model = build_model(load_plan().target, dialect_name(engine))
    try:
        with engine.connect() as connection:
            return Counter(
                {
                    table.name: int(connection.scalar(select(func.count()).select_from(table)))
                    for table in model.tables
                }
            )
    finally:
        engine.dispose()


def test_rerun_skips_processed_documents_and_reprocess_failed_retries_failures(
    database_url: str,
) -> None:
    generate_into_database(database_url, 30, seed=6, profile="compact", fault_rate=0.3)
    settings = MigrationSettings(database_url, batch_size=8, session_id="t")
    first = migrate_range(settings, None, None)
    assert first.documents == 30 and first.successes + first.failures == 30
    assert first.failures > 0 and first.skipped == 0
    assert first.rows_per_table == +table_rows(database_url)
    assert len(first.first_failures) == first.failures
    assert all(reason for _, reason in first.first_failures)
    assert all(seconds > 0 for seconds in first.stage_seconds.values())
    failed = {app_id for app_id, _ in first.first_failures}
    assert failed == {
        k for k, statuses in log_outcomes(database_url).items() if statuses == ["failed"]
    }

    again = migrate_range(settings, None, None)
    assert (again.documents, again.successes, again.failures) == (0, 0, 0)

    retried = migrate_range(replace(settings, reprocess_failed=True), None, None)
    assert retried.documents == first.failures
    assert {app_id for app_id, _ in retried.first_failures} == failed
    outcomes = log_outcomes(database_url)
    assert set(outcomes) == set(range(1, 31))
    assert all(len(statuses) == 1 for statuses in outcomes.values())
    assert table_rows(database_url) == +first.rows_per_table


def test_bounds_limit_and_batches(sqlite_url: str) -> None:
    generate_into_database(sqlite_url, 40, seed=2, profile="compact")
    settings = MigrationSettings(sqlite_url, batch_size=7)
    seen: list[int] = []
    stats = migrate_range(settings, 10, 29, on_batch=lambda s: seen.append(s.documents))
    assert seen == [7, 14, 20]
    assert stats.documents == stats.successes == 20
    assert set(log_outcomes(sqlite_url)) == set(range(10, 30))

    limited = migrate_range(settings, None, None, limit=12)
    assert limited.documents == 12
    assert set(log_outcomes(sqlite_url)) == set(range(1, 30)) | {30, 31, 32}


def test_a_batch_gathers_the_outcomes_of_several_source_fetches(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fetches are smaller than the load transaction: the batches keep their size."""
    monkeypatch.setattr(run_range, "FETCH_DOCUMENTS", 4)
    generate_into_database(database_url, 30, seed=3, profile="compact", fault_rate=0.2)
    seen: list[int] = []
    settings = MigrationSettings(database_url, batch_size=25)
    stats = migrate_range(settings, None, None, on_batch=lambda s: seen.append(s.documents))
    assert seen == [25, 30]
    assert stats.successes + stats.failures == 30 and stats.failures > 0
    assert set(log_outcomes(database_url)) == set(range(1, 31))
    assert stats.rows_per_table == +table_rows(database_url)


def test_parallel_run_has_the_outcomes_of_a_single_process_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    urls = [f"sqlite:///{tmp_path_factory.mktemp(name) / 'db.sqlite'}" for name in ("one", "two")]
    for url in urls:
        generate_into_database(url, 60, seed=12, profile="compact", fault_rate=0.2)
    single = migrate_parallel(MigrationSettings(urls[0], batch_size=9), 1, 60, 1)
    chunks: list[int] = []
    parallel = migrate_parallel(
        MigrationSettings(urls[1], batch_size=9),
        1,
        60,
        2,
        chunks_per_worker=3,
        on_chunk=lambda stats: chunks.append(stats.documents),
    )
    assert len(chunks) == 6 and chunks == sorted(chunks)
    assert chunks[-1] == parallel.documents == single.documents == 60
    assert parallel.failures_by_stage == single.failures_by_stage
    assert parallel.rows_per_table == +table_rows(urls[1])
    assert parallel.wall_seconds > 0
    # Two documents sharing a contact key: whichever loads second fails, and in parallel
    # either may load first. Every other document has the same outcome.
    colliding = {
        int(key)
        for app_id, reason in single.first_failures
        if "key_collision" in reason
        for key in (app_id, *re.findall(r"application (\d+)", reason))
    }
    single_outcomes, parallel_outcomes = log_outcomes(urls[0]), log_outcomes(urls[1])
    assert set(parallel_outcomes) == set(single_outcomes) == set(range(1, 61))
    for app_id in set(range(1, 61)) - colliding:
        assert parallel_outcomes[app_id] == single_outcomes[app_id], app_id
