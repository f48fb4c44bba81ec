"""CPU cost per document of each stage, in milliseconds, for the worker and for PostgreSQL.

Wall-clock figures on a shared machine move with everyone else's load; CPU seconds hardly
do. On a sample of the corpus this measures what one document costs a worker (`client`)
and the PostgreSQL backend serving it (`server`, read from the backend process when the
server runs on this machine): reading the source text under each storage of the source
column, parsing with and without contract-aware pruning, mapping, and loading with COPY.
Their sum bounds the throughput two cores can reach when they do nothing else.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from time import process_time

import psutil
from sqlalchemy import Engine, text

from xml_migration.bench.corpus import Corpus, corpus_batches
from xml_migration.bench.end_to_end import SourceStorage, quoted_source, storage_clause
from xml_migration.bench.pruning import measure_pruning
from xml_migration.contract.plan import CompiledPlan
from xml_migration.db.connection import disposable_engine
from xml_migration.db.dbapi import read_text_as_utf8
from xml_migration.db.ddl import reset_schema
from xml_migration.db.loader import open_loader
from xml_migration.db.source import SourceDocument
from xml_migration.engine.mapper import map_parsed
from xml_migration.engine.outcome import DocumentFailure, DocumentOutcome
from xml_migration.engine.pruning import keep_spec_for
from xml_migration.engine.reader import Utf8Text, parse_document

SAMPLE_DOCUMENTS = 1_000
CORES = 2
READ_TABLE = "bench_read_{storage}"


class _Backend:
    """CPU seconds of the PostgreSQL backend of the engine's single pooled connection;
    None when that process is not on this machine."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as connection:
            pid = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        try:
            process = psutil.Process(pid)
            self._process: psutil.Process | None = process if "postgres" in process.name() else None
        except psutil.Error:
            self._process = None

    def cpu(self) -> float | None:
        if self._process is None:
            return None
        times = self._process.cpu_times()
        return times.user + times.system


def _sample(corpus: Corpus, plan: CompiledPlan) -> list[SourceDocument]:
    """The first documents of the corpus as the PostgreSQL source delivers them: text as
    `Utf8Text`."""
    documents: list[SourceDocument] = []
    for batch in corpus_batches(corpus, plan.target):
        for app_id, document in batch[: SAMPLE_DOCUMENTS - len(documents)]:
            text = Utf8Text(document.encode()) if isinstance(document, str) else document
            documents.append(SourceDocument(app_id, text))
        if len(documents) >= SAMPLE_DOCUMENTS:
            break
    return documents


def _read_tables(engine: Engine, plan: CompiledPlan, last_app_id: int) -> dict[str, int]:
    """A scratch table per storage with the sample's texts, freshly compressed; its bytes."""
    source, key, column = quoted_source(engine, plan.target)
    sizes: dict[str, int] = {}
    with engine.begin() as connection:
        for storage in SourceStorage:
            table = READ_TABLE.format(storage=storage.value)
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
            connection.exec_driver_sql(
                f"CREATE TABLE {table} (app_id integer PRIMARY KEY, xml text)"
            )
            clause = storage_clause(storage)
            if clause is not None:
                connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN xml {clause}")
            # Concatenation makes new values, compressed as the table says (a plain copy
            # would keep the source's compressed values as they are).
            connection.exec_driver_sql(
                f"INSERT INTO {table} SELECT {key}, {column} || '' FROM {source} "
                f"WHERE {key} <= {int(last_app_id)}"
            )
            size = connection.scalar(
                text("SELECT pg_total_relation_size(CAST(:table AS regclass))"),
                {"table": table},
            )
            sizes[storage.value] = int(size or 0)
    return sizes


def _drop_read_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for storage in SourceStorage:
            connection.exec_driver_sql(
                f"DROP TABLE IF EXISTS {READ_TABLE.format(storage=storage.value)}"
            )


def _read_all(engine: Engine, storage: SourceStorage, batch_size: int) -> Callable[[], object]:
    """Stream the scratch table of `storage` as the migration reads its source."""
    table = READ_TABLE.format(storage=storage.value)
    query = text(f"SELECT app_id, xml FROM {table} ORDER BY app_id")

    def run() -> int:
        characters = 0
        with engine.connect() as connection:
            read_text_as_utf8(connection)
            result = connection.execution_options(yield_per=batch_size).execute(query)
            for partition in result.partitions():
                characters += sum(len(document) for _, document in partition)
        return characters

    return run


class _Stages:
    """CPU seconds per stage over the repeats: (client, server or None) per repeat."""

    def __init__(self) -> None:
        self.runs: dict[str, list[tuple[float, float | None]]] = {}

    def record(self, name: str, client: float, server: float | None = None) -> None:
        self.runs.setdefault(name, []).append((client, server))

    def timed(self, name: str, run: Callable[[], object], backend: _Backend | None = None) -> None:
        before = backend.cpu() if backend is not None else None
        started = process_time()
        run()
        client = process_time() - started
        after = backend.cpu() if backend is not None else None
        server = None if before is None or after is None else after - before
        self.record(name, client, server)

    def per_document(self, count: int) -> dict[str, dict[str, float]]:
        """Median milliseconds per document, client and (when known) server."""
        costs: dict[str, dict[str, float]] = {}
        for name, runs in self.runs.items():
            figures = {"client_ms": statistics.median(run[0] for run in runs) * 1000 / count}
            servers = [run[1] for run in runs if run[1] is not None]
            if servers:
                figures["server_ms"] = statistics.median(servers) * 1000 / count
            costs[name] = figures
        return costs


def measure_stage_costs(
    corpus: Corpus,
    plan: CompiledPlan,
    postgresql_url: str,
    batch_size: int,
    repeats: int,
) -> dict[str, object]:
    """Milliseconds of CPU per document for each stage on the first `SAMPLE_DOCUMENTS`
    documents, medians of `repeats`, and the throughput ceiling they imply per storage.

    The PostgreSQL database must hold the corpus as its source table
    (`prepare_postgresql_source`); its target tables are emptied before and after.
    """
    documents = _sample(corpus, plan)
    count = len(documents)
    stages = _Stages()
    with disposable_engine(postgresql_url, pool_size=1, max_overflow=0) as engine:
        try:
            sizes = _read_tables(engine, plan, documents[-1].app_id)
            backend = _Backend(engine)
            for _ in range(max(1, repeats)):
                for storage in SourceStorage:
                    stages.timed(
                        f"read_{storage.value}", _read_all(engine, storage, batch_size), backend
                    )
                stages.timed(
                    "parse_whole",
                    lambda: [
                        parse_document(plan, key, doc, pruned=False) for key, doc in documents
                    ],
                )
                started = process_time()
                parsed = [parse_document(plan, key, doc) for key, doc in documents]
                stages.record("parse_pruned", process_time() - started)
                started = process_time()
                outcomes = [
                    item if isinstance(item, DocumentFailure) else map_parsed(item)
                    for item in parsed
                ]
                stages.record("map", process_time() - started)
                reset_schema(engine, plan.target)
                stages.timed("load", _loading(engine, plan, outcomes, batch_size), backend)
            reset_schema(engine, plan.target)
        finally:
            _drop_read_tables(engine)
    costs = stages.per_document(count)
    texts = [document for _, document in documents if isinstance(document, Utf8Text)]
    spec = keep_spec_for(plan.container_path, plan.read_paths)
    pruning = measure_pruning(texts, spec, max(1, repeats))
    result: dict[str, object] = {"documents": count, "stages": costs}
    result["prune_only_ms"] = 1000 / pruning["prune_docs_per_s"]
    result["prune_only_unchecked_ms"] = 1000 / pruning["prune_unchecked_docs_per_s"]
    result["read_table_bytes"] = sizes
    for storage in SourceStorage:
        stage_names = (f"read_{storage.value}", "parse_pruned", "map", "load")
        total = sum(sum(costs[name].values()) for name in stage_names)
        result[f"total_ms_{storage.value}_storage"] = total
        result[f"ceiling_rec_per_min_{CORES}_cores_{storage.value}_storage"] = (
            CORES * 60_000 / total
        )
    return result


def _loading(
    engine: Engine, plan: CompiledPlan, outcomes: list[DocumentOutcome], batch_size: int
) -> Callable[[], object]:
    def run() -> None:
        with open_loader(engine, plan.target) as loader:
            for start in range(0, len(outcomes), batch_size):
                loader.load(outcomes[start : start + batch_size])

    return run
