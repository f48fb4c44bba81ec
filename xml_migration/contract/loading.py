"""Loading a contract from JSON and validating it completely (spec §17)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xml_migration.contract.analysis import ContractAnalysis, mapping_location
from xml_migration.contract.errors import ContractError, ContractProblem
from xml_migration.contract.model import Contract, MappingEntry, missing_key_message
from xml_migration.contract.schema import SchemaInference
from xml_migration.contract.structure import ContractStructure

ContractSource = str | PathLike[str] | Mapping[str, Any]
"""A contract file's path, or the contract's JSON object as a dict."""

_MAX_SHOWN_INPUT = 80


def _pydantic_problems(error: ValidationError, location: str) -> list[ContractProblem]:
    problems = []
    for item in error.errors():
        parts = [str(part) for part in item["loc"]]
        key = parts.pop() if parts else None
        where = location + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in parts)
        message = item["msg"]
        if item["type"] == "missing" and where == "contract" and key is not None:
            message = missing_key_message(key) or message
        elif item["type"] != "missing":
            shown = repr(item.get("input"))
            if len(shown) > _MAX_SHOWN_INPUT:
                shown = shown[: _MAX_SHOWN_INPUT - 3] + "..."
            message = f"{message} (got {shown})"
        problems.append(ContractProblem(where.removeprefix("contract."), message, key))
    return problems


def _read(source: ContractSource) -> tuple[Any, str]:
    if isinstance(source, Mapping):
        return dict(source), ""
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ContractError(
            [ContractProblem(str(path), f"cannot be read: {error.strerror or error}")],
            source=str(path),
        ) from error
    try:
        return json.loads(text, parse_float=Decimal), str(path)
    except json.JSONDecodeError as error:
        problem = ContractProblem(
            str(path), f"is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        )
        raise ContractError([problem], source=str(path)) from error


def _build_model(data: Any) -> tuple[Contract | None, list[int], list[ContractProblem]]:
    """Validate the JSON shapes; invalid mappings are left out so the rest can be analysed."""
    if not isinstance(data, dict):
        return None, [], [ContractProblem("contract", "must be a JSON object")]
    problems: list[ContractProblem] = []
    raw_mappings = data.get("mappings")
    valid: list[MappingEntry] = []
    indexes: list[int] = []
    if isinstance(raw_mappings, list):
        for index, raw in enumerate(raw_mappings):
            try:
                valid.append(MappingEntry.model_validate(raw))
                indexes.append(index)
            except ValidationError as error:
                problems += _pydantic_problems(error, mapping_location(index, raw))
        data = {**data, "mappings": valid}
    try:
        contract = Contract.model_validate(data)
    except ValidationError as error:
        found = _pydantic_problems(error, "contract")
        if raw_mappings and not valid:
            found = [p for p in found if not (p.location == "contract" and p.key == "mappings")]
        return None, indexes, problems + found
    return contract, indexes, problems


def _analyse(
    contract: Contract, indexes: list[int] | None = None
) -> tuple[ContractStructure | None, ContractAnalysis]:
    analysis = ContractAnalysis(contract, indexes)
    analysis.run()
    if analysis.app_key is None or analysis.contact_rule is None or not analysis.application_path:
        return None, analysis
    target = SchemaInference(analysis).build()
    if analysis.problems:
        return None, analysis
    structure = ContractStructure(
        contract=contract,
        application_path=analysis.application_path,
        app_key=analysis.app_key,
        contact_key=analysis.contact_key,
        contact_rule=analysis.contact_rule,
        child_rules=tuple(analysis.child_rules),
        tables=tuple(
            sorted(analysis.tables, key=lambda t: contract.table_insertion_order.index(t.name))
        ),
        target=target,
    )
    return structure, analysis


def load_contract(source: ContractSource) -> Contract:
    """Load and completely validate a contract from a path or a dict.

    Raises `ContractError` listing every problem found; warnings are on `Contract.warnings`.
    """
    data, name = _read(source)
    contract, indexes, problems = _build_model(data)
    if contract is None:
        raise ContractError(problems, source=name)
    structure, analysis = _analyse(contract, indexes)
    problems += analysis.problems
    if problems or structure is None:
        raise ContractError(problems, tuple(map(str, analysis.warnings)), source=name)
    contract._warnings = tuple(analysis.warnings)
    return contract


def contract_structure(contract: Contract) -> ContractStructure:
    """The structure of a contract; raises `ContractError` when the contract is invalid."""
    structure, analysis = _analyse(contract)
    if structure is None:
        raise ContractError(analysis.problems, tuple(map(str, analysis.warnings)))
    return structure
