"""Generate mock credit-application documents into the source table.

The operator script of old, now the same code path as `xml-migration generate`:

    python env_prep/generate_mock_xml.py --count 500 [--db URL] [--seed S]
        [--profile production|compact] [--fault-rate F] [--manifest PATH]

`--db` defaults to $XML_MIGRATION_DB_URL. Keys continue after the largest app_id already in
the source table, so repeated runs never collide.
"""

from __future__ import annotations

import sys

from xml_migration.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["generate", *sys.argv[1:]]))
