"""Compiling contracts into plans: defaults, read paths, enum and step precomputation."""

from __future__ import annotations

import pytest

import xml_migration.contract as contract_package
from xml_migration.contract.compiler import compile_contract, load_plan, shipped_contract_path
from xml_migration.contract.errors import ContractError
from xml_migration.contract.loading import load_contract
from xml_migration.contract.model import Contract
from xml_migration.contract.plan import ReadKind, Scope, SelectorMode, StepKind
from xml_migration.contract.tables import TableRole
from xml_migration.contract.validation import ContractValidation
from xml_migration_tests.compat.vectors import CONTRACT_PATH, contract_data


def test_load_plan_without_a_path_uses_the_shipped_contract() -> None:
    plan = load_plan()
    assert shipped_contract_path().name == "credit_application.json"
    assert plan.contract == load_contract(shipped_contract_path())
    assert plan.target.tables[0].role is TableRole.ROOT


def test_load_plan_validates_the_contract_once(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []
    run = ContractValidation.run

    def counted(self: ContractValidation) -> None:
        runs.append(self)
        run(self)

    monkeypatch.setattr(ContractValidation, "run", counted)
    plan = load_plan(CONTRACT_PATH)
    assert len(runs) == 1
    assert plan.target == compile_contract(load_contract(CONTRACT_PATH)).target


def test_package_exports_the_entry_points() -> None:
    assert contract_package.load_plan is load_plan
    assert contract_package.compile_contract is compile_contract
    with pytest.raises(AttributeError):
        _ = contract_package.no_such_name


def test_read_paths_and_container() -> None:
    plan = load_plan(CONTRACT_PATH)
    assert plan.container_path == "/Provenir/Request/CustData"
    assert {
        "/Provenir",
        "/Provenir/Request",
        "/Provenir/Request/CustData/application",
        "/Provenir/Request/CustData/application/app_product",
        "/Provenir/Request/CustData/application/contact/contact_address",
        "/Provenir/Request/CustData/application/contact/app_prod_bcard",
    } <= plan.read_paths
    assert not any("Reports" in path for path in plan.read_paths)
    assert plan.scope_elements == {"app_product", "collateral"}
    assert plan.scope_attributes == {"risk_tier"}


def test_programs_are_compiled_per_role() -> None:
    plan = load_plan(CONTRACT_PATH)
    tables = {table.name: table for table in plan.tables}
    contact = {p.label: p for p in tables["app_contact_base"].programs}
    assert contact["app_contact_base.first_name"].reader.kind is ReadKind.ROW_ELEMENT
    assert contact["app_contact_base.first_name"].steps == ()
    home_phone = contact["app_contact_base.home_phone"]
    assert home_phone.reader.kind is ReadKind.CURRENT_CHILD
    assert home_phone.reader.preferred_type == "curr"
    assert contact["app_contact_base.esign_consent_flag"].reader.kind is ReadKind.PLAIN
    assert "app_contact_base.con_id" not in contact
    operational = {p.label: p for p in tables["app_operational"].programs}
    housing = operational["app_operational.housing_payment"].reader
    assert (housing.kind, housing.mode) == (ReadKind.SELECTOR, SelectorMode.CHILD_POOL)
    assert operational["app_operational.authu_issue_card_flag"].reader.secondary
    assert operational["app_operational.risk_band"].scope is Scope.APPLICATION
    base = {p.label: p for p in tables["app_base"].programs}
    decision = base["app_base.decision_enum"]
    assert [step.kind for step in decision.steps] == [StepKind.ENUM_AFTER_CALCULATED]
    assert decision.fallback is not None and decision.fallback.kind is ReadKind.PLAIN
    address = {p.label: p for p in tables["app_contact_address"].programs}
    assert not address["app_contact_address.address_type_enum"].evidence
    assert address["app_contact_address.months_at_address"].scope is Scope.CHILD
    collateral = tables["app_collateral_rl"]
    assert [group.number for group in collateral.groups] == [1, 2]
    members = {p.label: p.evidence for p in collateral.groups[0].members}
    assert members["app_collateral_rl.make"] and not members["app_collateral_rl.used_flag"]


def test_compiling_an_invalid_contract_raises() -> None:
    data = contract_data()
    data["mappings"][3]["enum_name"] = "no_such_enum"
    with pytest.raises(ContractError, match="no_such_enum"):
        compile_contract(Contract.model_validate(data))
