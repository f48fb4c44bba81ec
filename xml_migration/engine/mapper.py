"""Mapping one parsed document to rows with a compiled plan (spec §7–§13).

`map_document` reads, validates and maps; `parse_document` (in `reader`) and `map_parsed`
are its two halves for callers that time them separately. Bad input never raises: every
outcome is a `MappedDocument` or a `DocumentFailure`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from xml_migration.contract.plan import (
    ColumnProgram,
    CompiledPlan,
    EntryProgram,
    TablePlan,
)
from xml_migration.contract.roles import ROLES, EntryValue, Extra, Rows
from xml_migration.contract.transforms import text_of
from xml_migration.contract.values import ConversionFailed, ValueOutOfRange, default_at
from xml_migration.engine.columns import (
    BLANK,
    CONVERSION_FAILED,
    NONE,
    NOT_FOUND,
    NULL_WORDS,
    UNMAPPED_CODE,
    VALUE,
    ColumnFunctions,
    Outcome,
    Resolver,
    RowColumn,
    TableFunctions,
    plan_functions,
)
from xml_migration.engine.document import (
    Element,
    ParsedDocument,
    passes,
    raw_attribute,
    utc_now,
)
from xml_migration.engine.outcome import DocumentFailure, MappedDocument, Row, Stage
from xml_migration.engine.reader import DEFAULT_MAX_DOCUMENT_BYTES, parse_document

REQUIRED_VALUE_MISSING = "required_value_missing"
ENUM_UNMAPPED = "enum_unmapped"
VALUE_OUT_OF_RANGE = "value_out_of_range"
UNEXPECTED_ERROR = "unexpected_error"

_TRUTHY = frozenset({"y", "yes", "true", "t", "1"})

Pending = tuple[ColumnProgram, Outcome]
"""A column of a row left without value after its chain and conversion, read by unpacking
into `program, outcome` (a plain tuple for the reason `Outcome` is one)."""


class Missing(NamedTuple):
    """A required column left without value (§11.3)."""

    program: ColumnProgram
    reason: str
    """The none-reason, or "blank"."""
    shown: object
    """The value the failure detail shows."""
    default_suppressed: bool
    """Whether a default was not applied because the row has no evidence (D4)."""


class MappingFailure(Exception):
    """A contract rule the document cannot satisfy (stage `mapping`)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def out_of_range(program: ColumnProgram, value: object, error: Exception) -> MappingFailure:
    return MappingFailure(
        VALUE_OUT_OF_RANGE,
        f"{program.label} (mappings[{program.mapping_index}]): value {text_of(value)!r} "
        f"does not fit the column: {error}",
    )


def _is_zero(value: object) -> bool:
    return type(value) in (int, Decimal) and value == 0


class DocumentMapper:
    """Maps one parsed document; the context its column functions read (the document's
    lookups, its time stamp) and write notes to."""

    def __init__(self, document: ParsedDocument, now: datetime) -> None:
        self.document = document
        self.plan: CompiledPlan = document.plan
        self.now = now
        self.notes: list[str] = []
        self.emitted_contacts: list[tuple[Element, object]] = []
        self.lasts = document.last_elements()
        self.contacts = document.contacts
        self.children = document.children
        self.below = document.below
        self.resolve_application = document.resolve_application
        self._resolver_row: Element | None = None
        self._row_resolve: Resolver = self.resolve_application

    def row_resolver(self, row: Element) -> Resolver:
        """How references resolve in a contact or child row (§14.7): a bare name is the
        row's attribute. Kept while the same row's columns are evaluated."""
        if row is not self._resolver_row:
            resolve_application = self.resolve_application

            def resolve(qualifier: str | None, name: str) -> str | None:
                if qualifier is not None:
                    return resolve_application(qualifier, name)
                text = row.get(name)
                if text is None:
                    text = raw_attribute(row, name, name.casefold())
                    if text is None:
                        return None
                return text.strip() or None

            self._resolver_row = row
            self._row_resolve = resolve
        return self._row_resolve

    # -- rows (§11, §13) -------------------------------------------------------------

    def evaluate(
        self,
        columns: tuple[RowColumn, ...],
        row: Element | None,
        values: list[object],
        *,
        zero_counts: bool,
    ) -> tuple[list[Pending], bool]:
        """Every column of a row: its chain, then its value converted to the column type
        (§10.4 step 5). Values are written into `values`; returns the columns left without
        value and whether the row has evidence (§13.1), counting a zero only with
        `zero_counts`."""
        pending: list[Pending] = []
        has_evidence = False
        for position, counts_as_evidence, program, chain, convert in columns:
            outcome = chain(self, row)
            state, value, evidence, _, raw = outcome
            if state != VALUE:
                pending.append((program, outcome))
                continue
            try:
                converted = convert(value)
            except ConversionFailed:
                self.notes.append(
                    f"{program.label}: {text_of(value)!r} does not convert to the column type"
                )
                pending.append((program, (NONE, value, False, CONVERSION_FAILED, raw)))
                continue
            except ValueOutOfRange as error:
                raise out_of_range(program, value, error) from error
            if converted is None:
                pending.append((program, (NONE, None, False, NOT_FOUND, raw)))
                continue
            values[position] = converted
            if (
                counts_as_evidence
                and not has_evidence
                and evidence
                and (zero_counts or not _is_zero(converted))
            ):
                has_evidence = True
        return pending, has_evidence

    def fill(self, values: list[object], pending: list[Pending], evidence: bool) -> list[Missing]:
        """Defaults and NULLs for the columns without value (§11.3); returns those missing."""
        missing: list[Missing] = []
        for program, (state, value, _, reason, raw) in pending:
            suppressed = program.exclude_default and not evidence
            if (
                program.default is not None
                and not suppressed
                and (state == BLANK or not program.nullable)
            ):
                values[program.position] = default_at(program.default, self.now)
            elif program.nullable:
                if reason == UNMAPPED_CODE and value:
                    self.notes.append(f"{program.label}: {value!r} has no enum code; NULL")
            else:
                shown = value if reason in (UNMAPPED_CODE, CONVERSION_FAILED) else raw
                missing.append(Missing(program, reason or "blank", shown, suppressed))
        return missing

    def failure(self, missing: list[Missing], where: str) -> MappingFailure:
        first = missing[0]
        program, reason, value = first.program, first.reason, first.shown
        label = f"{program.label} (mappings[{program.mapping_index}])"
        if reason == UNMAPPED_CODE:
            return MappingFailure(
                ENUM_UNMAPPED,
                f"{label}: value {value!r} has no enum code and the column is not nullable{where}",
            )
        shown = "no value" if value is None else f"value {text_of(value)!r} ({reason})"
        if first.default_suppressed:
            shown += " (default not applied: the row has no document value)"
        return MappingFailure(
            REQUIRED_VALUE_MISSING,
            f"{label}: {shown}, no default, and the column is not nullable{where}",
        )

    def table_rows(self, table: TablePlan, functions: TableFunctions) -> list[Row]:
        rows = table.rows
        if rows is Rows.DOCUMENT:
            return self.root_rows(table, functions.columns)
        if rows is Rows.CONTACT:
            return self.contact_rows(table, functions.columns)
        if rows is Rows.CHILD:
            return self.child_rows(table, functions.columns)
        if rows is Rows.EVIDENCE:
            return self.single_rows(table, functions.columns)
        if rows is Rows.GROUP:
            return self.group_rows(table, functions.groups)
        return self.entry_rows(table, functions)

    def _new_row(self, table: TablePlan) -> list[object]:
        values: list[object] = [None] * table.width
        if table.app_key_position is not None:
            values[table.app_key_position] = self.document.app_id
        return values

    def root_rows(self, table: TablePlan, columns: tuple[RowColumn, ...]) -> list[Row]:
        values = self._new_row(table)
        pending, evidence = self.evaluate(columns, None, values, zero_counts=True)
        missing = self.fill(values, pending, evidence)
        if missing:
            raise self.failure(missing, "")
        return [tuple(values)]

    def contact_rows(self, table: TablePlan, columns: tuple[RowColumn, ...]) -> list[Row]:
        rows = []
        for element, key in self.contacts().selected:
            values = self._new_row(table)
            values[table.contact_key_position] = key
            pending, evidence = self.evaluate(columns, element, values, zero_counts=True)
            missing = self.fill(values, pending, evidence)
            if missing and any(column.default_suppressed for column in missing):
                names = ", ".join(column.program.label for column in missing)
                self.notes.append(
                    f"contact {key!r} not written: no evidence and no value for {names}"
                )
                continue
            if missing:
                raise self.failure(missing, f" (contact {key!r})")
            self.emitted_contacts.append((element, key))
            rows.append(tuple(values))
        return rows

    def single_rows(self, table: TablePlan, columns: tuple[RowColumn, ...]) -> list[Row]:
        values = self._new_row(table)
        pending, evidence = self.evaluate(columns, None, values, zero_counts=True)
        if not evidence:
            return []
        missing = self.fill(values, pending, evidence)
        if missing:
            raise self.failure(missing, "")
        return [tuple(values)]

    def child_rows(self, table: TablePlan, columns: tuple[RowColumn, ...]) -> list[Row]:
        contact_plan = self.plan.contact
        assert contact_plan is not None and table.child_rule is not None
        rule = contact_plan.children[table.child_rule]
        rows = []
        seen: set[tuple[object, ...]] = set()
        for contact, key in self.emitted_contacts:
            for child in self.children(contact, rule.tag):
                if passes(child, rule.required, rule.meaningful):
                    continue
                values: list[object] = [None] * table.width
                values[table.contact_key_position] = key
                pending, evidence = self.evaluate(columns, child, values, zero_counts=False)
                if not evidence:
                    continue
                missing = self.fill(values, pending, evidence)
                primary_key = tuple([values[i] for i in table.primary_key])
                if primary_key in seen:
                    self.notes.append(
                        f"{table.name}: duplicate key {primary_key!r} of contact {key!r} dropped"
                    )
                    continue
                if missing:
                    raise self.failure(missing, f" ({rule.element_type} of contact {key!r})")
                seen.add(primary_key)
                rows.append(tuple(values))
        return rows

    def group_rows(self, table: TablePlan, groups: tuple[tuple[RowColumn, ...], ...]) -> list[Row]:
        rows = []
        for group, columns in zip(table.groups, groups, strict=True):
            values = self._new_row(table)
            values[table.identifier_position] = group.number
            for position, default in group.fill:
                values[position] = default_at(default, self.now)
            pending, evidence = self.evaluate(columns, None, values, zero_counts=False)
            if not evidence:
                continue
            missing = self.fill(values, pending, evidence)
            if missing:
                raise self.failure(missing, f" (group {group.number})")
            rows.append(tuple(values))
        return rows

    # -- implied-column families (§9.7–§9.11) ----------------------------------------

    def entry_value(
        self, entry: EntryProgram, functions: ColumnFunctions, *, converted: bool
    ) -> object:
        """The (converted) value of an implied-column mapping, or None for no row."""
        program = entry.program
        state, value, _, _, _ = functions.chain(self, None)
        if state != VALUE:
            if not entry.fallback:
                return None
            assert functions.pick is not None
            for contact in reversed(self.contacts().primary_role[:-1]):
                text = functions.pick(self, contact)
                if isinstance(text, str) and text.casefold() not in NULL_WORDS:
                    value = text
                    break
            else:
                return None
        if not converted:
            return value
        try:
            return program.convert(value)
        except ConversionFailed:
            self.notes.append(f"{program.label}: {text_of(value)!r} does not convert; no row")
            return None
        except ValueOutOfRange as error:
            raise out_of_range(program, value, error) from error

    def entry_rows(self, table: TablePlan, functions: TableFunctions) -> list[Row]:
        role = ROLES[table.role]
        indicator = role.value is EntryValue.FLAG
        notes = None
        if table.notes is not None and functions.notes is not None:
            notes = self.entry_value(
                EntryProgram(table.notes, key=None), functions.notes, converted=True
            )
        extra_is_entry = role.extra is not Extra.NOTES
        extra_position = table.extra_position
        rows = []
        for entry, entry_functions in zip(table.entries, functions.entries, strict=True):
            value = self.entry_value(entry, entry_functions, converted=not indicator)
            if value is None:
                continue
            if indicator:
                if value.lower() not in _TRUTHY:
                    continue
                value = table.true_value
            values = self._new_row(table)
            values[table.identifier_position] = entry.key
            values[table.value_position] = value
            if extra_position is not None:
                values[extra_position] = entry.extra if extra_is_entry else notes
            rows.append(tuple(values))
        return rows

    def map(self) -> MappedDocument:
        """Every table's rows, in insertion order; contact rows first (child rows need them)."""
        tables = tuple(zip(self.plan.tables, plan_functions(self.plan), strict=True))
        computed = {
            table.name: self.table_rows(table, functions)
            for table, functions in tables
            if table.rows is Rows.CONTACT
        }
        rows: dict[str, list[Row]] = {}
        for table, functions in tables:
            table_rows = computed.get(table.name)
            if table_rows is None:
                table_rows = self.table_rows(table, functions)
            if table_rows:
                rows[table.name] = table_rows
        self.notes[:0] = self.document.contact_notes()
        return MappedDocument(self.document.app_id, rows, tuple(self.notes))


def map_parsed(
    document: ParsedDocument, *, now: datetime | None = None
) -> MappedDocument | DocumentFailure:
    """Map a parsed document to its rows, or the mapping failure (stage `mapping`)."""
    mapper = DocumentMapper(document, now or utc_now())
    try:
        return mapper.map()
    except MappingFailure as failure:
        return DocumentFailure(
            document.app_id,
            Stage.MAPPING,
            failure.reason,
            f"document {document.app_id}: {failure.detail}",
            tuple(mapper.notes),
        )


def map_document(
    plan: CompiledPlan,
    app_id: int | None,
    raw: str | bytes | bytearray | memoryview | None,
    *,
    now: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    pruned: bool = True,
) -> MappedDocument | DocumentFailure:
    """Read, validate and map one document; never raises for bad input.

    `app_id` is the source row's key (None: the document's own key). An unexpected error
    becomes a failure with stage `unknown`, reason `unexpected_error`.
    """
    try:
        parsed = parse_document(plan, app_id, raw, max_bytes=max_bytes, pruned=pruned)
        if isinstance(parsed, DocumentFailure):
            return parsed
        return map_parsed(parsed, now=now)
    except Exception as error:  # every document must end with an outcome
        return unexpected_failure(app_id, error)


def unexpected_failure(app_id: int | None, error: Exception) -> DocumentFailure:
    """The outcome of a document whose processing raised: stage `unknown`."""
    return DocumentFailure(app_id or 0, Stage.UNKNOWN, UNEXPECTED_ERROR, repr(error))
