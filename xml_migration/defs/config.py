"""Run configuration of the assets and jobs, with the defaults a plain launch uses."""

from __future__ import annotations

from typing import Literal

import dagster as dg
from pydantic import Field

from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES
from xml_migration.migration.measurements import DEFAULT_SWEEP_BATCH_SIZES
from xml_migration.migration.settings import DEFAULT_BATCH_SIZE


class MockDocumentsConfig(dg.Config):
    """How many mock credit applications to add to the source table, and what they look like."""

    count: int = Field(default=2_000, ge=1, description="Documents to generate.")
    seed: int = Field(default=42, description="Same seed, same documents (new app_ids).")
    profile: Literal["compact", "production"] = Field(
        default="compact",
        description="compact: ~8 KB application subtree only; production: ~130 KB median "
        "with the bulky sections real documents carry.",
    )
    fault_rate: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Share of deliberately broken documents (each fault kind named in the "
        "generator's manifest); they end as failed processing-log rows.",
    )


class ChunkingConfig(dg.Config):
    """How many parallel steps an id range is split into."""

    chunks: int = Field(
        default=0,
        ge=0,
        description="Chunks per partition; 0 means one per worker "
        "(XML_MIGRATION_WORKERS, default the number of CPU cores).",
    )


class ChunkLoadConfig(dg.Config):
    """How a chunk loads its documents."""

    batch_size: int = Field(
        default=DEFAULT_BATCH_SIZE, ge=1, description="Documents per load transaction."
    )
    reprocess_failed: bool = Field(
        default=False, description="Retry documents whose last outcome was a failure."
    )
    max_document_bytes: int = Field(
        default=DEFAULT_MAX_DOCUMENT_BYTES,
        ge=1,
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


class MigrationConfig(ChunkingConfig, ChunkLoadConfig):
    """How a migration run splits and loads its id range (both configs above, flat)."""


class BaselineConfig(dg.Config):
    """The throughput baseline: clean runs of the migration over the same documents."""

    runs: int = Field(default=10, ge=1, description="Clean runs, reset before each.")
    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1)
    workers: int = Field(
        default=0, ge=0, description="Worker processes; 0 means the deployment's default."
    )
    output_dir: str = Field(
        default="metrics", description="Folder for baseline_metrics.json and the runs CSV."
    )


class BatchSizeSweepConfig(dg.Config):
    """Batch sizes to compare, each measured over several clean runs."""

    batch_sizes: list[int] = Field(default_factory=lambda: list(DEFAULT_SWEEP_BATCH_SIZES))
    repeats: int = Field(default=3, ge=1, description="Clean runs per batch size.")
    workers: int = Field(
        default=0, ge=0, description="Worker processes; 0 means the deployment's default."
    )
    output_dir: str = Field(default="metrics", description="Folder for the sweep CSV.")
