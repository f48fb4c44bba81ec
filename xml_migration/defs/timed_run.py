"""One Dagster run of the `migrate` job over an id range, timed by the instance itself.

`python -m xml_migration.defs.timed_run FIRST LAST --result PATH [--batch-size N]`
registers the partition that holds app_ids FIRST..LAST (the deployment's partition width
must make that one partition), executes `migrate` for it with the deployment's executor in
the instance of `DAGSTER_HOME`, and writes a JSON file to PATH: the run's id, status, start
and end times (epoch seconds, as the instance records them), when each step's process was
launched, when the step began and finished and which process ran it, the materialization's
metadata and each integrity check's verdict. Exit status 0 when the run succeeded.

The benchmark (`xml-migration bench --only dagster`) starts it as a subprocess, so that the
benchmark process itself never imports Dagster.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import dagster as dg

from xml_migration.defs.deployment import Deployment
from xml_migration.defs.migration import migrated_applications
from xml_migration.defs.partitions import range_keys_covering
from xml_migration.defs.source import register_partitions

SCALAR_TYPES = (int, float, str, bool)
"""Metadata values the result file keeps (figures and text); tables and charts stay in the
instance."""

JOB_NAME = "migrate"
STEP_MOMENTS = {
    dg.DagsterEventType.STEP_WORKER_STARTING: "launched",
    dg.DagsterEventType.STEP_START: "started",
    dg.DagsterEventType.STEP_SUCCESS: "finished",
    dg.DagsterEventType.STEP_FAILURE: "finished",
}
"""Events whose time is kept per step, by the name they get in the summary."""


def migrate_job() -> dg.JobDefinition:
    """The `migrate` job of the code location, rebuilt in every step process."""
    from xml_migration.definitions import defs

    return defs.resolve_job_def(JOB_NAME)


def partition_of(first_app_id: int, last_app_id: int, width: int) -> str:
    """The key of the one partition holding the whole id range."""
    keys = range_keys_covering(first_app_id, last_app_id, width)
    if len(keys) != 1:
        raise ValueError(
            f"app_ids {first_app_id}-{last_app_id} span {len(keys)} partitions of width {width}"
        )
    return keys[0]


def step_moments(
    instance: dg.DagsterInstance, run_id: str, run_start: float
) -> dict[str, dict[str, float]]:
    """Per step: seconds after the run's start when its process was launched, when the
    step began and when it finished, and the id of the process that ran it."""
    moments: dict[str, dict[str, float]] = {}
    for event in instance.all_logs(run_id):
        dagster_event = event.dagster_event
        if dagster_event is None or dagster_event.step_key is None:
            continue
        name = STEP_MOMENTS.get(dagster_event.event_type)
        if name is None:
            continue
        step = moments.setdefault(dagster_event.step_key, {})
        step[name] = event.timestamp - run_start
        if dagster_event.event_type == dg.DagsterEventType.STEP_START:
            step["pid"] = dagster_event.pid
    return moments


def run_summary(instance: dg.DagsterInstance, run_id: str) -> dict[str, object]:
    """What the instance recorded of the run: status, times, each step's moments, the
    materialization's metadata and the check verdicts."""
    record = instance.get_run_record_by_id(run_id)
    if record is None or record.start_time is None:
        raise LookupError(f"run {run_id} is not in the instance or never started")
    materializations = [
        event.asset_materialization
        for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        if event.asset_materialization is not None
        and event.asset_materialization.asset_key == migrated_applications.key
    ]
    evaluations = [
        event.dagster_event.event_specific_data
        for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if event.dagster_event is not None
    ]
    checks = {evaluation.check_name: evaluation.passed for evaluation in evaluations}
    metadata = (
        {
            name: value.value
            for name, value in materializations[-1].metadata.items()
            if isinstance(value.value, SCALAR_TYPES)
        }
        if materializations
        else {}
    )
    return {
        "run_id": run_id,
        "status": record.dagster_run.status.value,
        "start_time": record.start_time,
        "end_time": record.end_time,
        "steps": step_moments(instance, run_id, record.start_time),
        "metadata": metadata,
        "checks": checks,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first_app_id", type=int)
    parser.add_argument("last_app_id", type=int)
    parser.add_argument("--result", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--batch-size", type=int, help="documents per load transaction")
    args = parser.parse_args(argv)
    deployment = Deployment.from_environment()
    key = partition_of(args.first_app_id, args.last_app_id, deployment.partition_width)
    run_config = {}
    if args.batch_size is not None:
        config = {"config": {"batch_size": args.batch_size}}
        run_config = {"ops": {migrated_applications.node_def.name: config}}
    with dg.DagsterInstance.get() as instance:
        register_partitions(instance, [key])
        result = dg.execute_job(
            dg.reconstructable(migrate_job),
            instance=instance,
            run_config=run_config,
            tags={"dagster/partition": key},
        )
        summary = {"partition_key": key, **run_summary(instance, result.run_id)}
    args.result.write_text(json.dumps(summary, default=str) + "\n", encoding="utf-8")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
