"""The Dagster code location of xml_migration: assets, checks, jobs, schedules, sensors.

Deployment choices (database, contract, executor, workers, partition width) come from
environment variables, read once in `xml_migration.defs.deployment`.
"""

from __future__ import annotations

import dagster as dg

from xml_migration.defs.benchmarks import batch_size_sweep, throughput_baseline
from xml_migration.defs.checks import migration_integrity
from xml_migration.defs.deployment import Deployment
from xml_migration.defs.jobs import baseline, batch_size_sweep_job, end_to_end, migrate, reset
from xml_migration.defs.migration import migrated_applications, versioned_by_contract
from xml_migration.defs.schedules import nightly_incremental_migration, weekly_batch_size_sweep
from xml_migration.defs.sensors import new_source_documents
from xml_migration.defs.source import mock_source_documents
from xml_migration.defs.target import target_schema

deployment = Deployment.from_environment()
resources = deployment.resources()

defs = dg.Definitions(
    assets=[
        mock_source_documents,
        versioned_by_contract(target_schema, resources["contract"]),
        versioned_by_contract(migrated_applications, resources["contract"]),
        throughput_baseline,
        batch_size_sweep,
    ],
    asset_checks=[migration_integrity],
    jobs=[end_to_end, migrate, reset, baseline, batch_size_sweep_job],
    schedules=[nightly_incremental_migration, weekly_batch_size_sweep],
    sensors=[new_source_documents],
    resources=resources,
    executor=deployment.executor_definition(),
)
