"""End-to-end figures: the real migration (read, parse, map, load, log) into a database set
aside for measuring, verified by the integrity checks after every run.

PostgreSQL: the source table of a dedicated database (`xml_migration_bench` by default,
created when missing) is loaded with the corpus once and kept while it holds the same
corpus with the same storage of the source column; a comment on the table records which.
SQLite: a copy of the corpus file. Before every run the target tables and the processing
log are emptied; the source stays.
"""

from __future__ import annotations

import shutil
import statistics
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from xml_migration.bench.corpus import Corpus, corpus_batches
from xml_migration.bench.memory import WorkerMemorySampler
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import disposable_engine
from xml_migration.db.ddl import create_schema, drop_schema, reset_schema
from xml_migration.db.integrity import IntegrityResult, integrity_checks
from xml_migration.db.model import build_model
from xml_migration.db.source import insert_source_documents
from xml_migration.migration.run_range import cached_plan, migrate_parallel
from xml_migration.migration.run_stats import STAGES
from xml_migration.migration.settings import MigrationSettings

BENCH_DATABASE = "xml_migration_bench"
DEFAULT_POSTGRESQL_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
MAINTENANCE_DATABASE = "postgres"
BENCH_LOCK_KEY = 0x786D6C62
"""PostgreSQL advisory lock key a benchmark holds on its database while it runs."""
MEBIBYTE = 1024 * 1024


class SourceStorage(StrEnum):
    """How PostgreSQL stores the source column's large texts.

    `default`: as the DDL creates it (TOAST, compressed with lz4 where the server has it,
    else with the server's `default_toast_compression`; the scratch table of the CPU costs
    always takes the server's, pglz unless configured); `lz4`: compressed with lz4;
    `external`: out of line and uncompressed.
    """

    DEFAULT = "default"
    LZ4 = "lz4"
    EXTERNAL = "external"


_STORAGE_CLAUSES = {
    SourceStorage.LZ4: "SET COMPRESSION lz4",
    SourceStorage.EXTERNAL: "SET STORAGE EXTERNAL",
}


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One measured run: its figures, its workers' peak RSS and the integrity verdicts."""

    workers: int
    documents: int
    successes: int
    failures: int
    wall_seconds: float
    records_per_minute: float
    stage_seconds: dict[str, float]
    worker_peak_rss_bytes: list[int]
    integrity: dict[str, dict[str, object]] = field(default_factory=dict)
    source_bytes: int = 0
    source_cuts: int = 0
    source_cut_fallbacks: int = 0

    @property
    def integrity_passed(self) -> bool:
        return all(result["passed"] for result in self.integrity.values())


def ensure_postgresql_database(url: str) -> bool:
    """Create the database of `url` on its server when missing; whether it was created."""
    database = make_url(url).database
    if not database:
        raise ValueError("the PostgreSQL URL names no database")
    with (
        disposable_engine(
            make_url(url).set(database=MAINTENANCE_DATABASE), isolation_level="AUTOCOMMIT"
        ) as admin,
        admin.connect() as connection,
    ):
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
        )
        if exists:
            return False
        quoted = connection.dialect.identifier_preparer.quote_identifier(database)
        connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
        return True


@contextmanager
def exclusive_use(url: str, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the benchmark's advisory lock on the database of `url` meanwhile, so that two
    benchmarks never replace or empty each other's tables (nor time each other's work).

    When another benchmark holds it, `waiting` is called and the lock is awaited.
    """
    with (
        disposable_engine(url, poolclass=NullPool) as engine,
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
    ):
        key = {"key": BENCH_LOCK_KEY}
        if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
            if waiting is not None:
                waiting()
            connection.execute(text("SELECT pg_advisory_lock(:key)"), key)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)


def storage_clause(storage: SourceStorage) -> str | None:
    """The `ALTER COLUMN` action giving a text column `storage`; None for the default."""
    return _STORAGE_CLAUSES.get(storage)


def quoted_source(engine: Engine, target: TargetSchema) -> tuple[str, str, str]:
    """The source table's qualified name, its key column and its document column, quoted
    for SQL text."""
    model = build_model(target, engine.dialect.name)
    preparer = engine.dialect.identifier_preparer
    return (
        preparer.format_table(model.source),
        preparer.quote(target.source_key_column),
        preparer.quote(target.source_column),
    )


def source_marker(corpus: Corpus, storage: SourceStorage) -> str:
    """What the comment on a loaded source table says: the corpus and the storage."""
    return f"xml-migration bench corpus {corpus.key}, source storage {storage.value}"


def _corpus_documents(corpus: Corpus, target: TargetSchema) -> Iterator[tuple[int, str | bytes]]:
    for batch in corpus_batches(corpus, target):
        yield from batch


def prepare_postgresql_source(
    engine: Engine,
    target: TargetSchema,
    corpus: Corpus,
    storage: SourceStorage,
    progress: Callable[[int], None] | None = None,
    *,
    reload: bool = False,
) -> bool:
    """Give the database the contract's tables and the corpus as its source table, stored
    as `storage`; whether the source was loaded now (False: it already held the corpus).

    `reload` loads it again even so (after a change of how the DDL creates the source
    table). `progress` receives the number of documents loaded since its previous call.
    """
    table, _key, column = quoted_source(engine, target)
    marker = source_marker(corpus, storage)
    create_schema(engine, target)
    with engine.connect() as connection:
        current = connection.scalar(
            text("SELECT obj_description(CAST(:table AS regclass), 'pg_class')"),
            {"table": table},
        )
    if current == marker and not reload:
        return False
    drop_schema(engine, target, include_source=True)
    create_schema(engine, target)
    clause = storage_clause(storage)
    if clause is not None:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} {clause}")
    documents = _corpus_documents(corpus, target)
    if progress is not None:
        documents = _counted(documents, progress)
    insert_source_documents(engine, target, documents)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"ANALYZE {table}")
        quoted_marker = marker.replace("'", "''")
        connection.exec_driver_sql(f"COMMENT ON TABLE {table} IS '{quoted_marker}'")
    return True


def _counted(
    documents: Iterator[tuple[int, str | bytes]], progress: Callable[[int], None]
) -> Iterator[tuple[int, str | bytes]]:
    for document in documents:
        yield document
        progress(1)


_COMPRESSIONS = {"p": "pglz", "l": "lz4"}
_STORAGES = {"p": "plain", "e": "external", "m": "main", "x": "extended"}


def source_column_storage(engine: Engine, target: TargetSchema) -> dict[str, str]:
    """How PostgreSQL stores the source column: `storage` (extended, external…) and
    `compression` (pglz, lz4; for a column without its own, the server's default)."""
    table, _key, _column = quoted_source(engine, target)
    with engine.connect() as connection:
        storage, compression = connection.execute(
            text(
                "SELECT attstorage, attcompression FROM pg_attribute "
                "WHERE attrelid = CAST(:table AS regclass) AND attname = :column"
            ),
            {"table": table, "column": target.source_column},
        ).one()
        if not compression:
            default = connection.exec_driver_sql("SHOW default_toast_compression").scalar()
            return {"storage": _STORAGES.get(storage, storage), "compression": str(default)}
    return {
        "storage": _STORAGES.get(storage, storage),
        "compression": _COMPRESSIONS.get(compression, compression),
    }


def postgresql_source_bytes(engine: Engine, target: TargetSchema) -> int:
    """Bytes the source table occupies on disk, TOAST included."""
    table, _key, _column = quoted_source(engine, target)
    with engine.connect() as connection:
        size = connection.scalar(
            text("SELECT pg_total_relation_size(CAST(:table AS regclass))"), {"table": table}
        )
    return int(size or 0)


def copy_sqlite_corpus(corpus: Corpus, directory: Path) -> Path:
    """A copy of the corpus file in `directory`, to migrate into."""
    directory.mkdir(parents=True, exist_ok=True)
    copy = directory / f"{corpus.key}.target.db"
    shutil.copyfile(corpus.path, copy)
    return copy


def verdicts_of(results: Mapping[str, IntegrityResult]) -> dict[str, dict[str, object]]:
    """The integrity checks' verdicts as the JSON records them: passed and description."""
    return {
        name: {"passed": result.passed, "description": result.description}
        for name, result in results.items()
    }


def measured_run(
    database_url: str,
    target: TargetSchema,
    span: tuple[int, int],
    workers: int,
    batch_size: int,
    *,
    migration_url: str | None = None,
) -> RunFigures:
    """Empty the target, migrate the key range `span` with `workers` processes, check it.

    The workers reach the database through `migration_url` when given (a latency proxy).
    """
    with disposable_engine(database_url) as engine:
        reset_schema(engine, target)
    settings = MigrationSettings(
        database_url=migration_url or database_url,
        batch_size=batch_size,
        session_id=f"bench-{uuid.uuid4().hex[:16]}",
    )
    return timed_run(settings, span, workers, check_url=database_url)


def timed_run(
    settings: MigrationSettings,
    span: tuple[int, int],
    workers: int,
    *,
    check_url: str | None = None,
) -> RunFigures:
    """Migrate the key range `span` as `settings` say with `workers` processes, then run
    the integrity checks over it (through `check_url` when given, else the settings'
    database)."""
    with WorkerMemorySampler() as sampler:
        stats = migrate_parallel(settings, span[0], span[1], workers)
    target = cached_plan(settings.contract_path).target
    with disposable_engine(check_url or settings.database_url) as engine:
        integrity = verdicts_of(integrity_checks(engine, target, span))
    return RunFigures(
        workers=workers,
        documents=stats.documents,
        successes=stats.successes,
        failures=stats.failures,
        wall_seconds=stats.wall_seconds,
        records_per_minute=stats.records_per_minute,
        stage_seconds=dict(stats.stage_seconds),
        worker_peak_rss_bytes=sorted(sampler.peaks.values()),
        integrity=integrity,
        source_bytes=stats.source_bytes,
        source_cuts=stats.cuts,
        source_cut_fallbacks=stats.cut_fallbacks,
    )


def summarise_runs(runs: list[RunFigures]) -> dict[str, object]:
    """Medians over the runs of one configuration, the largest worker peak RSS, whether
    every run passed every integrity check, and the runs themselves.

    Stage seconds add up the stage's time in every worker (with two workers they can sum
    to twice the wall time).
    """
    peaks = [peak for run in runs for peak in run.worker_peak_rss_bytes]
    return {
        "workers": runs[0].workers,
        "documents": runs[0].documents,
        "failures": max(run.failures for run in runs),
        "records_per_minute": statistics.median(run.records_per_minute for run in runs),
        "wall_seconds": statistics.median(run.wall_seconds for run in runs),
        "stage_seconds": {
            stage: statistics.median(run.stage_seconds.get(stage, 0.0) for run in runs)
            for stage in STAGES
        },
        "peak_rss_mb_per_worker": max(peaks) / MEBIBYTE if peaks else None,
        "source_bytes_per_doc": statistics.median(
            run.source_bytes / max(run.documents, 1) for run in runs
        ),
        "source_cuts": runs[-1].source_cuts,
        "source_cut_fallbacks": runs[-1].source_cut_fallbacks,
        "integrity_passed": all(run.integrity_passed for run in runs),
        "integrity": runs[-1].integrity,
        "runs": [asdict(run) for run in runs],
    }
