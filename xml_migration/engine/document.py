"""A parsed document and the lookups mapping needs: paths, attributes, scope, contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from xml_migration.contract.plan import AttributeTest, CompiledPlan, ContactPlan

Element = etree._Element

_FOLDED_NAMES: dict[str, str] = {}
_FOLDED_NAMES_LIMIT = 100_000
_UNRESOLVED = object()


def folded_local_name(name: str) -> str:
    """The case-folded local name of a tag or attribute key (`{uri}name` → `name`)."""
    folded = _FOLDED_NAMES.get(name)
    if folded is None:
        folded = name.rpartition("}")[2].casefold()
        if len(_FOLDED_NAMES) < _FOLDED_NAMES_LIMIT:
            _FOLDED_NAMES[name] = folded
    return folded


def local_name(element: Element) -> str:
    return element.tag.rpartition("}")[2]


def raw_attribute(element: Element, name: str, folded: str) -> str | None:
    """The attribute's text: exact name first, then the first case-insensitive match (§1)."""
    value = element.get(name)
    if value is None:
        known = _FOLDED_NAMES
        for key, candidate in element.items():
            if (known.get(key) or folded_local_name(key)) == folded:
                return candidate
    return value


def attribute_text(element: Element | None, name: str, folded: str) -> str | None:
    """The trimmed attribute text, or None when the element or attribute is absent or blank."""
    if element is None:
        return None
    value = element.get(name)
    if value is None:
        value = raw_attribute(element, name, folded)
        if value is None:
            return None
    return value.strip() or None


@dataclass(frozen=True, slots=True)
class Contacts:
    """The selected contacts of a document (§8.2, §8.3), in document order, with keys."""

    selected: tuple[tuple[Element, object], ...]
    primary: Element | None
    secondary: Element | None
    primary_role: tuple[Element, ...]
    notes: tuple[str, ...]


class ParsedDocument:
    """A well-formed document that passed the identity checks (§6.4).

    Element lookups by path, children by tag and application-level references are computed
    once per document and shared by all mappings.
    """

    __slots__ = (
        "_children",
        "_contacts",
        "_elements",
        "_resolved",
        "_scope",
        "app_id",
        "application",
        "container",
        "plan",
        "root",
    )

    def __init__(self, plan: CompiledPlan, root: Element) -> None:
        self.plan = plan
        self.root = root
        self.app_id = 0
        self.application: Element | None = None
        self.container: Element | None = None
        self._elements: list[list[Element] | None] = [None] * len(plan.paths)
        self._scope: tuple[dict[str, Element], dict[str, Element]] | None = None
        self._resolved: dict[tuple[str | None, str], str | None] = {}
        self._contacts: Contacts | None = None
        self._children: dict[tuple[Element, str], list[Element]] = {}

    # -- paths (§7.1, §7.2) ----------------------------------------------------------

    def elements(self, path_id: int) -> list[Element]:
        """Every element matching a numbered path, in document order."""
        found = self._elements[path_id]
        if found is None:
            parent, tag = self.plan.paths[path_id]
            if parent < 0:
                found = [self.root] if local_name(self.root) == tag[3:] else []
            else:
                found = [
                    child
                    for element in self.elements(parent)
                    for child in element.iterchildren(tag)
                ]
            self._elements[path_id] = found
        return found

    def last(self, path_id: int) -> Element | None:
        """The last element in document order matching a numbered path."""
        found = self._elements[path_id]
        if found is None:
            found = self.elements(path_id)
        return found[-1] if found else None

    def children(self, parent: Element, tag: str) -> list[Element]:
        """The children of `parent` with `tag`, in document order."""
        key = (parent, tag)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = list(parent.iterchildren(tag))
        return found

    def below(self, element: Element, relative: tuple[str, ...]) -> Element | None:
        """The last element (document order) reached along tags `relative` from `element`."""
        current = [element]
        for tag in relative:
            current = [child for parent in current for child in self.children(parent, tag)]
            if not current:
                return None
        return current[-1]

    def last_elements(self) -> list[Element | None]:
        """The last element of every numbered path."""
        return [self.last(path_id) for path_id in range(len(self.plan.paths))]

    # -- expression scope (§14.7) ----------------------------------------------------

    def scope(self) -> tuple[dict[str, Element], dict[str, Element]]:
        """Application-level lookups: last element per folded name, per folded attribute."""
        if self._scope is None:
            self._scope = self._index_scope()
        return self._scope

    def _index_scope(self) -> tuple[dict[str, Element], dict[str, Element]]:
        wanted_elements = self.plan.scope_elements
        wanted_attributes = self.plan.scope_attributes
        named: dict[str, Element] = {}
        bare: dict[str, Element] = {}
        container = self.container
        assert container is not None
        if not wanted_elements and not wanted_attributes:
            return named, bare
        known = _FOLDED_NAMES
        ancestors = list(container.iterancestors())
        ancestors.reverse()
        for elements in (ancestors, container.iter(etree.Element)):
            for element in elements:
                if wanted_elements:
                    tag = element.tag
                    name = known.get(tag) or folded_local_name(tag)
                    if name in wanted_elements:
                        named[name] = element
                if wanted_attributes:
                    for key in element.attrib:
                        folded = known.get(key) or folded_local_name(key)
                        if folded in wanted_attributes:
                            bare[folded] = element
        return named, bare

    def resolve_application(self, qualifier: str | None, name: str) -> str | None:
        """A reference resolved at application level (§14.7), once per document."""
        key = (qualifier, name)
        resolved = self._resolved.get(key, _UNRESOLVED)
        if resolved is _UNRESOLVED:
            folded = name.casefold()
            if qualifier is None:
                element = self.scope()[1].get(folded)
            else:
                qualifier_folded = qualifier.casefold()
                if qualifier_folded == "application":
                    element = self.application
                else:
                    element = self.scope()[0].get(qualifier_folded)
            resolved = self._resolved[key] = attribute_text(element, name, folded)
        return resolved

    # -- contacts (§8) ---------------------------------------------------------------

    def contact_notes(self) -> tuple[str, ...]:
        """The notes of contact selection, when contacts were selected for this document."""
        return () if self._contacts is None else self._contacts.notes

    def contacts(self) -> Contacts:
        if self._contacts is None:
            assert self.plan.contact is not None and self.container is not None
            self._contacts = select_contacts(self.plan.contact, self.container)
        return self._contacts


def passes(
    element: Element,
    tests: tuple[AttributeTest, ...],
    meaningful: tuple[tuple[str, str], ...] | None,
) -> str:
    """Why an element fails `required_attributes`/`meaningful_attributes`; '' if it passes."""
    for test in tests:
        value = attribute_text(element, test.attribute, test.attribute_folded)
        if value is None:
            return f"{test.attribute} is blank"
        if test.allowed is not None and value.casefold() not in test.allowed:
            return f"{test.attribute}={value!r} is not allowed"
    if meaningful is None:
        return ""
    for name, folded in meaningful:
        if attribute_text(element, name, folded) is not None:
            return ""
    return "no meaningful attribute (" + ", ".join(name for name, _ in meaningful) + ")"


def select_contacts(plan: ContactPlan, container: Element) -> Contacts:
    """Candidates inside the container, eligibility, one element per key, roles (§8)."""
    notes: list[str] = []
    best: dict[object, tuple[int, int, Element]] = {}
    roles = plan.roles
    for position, element in enumerate(container.iterdescendants(plan.tag)):
        reason = passes(element, plan.required, plan.meaningful)
        key: object = position
        if not reason and plan.key_attribute:
            text = attribute_text(element, plan.key_attribute, plan.key_folded)
            key = None if text is None else plan.key_convert(text)
            if key is None:
                reason = f"{plan.key_attribute}={text!r} is not a valid contact key"
        if reason:
            notes.append(f"contact #{position + 1} ignored: {reason}")
            continue
        role = attribute_text(element, plan.role_attribute, plan.role_folded) or ""
        rank = roles.index(role.casefold())
        kept = best.get(key)
        if kept is None or rank <= kept[0]:
            if kept is not None:
                notes.append(f"contact #{kept[1] + 1} ignored: contact key {key!r} reused")
            best[key] = (rank, position, element)
        else:
            notes.append(f"contact #{position + 1} ignored: contact key {key!r} reused")
    kept_contacts = sorted(best.items(), key=lambda item: item[1][1])
    selected = tuple((element, key) for key, (_, _, element) in kept_contacts)
    primary_role = tuple(element for _, (rank, _, element) in kept_contacts if rank == 0)
    secondary_role = [element for _, (rank, _, element) in kept_contacts if rank == 1]
    return Contacts(
        selected=selected,
        primary=primary_role[-1] if primary_role else None,
        secondary=secondary_role[-1] if secondary_role else None,
        primary_role=primary_role,
        notes=tuple(notes),
    )


def utc_now() -> datetime:
    """The current UTC time as a naive date-time (one per document, §10.3.7)."""
    return datetime.now(UTC).replace(tzinfo=None)
