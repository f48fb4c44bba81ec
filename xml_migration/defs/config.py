"""Run configuration of the assets and jobs, with the defaults a plain launch uses.

Dagster's config schema knows types, not bounds, and a pydantic constraint breaking inside
Dagster surfaces as a stack trace (or, under a config mapping, as an HTTP 500 in the UI).
So bounds are declared on the fields (`bounded`) and checked by `require_valid_config` at
the start of the first op, which fails the run with one line per problem before anything
is read or written.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

import dagster as dg
from pydantic import Field

from xml_migration.bench.repeated_runs import DEFAULT_SWEEP_BATCH_SIZES
from xml_migration.db.retry import DEFAULT_RETRY_SECONDS
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_DOCUMENT_NODES
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE


def bounded(
    default: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    distinct: bool = False,
    description: str | None = None,
) -> Any:
    """A config field whose value (each value, for a list) must lie within the bounds, and a
    list that must not be empty and, when `distinct`, must not repeat a value."""
    rules = {"minimum": minimum, "maximum": maximum, "distinct": distinct}
    return Field(default=default, description=description, json_schema_extra=rules)


def config_problems(config: dg.Config) -> list[str]:
    """One line per value of `config` outside the bounds its field declares."""
    problems = []
    for name, field in type(config).model_fields.items():
        rules = field.json_schema_extra
        if not isinstance(rules, dict):
            continue
        value = getattr(config, name)
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            problems.append(f"{name} is empty: give at least one value")
        minimum, maximum = rules.get("minimum"), rules.get("maximum")
        for item in values:
            if isinstance(minimum, int | float) and item < minimum:
                problems.append(f"{name} must be at least {minimum}, got {item}")
            if isinstance(maximum, int | float) and item > maximum:
                problems.append(f"{name} must be at most {maximum}, got {item}")
        if rules.get("distinct"):
            repeated = sorted(item for item, count in Counter(values).items() if count > 1)
            if repeated:
                problems.append(f"{name} repeats {', '.join(map(str, repeated))}: give each once")
    return problems


def require_valid_config(config: dg.Config) -> None:
    """Fail the step, without retries, when `config` breaks the bounds of its fields."""
    problems = config_problems(config)
    if problems:
        raise dg.Failure(
            description="invalid run config:\n" + "\n".join(f"- {line}" for line in problems),
            allow_retries=False,
        )


class MockDocumentsConfig(dg.Config):
    """How many mock credit applications to add to the source table, and what they look like."""

    count: int = bounded(2_000, minimum=1, description="Documents to generate.")
    seed: int = Field(default=42, description="Same seed, same documents (new app_ids).")
    profile: Literal["compact", "production"] = Field(
        default="compact",
        description="compact: ~8 KB application subtree only; production: ~130 KB median "
        "with the bulky sections real documents carry.",
    )
    fault_rate: float = bounded(
        0.01,
        minimum=0.0,
        maximum=1.0,
        description="Share of deliberately broken documents (each fault kind named in the "
        "generator's manifest); they end as failed processing-log rows.",
    )


class ChunkingConfig(dg.Config):
    """How many parallel steps an id range is split into."""

    chunks: int = bounded(
        0,
        minimum=0,
        description="Chunks per partition; 0 means one per worker "
        "(XML_MIGRATION_WORKERS, default the number of CPU cores).",
    )


class ChunkLoadConfig(dg.Config):
    """How a chunk loads its documents."""

    batch_size: int = bounded(
        DEFAULT_BATCH_SIZE, minimum=1, description="Documents per load transaction."
    )
    reprocess_failed: bool = Field(
        default=False, description="Retry documents whose last outcome was a failure."
    )
    max_document_bytes: int = bounded(
        DEFAULT_MAX_DOCUMENT_BYTES,
        minimum=1,
        description="Documents longer than this fail as document_too_large, unparsed.",
    )
    whole_documents: bool = Field(
        default=False,
        description="Read every document whole instead of only the part the contract reads.",
    )
    remigrate_stale: bool = Field(
        default=True,
        description="Migrate again the documents whose outcome was produced under another "
        "contract (their rows and log row are replaced); false migrates only documents "
        "without an outcome.",
    )
    max_document_nodes: int = Field(
        default=DEFAULT_MAX_DOCUMENT_NODES,
        ge=1,
        description="Documents whose text could hold more elements and attributes than "
        "this ('<' and '=') fail as document_too_large, unparsed; bounds a worker's memory.",
    )
    retry_seconds: float = Field(
        default=DEFAULT_RETRY_SECONDS,
        gt=0,
        description="Seconds a lost, refused or broken database connection is retried "
        "before the chunk fails.",
    )


class MigrationConfig(ChunkingConfig, ChunkLoadConfig):
    """How a migration run splits and loads its id range (both configs above, flat)."""


class ResetConfig(dg.Config):
    """The explicit confirmation a reset of the target database needs."""

    confirm: bool = Field(
        default=False,
        description="Set to true to delete every migrated row and processing log row of the "
        "target database (the source documents stay).",
    )


class BenchmarkConfig(dg.Config):
    """What every measurement shares: the sample it migrates, the workers, the output."""

    sample_documents: int = bounded(
        2_000,
        minimum=1,
        description="Source documents copied (lowest app_ids first) into the benchmark "
        "database, which every run migrates again.",
    )
    workers: int = bounded(
        0, minimum=0, description="Worker processes; 0 means the deployment's default."
    )
    output_dir: str = Field(
        default="metrics", description="Folder for the JSON and CSV files of the measurement."
    )


class BaselineConfig(BenchmarkConfig):
    """The throughput baseline: clean runs of the migration over the same documents."""

    runs: int = bounded(10, minimum=1, description="Clean runs, the target reset before each.")
    batch_size: int = bounded(
        DEFAULT_BATCH_SIZE, minimum=1, description="Documents per load transaction."
    )


class BatchSizeSweepConfig(BenchmarkConfig):
    """Batch sizes to compare, each measured over several clean runs."""

    batch_sizes: list[int] = bounded(
        list(DEFAULT_SWEEP_BATCH_SIZES),
        minimum=1,
        distinct=True,
        description="Documents per load transaction, one measurement each.",
    )
    repeats: int = bounded(3, minimum=1, description="Clean runs per batch size.")
