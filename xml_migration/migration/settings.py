"""Settings of a migration run, shared by the CLI and the Dagster assets."""

from __future__ import annotations

from dataclasses import dataclass

from xml_migration.db.retry import DEFAULT_RETRY_SECONDS
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_DOCUMENT_NODES

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class MigrationSettings:
    """Where to migrate, with which contract, and how.

    `contract_path` None means the contract shipped with the package. `session_id` is
    written to the processing log (the Dagster run id, or a CLI run id); `partition_key`
    is recorded beside it when the run migrates a partition. A document longer than
    `max_document_bytes`, or whose text could hold more than `max_document_nodes` elements
    and attributes, fails with `validation: document_too_large` without being parsed.
    `pruned` cuts subtrees the contract never reads before parsing (ADR 0004); False
    parses every document whole. `source_cut` has the source send only the part of each
    document the contract reads, checked before it is trusted (ADR 0016); False reads
    every document whole. `remigrate_stale` migrates again the documents whose outcome
    was produced under another contract (their rows and log row are replaced). A transient
    database error (connection lost or refused, server restart) is retried for up to
    `retry_seconds`; beyond that the run stops.
    """

    database_url: str
    contract_path: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    reprocess_failed: bool = False
    session_id: str = ""
    partition_key: str | None = None
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    max_document_nodes: int = DEFAULT_MAX_DOCUMENT_NODES
    pruned: bool = True
    source_cut: bool = True
    remigrate_stale: bool = False
    retry_seconds: float = DEFAULT_RETRY_SECONDS
