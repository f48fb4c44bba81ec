"""Generation without a database: the dry run of `xml-migration generate`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from xml_migration.mock.generator import Profile, generate_documents
from xml_migration.mock.report import GenerationReport, GenerationTally


def generate_without_database(
    count: int,
    *,
    first_app_id: int = 1,
    seed: int = 0,
    profile: Profile | str = Profile.PRODUCTION,
    fault_rate: float = 0.0,
    manifest_path: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationReport:
    """Generate `count` documents, discard them, and report sizes, faults and speed.

    The report's `documents_per_second` is the generator's speed on one core.
    """
    profile = Profile(profile)
    tally = GenerationTally(seed=seed, profile=profile.value, fault_rate=fault_rate)
    documents = generate_documents(
        count, first_app_id=first_app_id, seed=seed, profile=profile, fault_rate=fault_rate
    )
    for _row in tally.track(documents, progress):
        pass
    written = None if manifest_path is None else tally.write_manifest(manifest_path)
    return tally.report(written)
