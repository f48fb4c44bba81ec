"""Resources: the database, the mapping contract and the partitioning of app_id ranges.

Resources hold plain configuration only. They are re-created in every step process, so
connections are opened inside the step that uses them and closed when it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from xml_migration.contract.fingerprint import contract_fingerprint
from xml_migration.contract.tables import TargetSchema
from xml_migration.db.connection import display_url, disposable_engine
from xml_migration.db.guard import LockMode, TargetBusyError, target_lock
from xml_migration.db.retry import DEFAULT_RETRY_SECONDS
from xml_migration.defs.partitions import range_keys_covering
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_DOCUMENT_NODES
from xml_migration.migration.run_range import cached_plan
from xml_migration.migration.settings import MigrationSettings


class DatabaseResource(dg.ConfigurableResource):
    """A database holding a source table, target tables and a processing log: the target
    of the migration, or the database set aside for the benchmarks."""

    url: str = Field(
        description="SQLAlchemy URL, e.g. sqlite:///xml_migration.db or "
        "postgresql+psycopg://user@host:5432/db (without the password)."
    )
    password: str | None = Field(
        default=None,
        description="Password added to the URL; set it with an environment variable.",
    )

    def connection_url(self) -> str:
        """The URL to connect with, password included: never log it."""
        if not self.password:
            return self.url
        url = make_url(self.url).set(password=self.password)
        return url.render_as_string(hide_password=False)

    def display_url(self) -> str:
        """The URL with any password masked, for logs and metadata."""
        return display_url(self.connection_url())

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        """An engine for this step, disposed (connections closed) when the block ends."""
        with disposable_engine(self.connection_url()) as engine:
            yield engine

    @contextmanager
    def lock(self, mode: LockMode, holder: str) -> Iterator[None]:
        """Hold this database's target lock (`shared` to migrate, `exclusive` to empty or
        rewrite) while the block runs; a conflicting holder fails the step naming it."""
        try:
            with target_lock(self.connection_url(), mode, holder):
                yield
        except TargetBusyError as error:
            raise dg.Failure(description=str(error)) from None

    def migration_settings(
        self,
        contract_path: str | None,
        *,
        batch_size: int,
        reprocess_failed: bool,
        session_id: str,
        partition_key: str | None,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        source_cut: bool = True,
        remigrate_stale: bool = False,
        max_document_nodes: int = DEFAULT_MAX_DOCUMENT_NODES,
        retry_seconds: float = DEFAULT_RETRY_SECONDS,
    ) -> MigrationSettings:
        """Settings of a migration run against this database."""
        return MigrationSettings(
            database_url=self.connection_url(),
            contract_path=contract_path,
            batch_size=batch_size,
            reprocess_failed=reprocess_failed,
            session_id=session_id,
            partition_key=partition_key,
            max_document_bytes=max_document_bytes,
            source_cut=source_cut,
            remigrate_stale=remigrate_stale,
            max_document_nodes=max_document_nodes,
            retry_seconds=retry_seconds,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.log is not None:
            context.log.info(f"database: {self.display_url()}")


class ContractResource(dg.ConfigurableResource):
    """The mapping contract the migration runs with."""

    path: str | None = Field(
        default=None,
        description="Path of the contract JSON; empty means the contract shipped "
        "with the package (credit_application.json).",
    )

    def display_name(self) -> str:
        return self.path or "credit_application.json (shipped)"

    def target_schema(self) -> TargetSchema:
        """The tables the contract maps into, and its source and log tables."""
        return cached_plan(self.path).target

    def fingerprint(self) -> str:
        """The contract's fingerprint, recorded with every outcome it produces."""
        return contract_fingerprint(cached_plan(self.path).contract)


class PartitioningResource(dg.ConfigurableResource):
    """How app_ids are grouped into partitions, and partitions into parallel chunks."""

    width: int = Field(default=10_000, gt=0, description="Ids per partition.")
    chunks: int = Field(
        default=1, gt=0, description="Chunks per partition when the run config sets none."
    )

    def chunk_count(self, configured: int) -> int:
        """Chunks per partition: as configured (non-zero), else this deployment's default."""
        return configured or self.chunks

    def keys_covering(self, first_app_id: int, last_app_id: int) -> list[str]:
        """Partition keys of the aligned ranges covering [first_app_id, last_app_id]."""
        return range_keys_covering(first_app_id, last_app_id, self.width)
