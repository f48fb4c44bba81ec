"""Runs of `migrate`: status, timing, overlap, documents per minute.

    python deploy/runs_report.py [--backfill ID | --last N] [--wait] [--timeout SECONDS]

Reads the instance of `$DAGSTER_HOME` (the PostgreSQL one of deploy/dagster.yaml) and
reports the runs of a backfill (default: the latest backfill) or the last N runs of
`migrate`, oldest first. With `--wait`, first waits until none of them is queued or in
progress. Exit status: 0 when every run succeeded, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import dagster as dg

MIGRATION_ASSET = dg.AssetKey("migrated_applications")
UNFINISHED = {
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
}


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One run of the backfill, with what its materialization recorded."""

    partition: str
    status: str
    start: float | None
    end: float | None
    documents: int
    records_per_minute: float


def selected_runs(
    instance: dg.DagsterInstance, backfill_id: str | None, last: int | None
) -> list[dg.RunRecord]:
    """The runs of backfill `backfill_id`, or the `last` runs of `migrate`; oldest first."""
    if backfill_id is not None:
        filters = dg.RunsFilter(tags={"dagster/backfill": backfill_id})
        return list(instance.get_run_records(filters=filters, ascending=True))
    records = instance.get_run_records(filters=dg.RunsFilter(job_name="migrate"), limit=last)
    return list(reversed(records))


def run_figures(instance: dg.DagsterInstance, record: dg.RunRecord) -> RunFigures:
    run = record.dagster_run
    metadata: dict[str, object] = {}
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is not None and materialization.asset_key == MIGRATION_ASSET:
            metadata = {key: value.value for key, value in materialization.metadata.items()}
    return RunFigures(
        partition=run.tags.get("dagster/partition", "-"),
        status=run.status.value,
        start=record.start_time,
        end=record.end_time,
        documents=int(metadata.get("documents", 0)),
        records_per_minute=float(metadata.get("records_per_minute", 0.0)),
    )


def peak_overlap(runs: list[RunFigures]) -> int:
    """The largest number of runs in progress at the same moment."""
    edges = sorted(
        [(run.start, 1) for run in runs if run.start and run.end]
        + [(run.end, -1) for run in runs if run.start and run.end]
    )
    current = peak = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def report(runs: list[RunFigures]) -> str:
    lines = [f"{'partition':<23} {'status':<8} {'seconds':>8} {'documents':>9} {'records/min':>11}"]
    for run in runs:
        seconds = f"{run.end - run.start:8.1f}" if run.start and run.end else f"{'-':>8}"
        lines.append(
            f"{run.partition:<23} {run.status:<8} {seconds} {run.documents:>9,} "
            f"{run.records_per_minute:>11,.0f}"
        )
    timed = [run for run in runs if run.start and run.end]
    if timed:
        span = max(run.end for run in timed) - min(run.start for run in timed)
        documents = sum(run.documents for run in runs)
        lines.append(
            f"{len(runs)} runs, at most {peak_overlap(runs)} at once; first start to last end "
            f"{span:.1f} s; {documents:,} documents, {documents * 60 / span:,.0f} per minute "
            "including run start-up"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    selection = parser.add_mutually_exclusive_group()
    selection.add_argument("--backfill", help="backfill id (default: the latest backfill)")
    selection.add_argument("--last", type=int, help="the last N runs of migrate instead")
    parser.add_argument("--wait", action="store_true", help="wait until every run finished")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait at most")
    args = parser.parse_args(argv)
    with dg.DagsterInstance.get() as instance:
        backfill_id = args.backfill
        if backfill_id is None and args.last is None:
            backfills = instance.get_backfills(limit=1)
            if not backfills:
                print("no backfill in this instance", file=sys.stderr)
                return 1
            backfill_id = backfills[0].backfill_id
        deadline = time.monotonic() + args.timeout
        records = selected_runs(instance, backfill_id, args.last)
        while args.wait and any(r.dagster_run.status in UNFINISHED for r in records):
            if time.monotonic() > deadline:
                break
            time.sleep(5)
            records = selected_runs(instance, backfill_id, args.last)
        runs = [run_figures(instance, record) for record in records]
    print(f"backfill {backfill_id}" if backfill_id else f"last {len(runs)} runs of migrate")
    print(report(runs))
    succeeded = bool(runs) and all(run.status == "SUCCESS" for run in runs)
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main())
