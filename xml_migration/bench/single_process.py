"""Figures measured in this process on one core: a full lxml parse, and the engine without
a database (read, parse, map).

The corpus is read once per repeat, a batch at a time; every variant processes each batch
in turn, so a change in machine load affects all variants alike, and only the variants'
own work is timed (reading the corpus and encoding the texts are not). Rates are per CPU
second of this process: the work of one core, which other load on a shared machine does
not stretch as it stretches wall-clock time (kept beside them as `wall_...`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter, process_time

from lxml import etree

from xml_migration.bench.corpus import Corpus, corpus_batches
from xml_migration.contract.plan import CompiledPlan
from xml_migration.db.source import SourceDocument
from xml_migration.engine.mapper import map_document
from xml_migration.engine.outcome import DocumentFailure
from xml_migration.engine.reader import hardened_parser

FULL_PARSE = "full_parse"
ENGINE = "engine"
ENGINE_UNPRUNED = "engine_unpruned"

Variant = Callable[[Sequence[SourceDocument], Sequence[bytes]], int]
"""Processes one batch (documents, and their texts as UTF-8 bytes); returns the failures."""


@dataclass(frozen=True, slots=True)
class PassTimes:
    """Wall-clock and CPU seconds of one variant over the whole corpus, and its failures."""

    wall_seconds: float
    cpu_seconds: float
    failures: int


def full_parse_variant() -> Variant:
    """A full parse of every document's bytes with the engine's hardened parser."""

    def run(documents: Sequence[SourceDocument], encoded: Sequence[bytes]) -> int:
        parser = hardened_parser()
        for raw in encoded:
            etree.fromstring(raw, parser)
        return 0

    return run


def engine_variant(plan: CompiledPlan, *, pruned: bool = True) -> Variant:
    """`map_document` over each source document (text as read from the source table),
    with or without contract-aware pruning."""

    def run(documents: Sequence[SourceDocument], encoded: Sequence[bytes]) -> int:
        failures = 0
        for app_id, document in documents:
            if isinstance(map_document(plan, app_id, document, pruned=pruned), DocumentFailure):
                failures += 1
        return failures

    return run


def engine_variants(plan: CompiledPlan) -> dict[str, Variant]:
    """The engine as configured (contract-aware pruning on), and with pruning off."""
    return {ENGINE: engine_variant(plan), ENGINE_UNPRUNED: engine_variant(plan, pruned=False)}


def measure_variants(
    corpus: Corpus, plan: CompiledPlan, variants: dict[str, Variant], repeats: int
) -> dict[str, list[PassTimes]]:
    """Each variant's times over the whole corpus, once per repeat."""
    passes: dict[str, list[PassTimes]] = {name: [] for name in variants}
    for _ in range(max(1, repeats)):
        totals = {name: [0.0, 0.0, 0] for name in variants}
        for batch in corpus_batches(corpus, plan.target):
            encoded = [
                document.encode("utf-8") if isinstance(document, str) else document
                for _, document in batch
            ]
            for name, variant in variants.items():
                wall, cpu = perf_counter(), process_time()
                failures = variant(batch, encoded)
                total = totals[name]
                total[0] += perf_counter() - wall
                total[1] += process_time() - cpu
                total[2] += failures
        for name, (wall, cpu, failures) in totals.items():
            passes[name].append(PassTimes(wall, cpu, int(failures)))
    return passes


def summarise(corpus: Corpus, passes: list[PassTimes]) -> dict[str, float]:
    """Median seconds of the passes and the rates they give: documents and MB per CPU
    second, and documents per wall-clock second."""
    wall = statistics.median(times.wall_seconds for times in passes)
    cpu = statistics.median(times.cpu_seconds for times in passes)
    return {
        "cpu_seconds": cpu,
        "wall_seconds": wall,
        "docs_per_s": corpus.documents / cpu,
        "mb_per_s": corpus.bytes / cpu / 1e6,
        "wall_docs_per_s": corpus.documents / wall,
        "failures": float(max(times.failures for times in passes)),
        "repeats": float(len(passes)),
    }
