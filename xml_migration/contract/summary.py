"""What `xml-migration contract check` reports about a valid contract."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from xml_migration.contract.chains import BIT_STEPS, ValueStep
from xml_migration.contract.compiler import PlanCompiler
from xml_migration.contract.data_types import NO_LIMIT
from xml_migration.contract.model import Contract
from xml_migration.contract.roles import ROW_CREATING_FAMILIES
from xml_migration.contract.structure import ContractStructure, MappingInfo
from xml_migration.contract.tables import TableRole
from xml_migration.contract.values import CurrentTimeDefault

PLAIN = "(plain)"
"""How the summary counts mappings without a mapping_type."""


@dataclass(frozen=True, slots=True)
class TableSummary:
    name: str
    role: TableRole
    columns: int
    primary_key: tuple[str, ...]
    mappings: int


@dataclass(frozen=True, slots=True)
class ContractSummary:
    """Tables with roles, mappings per type, read paths, what SQL Server spellings became,
    warnings and D15 advisories."""

    tables: tuple[TableSummary, ...]
    mapping_types: tuple[tuple[str, int], ...]
    read_paths: tuple[str, ...]
    container_path: str
    spellings: tuple[str, ...]
    warnings: tuple[str, ...]
    required_without_default: tuple[str, ...]


def _entry_name(entry: str) -> str:
    family = entry.split("(", 1)[0].strip()
    return family if family in ROW_CREATING_FAMILIES else entry


def _always_has_value(info: MappingInfo, contract: Contract) -> bool:
    """Chains whose result is never empty: bit steps, time stamps, enums with a catch-all."""
    steps = info.chain.steps
    if any(step in BIT_STEPS or step is ValueStep.DEFAULT_UTCNOW for step in steps):
        return True
    if ValueStep.ENUM in steps:
        codes = contract.enum_mappings.get(info.mapping.enum_name or info.mapping.target_column)
        return codes is not None and "" in codes
    return False


def required_without_default(structure: ContractStructure) -> list[str]:
    """Non-nullable columns a document can leave without value: they fail it (D15)."""
    keys = {structure.app_key.index}
    if structure.contact_key:
        keys.add(structure.contact_key.index)
    found: list[str] = []
    for table in structure.tables:
        for info in table.mappings:
            mapping = info.mapping
            if (
                info.index in keys
                or mapping.nullable
                or info.default is not None
                or _always_has_value(info, structure.contract)
            ):
                continue
            reasons = "required_value_missing"
            if ValueStep.ENUM in info.chain.steps:
                reasons += " or enum_unmapped"
            found.append(
                f"{info.label}: not nullable and no default_value; a document without this "
                f"value fails with mapping: {reasons} (the legacy system left it to a "
                "database default)"
            )
    return found


def sql_spellings(structure: ContractStructure) -> list[str]:
    """What each SQL Server spelling of the contract became (§19.1–§19.3), one line per
    mapping, in contract order."""
    found: list[tuple[int, str]] = []
    for table in structure.tables:
        for info in table.mappings:
            declared = info.declared
            written = []
            if declared.respelled:
                written.append(f"data_type {declared.written!r}")
            if info.mapping.data_length == NO_LIMIT:
                written.append("data_length -1 / 'max'")
            if written:
                found.append(
                    (info.index, f"{info.label}: {', '.join(written)} → {declared.describe()}")
                )
            if isinstance(info.default, CurrentTimeDefault):
                found.append(
                    (
                        info.index,
                        f"{info.label}: default_value {info.mapping.default_value!r} → the "
                        f"document's UTC time stamp as {info.column.data_type.value}",
                    )
                )
    return [line for _, line in sorted(found, key=lambda item: item[0])]


def summarize(structure: ContractStructure) -> ContractSummary:
    """The summary of a loaded contract (`load_structure`)."""
    contract = structure.contract
    plan = PlanCompiler(structure).compile()
    types: Counter[str] = Counter()
    for mapping in contract.mappings:
        for entry in mapping.mapping_type or (PLAIN,):
            types[_entry_name(entry)] += 1
    return ContractSummary(
        tables=tuple(
            TableSummary(
                name=table.name,
                role=table.role,
                columns=len(structure.target.table(table.name).columns),
                primary_key=structure.target.table(table.name).primary_key,
                mappings=len(table.mappings),
            )
            for table in structure.tables
        ),
        mapping_types=tuple(sorted(types.items())),
        read_paths=tuple(sorted(plan.read_paths)),
        container_path=plan.container_path,
        spellings=tuple(sql_spellings(structure)),
        warnings=tuple(str(warning) for warning in contract.warnings),
        required_without_default=tuple(required_without_default(structure)),
    )
