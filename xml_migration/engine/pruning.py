"""Contract-aware pruning: cut the subtrees a contract never reads out of a document's text.

Most of a production document's bytes are embedded reports and journals outside the
application container. `prune` removes the element subtrees a `KeepSpec` does not keep with
C-speed string searches, so that the XML parser only sees the parts a contract can read.
The pruned text is the original text minus the removed element spans: the prolog, every
kept ancestor's start and end tag, the text and comments between kept children, and every
kept subtree stay byte for byte, and the parser checks all of them as usual.

A removed span is never parsed. It is scanned exactly enough to find where its element ends
(CDATA sections, comments, processing instructions and nested elements of the same name are
honoured) and checked for the malformations that cheap counts can reveal. Whenever pruning
cannot be shown to give the same result as parsing the whole document, `prune` returns
None and the caller parses the whole document. docs/adr/0004-contract-aware-pruning.md lists
what the checks can and cannot detect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache

import numpy as np

Path = tuple[str, ...]
"""An element path as the local names from the root element down."""

_SPACE = rb"[ \t\r\n]"
_NAME = rb"[^ \t\r\n<>/=!?\"'&;]+"
_START_TAG = re.compile(
    rb"<(?P<name>%b)(?:%b+%b%b*=%b*(?:\"[^<\"]*\"|'[^<']*'))*%b*(?P<empty>/?)>"
    % (_NAME, _SPACE, _NAME, _SPACE, _SPACE, _SPACE)
)
_END_TAG = re.compile(rb"</(?P<name>%b)%b*>" % (_NAME, _SPACE))
_PI_TARGET = re.compile(rb"<\?(?P<target>%b)(?:%b|\?>)" % (_NAME, _SPACE))
_BAD_REFERENCE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_PROLOG_SPACE = re.compile(rb"%b*" % _SPACE)
_UTF8_BOM = b"\xef\xbb\xbf"
_BRACKET_PROBES = 8
_LT, _GT, _SLASH = ord("<"), ord(">"), ord("/")


@dataclass(frozen=True, slots=True)
class KeepSpec:
    """Which elements of a document pruning keeps.

    Elements at `subtree_paths` are kept whole. Elements at `element_paths` keep their
    start and end tags (so their attributes) but not their content. Every ancestor of a
    kept element keeps its tags; its text, comments and processing instructions stay too.
    Every other element is removed with its whole subtree.
    """

    subtree_paths: frozenset[Path]
    element_paths: frozenset[Path]
    _walked: frozenset[Path] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kept = self.subtree_paths | self.element_paths
        if any(not path for path in kept):
            raise ValueError("kept paths must name at least the root element")
        walked = frozenset(path[:depth] for path in kept for depth in range(1, len(path)))
        object.__setattr__(self, "_walked", walked)

    def action(self, path: Path) -> _Action:
        """What pruning does with an element at `path`."""
        if path in self.subtree_paths:
            return _Action.KEEP
        if path in self._walked:
            return _Action.WALK
        if path in self.element_paths:
            return _Action.TAGS
        return _Action.REMOVE


class _Action(Enum):
    KEEP = "keep the element and its whole subtree"
    WALK = "keep the element's tags and decide for each child"
    TAGS = "keep the element's tags, remove its content"
    REMOVE = "remove the element and its subtree"


def keep_spec_for(
    application_container_path: Path | str, read_paths: Iterable[Path | str]
) -> KeepSpec:
    """The keep specification of a contract.

    `application_container_path` is the parent path of `xml_application_path`: everything
    inside the container may be read by contacts and expressions (spec §8.1, §14.7).
    `read_paths` are the element paths the contract reads (the application key path,
    mapping and filter paths); those outside the container keep their attributes. Paths
    are tuples of local names or path texts such as `/Provenir/Request`.
    """
    container = _as_path(application_container_path)
    if not container:
        raise ValueError("the application container path is empty: nothing can be pruned")
    outside = frozenset(
        path for path in map(_as_path, read_paths) if path and path[: len(container)] != container
    )
    return KeepSpec(subtree_paths=frozenset({container}), element_paths=outside)


def _as_path(path: Path | str) -> Path:
    if isinstance(path, str):
        return tuple(name for name in path.split("/") if name)
    return tuple(path)


def prune(
    data: bytes, spec: KeepSpec, *, check_removed: bool = True, kept_end: int | None = None
) -> bytes | None:
    """The UTF-8 text `data` with every element `spec` does not keep removed, or None.

    None means pruning cannot be shown to give the same result as parsing the whole text
    (a document type declaration, markup the scan does not understand, a root element no
    kept path starts with, or a removed span failing a check); the caller then parses the
    whole text. `check_removed=False` skips the counting checks of removed spans (see the
    ADR for what they detect and what they cost); the scan that finds where removed
    elements end is exact either way. Markup is ASCII, and no byte of a multi-byte UTF-8
    character is, so the scan works on the bytes without decoding them. With `kept_end`,
    the result is None unless the last element kept whole ends exactly at that position.
    """
    root_start = _skip_prolog(data)
    if root_start is None:
        return None
    root = _START_TAG.match(data, root_start)
    if root is None or spec.action((_local(root.group("name")),)) is _Action.REMOVE:
        return None
    pruner = _Pruner(data, spec, check_removed)
    if pruner.element(root_start, ()) is None:
        return None
    if kept_end is not None and pruner.last_kept_end != kept_end:
        return None
    return pruner.pruned_text()


def _skip_prolog(data: bytes) -> int | None:
    """Position of the root start tag, or None when the prolog holds anything but a
    leading byte order mark, the XML declaration, comments, processing instructions and
    white space."""
    first = position = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    while True:
        position = _PROLOG_SPACE.match(data, position).end()
        if data.startswith(b"<?", position):
            end = _markup_end(data, position, declaration_allowed=position == first)
        elif data.startswith(b"<!--", position):
            end = _markup_end(data, position)
        elif data.startswith(b"<", position) and not data.startswith(b"<!", position):
            return position
        else:
            return None
        if end is None:
            return None
        position = end


class _Pruner:
    """One pruning pass over a text: walks the kept ancestors, collects the spans to cut."""

    def __init__(self, data: bytes, spec: KeepSpec, check_removed: bool) -> None:
        self.data = data
        self.spec = spec
        self.check_removed = check_removed
        self.cuts: list[tuple[int, int]] = []
        self.last_kept_end: int | None = None

    def pruned_text(self) -> bytes:
        if not self.cuts:
            return self.data
        view = memoryview(self.data)
        pieces = []
        position = 0
        for start, stop in self.cuts:
            pieces.append(view[position:start])
            position = stop
        pieces.append(view[position:])
        return b"".join(pieces)

    def element(self, start: int, parent: Path) -> int | None:
        """Handle the element whose start tag begins at `start`; return its end position."""
        data = self.data
        tag = _START_TAG.match(data, start)
        if tag is None:
            return None
        name = tag.group("name")
        path = (*parent, _local(name))
        action = self.spec.action(path)
        if tag.group("empty"):
            if action is _Action.REMOVE:
                self.cuts.append((start, tag.end()))
            return tag.end()
        if action is _Action.WALK:
            return self.children(tag.end(), name, path)
        checked = self.check_removed and action is not _Action.KEEP
        closing = _end_tag_of(data, tag.end(), name, checked)
        if closing is None:
            return None
        content_end, end = closing
        if action is _Action.KEEP:
            self.last_kept_end = end
        elif action is _Action.REMOVE:
            self.cuts.append((start, end))
        elif action is _Action.TAGS and content_end > tag.end():
            self.cuts.append((tag.end(), content_end))
        return end

    def children(self, position: int, name: bytes, path: Path) -> int | None:
        """Handle the content of a walked element up to its end tag; return its end."""
        data = self.data
        while True:
            position = data.find(b"<", position)
            if position < 0:
                return None
            if data.startswith(b"</", position):
                end_tag = _END_TAG.match(data, position)
                if end_tag is None or end_tag.group("name") != name:
                    return None
                return end_tag.end()
            if data.startswith((b"<!", b"<?"), position):
                position = _markup_end(data, position)
            else:
                position = self.element(position, path)
            if position is None:
                return None


def _local(name: bytes) -> str:
    """The local name of a (possibly prefixed) element name."""
    return name.rpartition(b":")[2].decode("utf-8", "replace")


def _markup_end(data: bytes, start: int, declaration_allowed: bool = False) -> int | None:
    """End of the comment, CDATA section or processing instruction starting at `start`.

    None for any other markup (a document type declaration, a stray `<!`) and for the
    forms a parser rejects: an unterminated section, `--` inside a comment or a comment
    ending in `-`, a processing instruction without a target or targeting `xml` (other
    than the XML declaration where `declaration_allowed`).
    """
    if data.startswith(b"<!--", start):
        end = data.find(b"-->", start + 4)
        if end < 0 or data.find(b"--", start + 4, end) >= 0 or data[end - 1] == ord("-"):
            return None
        return end + 3
    if data.startswith(b"<![CDATA[", start):
        return _cdata_end(data, start + 9)
    if data.startswith(b"<?", start):
        target = _PI_TARGET.match(data, start)
        end = data.find(b"?>", start + 2)
        if target is None or end < 0:
            return None
        name = target.group("target")
        if name.lower() == b"xml" and not (declaration_allowed and name == b"xml"):
            return None
        return end + 2
    return None


def _cdata_end(data: bytes, position: int) -> int | None:
    """End of the CDATA section whose content starts at `position`, or None.

    Looks for `]` first: a single-byte search runs at memory speed, and bulky CDATA
    payloads (raw bureau responses) rarely contain `]`. Falls back to searching `]]>`
    when they do.
    """
    for _ in range(_BRACKET_PROBES):
        bracket = data.find(b"]", position)
        if bracket < 0:
            return None
        if data.startswith(b"]]>", bracket):
            return bracket + 3
        position = bracket + 1
    end = data.find(b"]]>", position)
    return None if end < 0 else end + 3


@lru_cache(maxsize=512)
def _events(name: bytes) -> re.Pattern[bytes]:
    """Markup in an element's content that matters for finding its end tag.

    Start and end tags of elements with the same name, comments, CDATA sections and
    processing instructions (whose content may look like markup), and a `<` that cannot
    start any markup (group `stray`; the parser rejects it).
    """
    return re.compile(
        rb"<(?:(?P<end>/)?%b(?=[ \t\r\n/>])|[!?]|(?P<stray>[ \t\r\n<>=&\"'0-9.-]))"
        % re.escape(name)
    )


def _end_tag_of(data: bytes, position: int, name: bytes, checked: bool) -> tuple[int, int] | None:
    """Start and end of the end tag closing the element named `name` whose content starts
    at `position`, or None.

    Between the markup `_events` finds, the content is not tokenised. When `checked`,
    every plain part (outside comments, CDATA sections and processing instructions) must
    pass `_plain_balance`, and over the whole content start tags must equal end tags plus
    empty-element tags.
    """
    events = _events(name)
    depth = 1
    plain_from = position
    balance = 0
    while True:
        event = events.search(data, position)
        if event is None or event.group("stray") is not None:
            return None
        at = event.start()
        if event.group("end") is not None:
            end_tag = _END_TAG.match(data, at)
            if end_tag is None or end_tag.group("name") != name:
                return None
            depth -= 1
            if depth == 0:
                if checked:
                    part = _plain_balance(data, plain_from, at)
                    if part is None or balance + part != 0:
                        return None
                return at, end_tag.end()
            position = end_tag.end()
        elif data.startswith((b"<!", b"<?"), at):
            if checked:
                part = _plain_balance(data, plain_from, at)
                if part is None:
                    return None
                balance += part
            position = _markup_end(data, at)
            if position is None:
                return None
            plain_from = position
        else:
            tag = _START_TAG.match(data, at)
            if tag is None:
                return None
            if not tag.group("empty"):
                depth += 1
            position = tag.end()


def _plain_balance(data: bytes, start: int, end: int) -> int | None:
    """Start tags minus closed elements in a plain part of removed content, or None.

    Every `<` in a plain part begins a tag, so the part holds `<` count - `</` count start
    tags, `</` count end tags and (at most) `/>` count empty-element tags, and every tag has
    its own `>`. Entity references must be predefined ones or character references (no DTD
    is ever read, so any other reference is an error). None when the part fails a check.
    The counts are vectorised byte comparisons (numpy): one pass per byte value instead of
    a search per two-byte needle.
    """
    if end <= start:
        return 0
    if data.find(b"&", start, end) >= 0 and _BAD_REFERENCE.search(data, start, end):
        return None
    part = np.frombuffer(data, np.uint8, end - start, start)
    opening_marks = part == _LT
    closing_marks = part == _GT
    opening = int(np.count_nonzero(opening_marks))
    if int(np.count_nonzero(closing_marks)) < opening:
        return None
    slashes = part == _SLASH
    end_tags = opening_marks[:-1]
    end_tags &= slashes[1:]
    empty_tags = slashes[:-1]
    empty_tags &= closing_marks[1:]
    return opening - 2 * int(np.count_nonzero(end_tags)) - int(np.count_nonzero(empty_tags))
