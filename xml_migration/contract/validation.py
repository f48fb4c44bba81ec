"""Contract validation (spec §17): derives the structure of a contract or lists its problems.

Every check runs even after an earlier one failed, so that one load reports every problem
of a contract. Problems name the mapping (`mappings[i] (table.column)`) and the key.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel

from xml_migration.contract.chains import (
    BIT_STEPS,
    CONTACT_SELECTORS,
    Chain,
    SourceStep,
    ValueStep,
    parse_chain,
    row_family_named,
)
from xml_migration.contract.data_types import (
    DEFAULT_DECIMAL_PRECISION,
    DeclaredType,
    TypeProblem,
    declare_type,
)
from xml_migration.contract.errors import ContractProblem
from xml_migration.contract.expression import (
    CompiledExpression,
    ExpressionError,
    compile_expression,
)
from xml_migration.contract.model import Contract, FilterRule, MappingEntry
from xml_migration.contract.names import case_variants, identifier_problem
from xml_migration.contract.roles import ROLES, EntryKey, KeyColumn, Rows, Slot
from xml_migration.contract.structure import (
    ChildRule,
    ContactRule,
    MappingInfo,
    Path,
    RequiredAttribute,
    TableInfo,
)
from xml_migration.contract.tables import ColumnSpec, DataType, TableRole
from xml_migration.contract.values import (
    ConversionFailed,
    CurrentTimeDefault,
    ValueOutOfRange,
    current_time_default,
    make_converter,
)

_DECIMAL_SQL_TYPE = re.compile(r"(?:DECIMAL|NUMERIC) ?\( *([0-9]+) *(?:, *[0-9]+ *)?\)", re.I)

_PATH_SEGMENT = re.compile(r"[^\s/\[\]@*()=:|'\",]+")
CONTACT_ELEMENT_TYPE = "contact"
DEFAULT_CONTACT_MEANINGFUL = ("birth_date", "first_name", "last_name", "ssn")
INTEGER_TYPES = frozenset({DataType.TINYINT, DataType.SMALLINT, DataType.INT, DataType.BIGINT})


def parse_path(text: str) -> Path | None:
    """An absolute element path `/a/b/c` as its segments, or None when malformed (§7.1)."""
    if not text.startswith("/"):
        return None
    segments = tuple(text[1:].split("/"))
    if not all(_PATH_SEGMENT.fullmatch(segment) for segment in segments):
        return None
    return segments


def is_below(path: Path, ancestor: Path) -> bool:
    """Whether `path` lies strictly below `ancestor`."""
    return len(path) > len(ancestor) and path[: len(ancestor)] == ancestor


def decimal_precision(sql_type: str | None) -> int:
    """The precision a `DECIMAL(p, s)` / `NUMERIC(p, s)` override declares, else 18."""
    match = _DECIMAL_SQL_TYPE.fullmatch(sql_type.strip()) if sql_type else None
    return int(match[1]) if match else DEFAULT_DECIMAL_PRECISION


class ContractValidation:
    """Runs the checks of spec §17 over a contract and keeps what they derive."""

    def __init__(self, contract: Contract, indexes: list[int] | None = None) -> None:
        self.contract = contract
        self.indexes = indexes or list(range(len(contract.mappings)))
        self.problems: list[ContractProblem] = []
        self.warnings: list[ContractProblem] = []
        self.application_path: Path | None = None
        self.contact_rule: ContactRule | None = None
        self.child_rules: list[ChildRule] = []
        self.mappings: list[MappingInfo] = []
        self.app_key: MappingInfo | None = None
        self.contact_key: MappingInfo | None = None
        self.tables: list[TableInfo] = []

    # -- reporting -------------------------------------------------------------------

    def problem(self, location: str, message: str, key: str | None = None) -> None:
        self.problems.append(ContractProblem(location, message, key))

    def warning(self, location: str, message: str, key: str | None = None) -> None:
        self.warnings.append(ContractProblem(location, message, key))

    def check_identifier(self, location: str, key: str, name: str, what: str) -> None:
        """Table, column and schema names must be plain SQL identifiers (§16.1)."""
        problem = identifier_problem(name, what)
        if problem is not None:
            self.problem(location, problem, key)

    # -- the checks ------------------------------------------------------------------

    def run(self) -> None:
        self._check_unknown_keys()
        self._check_top_level()
        self._check_filter_rules()
        self._check_mappings()
        self._find_key_mappings()
        self._derive_tables()
        self._check_tables()
        self._check_insertion_order()
        self._check_table_names()
        self._check_relationships()

    def _check_unknown_keys(self) -> None:
        contract = self.contract
        sections: list[tuple[str, BaseModel]] = [("contract", contract)]
        sections.append(("element_filtering", contract.element_filtering))
        sections += [
            (f"element_filtering.filter_rules[{i}]", rule)
            for i, rule in enumerate(contract.element_filtering.filter_rules)
        ]
        sections += [(mapping_location(i, m), m) for i, m in self.indexed_mappings()]
        sections += [(f"relationships[{i}]", r) for i, r in enumerate(contract.relationships)]
        sections.append(("bit_conversions", contract.bit_conversions))
        sections.append(("row_types", contract.row_types))
        sections += [
            (f"row_types.{name}", getattr(contract.row_types, name))
            for name in type(contract.row_types).model_fields
        ]
        for table, override in contract.tables.items():
            sections.append((f"tables.{table}", override))
            sections += [
                (f"tables.{table}.foreign_keys[{i}]", key)
                for i, key in enumerate(override.foreign_keys or ())
            ]
        for location, section in sections:
            for key in section.model_extra or {}:
                self.warning(location, "unknown key, ignored", key)

    def indexed_mappings(self) -> Iterable[tuple[int, MappingEntry]]:
        return zip(self.indexes, self.contract.mappings, strict=True)

    def _check_top_level(self) -> None:
        contract = self.contract
        for key in ("source_table", "source_column", "source_key_column", "target_schema"):
            self.check_identifier("contract", key, getattr(contract, key), "name")
        self.check_identifier(
            "contract", "processing_log_table", contract.processing_log_table, "table name"
        )
        for position, table in enumerate(contract.table_insertion_order):
            self.check_identifier(
                "contract", f"table_insertion_order[{position}]", table, "table name"
            )
        for family in type(contract.row_types).model_fields:
            entry = getattr(contract.row_types, family)
            for key, name in entry:
                if key.endswith("_column"):
                    self.check_identifier(f"row_types.{family}", key, name, "column name")
        if not _PATH_SEGMENT.fullmatch(contract.xml_root_element):
            self.problem("contract", "not an element name", "xml_root_element")
        path = parse_path(contract.xml_application_path)
        if path is None:
            self.problem(
                "contract", "not an absolute element path like /a/b", "xml_application_path"
            )
        elif len(path) < 2:
            self.problem(
                "contract",
                "the application element needs a parent element (the application container)",
                "xml_application_path",
            )
        else:
            self.application_path = path
            if path[0] != contract.xml_root_element:
                self.problem(
                    "contract",
                    f"path does not start at the root element {contract.xml_root_element!r}",
                    "xml_application_path",
                )
            application_table = contract.source_application_table
            if application_table is not None and application_table != path[-1]:
                self.warning(
                    "contract",
                    f"{application_table!r} differs from the last segment of "
                    f"xml_application_path ({path[-1]!r})",
                    "source_application_table",
                )

    # -- element_filtering (§5) ------------------------------------------------------

    def _required_attributes(
        self, location: str, rule: FilterRule
    ) -> tuple[tuple[RequiredAttribute, ...], RequiredAttribute | None]:
        entries: list[RequiredAttribute] = []
        lists: list[RequiredAttribute] = []
        malformed = False
        for attribute, value in rule.required_attributes.items():
            if value is True:
                entries.append((attribute, None))
            elif (
                isinstance(value, list)
                and value
                and all(isinstance(item, str) and item.strip() for item in value)
            ):
                entry = (attribute, tuple(item.strip() for item in value))
                entries.append(entry)
                lists.append(entry)
            else:
                malformed = True
                self.problem(
                    location,
                    f"attribute {attribute!r} must map to true or to a non-empty list of "
                    f"values, not {value!r}",
                    "required_attributes",
                )
        if len(lists) != 1:
            if malformed and not lists:
                return tuple(entries), None
            self.problem(
                location,
                "exactly one entry must be a list of values (the role or type attribute); "
                f"found {len(lists)}",
                "required_attributes",
            )
            return tuple(entries), None
        return tuple(entries), lists[0]

    def _check_filter_rules(self) -> None:
        rules = self.contract.element_filtering.filter_rules
        counts = Counter(rule.element_type for rule in rules)
        for element_type, count in counts.items():
            if count > 1:
                self.problem(
                    "element_filtering",
                    f"element_type {element_type!r} is used by {count} rules; it must be unique",
                    "filter_rules",
                )
        if counts[CONTACT_ELEMENT_TYPE] != 1:
            self.problem(
                "element_filtering",
                f"exactly one rule must have element_type 'contact'; found "
                f"{counts[CONTACT_ELEMENT_TYPE]}",
                "filter_rules",
            )
        parsed: list[tuple[int, FilterRule, Path | None, Path | None]] = []
        for position, rule in enumerate(rules):
            location = f"element_filtering.filter_rules[{position}]"
            parent = parse_path(rule.xml_parent_path)
            child = parse_path(rule.xml_child_path)
            if parent is None:
                self.problem(location, "not an absolute element path", "xml_parent_path")
            if child is None:
                self.problem(location, "not an absolute element path", "xml_child_path")
            parsed.append((position, rule, parent, child))
        contact_path: Path | None = None
        for position, rule, parent, child in parsed:
            if rule.element_type != CONTACT_ELEMENT_TYPE or child is None:
                continue
            location = f"element_filtering.filter_rules[{position}]"
            required, role = self._required_attributes(location, rule)
            container = self.application_path[:-1] if self.application_path else None
            if container is not None and not is_below(child, container):
                self.problem(
                    location,
                    "the contact path must lie inside the application container "
                    f"/{'/'.join(container)}",
                    "xml_child_path",
                )
            if parent is not None and parent != child[:-1]:
                self.warning(
                    location, "is not the parent path of xml_child_path", "xml_parent_path"
                )
            contact_path = child
            meaningful = rule.meaningful_attributes
            self.contact_rule = ContactRule(
                path=child,
                role_attribute=role[0] if role else "",
                roles=(role[1] or ()) if role else (),
                required=required,
                meaningful=tuple(DEFAULT_CONTACT_MEANINGFUL if meaningful is None else meaningful),
            )
        child_paths: set[Path] = set()
        for position, rule, parent, child in parsed:
            if rule.element_type == CONTACT_ELEMENT_TYPE or child is None:
                continue
            location = f"element_filtering.filter_rules[{position}]"
            required, type_entry = self._required_attributes(location, rule)
            if contact_path is not None:
                if parent is not None and parent != contact_path:
                    self.problem(
                        location, "must equal the contact rule's xml_child_path", "xml_parent_path"
                    )
                if child[:-1] != contact_path:
                    self.problem(
                        location,
                        "must be the contact path plus exactly one element name",
                        "xml_child_path",
                    )
            if child in child_paths:
                self.problem(location, "another child rule has the same path", "xml_child_path")
            child_paths.add(child)
            meaningful = rule.meaningful_attributes
            self.child_rules.append(
                ChildRule(
                    element_type=rule.element_type,
                    path=child,
                    type_attribute=type_entry[0] if type_entry else "",
                    types=(type_entry[1] or ()) if type_entry else (),
                    required=required,
                    meaningful=None if meaningful is None else tuple(meaningful),
                )
            )

    # -- mappings --------------------------------------------------------------------

    def _check_mappings(self) -> None:
        for index, mapping in self.indexed_mappings():
            info = self._check_mapping(index, mapping)
            if info is not None:
                self.mappings.append(info)

    def _check_mapping(self, index: int, mapping: MappingEntry) -> MappingInfo | None:
        location = mapping_location(index, mapping)
        contract = self.contract
        self.check_identifier(location, "target_table", mapping.target_table, "table name")
        chain, chain_problems = parse_chain(mapping.mapping_type)
        for message in chain_problems:
            self.problem(location, message, "mapping_type")
        family = row_family_named(mapping.mapping_type)
        if family is not None and ROLES[family].implies_columns:
            if mapping.target_column:
                self.warning(
                    location,
                    f"ignored: the columns of {family.value} tables are implied",
                    "target_column",
                )
        elif not mapping.target_column:
            self.problem(location, "a target column is required", "target_column")
        else:
            self.check_identifier(location, "target_column", mapping.target_column, "column name")
        path = parse_path(mapping.xml_path)
        if path is None:
            self.problem(location, "not an absolute element path like /a/b", "xml_path")
        elif path[0] != contract.xml_root_element:
            self.warning(
                location,
                f"path does not start at the root element {contract.xml_root_element!r}; "
                "it never matches",
                "xml_path",
            )
        if mapping.required is not None and mapping.required == mapping.nullable:
            self.warning(
                location,
                f"required={str(mapping.required).lower()} is inconsistent with "
                f"nullable={str(mapping.nullable).lower()} (only nullable is used)",
                "required",
            )
        self._check_steps(location, mapping, chain)
        declared = declare_type(mapping.data_type, mapping.data_length)
        if isinstance(declared, TypeProblem):
            self.problem(location, declared.message, declared.key)
            self._compile_expression(location, mapping, chain, None)
            return None
        column = self._mapping_column(mapping, declared)
        expression = self._compile_expression(location, mapping, chain, column)
        default = self._convert_default(location, mapping, column)
        if path is None or chain_problems:
            return None
        return MappingInfo(index, mapping, path, chain, column, default, expression, declared)

    def _check_steps(self, location: str, mapping: MappingEntry, chain: Chain) -> None:
        contract = self.contract
        if ValueStep.ENUM in chain.steps:
            enum_name = mapping.enum_name or mapping.target_column
            if enum_name not in contract.enum_mappings:
                self.problem(
                    location,
                    f"enum type {enum_name!r} has no entry in enum_mappings",
                    "enum_name" if mapping.enum_name else "mapping_type",
                )
        for step in BIT_STEPS:
            if step in chain.steps and getattr(contract.bit_conversions, step.value) is None:
                self.problem(
                    location,
                    f"'{step.value}' needs bit_conversions.{step.value}",
                    "mapping_type",
                )

    def _compile_expression(
        self, location: str, mapping: MappingEntry, chain: Chain, column: ColumnSpec | None
    ) -> CompiledExpression | None:
        """The mapping's compiled expression; without a known column type (None) only the
        parts that do not depend on it are checked."""
        if chain.source is not SourceStep.CALCULATED_FIELD:
            if mapping.expression:
                self.warning(location, "ignored: the chain has no calculated_field", "expression")
            return None
        if not (mapping.expression or "").strip():
            self.problem(location, "calculated_field needs an expression", "expression")
            return None
        try:
            return compile_expression(
                mapping.expression,
                condition_allowed=column is None or column.data_type is DataType.BIT,
                boolean_to_bit=self.contract.bit_conversions.boolean_to_bit or {},
            )
        except ExpressionError as error:
            self.problem(location, f"expression does not compile: {error}", "expression")
            return None

    def _mapping_column(self, mapping: MappingEntry, declared: DeclaredType) -> ColumnSpec:
        data_type = declared.data_type
        override = self.contract.tables.get(mapping.target_table)
        sql_type = (override.sql_types or {}).get(mapping.target_column) if override else None
        return ColumnSpec(
            name=mapping.target_column,
            data_type=data_type,
            nullable=mapping.nullable,
            length=declared.length if data_type is DataType.STRING else None,
            precision=(
                decimal_precision(sql_type)
                if sql_type
                else declared.precision or DEFAULT_DECIMAL_PRECISION
            ),
            scale=declared.scale,
        )

    def _convert_default(
        self, location: str, mapping: MappingEntry, column: ColumnSpec
    ) -> object | CurrentTimeDefault | None:
        value = mapping.default_value
        if value is None:
            return None
        if isinstance(value, bool):
            value = int(value)
        converter = make_converter(column, self.contract.bit_conversions.boolean_to_bit or {})
        try:
            current_time = current_time_default(value, column, converter)
        except ConversionFailed as error:
            self.problem(location, str(error), "default_value")
            return None
        if current_time is not None:
            return current_time
        try:
            converted = converter(value)
        except (ConversionFailed, ValueOutOfRange) as error:
            self.problem(
                location,
                f"default {mapping.default_value!r} does not convert to "
                f"{column.data_type.value}: {error}",
                "default_value",
            )
            return None
        if converted is None:
            self.warning(location, "a blank default is no value; ignored", "default_value")
        return converted

    # -- key mappings and table roles (§9) -------------------------------------------

    def _find_key_mappings(self) -> None:
        contact_path = self.contact_rule.path if self.contact_rule else None
        identity = [info for info in self.mappings if info.chain.identity_insert]
        app_keys = [info for info in identity if info.path != contact_path]
        contact_keys = [info for info in identity if info.path == contact_path]
        if len(app_keys) != 1:
            labels = ", ".join(info.label for info in app_keys) or "none"
            self.problem(
                "mappings",
                "exactly one mapping with identity_insert outside the contact path "
                f"(the application key mapping) is required; found {labels}",
            )
        else:
            self.app_key = app_keys[0]
            if self.app_key.column.data_type not in INTEGER_TYPES:
                self.problem(
                    self.app_key.label,
                    "the application key column must have an integer data_type",
                    "data_type",
                )
        if len(contact_keys) > 1:
            labels = ", ".join(info.label for info in contact_keys)
            self.problem(
                "mappings",
                f"at most one mapping with identity_insert at the contact path; found {labels}",
            )
        elif contact_keys:
            self.contact_key = contact_keys[0]
            if self.app_key and self.contact_key.mapping.target_table == (
                self.app_key.mapping.target_table
            ):
                self.problem(
                    self.contact_key.label,
                    "the contact key mapping must write another table than the application "
                    "key mapping",
                    "target_table",
                )

    def _derive_tables(self) -> None:
        by_table: dict[str, list[MappingInfo]] = {}
        for info in self.mappings:
            by_table.setdefault(info.mapping.target_table, []).append(info)
        root = self.app_key.mapping.target_table if self.app_key else None
        contact = self.contact_key.mapping.target_table if self.contact_key else None
        for name, infos in by_table.items():
            entries = [info.chain.row_entry for info in infos]
            families = {entry.family for entry in entries if entry is not None}
            if name in (root, contact):
                role = TableRole.ROOT if name == root else TableRole.CONTACT
                if families:
                    self.problem(
                        f"table {name}",
                        f"the {role.value} table cannot have row-creating mappings",
                    )
                self.tables.append(
                    TableInfo(name, role, tuple(infos), role_column=self._role_column(infos))
                )
            elif families:
                if len(families) > 1 or None in entries:
                    self.problem(
                        f"table {name}",
                        "mixes "
                        + " and ".join(sorted(f.value for f in families))
                        + (" with column mappings" if None in entries else "")
                        + "; a row-creating table takes mappings of one family only",
                    )
                self.tables.append(TableInfo(name, sorted(families)[0], tuple(infos)))
            else:
                self.tables.append(self._column_table(name, infos))
        if self.contact_key is None and any(
            ROLES[t.role].contact_key is KeyColumn.IMPLIED for t in self.tables
        ):
            self.problem(
                "mappings",
                "child tables exist, so a contact key mapping (identity_insert at the contact "
                "path) is required",
            )

    def _role_column(self, infos: list[MappingInfo]) -> str | None:
        rule = self.contact_rule
        if rule is None:
            return None
        for info in infos:
            if (
                info.chain.source is None
                and info.path == rule.path
                and info.mapping.xml_attribute.casefold() == rule.role_attribute.casefold()
            ):
                return info.mapping.target_column
        return None

    def _column_table(self, name: str, infos: list[MappingInfo]) -> TableInfo:
        for rule in self.child_rules:
            at_child = [i for i in infos if i.chain.source is None and i.path == rule.path]
            calculated = [i for i in infos if i.chain.source is SourceStep.CALCULATED_FIELD]
            if not at_child or len(at_child) + len(calculated) != len(infos):
                continue
            discriminator = next(
                (
                    i.mapping.target_column
                    for i in at_child
                    if i.mapping.xml_attribute.casefold() == rule.type_attribute.casefold()
                ),
                None,
            )
            if discriminator is None and rule.type_attribute:
                self.problem(
                    f"table {name}",
                    f"child table of rule {rule.element_type!r} needs a mapping of the type "
                    f"attribute {rule.type_attribute!r} at /{'/'.join(rule.path)} "
                    "(the discriminator column)",
                )
            return TableInfo(name, TableRole.CHILD, tuple(infos), rule, discriminator)
        return TableInfo(name, TableRole.SINGLE_ROW, tuple(infos))

    # -- per-table checks (§10.1, §15.2, §17 items 5 and 6) ---------------------------

    def _check_tables(self) -> None:
        for table in self.tables:
            for info in table.mappings:
                self._check_source_step(table, info)
            if ROLES[table.role].implies_columns:
                self._check_implied_family(table)
            else:
                self._check_columns(table)

    def _check_source_step(self, table: TableInfo, info: MappingInfo) -> None:
        source = info.chain.source
        rule = self.contact_rule
        if source is SourceStep.CURRENT_CHILD:
            if table.role is not TableRole.CONTACT:
                self.problem(
                    info.label,
                    "curr_address_only is allowed only in mappings of the contact table",
                    "mapping_type",
                )
            if not any(info.path == child.path for child in self.child_rules):
                self.problem(
                    info.label,
                    "curr_address_only needs an xml_path equal to a child rule's xml_child_path",
                    "xml_path",
                )
        elif (
            source in CONTACT_SELECTORS
            and rule is not None
            and info.path != rule.path
            and not is_below(info.path, rule.path)
        ):
            self.problem(
                info.label,
                f"{source.value} needs an xml_path at or below the contact path "
                f"/{'/'.join(rule.path)}",
                "xml_path",
            )

    def _check_implied_family(self, table: TableInfo) -> None:
        keys: Counter[str] = Counter()
        notes = 0
        for info in table.mappings:
            chain = info.chain
            entry = chain.row_entry
            if entry is None:
                continue
            if not ROLES[table.role].selector_allowed:
                if chain.source is not None or chain.steps:
                    self.problem(
                        info.label, f"{entry.family.value} allows no other entry", "mapping_type"
                    )
            elif chain.steps or (
                chain.source is not None and chain.source not in CONTACT_SELECTORS
            ):
                self.problem(
                    info.label,
                    f"a {entry.family.value} chain is the entry alone or a contact selector "
                    "followed by the entry",
                    "mapping_type",
                )
            if entry.is_notes:
                notes += 1
                continue
            keys[self._row_key(info)] += 1
        for key, count in keys.items():
            if count > 1:
                self.problem(
                    f"table {table.name}",
                    f"{count} mappings produce the same row key {key!r}",
                )
        if notes > 1:
            self.problem(
                f"table {table.name}", "at most one policy_exceptions() mapping is allowed"
            )

    @staticmethod
    def _row_key(info: MappingInfo) -> str:
        entry = info.chain.row_entry
        assert entry is not None
        key = ROLES[entry.family].entry_key
        if key is EntryKey.BRACKETED_ATTRIBUTE:
            return f"[{info.mapping.xml_attribute}]"
        if key is EntryKey.ATTRIBUTE:
            return info.mapping.xml_attribute
        return entry.parameter or ""

    def _implied_columns(self, table: TableInfo) -> set[str]:
        """Columns the engine adds to a table's rows; mappings must not write them."""
        spec = ROLES[table.role]
        implied: set[str] = set()
        if self.app_key and spec.app_key is KeyColumn.IMPLIED:
            implied.add(self.app_key.mapping.target_column)
        if self.contact_key and spec.contact_key is KeyColumn.IMPLIED:
            implied.add(self.contact_key.mapping.target_column)
        identifier = spec.column(self.contract.row_types, Slot.IDENTIFIER)
        if identifier is not None:
            implied.add(identifier)
        return implied

    def _check_columns(self, table: TableInfo) -> None:
        implied = self._implied_columns(table)
        grouped = ROLES[table.role].rows is Rows.GROUP
        seen: dict[tuple[int | None, str], MappingInfo] = {}
        for info in table.mappings:
            column = info.mapping.target_column
            if not column:
                continue
            if column in implied and info is not self.contact_key:
                self.problem(
                    info.label,
                    f"column {column!r} is added to every row of this table by the engine; "
                    "no mapping may write it",
                    "target_column",
                )
            entry = info.chain.row_entry
            group = entry.number if entry and grouped else None
            other = seen.get((group, column))
            if other is not None:
                self.problem(
                    info.label,
                    f"column {column!r} is already written by {other.label}",
                    "target_column",
                )
            else:
                seen[(group, column)] = info
        if not grouped:
            return
        types: dict[str, DataType] = {}
        for info in table.mappings:
            column = info.mapping.target_column
            known = types.setdefault(column, info.column.data_type)
            if known is not info.column.data_type:
                self.problem(
                    info.label,
                    f"column {column!r} is mapped with data_type {known.value} elsewhere",
                    "data_type",
                )

    # -- table_insertion_order and relationships ---------------------------------------

    def _check_insertion_order(self) -> None:
        order = self.contract.table_insertion_order
        log_table = self.contract.processing_log_table
        mapped = {table.name for table in self.tables}
        counts = Counter(order)
        for name, count in counts.items():
            if count > 1:
                self.problem(
                    "contract", f"table {name!r} is listed {count} times", "table_insertion_order"
                )
        for table in self.tables:
            if table.name not in counts:
                self.problem(
                    "contract",
                    f"table {table.name!r} is written by mappings but not listed",
                    "table_insertion_order",
                )
        for name in order:
            if name not in mapped and name != log_table:
                self.warning(
                    "contract",
                    f"table {name!r} is not written by any mapping; ignored",
                    "table_insertion_order",
                )

    def _check_table_names(self) -> None:
        """The source, target and log tables are distinct on every database, which may
        ignore case in names; so are the two columns of the source table (§16.1)."""
        contract = self.contract
        source = contract.source_table.casefold()
        log_table = contract.processing_log_table
        if log_table.casefold() == source:
            self.problem(
                "contract",
                f"{log_table!r} is the source table {contract.source_table!r}; name the "
                "processing log another way",
                "processing_log_table",
            )
        first_mappings = {table.name: table.mappings[0] for table in self.tables}
        for name, info in first_mappings.items():
            if name.casefold() == source:
                self.problem(
                    info.label,
                    f"table {name!r} is the source table {contract.source_table!r}; a target "
                    "table needs another name",
                    "target_table",
                )
            elif name.casefold() == log_table.casefold():
                self.problem(
                    "contract",
                    f"the processing log table {log_table!r} cannot be a mapping target "
                    f"(mappings write table {name!r})",
                    "processing_log_table",
                )
        for name, earlier in case_variants(first_mappings):
            self.problem(
                first_mappings[name].label,
                f"table {name!r} differs from table {earlier!r} only in case; SQLite and SQL "
                "Server see one table: use one spelling",
                "target_table",
            )
        columns = (contract.source_key_column, contract.source_column)
        if columns[0].casefold() == columns[1].casefold():
            self.problem(
                "contract",
                f"{columns[1]!r} is the source key column {columns[0]!r}; the document and "
                "the key are two columns",
                "source_column",
            )

    def _check_relationships(self) -> None:
        order = set(self.contract.table_insertion_order)
        keys = {info.mapping.target_column for info in (self.app_key, self.contact_key) if info}
        rule_paths = {
            table.name: table.child_rule.path for table in self.tables if table.child_rule
        }
        if self.contact_key and self.contact_rule:
            rule_paths[self.contact_key.mapping.target_table] = self.contact_rule.path
        for position, relationship in enumerate(self.contract.relationships):
            location = f"relationships[{position}]"
            for key in ("parent_table", "child_table"):
                if getattr(relationship, key) not in order:
                    self.problem(location, "table is not in table_insertion_order", key)
            if relationship.foreign_key_column not in keys:
                self.problem(
                    location,
                    "must be the application key column or the contact key column "
                    f"({', '.join(sorted(keys))})",
                    "foreign_key_column",
                )
            expected = rule_paths.get(relationship.child_table)
            if expected is not None and relationship.xml_child_path != "/" + "/".join(expected):
                self.problem(
                    location,
                    f"must equal the filter rule's xml_child_path /{'/'.join(expected)}",
                    "xml_child_path",
                )


def mapping_location(index: int, mapping: MappingEntry | dict) -> str:
    """`mappings[i] (table.column)`: how problems name a mapping."""
    if isinstance(mapping, MappingEntry):
        return f"mappings[{index}] ({mapping.column_label})"
    table = mapping.get("target_table") if isinstance(mapping, dict) else None
    column = mapping.get("target_column") if isinstance(mapping, dict) else None
    label = ".".join(str(part) for part in (table, column) if part)
    return f"mappings[{index}] ({label})" if label else f"mappings[{index}]"
