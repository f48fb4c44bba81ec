"""The contract fingerprint: a stable hash of a contract's canonical form.

Two contracts that map every document alike in every respect the file states have the
same fingerprint: key order, white space, keys left at their default and `description`
texts do not count. Every processing log row records the fingerprint of the contract
that produced it (docs/adr/0015-contract-changes.md).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from xml_migration.contract.model import Contract

FINGERPRINT_LENGTH = 16
"""Hex digits kept of the SHA-256 of the canonical form (64 bits)."""
IGNORED_KEYS = frozenset({"description"})
"""Keys that document a contract without changing what it does."""


def _without_ignored(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_ignored(item) for key, item in value.items() if key not in IGNORED_KEYS
        }
    if isinstance(value, list):
        return [_without_ignored(item) for item in value]
    return value


def canonical_form(contract: Contract) -> dict[str, Any]:
    """The contract as JSON data without defaults and descriptions."""
    return _without_ignored(contract.model_dump(mode="json", exclude_defaults=True))


def canonical_text(contract: Contract) -> str:
    """`canonical_form` as compact JSON with sorted keys."""
    return json.dumps(
        canonical_form(contract), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def contract_fingerprint(contract: Contract) -> str:
    """The first `FINGERPRINT_LENGTH` hex digits of the SHA-256 of `canonical_text`."""
    digest = hashlib.sha256(canonical_text(contract).encode("utf-8")).hexdigest()
    return digest[:FINGERPRINT_LENGTH]
