"""Source pushdown: what of a document the source query may leave on the server, and the
check that makes a cut document safe to map as if it were whole (ADR 0016).

When every path a contract reads lies in the application container's subtree or on the
way to it, nothing after the container's end tag can change the outcome of a well-formed
document. The source query then sends the text up to and including the first occurrence
of that end tag (the head), the document's last characters (the tail) and its size.
`cut_document` trusts a cut only when the head scans exactly to the end of the container
at the right depth and the tail closes the root element; the caller reads any other
document again whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine.document import ParsedDocument
from xml_migration.engine.outcome import DocumentFailure
from xml_migration.engine.pruning import Path, prune
from xml_migration.engine.reader import (
    DEFAULT_MAX_DOCUMENT_NODES,
    DocumentTypeDeclared,
    Utf8Text,
    has_doctype,
    identify,
    is_blank,
    keep_spec_of,
    markup_beyond,
    parse_hardened,
)

TAIL_CHARACTERS = 64
"""Characters at the end of a document the source query sends to show it is complete."""


@dataclass(frozen=True, slots=True)
class SourceCut:
    """Where a contract's documents may be cut: after the end tag of the element at
    `container_path`, the first element whose subtree holds everything the contract reads."""

    container_path: Path

    @property
    def end_tag(self) -> str:
        """The text the source query searches for: the container's end tag."""
        return f"</{self.container_path[-1]}>"

    @property
    def closing_tags(self) -> bytes:
        """The end tags of the container's ancestors, innermost first."""
        return b"".join(f"</{name}>".encode() for name in reversed(self.container_path[:-1]))

    def closes_document(self, tail: bytes) -> bool:
        """Whether a document ending with `tail` ends with the root element's end tag."""
        return _root_end(self.container_path[0]).search(tail) is not None


@lru_cache(maxsize=16)
def _root_end(root: str) -> re.Pattern[bytes]:
    """The root element's end tag, then nothing but white space up to the end."""
    return re.compile(rb"</%b[ \t\r\n]*>[ \t\r\n]*\Z" % re.escape(root.encode()))


class CutText(NamedTuple):
    """What the source sent of a cut document: the head (text up to and including the
    first container end tag), the last `TAIL_CHARACTERS` characters and the size in bytes
    (an upper bound of the document's length in characters)."""

    head: str | bytes
    tail: str | bytes
    size: int


def source_cut_for(plan: CompiledPlan) -> SourceCut | None:
    """The cut of a plan's documents, or None when one of its read paths may lie after the
    application container (then documents are read whole)."""
    container = tuple(name for name in plan.container_path.split("/") if name)
    if len(container) < 2:
        return None
    for text in plan.read_paths:
        path = tuple(name for name in text.split("/") if name)
        if path[: len(container)] != container and container[: len(path)] != path:
            return None
    return SourceCut(container)


def _utf8(text: str | bytes) -> bytes | None:
    if isinstance(text, str):
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return None
    return text if isinstance(text, Utf8Text) or text.isascii() else None


def cut_document(
    plan: CompiledPlan,
    cut: SourceCut,
    app_id: int,
    text: CutText,
    *,
    max_bytes: int,
    max_nodes: int = DEFAULT_MAX_DOCUMENT_NODES,
    pruned: bool = True,
) -> ParsedDocument | DocumentFailure | None:
    """The outcome of parsing and identifying a cut document, or None when the cut is not
    shown to give the outcome of the whole document: the caller then reads it whole.

    None for a document that may exceed `max_bytes`, a head with more markup than
    `max_nodes`, a document type declaration wherever the parser finds one, a tail that
    does not close the root element, a head that does not end with the container's end
    tag at its depth (the tag inside a comment or CDATA section, in another element, or
    missing), a head the scan cannot follow, and a head that does not parse (so that the
    error reported is the whole document's).
    """
    if text.size > max_bytes:
        return None
    head, tail = _utf8(text.head), _utf8(text.tail)
    if head is None or tail is None or not cut.closes_document(tail):
        return None
    if not head.endswith(cut.end_tag.encode()) or is_blank(head) or has_doctype(head):
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    spec = keep_spec_of(plan)
    if spec is None:
        return None
    candidate = head + cut.closing_tags
    if markup_beyond(candidate, max_nodes) is not None:
        return None
    kept = prune(candidate, spec, kept_end=len(head))
    if kept is None:
        return None
    try:
        root = parse_hardened(kept if pruned else candidate)
    except (etree.XMLSyntaxError, DocumentTypeDeclared):
        return None
    return identify(plan, app_id, root)
