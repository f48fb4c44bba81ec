"""The benchmark corpus: generated once into a SQLite file, then reused."""

from __future__ import annotations

from pathlib import Path

import pytest

from xml_migration.bench.corpus import corpus_batches, open_corpus
from xml_migration.contract.compiler import load_plan


def test_a_corpus_is_generated_once_and_reused(tmp_path: Path) -> None:
    counted: list[int] = []
    corpus, generated = open_corpus(tmp_path, 7, "compact", 3, progress=counted.append)
    assert generated and sum(counted) == 7
    assert (corpus.documents, corpus.first_app_id, corpus.last_app_id) == (7, 1, 7)
    assert corpus.path.name == "compact-7-seed3.db" and corpus.bytes > 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "compact-7-seed3.db",
        "compact-7-seed3.json",
    ]
    again, generated_again = open_corpus(tmp_path, 7, "compact", 3)
    assert again == corpus and not generated_again


def test_corpus_batches_yield_every_document_in_key_order(tmp_path: Path) -> None:
    corpus, _ = open_corpus(tmp_path, 5, "compact", 1)
    batches = list(corpus_batches(corpus, load_plan().target, batch_size=2))
    assert [len(batch) for batch in batches] == [2, 2, 1]
    documents = [document for batch in batches for document in batch]
    assert [document.app_id for document in documents] == [1, 2, 3, 4, 5]
    assert sum(len(document.document.encode("utf-8")) for document in documents) == corpus.bytes


def test_other_seeds_profiles_and_sizes_are_other_corpora(tmp_path: Path) -> None:
    first, _ = open_corpus(tmp_path, 3, "compact", 1)
    assert open_corpus(tmp_path, 3, "compact", 2)[0].path != first.path
    assert open_corpus(tmp_path, 4, "compact", 1)[0].path != first.path


def test_an_empty_corpus_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one document"):
        open_corpus(tmp_path, 0, "compact", 1)
