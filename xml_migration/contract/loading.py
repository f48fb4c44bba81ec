"""Loading a contract from JSON and validating it completely (spec §17)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from decimal import Decimal
from itertools import accumulate
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xml_migration.contract.errors import ContractError, ContractProblem
from xml_migration.contract.model import Contract, MappingEntry, missing_key_message
from xml_migration.contract.schema_inference import SchemaInference
from xml_migration.contract.structure import ContractStructure
from xml_migration.contract.validation import ContractValidation, mapping_location

ContractSource = str | PathLike[str] | Mapping[str, Any]
"""A contract file's path, or the contract's JSON object as a dict."""

_MAX_SHOWN_INPUT = 80

MAX_CONTRACT_BYTES = 4 * 1024 * 1024
"""Largest contract file: 4 MiB. Larger files are refused before they are parsed."""
MAX_NESTING_DEPTH = 64
"""Deepest nesting of JSON arrays and objects, checked on the text before it is parsed."""

_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*(?:"|$)')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_DEPTH = {"[": 1, "{": 1, "]": -1, "}": -1}


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


def _file_error(path: Path, message: str) -> ContractError:
    return ContractError([ContractProblem(str(path), message)], source=str(path))


def _decode(raw: bytes, path: Path) -> str:
    """The text of a contract file: UTF-8, or UTF-16 or UTF-32 as their byte order mark or
    their zero bytes show."""
    encoding = json.detect_encoding(raw)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        name = encoding.removesuffix("-sig").upper()
        line = raw[: error.start].count(b"\n") + 1
        raise _file_error(
            path,
            f"is not {name} text: byte 0x{raw[error.start]:02x} at offset {error.start} "
            f"(line {line}) cannot be decoded; save the contract as UTF-8",
        ) from error


def _nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest, found without parsing it."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(map(_BRACKET_DEPTH.__getitem__, brackets)), default=0)


class _RepeatedKeysObject(dict[str, Any]):
    """A JSON object in which some keys were written more than once (the last one wins)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        counts = Counter(key for key, _ in pairs)
        self.repeated = {key: count for key, count in counts.items() if count > 1}


def _repeated_keys(value: Any, location: str) -> Iterator[ContractProblem]:
    """A problem for every key written more than once in one object, in document order."""
    if isinstance(value, _RepeatedKeysObject):
        for key, count in value.repeated.items():
            yield ContractProblem(
                location,
                f"is written {count} times in one object; JSON keeps only the last, so write "
                "it once",
                key,
            )
    if isinstance(value, dict):
        for key, item in value.items():
            if location == "contract" and key == "mappings" and isinstance(item, list):
                for index, mapping in enumerate(item):
                    yield from _repeated_keys(mapping, mapping_location(index, mapping))
            else:
                yield from _repeated_keys(
                    item, key if location == "contract" else f"{location}.{key}"
                )
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _repeated_keys(item, f"{location}[{index}]")


def _parse(text: str, path: Path) -> Any:
    """The JSON value of a contract file's text, its nesting checked before parsing."""
    if _nesting_depth(text) > MAX_NESTING_DEPTH:
        raise _file_error(
            path,
            f"nests arrays and objects deeper than {MAX_NESTING_DEPTH} levels, the most a "
            "contract may nest",
        )
    repeated_keys_seen = False

    def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated_keys_seen
        value = dict(pairs)
        if len(value) == len(pairs):
            return value
        repeated_keys_seen = True
        return _RepeatedKeysObject(pairs)

    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=json_object)
    except json.JSONDecodeError as error:
        raise _file_error(
            path, f"is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from error
    if repeated_keys_seen:
        raise ContractError(list(_repeated_keys(data, "contract")), source=str(path))
    return data


def _read(source: ContractSource) -> tuple[Any, str]:
    """The JSON value of a contract, read within the bounds on size and nesting."""
    if isinstance(source, Mapping):
        return dict(source), ""
    path = Path(source)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CONTRACT_BYTES + 1)
    except OSError as error:
        raise _file_error(path, f"cannot be read: {error.strerror or error}") from error
    if len(raw) > MAX_CONTRACT_BYTES:
        raise _file_error(
            path,
            f"is larger than {MAX_CONTRACT_BYTES // 2**20} MiB ({MAX_CONTRACT_BYTES:,} bytes), "
            "the most a contract may be",
        )
    return _parse(_decode(raw, path), path), str(path)


def _build_model(data: Any) -> tuple[Contract | None, list[int], list[ContractProblem]]:
    """Validate the JSON shapes; invalid mappings are left out so the rest can be validated."""
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
        if isinstance(raw_mappings, list) and raw_mappings and not valid:
            found = [p for p in found if not (p.location == "contract" and p.key == "mappings")]
        return None, indexes, problems + found
    return contract, indexes, problems


def _validate(
    contract: Contract, indexes: list[int] | None = None
) -> tuple[ContractStructure | None, ContractValidation]:
    validation = ContractValidation(contract, indexes)
    validation.run()
    if (
        validation.app_key is None
        or validation.contact_rule is None
        or not validation.application_path
    ):
        return None, validation
    target = SchemaInference(validation).build()
    if validation.problems:
        return None, validation
    positions = {name: position for position, name in enumerate(contract.table_insertion_order)}
    structure = ContractStructure(
        contract=contract,
        application_path=validation.application_path,
        app_key=validation.app_key,
        contact_key=validation.contact_key,
        contact_rule=validation.contact_rule,
        child_rules=tuple(validation.child_rules),
        tables=tuple(sorted(validation.tables, key=lambda t: positions[t.name])),
        target=target,
    )
    return structure, validation


def load_contract(source: ContractSource) -> Contract:
    """Load and completely validate a contract from a path or a dict.

    Raises `ContractError` listing every problem found; warnings are on `Contract.warnings`.
    """
    return load_structure(source).contract


def load_structure(source: ContractSource) -> ContractStructure:
    """Load and completely validate a contract; its structure, from the one validation.

    Raises `ContractError` listing every problem found; warnings are on `Contract.warnings`.
    """
    data, name = _read(source)
    contract, indexes, problems = _build_model(data)
    if contract is None:
        raise ContractError(problems, source=name)
    structure, validation = _validate(contract, indexes)
    problems += validation.problems
    if problems or structure is None:
        raise ContractError(problems, tuple(map(str, validation.warnings)), source=name)
    contract._warnings = tuple(validation.warnings)
    return structure


def contract_structure(contract: Contract) -> ContractStructure:
    """The structure of a contract; raises `ContractError` when the contract is invalid."""
    structure, validation = _validate(contract)
    if structure is None:
        raise ContractError(validation.problems, tuple(map(str, validation.warnings)))
    return structure
