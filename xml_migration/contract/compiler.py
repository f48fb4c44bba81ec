"""Compiling a validated contract into a `CompiledPlan` (done once per contract)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from os import PathLike
from pathlib import Path as FilePath

from xml_migration.contract.chains import BIT_STEPS, SourceStep, ValueStep
from xml_migration.contract.loading import ContractSource, contract_structure, load_structure
from xml_migration.contract.model import Contract
from xml_migration.contract.plan import (
    AppKeyPlan,
    AttributeTest,
    ChildPlan,
    ColumnProgram,
    CompiledPlan,
    ContactPlan,
    Converter,
    EntryProgram,
    GroupProgram,
    Reader,
    ReadKind,
    Scope,
    SelectorMode,
    Step,
    StepKind,
    TablePlan,
)
from xml_migration.contract.roles import ROLES, EntryKey, EntryValue, Extra, KeyColumn, Rows, Slot
from xml_migration.contract.structure import (
    ContractStructure,
    MappingInfo,
    Path,
    RequiredAttribute,
    TableInfo,
)
from xml_migration.contract.tables import ColumnSpec, DataType, TableRole, TableSpec
from xml_migration.contract.transforms import (
    boolean_to_bit,
    char_to_bit,
    enum_lookup,
    extract_date,
    extract_numeric,
    extract_numeric_text,
    numbers_only,
)
from xml_migration.contract.validation import INTEGER_TYPES, is_below
from xml_migration.contract.values import (
    ConversionFailed,
    ValueOutOfRange,
    make_converter,
)

SHIPPED_CONTRACT = "credit_application.json"
"""The contract shipped in `xml_migration/contracts/`, used when no path is given."""

_INTEGER_MAXIMUM = {
    DataType.TINYINT: 255,
    DataType.SMALLINT: 2**15 - 1,
    DataType.INT: 2**31 - 1,
    DataType.BIGINT: 2**63 - 1,
}
_APPLICATION_QUALIFIER = "application"
_ENTRY_POSITION = -1
"""The position of an implied-column family's program: its value goes to the table's value
column, not to a position of its own."""


def tag(name: str) -> str:
    """The lxml tag matching an element's local name in any namespace or none."""
    return "{*}" + name


def path_text(path: Path) -> str:
    return "/" + "/".join(path)


def _attribute_tests(required: tuple[RequiredAttribute, ...]) -> tuple[AttributeTest, ...]:
    return tuple(
        AttributeTest(
            name,
            name.casefold(),
            None if allowed is None else frozenset(v.casefold() for v in allowed),
        )
        for name, allowed in required
    )


def _folded_names(names: tuple[str, ...] | None) -> tuple[tuple[str, str], ...] | None:
    return None if names is None else tuple((name, name.casefold()) for name in names)


def _contact_key_converter(column: ColumnSpec, bit_words: Mapping[str, int]) -> Converter:
    """Contact keys of integer columns are ASCII digits within range (§8.2); None if not."""
    if column.data_type in INTEGER_TYPES:
        maximum = _INTEGER_MAXIMUM[column.data_type]

        def integer_key(text: object) -> object:
            if isinstance(text, str) and text.isascii() and text.isdigit():
                number = int(text)
                if number <= maximum:
                    return number
            return None

        return integer_key
    convert = make_converter(column, bit_words)

    def other_key(text: object) -> object:
        try:
            return convert(text)
        except (ConversionFailed, ValueOutOfRange):
            return None

    return other_key


class _PathNumbers:
    """Numbers absolute paths; each entry is (parent id or -1, tag)."""

    def __init__(self) -> None:
        self.ids: dict[Path, int] = {}
        self.entries: list[tuple[int, str]] = []

    def __call__(self, path: Path) -> int:
        known = self.ids.get(path)
        if known is not None:
            return known
        parent = self(path[:-1]) if len(path) > 1 else -1
        self.ids[path] = len(self.entries)
        self.entries.append((parent, tag(path[-1])))
        return self.ids[path]


class PlanCompiler:
    """Builds the plan of one validated contract."""

    def __init__(self, structure: ContractStructure) -> None:
        self.structure = structure
        self.contract = structure.contract
        self.boolean_to_bit = self.contract.bit_conversions.boolean_to_bit or {}
        self.paths = _PathNumbers()
        self.extra_paths: set[str] = set()
        self.scope_elements: set[str] = set()
        self.scope_attributes: set[str] = set()
        self.contact_path = structure.contact_rule.path
        self.child_rules = {rule.path: rule for rule in structure.child_rules}

    def compile(self) -> CompiledPlan:
        structure = self.structure
        application_id = self.paths(structure.application_path)
        self.paths(structure.container_path)  # read_paths lists it like every path read
        app_key = structure.app_key
        plan_tables = tuple(self._table(table) for table in structure.tables)
        self.extra_paths.add(path_text(self.contact_path))
        self.extra_paths.update(path_text(rule.path) for rule in structure.child_rules)
        read_paths = {path_text(path) for path in self.paths.ids} | self.extra_paths
        return CompiledPlan(
            contract=self.contract,
            target=structure.target,
            root_element=self.contract.xml_root_element,
            paths=tuple(self.paths.entries),
            application_path_id=application_id,
            app_key=AppKeyPlan(
                path_id=self.paths(app_key.path),
                attribute=app_key.mapping.xml_attribute,
                attribute_folded=app_key.mapping.xml_attribute.casefold(),
                maximum=_INTEGER_MAXIMUM[app_key.column.data_type],
                label=app_key.mapping.column_label,
            ),
            contact=self._contact(),
            tables=plan_tables,
            scope_elements=frozenset(self.scope_elements),
            scope_attributes=frozenset(self.scope_attributes),
            read_paths=frozenset(read_paths),
            container_path=path_text(structure.container_path),
        )

    # -- contacts --------------------------------------------------------------------

    def _contact(self) -> ContactPlan:
        rule = self.structure.contact_rule
        key = self.structure.contact_key
        key_attribute = key.mapping.xml_attribute if key else ""
        key_column = key.column if key else ColumnSpec("", DataType.STRING)
        return ContactPlan(
            tag=tag(rule.element_name),
            key_attribute=key_attribute,
            key_folded=key_attribute.casefold(),
            key_convert=_contact_key_converter(key_column, self.boolean_to_bit),
            role_attribute=rule.role_attribute,
            role_folded=rule.role_attribute.casefold(),
            roles=tuple(role.casefold() for role in rule.roles),
            required=_attribute_tests(rule.required),
            meaningful=_folded_names(rule.meaningful) or (),
            children=tuple(
                ChildPlan(
                    element_type=child.element_type,
                    tag=tag(child.element_name),
                    required=_attribute_tests(child.required),
                    meaningful=_folded_names(child.meaningful),
                )
                for child in self.structure.child_rules
            ),
        )

    # -- readers ---------------------------------------------------------------------

    def _plain(self, info: MappingInfo) -> Reader:
        attribute = info.mapping.xml_attribute
        return Reader(ReadKind.PLAIN, attribute, attribute.casefold(), self.paths(info.path))

    def _row_reader(self, info: MappingInfo, role: TableRole, table: TableInfo) -> Reader:
        """Plain or row-scoped extraction (§7.2, §7.3)."""
        attribute = info.mapping.xml_attribute
        folded = attribute.casefold()
        scope = self._scope(role)
        if scope is Scope.CONTACT:
            if info.path == self.contact_path:
                return Reader(ReadKind.ROW_ELEMENT, attribute, folded)
            if is_below(info.path, self.contact_path):
                relative = tuple(tag(name) for name in info.path[len(self.contact_path) :])
                self.extra_paths.add(path_text(info.path))
                return Reader(ReadKind.ROW_RELATIVE, attribute, folded, relative=relative)
        if scope is Scope.CHILD and table.child_rule and info.path == table.child_rule.path:
            return Reader(ReadKind.ROW_ELEMENT, attribute, folded)
        return self._plain(info)

    def _source_reader(self, info: MappingInfo, role: TableRole, table: TableInfo) -> Reader:
        source = info.chain.source
        attribute = info.mapping.xml_attribute
        folded = attribute.casefold()
        if source is None or source is SourceStep.CALCULATED_FIELD:
            return self._row_reader(info, role, table)
        self.extra_paths.add(path_text(info.path))
        child_rule = self.child_rules.get(info.path)
        child_fields: dict[str, str] = {}
        if child_rule is not None:
            child_fields = {
                "child_tag": tag(child_rule.element_name),
                "type_attribute": child_rule.type_attribute,
                "type_folded": child_rule.type_attribute.casefold(),
                "preferred_type": child_rule.types[0].casefold(),
            }
        if source is SourceStep.CURRENT_CHILD:
            return Reader(ReadKind.CURRENT_CHILD, attribute, folded, **child_fields)
        secondary = source is not SourceStep.PRIMARY_CONTACT
        if info.path == self.contact_path:
            return Reader(ReadKind.SELECTOR, attribute, folded, secondary=secondary)
        if child_rule is not None:
            return Reader(
                ReadKind.SELECTOR,
                attribute,
                folded,
                secondary=secondary,
                mode=SelectorMode.CHILD_POOL,
                **child_fields,
            )
        relative = tuple(tag(name) for name in info.path[len(self.contact_path) :])
        return Reader(
            ReadKind.SELECTOR,
            attribute,
            folded,
            relative=relative,
            secondary=secondary,
            mode=SelectorMode.RELATIVE,
        )

    # -- column programs -------------------------------------------------------------

    def _steps(self, info: MappingInfo) -> tuple[Step, ...]:
        mapping = info.mapping
        steps: list[Step] = []
        for position, step in enumerate(info.chain.steps):
            if step is ValueStep.ENUM:
                codes = self.contract.enum_mappings[mapping.enum_name or mapping.target_column]
                after_calculated = (
                    position == 0 and info.chain.source is SourceStep.CALCULATED_FIELD
                )
                kind = StepKind.ENUM_AFTER_CALCULATED if after_calculated else StepKind.ENUM
                steps.append(Step(kind, enum_lookup(codes)))
            elif step in BIT_STEPS:
                bits = getattr(self.contract.bit_conversions, step.value) or {}
                bit: Callable[[str], object] = (
                    char_to_bit(bits) if step is ValueStep.CHAR_TO_BIT else boolean_to_bit(bits)
                )
                steps.append(Step(StepKind.BIT, bit))
            elif step is ValueStep.NUMBERS_ONLY:
                steps.append(Step(StepKind.TRANSFORM, numbers_only))
            elif step is ValueStep.EXTRACT_NUMERIC:
                text_column = info.column.data_type is DataType.STRING
                transform = extract_numeric_text if text_column else extract_numeric
                steps.append(Step(StepKind.TRANSFORM, transform))
            elif step is ValueStep.EXTRACT_DATE:
                steps.append(Step(StepKind.TRANSFORM, extract_date))
            else:
                steps.append(Step(StepKind.DEFAULT_UTCNOW))
        return tuple(steps)

    def _scope(self, role: TableRole) -> Scope:
        return _ROW_SCOPES.get(ROLES[role].rows, Scope.APPLICATION)

    def _note_references(self, info: MappingInfo, scope: Scope) -> None:
        if info.expression is None:
            return
        for qualifier, name in info.expression.references:
            if qualifier is None:
                if scope is Scope.APPLICATION:
                    self.scope_attributes.add(name.casefold())
            elif qualifier.casefold() != _APPLICATION_QUALIFIER:
                self.scope_elements.add(qualifier.casefold())

    def _program(
        self,
        info: MappingInfo,
        table: TableInfo,
        *,
        position: int,
        evidence: bool,
        convert: Converter | None = None,
    ) -> ColumnProgram:
        role = table.role
        scope = self._scope(role)
        calculated = info.chain.source is SourceStep.CALCULATED_FIELD
        steps = self._steps(info)
        self._note_references(info, scope)
        fallback = None
        if steps and steps[0].kind is StepKind.ENUM_AFTER_CALCULATED:
            fallback = self._row_reader(info, role, table)
        reader = None if calculated else self._source_reader(info, role, table)
        null_words = ROLES[role].family is not None
        return ColumnProgram(
            label=f"{table.name}.{info.mapping.target_column}"
            if info.mapping.target_column
            else table.name,
            mapping_index=info.index,
            position=position,
            reader=reader,
            expression=info.expression,
            scope=scope,
            steps=steps,
            convert=convert or make_converter(info.column, self.boolean_to_bit),
            default=info.default,
            exclude_default=info.mapping.exclude_default_when_record_empty,
            nullable=info.mapping.nullable,
            evidence=evidence,
            null_words=null_words,
            fallback=fallback,
        )

    # -- tables ----------------------------------------------------------------------

    def _table(self, table: TableInfo) -> TablePlan:
        spec = self.structure.target.table(table.name)
        positions = {name: index for index, name in enumerate(spec.column_names)}
        primary_key = tuple(positions[name] for name in spec.primary_key)
        role = ROLES[table.role]
        base = {
            "name": table.name,
            "role": table.role,
            "rows": role.rows,
            "width": len(spec.columns),
            "primary_key": primary_key,
        }
        target = self.structure.target
        app_position = positions.get(target.app_key_column)
        if role.family is None:
            return TablePlan(
                **base,
                app_key_position=None if role.app_key is KeyColumn.NONE else app_position,
                contact_key_position=(
                    None
                    if role.contact_key is KeyColumn.NONE
                    else positions.get(target.contact_key_column or "")
                ),
                child_rule=(
                    self.structure.child_rules.index(table.child_rule) if table.child_rule else None
                ),
                programs=self._column_programs(table, positions),
            )
        if role.rows is Rows.GROUP:
            return self._group_table(table, spec, positions, base, app_position)
        return self._entry_table(table, positions, base, app_position)

    def _column_programs(
        self, table: TableInfo, positions: dict[str, int]
    ) -> tuple[ColumnProgram, ...]:
        keys = {self.structure.app_key.index}
        if self.structure.contact_key:
            keys.add(self.structure.contact_key.index)
        scope = self._scope(table.role)
        programs = []
        for info in table.mappings:
            if info.index in keys:
                continue
            column = info.mapping.target_column
            evidence = column not in (table.role_column, table.discriminator)
            if scope is Scope.CONTACT:
                evidence = evidence and (
                    info.path == self.contact_path or is_below(info.path, self.contact_path)
                )
            programs.append(
                self._program(info, table, position=positions[column], evidence=evidence)
            )
        return tuple(programs)

    def _group_table(
        self,
        table: TableInfo,
        spec: TableSpec,
        positions: dict[str, int],
        base: dict[str, object],
        app_position: int | None,
    ) -> TablePlan:
        identifier = ROLES[table.role].column(self.contract.row_types, Slot.IDENTIFIER)
        assert identifier is not None
        first_defaults: dict[str, object] = {}
        for info in table.mappings:
            first_defaults.setdefault(info.mapping.target_column, info.default)
        members: dict[int, list[ColumnProgram]] = {}
        for info in table.mappings:
            entry = info.chain.row_entry
            assert entry is not None and entry.number is not None
            evidence = info.chain.source is not SourceStep.CALCULATED_FIELD and not any(
                step in BIT_STEPS for step in info.chain.steps
            )
            program = self._program(
                info, table, position=positions[info.mapping.target_column], evidence=evidence
            )
            members.setdefault(entry.number, []).append(program)
        implied = {self.structure.target.app_key_column, identifier}
        groups = []
        for number, programs in members.items():
            mapped = {p.position for p in programs}
            fill = tuple(
                (positions[column.name], first_defaults.get(column.name))
                for column in spec.columns
                if column.name not in implied and positions[column.name] not in mapped
            )
            groups.append(GroupProgram(number, tuple(programs), fill))
        return TablePlan(
            **base,
            app_key_position=app_position,
            groups=tuple(groups),
            identifier_position=positions[identifier],
        )

    def _string_converter(self, info: MappingInfo) -> Converter:
        column = ColumnSpec(
            info.mapping.target_column, DataType.STRING, length=info.declared.length
        )
        return make_converter(column, self.boolean_to_bit)

    def _entry_table(
        self,
        table: TableInfo,
        positions: dict[str, int],
        base: dict[str, object],
        app_position: int | None,
    ) -> TablePlan:
        spec = ROLES[table.role]
        entries: list[EntryProgram] = []
        notes: ColumnProgram | None = None
        for info in table.mappings:
            entry = info.chain.row_entry
            assert entry is not None
            convert = None if spec.value is EntryValue.TYPED else self._string_converter(info)
            program = self._program(
                info, table, position=_ENTRY_POSITION, evidence=True, convert=convert
            )
            if entry.is_notes:
                notes = program
                continue
            attribute = info.mapping.xml_attribute
            keys = {
                EntryKey.PARAMETER: entry.parameter,
                EntryKey.NUMBER: entry.number,
                EntryKey.ATTRIBUTE: attribute,
                EntryKey.BRACKETED_ATTRIBUTE: f"[{attribute}]",
            }
            extras = {Extra.ELEMENT: f"[{info.path[-1]}]", Extra.PARAMETER: entry.parameter or None}
            entries.append(
                EntryProgram(
                    program,
                    keys[spec.entry_key],
                    extras.get(spec.extra),
                    fallback=(
                        spec.primary_role_fallback
                        and info.chain.source is SourceStep.PRIMARY_CONTACT
                    ),
                )
            )
        row_types = self.contract.row_types
        identifier, value, extra = (
            spec.column(row_types, slot) for slot in (Slot.IDENTIFIER, Slot.VALUE, Slot.EXTRA)
        )
        assert identifier is not None and value is not None
        return TablePlan(
            **base,
            app_key_position=app_position,
            entries=tuple(entries),
            notes=notes,
            identifier_position=positions[identifier],
            value_position=positions[value],
            extra_position=None if extra is None else positions[extra],
            true_value=row_types.add_indicator.true_value,
        )


_ROW_SCOPES = {Rows.CONTACT: Scope.CONTACT, Rows.CHILD: Scope.CHILD}
"""How bare references resolve in the rows of a table (§14.7); others: the application."""


def compile_contract(contract: Contract) -> CompiledPlan:
    """Compile a contract into its plan; raises `ContractError` when it is invalid."""
    return PlanCompiler(contract_structure(contract)).compile()


def shipped_contract_path() -> FilePath:
    """Path of the contract shipped with the package."""
    return FilePath(str(resources.files("xml_migration") / "contracts" / SHIPPED_CONTRACT))


def load_plan(source: ContractSource | PathLike[str] | None = None) -> CompiledPlan:
    """Load, validate and compile a contract (None: the contract shipped with the package)."""
    structure = load_structure(shipped_contract_path() if source is None else source)
    return PlanCompiler(structure).compile()
