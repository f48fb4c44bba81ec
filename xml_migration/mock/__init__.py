"""Mock source documents for a contract: realistic, deterministic, with injected faults.

Pure generation needs no database: `generate_documents` yields documents and
`FaultManifest` records the injected faults. Writing into a source table lives in
`xml_migration.mock.database` (`generate_into_database`), which uses the database layer.
"""

from xml_migration.mock.faults import EXPECTED_OUTCOMES, ExpectedOutcome, FaultKind
from xml_migration.mock.generator import GeneratedDocument, Profile, generate_documents
from xml_migration.mock.manifest import FaultManifest, FaultRecord, read_manifest

__all__ = [
    "EXPECTED_OUTCOMES",
    "ExpectedOutcome",
    "FaultKind",
    "FaultManifest",
    "FaultRecord",
    "GeneratedDocument",
    "Profile",
    "generate_documents",
    "read_manifest",
]
