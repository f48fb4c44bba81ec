"""The contract fingerprint ignores key order, white space, defaults and descriptions, and
changes with anything that changes what the contract does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xml_migration.contract.fingerprint import FINGERPRINT_LENGTH, contract_fingerprint
from xml_migration.contract.loading import load_contract
from xml_migration_tests.compat.vectors import CONTRACT_PATH, contract_data


def _fingerprint(data: dict[str, Any]) -> str:
    return contract_fingerprint(load_contract(data))


def _reordered(value: Any) -> Any:
    """Every object with its keys in reverse order (lists keep their order)."""
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


def test_the_fingerprint_is_short_hex_and_stable() -> None:
    fingerprint = contract_fingerprint(load_contract(CONTRACT_PATH))
    assert len(fingerprint) == FINGERPRINT_LENGTH
    assert int(fingerprint, 16) >= 0
    assert fingerprint == _fingerprint(contract_data())


def test_key_order_and_white_space_do_not_count(tmp_path: Path) -> None:
    data = contract_data()
    path = tmp_path / "reordered.json"
    path.write_text(json.dumps(_reordered(data), indent=7) + "\n\n", encoding="utf-8")
    assert contract_fingerprint(load_contract(path)) == _fingerprint(data)


def test_descriptions_and_defaults_spelled_out_do_not_count() -> None:
    data = contract_data()
    changed = contract_data()
    for index, mapping in enumerate(changed["mappings"]):
        mapping["description"] = f"mapping number {index}"
    changed["mappings"][0]["nullable"] = changed["mappings"][0].get("nullable", True)
    changed["element_filtering"]["filter_rules"][0]["description"] = "who counts as a contact"
    changed["row_types"] = {}
    assert _fingerprint(changed) == _fingerprint(data)


def test_a_changed_mapping_changes_the_fingerprint() -> None:
    data = contract_data()
    changed = contract_data()
    changed["mappings"][3]["data_length"] = (changed["mappings"][3].get("data_length") or 0) + 1
    assert _fingerprint(changed) != _fingerprint(data)
