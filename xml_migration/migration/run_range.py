"""Migrate one key range: stream pending source documents, map them, load them in batches."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import lru_cache, partial
from itertools import chain, islice
from time import perf_counter
from typing import NamedTuple

from xml_migration.contract.compiler import load_plan
from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.contract.plan import CompiledPlan
from xml_migration.db.connection import display_url, disposable_engine
from xml_migration.db.loader import BatchLoader, BatchResult, open_loader
from xml_migration.db.processing_log import LogContext
from xml_migration.db.retry import RetryPolicy
from xml_migration.db.source import (
    FETCH_DOCUMENTS,
    SourceDocument,
    read_pending_documents,
    read_whole_documents,
    sent_size,
)
from xml_migration.engine.mapper import map_parsed, unexpected_failure
from xml_migration.engine.outcome import DocumentFailure, DocumentOutcome
from xml_migration.engine.reader import parse_document
from xml_migration.engine.source_cut import CutText, SourceCut, cut_document, source_cut_for
from xml_migration.migration.lifetime import die_with_coordinator
from xml_migration.migration.pipeline import OneAhead, read_ahead
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.settings import MigrationSettings

log = logging.getLogger(__name__)

BatchCallback = Callable[[RunStats], None]
"""Called after every loaded batch with the figures so far (progress bars, Dagster events)."""


@lru_cache(maxsize=8)
def cached_plan(contract_path: str | None) -> CompiledPlan:
    """The compiled plan of a contract, compiled once per process."""
    return load_plan(contract_path)


def process_document(
    plan: CompiledPlan,
    app_id: int,
    document: str | bytes | None,
    settings: MigrationSettings,
    stats: RunStats,
    *,
    cut: SourceCut | None = None,
    cut_text: CutText | None = None,
) -> DocumentOutcome | None:
    """Parse and map one document, adding the seconds of each stage to `stats`.

    With `cut` and `cut_text` (what the source sent of a cut document), None when the cut
    is not shown to give the whole document's outcome: the caller reads it whole.
    """
    mark = perf_counter()
    try:
        if cut is not None and cut_text is not None:
            parsed = cut_document(
                plan,
                cut,
                app_id,
                cut_text,
                max_bytes=settings.max_document_bytes,
                max_nodes=settings.max_document_nodes,
                pruned=settings.pruned,
            )
        else:
            parsed = parse_document(
                plan,
                app_id,
                document,
                max_bytes=settings.max_document_bytes,
                max_nodes=settings.max_document_nodes,
                pruned=settings.pruned,
            )
    except Exception as error:  # every document must end with an outcome
        parsed = None if cut_text is not None else unexpected_failure(app_id, error)
    parsed_at = perf_counter()
    stats.stage_seconds["parse"] += parsed_at - mark
    if parsed is None or isinstance(parsed, DocumentFailure):
        return parsed
    try:
        outcome = map_parsed(parsed)
    except Exception as error:  # every document must end with an outcome
        outcome = unexpected_failure(app_id, error)
    stats.stage_seconds["map"] += perf_counter() - parsed_at
    return outcome


def read_timed(
    slices: Iterator[list[SourceDocument]], stats: RunStats
) -> Iterator[list[SourceDocument]]:
    """The slices of `slices`, adding the seconds spent waiting for each to `stats`."""
    while True:
        mark = perf_counter()
        documents = next(slices, None)
        stats.stage_seconds["read"] += perf_counter() - mark
        if documents is None:
            return
        yield documents


class _SliceProcessor:
    """Parses and maps the documents of source slices; reads the documents whose cut
    failed verification again whole, one query per slice, and maps them as usual."""

    def __init__(
        self,
        plan: CompiledPlan,
        settings: MigrationSettings,
        stats: RunStats,
        cut: SourceCut | None,
        read_whole: Callable[[list[int]], list[SourceDocument]],
    ) -> None:
        self.plan = plan
        self.settings = settings
        self.stats = stats
        self.cut = cut
        self.read_whole = read_whole

    def outcomes(self, documents: list[SourceDocument]) -> list[DocumentOutcome]:
        plan, settings, stats = self.plan, self.settings, self.stats
        outcomes: list[DocumentOutcome | None] = []
        again: list[int] = []
        for app_id, document in documents:
            stats.source_bytes += sent_size(document)
            if isinstance(document, CutText):
                stats.cuts += 1
                outcome = process_document(
                    plan, app_id, None, settings, stats, cut=self.cut, cut_text=document
                )
                if outcome is None:
                    again.append(len(outcomes))
            else:
                outcome = process_document(plan, app_id, document, settings, stats)
            outcomes.append(outcome)
        if again:
            stats.cut_fallbacks += len(again)
            mark = perf_counter()
            whole = dict(self.read_whole([documents[index].app_id for index in again]))
            stats.stage_seconds["read"] += perf_counter() - mark
            stats.source_bytes += sum(map(sent_size, whole.values()))
            for index in again:
                app_id = documents[index].app_id
                outcomes[index] = process_document(plan, app_id, whole.get(app_id), settings, stats)
        return [outcome for outcome in outcomes if outcome is not None]


def _loaded(loader: BatchLoader, batch: list[DocumentOutcome]) -> _LoadedBatch:
    mark = perf_counter()
    result = loader.load(batch)
    return _LoadedBatch(len(batch), result, perf_counter() - mark)


class _LoadedBatch(NamedTuple):
    """A batch the loader committed: its size, the load result and the seconds it took."""

    documents: int
    result: BatchResult
    seconds: float


def split_range(app_id_start: int, app_id_end: int, chunks: int) -> list[tuple[int, int]]:
    """Split the inclusive key range into at most `chunks` contiguous, non-empty sub-ranges."""
    if app_id_end < app_id_start:
        return []
    width = app_id_end - app_id_start + 1
    count = max(1, min(chunks, width))
    bounds = [app_id_start + width * index // count for index in range(count + 1)]
    return [(bounds[index], bounds[index + 1] - 1) for index in range(count)]


def migrate_range(
    settings: MigrationSettings,
    app_id_start: int | None,
    app_id_end: int | None,
    *,
    limit: int | None = None,
    on_batch: BatchCallback | None = None,
) -> RunStats:
    """Migrate the documents of a key range (inclusive; None is open) not yet processed.

    Every document read ends with its rows and a success log row, or a failed log row,
    written in the transaction of its batch; a re-run skips what is already logged (with
    `settings.remigrate_stale`, what is logged under the current contract). The
    source is fetched in small slices: a batch of `settings.batch_size` holds outcomes,
    not source texts. A thread reads the next slice while the current one is mapped, and
    another loads the previous batch meanwhile (`pipeline`); with `settings.source_cut`
    the source sends only what the contract reads of each document (ADR 0016).
    """
    plan = cached_plan(settings.contract_path)
    fingerprint = contract_fingerprint(plan.contract)
    cut = source_cut_for(plan) if settings.source_cut else None
    context = LogContext(
        session_id=settings.session_id,
        app_id_start=app_id_start,
        app_id_end=app_id_end,
        partition_key=settings.partition_key,
        contract_fingerprint=fingerprint,
    )
    log.info(
        "migrating keys %s..%s into %s",
        app_id_start,
        app_id_end,
        display_url(settings.database_url),
    )
    stats = RunStats()
    started = perf_counter()
    retry = RetryPolicy(budget_seconds=settings.retry_seconds)
    with (
        disposable_engine(settings.database_url) as engine,
        open_loader(
            engine,
            plan.target,
            context,
            reprocess_failed=settings.reprocess_failed,
            remigrate=settings.remigrate_stale,
            retry=retry,
        ) as loader,
        read_ahead(
            read_pending_documents(
                engine,
                plan.target,
                app_id_start,
                app_id_end,
                FETCH_DOCUMENTS,
                reprocess_failed=settings.reprocess_failed,
                remigrate_fingerprint=fingerprint if settings.remigrate_stale else None,
                limit=limit,
                cut=cut,
                retry=retry,
            )
        ) as slices,
        OneAhead(partial(_loaded, loader), "load") as loading,
    ):
        processor = _SliceProcessor(
            plan,
            settings,
            stats,
            cut,
            partial(read_whole_documents, engine, plan.target, retry=retry),
        )
        outcomes = chain.from_iterable(map(processor.outcomes, read_timed(slices, stats)))

        def record(loaded: _LoadedBatch | None) -> None:
            if loaded is None:
                return
            stats.stage_seconds["load"] += loaded.seconds
            stats.documents += loaded.documents
            stats.successes += len(loaded.result.loaded)
            stats.skipped += len(loaded.result.skipped)
            stats.rows_per_table.update(loaded.result.rows_per_table)
            for failure in loaded.result.failures:
                stats.record_failure(failure)
            stats.wall_seconds = perf_counter() - started
            if on_batch is not None:
                on_batch(stats)

        while batch := list(islice(outcomes, settings.batch_size)):
            record(loading.finish())
            loading.start(batch)
        record(loading.finish())
    stats.wall_seconds = perf_counter() - started
    return stats


def migrate_parallel(
    settings: MigrationSettings,
    app_id_start: int,
    app_id_end: int,
    workers: int,
    *,
    chunks_per_worker: int = 4,
    on_chunk: BatchCallback | None = None,
) -> RunStats:
    """Migrate a key range with `workers` processes (forkserver), each taking sub-ranges.

    The range is cut into `workers * chunks_per_worker` sub-ranges so that a worker whose
    keys are sparse does not idle while another finishes; `on_chunk` receives the combined
    figures after every finished sub-range. With one worker everything runs in this process.
    The fork server, started by the first pool of a process, imports this module (and the
    main module) once, so that its workers start with the package loaded. Workers end with
    this process, and at once when the run stops early (an error, a dead worker, a signal):
    their open batches roll back (`migration.lifetime`).
    """
    started = perf_counter()
    total = RunStats()
    if workers <= 1:
        total.merge(migrate_range(settings, app_id_start, app_id_end, on_batch=on_chunk))
    else:
        ranges = split_range(app_id_start, app_id_end, workers * chunks_per_worker)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", __name__])
        stop = context.RawValue("b", 0)
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=die_with_coordinator,
            initargs=(os.getpid(), stop),
        )
        try:
            futures = [pool.submit(migrate_range, settings, start, end) for start, end in ranges]
            for future in as_completed(futures):
                total.merge(future.result())
                total.wall_seconds = perf_counter() - started
                if on_chunk is not None:
                    on_chunk(total)
        except BaseException:
            stop.value = 1
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    total.wall_seconds = perf_counter() - started
    return total
