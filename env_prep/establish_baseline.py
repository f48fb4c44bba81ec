"""Establish the throughput baseline: N clean runs of the migration, median ± sd.

    python env_prep/establish_baseline.py [--db URL] [--contract PATH] [--runs 10]
        [--workers N] [--batch-size B] [--app-id-start A --app-id-end B] [--output-dir DIR]

Every run resets the target tables and the processing log (the source documents stay) and
migrates the same documents again, as `xml-migration run` does. Prints each run, then the
median, standard deviation, coefficient of variation, minimum and maximum of
records/minute and the seconds per stage; writes DIR/baseline_metrics.json and the runs
as CSV. The operator script of old, now `xml-migration baseline`: the same measurement as
the Dagster asset `throughput_baseline`.
"""

from __future__ import annotations

import sys

from xml_migration.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["baseline", *sys.argv[1:]]))
