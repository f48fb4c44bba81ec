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
from dataclasses import replace
from time import process_time

import psutil
from sqlalchemy import Engine, text

from xml_migration.bench.corpus import Corpus, corpus_batches
from xml_migration.bench.end_to_end import SourceStorage, quoted_source, storage_clause
from xml_migration.bench.pruning import measure_pruning
from xml_migration.contract.plan import CompiledPlan
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import disposable_engine
from xml_migration.db.dbapi import read_text_as_utf8
from xml_migration.db.ddl import reset_schema
from xml_migration.db.loader import open_loader
from xml_migration.db.source import (
    FETCH_DOCUMENTS,
    SourceDocument,
    read_pending_documents,
    sent_size,
)
from xml_migration.engine.mapper import map_parsed
from xml_migration.engine.outcome import DocumentFailure, DocumentOutcome
from xml_migration.engine.pruning import keep_spec_for
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES, Utf8Text, parse_document
from xml_migration.engine.source_cut import (
    TAIL_CHARACTERS,
    CutText,
    SourceCut,
    cut_document,
    source_cut_for,
)

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


def _scratch_target(plan: CompiledPlan, storage: SourceStorage) -> TargetSchema:
    """The contract's target with the scratch table of `storage` as its source."""
    return replace(
        plan.target,
        source_table=READ_TABLE.format(storage=storage.value),
        source_key_column="app_id",
        source_column="xml",
    )


def _scratch_table(engine: Engine, plan: CompiledPlan, storage: SourceStorage) -> str:
    table, _key, _column = quoted_source(engine, _scratch_target(plan, storage))
    return table


def _read_tables(engine: Engine, plan: CompiledPlan, last_app_id: int) -> dict[str, int]:
    """A scratch table per storage with the sample's texts, freshly compressed, in the
    source's schema; its bytes."""
    source, key, column = quoted_source(engine, plan.target)
    sizes: dict[str, int] = {}
    with engine.begin() as connection:
        for storage in SourceStorage:
            table = _scratch_table(engine, plan, storage)
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


def _drop_read_tables(engine: Engine, plan: CompiledPlan) -> None:
    with engine.begin() as connection:
        for storage in SourceStorage:
            connection.exec_driver_sql(
                f"DROP TABLE IF EXISTS {_scratch_table(engine, plan, storage)}"
            )


CUT_FORMS = {
    "strpos": (
        "substr(xml, 1, strpos(xml, :end_tag) + :reach) AS head, octet_length(xml) AS size, "
        "right(xml, :tail) AS tail"
    ),
    "prefix": (
        "CASE WHEN strpos(substr(xml, 1, :prefix), :end_tag) > 0 THEN substr(xml, 1, "
        "strpos(substr(xml, 1, :prefix), :end_tag) + :reach) END AS head, "
        "octet_length(xml) AS size, substr(textsend(xml), octet_length(xml) - :tail + 1) AS tail"
    ),
}
"""Other SQL forms of the PostgreSQL cut, measured beside the one the reader sends
(`textsend`: one decompression into bytes, sliced): `strpos` finds the end tag in the text
(each text function decompresses the value again; `right` counts characters), `prefix`
looks for it in a prefix only (slice decompression) and takes the tail from bytes."""
CUT_PREFIX_CHARACTERS = 16_384


def _read_all(
    engine: Engine, table: str, batch_size: int, columns: str = "xml", **params: object
) -> Callable[[], object]:
    """Stream `columns` of a scratch table in key order, as the migration reads its source."""
    query = text(f"SELECT app_id, {columns} FROM {table} ORDER BY app_id")

    def run() -> int:
        values = 0
        with engine.connect() as connection:
            read_text_as_utf8(connection)
            result = connection.execution_options(yield_per=batch_size).execute(query, params)
            for partition in result.partitions():
                values += len(partition)
        return values

    return run


def _cut_documents(engine: Engine, plan: CompiledPlan) -> list[SourceDocument]:
    """The sample as the source reader delivers it with the source cut (lz4 storage)."""
    target = _scratch_target(plan, SourceStorage.LZ4)
    cut = source_cut_for(plan)
    return [
        document
        for documents in read_pending_documents(
            engine, target, None, None, FETCH_DOCUMENTS, cut=cut
        )
        for document in documents
    ]


def _parse_sent(
    plan: CompiledPlan, cut: SourceCut, app_id: int, document: str | bytes | CutText | None
) -> object:
    """Parse a document as the source sent it: checked cut, or whole."""
    if isinstance(document, CutText):
        return cut_document(plan, cut, app_id, document, max_bytes=DEFAULT_MAX_DOCUMENT_BYTES)
    return parse_document(plan, app_id, document)


def _read_cut(engine: Engine, plan: CompiledPlan, storage: SourceStorage) -> Callable[[], int]:
    """Read a scratch table as the migration reads its source with the source cut; the
    bytes received."""
    target = _scratch_target(plan, storage)
    cut = source_cut_for(plan)

    def run() -> int:
        received = 0
        for documents in read_pending_documents(
            engine, target, None, None, FETCH_DOCUMENTS, cut=cut
        ):
            received += sum(sent_size(document) for _, document in documents)
        return received

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
            cut = source_cut_for(plan)
            reset_schema(engine, plan.target)
            sent = _cut_documents(engine, plan) if cut is not None else []
            for _ in range(max(1, repeats)):
                reset_schema(engine, plan.target)
                for storage in SourceStorage:
                    table = _scratch_table(engine, plan, storage)
                    stages.timed(
                        f"read_{storage.value}", _read_all(engine, table, batch_size), backend
                    )
                    if cut is None:
                        continue
                    stages.timed(
                        f"read_cut_{storage.value}", _read_cut(engine, plan, storage), backend
                    )
                    for form, columns in CUT_FORMS.items():
                        reader = _read_all(
                            engine,
                            table,
                            batch_size,
                            columns,
                            end_tag=cut.end_tag,
                            reach=len(cut.end_tag) - 1,
                            tail=TAIL_CHARACTERS,
                            prefix=CUT_PREFIX_CHARACTERS,
                        )
                        stages.timed(f"read_cut_{form}_{storage.value}", reader, backend)
                stages.timed(
                    "parse_whole",
                    lambda: [
                        parse_document(plan, key, doc, pruned=False) for key, doc in documents
                    ],
                )
                started = process_time()
                parsed = [parse_document(plan, key, doc) for key, doc in documents]
                stages.record("parse_pruned", process_time() - started)
                if cut is not None:
                    stages.timed(
                        "parse_cut", lambda: [_parse_sent(plan, cut, *doc) for doc in sent]
                    )
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
            _drop_read_tables(engine, plan)
    costs = stages.per_document(count)
    texts = [document for _, document in documents if isinstance(document, Utf8Text)]
    spec = keep_spec_for(plan.container_path, plan.read_paths)
    pruning = measure_pruning(texts, spec, max(1, repeats))
    result: dict[str, object] = {"documents": count, "stages": costs}
    result["prune_only_ms"] = 1000 / pruning["prune_docs_per_s"]
    result["prune_only_unchecked_ms"] = 1000 / pruning["prune_unchecked_docs_per_s"]
    result["read_table_bytes"] = sizes
    for storage in SourceStorage:
        for read in (f"read_{storage.value}", f"read_cut_{storage.value}"):
            if read not in costs:
                continue
            kind = "cut_" if "_cut_" in read else ""
            stage_names = (read, "parse_cut" if kind else "parse_pruned", "map", "load")
            total = sum(sum(costs[name].values()) for name in stage_names)
            result[f"total_ms_{kind}{storage.value}_storage"] = total
            result[f"ceiling_rec_per_min_{CORES}_cores_{kind}{storage.value}_storage"] = (
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
