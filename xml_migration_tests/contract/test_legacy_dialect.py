"""The wider legacy dialect at load time (spec §19.1–§19.3, §19.5, D19)."""

from __future__ import annotations

from typing import Any

import pytest

from xml_migration.contract.errors import ContractError
from xml_migration.contract.loading import contract_structure, load_contract
from xml_migration_tests.compat.vectors import contract_data

IP_ADDRESS = 7
"""mappings[7] of the compat contract: app_base.ip_address, string, data_length 39."""


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ContractError) as raised:
        load_contract(data)
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize("length", [-1, "-1", "max", "MAX", " Max "])
def test_data_length_minus_one_or_max_means_no_limit(length: object) -> None:
    data = contract_data()
    data["mappings"][IP_ADDRESS]["data_length"] = length
    structure = contract_structure(load_contract(data))
    assert structure.target.table("app_base").column("ip_address").length is None
