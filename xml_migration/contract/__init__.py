"""The mapping contract: model, validation, expression language and compilation to a plan.

"spec §n" and the tags D1–D19 in this package refer to docs/contract-format.md, the
normative description of the contract format (version 1.1).

Pure Python: imports neither Dagster nor any database driver. The main entry points are
re-exported here (loaded on first use, so that importing `contract.tables` stays light):
`load_contract`, `compile_contract`, `load_plan`, `Contract`, `CompiledPlan`,
`ContractError`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "load_contract": "xml_migration.contract.loading",
    "compile_contract": "xml_migration.contract.compiler",
    "load_plan": "xml_migration.contract.compiler",
    "Contract": "xml_migration.contract.model",
    "CompiledPlan": "xml_migration.contract.plan",
    "ContractError": "xml_migration.contract.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)
