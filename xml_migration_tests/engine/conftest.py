"""Fixtures of the engine tests: the compat plan and a small document builder."""

from __future__ import annotations

import pytest

from xml_migration.contract.compiler import load_plan
from xml_migration.contract.plan import CompiledPlan
from xml_migration_tests.compat.vectors import CONTRACT_PATH


@pytest.fixture(scope="session")
def compat_plan() -> CompiledPlan:
    return load_plan(CONTRACT_PATH)


def document(
    application: str = 'app_receive_date="2024-02-01" status_cd="P"',
    body: str = '<contact con_id="11" party_role="PR" first_name="A" last_name="B"/>',
    key: str = "7",
    outside: str = "",
) -> str:
    """A compat-shaped document with the given application attributes and content."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Provenir><Request ID="{key}"><CustData><application {application}>{body}'
        f"</application></CustData>{outside}</Request></Provenir>"
    )
