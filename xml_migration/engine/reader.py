"""Reading and validating one source document (spec §6): decode, DTD check, parse, identity.

Failures are stage `validation` with the reasons of spec §15.5, plus `document_too_large`
for a document above the configured size limit.
"""

from __future__ import annotations

import codecs
import re
import threading
from functools import lru_cache

from lxml import etree

from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine.document import ParsedDocument, attribute_text, local_name
from xml_migration.engine.outcome import DocumentFailure, Stage
from xml_migration.engine.pruning import KeepSpec, keep_spec_for, prune

DEFAULT_MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
"""Documents larger than this (bytes, or characters for text) fail with `document_too_large`."""
DEFAULT_MAX_DOCUMENT_NODES = 500_000
"""Documents whose text holds more `<` and `=` than this fail with `document_too_large`.

Every element, attribute and text node a parsed tree holds needs one of them (a text node
between elements shares the `<` of the next one), so the count bounds the memory one
document takes in a worker, whatever its size: parsing, or pruning what the contract never
reads (docs/reliability.md states the figures)."""

EMPTY_DOCUMENT = "empty_document"
DOCUMENT_TOO_LARGE = "document_too_large"
DTD_FORBIDDEN = "dtd_forbidden"
NOT_WELL_FORMED = "not_well_formed"
WRONG_ROOT_ELEMENT = "wrong_root_element"
MISSING_APP_ID = "missing_app_id"
INVALID_APP_ID = "invalid_app_id"
APP_ID_MISMATCH = "app_id_mismatch"
MISSING_APPLICATION_ELEMENT = "missing_application_element"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UNMARKED_UTF16: tuple[tuple[bytes, str], ...] = (
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(
    rb"\s*<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']"
)
_DECLARATION_WINDOW = 256
_FALLBACK_ENCODING = "cp1252"
_DOCTYPE = b"<!doctype"
_PROLOG_SPACE = re.compile(rb"(?:[ \t\r\n]|\xef\xbb\xbf)*")
"""White space and byte order marks (the parser skips one; the check skips any number)."""
_NOT_ASCII_SPACE = re.compile(rb"[^\t\n\x0b\x0c\r\x1c-\x1f ]")
"""The first byte that is not white space to `str.isspace`, which ASCII decides alone."""

_parsers = threading.local()


class DocumentTypeDeclared(Exception):
    """The parsed text holds a document type declaration, or refers to an external resource
    (a DTD, an external entity), which only a declaration can do."""


class _RefuseExternalReferences(etree.Resolver):
    """Refuses every external resource the parser asks for, before anything is opened."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> None:
        raise DocumentTypeDeclared(system_url or public_id or "")


def hardened_parser() -> etree.XMLParser:
    """The hardened parser of this thread (§6.2): no DTD loading or validation, no entity
    substitution, no default attributes, no network, and a resolver that refuses every
    external reference, so the parser opens no file and calls no address whatever the
    document says."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            huge_tree=False,
            recover=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        parser.resolvers.add(_RefuseExternalReferences())
        _parsers.parser = parser
    return parser


def keep_spec_of(plan: CompiledPlan) -> KeepSpec | None:
    """What pruning keeps for a plan; None when the application element is the root."""
    return _keep_spec(plan.container_path, plan.read_paths)


@lru_cache(maxsize=16)
def _keep_spec(container_path: str, read_paths: frozenset[str]) -> KeepSpec | None:
    """What pruning keeps for a plan; None when the application element is the root."""
    try:
        return keep_spec_for(container_path, read_paths)
    except ValueError:
        return None


def _parse(plan: CompiledPlan, data: bytes, *, pruned: bool) -> etree._Element:
    """Parse the UTF-8 document, pruned when pruning applies (ADR 0004).

    A pruned text that fails to parse is parsed again whole, so that the error reported
    (with its line and column) is the one of the document as stored.
    """
    spec = keep_spec_of(plan) if pruned else None
    kept = prune(data, spec) if spec is not None else None
    if kept is not None:
        try:
            return parse_hardened(kept)
        except etree.XMLSyntaxError:
            pass
    return parse_hardened(data)


def parse_hardened(data: bytes) -> etree._Element:
    """The root of the UTF-8 text parsed by `hardened_parser`.

    Raises `DocumentTypeDeclared` when the text holds a document type declaration (however
    it got past `has_doctype`) and `etree.XMLSyntaxError` when it is not well-formed.
    """
    root = etree.fromstring(data, hardened_parser())
    if root.getroottree().docinfo.internalDTD is not None:
        raise DocumentTypeDeclared("the parsed tree holds a document type declaration")
    return root


def markup_beyond(data: bytes, limit: int) -> int | None:
    """The `<` and `=` of the UTF-8 text (at least the elements, attributes and text nodes
    a parse of it would hold) when they are more than `limit`, else None. A text of at most
    `limit` bytes cannot hold more, so it is not counted."""
    if len(data) <= limit:
        return None
    count = data.count(b"<") + data.count(b"=")
    return count if count > limit else None


class Utf8Text(bytes):
    """A text as the UTF-8 bytes a text column of a UTF-8 database delivers.

    The engine reads it as text, like a `str` (no byte order mark or declared encoding
    applies), without decoding it: the database guarantees valid UTF-8.
    """


def _declared_codec(raw: bytes) -> str:
    """The codec named by the XML declaration, else UTF-8 (§6.1)."""
    match = _DECLARED_ENCODING.match(raw, 0, _DECLARATION_WINDOW)
    if match is None:
        return "utf-8"
    try:
        name = codecs.lookup(match[1].decode("ascii")).name
    except LookupError:
        return _FALLBACK_ENCODING
    # A declaration readable as ASCII cannot be in UTF-16/32 without a byte order mark.
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def utf8_of(raw: str | bytes) -> bytes:
    """The document as the UTF-8 bytes to parse (§6.1).

    Text (`str`, `Utf8Text`) loses a leading byte order mark and is used as it is; a `str`
    UTF-8 cannot encode (a lone surrogate) raises UnicodeEncodeError. Bytes are decoded by
    their byte order mark, else their XML declaration, else as UTF-8; when that fails, as
    Windows-1252 (UnicodeDecodeError when even that fails). UTF-8 bytes are validated,
    not copied.
    """
    if isinstance(raw, Utf8Text):
        return raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff").encode("utf-8")
    marked = next(((mark, codec) for mark, codec in _BOMS if raw.startswith(mark)), None)
    if marked is not None:
        body, codec = raw[len(marked[0]) :], marked[1]
    else:
        body = raw
        unmarked = (codec for prefix, codec in _UNMARKED_UTF16 if raw.startswith(prefix))
        codec = next(unmarked, None) or _declared_codec(raw)
    try:
        if codec != "utf-8":
            return body.decode(codec).encode("utf-8")
        if not body.isascii():
            body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        return raw.decode(_FALLBACK_ENCODING).encode("utf-8")


def is_blank(data: bytes) -> bool:
    """Whether the UTF-8 text holds nothing but white space (as `str.isspace` sees it)."""
    first = _NOT_ASCII_SPACE.search(data)
    if first is None:
        return True
    return data[first.start()] >= 0x80 and not data.decode("utf-8", "replace").strip()


def has_doctype(data: bytes) -> bool:
    """Whether the prolog of the UTF-8 text holds a document type declaration (§6.2, D9),
    behind any white space, byte order marks, comments and processing instructions."""
    position = 0
    while True:
        position = _PROLOG_SPACE.match(data, position).end()
        if data.startswith(b"<?", position):
            end = data.find(b"?>", position + 2)
            if end < 0:
                return False
            position = end + 2
        elif data.startswith(b"<!--", position):
            end = data.find(b"-->", position + 4)
            if end < 0:
                return False
            position = end + 3
        else:
            return data[position : position + len(_DOCTYPE)].lower() == _DOCTYPE


_DTD_DETAIL = "the prolog contains a document type declaration"
"""One detail for every way a declaration is found, so that outcomes reveal nothing about
the files a declaration names."""


def _failure(app_id: int | None, reason: str, detail: str) -> DocumentFailure:
    return DocumentFailure(app_id or 0, Stage.VALIDATION, reason, detail)


def parse_document(
    plan: CompiledPlan,
    app_id: int | None,
    raw: str | bytes | bytearray | memoryview | None,
    *,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    max_nodes: int = DEFAULT_MAX_DOCUMENT_NODES,
    pruned: bool = True,
) -> ParsedDocument | DocumentFailure:
    """Read, parse and identify one document (§6); never raises for bad input.

    `app_id` is the source row's key; None takes the document's own key (no mismatch check).
    A document longer than `max_bytes`, or whose text could hold more than `max_nodes`
    elements and attributes (`DEFAULT_MAX_DOCUMENT_NODES`), fails before it is parsed.
    With `pruned`, subtrees the plan never reads are cut from the text before parsing
    (ADR 0004); the outcome is the same as parsing the whole document, which happens
    whenever pruning cannot be shown safe.
    """
    if raw is None:
        return _failure(app_id, EMPTY_DOCUMENT, "the source value is NULL")
    if isinstance(raw, bytearray | memoryview):
        raw = bytes(raw)
    if len(raw) > max_bytes:
        unit = "characters" if isinstance(raw, str) else "bytes"
        return _failure(
            app_id, DOCUMENT_TOO_LARGE, f"{len(raw)} {unit}, more than the limit of {max_bytes}"
        )
    try:
        data = utf8_of(raw)
    except UnicodeDecodeError as error:
        return _failure(app_id, NOT_WELL_FORMED, f"undecodable bytes: {error}")
    except UnicodeEncodeError as error:
        return _failure(app_id, NOT_WELL_FORMED, f"unencodable text: {error.reason}")
    if is_blank(data):
        return _failure(app_id, EMPTY_DOCUMENT, "the document is blank")
    nodes = markup_beyond(data, max_nodes)
    if nodes is not None:
        return _failure(
            app_id,
            DOCUMENT_TOO_LARGE,
            f"{nodes} elements and attributes at most ('<' and '=' in its text), "
            f"more than the limit of {max_nodes}",
        )
    if has_doctype(data):
        return _failure(app_id, DTD_FORBIDDEN, _DTD_DETAIL)
    try:
        root = _parse(plan, data, pruned=pruned)
    except DocumentTypeDeclared:
        return _failure(app_id, DTD_FORBIDDEN, _DTD_DETAIL)
    except etree.XMLSyntaxError as error:
        return _failure(app_id, NOT_WELL_FORMED, str(error))
    return identify(plan, app_id, root)


def identify(
    plan: CompiledPlan, app_id: int | None, root: etree._Element
) -> ParsedDocument | DocumentFailure:
    """The identity checks of §6.4, in order."""
    if local_name(root) != plan.root_element:
        return _failure(
            app_id,
            WRONG_ROOT_ELEMENT,
            f"root element is {local_name(root)!r}, expected {plan.root_element!r}",
        )
    document = ParsedDocument(plan, root)
    key = plan.app_key
    text = attribute_text(document.last(key.path_id), key.attribute, key.attribute_folded)
    if text is None:
        return _failure(app_id, MISSING_APP_ID, f"{key.label} ({key.attribute}) is blank or absent")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= key.maximum:
        return _failure(
            app_id, INVALID_APP_ID, f"{key.label} value {text!r} is not a valid application key"
        )
    document_key = int(text)
    if app_id is not None and document_key != app_id:
        return _failure(
            app_id,
            APP_ID_MISMATCH,
            f"the document's key {document_key} differs from the source key {app_id}",
        )
    document.app_id = document_key
    document.application = document.last(plan.application_path_id)
    if document.application is None:
        return _failure(
            document_key,
            MISSING_APPLICATION_ELEMENT,
            f"no element at {plan.contract.xml_application_path}",
        )
    document.container = document.application.getparent()
    return document
