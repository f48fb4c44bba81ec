"""Figures of a migration run: documents, outcomes, rows per table, seconds per stage."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from xml_migration.engine.outcome import DocumentFailure

STAGES = ("read", "parse", "map", "load")
"""Stages whose seconds a run measures, in processing order."""

FIRST_FAILURES_KEPT = 20


@dataclass
class RunStats:
    """What one run (or one chunk of a run) did. Chunks combine with `merge`."""

    documents: int = 0
    successes: int = 0
    skipped: int = 0
    failures_by_stage: Counter[str] = field(default_factory=Counter)
    first_failures: list[tuple[int, str]] = field(default_factory=list)
    rows_per_table: Counter[str] = field(default_factory=Counter)
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    wall_seconds: float = 0.0
    cuts: int = 0
    cut_fallbacks: int = 0
    source_bytes: int = 0

    @property
    def failures(self) -> int:
        return sum(self.failures_by_stage.values())

    @property
    def records_per_minute(self) -> float:
        """Documents processed (successes and failures) per minute of wall time."""
        if self.wall_seconds <= 0:
            return 0.0
        return (self.successes + self.failures) * 60.0 / self.wall_seconds

    def record_failure(self, failure: DocumentFailure) -> None:
        self.failures_by_stage[failure.stage.value] += 1
        if len(self.first_failures) < FIRST_FAILURES_KEPT:
            self.first_failures.append((failure.app_id, failure.failure_reason))

    def merge(self, other: RunStats) -> None:
        """Add another chunk's figures; wall time is the caller's to set for parallel chunks."""
        self.documents += other.documents
        self.successes += other.successes
        self.skipped += other.skipped
        self.failures_by_stage.update(other.failures_by_stage)
        room = FIRST_FAILURES_KEPT - len(self.first_failures)
        self.first_failures.extend(other.first_failures[: max(room, 0)])
        self.rows_per_table.update(other.rows_per_table)
        self.cuts += other.cuts
        self.cut_fallbacks += other.cut_fallbacks
        self.source_bytes += other.source_bytes
        for stage, seconds in other.stage_seconds.items():
            self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (metrics files, Dagster metadata)."""
        return {
            "documents": self.documents,
            "successes": self.successes,
            "failures": self.failures,
            "skipped": self.skipped,
            "failures_by_stage": dict(self.failures_by_stage),
            "first_failures": [
                {"app_id": app_id, "reason": reason} for app_id, reason in self.first_failures
            ],
            "rows_per_table": dict(self.rows_per_table),
            "source_cuts": self.cuts,
            "source_cut_fallbacks": self.cut_fallbacks,
            "source_bytes": self.source_bytes,
            "stage_seconds": {k: round(v, 4) for k, v in self.stage_seconds.items()},
            "wall_seconds": round(self.wall_seconds, 4),
            "records_per_minute": round(self.records_per_minute, 1),
        }
