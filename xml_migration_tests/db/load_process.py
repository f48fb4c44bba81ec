"""A loading process for the crash tests, run as `python -m xml_migration_tests.db.load_process
URL BATCH_SIZE`: migrates every pending document of the source table (hand-made credit
schema), printing `loading <first key>` before each batch and `committed` after it."""

from __future__ import annotations

import os
import sys

from xml_migration.db.connection import create_db_engine
from xml_migration.db.loader import open_loader
from xml_migration.db.processing_log import LogContext
from xml_migration.db.source import read_pending_documents
from xml_migration_tests.db.schemas import credit_schema, mapped_document, mapping_failure

FAILING_EVERY = 97
"""Every document whose key is a multiple of this fails mapping (a failed log row)."""


def main(url: str, batch_size: int) -> None:
    engine = create_db_engine(url)
    target = credit_schema()
    with open_loader(engine, target, LogContext(session_id=f"pid-{os.getpid()}")) as loader:
        for batch in read_pending_documents(engine, target, None, None, batch_size):
            outcomes = [
                mapping_failure(document.app_id)
                if document.app_id % FAILING_EVERY == 0
                else mapped_document(document.app_id)
                for document in batch
            ]
            print(f"loading {batch[0].app_id}", flush=True)
            loader.load(outcomes)
            print("committed", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
