"""Mock documents written into a contract's source table, after the keys already there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xml_migration.contract import load_plan
from xml_migration.db.connection import dialect_name, disposable_engine
from xml_migration.db.ddl import create_schema
from xml_migration.db.source import insert_source_documents, max_source_key
from xml_migration.mock.faults import FaultKind
from xml_migration.mock.generator import Profile, generate_documents
from xml_migration.mock.report import GenerationReport, GenerationTally

BYTES_SOURCE_DIALECTS = frozenset({"sqlite"})
"""Dialects whose source column stores a document's bytes unchanged. Elsewhere the column
holds text, so the `non_utf8_bytes` fault cannot be stored and is not generated."""


def generate_into_database(
    database_url: str,
    count: int,
    *,
    seed: int = 0,
    profile: Profile | str = Profile.PRODUCTION,
    fault_rate: float = 0.0,
    contract_path: str | Path | None = None,
    manifest_path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Generate `count` documents into the contract's source table and report on them.

    Creates the contract's tables when missing. Application keys continue after the
    largest key in the source table, so keys (and the contact keys derived from them) stay
    unique across runs. When `manifest_path` is given, the fault manifest is written there
    (`{first_app_id}` and `{last_app_id}` in it are filled in). `progress` is called with
    the number of documents generated since its previous call.
    """
    profile = Profile(profile)
    target = load_plan(contract_path).target
    with disposable_engine(database_url) as engine:
        create_schema(engine, target)
        first_app_id = (max_source_key(engine, target) or 0) + 1
        kinds = tuple(FaultKind)
        if dialect_name(engine) not in BYTES_SOURCE_DIALECTS:
            kinds = tuple(kind for kind in kinds if kind is not FaultKind.NON_UTF8_BYTES)
        tally = GenerationTally(seed=seed, profile=profile.value, fault_rate=fault_rate)
        documents = generate_documents(
            count,
            first_app_id=first_app_id,
            seed=seed,
            profile=profile,
            fault_rate=fault_rate,
            fault_kinds=kinds,
        )
        insert_source_documents(engine, target, tally.track(documents, progress))
    written = None if manifest_path is None else tally.write_manifest(manifest_path)
    return tally.report(written)
