"""Soak run: a large corpus migrated in one go, with bounded memory and every check passing.

Generates `documents` compact mock documents (with a small share of faults) into a fresh
source table and migrates them with `workers` processes in many chunks, sampling the peak
resident memory of every worker (of this process with one worker) as chunks finish. Then
verifies the integrity checks and every document's outcome against the fault manifest.
Memory counts as bounded when the workers' peak at the end of the run exceeds their peak
after the first quarter of the documents by no more than `MEMORY_GROWTH_ALLOWED` (a leak
per document would grow with the run). `xml-migration soak` runs it; the default size,
200,000 documents, takes minutes.
"""

from __future__ import annotations

import resource
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from time import perf_counter

import psutil
from sqlalchemy import select
from sqlalchemy.engine import make_url

from xml_migration.bench.end_to_end import MEBIBYTE, ensure_postgresql_database, verdicts_of
from xml_migration.bench.memory import WorkerMemorySampler, peak_rss_bytes
from xml_migration.db.connection import dialect_name, disposable_engine
from xml_migration.db.ddl import drop_schema
from xml_migration.db.integrity import integrity_checks
from xml_migration.db.model import LOG, build_model
from xml_migration.migration.run_range import cached_plan, migrate_parallel
from xml_migration.migration.run_stats import RunStats
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE, MigrationSettings
from xml_migration.mock import FaultKind, read_manifest
from xml_migration.mock.database import generate_into_database

SOAK_DATABASE = "xml_migration_soak"
DEFAULT_SOAK_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{SOAK_DATABASE}"
MEMORY_GROWTH_ALLOWED = 0.25
"""Allowed growth of the workers' peak RSS from the first quarter of a run to its end."""
MEMORY_GROWTH_FLOOR_BYTES = 32 * 1024 * 1024
"""Growth below this is noise (allocator arenas, caches) whatever the ratio."""
KILOBYTE = 1024


@dataclass(frozen=True, slots=True)
class SoakOptions:
    """What to soak: how many documents, where, with how many workers."""

    documents: int = 200_000
    database_url: str = DEFAULT_SOAK_URL
    workers: int = 2
    batch_size: int = DEFAULT_BATCH_SIZE
    chunks_per_worker: int = 16
    seed: int = 1
    fault_rate: float = 0.01


@dataclass(frozen=True, slots=True)
class MemorySample:
    """The workers' highest peak RSS after `documents` were processed, `seconds` in."""

    documents: int
    seconds: float
    worker_peak_rss_bytes: int


@dataclass
class SoakResult:
    """Figures and verdicts of one soak run (JSON-ready through `as_dict`)."""

    documents: int
    workers: int
    batch_size: int
    database: str
    generate_seconds: float
    stats: dict[str, object]
    worker_peak_rss_bytes: dict[int, int]
    coordinator_peak_rss_bytes: int
    memory_timeline: list[MemorySample]
    integrity: dict[str, dict[str, object]]
    unexpected_outcomes: list[int] = field(default_factory=list)
    """Documents whose outcome differs from the fault manifest (first ones)."""
    unexpected_outcome_count: int = 0

    @property
    def integrity_passed(self) -> bool:
        return all(bool(result["passed"]) for result in self.integrity.values())

    @property
    def memory_baseline_bytes(self) -> int:
        """The workers' peak RSS once the first quarter of the documents was processed."""
        quarter = self.documents / 4
        early = [s.worker_peak_rss_bytes for s in self.memory_timeline if s.documents <= quarter]
        return max(early or [s.worker_peak_rss_bytes for s in self.memory_timeline[:1]] or [0])

    @property
    def memory_growth_bytes(self) -> int:
        """Growth of the workers' peak RSS from the first quarter of the run to its end."""
        final = self.memory_timeline[-1].worker_peak_rss_bytes if self.memory_timeline else 0
        return final - self.memory_baseline_bytes

    @property
    def memory_bounded(self) -> bool:
        allowed = MEMORY_GROWTH_ALLOWED * self.memory_baseline_bytes
        return self.memory_growth_bytes <= max(MEMORY_GROWTH_FLOOR_BYTES, allowed)

    @property
    def passed(self) -> bool:
        return self.integrity_passed and self.memory_bounded and not self.unexpected_outcome_count

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "integrity_passed": self.integrity_passed,
            "memory_baseline_bytes": self.memory_baseline_bytes,
            "memory_growth_bytes": self.memory_growth_bytes,
            "memory_bounded": self.memory_bounded,
            "passed": self.passed,
        }


def prepare_database(url: str) -> None:
    """An empty soak database: created on PostgreSQL when missing, its tables dropped."""
    if make_url(url).get_backend_name() == "postgresql":
        ensure_postgresql_database(url)
    with disposable_engine(url) as engine:
        drop_schema(engine, cached_plan(None).target, include_source=True)


def unexpected_outcomes(url: str, manifest_path: Path) -> list[int]:
    """Keys of documents whose log status differs from what the manifest expects.

    A reused contact key (`duplicate_con_id_across_documents`) fails whichever of the two
    documents commits second; parallel chunks may commit them in either order, so a
    `key_collision` on either side is expected.
    """
    expected = read_manifest(manifest_path).by_app_id()
    with disposable_engine(url) as engine:
        model = build_model(cached_plan(None).target, dialect_name(engine))
        query = select(model.log_app_key, model.log.c[LOG.status], model.log.c[LOG.failure_reason])
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    unexpected = []
    for app_id, status, reason in rows:
        record = expected.get(int(app_id))
        wanted = "success" if record is None else record.status
        collision = (reason or "").startswith("constraint_violation: key_collision") or (
            record is not None and record.fault is FaultKind.DUPLICATE_CON_ID_ACROSS_DOCUMENTS
        )
        if status != wanted and not collision:
            unexpected.append(int(app_id))
    return sorted(unexpected)


def run_soak(options: SoakOptions, progress: Callable[[str], None] | None = None) -> SoakResult:
    """Generate, migrate and verify; `progress` receives a line per phase."""
    say = progress or (lambda _line: None)
    say(f"preparing {make_url(options.database_url).render_as_string(hide_password=True)}")
    prepare_database(options.database_url)
    with tempfile.TemporaryDirectory(prefix="xml_migration_soak_") as directory:
        manifest_path = Path(directory) / "faults.json"
        say(f"generating {options.documents:,} compact documents")
        started = perf_counter()
        report = generate_into_database(
            options.database_url,
            options.documents,
            seed=options.seed,
            profile="compact",
            fault_rate=options.fault_rate,
            manifest_path=manifest_path,
        )
        generate_seconds = perf_counter() - started
        assert report.first_app_id is not None and report.last_app_id is not None
        say(f"migrating with {options.workers} workers")
        settings = MigrationSettings(
            options.database_url, batch_size=options.batch_size, session_id="soak"
        )
        timeline: list[MemorySample] = []
        with WorkerMemorySampler() as sampler:
            started = perf_counter()

            def record(total: RunStats) -> None:
                if options.workers > 1:
                    sampler.sample()
                    peak = max(list(sampler.peaks.values()), default=0)
                else:
                    peak = peak_rss_bytes(psutil.Process())
                timeline.append(MemorySample(total.documents, perf_counter() - started, peak))

            stats = migrate_parallel(
                settings,
                report.first_app_id,
                report.last_app_id,
                options.workers,
                chunks_per_worker=options.chunks_per_worker,
                on_chunk=record,
            )
        say("verifying")
        with disposable_engine(options.database_url) as engine:
            checks = integrity_checks(engine, cached_plan(None).target)
        unexpected = unexpected_outcomes(options.database_url, manifest_path)
    return SoakResult(
        documents=options.documents,
        workers=options.workers,
        batch_size=options.batch_size,
        database=make_url(options.database_url).render_as_string(hide_password=True),
        generate_seconds=generate_seconds,
        stats=stats.as_dict(),
        worker_peak_rss_bytes=dict(sampler.peaks),
        coordinator_peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KILOBYTE,
        memory_timeline=timeline,
        integrity=verdicts_of(checks),
        unexpected_outcomes=unexpected[:20],
        unexpected_outcome_count=len(unexpected),
    )


def soak_summary(result: SoakResult) -> str:
    """The soak's figures and verdicts for reading on the console."""
    stats = result.stats
    peaks = sorted(result.worker_peak_rss_bytes.values())
    lines = [
        f"documents {stats['documents']:,}: {stats['successes']:,} loaded, "
        f"{stats['failures']:,} failed, {stats['skipped']:,} skipped",
        f"generated in {result.generate_seconds:,.1f} s; migrated in "
        f"{stats['wall_seconds']:,.1f} s with {result.workers} workers, batch size "
        f"{result.batch_size}: {stats['records_per_minute']:,.0f} records/minute",
        "worker peak RSS: "
        + (", ".join(f"{peak / MEBIBYTE:,.0f} MiB" for peak in peaks) or "none sampled")
        + f"; coordinator {result.coordinator_peak_rss_bytes / MEBIBYTE:,.0f} MiB",
        f"memory after the first quarter {result.memory_baseline_bytes / MEBIBYTE:,.0f} MiB, "
        f"growth to the end {result.memory_growth_bytes / MEBIBYTE:+,.1f} MiB: "
        + ("bounded" if result.memory_bounded else "NOT BOUNDED"),
    ]
    for name, check in result.integrity.items():
        lines.append(
            f"{name}: {'passed' if check['passed'] else 'FAILED'} ({check['description']})"
        )
    lines.append(
        "outcomes as the fault manifest expects: "
        + (
            "all"
            if not result.unexpected_outcome_count
            else f"{result.unexpected_outcome_count:,} differ, first {result.unexpected_outcomes}"
        )
    )
    lines.append("soak passed" if result.passed else "SOAK FAILED")
    return "\n".join(lines)
