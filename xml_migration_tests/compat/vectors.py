"""Paths of the golden compatibility vectors copied into the test tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COMPAT_DIR = Path(__file__).parent
CONTRACT_PATH = COMPAT_DIR / "contract.json"
DOCUMENTS_DIR = COMPAT_DIR / "documents"
EXPECTED_DIR = COMPAT_DIR / "expected"


def contract_data() -> dict[str, Any]:
    """A fresh copy of the compat contract's JSON object."""
    return json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))


def document_paths() -> list[Path]:
    """Every compat document, in ascending source key order."""
    return sorted(DOCUMENTS_DIR.glob("*.xml"))
