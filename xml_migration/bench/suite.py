"""The whole benchmark in one process: corpus, single-process figures, end-to-end runs on
PostgreSQL and SQLite (and, when selected, a Dagster run in a subprocess), micro-benchmarks,
ratios and targets, as one JSON-ready result.

Every timed figure is the median of `repeats` repeats. Runs that are compared take turns
(the 1-worker and 2-worker PostgreSQL runs alternate; single-process variants share each
corpus batch), so a change of machine load affects them alike.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from time import perf_counter
from typing import NamedTuple, Protocol

import psycopg
import sqlalchemy
from lxml import etree

from xml_migration.bench.corpus import DEFAULT_CORPUS_DIRECTORY, Corpus, open_corpus
from xml_migration.bench.dagster_run import dagster_run, summarise_dagster_runs
from xml_migration.bench.end_to_end import (
    DEFAULT_POSTGRESQL_URL,
    RunFigures,
    SourceStorage,
    copy_sqlite_corpus,
    ensure_postgresql_database,
    exclusive_use,
    measured_run,
    postgresql_source_bytes,
    prepare_postgresql_source,
    source_column_storage,
    summarise_runs,
)
from xml_migration.bench.expressions import measure_case_expression
from xml_migration.bench.latency_proxy import DelayProxy, calibrated_delay_proxy, round_trip_ms
from xml_migration.bench.load_paths import measure_load_paths
from xml_migration.bench.remigration import remigration_run, write_changed_contract
from xml_migration.bench.single_process import (
    ENGINE,
    FULL_PARSE,
    engine_variants,
    full_parse_variant,
    measure_variants,
    summarise,
)
from xml_migration.bench.stage_costs import measure_stage_costs
from xml_migration.bench.targets import verdicts
from xml_migration.contract.compiler import load_plan
from xml_migration.contract.plan import CompiledPlan
from xml_migration.db.connection import display_url, disposable_engine
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE

LOAD_PATH_DOCUMENTS = 5_000
"""At most this many synthetic documents in the load-path comparison."""


class Section(StrEnum):
    """Parts of the benchmark that `--only` can select."""

    PARSE = "parse"
    ENGINE = "engine"
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"
    COSTS = "costs"
    EXPRESSIONS = "expressions"
    LOAD_PATHS = "load_paths"
    DAGSTER = "dagster"
    REMIGRATION = "remigration"


DEFAULT_SECTIONS = frozenset(Section) - {Section.DAGSTER}
"""Sections measured unless `--only` names others: all but the slow Dagster run."""
POSTGRESQL_SECTIONS = frozenset(
    {Section.POSTGRESQL, Section.COSTS, Section.LOAD_PATHS, Section.DAGSTER, Section.REMIGRATION}
)
"""Sections that use the PostgreSQL benchmark database (and hold its lock meanwhile)."""
SOURCE_SECTIONS = frozenset(
    {Section.POSTGRESQL, Section.COSTS, Section.DAGSTER, Section.REMIGRATION}
)
"""Sections that need the corpus loaded as the PostgreSQL source."""
WORKER_COUNTS = (1, 2)
"""Worker counts the PostgreSQL section can run (its runs alternate between them)."""
DAGSTER_WORKERS = 2
LATENCY_WORKERS = 2
"""Workers of the runs through the latency proxy."""
LINK_BYTES_PER_SECOND = 1e9 / 8
"""A 1 Gbit/s link's payload rate, at best."""
REMIGRATION_WORKERS = 2


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """What to measure and where."""

    documents: int = 2_000
    profile: str = "production"
    seed: int = 1
    repeats: int = 3
    batch_size: int = DEFAULT_BATCH_SIZE
    postgresql_url: str = DEFAULT_POSTGRESQL_URL
    corpus_directory: Path = DEFAULT_CORPUS_DIRECTORY
    source_storage: SourceStorage = SourceStorage.DEFAULT
    reload_source: bool = False
    sections: frozenset[Section] = DEFAULT_SECTIONS
    postgresql_workers: tuple[int, ...] = WORKER_COUNTS
    db_latency_ms: float = 0.0


class Progress(Protocol):
    """Where the benchmark says what it is doing (a terminal, or nowhere)."""

    def section(self, message: str) -> None: ...

    def counting(
        self, description: str, total: int
    ) -> AbstractContextManager[Callable[[int], None] | None]: ...


class SilentProgress:
    """Progress that is not shown."""

    def section(self, message: str) -> None:
        return None

    @contextmanager
    def counting(self, description: str, total: int) -> Iterator[Callable[[int], None] | None]:
        yield None


def run_benchmark(options: BenchOptions, progress: Progress | None = None) -> dict[str, object]:
    """Measure everything `options.sections` selects; the result as a JSON-ready dict.

    Top-level keys hold the headline figures (None when their section was not run), the
    ratios and the verdict per target; `sections` holds every measured figure, `integrity`
    the integrity checks after the end-to-end runs, `machine` the load average before and
    after and the software versions, `settings` the options.
    """
    progress = progress or SilentProgress()
    started_at = datetime.now(UTC)
    started = perf_counter()
    plan = load_plan()
    with progress.counting("generating corpus", options.documents) as advance:
        corpus, generated = open_corpus(
            options.corpus_directory,
            options.documents,
            options.profile,
            options.seed,
            progress=advance,
        )
    with ExitStack() as stack:
        if POSTGRESQL_SECTIONS & options.sections:
            url = options.postgresql_url
            ensure_postgresql_database(url)
            message = f"waiting for another benchmark using {display_url(url)}"
            stack.enter_context(exclusive_use(url, lambda: progress.section(message)))
        load_before = os.getloadavg()
        measured = _measure(corpus, plan, options, progress)
    result = headline(corpus, measured.single, measured.end_to_end, options.db_latency_ms)
    result["settings"] = _settings(options, corpus, generated)
    result["targets"] = verdicts(result)
    result["integrity"] = {
        name: {"passed": figures["integrity_passed"], "checks": figures["integrity"]}
        for name, figures in measured.end_to_end.items()
    }
    result["sections"] = {**measured.single, **measured.end_to_end, **measured.other}
    result["machine"] = _machine(load_before, measured.server)
    result["started_at"] = started_at.isoformat()
    result["seconds"] = perf_counter() - started
    return result


@dataclass
class _Measured:
    """Figures of the selected sections: single-process, end-to-end, the rest by section,
    and what the PostgreSQL server is and how it holds the source."""

    single: dict[str, dict[str, float]] = field(default_factory=dict)
    end_to_end: dict[str, dict[str, object]] = field(default_factory=dict)
    other: dict[str, object] = field(default_factory=dict)
    server: dict[str, object] = field(default_factory=dict)


def _measure(
    corpus: Corpus, plan: CompiledPlan, options: BenchOptions, progress: Progress
) -> _Measured:
    measured = _Measured(single=_single_process(corpus, plan, options, progress))
    if SOURCE_SECTIONS & options.sections:
        measured.server = _prepare_postgresql(corpus, plan, options, progress)
    if Section.POSTGRESQL in options.sections:
        measured.end_to_end.update(_postgresql(corpus, plan, options, progress))
    if Section.DAGSTER in options.sections:
        measured.end_to_end.update(_dagster(corpus, plan, options, progress))
    if Section.SQLITE in options.sections:
        measured.end_to_end.update(_sqlite(corpus, plan, options, progress))
    if Section.REMIGRATION in options.sections:
        measured.end_to_end.update(_remigration(corpus, plan, options, progress))
    if Section.COSTS in options.sections:
        progress.section("CPU cost per document and stage")
        measured.other["costs"] = measure_stage_costs(
            corpus, plan, options.postgresql_url, options.batch_size, options.repeats
        )
    if Section.EXPRESSIONS in options.sections:
        progress.section("expression benchmark")
        measured.other["expressions"] = measure_case_expression(repeats=options.repeats)
    if Section.LOAD_PATHS in options.sections:
        progress.section("load-path benchmark")
        measured.other["load_paths"] = measure_load_paths(
            options.postgresql_url,
            documents=min(options.documents, LOAD_PATH_DOCUMENTS),
            batch_size=options.batch_size,
            repeats=options.repeats,
        )
    return measured


def _single_process(
    corpus: Corpus, plan: CompiledPlan, options: BenchOptions, progress: Progress
) -> dict[str, dict[str, float]]:
    variants = {}
    if Section.PARSE in options.sections:
        variants[FULL_PARSE] = full_parse_variant()
    if Section.ENGINE in options.sections:
        variants.update(engine_variants(plan))
    if not variants:
        return {}
    progress.section(f"single process: {', '.join(variants)}")
    passes = measure_variants(corpus, plan, variants, options.repeats)
    return {name: summarise(corpus, times) for name, times in passes.items()}


def _prepare_postgresql(
    corpus: Corpus, plan: CompiledPlan, options: BenchOptions, progress: Progress
) -> dict[str, object]:
    """Create the bench database when missing and load the corpus as its source; what the
    server is and how the source is stored."""
    with disposable_engine(options.postgresql_url) as engine:
        with progress.counting("loading PostgreSQL source", corpus.documents) as advance:
            loaded = prepare_postgresql_source(
                engine,
                plan.target,
                corpus,
                options.source_storage,
                advance,
                reload=options.reload_source,
            )
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar()
            compression = connection.exec_driver_sql("SHOW default_toast_compression").scalar()
        return {
            "postgresql_version": version,
            "default_toast_compression": compression,
            "source_loaded_now": loaded,
            "source_storage": options.source_storage.value,
            "source_column": source_column_storage(engine, plan.target),
            "source_table_bytes": postgresql_source_bytes(engine, plan.target),
        }


class _RunKind(NamedTuple):
    """One configuration of the PostgreSQL section: its name, workers, and whether the
    workers reach the server through the latency proxy."""

    name: str
    workers: int
    delayed: bool


def _postgresql(
    corpus: Corpus, plan: CompiledPlan, options: BenchOptions, progress: Progress
) -> dict[str, dict[str, object]]:
    """The runs of each worker count, and with `options.db_latency_ms` 2-worker runs through
    a latency proxy, taking turns in every repeat."""
    url = options.postgresql_url
    span = (corpus.first_app_id, corpus.last_app_id)
    kinds = [
        _RunKind(f"postgresql_{_workers_name(workers)}", workers, False)
        for workers in options.postgresql_workers
    ]
    if options.db_latency_ms > 0:
        kinds.append(_RunKind(_latency_name(options.db_latency_ms), LATENCY_WORKERS, True))
    runs: dict[_RunKind, list[RunFigures]] = {kind: [] for kind in kinds}
    proxy_cpu = 0.0
    with ExitStack() as stack:
        proxy: DelayProxy | None = None
        if options.db_latency_ms > 0:
            progress.section(f"starting a {options.db_latency_ms:g} ms latency proxy")
            proxy = stack.enter_context(calibrated_delay_proxy(url, options.db_latency_ms))
        for repeat in range(options.repeats):
            for kind in kinds:
                progress.section(f"{kind.name}, repeat {repeat + 1} of {options.repeats}")
                through = proxy if kind.delayed else None
                before = through.cpu_seconds() if through is not None else 0.0
                runs[kind].append(
                    measured_run(
                        url,
                        plan.target,
                        span,
                        kind.workers,
                        options.batch_size,
                        migration_url=through.url if through is not None else None,
                    )
                )
                if through is not None:
                    proxy_cpu += through.cpu_seconds() - before
        sections = {kind.name: summarise_runs(measured) for kind, measured in runs.items()}
        if proxy is not None:
            [delayed] = [kind for kind in kinds if kind.delayed]
            documents = sum(run.documents for run in runs[delayed])
            sections[delayed.name].update(
                round_trip_ms_direct=round_trip_ms(url),
                round_trip_ms_through_proxy=round_trip_ms(proxy.url),
                proxy_cpu_seconds=proxy_cpu,
                proxy_cpu_ms_per_doc=proxy_cpu * 1000 / max(documents, 1),
            )
    return sections


def _latency_name(latency_ms: float) -> str:
    return f"postgresql_{_workers_name(LATENCY_WORKERS)}_{latency_ms:g}ms"


def _workers_name(workers: int) -> str:
    return "1_worker" if workers == 1 else f"{workers}_workers"


def _dagster(
    corpus: Corpus, plan: CompiledPlan, options: BenchOptions, progress: Progress
) -> dict[str, dict[str, object]]:
    span = (corpus.first_app_id, corpus.last_app_id)
    runs = []
    for repeat in range(options.repeats):
        progress.section(
            f"Dagster run, {DAGSTER_WORKERS} workers, repeat {repeat + 1} of {options.repeats}"
        )
        runs.append(
            dagster_run(
                options.postgresql_url, plan.target, span, DAGSTER_WORKERS, options.batch_size
            )
        )
    return {f"dagster_{_workers_name(DAGSTER_WORKERS)}": summarise_dagster_runs(runs)}


def _sqlite(
    corpus: Corpus, plan: CompiledPlan, options: BenchOptions, progress: Progress
) -> dict[str, dict[str, object]]:
    progress.section("SQLite: copying the corpus")
    directory = Path(tempfile.mkdtemp(prefix="sqlite-", dir=options.corpus_directory))
    try:
        url = f"sqlite:///{copy_sqlite_corpus(corpus, directory)}"
        span = (corpus.first_app_id, corpus.last_app_id)
        runs = []
        for repeat in range(options.repeats):
            progress.section(f"SQLite, 2 workers, repeat {repeat + 1} of {options.repeats}")
            runs.append(measured_run(url, plan.target, span, 2, options.batch_size))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {"sqlite_2_workers": summarise_runs(runs)}


def _remigration(
    corpus: Corpus, plan: CompiledPlan, options: BenchOptions, progress: Progress
) -> dict[str, dict[str, object]]:
    """First migrations and re-migrations after a one-column change, taking turns."""
    span = (corpus.first_app_id, corpus.last_app_id)
    first, again = [], []
    with tempfile.TemporaryDirectory() as directory:
        changed = write_changed_contract(Path(directory))
        for repeat in range(options.repeats):
            progress.section(
                f"re-migration, {REMIGRATION_WORKERS} workers, repeat {repeat + 1} of "
                f"{options.repeats}: first migration, then again after a contract change"
            )
            first.append(
                measured_run(
                    options.postgresql_url,
                    plan.target,
                    span,
                    REMIGRATION_WORKERS,
                    options.batch_size,
                )
            )
            again.append(
                remigration_run(
                    options.postgresql_url, span, REMIGRATION_WORKERS, options.batch_size, changed
                )
            )
    name = _workers_name(REMIGRATION_WORKERS)
    return {
        f"first_migration_{name}": summarise_runs(first),
        f"remigration_{name}": summarise_runs(again),
    }


def _figure(sections: dict[str, dict[str, object]], section: str, name: str) -> float | None:
    value = sections.get(section, {}).get(name)
    return float(value) if isinstance(value, int | float) else None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def headline(
    corpus: Corpus,
    single: dict[str, dict[str, float]],
    end_to_end: dict[str, dict[str, object]],
    db_latency_ms: float = 0.0,
) -> dict[str, object]:
    """The top-level figures scripts read, and the ratios between them."""
    figures: dict[str, dict[str, object]] = {**single, **end_to_end}
    result: dict[str, object] = {
        "documents": corpus.documents,
        "bytes": corpus.bytes,
        "full_parse_docs_per_s": _figure(figures, FULL_PARSE, "docs_per_s"),
        "full_parse_mb_per_s": _figure(figures, FULL_PARSE, "mb_per_s"),
        "engine_docs_per_s": _figure(figures, ENGINE, "docs_per_s"),
    }
    for name in single:
        if name.startswith(f"{ENGINE}_"):
            result[f"{name}_docs_per_s"] = _figure(figures, name, "docs_per_s")
    one = _figure(figures, "postgresql_1_worker", "records_per_minute")
    two = _figure(figures, "postgresql_2_workers", "records_per_minute")
    result["postgresql_rec_per_min_1_worker"] = one
    result["postgresql_rec_per_min_2_workers"] = two
    if db_latency_ms > 0:
        latency = _latency_name(db_latency_ms)
        delayed = _figure(figures, latency, "records_per_minute")
        result[f"postgresql_rec_per_min_2_workers_{db_latency_ms:g}ms"] = delayed
        result["latency_over_no_latency_2_workers"] = _ratio(delayed, two)
    stored = corpus.bytes / corpus.documents if corpus.documents else None
    sent = next(
        (
            _figure(figures, name, "source_bytes_per_doc")
            for name in ("postgresql_2_workers", "postgresql_1_worker")
            if name in figures
        ),
        None,
    )
    result["stored_bytes_per_doc"] = stored
    result["source_bytes_per_doc"] = sent
    result["source_over_stored_ratio"] = _ratio(sent, stored)
    result["link_1gbit_rec_per_min"] = LINK_BYTES_PER_SECOND * 60 / sent if sent else None
    result["sqlite_rec_per_min_2_workers"] = _figure(
        figures, "sqlite_2_workers", "records_per_minute"
    )
    result["dagster_rec_per_min_2_workers"] = _figure(
        figures, "dagster_2_workers", "records_per_minute"
    )
    first = _figure(figures, "first_migration_2_workers", "records_per_minute")
    again = _figure(figures, "remigration_2_workers", "records_per_minute")
    result["first_migration_rec_per_min_2_workers"] = first
    result["remigration_rec_per_min_2_workers"] = again
    result["remigration_over_first_ratio"] = _ratio(again, first)
    # The full parse's time is one core's CPU time; an end-to-end run has only its wall
    # time, which other load can stretch: the ratio errs against the end-to-end side.
    result["e2e_over_full_parse_time_ratio"] = _ratio(
        _figure(figures, "postgresql_2_workers", "wall_seconds"),
        _figure(figures, FULL_PARSE, "cpu_seconds"),
    )
    scaling = _ratio(two, one)
    result["scaling_2_over_1_workers"] = scaling
    result["parallel_efficiency_percent"] = None if scaling is None else scaling / 2 * 100
    peaks = [
        _figure(figures, name, "peak_rss_mb_per_worker")
        for name in ("postgresql_2_workers", "sqlite_2_workers")
    ]
    measured_peaks = [peak for peak in peaks if peak is not None]
    result["peak_rss_mb_per_worker"] = max(measured_peaks) if measured_peaks else None
    stages = next(
        (
            end_to_end[name]["stage_seconds"]
            for name in ("postgresql_2_workers", "sqlite_2_workers")
            if name in end_to_end
        ),
        None,
    )
    result["stage_seconds"] = stages
    result["integrity_passed"] = (
        all(figures["integrity_passed"] for figures in end_to_end.values()) if end_to_end else None
    )
    return result


def _machine(load_before: tuple[float, float, float], server: dict[str, object]) -> dict:
    return {
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
        **server,
    }


def _settings(options: BenchOptions, corpus: Corpus, generated: bool) -> dict[str, object]:
    return {
        "documents": options.documents,
        "profile": options.profile,
        "seed": options.seed,
        "repeats": options.repeats,
        "batch_size": options.batch_size,
        "postgresql_url": display_url(options.postgresql_url),
        "source_storage": options.source_storage.value,
        "reload_source": options.reload_source,
        "sections": sorted(section.value for section in options.sections),
        "postgresql_workers": list(options.postgresql_workers),
        "db_latency_ms": options.db_latency_ms,
        "corpus": str(corpus.path),
        "corpus_generated_now": generated,
    }
