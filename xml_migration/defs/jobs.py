"""Jobs, with the names scripts rely on: end_to_end, migrate, reset, baseline, batch_size_sweep."""

import dagster as dg

from xml_migration.defs.benchmarks import batch_size_sweep, throughput_baseline
from xml_migration.defs.end_to_end import end_to_end_graph
from xml_migration.defs.migration import migrated_applications
from xml_migration.defs.reset import reset_target_tables

BENCHMARK_TAGS = {"xml_migration/benchmark": "true"}
"""Runs that measure throughput; dagster.yaml lets only one of them run at a time."""

end_to_end = end_to_end_graph.to_job(
    name="end_to_end",
    description="Mock documents → reset → migrate every id range present → integrity "
    "checks. Fails when a check fails.",
)

migrate = dg.define_asset_job(
    "migrate",
    selection=dg.AssetSelection.assets(migrated_applications),
    description="Migrate one app_id range partition, then run its blocking integrity checks.",
)


@dg.job(
    description="Delete every migrated row and processing log row; keep the source. Needs "
    "`confirm: true`; refused while a migration of the same database runs."
)
def reset() -> None:
    reset_target_tables()


baseline = dg.define_asset_job(
    "baseline",
    selection=dg.AssetSelection.assets(throughput_baseline),
    tags=BENCHMARK_TAGS,
    description="Measure the throughput baseline: clean runs of the whole source.",
)

batch_size_sweep_job = dg.define_asset_job(
    "batch_size_sweep",
    selection=dg.AssetSelection.assets(batch_size_sweep),
    tags=BENCHMARK_TAGS,
    description="Measure records/minute per batch size over clean runs; name the best.",
)
