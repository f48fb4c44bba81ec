"""Reading and validating documents (spec §6): decoding, DTDs, well-formedness, identity."""

from __future__ import annotations

import pytest

from xml_migration.contract.plan import CompiledPlan
from xml_migration.engine.document import ParsedDocument
from xml_migration.engine.outcome import DocumentFailure, Stage
from xml_migration.engine.reader import (
    Utf8Text,
    has_doctype,
    is_blank,
    markup_beyond,
    parse_document,
    utf8_of,
)
from xml_migration_tests.engine.conftest import document


def failure_of(plan: CompiledPlan, raw: str | bytes | None, key: int | None = 7) -> DocumentFailure:
    outcome = parse_document(plan, key, raw)
    assert isinstance(outcome, DocumentFailure), outcome
    assert outcome.stage is Stage.VALIDATION
    return outcome


def test_text_is_used_as_is_without_bom() -> None:
    assert utf8_of("\ufeff<a b='é'/>") == "<a b='é'/>".encode()
    assert utf8_of(Utf8Text("\ufeff<a b='é'/>".encode())) == "<a b='é'/>".encode()


def test_utf8_text_is_text_whatever_its_declaration_says() -> None:
    raw = "<?xml version='1.0' encoding='ISO-8859-1'?><a b='é'/>".encode()
    assert utf8_of(Utf8Text(raw)) == raw
    assert utf8_of(raw) != raw


def test_valid_utf8_bytes_are_parsed_as_they_are() -> None:
    raw = "<a b='é'/>".encode()
    assert utf8_of(raw) is raw


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("<a b='é'/>".encode(), "<a b='é'/>"),
        (b"\xef\xbb\xbf<a b='\xc3\xa9'/>", "<a b='é'/>"),
        ("<a b='é'/>".encode("utf-16"), "<a b='é'/>"),
        ("<?xml version='1.0'?><a/>".encode("utf-16-le"), "<?xml version='1.0'?><a/>"),
        (b"<?xml version='1.0' encoding='ISO-8859-1'?><a b='\xe9'/>", None),
        (b"<a b='\x80\xe9'/>", "<a b='€é'/>"),
    ],
)
def test_bytes_are_decoded_by_xml_rules_with_cp1252_fallback(raw: bytes, text: str | None) -> None:
    assert utf8_of(raw).decode() == (text or raw.decode("latin-1"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE a><a/>", True),
        ("  \n<?xml version='1.0'?>\n<!-- c --><?pi x?>\n<!doctype a [<!ENTITY e 'x'>]><a/>", True),
        ("<?xml version='1.0'?><a><![CDATA[<!DOCTYPE a>]]></a>", False),
        ("<!-- <!DOCTYPE a> --><a/>", False),
        ("<a/><!DOCTYPE a>", False),
    ],
)
def test_doctype_detection_looks_at_the_prolog_only(text: str, expected: bool) -> None:
    assert has_doctype(text.encode()) is expected


def test_document_type_declaration_is_rejected_before_parsing(compat_plan: CompiledPlan) -> None:
    raw = '<!DOCTYPE Provenir [<!ENTITY e "X">]>' + document(body="").split("\n", 1)[1]
    assert failure_of(compat_plan, raw).reason == "dtd_forbidden"


@pytest.mark.parametrize("raw", [None, "", "  \n ", b"", b"\xef\xbb\xbf  "])
def test_null_or_blank_document_is_empty(compat_plan: CompiledPlan, raw: str | None) -> None:
    assert failure_of(compat_plan, raw).reason == "empty_document"


@pytest.mark.parametrize(
    ("text", "blank"),
    [("", True), (" \t\r\n\x0b\x0c\x1f", True), ("\u3000\u00a0 ", True), (" \u3000<a/>", False)],
)
def test_blank_means_white_space_as_python_sees_it(text: str, blank: bool) -> None:
    assert is_blank(text.encode()) is blank
    assert (not text.strip()) is blank


def test_document_above_the_size_limit_fails(compat_plan: CompiledPlan) -> None:
    outcome = parse_document(compat_plan, 7, document(), max_bytes=100)
    assert isinstance(outcome, DocumentFailure)
    assert (outcome.stage, outcome.reason) == (Stage.VALIDATION, "document_too_large")
    assert "limit of 100" in outcome.detail


@pytest.mark.parametrize(
    "raw",
    [
        "<Provenir><Request ID='7'></Provenir>",
        "<Provenir><Request ID='7' a='&undefined;'/></Provenir>",
        "<Provenir/><extra/>",
        "not xml at all",
    ],
)
def test_malformed_documents_fail_without_recovery(compat_plan: CompiledPlan, raw: str) -> None:
    outcome = failure_of(compat_plan, raw)
    assert outcome.reason == "not_well_formed"
    assert outcome.detail


def test_identity_checks_in_order(compat_plan: CompiledPlan) -> None:
    assert failure_of(compat_plan, "<Other/>").reason == "wrong_root_element"
    assert failure_of(compat_plan, document(key="")).reason == "missing_app_id"
    for key in ("x7", "0", "-7", "+7", "7.0", "99999999999"):
        assert failure_of(compat_plan, document(key=key)).reason == "invalid_app_id", key
    mismatch = failure_of(compat_plan, document(key="8"))
    assert mismatch.reason == "app_id_mismatch"
    assert mismatch.app_id == 7
    missing = (
        "<Provenir><Request ID='7'><CustData><IL_application/></CustData></Request></Provenir>"
    )
    assert failure_of(compat_plan, missing).reason == "missing_application_element"


def test_key_is_trimmed_and_source_key_may_be_taken_from_the_document(
    compat_plan: CompiledPlan,
) -> None:
    parsed = parse_document(compat_plan, None, document(key=" 42 "))
    assert isinstance(parsed, ParsedDocument)
    assert parsed.app_id == 42


def test_namespaced_and_differently_cased_attributes_are_read(compat_plan: CompiledPlan) -> None:
    raw = (
        "<p:Provenir xmlns:p='urn:x'><p:Request id='7'><CustData><application/></CustData>"
        "</p:Request></p:Provenir>"
    )
    parsed = parse_document(compat_plan, 7, raw)
    assert isinstance(parsed, ParsedDocument)
    assert parsed.application is not None and parsed.container is not None


def test_last_application_element_wins(compat_plan: CompiledPlan) -> None:
    raw = document(outside="<CustData><application marker='last'/></CustData>")
    parsed = parse_document(compat_plan, 7, raw)
    assert isinstance(parsed, ParsedDocument)
    assert parsed.application is not None
    assert parsed.application.get("marker") == "last"


def test_byte_buffers_are_read_like_bytes(compat_plan: CompiledPlan) -> None:
    raw = document().encode("utf-8")
    for buffer in (bytearray(raw), memoryview(raw)):
        assert isinstance(parse_document(compat_plan, 7, buffer), ParsedDocument)


def test_markup_is_counted_only_where_the_text_could_exceed_the_limit() -> None:
    assert markup_beyond(b"<a b='1'/>" * 10, limit=100) is None
    assert markup_beyond(b"<a b='1'/>" * 10, limit=19) == 20
    assert markup_beyond(b"<a>" + b"x" * 200 + b"</a>", limit=100) is None
