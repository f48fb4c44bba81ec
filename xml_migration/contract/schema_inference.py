"""The relational schema a contract implies (spec §16): columns, keys, SQL types, order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from xml_migration.contract.model import TableOverride
from xml_migration.contract.names import case_variants, normalized_sql_type, sql_type_problem
from xml_migration.contract.roles import ROLES, EntryValue, Extra, KeyColumn, RoleSpec, Slot
from xml_migration.contract.structure import MappingInfo, TableInfo
from xml_migration.contract.tables import (
    ColumnSpec,
    DataType,
    ForeignKeySpec,
    TableSpec,
    TargetSchema,
)
from xml_migration.contract.validation import ContractValidation, decimal_precision

IMPLIED_NAME_LENGTH = 100
"""Length of implied identifier, name and key columns of row-creating tables."""
DEFAULT_VALUE_LENGTH = 250
DEFAULT_NOTES_LENGTH = 1000


def _text(name: str, length: int | None, nullable: bool = True) -> ColumnSpec:
    return ColumnSpec(name, DataType.STRING, nullable=nullable, length=length)


def _max_length(infos: Iterable[MappingInfo], default: int | None) -> int | None:
    """The largest length the mappings declare, None (no limit) when one asks for no limit
    (§19.2, D19), `default` when none declares one."""
    declared = [info.declared for info in infos]
    if any(declared_type.unlimited for declared_type in declared):
        return None
    lengths = [declared_type.length for declared_type in declared if declared_type.length]
    return max(lengths) if lengths else default


def mapped_column(name: str, infos: list[MappingInfo], sql_type: str | None) -> ColumnSpec:
    """The column written by `infos` (all mappings of one column of one table)."""
    data_type = infos[0].column.data_type
    precisions = [info.declared.precision for info in infos if info.declared.precision]
    return ColumnSpec(
        name=name,
        data_type=data_type,
        nullable=not all(info.mapping.nullable is False for info in infos),
        length=_max_length(infos, None) if data_type is DataType.STRING else None,
        precision=(decimal_precision(sql_type) if sql_type or not precisions else max(precisions)),
        scale=max(info.declared.scale for info in infos),
    )


class SchemaInference:
    """Builds the `TargetSchema` of a validated contract, reporting `tables` block problems."""

    def __init__(self, validation: ContractValidation) -> None:
        self.validation = validation
        self.contract = validation.contract
        assert validation.app_key is not None
        self.app_key = validation.app_key
        self.contact_key = validation.contact_key
        self.app_key_column = ColumnSpec(
            self.app_key.mapping.target_column, self.app_key.column.data_type, nullable=False
        )

    def build(self) -> TargetSchema:
        order = self.contract.table_insertion_order
        tables_by_name = {table.name: table for table in self.validation.tables}
        for name in self.contract.tables:
            if name not in tables_by_name:
                self.validation.problem(
                    f"tables.{name}", "names a table that no mapping writes", "tables"
                )
        specs = [self._table(tables_by_name[name]) for name in order if name in tables_by_name]
        by_name = {spec.name: spec for spec in specs}
        positions = {name: position for position, name in enumerate(by_name)}
        for spec in specs:
            self._check_column_names(spec, tables_by_name[spec.name])
            self._check_foreign_keys(spec, by_name, positions)
        return TargetSchema(
            schema=self.contract.target_schema,
            tables=tuple(specs),
            app_key_column=self.app_key_column.name,
            app_key_type=self.app_key_column.data_type,
            contact_table=self.contact_key.mapping.target_table if self.contact_key else None,
            contact_key_column=self.contact_key.mapping.target_column if self.contact_key else None,
            source_table=self.contract.source_table,
            source_column=self.contract.source_column,
            source_key_column=self.contract.source_key_column,
            processing_log_table=self.contract.processing_log_table,
        )

    # -- inference (§16.2) -----------------------------------------------------------

    def _mapped_columns(self, table: TableInfo, skip: set[str]) -> list[ColumnSpec]:
        override = self.contract.tables.get(table.name)
        sql_types = (override.sql_types or {}) if override else {}
        by_column: dict[str, list[MappingInfo]] = {}
        for info in table.mappings:
            name = info.mapping.target_column
            if name and name not in skip:
                by_column.setdefault(name, []).append(info)
        return [
            mapped_column(name, infos, sql_types.get(name)) for name, infos in by_column.items()
        ]

    def _contact_key_column(self) -> ColumnSpec:
        assert self.contact_key is not None
        return mapped_column(self.contact_key.mapping.target_column, [self.contact_key], None)

    def _own_key(self, spec: RoleSpec) -> ColumnSpec:
        """The key column that identifies a row of a table with role `spec` to its children."""
        if spec.contact_key is KeyColumn.MAPPED:
            return self._contact_key_column()
        return self.app_key_column

    def _parent_keys(self, spec: RoleSpec) -> tuple[ForeignKeySpec, ...]:
        if spec.parent is None:
            return ()
        parent = next(t.name for t in self.validation.tables if t.role is spec.parent)
        key = self._own_key(ROLES[spec.parent]).name
        return (ForeignKeySpec((key,), parent, (key,), spec.on_delete),)

    def _inferred(
        self, table: TableInfo
    ) -> tuple[list[ColumnSpec], tuple[str, ...], tuple[ForeignKeySpec, ...]]:
        spec = ROLES[table.role]
        app = self.app_key_column
        if spec.layout:
            identifier = spec.column(self.contract.row_types, Slot.IDENTIFIER)
            assert identifier is not None
            columns = [app, *self._laid_out(table, spec)]
            return columns, (app.name, identifier), self._parent_keys(spec)
        if spec.contact_key is not KeyColumn.NONE and self.contact_key is None:
            return self._mapped_columns(table, set()), (), ()
        keys = [] if spec.contact_key is KeyColumn.NONE else [self._contact_key_column()]
        if spec.app_key is KeyColumn.IMPLIED:
            keys.append(app)
        mapped = self._mapped_columns(table, {key.name for key in keys})
        discriminator = [c for c in mapped if c.name == table.discriminator]
        others = [c for c in mapped if c.name != table.discriminator]
        primary_key = (keys[0].name if keys else app.name, *(c.name for c in discriminator))
        return [*keys, *discriminator, *others], primary_key, self._parent_keys(spec)

    def _laid_out(self, table: TableInfo, spec: RoleSpec) -> list[ColumnSpec]:
        """The columns of a row-creating table after the application key, in `spec.layout`."""
        notes = [i for i in table.mappings if i.chain.row_entry and i.chain.row_entry.is_notes]
        values = [i for i in table.mappings if i not in notes]
        columns: list[ColumnSpec] = []
        for column in spec.layout:
            name = spec.column(self.contract.row_types, column.slot) or ""
            match column.slot:
                case Slot.MEMBERS:
                    columns += self._mapped_columns(table, set())
                case Slot.IDENTIFIER if spec.numbered:
                    columns.append(ColumnSpec(name, DataType.SMALLINT, nullable=False))
                case Slot.IDENTIFIER:
                    columns.append(_text(name, IMPLIED_NAME_LENGTH, False))
                case Slot.VALUE if spec.value is EntryValue.TYPED:
                    columns.append(mapped_column(name, values, None))
                case Slot.VALUE:
                    columns.append(_text(name, _max_length(values, DEFAULT_VALUE_LENGTH)))
                case Slot.EXTRA if spec.extra is Extra.NOTES:
                    columns.append(_text(name, _max_length(notes, DEFAULT_NOTES_LENGTH)))
                case Slot.EXTRA:
                    columns.append(_text(name, IMPLIED_NAME_LENGTH))
        return columns

    # -- the `tables` block (§16.1) --------------------------------------------------

    def _table(self, table: TableInfo) -> TableSpec:
        columns, primary_key, foreign_keys = self._inferred(table)
        override = self.contract.tables.get(table.name)
        if override is not None:
            columns, primary_key, foreign_keys = self._apply_override(
                table.name, override, columns, primary_key, foreign_keys
            )
        key_columns = set(primary_key)
        columns = [
            replace(column, nullable=False) if column.name in key_columns else column
            for column in columns
        ]
        return TableSpec(table.name, table.role, tuple(columns), primary_key, foreign_keys)

    def _known(self, table: str, key: str, names: Iterable[str], known: set[str]) -> bool:
        unknown = [name for name in names if name not in known]
        for name in unknown:
            self.validation.problem(
                f"tables.{table}", f"column {name!r} is not a column of table {table}", key
            )
        return not unknown

    def _apply_override(
        self,
        name: str,
        override: TableOverride,
        columns: list[ColumnSpec],
        primary_key: tuple[str, ...],
        foreign_keys: tuple[ForeignKeySpec, ...],
    ) -> tuple[list[ColumnSpec], tuple[str, ...], tuple[ForeignKeySpec, ...]]:
        known = {column.name for column in columns}
        if override.primary_key is not None and self._known(
            name, "primary_key", override.primary_key, known
        ):
            primary_key = tuple(override.primary_key)
        if override.foreign_keys is not None:
            declared = []
            for key in override.foreign_keys:
                if self._known(name, "foreign_keys", key.columns, known):
                    declared.append(
                        ForeignKeySpec(
                            tuple(key.columns),
                            key.references,
                            tuple(key.referenced_columns),
                            key.on_delete,
                        )
                    )
            foreign_keys = tuple(declared)
        if override.column_order is not None and self._known(
            name, "column_order", override.column_order, known
        ):
            first = [
                next(c for c in columns if c.name == n)
                for n in dict.fromkeys(override.column_order)
            ]
            columns = first + [c for c in columns if c.name not in set(override.column_order)]
        if override.sql_types is not None and self._known(
            name, "sql_types", override.sql_types, known
        ):
            for column_name, sql_type in override.sql_types.items():
                problem = sql_type_problem(column_name, sql_type)
                if problem is not None:
                    self.validation.problem(f"tables.{name}", problem, "sql_types")
                    continue
                columns = [
                    replace(c, sql_type=normalized_sql_type(sql_type))
                    if c.name == column_name
                    else c
                    for c in columns
                ]
        return columns, primary_key, foreign_keys

    def _check_column_names(self, spec: TableSpec, table: TableInfo) -> None:
        """No two columns of a table differ only in case (§16.1)."""
        writers = {info.mapping.target_column: info for info in reversed(table.mappings)}
        for name, earlier in case_variants(spec.column_names):
            writer = writers.get(name)
            self.validation.problem(
                writer.label if writer else f"table {spec.name}",
                f"column {name!r} differs from column {earlier!r} only in case; SQLite and SQL "
                "Server see one column: use one spelling",
                "target_column" if writer else None,
            )

    def _check_foreign_keys(
        self, spec: TableSpec, by_name: dict[str, TableSpec], positions: dict[str, int]
    ) -> None:
        for key in spec.foreign_keys:
            location = f"tables.{spec.name}"
            referenced = by_name.get(key.references)
            if referenced is None:
                self.validation.problem(
                    location,
                    f"foreign key references {key.references!r}, which no mapping writes",
                    "foreign_keys",
                )
                continue
            self._known(
                key.references, "foreign_keys", key.referenced_columns, set(referenced.column_names)
            )
            if len(key.columns) != len(key.referenced_columns):
                self.validation.problem(
                    location,
                    "foreign key has a different number of columns and referenced columns",
                    "foreign_keys",
                )
            if key.references != spec.name and positions[key.references] > positions[spec.name]:
                self.validation.problem(
                    "contract",
                    f"table {spec.name!r} must come after its parent {key.references!r}",
                    "table_insertion_order",
                )
