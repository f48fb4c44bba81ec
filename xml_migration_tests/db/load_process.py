"""A loading process for the crash tests, run as `python -m xml_migration_tests.db.load_process
URL BATCH_SIZE [v1|v2]`: migrates every pending document of the source table (hand-made credit
schema), printing `loading <first key>` before each batch and `committed` after it.

`v1` (the default) loads documents with two contacts each; `v2` stands for a changed contract:
it re-migrates every document logged under another fingerprint, one contact each.
"""

from __future__ import annotations

import os
import sys

from xml_migration.db.connection import create_db_engine
from xml_migration.db.loader import open_loader
from xml_migration.db.processing_log import LogContext
from xml_migration.db.source import read_pending_documents
from xml_migration.engine.outcome import DocumentOutcome
from xml_migration_tests.db.schemas import credit_schema, mapped_document, mapping_failure

FAILING_EVERY = 97
"""Every document whose key is a multiple of this fails mapping (a failed log row)."""
FINGERPRINTS = {"v1": "000000000000v1v1", "v2": "000000000000v2v2"}
CONTACTS = {"v1": None, "v2": 1}
"""Contacts per document of each version (None: the schema's default, two)."""


def outcome(app_id: int, version: str) -> DocumentOutcome:
    """What contract `version` makes of document `app_id`."""
    if app_id % FAILING_EVERY == 0:
        return mapping_failure(app_id)
    count = CONTACTS[version]
    return mapped_document(
        app_id, None if count is None else [app_id * 10 + i for i in range(count)]
    )


def main(url: str, batch_size: int, version: str) -> None:
    engine = create_db_engine(url)
    target = credit_schema()
    fingerprint = FINGERPRINTS[version]
    context = LogContext(session_id=f"pid-{os.getpid()}", contract_fingerprint=fingerprint)
    remigrate = version != "v1"
    with open_loader(engine, target, context, remigrate=remigrate) as loader:
        for batch in read_pending_documents(
            engine,
            target,
            None,
            None,
            batch_size,
            remigrate_fingerprint=fingerprint if remigrate else None,
        ):
            print(f"loading {batch[0].app_id}", flush=True)
            loader.load([outcome(document.app_id, version) for document in batch])
            print("committed", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "v1")
