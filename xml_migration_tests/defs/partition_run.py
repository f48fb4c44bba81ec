"""Run one partition of the `migrate` job with the multiprocess executor, in its own process.

`python -m xml_migration_tests.defs.partition_run PARTITION_KEY`: the instance is the one
of `DAGSTER_HOME`, the deployment comes from the `XML_MIGRATION_*` variables (step
processes cannot see pytest fixtures). Exit status 0 when the run succeeded.
"""

import sys

import dagster as dg


def migrate_job() -> dg.JobDefinition:
    from xml_migration.definitions import defs

    return defs.resolve_job_def("migrate")


def main(partition_key: str) -> int:
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(migrate_job),
            instance=instance,
            tags={"dagster/partition": partition_key},
        )
        return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
