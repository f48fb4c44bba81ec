"""Mapping one parsed document to rows with a compiled plan (spec §7–§13).

`map_document` reads, validates and maps; `parse_document` (in `reader`) and `map_parsed`
are its two halves for callers that time them separately. Bad input never raises: every
outcome is a `MappedDocument` or a `DocumentFailure`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Final

from xml_migration.contract.plan import (
    ColumnProgram,
    CompiledPlan,
    EntryProgram,
    Reader,
    ReadKind,
    Scope,
    SelectorMode,
    StepKind,
    TablePlan,
)
from xml_migration.contract.tables import TableRole
from xml_migration.contract.transforms import UNMAPPED, text_of
from xml_migration.contract.values import ConversionFailed, ValueOutOfRange
from xml_migration.engine.document import (
    Element,
    ParsedDocument,
    attribute_text,
    follow,
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

# Chain states (§10.4) and the reasons of a final "none".
VALUE: Final = 0
BLANK: Final = 1
NONE: Final = 2
NOT_FOUND: Final = "not found"
UNMAPPED_CODE: Final = "unmapped"
FAILED: Final = "failed"

_ABSENT: Final = object()
"""A selector that found no element or no attribute (§10.2 *not found*)."""
_NULL_WORDS = frozenset({"null", "none"})
_TRUTHY = frozenset({"y", "yes", "true", "t", "1"})
_ENUM_STEPS = frozenset({StepKind.ENUM, StepKind.ENUM_AFTER_CALCULATED})

Resolver = Callable[[str | None, str], str | None]
Outcome = tuple[ColumnProgram, int, object, str, object]
"""A column after its chain and conversion: program, state, value, none-reason, raw input."""


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
    """Maps one parsed document; holds the document's time stamp and its notes."""

    def __init__(self, document: ParsedDocument, now: datetime) -> None:
        self.document = document
        self.plan: CompiledPlan = document.plan
        self.now = now
        self.notes: list[str] = []
        self.emitted_contacts: list[tuple[Element, object]] = []

    # -- reading (§7, §10.2) ---------------------------------------------------------

    def select(self, reader: Reader, contact: Element | None) -> object:
        """A contact selector's text from `contact`: text, None (blank) or _ABSENT."""
        if contact is None:
            return _ABSENT
        mode = reader.mode
        if mode is SelectorMode.CONTACT:
            element: Element | None = contact
        elif mode is SelectorMode.CHILD_POOL:
            children = list(contact.iterchildren(reader.child_tag))
            preferred = [
                child
                for child in children
                if (
                    attribute_text(child, reader.type_attribute, reader.type_folded) or ""
                ).casefold()
                == reader.preferred_type
            ]
            pool = preferred or children
            if not pool:
                return _ABSENT
            element = next(
                (
                    child
                    for child in pool
                    if attribute_text(child, reader.attribute, reader.attribute_folded)
                ),
                pool[-1],
            )
        else:
            element = follow(contact, reader.relative)
            if element is None:
                return _ABSENT
        raw = raw_attribute(element, reader.attribute, reader.attribute_folded)
        if raw is None:
            return _ABSENT
        return raw.strip() or None

    def read(self, reader: Reader, row: Element | None) -> object:
        """The text a reader yields for a row: text, None (blank) or _ABSENT."""
        kind = reader.kind
        if kind is ReadKind.PLAIN:
            element = self.document.last(reader.path_id)
        elif kind is ReadKind.ROW_ELEMENT:
            element = row
        elif kind is ReadKind.ROW_RELATIVE:
            element = None if row is None else follow(row, reader.relative)
        elif kind is ReadKind.SELECTOR:
            contacts = self.document.contacts()
            return self.select(reader, contacts.secondary if reader.secondary else contacts.primary)
        else:
            if row is None:
                return _ABSENT
            pool = [
                child
                for child in row.iterchildren(reader.child_tag)
                if (
                    attribute_text(child, reader.type_attribute, reader.type_folded) or ""
                ).casefold()
                == reader.preferred_type
            ]
            if not pool:
                return _ABSENT
            raw = raw_attribute(pool[-1], reader.attribute, reader.attribute_folded)
            return _ABSENT if raw is None else (raw.strip() or None)
        return attribute_text(element, reader.attribute, reader.attribute_folded)

    def _resolver(self, scope: Scope, row: Element | None) -> Resolver:
        resolve_application = self.document.resolve_application
        if scope is Scope.APPLICATION or row is None:
            return resolve_application

        def resolve(qualifier: str | None, name: str) -> str | None:
            if qualifier is None:
                return attribute_text(row, name, name.casefold())
            return resolve_application(qualifier, name)

        return resolve

    # -- chains (§10.4) --------------------------------------------------------------

    def run(
        self, program: ColumnProgram, row: Element | None
    ) -> tuple[int, object, bool, str, object]:
        """Steps 1–3 of §10.4: (state, value, evidence, none-reason, raw input)."""
        reason = ""
        evidence = False
        expression = program.expression
        if expression is not None:
            value, read = expression.evaluate(self._resolver(program.scope, row), self.now)
            raw = value
            if value is None or value == "":
                state, reason = NONE, NOT_FOUND
            else:
                state, evidence = VALUE, read
        else:
            value = self.read(program.reader, row)
            if program.null_words and isinstance(value, str) and value.casefold() in _NULL_WORDS:
                value = None
            raw = value
            if value is _ABSENT:
                state, reason, value, raw = NONE, NOT_FOUND, None, None
            elif value is None:
                state = BLANK
            else:
                state, evidence = VALUE, True
        steps = program.steps
        if not steps or (state == NONE and steps[0].kind not in _ENUM_STEPS):
            return state, value, evidence, reason, raw
        last = len(steps) - 1
        for index, step in enumerate(steps):
            kind = step.kind
            if kind is StepKind.ENUM_AFTER_CALCULATED or kind is StepKind.ENUM:
                if kind is StepKind.ENUM_AFTER_CALCULATED:
                    if state == VALUE:
                        continue
                    text = self.read(program.fallback, row)
                    text = None if text is _ABSENT else text
                    raw = text
                    evidence = text is not None
                    text = text or ""
                else:
                    text = text_of(value) if state == VALUE else ""
                    evidence = evidence and state == VALUE
                code = step.apply(text)
                if code is UNMAPPED:
                    state, reason, value, evidence = NONE, UNMAPPED_CODE, text, False
                else:
                    state, value = VALUE, code
                continue
            if kind is StepKind.BIT:
                evidence = evidence and state == VALUE
                value = step.apply(text_of(value) if state == VALUE else "")
                state = VALUE
            elif kind is StepKind.TRANSFORM:
                if state == VALUE:
                    result = step.apply(text_of(value))
                    if result is None:
                        state, reason, evidence = NONE, FAILED, False
                    else:
                        value = result
            else:
                if state != VALUE:
                    state, value, evidence = VALUE, self.now, False
                continue
            if state == NONE and (index == last or steps[index + 1].kind not in _ENUM_STEPS):
                break
        return state, value, evidence, reason, raw

    def column(
        self, program: ColumnProgram, row: Element | None
    ) -> tuple[int, object, bool, str, object]:
        """A column's chain followed by conversion (§10.4 step 5, §12)."""
        state, value, evidence, reason, raw = self.run(program, row)
        if state != VALUE:
            return state, value, evidence, reason, raw
        return self.convert(program, value, evidence, raw)

    def convert(
        self, program: ColumnProgram, value: object, evidence: bool, raw: object
    ) -> tuple[int, object, bool, str, object]:
        """Step 5 of §10.4: the value converted to the column type."""
        try:
            converted = program.convert(value)
        except ConversionFailed:
            self.notes.append(
                f"{program.label}: {text_of(value)!r} does not convert to the column type"
            )
            return NONE, value, False, FAILED, raw
        except ValueOutOfRange as error:
            raise out_of_range(program, value, error) from error
        if converted is None:
            return NONE, None, False, NOT_FOUND, raw
        return VALUE, converted, evidence, "", raw

    # -- rows (§11, §13) -------------------------------------------------------------

    def evaluate(
        self, programs: tuple[ColumnProgram, ...], row: Element | None, zero_counts: bool
    ) -> tuple[list[Outcome], bool]:
        """Every column of a row and whether the row has evidence (§13.1).

        Direct columns (a plain or row attribute, no step) are read and converted inline:
        they are most columns of most contracts.
        """
        outcomes: list[Outcome] = []
        append = outcomes.append
        has_evidence = False
        last = self.document.last
        for program in programs:
            if program.direct:
                reader = program.reader
                element = row if reader.kind is ReadKind.ROW_ELEMENT else last(reader.path_id)
                text = None
                if element is not None:
                    text = element.get(reader.attribute)
                    if text is None:
                        text = raw_attribute(element, reader.attribute, reader.attribute_folded)
                    if text is not None:
                        text = text.strip()
                if not text:
                    append((program, BLANK, None, "", None))
                    continue
                state, value, evidence, reason, raw = self.convert(program, text, True, text)
            else:
                state, value, evidence, reason, raw = self.column(program, row)
            if (
                evidence
                and not has_evidence
                and program.evidence
                and state == VALUE
                and (zero_counts or not _is_zero(value))
            ):
                has_evidence = True
            append((program, state, value, reason, raw))
        return outcomes, has_evidence

    def fill(
        self, values: list[object], outcomes: list[Outcome], evidence: bool
    ) -> list[tuple[ColumnProgram, str, object, bool]]:
        """Write the columns into `values` by §11.3; returns the columns left without value.

        Each missing column is (program, none-reason, raw input, default suppressed by D4).
        """
        missing = []
        for program, state, value, reason, raw in outcomes:
            if state == VALUE:
                values[program.position] = value
                continue
            suppressed = program.exclude_default and not evidence
            if (
                program.default is not None
                and not suppressed
                and (state == BLANK or not program.nullable)
            ):
                values[program.position] = program.default
            elif program.nullable:
                if reason == UNMAPPED_CODE and value:
                    self.notes.append(f"{program.label}: {value!r} has no enum code; NULL")
            else:
                shown = value if reason in (UNMAPPED_CODE, FAILED) else raw
                missing.append((program, reason or "blank", shown, suppressed))
        return missing

    def failure(
        self, missing: list[tuple[ColumnProgram, str, object, bool]], where: str
    ) -> MappingFailure:
        program, reason, raw, _ = missing[0]
        label = f"{program.label} (mappings[{program.mapping_index}])"
        if reason == UNMAPPED_CODE:
            return MappingFailure(
                ENUM_UNMAPPED,
                f"{label}: value {raw!r} has no enum code and the column is not nullable{where}",
            )
        shown = "no value" if raw is None else f"value {text_of(raw)!r} ({reason})"
        if missing[0][3]:
            shown += " (default not applied: the row has no document value)"
        return MappingFailure(
            REQUIRED_VALUE_MISSING,
            f"{label}: {shown}, no default, and the column is not nullable{where}",
        )

    def table_rows(self, table: TablePlan) -> list[Row]:
        role = table.role
        if role is TableRole.ROOT:
            return self.root_rows(table)
        if role is TableRole.CONTACT:
            return self.contact_rows(table)
        if role is TableRole.CHILD:
            return self.child_rows(table)
        if role is TableRole.SINGLE_ROW:
            return self.single_rows(table)
        if table.groups:
            return self.group_rows(table)
        return self.entry_rows(table)

    def _new_row(self, table: TablePlan) -> list[object]:
        values: list[object] = [None] * table.width
        if table.app_key_position is not None:
            values[table.app_key_position] = self.document.app_id
        return values

    def root_rows(self, table: TablePlan) -> list[Row]:
        values = self._new_row(table)
        outcomes, evidence = self.evaluate(table.programs, None, True)
        missing = self.fill(values, outcomes, evidence)
        if missing:
            raise self.failure(missing, "")
        return [tuple(values)]

    def contact_rows(self, table: TablePlan) -> list[Row]:
        rows = []
        for element, key in self.document.contacts().selected:
            values = self._new_row(table)
            values[table.contact_key_position] = key
            outcomes, evidence = self.evaluate(table.programs, element, True)
            missing = self.fill(values, outcomes, evidence)
            if any(suppressed for *_, suppressed in missing):
                columns = ", ".join(p.label for p, *_ in missing)
                self.notes.append(
                    f"contact {key!r} not written: no evidence and no value for {columns}"
                )
                continue
            if missing:
                raise self.failure(missing, f" (contact {key!r})")
            self.emitted_contacts.append((element, key))
            rows.append(tuple(values))
        return rows

    def single_rows(self, table: TablePlan) -> list[Row]:
        values = self._new_row(table)
        outcomes, evidence = self.evaluate(table.programs, None, True)
        if not evidence:
            return []
        missing = self.fill(values, outcomes, evidence)
        if missing:
            raise self.failure(missing, "")
        return [tuple(values)]

    def child_rows(self, table: TablePlan) -> list[Row]:
        contact_plan = self.plan.contact
        assert contact_plan is not None and table.child_rule is not None
        rule = contact_plan.children[table.child_rule]
        rows = []
        seen: set[tuple[object, ...]] = set()
        for contact, key in self.emitted_contacts:
            for child in contact.iterchildren(rule.tag):
                if passes(child, rule.required, rule.meaningful):
                    continue
                values: list[object] = [None] * table.width
                values[table.contact_key_position] = key
                outcomes, evidence = self.evaluate(table.programs, child, False)
                if not evidence:
                    continue
                missing = self.fill(values, outcomes, evidence)
                primary_key = tuple(values[i] for i in table.primary_key)
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

    def group_rows(self, table: TablePlan) -> list[Row]:
        rows = []
        for group in table.groups:
            outcomes, evidence = self.evaluate(group.members, None, False)
            if not evidence:
                continue
            values = self._new_row(table)
            values[table.identifier_position] = group.number
            for position, default in group.fill:
                values[position] = default
            missing = self.fill(values, outcomes, evidence)
            if missing:
                raise self.failure(missing, f" (group {group.number})")
            rows.append(tuple(values))
        return rows

    # -- implied-column families (§9.7–§9.11) ----------------------------------------

    def entry_value(self, entry: EntryProgram, convert: bool = True) -> object:
        """The (converted) value of an implied-column mapping, or None for no row."""
        program = entry.program
        state, value, _, _, _ = self.run(program, None)
        if state != VALUE and entry.fallback:
            primary_role = self.document.contacts().primary_role
            for contact in reversed(primary_role[:-1]):
                text = self.select(program.reader, contact)
                if isinstance(text, str) and text.casefold() not in _NULL_WORDS:
                    state, value = VALUE, text
                    break
        if state != VALUE or not convert:
            return value if state == VALUE else None
        try:
            return program.convert(value)
        except ConversionFailed:
            self.notes.append(f"{program.label}: {text_of(value)!r} does not convert; no row")
            return None
        except ValueOutOfRange as error:
            raise out_of_range(program, value, error) from error

    def entry_rows(self, table: TablePlan) -> list[Row]:
        role = table.role
        notes = None
        if table.notes is not None:
            notes = self.entry_value(EntryProgram(table.notes, None))
        rows = []
        for entry in table.entries:
            value = self.entry_value(entry, convert=role is not TableRole.INDICATOR)
            if value is None:
                continue
            if role is TableRole.INDICATOR:
                if value.lower() not in _TRUTHY:
                    continue
                value = table.true_value
            values = self._new_row(table)
            values[table.identifier_position] = entry.key
            values[table.value_position] = value
            if role is TableRole.HISTORY or role is TableRole.REPORT_LOOKUP:
                values[table.extra_position] = entry.extra
            elif role is TableRole.POLICY_EXCEPTIONS:
                values[table.extra_position] = notes
            rows.append(tuple(values))
        return rows

    def map(self) -> MappedDocument:
        """Every table's rows, in insertion order; contact rows first (child rows need them)."""
        computed = {
            table.name: self.table_rows(table)
            for table in self.plan.tables
            if table.role is TableRole.CONTACT
        }
        rows: dict[str, list[Row]] = {}
        for table in self.plan.tables:
            table_rows = computed.get(table.name)
            if table_rows is None:
                table_rows = self.table_rows(table)
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
