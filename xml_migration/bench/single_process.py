"""Figures measured in this process on one core: a full lxml parse, and the engine without
a database (read, parse, map).

The corpus is read once per repeat, a batch at a time; every variant processes each batch
in turn, so a change in machine load affects all variants alike, and only the variants'
own work is timed (reading the corpus and encoding the texts are not).
"""

from __future__ import annotations

import inspect
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
from xml_migration.engine.pruning import keep_spec_for, prune
from xml_migration.engine.reader import _parser as engine_parser

FULL_PARSE = "full_parse"
ENGINE = "engine"
ENGINE_PRUNED = "engine_pruned"
ENGINE_UNPRUNED = "engine_unpruned"
ENGINE_PRUNE_FIRST = "engine_prune_first"
PRUNE_SWITCH = "prune"
"""Keyword of `map_document` that turns contract-aware pruning on or off, when it has one."""

Variant = Callable[[Sequence[SourceDocument], Sequence[bytes]], int]
"""Processes one batch (documents, and their texts as UTF-8 bytes); returns the failures."""


@dataclass(frozen=True, slots=True)
class PassTimes:
    """Wall-clock and CPU seconds of one variant over the whole corpus, and its failures."""

    wall_seconds: float
    cpu_seconds: float
    failures: int


def reader_has_prune_switch() -> bool:
    """Whether the engine's reader takes a `prune` keyword (pruning on or off per call)."""
    return PRUNE_SWITCH in inspect.signature(map_document).parameters


def full_parse_variant() -> Variant:
    """A full parse of every document's bytes with the engine's hardened parser."""

    def run(documents: Sequence[SourceDocument], encoded: Sequence[bytes]) -> int:
        parser = engine_parser()
        for raw in encoded:
            etree.fromstring(raw, parser)
        return 0

    return run


def engine_variant(plan: CompiledPlan, **options: object) -> Variant:
    """`map_document` over each source document (text as read from the source table)."""

    def run(documents: Sequence[SourceDocument], encoded: Sequence[bytes]) -> int:
        failures = 0
        for app_id, document in documents:
            if isinstance(map_document(plan, app_id, document, **options), DocumentFailure):
                failures += 1
        return failures

    return run


def prune_first_variant(plan: CompiledPlan) -> Variant:
    """The engine fed with texts pruned beforehand (the whole text where pruning declines):
    what pruning inside the reader costs and saves, measured while the reader lacks it."""
    spec = keep_spec_for(plan.container_path, plan.read_paths)

    def run(documents: Sequence[SourceDocument], encoded: Sequence[bytes]) -> int:
        failures = 0
        for app_id, document in documents:
            text = prune(document, spec) if isinstance(document, str) else None
            outcome = map_document(plan, app_id, document if text is None else text)
            if isinstance(outcome, DocumentFailure):
                failures += 1
        return failures

    return run


def engine_variants(plan: CompiledPlan) -> dict[str, Variant]:
    """The engine as configured, plus pruned and unpruned runs when the reader has a switch,
    else the engine fed with pruned texts."""
    variants = {ENGINE: engine_variant(plan)}
    if reader_has_prune_switch():
        variants[ENGINE_PRUNED] = engine_variant(plan, **{PRUNE_SWITCH: True})
        variants[ENGINE_UNPRUNED] = engine_variant(plan, **{PRUNE_SWITCH: False})
    else:
        variants[ENGINE_PRUNE_FIRST] = prune_first_variant(plan)
    return variants


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
    """Median seconds of the passes and the rates they give (documents/s, MB/s)."""
    wall = statistics.median(times.wall_seconds for times in passes)
    cpu = statistics.median(times.cpu_seconds for times in passes)
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "docs_per_s": corpus.documents / wall,
        "cpu_docs_per_s": corpus.documents / cpu,
        "mb_per_s": corpus.bytes / wall / 1e6,
        "failures": float(max(times.failures for times in passes)),
        "repeats": float(len(passes)),
    }
