"""Column programs specialised into chain functions, once per plan (spec §10.4).

A `ColumnProgram` describes where a mapping reads and which steps follow;
`column_functions` turns it into one closure with every choice already made: the source
for its reader kind or expression, the steps in order with their stop rule. A column
without steps is its source alone. Mapping a document calls one chain per column and row
and converts its value (`engine/mapper.py`). `plan_functions` builds them for each plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from xml_migration.contract.plan import (
    ColumnProgram,
    CompiledPlan,
    Converter,
    Reader,
    ReadKind,
    Scope,
    SelectorMode,
    Step,
    StepKind,
    TablePlan,
)
from xml_migration.contract.transforms import UNMAPPED, text_of
from xml_migration.engine.document import (
    Contacts,
    Element,
    attribute_text,
    raw_attribute,
)

# Chain states (§10.4) and the reasons of a final "none".
VALUE: Final = 0
BLANK: Final = 1
NONE: Final = 2
NOT_FOUND: Final = "not found"
UNMAPPED_CODE: Final = "unmapped"
CONVERSION_FAILED: Final = "failed"

NULL_WORDS: Final = frozenset({"null", "none"})
_ENUM_STEPS = frozenset({StepKind.ENUM, StepKind.ENUM_AFTER_CALCULATED})
_ATTRIBUTE_READS = frozenset({ReadKind.PLAIN, ReadKind.ROW_ELEMENT, ReadKind.ROW_RELATIVE})

ABSENT: Final = object()
"""A selector that found no element or no attribute (§10.2 *not found*)."""

Outcome = tuple[int, object, bool, str, object]
"""Where a column's chain stands (§10.4), always read by unpacking into
`state, value, evidence, reason, raw`: the state (VALUE, BLANK or NONE), the value, whether
it came from the document (§13.1), why the state is NONE (NOT_FOUND, UNMAPPED_CODE,
CONVERSION_FAILED; "" otherwise) and the source's input before any step (shown in failure
details).

A plain tuple, not a NamedTuple: a chain builds one per column and row, and building a
NamedTuple costs several times a tuple display in the mapper's hot path (ADR 0006)."""
Resolver = Callable[[str | None, str], str | None]

_BLANK: Final[Outcome] = (BLANK, None, False, "", None)
_NOT_FOUND: Final[Outcome] = (NONE, None, False, NOT_FOUND, None)


class MappingContext(Protocol):
    """What column functions need of the document being mapped."""

    now: datetime
    notes: list[str]

    lasts: list[Element | None]
    """The last element of every numbered path."""

    def contacts(self) -> Contacts:
        """The document's selected contacts."""

    def children(self, parent: Element, tag: str) -> list[Element]:
        """The children of `parent` with `tag`, in document order."""

    def below(self, element: Element, relative: tuple[str, ...]) -> Element | None:
        """The last element reached along tags `relative` from `element`."""

    def resolve_application(self, qualifier: str | None, name: str) -> str | None:
        """A reference resolved at application level (§14.7)."""

    def row_resolver(self, row: Element) -> Resolver:
        """How references resolve in the scope of a contact or child row (§14.7)."""


ColumnFunction = Callable[[MappingContext, Element | None], Outcome]
Pick = Callable[[MappingContext, Element | None], object]
"""A contact selector applied to one contact: text, None (blank) or ABSENT."""
StepFunction = Callable[[MappingContext, Element | None, Outcome], Outcome]


@dataclass(frozen=True, slots=True)
class ColumnFunctions:
    """A program's chain as one function (§10.4 steps 1–3).

    `pick` reads a selector's attribute from a given contact (None for other readers).
    """

    program: ColumnProgram
    chain: ColumnFunction
    pick: Pick | None


RowColumn = tuple[int, bool, ColumnProgram, ColumnFunction, Converter]
"""A column of a row, read by unpacking into `position, counts_as_evidence, program, chain,
convert` (the conversion to the column type, §12). A plain tuple like `Outcome`: the row
loop unpacks one per column and row, and unpacking a NamedTuple takes the slow path."""


@dataclass(frozen=True, slots=True)
class TableFunctions:
    """The functions of a table plan, aligned with its programs, groups and entries."""

    columns: tuple[RowColumn, ...]
    groups: tuple[tuple[RowColumn, ...], ...]
    entries: tuple[ColumnFunctions, ...]
    notes: ColumnFunctions | None


# -- reading (§7, §10.2) -----------------------------------------------------------------

TextRead = Callable[[MappingContext, Element | None], object]
"""A read that is not a plain attribute of an element: text, None (blank) or ABSENT."""


def _preferred_children(context: MappingContext, reader: Reader, parent: Element) -> list[Element]:
    type_attribute, type_folded, preferred = (
        reader.type_attribute,
        reader.type_folded,
        reader.preferred_type,
    )
    return [
        child
        for child in context.children(parent, reader.child_tag)
        if (attribute_text(child, type_attribute, type_folded) or "").casefold() == preferred
    ]


def _attribute_of(element: Element, reader: Reader) -> object:
    raw = raw_attribute(element, reader.attribute, reader.attribute_folded)
    return ABSENT if raw is None else (raw.strip() or None)


def _pick(reader: Reader) -> Pick:
    """A contact selector's read from one contact (§10.2)."""
    name, folded = reader.attribute, reader.attribute_folded
    mode = reader.mode
    if mode is SelectorMode.CONTACT:

        def pick_contact(context: MappingContext, contact: Element | None) -> object:
            return ABSENT if contact is None else _attribute_of(contact, reader)

        return pick_contact
    if mode is SelectorMode.CHILD_POOL:
        child_tag = reader.child_tag

        def pick_child(context: MappingContext, contact: Element | None) -> object:
            if contact is None:
                return ABSENT
            pool = _preferred_children(context, reader, contact) or context.children(
                contact, child_tag
            )
            if not pool:
                return ABSENT
            element = next(
                (child for child in pool if attribute_text(child, name, folded)), pool[-1]
            )
            return _attribute_of(element, reader)

        return pick_child
    relative = reader.relative

    def pick_relative(context: MappingContext, contact: Element | None) -> object:
        element = None if contact is None else context.below(contact, relative)
        return ABSENT if element is None else _attribute_of(element, reader)

    return pick_relative


def _text_read(reader: Reader, pick: Pick | None) -> TextRead:
    """The read of a contact selector or of `curr_address_only`."""
    if reader.kind is ReadKind.SELECTOR:
        assert pick is not None
        secondary = reader.secondary

        def selector(context: MappingContext, row: Element | None) -> object:
            contacts = context.contacts()
            return pick(context, contacts.secondary if secondary else contacts.primary)

        return selector

    def current_child(context: MappingContext, row: Element | None) -> object:
        if row is None:
            return ABSENT
        pool = _preferred_children(context, reader, row)
        return _attribute_of(pool[-1], reader) if pool else ABSENT

    return current_child


# -- sources (§10.4 step 1) --------------------------------------------------------------
#
# A source ends its chain: it returns its outcome, or hands it to `then`, the steps.


def _attribute_source(
    reader: Reader, null_words: bool, then: StepFunction | None
) -> ColumnFunction:
    """An attribute of the last element at a path, of the row's element or of an element
    below it; with `null_words`, `null`/`none` read as blank (§7.4)."""
    name, folded = reader.attribute, reader.attribute_folded
    path_id, relative = reader.path_id, reader.relative

    def attribute(context: MappingContext, row: Element | None) -> Outcome:
        if path_id >= 0:
            element = context.lasts[path_id]
        elif relative:
            element = None if row is None else context.below(row, relative)
        else:
            element = row
        outcome = _BLANK
        if element is not None:
            text = element.get(name)
            if text is None:
                text = raw_attribute(element, name, folded)
            if text is not None:
                text = text.strip()
                if text and not (null_words and text.casefold() in NULL_WORDS):
                    outcome = (VALUE, text, True, "", text)
        if then is None:
            return outcome
        return then(context, row, outcome)

    return attribute


def _text_source(read: TextRead, null_words: bool, then: StepFunction | None) -> ColumnFunction:
    """A contact selector or `curr_address_only`: not found, blank or the text."""

    def text_source(context: MappingContext, row: Element | None) -> Outcome:
        text = read(context, row)
        if text is None or (null_words and text is not ABSENT and text.casefold() in NULL_WORDS):
            outcome = _BLANK
        elif text is ABSENT:
            outcome = _NOT_FOUND
        else:
            outcome = (VALUE, text, True, "", text)
        if then is None:
            return outcome
        return then(context, row, outcome)

    return text_source


def _calculated_source(program: ColumnProgram, then: StepFunction | None) -> ColumnFunction:
    """A `calculated_field`: the expression's value, evidence when it read a value (§14)."""
    assert program.expression is not None
    evaluate = program.expression.evaluate
    application_scope = program.scope is Scope.APPLICATION

    def calculated(context: MappingContext, row: Element | None) -> Outcome:
        if application_scope or row is None:
            value, read = evaluate(context.resolve_application, context.now)
        else:
            value, read = evaluate(context.row_resolver(row), context.now)
        if value is None or value == "":
            outcome = (NONE, value, False, NOT_FOUND, value)
        else:
            outcome = (VALUE, value, read, "", value)
        if then is None:
            return outcome
        return then(context, row, outcome)

    return calculated


# -- value steps (§10.3, §10.4 steps 2–3) ------------------------------------------------


def _enum_step(lookup: Callable[[str], object], *, fallback: ColumnFunction | None) -> StepFunction:
    """`enum`; after a calculated field it maps the attribute only when there is no value."""
    if fallback is None:

        def enum(context: MappingContext, row: Element | None, outcome: Outcome) -> Outcome:
            state, value, evidence, reason, raw = outcome
            if state == VALUE:
                text = value if type(value) is str else text_of(value)
                code = lookup(text)
                if code is UNMAPPED:
                    return (NONE, text, False, UNMAPPED_CODE, raw)
                return (VALUE, code, evidence, reason, raw)
            code = lookup("")
            if code is UNMAPPED:
                return (NONE, "", False, UNMAPPED_CODE, raw)
            return (VALUE, code, False, reason, raw)

        return enum

    def enum_after_calculated(
        context: MappingContext, row: Element | None, outcome: Outcome
    ) -> Outcome:
        state, _, _, reason, _ = outcome
        if state == VALUE:
            return outcome
        _, raw, _, _, _ = fallback(context, row)
        text = raw or ""
        code = lookup(text)
        if code is UNMAPPED:
            return (NONE, text, False, UNMAPPED_CODE, raw)
        return (VALUE, code, raw is not None, reason, raw)

    return enum_after_calculated


def _bit_step(apply: Callable[[str], object]) -> StepFunction:
    def bit(context: MappingContext, row: Element | None, outcome: Outcome) -> Outcome:
        state, value, evidence, reason, raw = outcome
        if state != VALUE:
            return (VALUE, apply(""), False, reason, raw)
        return (
            VALUE,
            apply(value if type(value) is str else text_of(value)),
            evidence,
            reason,
            raw,
        )

    return bit


def _transform_step(apply: Callable[[str], object]) -> StepFunction:
    def transform(context: MappingContext, row: Element | None, outcome: Outcome) -> Outcome:
        state, value, evidence, reason, raw = outcome
        if state != VALUE:
            return outcome
        result = apply(value if type(value) is str else text_of(value))
        if result is None:
            return (NONE, value, False, CONVERSION_FAILED, raw)
        return (VALUE, result, evidence, reason, raw)

    return transform


def _default_now(context: MappingContext, row: Element | None, outcome: Outcome) -> Outcome:
    state, _, _, reason, raw = outcome
    if state == VALUE:
        return outcome
    return (VALUE, context.now, False, reason, raw)


def _step_function(step: Step, fallback: ColumnFunction | None) -> StepFunction:
    kind = step.kind
    apply = step.apply
    if kind is StepKind.DEFAULT_UTCNOW:
        return _default_now
    assert apply is not None
    if kind is StepKind.ENUM:
        return _enum_step(apply, fallback=None)
    if kind is StepKind.ENUM_AFTER_CALCULATED:
        assert fallback is not None
        return _enum_step(apply, fallback=fallback)
    if kind is StepKind.BIT:
        return _bit_step(apply)
    return _transform_step(apply)


def _steps(
    steps: tuple[Step, ...], fallback: ColumnFunction | None, source_none: bool
) -> StepFunction | None:
    """The value steps as one function of the source's outcome (§10.4 steps 2–3).

    A "none" ends the chain before a step that is not an enum, unless an enum step came
    just before it (an unmapped code still reaches a bit or default step). `source_none`
    tells whether the source can yield "none" at all (an attribute read cannot).
    """
    ordered = tuple(
        (
            _step_function(step, fallback),
            step.kind not in _ENUM_STEPS
            and (source_none if index == 0 else steps[index - 1].kind not in _ENUM_STEPS),
        )
        for index, step in enumerate(steps)
    )
    if not ordered:
        return None
    if len(ordered) == 1 and not ordered[0][1]:
        return ordered[0][0]

    def run(context: MappingContext, row: Element | None, outcome: Outcome) -> Outcome:
        for step, ends_on_none in ordered:
            if ends_on_none:
                state, _, _, _, _ = outcome
                if state == NONE:
                    return outcome
            outcome = step(context, row, outcome)
        return outcome

    return run


# -- chains (§10.4) ----------------------------------------------------------------------


def column_functions(program: ColumnProgram) -> ColumnFunctions:
    """A program specialised into its chain: the source for its reader, then its steps."""
    reader = program.reader
    fallback = None
    if program.fallback is not None:
        fallback = _attribute_source(program.fallback, null_words=False, then=None)
    attribute = reader is not None and reader.kind in _ATTRIBUTE_READS
    then = _steps(program.steps, fallback, source_none=not attribute)
    pick = None
    if reader is None:
        chain = _calculated_source(program, then)
    elif attribute:
        chain = _attribute_source(reader, program.null_words, then)
    else:
        if reader.kind is ReadKind.SELECTOR:
            pick = _pick(reader)
        chain = _text_source(_text_read(reader, pick), program.null_words, then)
    return ColumnFunctions(program, chain, pick)


def _row_columns(programs: tuple[ColumnProgram, ...]) -> tuple[RowColumn, ...]:
    return tuple(
        (
            program.position,
            program.evidence,
            program,
            column_functions(program).chain,
            program.convert,
        )
        for program in programs
    )


def table_functions(table: TablePlan) -> TableFunctions:
    return TableFunctions(
        columns=_row_columns(table.programs),
        groups=tuple(_row_columns(group.members) for group in table.groups),
        entries=tuple(column_functions(entry.program) for entry in table.entries),
        notes=None if table.notes is None else column_functions(table.notes),
    )


_BUILT: dict[int, tuple[CompiledPlan, tuple[TableFunctions, ...]]] = {}
_BUILT_LIMIT = 16


def plan_functions(plan: CompiledPlan) -> tuple[TableFunctions, ...]:
    """The functions of every table of a plan, built on the plan's first use."""
    built = _BUILT.get(id(plan))
    if built is None or built[0] is not plan:
        if len(_BUILT) >= _BUILT_LIMIT:
            _BUILT.pop(next(iter(_BUILT)), None)
        built = (plan, tuple(table_functions(table) for table in plan.tables))
        _BUILT[id(plan)] = built
    return built[1]
