"""The Dagster section: one real multiprocess run of the `migrate` job in a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from xml_migration.bench.corpus import open_corpus
from xml_migration.bench.dagster_run import deployment_environment
from xml_migration.bench.end_to_end import MEBIBYTE
from xml_migration.bench.suite import BenchOptions, Section, run_benchmark


def test_the_deployment_replaces_every_project_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XML_MIGRATION_CONTRACT", "elsewhere.json")
    monkeypatch.setenv("XML_MIGRATION_EXECUTOR", "celery")
    environment = deployment_environment(tmp_path, "postgresql://bench", (1, 42), 2)
    assert environment["DAGSTER_HOME"] == str(tmp_path)
    assert environment["XML_MIGRATION_DB_URL"] == "postgresql://bench"
    assert environment["XML_MIGRATION_EXECUTOR"] == "multiprocess"
    assert environment["XML_MIGRATION_WORKERS"] == "2"
    assert environment["XML_MIGRATION_PARTITION_WIDTH"] == "43"
    assert "XML_MIGRATION_CONTRACT" not in environment


@pytest.mark.integration
@pytest.mark.dagster
@pytest.mark.slow
def test_a_dagster_run_migrates_the_corpus_and_passes_the_checks(
    postgres_url: str, tmp_path: Path
) -> None:
    corpus_directory = tmp_path / "corpus"
    open_corpus(corpus_directory, 12, "compact", 1)
    options = BenchOptions(
        documents=12,
        profile="compact",
        repeats=1,
        batch_size=5,
        postgresql_url=postgres_url,
        corpus_directory=corpus_directory,
        sections=frozenset({Section.DAGSTER}),
    )
    result = run_benchmark(options)
    figures = result["sections"]["dagster_2_workers"]
    assert figures["documents"] == 12 and figures["failures"] == 0
    assert result["dagster_rec_per_min_2_workers"] == figures["records_per_minute"] > 0
    assert 0 < figures["migration_seconds"] <= figures["wall_seconds"]
    assert figures["wall_seconds"] < figures["process_seconds"]
    assert figures["process_records_per_minute"] > 0
    assert figures["stage_seconds"]["parse"] > 0
    assert result["integrity_passed"] is True
    assert set(result["integrity"]) == {"dagster_2_workers"}
    [run] = figures["runs"]
    # Step processes only (chunk planning, two chunks, summary, checks), each with Dagster.
    assert run["run_id"] and 4 <= len(run["worker_peak_rss_bytes"]) <= 6
    assert min(run["worker_peak_rss_bytes"]) > 50 * MEBIBYTE
    chunks = [moments for step, moments in run["steps"].items() if "migrate_chunk" in step]
    assert len(chunks) == 2
    for moments in run["steps"].values():
        assert 0 <= moments["launched"] <= moments["started"] <= moments["finished"]
        assert moments["finished"] <= figures["wall_seconds"]
        assert moments["peak_rss_mb"] * MEBIBYTE in run["worker_peak_rss_bytes"]
    assert result["targets"]["dagster_rec_per_min_2_workers"]["met"] is False
