"""Settings of a migration run, shared by the CLI and the Dagster assets."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True, slots=True)
class MigrationSettings:
    """Where to migrate, with which contract, and how.

    `contract_path` None means the contract shipped with the package. `session_id` is
    written to the processing log (the Dagster run id, or a CLI run id); `partition_key`
    is recorded beside it when the run migrates a partition.
    """

    database_url: str
    contract_path: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    reprocess_failed: bool = False
    session_id: str = ""
    partition_key: str | None = None
