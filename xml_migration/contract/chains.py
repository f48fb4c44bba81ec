"""Mapping-type chains (spec §10.1, §9.4): parsing `mapping_type` entries into a `Chain`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum

from xml_migration.contract.roles import ROLES, ROW_CREATING_FAMILIES, Parameter
from xml_migration.contract.tables import TableRole


class SourceStep(StrEnum):
    """Entries that produce a chain's starting state (spec §10.2)."""

    CALCULATED_FIELD = "calculated_field"
    PRIMARY_CONTACT = "last_valid_pr_contact"
    SECONDARY_CONTACT = "last_valid_sec_contact"
    AUTHU_CONTACT = "authu_contact"
    CURRENT_CHILD = "curr_address_only"


class ValueStep(StrEnum):
    """Entries that transform the running value (spec §10.3)."""

    ENUM = "enum"
    CHAR_TO_BIT = "char_to_bit"
    BOOLEAN_TO_BIT = "boolean_to_bit"
    NUMBERS_ONLY = "numbers_only"
    EXTRACT_NUMERIC = "extract_numeric"
    EXTRACT_DATE = "extract_date"
    DEFAULT_UTCNOW = "default_getutcdate_if_null"


IDENTITY_INSERT = "identity_insert"

CONTACT_SELECTORS = frozenset(
    {SourceStep.PRIMARY_CONTACT, SourceStep.SECONDARY_CONTACT, SourceStep.AUTHU_CONTACT}
)
BIT_STEPS = frozenset({ValueStep.CHAR_TO_BIT, ValueStep.BOOLEAN_TO_BIT})

_ROW_ENTRY = re.compile(r"^(?P<family>[a-z_]+)\s*(?:\((?P<parameter>[^()]*)\))?$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_SOURCE_NAMES = frozenset(step.value for step in SourceStep)
_VALUE_NAMES = frozenset(step.value for step in ValueStep)


@dataclass(frozen=True, slots=True)
class RowEntry:
    """A row-creating entry such as `add_score(ID)` (spec §9.4).

    `parameter` is the trimmed text between the parentheses (None without parentheses);
    `number` is its integer value for the numbered families (`N`), else None.
    """

    family: TableRole
    parameter: str | None
    number: int | None

    @property
    def is_notes(self) -> bool:
        """`policy_exceptions()`: the entry that supplies the shared notes value."""
        return ROLES[self.family].parameter is Parameter.NUMBER_OR_NOTES and self.number is None


@dataclass(frozen=True, slots=True)
class Chain:
    """A parsed `mapping_type` chain."""

    source: SourceStep | None
    steps: tuple[ValueStep, ...]
    identity_insert: bool
    row_entry: RowEntry | None


def _parse_row_entry(entry: str) -> tuple[RowEntry | None, str | None]:
    match = _ROW_ENTRY.match(entry)
    if match is None or match["family"] not in ROW_CREATING_FAMILIES:
        return None, None
    family = ROW_CREATING_FAMILIES[match["family"]]
    kind = ROLES[family].parameter
    raw = match["parameter"]
    parameter = None if raw is None else raw.strip()
    if kind is Parameter.NAME and not parameter:
        return None, f"'{entry}' needs a non-empty parameter, e.g. {match['family']}(NAME)"
    if kind is Parameter.TEXT and parameter is None:
        return None, f"'{entry}' needs a parameter in parentheses (it may be empty)"
    if kind is Parameter.NONE and parameter:
        return None, f"'{entry}' takes no parameter"
    if kind is Parameter.NUMBER_OR_NOTES and parameter == "":
        return RowEntry(family, parameter, None), None
    if kind in (Parameter.NUMBER, Parameter.NUMBER_OR_NOTES):
        if parameter is None or not _INTEGER.match(parameter):
            return None, f"'{entry}' needs an integer parameter, e.g. {match['family']}(1)"
        return RowEntry(family, parameter, int(parameter)), None
    return RowEntry(family, parameter, None), None


def row_family_named(entries: tuple[str, ...]) -> TableRole | None:
    """The row-creating family an entry of the chain names, even when malformed."""
    for entry in entries:
        match = _ROW_ENTRY.match(entry) if isinstance(entry, str) else None
        if match is not None and match["family"] in ROW_CREATING_FAMILIES:
            return ROW_CREATING_FAMILIES[match["family"]]
    return None


def _chain_text(entries: list[str]) -> str:
    return json.dumps(entries, ensure_ascii=False)


def _order_problem(entries: list[str]) -> str | None:
    """The §19.5 message for a chain whose source step is not first or whose row-creating
    entry is not last: the chain as written and the chain in the required order."""
    sources = [entry for entry in entries if entry in _SOURCE_NAMES]
    rows = [entry for entry in entries if row_family_named((entry,)) is not None]
    if len(sources) > 1:
        return f"a chain has at most one source step; found {', '.join(map(repr, sources))}"
    if len(rows) > 1:
        return f"a chain has at most one row-creating entry; found {', '.join(map(repr, rows))}"
    others = [entry for entry in entries if entry not in sources and entry not in rows]
    required = sources + others + rows
    steps = [entry for entry in entries if entry != IDENTITY_INSERT]
    rules = []
    if sources and steps[0] != sources[0]:
        rules.append("the source step must be first")
    if rows and steps[-1] != rows[0]:
        rules.append("the row-creating entry must be last")
    if not rules:
        return None
    return (
        f"mapping_type {_chain_text(entries)}: {' and '.join(rules)}; write {_chain_text(required)}"
    )


def parse_chain(entries: tuple[str, ...]) -> tuple[Chain, list[str]]:
    """Parse a `mapping_type` list; returns the chain and the problems found (spec §10.1)."""
    problems: list[str] = []
    source: SourceStep | None = None
    steps: list[ValueStep] = []
    identity_insert = False
    row_entry: RowEntry | None = None
    texts = [entry for entry in entries if isinstance(entry, str)]
    order = _order_problem(texts)
    if order is not None:
        problems.append(order)
    for entry in entries:
        if not isinstance(entry, str):
            problems.append(f"entry {entry!r} is not a string")
            continue
        if entry == IDENTITY_INSERT:
            identity_insert = True
        elif entry in _SOURCE_NAMES:
            source = source or SourceStep(entry)
        elif entry in _VALUE_NAMES:
            steps.append(ValueStep(entry))
        else:
            parsed, problem = _parse_row_entry(entry)
            if problem:
                problems.append(problem)
            elif parsed is None:
                problems.append(f"unknown mapping type '{entry}'")
            else:
                row_entry = row_entry or parsed
    return Chain(source, tuple(steps), identity_insert, row_entry), problems
