"""Compare batch sizes: clean runs of the migration per batch size, the best one named.

    python env_prep/sweep_batch_sizes.py [--db URL] [--contract PATH]
        [--batch-sizes 50 100 200 500 1000 2000] [--repeats 3] [--workers N]
        [--app-id-start A --app-id-end B] [--output-dir DIR]

Every run resets the target tables and the processing log (the source documents stay) and
migrates the same documents again. Prints each run, then per batch size the median,
standard deviation, coefficient of variation, minimum and maximum of records/minute, and
the batch size with the highest median; writes the runs as CSV. The operator script of
old, now `xml-migration sweep`: the same measurement as the Dagster asset
`batch_size_sweep`.
"""

from __future__ import annotations

import sys

from xml_migration.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["sweep", *sys.argv[1:]]))
