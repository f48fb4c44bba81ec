"""The load-path benchmark runs end to end on a small corpus (figures are not asserted)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from xml_migration.bench.load_paths import BENCH_SCHEMA, bench_document, measure_load_paths
from xml_migration.db.connection import create_db_engine


def test_a_bench_document_has_twenty_rows_in_ten_tables() -> None:
    counts = bench_document(7).row_counts
    assert (len(counts), sum(counts.values())) == (10, 20)


@pytest.mark.integration
def test_measure_load_paths_reports_both_methods_and_cleans_up(postgres_url: str) -> None:
    figures = measure_load_paths(postgres_url, documents=40, batch_size=15, repeats=1)
    assert (figures["documents"], figures["rows"]) == (40, 800)
    assert figures["copy_rows_per_s"] > 0 and figures["executemany_rows_per_s"] > 0
    engine = create_db_engine(postgres_url)
    try:
        assert inspect(engine).get_table_names(schema=BENCH_SCHEMA) == []
    finally:
        engine.dispose()


def test_measure_load_paths_needs_postgresql(sqlite_url: str) -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        measure_load_paths(sqlite_url, documents=1)
