"""The benchmark corpus: mock documents generated once into a SQLite file and reused.

A corpus is identified by its profile, document count and seed (`production-20000-seed1`).
Its SQLite file holds the shipped contract's source table with keys 1..N and nothing else;
a JSON file beside it records what it holds. Both are written under a temporary name and
renamed when complete, so an interrupted generation never leaves a corpus that looks usable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import disposable_engine
from xml_migration.db.source import SourceDocument, read_pending_documents
from xml_migration.mock.database import generate_into_database
from xml_migration.mock.generator import Profile

DEFAULT_CORPUS_DIRECTORY = Path("bench-corpus")
READ_BATCH_DOCUMENTS = 200


@dataclass(frozen=True, slots=True)
class Corpus:
    """A generated corpus: where it is and what it holds (`bytes`: UTF-8 size of all texts)."""

    path: Path
    profile: str
    seed: int
    documents: int
    bytes: int
    first_app_id: int
    last_app_id: int

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the corpus file."""
        return f"sqlite:///{self.path}"

    @property
    def key(self) -> str:
        return corpus_key(self.profile, self.documents, self.seed)


def corpus_key(profile: str, documents: int, seed: int) -> str:
    """The name shared by a corpus's files: `<profile>-<documents>-seed<seed>`."""
    return f"{Profile(profile).value}-{documents}-seed{seed}"


def _description_path(database: Path) -> Path:
    return database.with_suffix(".json")


def open_corpus(
    directory: Path,
    documents: int,
    profile: str,
    seed: int,
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[Corpus, bool]:
    """The corpus of `documents` documents of `profile` and `seed` in `directory`,
    generated when missing; also whether it was generated now.

    `progress` receives the number of documents generated since its previous call.
    """
    if documents < 1:
        raise ValueError(f"a corpus needs at least one document, got {documents}")
    key = corpus_key(profile, documents, seed)
    database = directory / f"{key}.db"
    description = _description_path(database)
    if database.exists() and description.exists():
        recorded = json.loads(description.read_text(encoding="utf-8"))
        return Corpus(path=database, **recorded), False
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f"{key}.partial.db"
    for stale in directory.glob(f"{partial.name}*"):
        stale.unlink()
    report = generate_into_database(
        f"sqlite:///{partial}", documents, seed=seed, profile=profile, progress=progress
    )
    _checkpoint(partial)
    corpus = Corpus(
        path=database,
        profile=Profile(profile).value,
        seed=seed,
        documents=report.documents,
        bytes=report.total_bytes,
        first_app_id=report.first_app_id,
        last_app_id=report.last_app_id,
    )
    partial.replace(database)
    recorded = {name: value for name, value in asdict(corpus).items() if name != "path"}
    written = description.with_suffix(".partial.json")
    written.write_text(json.dumps(recorded, indent=2) + "\n", encoding="utf-8")
    written.replace(description)
    return corpus, True


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the database file, so that the file alone is the corpus."""
    with disposable_engine(f"sqlite:///{database}") as engine, engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def corpus_batches(
    corpus: Corpus, target: TargetSchema, batch_size: int = READ_BATCH_DOCUMENTS
) -> Iterator[list[SourceDocument]]:
    """The corpus documents in key order, `batch_size` at a time."""
    with disposable_engine(corpus.url) as engine:
        yield from read_pending_documents(engine, target, None, None, batch_size)
