"""The performance targets of the migration and how a benchmark result measures up."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

TARGET_DOCUMENTS = 20_000
"""Corpus size from which the end-to-end throughput counts against its target."""
DAGSTER_TARGET_DOCUMENTS = 50_000
"""Corpus size from which the throughput of a Dagster run counts against its target."""
TARGET_PROFILE = "production"
"""Document profile on which the throughput targets are set."""


@dataclass(frozen=True, slots=True)
class Target:
    """A headline figure compared with a bound (`at least` or `at most`); a target with
    `min_documents` is met only on a `TARGET_PROFILE` corpus of at least that many
    documents."""

    figure: str
    label: str
    bound: float
    at_least: bool
    min_documents: int = 0

    def describe(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.bound:,g}"


TARGETS = (
    Target(
        "postgresql_rec_per_min_2_workers",
        f"PostgreSQL, 2 workers, records/min (on ≥ {TARGET_DOCUMENTS:,} documents)",
        130_000,
        True,
        min_documents=TARGET_DOCUMENTS,
    ),
    Target(
        "dagster_rec_per_min_2_workers",
        f"Dagster run, 2 workers, records/min (on ≥ {DAGSTER_TARGET_DOCUMENTS:,} documents)",
        100_000,
        True,
        min_documents=DAGSTER_TARGET_DOCUMENTS,
    ),
    Target("e2e_over_full_parse_time_ratio", "end-to-end time / full-parse time", 0.35, False),
    Target("scaling_2_over_1_workers", "2 workers / 1 worker", 1.8, True),
    Target("peak_rss_mb_per_worker", "peak RSS per worker, MiB", 250, False),
    Target("source_over_stored_ratio", "bytes received from the source / bytes stored", 0.1, False),
    Target(
        "latency_over_no_latency_2_workers",
        "2 workers with added latency / without (same run)",
        0.85,
        True,
    ),
)


def verdicts(result: Mapping[str, object]) -> dict[str, dict[str, object]]:
    """Per target: the measured value (None when not measured), the bound and whether it is
    met (None when not measured). The throughput targets also need the corpus size and
    profile."""
    documents = result.get("documents")
    settings = result.get("settings")
    profile = settings.get("profile") if isinstance(settings, Mapping) else None
    found: dict[str, dict[str, object]] = {}
    for target in TARGETS:
        value = result.get(target.figure)
        compare: Callable[[float, float], bool] = operator.ge if target.at_least else operator.le
        met = None if not isinstance(value, int | float) else compare(value, target.bound)
        if met and target.min_documents:
            met = (
                profile == TARGET_PROFILE
                and isinstance(documents, int)
                and documents >= target.min_documents
            )
        found[target.figure] = {
            "label": target.label,
            "target": target.describe(),
            "value": value,
            "met": met,
        }
    return found
