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
_DOCTYPE = "<!doctype"

_parsers = threading.local()


def hardened_parser() -> etree.XMLParser:
    """The hardened parser of this thread: no DTD, no entity expansion, no network (§6.2)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            recover=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _parsers.parser = parser
    return parser


@lru_cache(maxsize=16)
def _keep_spec(container_path: str, read_paths: frozenset[str]) -> KeepSpec | None:
    """What pruning keeps for a plan; None when the application element is the root."""
    try:
        return keep_spec_for(container_path, read_paths)
    except ValueError:
        return None


def _parse(plan: CompiledPlan, text: str, utf8: bytes | None, *, pruned: bool) -> etree._Element:
    """Parse the document, pruned when pruning applies (ADR 0004).

    A pruned text that fails to parse is parsed again whole, so that the error reported
    (with its line and column) is the one of the document as stored. Text is encoded whole
    only to be parsed whole, or, beyond ASCII, to find a character UTF-8 cannot encode
    (`UnicodeEncodeError`), which fails the document wherever it stands.
    """
    whole = utf8
    if whole is None and not text.isascii():
        whole = text.encode("utf-8")
    spec = _keep_spec(plan.container_path, plan.read_paths) if pruned else None
    kept = prune(text, spec) if spec is not None else None
    if kept is not None:
        try:
            return etree.fromstring(kept.encode("utf-8"), hardened_parser())
        except etree.XMLSyntaxError:
            pass
    return etree.fromstring(whole if whole is not None else text.encode("utf-8"), hardened_parser())


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


def decode(raw: str | bytes) -> tuple[str, bytes | None]:
    """The document's text (§6.1) and, when lxml can read them as UTF-8, the bytes to parse.

    Bytes are decoded by their byte order mark, else their XML declaration, else as UTF-8;
    when that fails, as Windows-1252. Raises UnicodeDecodeError when even that fails.
    """
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff"), None
    marked = next(((mark, codec) for mark, codec in _BOMS if raw.startswith(mark)), None)
    if marked is not None:
        body, codec = raw[len(marked[0]) :], marked[1]
    else:
        body = raw
        unmarked = (codec for prefix, codec in _UNMARKED_UTF16 if raw.startswith(prefix))
        codec = next(unmarked, None) or _declared_codec(raw)
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        return raw.decode(_FALLBACK_ENCODING), None
    return text, body if codec == "utf-8" else None


def has_doctype(text: str) -> bool:
    """Whether the prolog holds a document type declaration (§6.2, D9)."""
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if text.startswith("<?", position):
            end = text.find("?>", position + 2)
            if end < 0:
                return False
            position = end + 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            if end < 0:
                return False
            position = end + 3
        else:
            return text[position : position + len(_DOCTYPE)].lower() == _DOCTYPE


def _failure(app_id: int | None, reason: str, detail: str) -> DocumentFailure:
    return DocumentFailure(app_id or 0, Stage.VALIDATION, reason, detail)


def parse_document(
    plan: CompiledPlan,
    app_id: int | None,
    raw: str | bytes | bytearray | memoryview | None,
    *,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
    pruned: bool = True,
) -> ParsedDocument | DocumentFailure:
    """Read, parse and identify one document (§6); never raises for bad input.

    `app_id` is the source row's key; None takes the document's own key (no mismatch check).
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
        text, utf8 = decode(raw)
    except UnicodeDecodeError as error:
        return _failure(app_id, NOT_WELL_FORMED, f"undecodable bytes: {error}")
    if not text.strip():
        return _failure(app_id, EMPTY_DOCUMENT, "the document is blank")
    if has_doctype(text):
        return _failure(app_id, DTD_FORBIDDEN, "the prolog contains a document type declaration")
    try:
        root = _parse(plan, text, utf8, pruned=pruned)
    except etree.XMLSyntaxError as error:
        return _failure(app_id, NOT_WELL_FORMED, str(error))
    except UnicodeEncodeError as error:
        return _failure(app_id, NOT_WELL_FORMED, f"unencodable text: {error.reason}")
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
