"""The source cut: which contracts have one, and the checks a cut document must pass before
its outcome is trusted (anything else is read again whole)."""

from __future__ import annotations

import pytest

from xml_migration.contract.compiler import load_plan
from xml_migration.engine.mapper import map_parsed
from xml_migration.engine.outcome import DocumentFailure, MappedDocument
from xml_migration.engine.reader import Utf8Text, parse_document
from xml_migration.engine.source_cut import (
    TAIL_CHARACTERS,
    CutText,
    SourceCut,
    cut_document,
    source_cut_for,
)
from xml_migration.mock.generator import generate_documents
from xml_migration_tests.engine.contracts import mapping, plan_of

LIMIT = 1_000_000
CUSTDATA = "</CustData>"
GOOD = str(next(generate_documents(1, first_app_id=7, seed=3, profile="production")).xml)
"""A clean production-profile document: reports and journals after `CustData`."""


def server_cut(document: str) -> CutText | str:
    """What a source query sends of `document`: its cut, or the whole text when the
    container's end tag is not in it (as the SQL of every dialect does)."""
    position = document.find(CUSTDATA)
    if position < 0:
        return document
    data = document.encode()
    return CutText(
        Utf8Text(document[: position + len(CUSTDATA)].encode()),
        Utf8Text(data[-TAIL_CHARACTERS:]),
        len(data),
    )


def outcome_of(document: str, *, max_bytes: int = LIMIT) -> object:
    """The mapped outcome of a cut document, or None when it would be read again whole."""
    plan = load_plan()
    sent = server_cut(document)
    assert isinstance(sent, CutText)
    parsed = cut_document(plan, source_cut_for(plan), 7, sent, max_bytes=max_bytes)
    if parsed is None or isinstance(parsed, DocumentFailure):
        return parsed
    return map_parsed(parsed)


def whole_outcome(document: str, *, max_bytes: int = LIMIT) -> object:
    parsed = parse_document(load_plan(), 7, document, max_bytes=max_bytes)
    return parsed if isinstance(parsed, DocumentFailure) else map_parsed(parsed)


def test_the_shipped_contract_is_cut_after_its_container() -> None:
    cut = source_cut_for(load_plan())
    assert cut == SourceCut(("Provenir", "Request", "CustData"))
    assert cut.end_tag == CUSTDATA
    assert cut.closing_tags == b"</Request></Provenir>"


def test_a_contract_reading_after_the_container_has_no_cut() -> None:
    reads_a_report = plan_of(
        mapping("/Root/Request/Reports/Summary", "hits", "base", "hits", "int")
    )
    assert source_cut_for(reads_a_report) is None
    assert source_cut_for(plan_of()) == SourceCut(("Root", "Request", "Data"))


def test_a_good_cut_gives_the_whole_documents_outcome() -> None:
    sent = server_cut(GOOD)
    assert isinstance(sent, CutText) and len(sent.head) < len(GOOD) // 10
    outcome = outcome_of(GOOD)
    assert isinstance(outcome, MappedDocument)
    assert outcome == whole_outcome(GOOD)


def test_reports_before_the_application_are_sent_and_give_the_same_outcome() -> None:
    container_end = GOOD.index(CUSTDATA) + len(CUSTDATA)
    reports = GOOD[container_end : GOOD.rindex("</Request>")]
    document = GOOD.replace(reports, "", 1).replace("<CustData>", f"{reports}<CustData>", 1)
    outcome = outcome_of(document)
    assert isinstance(outcome, MappedDocument)
    assert outcome == whole_outcome(document)


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("end tag in a comment", ("<application", "<!-- </CustData> --><application")),
        (
            "end tag in CDATA before the container",
            ("<CustData>", "<Reports><Report><![CDATA[</CustData>]]></Report></Reports><CustData>"),
        ),
        (
            "end tag of a container at another depth",
            (
                "<CustData>",
                "<Reports><CustData/><Old><CustData>x</CustData></Old></Reports><CustData>",
            ),
        ),
        ("truncated document", ("</Request></Provenir>", "</Request></Prov")),
        ("trailing garbage", ("</Provenir>", "</Provenir><x/>")),
        ("prefixed root end tag", ("</Request></Provenir>", "</Request></p:Provenir>")),
        ("malformed head", ("<application ", '<application x="1" x="2" ')),
    ],
)
def test_a_cut_failing_verification_is_read_again_whole(case: str, change: tuple[str, str]) -> None:
    document = GOOD.replace(*change, 1)
    assert document != GOOD, case
    assert outcome_of(document) is None, case


def test_a_document_cut_off_in_its_reports_is_read_again_whole() -> None:
    assert outcome_of(GOOD[: len(GOOD) * 3 // 4]) is None


def test_a_document_over_the_size_limit_is_read_again_whole() -> None:
    size = len(GOOD.encode())
    assert outcome_of(GOOD, max_bytes=size - 1) is None
    assert outcome_of(GOOD, max_bytes=size) is not None


def test_a_malformation_in_the_part_never_sent_goes_undetected() -> None:
    """The trade-off of ADR 0016: the reports are never parsed, nor even sent."""
    document = GOOD.replace("</DecisionJournal>", "</Journal>", 1)
    assert isinstance(whole_outcome(document), DocumentFailure)
    assert outcome_of(document) == whole_outcome(GOOD)
