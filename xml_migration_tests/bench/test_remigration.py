"""The re-migration section: first migrations and re-migrations after a one-column change
take turns on PostgreSQL; both pass the integrity checks and report records/min."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from xml_migration.bench.corpus import open_corpus
from xml_migration.bench.remigration import write_changed_contract
from xml_migration.bench.suite import BenchOptions, Section, run_benchmark
from xml_migration.contract.compiler import load_plan
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.db.connection import create_db_engine
from xml_migration.db.model import LOG, build_model

DOCUMENTS = 30


@pytest.mark.integration
def test_remigration_section_measures_both_and_leaves_the_new_contract(
    postgres_url: str, tmp_path: Path
) -> None:
    corpus_directory = tmp_path / "corpus"
    open_corpus(corpus_directory, DOCUMENTS, "compact", 1)
    options = BenchOptions(
        documents=DOCUMENTS,
        profile="compact",
        repeats=2,
        batch_size=7,
        postgresql_url=postgres_url,
        corpus_directory=corpus_directory,
        sections=frozenset({Section.REMIGRATION}),
    )
    result = run_benchmark(options)
    first = result["sections"]["first_migration_2_workers"]
    again = result["sections"]["remigration_2_workers"]
    assert first["documents"] == again["documents"] == DOCUMENTS
    assert len(first["runs"]) == len(again["runs"]) == 2
    assert result["remigration_rec_per_min_2_workers"] == again["records_per_minute"] > 0
    assert result["first_migration_rec_per_min_2_workers"] == first["records_per_minute"] > 0
    assert result["remigration_over_first_ratio"] == pytest.approx(
        again["records_per_minute"] / first["records_per_minute"]
    )
    assert result["integrity_passed"] is True
    changed = contract_fingerprint(load_plan(write_changed_contract(tmp_path)).contract)
    engine = create_db_engine(postgres_url)
    model = build_model(load_plan().target, engine.dialect.name)
    try:
        with engine.connect() as connection:
            stamps = connection.execute(select(model.log.c[LOG.contract_fingerprint])).all()
    finally:
        engine.dispose()
    assert sorted(stamps) == [(changed,)] * DOCUMENTS
